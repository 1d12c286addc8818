"""The digest clock: runs the daily digests once a day from the hour, weekly on Mondays."""

from __future__ import annotations

from datetime import datetime

from plenum.mail.schedule import Clock, due
from plenum.times import LOCAL_TIME


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LOCAL_TIME)  # 23 Nov 2026: a Monday


def test_what_is_due_by_the_hour_and_the_weekday():
    assert due(berlin(23, 5, 59), 6) == ()
    assert due(berlin(23, 6, 0), 6) == ("daily", "weekly")
    assert due(berlin(24, 18, 0), 6) == ("daily",)
    assert due(berlin(24, 6, 30), 7) == ()


def test_the_clock_runs_each_period_once_per_day(settings):
    clock = Clock(settings, hour=6)
    assert clock.tick(berlin(23, 5, 0)) == []
    assert clock.tick(berlin(23, 6, 5)) == ["daily", "weekly"]
    assert clock.tick(berlin(23, 6, 10)) == []
    assert clock.tick(berlin(24, 6, 5)) == ["daily"]
