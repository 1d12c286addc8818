"""The only place that reads htmx's request headers."""

from __future__ import annotations

from starlette.requests import Request


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment (history restores want the full page)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"
    )


def is_boosted(request: Request) -> bool:
    return request.headers.get("HX-Boosted") == "true"


def target(request: Request) -> str | None:
    return request.headers.get("HX-Target")
