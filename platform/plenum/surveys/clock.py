"""What the clock does for surveys on every tick (``plenum meetings-clock``): remind the
members who have not answered, once, in the last days; count the anonymous surveys that
have closed; delete raw answers whose time is up (the counts stay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from plenum.surveys.counting import count_due
from plenum.surveys.service import forget_due, remind_due


@dataclass(frozen=True)
class Done:
    reminded: int  # members reminded
    counted: int  # anonymous surveys counted
    forgotten: int  # surveys whose raw answers were deleted


def run(*, session: Session, now: datetime | None = None) -> Done:
    counted = count_due(session=session, now=now)  # before forgetting: counts stay
    return Done(
        reminded=remind_due(session=session, now=now),
        counted=counted,
        forgotten=forget_due(session=session, now=now),
    )
