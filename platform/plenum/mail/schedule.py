"""``plenum schedule``: a small clock for hosts without cron (Fly.io's second process group).

Digests are made at most once per member and period (``DigestLog``), so the clock need not
hit an exact minute: every few minutes it runs the daily digests once party time has passed
the hour, and on Mondays the weekly ones too; in between it sends what waits in the outbox.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime

from plenum.clock import utcnow
from plenum.db import Database
from plenum.mail.command import run_digests
from plenum.mail.outbox import send_pending
from plenum.motions.forms import LOCAL_TIME
from plenum.settings import Settings

log = logging.getLogger(__name__)


def due(moment: datetime, hour: int) -> tuple[str, ...]:
    """The digests due at ``moment`` (party time) when they go out at ``hour``."""
    local = moment.astimezone(LOCAL_TIME)
    if local.hour < hour:
        return ()
    return ("daily", "weekly") if local.weekday() == 0 else ("daily",)


class Clock:
    """Runs the due digests once per day and process; ``tick`` is one look at the time."""

    def __init__(self, settings: Settings, *, hour: int = 6) -> None:
        self.settings, self.hour = settings, hour
        self.done: set[tuple[str, date]] = set()

    def tick(self, now: datetime | None = None) -> list[str]:
        now = now or utcnow()
        self._close_votes()
        ran = []
        for kind in due(now, self.hour):
            key = (kind, now.astimezone(LOCAL_TIME).date())
            if key in self.done:
                continue
            outcome = run_digests(self.settings, kind, now)
            log.info("%s digests: %s queued, %s sent", kind, outcome.queued, outcome.sent)
            self.done.add(key)
            ran.append(kind)
        if not ran and self.settings.mail_enabled:
            self._send_waiting()
        return ran

    def _close_votes(self) -> None:
        """Votes whose end time has passed are closed and counted."""
        from plenum.votes import sealing
        from plenum.votes.results import close_due

        sealing.configure(self.settings.secret_key)  # to open the sealed ballots
        database = Database(self.settings.database_url)
        try:
            with database.session() as session:
                closed = close_due(session=session)
        finally:
            database.dispose()
        if closed:
            log.info("votes: %s closed at their end time", closed)

    def _send_waiting(self) -> None:
        database = Database(self.settings.database_url)
        try:
            with database.session() as session:
                send_pending(self.settings, session=session)
        finally:
            database.dispose()


def run_forever(
    settings: Settings,
    *,
    hour: int = 6,
    minutes: float = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> None:  # pragma: no cover - the loop around Clock.tick
    clock = Clock(settings, hour=hour)
    log.info("digest clock: daily at %02d:00 Europe/Berlin, weekly on Mondays", hour)
    while True:
        try:
            clock.tick()
        except Exception:  # a database or relay hiccup must not stop the clock
            log.exception("digest clock: this run failed, trying again later")
        sleep(minutes * 60)
