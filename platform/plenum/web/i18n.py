"""The language of each request: from the session, else the site's default
(``plenum.i18n`` holds the catalogues; this is only the middleware)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from plenum.i18n import DEFAULT_LOCALE, current_locale, normalise


class LocaleMiddleware:
    """Sets the language of this request from the session, else the default."""

    def __init__(self, app: ASGIApp, *, default: str = DEFAULT_LOCALE) -> None:
        self.app = app
        self.default = normalise(default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = normalise(scope.get("session", {}).get("locale"), self.default)
        token = current_locale.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)
