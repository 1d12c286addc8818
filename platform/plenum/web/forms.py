"""Reading submitted forms and query values into plain values.

Everything a member (or anyone) sends is read here or checked by ``NulMiddleware``, so a
NUL character (which PostgreSQL cannot store) is refused in one place, with a 400 page.
Numbers are read by ``plenum.parsing``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from plenum.errors import N_
from plenum.web.errors import error_page

MAX_FIELDS = 1000  # as many as Starlette's form parser takes
NUL_REFUSED = N_(
    "The input contains a null character, which cannot be stored. "
    "Please remove it and send the form again."
)


def refuse_nul(pairs: Iterable[tuple[str, str]]) -> None:
    """A 400 answer when a name or value holds a NUL character."""
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        raise HTTPException(400, NUL_REFUSED)


async def form_items(request: Request) -> list[tuple[str, str]]:
    """The submitted form's text fields in order, names repeated as sent. A plain form
    (url-encoded, as browsers and htmx send it) is read directly, a fifth of the cost of
    the general parser; others go through Starlette's (files are left out)."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = (await request.body()).decode("utf-8", "replace")
        try:
            items = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:  # too many fields: as Starlette's parser answers
            raise HTTPException(400, f"Too many fields. At most {MAX_FIELDS}.") from None
    else:
        async with request.form() as form:
            items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    refuse_nul(items)
    return items


async def form_values(request: Request, *names: str) -> dict[str, str]:
    """The named fields of the submitted form as stripped strings ("" when absent)."""
    async with request.form() as form:
        values: dict[str, str] = {}
        for name in names:
            value = form.get(name)
            values[name] = value.strip() if isinstance(value, str) else ""
    refuse_nul(values.items())
    return values


class NulMiddleware:
    """Answers 400 to a request whose path or query string holds a NUL character, before
    any route reads it (path parameters and query values reach the database as they are)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            response = error_page(Request(scope), 400, NUL_REFUSED)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(query)


def local_path(candidate: str | None, default: str = "/") -> str:
    """``candidate`` if it is a path on this site, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks, so a login
    can never send a member elsewhere.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if "\\" in candidate or any(ord(ch) < 32 for ch in candidate):
        return default
    return candidate


def new_form_key() -> str:
    """A fresh one-time key for a form that creates something (its ``key`` field): the
    same form sent twice then saves once."""
    return secrets.token_urlsafe(16)
