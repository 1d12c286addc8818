"""What the clock does for meetings (``plenum meetings-clock``, and every tick of
``plenum schedule``): pass on seat offers not confirmed in time, queue the reminders the
day before, delete needs 30 days after a meeting. Each is committed on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from plenum.clock import utcnow
from plenum.db import Database
from plenum.meetings.registration import forget_needs, pass_on_expired_offers, send_reminders
from plenum.settings import Settings


@dataclass(frozen=True)
class ChoresDone:
    passed_on: int  # seat offers that lapsed and went to the next in line
    reminded: int  # reminders queued
    forgotten: int  # needs deleted

    @property
    def anything(self) -> bool:
        return bool(self.passed_on or self.reminded or self.forgotten)


def run_meeting_chores(
    settings: Settings, now: datetime | None = None, *, database: Database | None = None
) -> ChoresDone:
    """Run the three once, at ``now``; on ``database`` if given (else one of its own)."""
    moment = now or utcnow()
    own = database is None
    db = Database(settings.database_url) if database is None else database
    try:
        return ChoresDone(
            passed_on=_committed(db, lambda s: pass_on_expired_offers(session=s, now=moment)),
            reminded=_committed(
                db, lambda s: send_reminders(session=s, now=moment, base_url=settings.base_url)
            ),
            forgotten=_committed(db, lambda s: forget_needs(session=s, now=moment)),
        )
    finally:
        if own:
            db.dispose()


def _committed(database: Database, chore: Callable[[Session], int]) -> int:
    with database.session() as session:
        database.prepare_to_write(session)
        done = chore(session)
        session.commit()
        return done
