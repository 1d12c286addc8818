"""Exactly once, under load: ballots cast at the same moment from many threads, each
with its own session and connection, against the real database (SQLite in WAL mode
or PostgreSQL).

- twenty submissions of one member store one ballot and refuse nineteen;
- a hundred voters at once store a hundred ballots, counted a hundred times;
- a failure between the ballot and the has-voted row or the turnout leaves nothing;
- a close racing the ballots counts exactly the ballots stored, and refuses the rest;
- the same for ballots written together in batches, as the ballot box writes them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from plenum.auth.models import MemberSession
from plenum.clock import utcnow
from plenum.db import Database
from plenum.errors import DomainError
from plenum.orgs.models import Body, BodyRole, ChapterRole, Member, Membership, Role
from plenum.votes import casting, results, roll, sealing, service
from plenum.votes.box import ALONE, CLOSED, STORED, BallotBox
from plenum.votes.models import Attendance, Ballot, Vote, VoteCast, VoteStatus
from tests.support.factories import Structure, structure
from tests.support.loops import in_a_loop
from tests.support.votes import close, make_vote, open_vote, option_ids, present

ALREADY_VOTED = roll.STANDING_MESSAGES[roll.Standing.HAS_VOTED]
NOT_OPEN = roll.STANDING_MESSAGES[roll.Standing.NOT_OPEN]
CLOSED_MEANWHILE = "This vote has been closed. Your ballot was not counted."


@dataclass
class Convention:
    org: Structure
    body: Body
    staff: int
    delegates: list[int]


def session_of(member_id: int) -> str:
    """The id of the delegate's session (begun with the convention)."""
    return f"test-session-{member_id}"


def add_members(session: Session, count: int, prefix: str) -> list[int]:
    """``count`` members, added directly (no login needed); their ids."""
    members = [
        Member(
            issuer="https://idp.test",
            subject=f"{prefix}-{i:03d}",
            display_name=f"{prefix.title()} {i:03d}",
            email=f"{prefix}{i}@example.invalid",
            member_number=f"77{i:04d}",
        )
        for i in range(count)
    ]
    session.add_all(members)
    session.flush()
    return [m.id or 0 for m in members]


@pytest.fixture
def convention(database: Database) -> Convention:
    return build_convention(database)


def build_convention(database: Database) -> Convention:
    """The state convention with 100 delegates, all present, and office staff."""
    with database.session() as session:
        org = structure(session)
        body = org.state_convention
        (staff,) = add_members(session, 1, "staff")
        session.add(ChapterRole(member_id=staff, chapter_id=org.state.id or 0, role="office_staff"))
        delegates = add_members(session, 100, "delegate")
        session.execute(
            insert(Membership),
            [{"member_id": m, "chapter_id": org.local.id} for m in [staff, *delegates]],
        )
        session.execute(
            insert(BodyRole),
            [{"member_id": m, "body_id": body.id, "role": Role.DELEGATE.value} for m in delegates],
        )
        session.execute(  # each is logged in, with the session their ballots come with
            insert(MemberSession),
            [{"id": session_of(m), "member_id": m, "created_at": utcnow()} for m in delegates],
        )
        session.commit()
        present(session, body, staff, *delegates[:3])  # through the service, as staff would
        session.execute(
            insert(Attendance),
            [{"body_id": body.id, "member_id": m, "present": True} for m in delegates[3:]],
        )
        session.commit()
        return Convention(org, body, staff, delegates)


def new_vote(database: Database, at: Convention, **fields: str) -> tuple[int, dict[str, int]]:
    """An open meeting vote of the convention: its id and its option ids by kind."""
    with database.session() as session:
        vote = make_vote(session, at.org.state, at.body, at.staff, **fields)
        open_vote(session, vote, at.staff)
        session.commit()  # as the staff's request would
        assert vote.roll_size == len(at.delegates)
        return vote.id or 0, option_ids(session, vote)


# --- running things at the same moment ------------------------------------------------------


