"""The arrival stamps and the wait for unsafe requests that arrived earlier."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from plenum.web.arrivals import Arrivals, arrived
from tests.support.loops import in_a_loop


def test_each_request_is_stamped_and_unsafe_ones_are_kept_while_served() -> None:
    arrivals = Arrivals()
    seen: list[tuple[str, datetime, int]] = []
    release = asyncio.Event()

    async def app(scope: Any, _receive: Any, _send: Any) -> None:
        seen.append((scope["method"], arrived(scope), arrivals.waiting_before(arrived(scope))))
        if scope["method"] == "POST":
            await release.wait()

    stamped = arrivals.wrap(app)

    async def run() -> tuple[bool, bool]:
        post = {"type": "http", "method": "POST", "path": "/votes/1/cast"}
        serving = asyncio.create_task(stamped(post, None, None))
        await asyncio.sleep(0.01)
        close = {"type": "http", "method": "POST", "path": "/votes/1/close"}
        close["arrived"] = datetime.now(arrived(post).tzinfo)
        early = await arrivals.settled(close["arrived"], besides=close, limit=0.05)
        release.set()
        await serving
        late = await arrivals.settled(close["arrived"], besides=close, limit=0.05)
        await stamped({"type": "http", "method": "GET", "path": "/"}, None, None)
        return early, late

    early, late = in_a_loop(run())
    assert early is False  # the ballot that arrived first was still being served
    assert late is True
    assert [method for method, _, _ in seen] == ["POST", "GET"]
    assert seen[0][2] == 0  # nothing arrived before the ballot
    assert seen[1][1] > seen[0][1]
    assert arrivals.waiting_before(datetime.now(seen[0][1].tzinfo)) == 0


def test_a_request_never_waits_for_itself_or_for_later_ones() -> None:
    arrivals = Arrivals()

    async def app(scope: Any, _receive: Any, _send: Any) -> None:
        assert await arrivals.settled(arrived(scope), besides=scope, limit=0.05)

    async def run() -> None:
        stamped = arrivals.wrap(app)
        first = {"type": "http", "method": "POST", "path": "/a"}
        second = {"type": "http", "method": "POST", "path": "/b"}
        await asyncio.gather(stamped(first, None, None), stamped(second, None, None))

    in_a_loop(run())
