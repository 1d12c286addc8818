"""Event loops of their own for tests that drive coroutines directly."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


def in_a_loop(work: Any) -> Any:
    """Run the coroutine ``work`` in an event loop of its own, on a thread of its own (the
    browser tests leave an event loop running in the main thread)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(work))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert outcome, "the event loop hung"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]
