"""CSRF protection and body limits for every unsafe request, as pure ASGI middleware.

The token is random per session. Forms carry it in the field ``csrf_token``; htmx
sends it in the ``X-CSRF-Token`` header (``static/js/plenum.js`` adds it). A request
whose token is missing or wrong is answered with 403 and never reaches a route.
Only the one-click unsubscribe links of e-mails and the video server's event reports are
exempt (``EXEMPT_PREFIXES``).

Nothing is buffered before the check: a body larger than the request may send is
refused with 413 from its ``Content-Length`` before a byte of it is read, and a body
that turns out larger while it streams is cut off there. How much a request may send
(``BodyLimits``): little without a logged-in member, an ordinary form's worth for a
member, more only on the routes named (uploads). The token is read from the header, or
from the body as far as needed: a url-encoded form up to the field, a multipart form up
to the ``csrf_token`` part, which must lie within the first ``TOKEN_WINDOW`` bytes
(templates put the field first). What was read is then handed on to the route, followed
by the rest of the stream, still counted.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
KIB = 1024
MIB = 1024 * KIB
TOKEN_WINDOW = 64 * KIB  # how far into a multipart body the token part may start
# The one exception: one-click unsubscribe links in e-mails (RFC 8058). Mail programs
# post to them without any session; the signed token in the path is the authorisation,
# and all it can do is turn the member's e-mail off (``mail.routes``).
# e-mails' one-click unsubscribe links; the video server's event reports (with their own
# password, checked by the route: no browser sends them)
EXEMPT_PREFIXES = ("/unsubscribe/", "/video/janus-events")

Reject = Callable[[Request, int], Awaitable[Response]]
_URLENCODED_TOKEN = re.compile(rb"(?:^|&)csrf_token=([^&]*)&")
_URLENCODED_TOKEN_AT_END = re.compile(rb"(?:^|&)csrf_token=([^&]*)$")


@dataclass(frozen=True)
class BodyLimits:
    """How many bytes an unsafe request may send."""

    anonymous: int = 64 * KIB  # no member logged in (login pages, language, unsubscribe)
    member: int = 1 * MIB  # a logged-in member's forms
    # Larger bodies on these paths (full match), for logged-in members only.
    routes: tuple[tuple[re.Pattern[str], int], ...] = ()
    member_key: str = "member_id"  # the session key that holds the logged-in member

    def for_request(self, scope: Scope) -> int:
        if not isinstance(scope.get("session", {}).get(self.member_key), int):
            return self.anonymous
        path = scope["path"]
        return max(
            (size for pattern, size in self.routes if pattern.fullmatch(path)),
            default=self.member,
        )


class BodyTooLarge(Exception):
    """The body streamed past its limit."""


def csrf_token(session: dict[str, Any]) -> str:
    """The session's token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, reject: Reject, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.reject = reject
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_request(scope)
        length = _content_length(scope)
        if length is not None and length > limit:
            await self._too_large(scope, receive, send)
            return
        counted = _counted(receive, limit)
        if scope["path"].startswith(EXEMPT_PREFIXES):
            await self._guarded(scope, counted, send)
            return
        try:
            provided, read, complete = await _find_token(scope, counted, limit)
        except BodyTooLarge:
            await self._too_large(scope, receive, send)
            return
        onward = _replay(read, complete, counted)
        expected = scope.get("session", {}).get("csrf")
        if not (isinstance(expected, str) and provided and _same(expected, provided)):
            response = await self.reject(Request(scope, onward), 403)
            await response(scope, onward, send)
            return
        await self._guarded(scope, onward, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        """413, and the connection closed: the rest of the body is not read."""
        response = await self.reject(Request(scope, receive), 413)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; a body that streams past its limit before the answer began gets 413."""
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send)


def _same(expected: str, provided: str) -> bool:
    return hmac.compare_digest(expected.encode(), provided.encode())


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    return int(raw) if raw is not None and raw.strip().isdigit() else None


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive``, raising ``BodyTooLarge`` once the body passes ``limit`` bytes."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise BodyTooLarge
        return message

    return counted


def _replay(read: bytes, complete: bool, rest: Receive) -> Receive:
    """What was read for the check, then the rest of the stream."""
    pending = True

    async def receive() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": read, "more_body": not complete}
        return await rest()

    return receive


async def _find_token(scope: Scope, receive: Receive, limit: int) -> tuple[str | None, bytes, bool]:
    """The token (header or body), the bytes read to find it, and whether that was all."""
    header = _header(scope, HEADER.encode())
    if header is not None:
        return header, b"", False
    content_type = _header(scope, b"content-type") or ""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return await _read_until(receive, _urlencoded_token, limit)
    boundary = _boundary(content_type)
    if content_type.startswith("multipart/form-data") and boundary:
        return await _read_until(receive, _multipart_token(boundary), min(limit, TOKEN_WINDOW))
    return None, b"", False


Finder = Callable[[bytes, bool], str | None]


async def _read_until(
    receive: Receive, find: Finder, window: int
) -> tuple[str | None, bytes, bool]:
    """Read chunks until ``find`` sees the token, the body ends, or ``window`` bytes
    have been read without finding it."""
    buffer = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, bytes(buffer), True
        buffer += message.get("body", b"")
        complete = not message.get("more_body", False)
        read = bytes(buffer)
        token = find(read, complete)
        if token is not None or complete or len(read) >= window:
            return token, read, complete


def _urlencoded_token(body: bytes, complete: bool) -> str | None:
    found = _URLENCODED_TOKEN.search(body) or (
        _URLENCODED_TOKEN_AT_END.search(body) if complete else None
    )
    return unquote_plus(found[1].decode("latin-1")) if found else None


def _boundary(content_type: str) -> bytes | None:
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    return found[1].encode("latin-1") if found else None


def _multipart_token(boundary: bytes) -> Finder:
    delimiter = b"--" + re.escape(boundary)
    part = re.compile(
        delimiter
        + rb'\r\n(?:[^\r\n]*\r\n)*?content-disposition: *form-data; *name="?csrf_token"?'
        + rb"[^\r\n]*\r\n(?:[^\r\n]*\r\n)*?\r\n([^\r\n]*)\r\n"
        + delimiter,
        re.IGNORECASE,
    )

    def find(body: bytes, _complete: bool) -> str | None:
        found = part.search(body)
        return found[1].decode("utf-8", "replace") if found else None

    return find
