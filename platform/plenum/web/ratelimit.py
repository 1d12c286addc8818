"""Token-bucket rate limits held in memory.

The login limit counts per client address and is generous: a convention hall of 600
delegates may share one address. Limits on members' actions count per member id.
Each app instance keeps its own buckets (documented in docs/operators.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows ``count`` hits per ``window`` seconds per key, with bursts up to ``count``."""

    def __init__(
        self, count: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = float(count)
        self.rate = count / window
        self.clock = clock
        self.window = window
        self._buckets: dict[str, _Bucket] = {}
        self._forms: dict[str, float] = {}  # one-time form keys seen, and when
        self._lock = threading.Lock()

    def hit(self, key: str, cost: int = 1, *, form: str = "") -> bool:
        """Take ``cost`` tokens for ``key``; False (taking none) when it has fewer left.
        The same form (its one-time key ``form``) sent again within the window costs
        nothing: it saves nothing new, so twenty copies of one form at once count once."""
        now = self.clock()
        with self._lock:
            seen = self._forms.get(f"{key}:{form}") if form else None
            if seen is not None and now - seen < self.window:
                return True
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
                self._forget_full_buckets(now)
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < cost:
                return False
            bucket.tokens -= cost
            if form:
                self._forget_old_forms(now)
                self._forms[f"{key}:{form}"] = now
            return True

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` has a token again (at least 1)."""
        with self._lock:
            bucket = self._buckets.get(key)
            missing = 1 - bucket.tokens if bucket else 0
        return max(1, int(missing / self.rate + 0.999))

    def _forget_old_forms(self, now: float) -> None:
        if len(self._forms) < 10_000:
            return
        for name in [n for n, at in self._forms.items() if now - at >= self.window]:
            del self._forms[name]

    def _forget_full_buckets(self, now: float) -> None:
        if len(self._buckets) < 10_000:
            return
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]


_MADE = threading.Lock()


def limiter_for(state: Any, name: str, rate: tuple[int, float]) -> RateLimiter:
    """The app's limiter ``name`` (kept on ``app.state``), made on first use."""
    with _MADE:
        limiter = getattr(state, name, None)
        if not isinstance(limiter, RateLimiter):
            limiter = RateLimiter(*rate)
            setattr(state, name, limiter)
    return limiter