def together(
    tasks: Sequence[Callable[[], Any]], *, threads: int, also: Callable[[], Any] | None = None
) -> tuple[list[Any], Any]:
    """Run ``tasks`` on ``threads`` threads released at once by a barrier (each thread
    runs its share one after the other); ``also`` runs on one more thread, released by
    the same barrier. Every result or exception is returned, in the order of ``tasks``."""
    outcomes: list[Any] = [None] * len(tasks)
    extra: list[Any] = [None]
    barrier = threading.Barrier(threads + (1 if also else 0))

    def run(share: range | list[int], store: Callable[[int, Any], None], work: Any) -> None:
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError as exc:  # pragma: no cover - shows as a failure
            for i in share:
                store(i, exc)
            return
        for i in share:
            try:
                store(i, work(i))
            except Exception as exc:
                store(i, exc)

    def keep(i: int, value: Any) -> None:
        outcomes[i] = value

    def keep_extra(_: int, value: Any) -> None:
        extra[0] = value

    workers = [
        threading.Thread(
            target=run, args=(range(n, len(tasks), threads), keep, lambda i: tasks[i]())
        )
        for n in range(threads)
    ]
    if also is not None:
        workers.append(threading.Thread(target=run, args=([0], keep_extra, lambda _: also())))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=90)
        assert not worker.is_alive(), "a thread hung"
    return outcomes, extra[0]


def caster(database: Database, vote_id: int, member_id: int, choice: int) -> Callable[[], Any]:
    """Cast one ballot in a session of its own, as one request would."""

    def cast() -> casting.Receipt:
        with database.session() as session:
            at = service.vote_place(vote_id, session=session)
            return casting.cast(at, [choice], member_id=member_id, session=session)

    return cast


# --- what is stored -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    ballots: int
    casts: int
    turnout: int
    status: str
    result: Any


def stored(database: Database, vote_id: int) -> Stored:
    with database.session() as session:
        ballots = session.exec(
            select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)
        ).one()
        casts = session.exec(
            select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote_id)
        ).one()
        vote = session.get_one(Vote, vote_id)
        return Stored(ballots, casts, vote.turnout, vote.status, results.result_of(vote))


def casts_of(database: Database, vote_id: int, member_id: int) -> tuple[int, int]:
    """(VoteCast rows of the member, Ballot rows of the vote)."""
    with database.session() as session:
        casts = session.exec(
            select(func.count())
            .select_from(VoteCast)
            .where(VoteCast.vote_id == vote_id, VoteCast.member_id == member_id)
        ).one()
        ballots = session.exec(
            select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)
        ).one()
        return casts, ballots


def message(outcome: Any) -> str:
    return str(outcome.args[0]) if isinstance(outcome, DomainError) else repr(outcome)


# --- 1. twenty submissions of one member ------------------------------------------------------


def test_twenty_simultaneous_submissions_of_one_member_store_one_ballot(database, convention):
    vote_id, options = new_vote(database, convention)
    member = convention.delegates[0]
    tasks = [caster(database, vote_id, member, options["yes"]) for _ in range(20)]

    outcomes, _ = together(tasks, threads=20)

    receipts = [o for o in outcomes if isinstance(o, casting.Receipt)]
    refused = [o for o in outcomes if not isinstance(o, casting.Receipt)]
    assert len(receipts) == 1, [message(o) for o in refused]
    assert len(refused) == 19
    unexpected = [
        message(o)
        for o in refused
        if not (isinstance(o, DomainError) and message(o) == ALREADY_VOTED)
    ]
    assert unexpected == []
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (1, 1, 1)
    assert casts_of(database, vote_id, member) == (1, 1)


def test_twenty_simultaneous_submissions_of_one_member_in_a_secret_vote(database, convention):
    vote_id, options = new_vote(database, convention, mode="secret")
    member = convention.delegates[1]
    tasks = [caster(database, vote_id, member, options["no"]) for _ in range(20)]

    outcomes, _ = together(tasks, threads=20)

    receipts = [o for o in outcomes if isinstance(o, casting.Receipt)]
    assert len(receipts) == 1
    assert len(receipts[0].tracker) == 20
    assert sorted({message(o) for o in outcomes if o not in receipts}) == [ALREADY_VOTED]
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (1, 1, 1)
    with database.session() as session:
        (ballot,) = session.exec(select(Ballot).where(Ballot.vote_id == vote_id)).all()
        assert ballot.member_id is None
        assert (ballot.choices, ballot.tracker) == ("", "")  # sealed while the vote is open
        assert ballot.sealed is not None
        assert sealing.unseal(vote_id, ballot.sealed) == (
            str(options["no"]),
            receipts[0].tracker,
        )


# --- 2. a hundred voters at once ------------------------------------------------------------


