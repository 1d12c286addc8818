"""Long polls of the relay checked a moment ago.

A member's page polls its Janus session again after every event, several times a second
while the chair calls the next speaker, and checking the login, the member's registration,
the room and the session in full for each poll was a third of Plenum's work in a call with
a room full of listeners (bench/video.py, bench/README.md). So a poll of the same Janus
session, by the same login (the signed session id of the cookie), within ``PASS_SECONDS``
of a full check passes on that check. Only polls: every message a page sends through the
relay is still checked in full, and a member put out of the room (registration cancelled,
room ended) is put out at Janus by the follower. Their next poll after ``PASS_SECONDS``
answers 403; a poll already let in is held by Janus for up to 30 s, as without passes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

PASS_SECONDS = 1.0
MAX_PASSES = 20_000  # about 4 tabs of 5,000 members; beyond it the oldest go first

Key = tuple[str, int, int]  # login (session id), meeting, Janus session


class PollPasses:
    """Which polls passed a full check less than ``seconds`` ago (one per process)."""

    def __init__(
        self, seconds: float = PASS_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._until: dict[Key, float] = {}
        self._lock = threading.Lock()

    def holds(self, key: Key) -> bool:
        with self._lock:
            until = self._until.get(key)
            return until is not None and self.clock() < until

    def grant(self, key: Key) -> None:
        now = self.clock()
        with self._lock:
            if len(self._until) >= MAX_PASSES:
                self._prune(now)
            self._until[key] = now + self.seconds

    def _prune(self, now: float) -> None:
        alive = {key: until for key, until in self._until.items() if until > now}
        if len(alive) >= MAX_PASSES:  # all alive: drop the oldest half
            kept = sorted(alive.items(), key=lambda item: item[1])[len(alive) // 2 :]
            alive = dict(kept)
        self._until = alive
