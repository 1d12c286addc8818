"""Every stored moment is the same moment when read back, on SQLite and PostgreSQL:
whatever zone it was written in, it comes back as aware UTC, and the database orders it
as the moments are ordered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.engine import Engine

from plenum.db import EARLIEST, LATEST, Database, UTCDateTime
from plenum.times import local_datetime, local_input

BERLIN = ZoneInfo("Europe/Berlin")
SCRATCH = MetaData()
MOMENTS = Table(
    "scratch_moment",
    SCRATCH,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=True),
)
# Moments a zone's offset away from the first and last representable years.
FIRST, LAST = datetime(2, 1, 1), datetime(9998, 12, 31)  # noqa: DTZ001 - Hypothesis wants naive bounds
moments = st.datetimes(min_value=FIRST, max_value=LAST, timezones=st.timezones())


@pytest.fixture(scope="module")
def scratch(database: Database) -> Iterator[Engine]:
    SCRATCH.create_all(database.engine)
    yield database.engine
    SCRATCH.drop_all(database.engine)


def stored(engine: Engine, *values: datetime | None) -> list[datetime | None]:
    """``values`` written and read back, in the order written."""
    with engine.begin() as connection:
        connection.execute(MOMENTS.delete())
        for value in values:
            connection.execute(insert(MOMENTS).values(at=value))
        return list(connection.execute(select(MOMENTS.c.at).order_by(MOMENTS.c.id)).scalars())


@settings(max_examples=60, deadline=None)
@given(moment=moments)
def test_a_moment_comes_back_as_the_same_moment_in_utc(scratch, moment):
    (back,) = stored(scratch, moment)
    assert back is not None
    assert back.tzinfo is UTC
    assert back == moment.astimezone(UTC)


@settings(max_examples=60, deadline=None)
@given(first=moments, second=moments)
def test_the_database_compares_moments_as_they_are_ordered(scratch, first, second):
    stored(scratch, first)
    with scratch.connect() as connection:
        earlier = connection.execute(
            select(func.count()).select_from(MOMENTS).where(MOMENTS.c.at < second)
        ).scalar()
    assert earlier == int(first.astimezone(UTC) < second.astimezone(UTC))


def test_a_typed_berlin_evening_stays_that_evening_in_winter_and_summer(scratch):
    winter = datetime(2027, 1, 15, 20, 0, tzinfo=BERLIN)
    summer = datetime(2027, 7, 15, 20, 0, tzinfo=BERLIN)
    back = stored(scratch, winter, summer)
    assert back == [
        datetime(2027, 1, 15, 19, 0, tzinfo=UTC),
        datetime(2027, 7, 15, 18, 0, tzinfo=UTC),
    ]
    assert [b.astimezone(BERLIN).strftime("%H:%M") for b in back if b] == ["20:00", "20:00"]


def test_naive_moments_are_taken_as_utc_and_none_stays_none(scratch):
    naive = datetime(2027, 3, 1, 12, 0)  # noqa: DTZ001 - what the column is given
    assert stored(scratch, naive, None) == [
        datetime(2027, 3, 1, 12, 0, tzinfo=UTC),
        None,
    ]


def test_the_extremes_of_the_calendar_are_held_instead_of_failing(scratch):
    first_evening = datetime(1, 1, 1, 0, 0, tzinfo=BERLIN)  # before year 1 in UTC
    last_morning = datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    assert stored(scratch, first_evening, last_morning) == [EARLIEST, LATEST]


def typed_and_stored(engine: Engine, typed: str) -> str:
    """``typed`` into a date/time field, stored, and shown in the edit form again."""
    errors: dict[str, str] = {}
    moment = local_datetime({"at": typed}, "at", errors)
    assert not errors
    (back,) = stored(engine, moment)
    assert back is not None
    return local_input(back)


def exists_in_party_time(wall: datetime) -> bool:
    """False for the hour skipped when summer time begins."""
    there = wall.replace(tzinfo=BERLIN).astimezone(UTC).astimezone(BERLIN)
    return there.replace(tzinfo=None) == wall


WALL_FIRST, WALL_LAST = datetime(1950, 1, 1), datetime(2150, 12, 31)  # noqa: DTZ001 - wall times
wall_minutes = st.datetimes(min_value=WALL_FIRST, max_value=WALL_LAST).map(
    lambda wall: wall.replace(second=0, microsecond=0)
)


@settings(max_examples=80, deadline=None)
@given(wall=wall_minutes)
def test_a_typed_time_is_shown_as_typed_and_saving_it_unchanged_keeps_it(scratch, wall):
    typed = wall.strftime("%Y-%m-%dT%H:%M")
    shown = typed_and_stored(scratch, typed)
    if exists_in_party_time(wall):
        assert shown == typed
    assert typed_and_stored(scratch, shown) == shown


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("2027-03-28T01:59", "2027-03-28T01:59"),  # the last minute of winter time
        ("2027-03-28T02:30", "2027-03-28T03:30"),  # skipped: the clock jumps to 03:00
        ("2027-10-31T02:30", "2027-10-31T02:30"),  # twice that night: the first, summer time
    ],
)
def test_the_nights_the_clocks_change(scratch, typed, shown):
    assert typed_and_stored(scratch, typed) == shown
    assert typed_and_stored(scratch, shown) == shown