def test_a_hundred_voters_at_once_are_all_stored_and_counted(database, convention):
    vote_id, options = new_vote(database, convention)
    kinds = ("yes", "no", "abstain")
    picked = {m: options[kinds[i % 3]] for i, m in enumerate(convention.delegates)}
    tasks = [caster(database, vote_id, m, choice) for m, choice in picked.items()]

    outcomes, _ = together(tasks, threads=20)

    failures = [message(o) for o in outcomes if not isinstance(o, casting.Receipt)]
    assert failures == []
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (100, 100, 100)
    with database.session() as session:
        voted = set(session.exec(select(VoteCast.member_id).where(VoteCast.vote_id == vote_id)))
        assert voted == set(convention.delegates)
        closed = close(session, session.get_one(Vote, vote_id), convention.staff)
        result = results.result_of(closed)
    assert result is not None
    assert result.ballots == 100
    assert result.totals[options["yes"]] == 34
    assert result.totals[options["no"]] == 33
    assert result.abstain == 33
    assert result.outcome == "adopted"


# --- 3. a failure in the middle leaves nothing ----------------------------------------------


def test_a_failure_after_the_ballot_before_the_turnout_leaves_nothing(
    database, convention, monkeypatch
):
    vote_id, options = new_vote(database, convention)
    member = convention.delegates[5]
    seen: list[tuple[int, int]] = []

    def failing_count_in(vote: Vote, arrived: Any, *, session: Session) -> None:
        mine = session.exec(
            select(func.count())
            .select_from(VoteCast)
            .where(VoteCast.vote_id == vote.id, VoteCast.member_id == member)
        ).one()
        ballots = session.exec(
            select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id)
        ).one()
        seen.append((mine, ballots))
        raise RuntimeError("the server fell over")

    with monkeypatch.context() as patch:
        patch.setattr(casting, "count_in", failing_count_in)
        with pytest.raises(RuntimeError, match="fell over"):
            caster(database, vote_id, member, options["yes"])()
    assert seen == [(1, 1)]  # both rows were written in the transaction, then the failure
    assert casts_of(database, vote_id, member) == (0, 0)
    assert stored(database, vote_id).turnout == 0

    caster(database, vote_id, member, options["no"])()
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (1, 1, 1)


def test_a_failing_ballot_insert_after_the_has_voted_row_leaves_nothing(database, convention):
    vote_id, options = new_vote(database, convention)
    member = convention.delegates[6]
    seen: list[int] = []

    def refuse(_mapper: Any, connection: Any, _target: Ballot) -> None:
        seen.append(
            connection.execute(
                select(func.count())
                .select_from(VoteCast)
                .where(VoteCast.vote_id == vote_id, VoteCast.member_id == member)
            ).scalar_one()
        )
        raise RuntimeError("the disk is full")

    event.listen(Ballot, "before_insert", refuse)
    try:
        with pytest.raises(RuntimeError, match="disk is full"):
            caster(database, vote_id, member, options["yes"])()
    finally:
        event.remove(Ballot, "before_insert", refuse)
    assert seen == [1]  # the has-voted row had been flushed when the ballot failed
    assert casts_of(database, vote_id, member) == (0, 0)
    assert stored(database, vote_id).turnout == 0

    caster(database, vote_id, member, options["yes"])()
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (1, 1, 1)


def test_a_ballot_the_database_rejects_after_the_has_voted_row_leaves_nothing(
    database, convention, monkeypatch
):
    """The database itself refuses the ballot (a foreign key that does not hold): the
    has-voted row goes with it, and the member votes afterwards."""
    vote_id, options = new_vote(database, convention)
    member = convention.delegates[7]
    real = casting.Ballot

    def broken_ballot(**values: Any) -> Ballot:
        return real(**{**values, "member_id": 10**9})  # no such member

    with monkeypatch.context() as patch:
        patch.setattr(casting, "Ballot", broken_ballot)
        # today reported as "already voted" (any IntegrityError is taken for a second
        # ballot); what matters here is that nothing is left behind
        with pytest.raises((DomainError, IntegrityError)):
            caster(database, vote_id, member, options["yes"])()
    assert casts_of(database, vote_id, member) == (0, 0)
    assert stored(database, vote_id).turnout == 0

    caster(database, vote_id, member, options["no"])()
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (1, 1, 1)


# --- 4. a close racing the ballots ----------------------------------------------------------


