"""Tests arrange their world by calling services directly, each call as if it were a
request of its own.

In the app a request is one unit of work: services only flush, and the request commits
once when it succeeds (``plenum.web.dbsession``). A test that calls
``service.create_call(...)`` and then drives the app over HTTP plays an earlier request,
so what the service wrote must be committed before the app looks. ``ArrangeSession``
does that: the flush that ends a service call commits, unless it happens inside a
savepoint or as an autoflush before a query. Tests of the unit of work itself use
``Database.session()`` and commit or roll back by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from plenum.db import has_writes


class ArrangeSession(Session):
    _inside = 0  # > 0 while a flush is part of something else: a query, a savepoint

    def _autoflush(self) -> None:
        self._inside += 1
        try:
            super()._autoflush()
        finally:
            self._inside -= 1

    def commit(self) -> None:
        self._inside += 1
        try:
            super().commit()
        finally:
            self._inside -= 1

    def begin_nested(self) -> Any:
        self._inside += 1
        try:
            return super().begin_nested()
        finally:
            self._inside -= 1

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        super().flush(objects)
        if self._inside or self.in_nested_transaction() or not self.in_transaction():
            return
        self.commit()

    def commit_arranged(self) -> None:
        """Commit what the test wrote, as the end of the request it played."""
        settled = not self._inside and not self.in_nested_transaction()
        if settled and self.in_transaction() and has_writes(self):
            self.commit()


ARRANGED: list[ArrangeSession] = []  # the sessions of the running test


class ArrangedFirst:
    """ASGI middleware for tests: before the app handles a request, what the test
    arranged through services is committed, as the earlier requests would have."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for arranged in ARRANGED:
            arranged.commit_arranged()
        await self.app(scope, receive, send)
