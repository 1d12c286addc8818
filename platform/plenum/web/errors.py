"""Error pages (403, 404, 422, 429, 500, ...) in the site's layout."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from plenum.errors import N_, DomainError, NotFound, PermissionDenied
from plenum.web.templating import Templates

log = logging.getLogger(__name__)

TITLES: dict[int, str] = {
    400: N_("The request could not be processed"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("This is not possible right now"),
    413: N_("Too much sent at once"),
    422: N_("The input could not be processed"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    502: N_("The login service is not reachable"),
    503: N_("Service unavailable"),
}

DETAILS: dict[int, str] = {
    403: N_("You do not have permission for this page or action."),
    404: N_("There is nothing at this address. Perhaps it has been moved or deleted."),
    413: N_(
        "What you sent is larger than Plenum accepts: at most 10 MB for a file, less for a form."
    ),
    429: N_("Too many attempts from your network in a short time. Please wait a moment."),
    500: N_("An unexpected error occurred. It has been logged; please try again later."),
}


def error_page(
    request: Request,
    status_code: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    templates: Templates | None = (
        getattr(request.app.state, "templates", None) if "app" in request.scope else None
    )
    title = TITLES.get(status_code, TITLES[500])
    text = detail or DETAILS.get(status_code, "")
    if templates is None:
        return PlainTextResponse(title, status_code=status_code, headers=dict(headers or {}))
    return templates.render(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "detail": text},
        status_code=status_code,
        headers=headers,
    )


async def rendered(
    request: Request,
    status_code: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error page, rendered on a worker thread: after a rollback the request's session
    has given its connection back, and the page reads the member and their unread
    notifications, so it must wait for a pooled connection. On the event loop that wait
    would stop every request, including those that hold the connections and only need the
    loop to finish (twenty racing requests did). Other refusals answer at once, on the
    loop: their session still holds its connection, or they have none yet."""
    page = partial(error_page, request, status_code, detail, headers=headers)
    response: Response = await run_in_threadpool(page)
    return response


async def reject(request: Request, status_code: int) -> Response:
    """Used by middleware that refuses a request before it reaches a route."""
    detail = N_("The form has expired or did not come from this site. Please reload the page.")
    return error_page(request, status_code, detail if status_code == 403 else None)


async def http_exception(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        return await server_error(request, exc)
    detail = exc.detail if exc.detail and exc.status_code not in (404, 405) else None
    return error_page(request, exc.status_code, detail, headers=exc.headers)


async def permission_denied(request: Request, exc: Exception) -> Response:
    return error_page(request, 403)


async def not_found(request: Request, exc: Exception) -> Response:
    return error_page(request, 404)


async def domain_error(request: Request, exc: Exception) -> Response:
    """A step that cannot be taken now: say why (the message is a catalogue id)."""
    detail = exc.message if isinstance(exc, DomainError) else None
    return error_page(request, 409, detail)


async def conflict(request: Request, exc: Exception) -> Response:
    """A write that lost a race the code did not foresee (a row changed or removed, a
    unique key taken by a request at the same moment): nothing of this request is kept,
    and the member is told to look again, instead of an error page."""
    log.warning("%s on %s %s: answered 409", type(exc).__name__, request.method, request.url.path)
    session = request.scope.get("state", {}).get("db")
    if session is not None:
        await run_in_threadpool(session.rollback)
    return await rendered(request, 409, RACE)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500)


RACE = N_("Someone else changed this at the same moment. Please reload the page.")

HANDLERS = {
    StaleDataError: conflict,
    IntegrityError: conflict,
    HTTPException: http_exception,
    PermissionDenied: permission_denied,
    NotFound: not_found,
    DomainError: domain_error,
    Exception: server_error,
}