def close_race(database: Database, at: Convention, close_after: int) -> tuple[int, int]:
    """Sixty delegates cast on twenty threads while staff close the vote once
    ``close_after`` ballots are in. Every ballot stored is counted, every other cast is
    refused as closed; returns (accepted, refused)."""
    voters = at.delegates[:60]
    vote_id, options = new_vote(database, at)
    accepted = threading.Semaphore(0)

    def cast(member_id: int, choice: int) -> Callable[[], Any]:
        inner = caster(database, vote_id, member_id, choice)

        def run() -> casting.Receipt:
            receipt = inner()
            accepted.release()
            return receipt

        return run

    def closer() -> Vote:
        for _ in range(close_after):
            assert accepted.acquire(timeout=30)
        with database.session() as session:
            place = service.vote_place(vote_id, session=session)
            return results.close_vote(place, actor=at.staff, session=session)

    tasks = [cast(m, options["yes" if i % 2 else "no"]) for i, m in enumerate(voters)]
    outcomes, closed = together(tasks, threads=20, also=closer)

    assert isinstance(closed, Vote), message(closed)
    receipts = [o for o in outcomes if isinstance(o, casting.Receipt)]
    refused = [o for o in outcomes if not isinstance(o, casting.Receipt)]
    unexpected = [
        message(o)
        for o in refused
        if not (isinstance(o, DomainError) and message(o) in (NOT_OPEN, CLOSED_MEANWHILE))
    ]
    assert unexpected == []
    assert len(receipts) >= close_after
    found = stored(database, vote_id)
    assert found.status == VoteStatus.CLOSED
    assert found.result is not None
    assert found.ballots == found.casts == found.turnout == found.result.ballots == len(receipts)
    yes = sum(1 for i, o in enumerate(outcomes) if i % 2 and isinstance(o, casting.Receipt))
    assert found.result.totals[options["yes"]] == yes
    assert found.result.totals[options["no"]] == len(receipts) - yes
    with database.session() as session:
        voted = set(session.exec(select(VoteCast.member_id).where(VoteCast.vote_id == vote_id)))
    assert voted == {
        m for m, o in zip(voters, outcomes, strict=True) if isinstance(o, casting.Receipt)
    }
    return len(receipts), len(refused)


def test_a_close_racing_sixty_ballots_counts_exactly_what_was_stored(database, convention):
    rounds = [close_race(database, convention, after) for after in (5, 20, 40, 10)]
    assert sum(refused for _, refused in rounds) > 0, rounds  # the close did race ballots


@pytest.mark.parametrize("pause", ["before_count_in", "after_count_in"])
def test_a_close_in_the_middle_of_a_ballot(database, convention, monkeypatch, pause):
    """One ballot is held between its rows and the turnout (or between the turnout and
    its commit) while staff close the vote. Either the ballot is counted, or it is
    refused and leaves nothing; PostgreSQL lets the close pass a ballot that has not yet
    raised the turnout, SQLite makes the close wait for the ballot's write."""
    vote_id, options = new_vote(database, convention)
    member = convention.delegates[9]
    real = casting.count_in
    arrived, go_on = threading.Event(), threading.Event()

    def held_count_in(vote: Vote, when: Any, *, session: Session) -> None:
        if pause == "after_count_in":
            real(vote, when, session=session)
        arrived.set()
        assert go_on.wait(timeout=30)
        if pause == "before_count_in":
            real(vote, when, session=session)

    def close_now() -> Any:
        with database.session() as session:
            place = service.vote_place(vote_id, session=session)
            return results.close_vote(place, actor=convention.staff, session=session)

    monkeypatch.setattr(casting, "count_in", held_count_in)
    outcome: list[Any] = []
    closing: list[Any] = []

    def run(target: Callable[[], Any], into: list[Any]) -> None:
        try:
            into.append(target())
        except Exception as exc:
            into.append(exc)

    voter = threading.Thread(
        target=run, args=(caster(database, vote_id, member, options["yes"]), outcome)
    )
    voter.start()
    assert arrived.wait(timeout=30)
    staff = threading.Thread(target=run, args=(close_now, closing))
    staff.start()
    staff.join(timeout=2.0)  # the close finishes now, or waits for the ballot's lock
    closed_first = not staff.is_alive()
    go_on.set()
    voter.join(timeout=30)
    staff.join(timeout=30)
    assert not voter.is_alive()
    assert not staff.is_alive()

    assert isinstance(closing[0], Vote), message(closing[0])
    found = stored(database, vote_id)
    assert found.status == VoteStatus.CLOSED
    assert found.result is not None
    assert closed_first == (pause == "before_count_in" and not database.is_sqlite)
    if closed_first:
        assert message(outcome[0]) == CLOSED_MEANWHILE
        assert (found.ballots, found.casts, found.turnout, found.result.ballots) == (0, 0, 0, 0)
    else:
        assert isinstance(outcome[0], casting.Receipt), message(outcome[0])
        assert (found.ballots, found.casts, found.turnout, found.result.ballots) == (1, 1, 1, 1)
        assert found.result.totals[options["yes"]] == 1


