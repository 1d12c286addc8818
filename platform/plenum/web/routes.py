"""Site-wide pages: the start page, the health check and the language switch."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from plenum.agenda.service import agenda
from plenum.auth.current import principal
from plenum.auth.routes import UNKNOWN_CHAPTERS
from plenum.auth.service import set_locale
from plenum.web.dbsession import db
from plenum.web.forms import form_values, local_path
from plenum.web.i18n import LOCALES
from plenum.web.templating import Templates

log = logging.getLogger(__name__)


def home(request: Request) -> Response:
    """Logged out: what Plenum is and a login button. Logged in: what needs the member."""
    templates: Templates = request.app.state.templates
    found = principal(request)
    items = agenda(found, session=db(request)) if found else []
    context = {
        "agenda": items,
        "logged_in": bool(found),
        "unknown_chapters": request.session.get(UNKNOWN_CHAPTERS, []) if found else [],
    }
    return templates.render(request, "home.html", context)


async def healthz(request: Request) -> Response:
    try:
        ok = await run_in_threadpool(request.app.state.database.ping)
    except SQLAlchemyError:
        log.exception("health check: database not reachable")
        ok = False
    return JSONResponse(
        {"status": "ok" if ok else "error", "database": ok}, status_code=200 if ok else 503
    )


async def choose_language(request: Request) -> Response:
    values = await form_values(request, "locale", "next")
    locale = values["locale"]
    if locale in LOCALES:
        request.session["locale"] = locale
        await run_in_threadpool(_remember_locale, request, locale)
    return RedirectResponse(local_path(values["next"]), status_code=303)


def _remember_locale(request: Request, locale: str) -> None:
    """Keep the language for the logged-in member (only while the session is valid)."""
    found = principal(request)
    if found is not None:
        set_locale(found.member_id, locale, session=db(request))


routes = [
    Route("/", home, name="home"),
    Route("/healthz", healthz, name="healthz"),
    Route("/language", choose_language, methods=["POST"], name="language"),
]
