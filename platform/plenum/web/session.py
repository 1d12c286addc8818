"""A signed-cookie session as pure ASGI middleware, with idle and absolute timeouts.

The session lives in the cookie, signed with the secret key (itsdangerous). It holds
little: the member's id, the CSRF token, the chosen language and the login state of an
OpenID flow in progress. ``_c`` is when the session began and ``_s`` when it was last
seen; a session idle for longer than the idle timeout, or older than the absolute
timeout, is dropped and a fresh one begins. ``_id`` is the session's random id: a
logged-in session is valid only while the server keeps its row (``plenum.auth.sessions``).

With secure cookies (production) the cookie is named ``__Host-plenum_session``: the
browser then takes it only over HTTPS, for the whole site (``Path=/``) and from this
host alone (no ``Domain``), so no subdomain can set or overwrite it.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE_NAME = "plenum_session"
SECURE_COOKIE_NAME = "__Host-" + COOKIE_NAME
SESSION_ID = "_id"  # the key of the session's id in the cookie
_TOUCH_EVERY = 60  # seconds between cookie refreshes when nothing else changed


class SessionMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        secret_key: str,
        idle_seconds: int,
        max_seconds: int,
        secure: bool,
    ) -> None:
        self.app = app
        self.serializer = URLSafeSerializer(secret_key, salt="plenum.session")
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self.secure = secure
        self.cookie_name = cookie_name(secure=secure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = _read_cookie(scope, self.cookie_name)
        now = int(time.time())
        session = self._load(raw, now)
        scope["session"] = session
        before = json.dumps(session, sort_keys=True)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._store(message, session, before, had_cookie=raw is not None, now=now)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, raw: str | None, now: int) -> dict[str, Any]:
        if raw:
            try:
                data = self.serializer.loads(raw)
            except BadSignature:
                data = None
            if isinstance(data, dict) and self._alive(data, now):
                return data
        return new_session_data(now)

    def _alive(self, data: dict[str, Any], now: int) -> bool:
        created, seen = data.get("_c"), data.get("_s")
        if not isinstance(created, int) or not isinstance(seen, int):
            return False
        return now - seen <= self.idle_seconds and now - created <= self.max_seconds

    def _store(
        self, message: Message, session: dict[str, Any], before: str, *, had_cookie: bool, now: int
    ) -> None:
        if not _has_content(session):
            if had_cookie:
                self._set_cookie(message, "", max_age=0)
            return
        changed = json.dumps(session, sort_keys=True) != before
        stale = now - int(session.get("_s", 0)) >= _TOUCH_EVERY
        if not (changed or stale or not had_cookie):
            return  # the browser's cookie is still good: not signed and sent again
        session["_s"] = now
        self._set_cookie(message, self.serializer.dumps(session), max_age=self.max_seconds)

    def _set_cookie(self, message: Message, value: str, *, max_age: int) -> None:
        cookie = f"{self.cookie_name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"
        if self.secure:
            cookie += "; Secure"
        MutableHeaders(scope=message).append("Set-Cookie", cookie)


def new_session_data(now: int | None = None) -> dict[str, Any]:
    stamp = int(time.time()) if now is None else now
    return {"_c": stamp, "_s": stamp, SESSION_ID: secrets.token_urlsafe(24)}


def cookie_name(*, secure: bool) -> str:
    return SECURE_COOKIE_NAME if secure else COOKIE_NAME


def renew(session: dict[str, Any]) -> None:
    """Start a new session in place (at login and logout): nothing old survives."""
    locale = session.get("locale")
    session.clear()
    session.update(new_session_data())
    if locale:
        session["locale"] = locale


def _has_content(session: dict[str, Any]) -> bool:
    return any(not key.startswith("_") for key in session)


def _read_cookie(scope: Scope, cookie_name: str) -> str | None:
    """The session cookie's value. Its values are URL-safe base64 and never quoted, so
    the header is split by hand (the standard library's parser costs 40 times as much).
    Sent twice, the last one counts, as with that parser."""
    found: str | None = None
    for name, value in scope.get("headers", []):
        if name != b"cookie":
            continue
        header: str = value.decode("latin-1")
        for part in header.split(";"):
            key, _, cookie = part.strip().partition("=")
            if key == cookie_name and cookie:
                found = cookie
    return found
