"""One database session per request: one unit of work, committed once or not at all.

Routes and services write through the request's session and never commit. When the
route's answer starts, this middleware ends the unit of work *before* the answer
leaves: an answer below 400 commits what was written, a refusal (4xx) or an error
(5xx) rolls it all back, so a refused request changes nothing. Nothing is sent before
the commit succeeded: a member who sees "saved" can rely on it, and the next request
sees it. A commit that fails turns the answer into an error page. Domain events
(``plenum.events``) are delivered only after the commit.
"""

from __future__ import annotations

import asyncio
import logging

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plenum.db import Database, has_writes

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db(request: Request) -> Session:
    """The request's session; routes pass it to services, never write SQL themselves."""
    state = request.scope.setdefault("state", {})
    session: Session | None = state.get("db")
    database: Database = request.app.state.database
    if session is None:
        session = state["db"] = database.session()
    if request.method not in SAFE_METHODS and "db_writing" not in state and _on_a_thread():
        database.prepare_to_write(session)  # never on the event loop: it may wait for a lock
        state["db_writing"] = True
    return session


def _on_a_thread() -> bool:
    """Whether this runs on a worker thread, not on the event loop's."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


class DbSessionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        failed = False

        async def send_after_commit(message: Message) -> None:
            nonlocal failed
            if failed:
                return  # the route's answer was replaced by an error
            if message["type"] == "http.response.start":
                failed = not await end_unit_of_work(scope, int(message["status"]))
                if failed:
                    await _send_failure(send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_after_commit)
        finally:
            session = scope.get("state", {}).pop("db", None)
            if session is not None:
                await close_session(session)


async def release(request: Request) -> None:
    """Close the request's session early: for an answer that streams for a long time and
    needs no more of the database (a live room's events)."""
    session = request.scope.get("state", {}).pop("db", None)
    if session is not None:
        await close_session(session)


async def close_session(session: Session) -> None:
    """Close the request's session. Ending a transaction on PostgreSQL is a round trip
    to the server (which may be busy): never on the event loop, where every other
    request would wait for it. Ending SQLite's read transaction is a call into the
    library that waits for nothing: done in place."""
    if session.in_transaction() and session.get_bind().dialect.name != "sqlite":
        await anyio.to_thread.run_sync(session.close, limiter=_endings())
    else:
        session.close()


_ENDINGS: list[anyio.CapacityLimiter] = []


def _endings() -> anyio.CapacityLimiter:
    """Threads of their own for commits and rollbacks. A request that holds a lock must
    be able to end its transaction even while every request thread waits for that
    lock; sharing the request threads' limiter would deadlock until the lock times out."""
    if not _ENDINGS:
        _ENDINGS.append(anyio.CapacityLimiter(8))
    return _ENDINGS[0]


async def end_unit_of_work(scope: Scope, status: int) -> bool:
    """Commit the request's writes if ``status`` says it succeeded, else roll them back.

    False when the commit failed (the writes are rolled back and logged)."""
    session: Session | None = scope.get("state", {}).get("db")
    if session is None or not session.in_transaction():
        return True
    if not has_writes(session):
        return True  # only reads: closing the session ends them, no lock is held
    if status >= 400:  # a refusal: undo it now, so no lock outlives the answer
        await anyio.to_thread.run_sync(session.rollback, limiter=_endings())
        return True
    try:
        await anyio.to_thread.run_sync(session.commit, limiter=_endings())
    except SQLAlchemyError:
        log.exception("commit failed on %s %s", scope.get("method"), scope.get("path"))
        await anyio.to_thread.run_sync(session.rollback, limiter=_endings())
        return False
    return True


async def _send_failure(send: Send) -> None:
    body = b"Something went wrong; nothing was saved. Please try again."
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
