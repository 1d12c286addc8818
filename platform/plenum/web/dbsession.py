"""One database session per request, opened on first use and always closed."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from plenum.db import Database


def db(request: Request) -> Session:
    """The request's session; routes pass it to services, never write SQL themselves."""
    state = request.scope.setdefault("state", {})
    session: Session | None = state.get("db")
    if session is None:
        database: Database = request.app.state.database
        session = state["db"] = database.session()
    return session


class DbSessionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            session = scope.get("state", {}).pop("db", None)
            if session is not None:
                session.close()
