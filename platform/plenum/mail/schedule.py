"""``plenum schedule``: the clock process (Fly.io's second process group), and the only
place that sends e-mail.

Digests are made at most once per member and period (``DigestLog``), so the clock need not
hit an exact minute: every few minutes it runs the daily digests once party time has passed
the hour, and on Mondays the weekly ones too, and closes votes whose time is up.

In between it sends what waits in the outbox as soon as it is there: every request that
queues a mail announces ``mail.queued`` after its commit. On PostgreSQL that event reaches
this process through ``NOTIFY`` (``plenum.events.Listener``) and wakes the sender at once;
on SQLite (one machine, development) the sender looks every ``POLL_SECONDS``. Requests
never talk to the mail relay, so a slow or dead relay never slows a page.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime

from plenum import events
from plenum.clock import utcnow
from plenum.db import Database
from plenum.mail.command import run_digests
from plenum.mail.compose import MAIL_QUEUED
from plenum.mail.outbox import send_pending
from plenum.settings import Settings
from plenum.times import LOCAL_TIME

log = logging.getLogger(__name__)
POLL_SECONDS = {"sqlite": 5.0, "postgresql": 60.0}  # PostgreSQL wakes the sender by NOTIFY


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
        self.database = Database(settings.database_url)

    def close(self) -> None:
        self.database.dispose()

    def tick(self, now: datetime | None = None) -> list[str]:
        now = now or utcnow()
        self._close_votes()
        self._meeting_chores(now)
        self._series_chores(now)
        ran = []
        for kind in due(now, self.hour):
            key = (kind, now.astimezone(LOCAL_TIME).date())
            if key in self.done:
                continue
            outcome = run_digests(self.settings, kind, now)
            log.info("%s digests: %s queued, %s sent", kind, outcome.queued, outcome.sent)
            self.done.add(key)
            ran.append(kind)
        if not ran:
            self.send_waiting()
        return ran

    def _close_votes(self) -> None:
        """Votes whose end time has passed are closed and counted."""
        from plenum.votes import sealing
        from plenum.votes.results import close_due

        sealing.configure(self.settings.secret_key)  # to open the sealed ballots
        with self.database.session() as session:
            closed = close_due(session=session)
            session.commit()
        if closed:
            log.info("votes: %s closed at their end time", closed)

    def _series_chores(self, now: datetime) -> None:
        """Count the session questionnaires that have closed (``plenum meetings-clock``)."""
        from plenum.series.feedback import count_due

        try:
            with self.database.session() as session:
                self.database.prepare_to_write(session)
                counted = count_due(session=session, now=now)
                session.commit()
        except Exception:
            log.exception("series: counting the questionnaires failed, trying again later")
            return
        if counted:
            log.info("series: %s session questionnaires counted", counted)

    def _meeting_chores(self, now: datetime) -> None:
        """Seat offers passed on, reminders queued, old needs deleted (``plenum
        meetings-clock``); a failure here does not keep the digests from going out."""
        from plenum.meetings.chores import run_meeting_chores

        try:
            done = run_meeting_chores(self.settings, now, database=self.database)
        except Exception:
            log.exception("meetings: the chores failed, trying again at the next tick")
            return
        if done.anything:
            log.info(
                "meetings: %s offers passed on, %s reminders queued, %s needs deleted",
                done.passed_on,
                done.reminded,
                done.forgotten,
            )

    def send_waiting(self) -> int:
        """Send what waits in the outbox; how many were sent."""
        if not self.settings.mail_enabled:
            return 0
        with self.database.session() as session:
            return send_pending(self.settings, session=session)


def run_forever(
    settings: Settings,
    *,
    hour: int = 6,
    minutes: float = 5,
    stop: threading.Event | None = None,
) -> None:
    """Tick every ``minutes``; send mail whenever some is queued, until ``stop`` is set."""
    clock = Clock(settings, hour=hour)
    stop = stop or threading.Event()
    queued = threading.Event()
    unsubscribe = events.bus.subscribe(MAIL_QUEUED, lambda _event: queued.set())
    listener = None
    if not clock.database.is_sqlite:
        listener = events.Listener(events.psycopg_dsn(settings.database_url))
        listener.start()
    poll = POLL_SECONDS.get(clock.database.engine.dialect.name, 5.0)
    log.info("clock: digests daily at %02d:00 Europe/Berlin, weekly on Mondays", hour)
    next_tick = 0.0
    try:
        while not stop.is_set():
            queued.clear()
            _run_once(clock, tick=time.monotonic() >= next_tick)
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + minutes * 60
            wait = min(poll, max(0.0, next_tick - time.monotonic()))
            queued.wait(wait)  # woken at once when a mail is queued
    finally:
        unsubscribe()
        if listener is not None:
            listener.stop()
        clock.close()


def _run_once(clock: Clock, *, tick: bool) -> None:
    try:
        if tick:
            clock.tick()
        else:
            clock.send_waiting()
    except Exception:  # a database or relay hiccup must not stop the clock
        log.exception("clock: this run failed, trying again later")
