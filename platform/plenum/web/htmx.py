"""The only place that reads htmx's request headers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response


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
