"""When each request reached the app, and which unsafe requests are still being served.

Some steps must come after everything that reached the server before them, in the
order the requests arrived, not in the order the server happened to finish them: a
vote's close must count every ballot whose request arrived before the chair pressed
"close", however long the ballot then waited for the database. The outermost layer of
the app stamps each request with its arrival (``arrived``) and keeps the unsafe ones
while they are being served; such a step waits with ``settled`` until every unsafe
request that arrived before it has been answered.

It knows the requests of its own process only: ballots sent to another process of the
same site are covered by the grace the close allows them (``votes.results``).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from starlette.types import ASGIApp, Receive, Scope, Send

from plenum.clock import utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
POLL_SECONDS = 0.005


def arrived(scope: Scope) -> datetime:
    """When the request reached the app (now, for a scope the app did not stamp)."""
    stamped = scope.get("arrived")
    return stamped if isinstance(stamped, datetime) else utcnow()


class Arrivals:
    """The stamping layer and the unsafe requests in flight, by the identity of their scope."""

    def __init__(self) -> None:
        self._unsafe: dict[int, datetime] = {}

    def wrap(self, app: ASGIApp) -> ASGIApp:
        unsafe = self._unsafe

        async def stamped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            scope["arrived"] = stamp = utcnow()
            if scope["method"] in SAFE_METHODS:
                await app(scope, receive, send)
                return
            key = id(scope)
            unsafe[key] = stamp
            try:
                await app(scope, receive, send)
            finally:
                unsafe.pop(key, None)

        return stamped

    def waiting_before(self, moment: datetime, *, besides: Scope | None = None) -> int:
        """How many unsafe requests that arrived before ``moment`` are still being served."""
        own = id(besides) if besides is not None else None
        return sum(1 for key, stamp in self._unsafe.items() if stamp < moment and key != own)

    async def settled(self, moment: datetime, *, besides: Scope, limit: float) -> bool:
        """Wait until every unsafe request (other than ``besides``) that arrived before
        ``moment`` has been answered, at most ``limit`` seconds; whether they all were."""
        deadline = time.monotonic() + limit
        while self.waiting_before(moment, besides=besides):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(POLL_SECONDS)
        return True
