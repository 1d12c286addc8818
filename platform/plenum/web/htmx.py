"""The only place that reads htmx's request headers."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HISTORY_HEADERS = ("HX-Push-Url", "HX-Replace-Url", "HX-Redirect", "Location")


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment.

    Boosted links and forms, and history restores, want the full page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def see_other(request: Request, path: str) -> Response:
    """After a successful POST: 303 to ``path``, or tell htmx to load it as a whole page."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=303)


class KeepHistoryMiddleware:
    """A boosted form that is answered with a page (a message beside a field, a refusal)
    leaves the address bar as it was. By default htmx would push the form's POST address,
    which a reload or the back button then asks for with GET and gets 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD")
            or Headers(scope=scope).get("HX-Request") != "true"
        ):
            await self.app(scope, receive, send)
            return

        async def send_keeping_history(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not any(name in headers for name in _HISTORY_HEADERS):
                    headers["HX-Push-Url"] = "false"
            await send(message)

        await self.app(scope, receive, send_keeping_history)
