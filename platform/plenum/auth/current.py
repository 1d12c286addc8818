"""The member behind the current request."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from plenum.auth import sessions
from plenum.auth.permissions import Action, Principal, Scope, require
from plenum.orgs.models import Member
from plenum.orgs.service import principal_of
from plenum.web import htmx
from plenum.web.dbsession import db
from plenum.web.session import SESSION_ID

SESSION_KEY = "member_id"


class LoginRequired(Exception):
    """The page needs a logged-in member."""


def principal(request: Request) -> Principal | None:
    """The logged-in member's grants, loaded once per request (None when logged out)."""
    state = request.scope.setdefault("state", {})
    if "principal" not in state:
        state["member"] = _session_member(request)
        found = state["member"]
        state["principal"] = principal_of(found, session=db(request)) if found else None
    result: Principal | None = state["principal"]
    return result


def _session_member(request: Request) -> Member | None:
    """The member of the session, if it is still valid on the server; a session that
    was ended (or whose member was removed) is logged out here."""
    data = request.scope.get("session", {})
    member_id, session_id = data.get(SESSION_KEY), data.get(SESSION_ID)
    if not isinstance(member_id, int):
        return None
    found = sessions.session_member(member_id, str(session_id), session=db(request))
    if found is None:
        request.session.pop(SESSION_KEY, None)
    return found


def member(request: Request) -> Member | None:
    """The logged-in member's row, as loaded with the principal (not read again)."""
    principal(request)
    found: Member | None = request.scope["state"]["member"]
    return found


def require_member(request: Request) -> Principal:
    found = principal(request)
    if found is None:
        raise LoginRequired
    return found


def authorize(request: Request, action: Action, scope: Scope) -> Principal:
    """The logged-in member, if they may do ``action`` on ``scope``; else 403 (or login)."""
    found = require_member(request)
    require(found, action, scope)
    return found


async def login_required(request: Request, exc: Exception) -> Response:
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/auth/login?" + urlencode({"next": next_path})
    if htmx.is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