# --- 5. the ballot box: many ballots in one transaction ---------------------------------------
#
# Under load the ballots of many members are written together (``casting.cast_together``,
# fed by ``votes.box.BallotBox``). The same rules hold for a batch as for one ballot.


def open_facts(database: Database, vote_id: int) -> casting.OpenVote:
    with database.session() as session:
        found = casting.open_vote(vote_id, session=session)
    assert found is not None
    return found


def batch_writer(database: Database, at: casting.OpenVote) -> Callable[..., list[bool]]:
    """Write one batch of (member, choice) in a session of its own, as the box does."""

    def write(*ballots: tuple[int, int]) -> list[bool]:
        pending = [
            casting.Pending(m, (choice,), at.tracker((choice,)), session_of(m))
            for m, choice in ballots
        ]
        with database.session() as session:
            return casting.cast_together(at, pending, session=session)

    return write


def test_a_batch_with_twenty_ballots_of_one_member_stores_the_first(database, convention):
    vote_id, options = new_vote(database, convention, mode="secret")
    member = convention.delegates[0]
    write = batch_writer(database, open_facts(database, vote_id))

    outcomes = write(*[(member, options["yes" if n == 0 else "no"]) for n in range(20)])

    assert outcomes == [True] + [False] * 19
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (1, 1, 1)
    with database.session() as session:
        (ballot,) = session.exec(select(Ballot).where(Ballot.vote_id == vote_id)).all()
    assert (ballot.choices, ballot.member_id) == ("", None)
    assert ballot.sealed is not None
    choices, tracker = sealing.unseal(vote_id, ballot.sealed)
    assert (choices, len(tracker), ballot.tracker) == (str(options["yes"]), 20, "")


def test_batches_from_twenty_threads_store_each_member_once(database, convention):
    """Twenty writers at once (as twenty workers' boxes would be), each with batches of
    five members, every member in four batches of different writers."""
    vote_id, options = new_vote(database, convention)
    write = batch_writer(database, open_facts(database, vote_id))
    members = convention.delegates[:25]
    batches = [
        [(members[(start + k) % 25], options["yes"]) for k in range(5)]
        for start in range(0, 100, 5)
    ]
    tasks = [lambda b=b: write(*b) for b in batches]

    outcomes, _ = together(tasks, threads=20)

    assert not [o for o in outcomes if not isinstance(o, list)], outcomes
    assert sum(sum(o) for o in outcomes) == 25
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (25, 25, 25)


def test_a_batch_stores_only_who_may_vote_now(database, convention):
    vote_id, options = new_vote(database, convention)
    delegate, absent, outsider = convention.delegates[0], convention.delegates[1], convention.staff
    with database.session() as session:
        roll.set_presence(
            session.get_one(Body, convention.body.id),
            absent,
            False,
            actor=convention.staff,
            session=session,
        )
        session.commit()
    write = batch_writer(database, open_facts(database, vote_id))

    outcomes = write(
        (outsider, options["yes"]), (absent, options["yes"]), (delegate, options["no"])
    )

    assert outcomes == [False, False, True]
    assert casts_of(database, vote_id, absent) == (0, 1)
    assert casts_of(database, vote_id, outsider) == (0, 1)
    assert stored(database, vote_id).turnout == 1


def test_a_batch_for_a_closed_or_ended_vote_stores_nothing(database, convention):
    vote_id, options = new_vote(database, convention)
    at = open_facts(database, vote_id)
    write = batch_writer(database, at)
    with database.session() as session:  # the end time has passed, the clock not yet run
        vote = session.get_one(Vote, vote_id)
        vote.closes_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert write((convention.delegates[0], options["yes"])) == [False]
    with database.session() as session:
        vote = session.get_one(Vote, vote_id)
        vote.closes_at = None
        session.commit()
        close(session, vote, convention.staff)
    assert write((convention.delegates[0], options["yes"])) == [False]
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (0, 0, 0)


