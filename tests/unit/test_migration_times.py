"""Migration 0006: on SQLite, the times members typed were stored as Berlin wall time; the
migration moves them to UTC and leaves the times Plenum took from its clock alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from plenum.db import Database
from plenum.migrate import alembic_config, upgrade
from plenum.motions.models import Consultation
from plenum.motions.wording import localtime
from plenum.votes.models import Vote
from tests.support.factories import structure
from tests.support.motions import make_call

# What SQLite held before 0006: a typed 20:00 Berlin time as 20:00, a clock time in UTC.
TYPED_WINTER = "2027-01-15 20:00:00.000000"
TYPED_SUMMER = "2027-07-15 20:00:00.000000"
FROM_THE_CLOCK = "2027-01-20 10:11:12.345678"


def old_rows(database: Database) -> tuple[int, int]:
    """A call and a vote, stored as the code before 0006 stored them on SQLite."""
    with Session(database.engine) as session:
        org = structure(session)
        call = make_call(session, org.state_convention)
        vote = Vote(chapter_id=org.state.id or 0, body_id=org.state_board.id, title="Zuschuss")
        session.add(vote)
        session.commit()
        ids = (call.id or 0, vote.id or 0)
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE consultation SET motion_deadline = :w, amendment_deadline = :s"),
            {"w": TYPED_WINTER, "s": TYPED_SUMMER},
        )
        connection.execute(
            text("UPDATE vote SET opens_at = :c, closes_at = :s"),
            {"c": FROM_THE_CLOCK, "s": TYPED_SUMMER},
        )
    return ids


def raw(database: Database) -> list[tuple[str | None, ...]]:
    with database.engine.connect() as connection:
        return [
            *connection.execute(
                text("SELECT motion_deadline, amendment_deadline FROM consultation")
            ),
            *connection.execute(text("SELECT opens_at, closes_at FROM vote")),
        ]


def test_typed_times_are_moved_to_utc_and_clock_times_stay(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    database = Database(url)
    try:
        call_id, vote_id = old_rows(database)
        before = raw(database)

        upgrade(url, "0006")

        with Session(database.engine) as session:
            call = session.get(Consultation, call_id)
            vote = session.get(Vote, vote_id)
            assert call is not None
            assert vote is not None
            assert localtime(call.motion_deadline) == "15.01.2027 20:00"
            assert localtime(call.amendment_deadline) == "15.07.2027 20:00"
            assert vote.opens_at == datetime(2027, 1, 20, 10, 11, 12, 345678, tzinfo=UTC)
            assert vote.closes_at == datetime(2027, 7, 15, 18, 0, tzinfo=UTC)

        command.downgrade(alembic_config(url), "0005")
        assert raw(database) == before
    finally:
        database.dispose()
