"""Pages of mail: the member's e-mail settings, and the one-click unsubscribe.

``/unsubscribe/{token}`` needs no login and no CSRF token (``web.csrf`` exempts the
prefix): mail programs post to it on their own (RFC 8058). The signed token is the
authorisation, and all it can do is turn e-mail off.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.errors import N_, ValidationFailed
from plenum.mail import delivery
from plenum.mail.compose import DELIVERY_PATH
from plenum.settings import Settings
from plenum.web.dbsession import db
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for


def delivery_page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    principal = require_member(request)
    member = delivery.member(principal.member_id, session=db(request))
    context = {
        "values": values or {"delivery": member.delivery},
        "errors": errors or {},
        "choices": delivery.CHOICES,
        "email": member.email,
    }
    return render(request, "mail/delivery.html", context, status_code, block="form")


async def delivery_save(request: Request) -> Response:
    return await run(request, _delivery_save, "delivery")


def _delivery_save(request: Request, values: dict[str, str]) -> Response:
    principal = require_member(request)
    try:
        delivery.choose(principal.member_id, values["delivery"], session=db(request))
    except ValidationFailed as exc:
        return delivery_page(request, values, exc.errors, status_code=422)
    flash(request, N_("Your e-mail settings have been saved."))
    return see_other(request, path_for(request, "delivery"))


def _secret(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.secret_key


def unsubscribe_page(request: Request) -> Response:
    token = request.path_params["token"]
    delivery.member_by_token(token, secret_key=_secret(request), session=db(request))
    return render(request, "mail/unsubscribe.html", {"token": token, "done": False})


def unsubscribe(request: Request) -> Response:
    token = request.path_params["token"]
    delivery.unsubscribe(token, secret_key=_secret(request), session=db(request))
    return render(request, "mail/unsubscribe.html", {"token": token, "done": True})


routes = [
    Route(DELIVERY_PATH, delivery_page, name="delivery"),
    Route(DELIVERY_PATH, delivery_save, methods=["POST"], name="delivery_save"),
    Route("/unsubscribe/{token}", unsubscribe_page, name="unsubscribe"),
    Route("/unsubscribe/{token}", unsubscribe, methods=["POST"], name="unsubscribe_confirm"),
]
