"""typed times that SQLite stored as Berlin wall time are moved to UTC

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 04:00:00

Up to 0004, SQLite kept the wall time of an aware datetime and dropped its zone (PostgreSQL's
``timestamptz`` stored the moment correctly; nothing changes there). Every time a member
typed into a form is read in party time (Europe/Berlin), so on SQLite it was stored as Berlin
wall time, read back as UTC and shown one hour late (two in summer time). Times Plenum takes
from its own clock were UTC already and are right.

Which rows are wrong, and how this migration knows:

- Only four columns are ever typed: ``consultation.motion_deadline``,
  ``consultation.amendment_deadline``, ``vote.opens_at`` and ``vote.closes_at``.
- A typed time has whole minutes (a ``datetime-local`` field sends ``HH:MM``); a time from the
  clock (``utcnow() + timedelta(...)``, as the motions demo writes deadlines) has seconds and
  microseconds. So a row of these columns with zero seconds and microseconds is taken as typed
  Berlin wall time and moved to UTC, as the form meant it; other rows are left alone. (A clock
  time falls on a whole second with one chance in sixty million.)

What it cannot know: each save of the unchanged edit form moved the time once more (it showed
the late time, and that was saved as typed). How often a row was saved again is not stored,
so such a row stays late by one hour (two in summer) for each extra save.
``docs/operators.md`` says how operators find and correct those rows.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTY_TIME = ZoneInfo("Europe/Berlin")  # the zone forms are typed in (motions.forms.LOCAL_TIME)
TYPED = {
    "consultation": ("motion_deadline", "amendment_deadline"),
    "vote": ("opens_at", "closes_at"),
}


def upgrade() -> None:
    _move_typed_times(PARTY_TIME, UTC)


def downgrade() -> None:
    _move_typed_times(UTC, PARTY_TIME)


def _move_typed_times(read_in: tzinfo, write_in: tzinfo) -> None:
    """Read each typed whole-minute time as wall time in ``read_in``, write it in ``write_in``."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name, columns in TYPED.items():
        for column in columns:
            table = sa.table(name, sa.column("id", sa.Integer), sa.column(column, sa.DateTime()))
            rows = bind.execute(sa.select(table.c.id, table.c[column])).all()
            for row_id, wall in rows:
                moved = _moved(wall, read_in, write_in)
                if moved is not None:
                    update = table.update().where(table.c.id == row_id)
                    bind.execute(update.values({column: moved}))


def _moved(wall: datetime | None, read_in: tzinfo, write_in: tzinfo) -> datetime | None:
    """``wall`` in ``write_in``'s wall time; None when it is not a typed time or cannot move."""
    if wall is None or wall.second or wall.microsecond:
        return None
    try:
        return wall.replace(tzinfo=read_in).astimezone(write_in).replace(tzinfo=None)
    except OverflowError:  # a typed time at the very edge of the calendar stays as it is
        return None