def test_a_failure_in_a_batch_after_its_rows_leaves_nothing(database, convention, monkeypatch):
    vote_id, options = new_vote(database, convention)
    write = batch_writer(database, open_facts(database, vote_id))
    members = convention.delegates[10:15]
    seen: list[tuple[int, int]] = []

    def failing(vote_id: int, by: int, arrived: Any, *, session: Session) -> bool:
        casts = session.exec(
            select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote_id)
        ).one()
        ballots = session.exec(
            select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)
        ).one()
        seen.append((casts, ballots))
        raise RuntimeError("the server fell over")

    with monkeypatch.context() as patch:
        patch.setattr(casting, "raise_turnout", failing)
        with pytest.raises(RuntimeError, match="fell over"):
            write(*[(m, options["yes"]) for m in members])
    assert seen == [(5, 5)]  # all rows were written in the transaction, then the failure
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (0, 0, 0)

    assert write(*[(m, options["no"]) for m in members]) == [True] * 5
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (5, 5, 5)


def test_a_close_racing_batches_counts_exactly_what_was_stored(database, convention):
    """Sixty delegates in batches of three on twenty threads while staff close the vote:
    every ballot stored is counted, the rest are refused whole."""
    voters = convention.delegates[:60]
    vote_id, options = new_vote(database, convention)
    write = batch_writer(database, open_facts(database, vote_id))
    written = threading.Semaphore(0)

    def batch(members: list[int]) -> list[bool]:
        outcome = write(*[(m, options["yes"]) for m in members])
        written.release()
        return outcome

    def closer() -> Vote:
        for _ in range(5):
            assert written.acquire(timeout=30)
        with database.session() as session:
            place = service.vote_place(vote_id, session=session)
            return results.close_vote(place, actor=convention.staff, session=session)

    tasks = [lambda n=n: batch(voters[n : n + 3]) for n in range(0, 60, 3)]
    outcomes, closed = together(tasks, threads=20, also=closer)

    assert isinstance(closed, Vote), message(closed)
    taken = [
        m
        for n, o in zip(range(0, 60, 3), outcomes, strict=True)
        for m, ok in zip(voters[n : n + 3], o, strict=True)
        if ok
    ]
    assert all(sum(o) in (0, 3) for o in outcomes), outcomes  # a batch is stored whole or not
    found = stored(database, vote_id)
    assert found.status == VoteStatus.CLOSED
    assert found.result is not None
    assert found.ballots == found.casts == found.turnout == found.result.ballots == len(taken)
    assert len(taken) >= 15
    with database.session() as session:
        voted = set(session.exec(select(VoteCast.member_id).where(VoteCast.vote_id == vote_id)))
    assert voted == set(taken)


def test_the_box_stores_one_of_twenty_ballots_of_one_member(request, database, convention):
    """Through the box itself: twenty ballots of one member and one of another arrive
    together; one of the member's is stored, the others are left to the ordinary way
    (which refuses them as already voted)."""
    vote_id, options = new_vote(database, convention)
    box = BallotBox(database)
    request.addfinalizer(box.close)
    member, other = convention.delegates[20], convention.delegates[21]

    async def cast_all() -> list[str]:
        at = await box.open_vote(vote_id)
        assert at is not None
        mine, theirs = session_of(member), session_of(other)
        ballots = [casting.Pending(member, (options["yes"],), "", mine) for _ in range(20)]
        ballots.append(casting.Pending(other, (options["no"],), "", theirs))
        return list(await asyncio.gather(*(box.cast(at, b) for b in ballots)))

    outcomes = in_a_loop(cast_all())

    assert sorted(outcomes[:20]) == [ALONE] * 19 + [STORED]
    assert outcomes[20] == STORED
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (2, 2, 2)
    with pytest.raises(DomainError, match="already voted"):
        caster(database, vote_id, member, options["no"])()


