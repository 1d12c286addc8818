"""CSRF protection for every unsafe request, as pure ASGI middleware.

The token is random per session. Forms carry it in the field ``csrf_token``; htmx
sends it in the ``X-CSRF-Token`` header (``static/js/plenum.js`` adds it). A request
whose token is missing or wrong is answered with 403 and never reaches a route.
Only the one-click unsubscribe links of e-mails are exempt (``EXEMPT_PREFIX``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_BODY = 20 * 1024 * 1024
# The one exception: one-click unsubscribe links in e-mails (RFC 8058). Mail programs
# post to them without any session; the signed token in the path is the authorisation,
# and all it can do is turn the member's e-mail off (``mail.routes``).
EXEMPT_PREFIX = "/unsubscribe/"

Reject = Callable[[Request, int], Awaitable[Response]]


def csrf_token(session: dict[str, Any]) -> str:
    """The session's token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, reject: Reject) -> None:
        self.app = app
        self.reject = reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            await PlainTextResponse("Request body too large", status_code=413)(scope, receive, send)
            return
        replay = _replay(body)
        if scope["path"].startswith(EXEMPT_PREFIX):
            await self.app(scope, replay, send)
            return
        expected = scope.get("session", {}).get("csrf")
        provided = _header_token(scope) or await _form_token(scope, body)
        if not (isinstance(expected, str) and provided and _same(expected, provided)):
            response = await self.reject(Request(scope, replay), 403)
            await response(scope, replay, send)
            return
        await self.app(scope, replay, send)


def _same(expected: str, provided: str) -> bool:
    return hmac.compare_digest(expected.encode(), provided.encode())


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _header_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            return str(value.decode("latin-1"))
    return None


async def _form_token(scope: Scope, body: bytes) -> str | None:
    content_type = Request(scope).headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("utf-8", "replace")).get(FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        try:
            async with Request(scope, _replay(body)).form() as form:
                value = form.get(FIELD)
                return value if isinstance(value, str) else None
        except (HTTPException, MultiPartException):  # malformed: no token in it
            return None
    return None