def test_when_a_batch_fails_the_box_answers_not_stored(request, database, convention, monkeypatch):
    vote_id, options = new_vote(database, convention)
    box = BallotBox(database)
    request.addfinalizer(box.close)

    def broken(*_args: Any, **_kwargs: Any) -> list[bool]:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(casting, "cast_together", broken)

    async def cast_one() -> str:
        at = await box.open_vote(vote_id)
        assert at is not None
        delegate = convention.delegates[0]
        pending = casting.Pending(delegate, (options["yes"],), "", session_of(delegate))
        return await box.cast(at, pending)

    assert in_a_loop(cast_one()) == ALONE
    assert stored(database, vote_id).turnout == 0


def test_after_the_close_was_pressed_the_box_refuses_what_arrived_later(
    request, database, convention
):
    """The close was pressed (in another process: this box was not told). A batch with
    ballots from before and after that moment stores none of them; those from after are
    answered CLOSED, those from before are left to be cast alone (and then counted), and
    the box refuses later ballots without asking the database."""
    vote_id, options = new_vote(database, convention)
    box = BallotBox(database)
    request.addfinalizer(box.close)
    pressed = utcnow()
    with database.session() as session:
        results.stop_taking(session.get_one(Vote, vote_id), pressed, session=session)
        session.commit()
    early, late = convention.delegates[30], convention.delegates[31]
    before = pressed - timedelta(milliseconds=5)
    after = pressed + timedelta(milliseconds=5)

    async def cast_both() -> list[str]:
        at = await box.open_vote(vote_id)
        assert at is not None
        ballots = [
            casting.Pending(early, (options["yes"],), "", session_of(early), before),
            casting.Pending(late, (options["yes"],), "", session_of(late), after),
        ]
        return list(await asyncio.gather(*(box.cast(at, b) for b in ballots)))

    assert in_a_loop(cast_both()) == [ALONE, CLOSED]
    assert box.closed_at(vote_id) == pressed
    assert stored(database, vote_id).turnout == 0
    with database.session() as session:
        at = service.vote_place(vote_id, session=session)
        receipt = casting.cast(
            at, [options["yes"]], member_id=early, session=session, arrived=before
        )
    assert receipt.choices == (options["yes"],)
    assert stored(database, vote_id).turnout == 1


def hold_the_vote(database: Database, vote_id: int) -> tuple[Any, threading.Event]:
    """Another transaction that holds what a batch needs, until the returned event is
    set: on SQLite the write lock, on PostgreSQL the vote's row (as a close does)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with database.engine.connect() as connection:
            if database.is_sqlite:
                connection.exec_driver_sql("UPDATE vote SET lock_version = lock_version")
            else:
                connection.execute(select(Vote).where(Vote.id == vote_id).with_for_update())
            held.set()
            release.wait(timeout=30)
            connection.rollback()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(timeout=10)
    return thread, release


def test_while_the_database_is_busy_the_loop_goes_on_and_the_batch_waits_on_a_thread(
    request, database, convention, monkeypatch
):
    """The box never writes on the event loop: while another transaction holds what a
    batch needs, the loop goes on serving, the batch waits on a thread of the box's own
    and is stored once the lock is free."""
    vote_id, options = new_vote(database, convention)
    box = BallotBox(database)
    request.addfinalizer(box.close)
    loop_threads: list[int] = []
    writer_threads: list[int] = []
    real = BallotBox._store

    def spy(self: BallotBox, *args: Any) -> Any:
        writer_threads.append(threading.get_ident())
        return real(self, *args)

    monkeypatch.setattr(BallotBox, "_store", spy)
    thread, release = hold_the_vote(database, vote_id)

    async def cast_one() -> tuple[str, float]:
        loop_threads.append(threading.get_ident())
        at = await box.open_vote(vote_id)
        assert at is not None
        loop = asyncio.get_running_loop()
        loop.call_later(0.5, release.set)
        began = loop.time()
        ticks = 0

        async def tick() -> None:  # the loop goes on serving while the batch waits
            nonlocal ticks
            while not release.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = loop.create_task(tick())
        delegate = convention.delegates[0]
        pending = casting.Pending(delegate, (options["yes"],), "", session_of(delegate))
        stored = await box.cast(at, pending)
        await ticking
        assert ticks >= 20, ticks
        return stored, loop.time() - began

    taken, took = in_a_loop(cast_one())
    thread.join(timeout=10)

    assert taken == STORED
    assert took >= 0.5
    assert writer_threads
    assert loop_threads[0] not in writer_threads
    found = stored(database, vote_id)
    assert (found.ballots, found.casts, found.turnout) == (1, 1, 1)
