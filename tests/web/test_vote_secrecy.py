"""Secret ballots cannot be paired with their voters: not from a copy of the database
taken while the vote is open, not from the logs, not from the size of the answers.

The forensic attacker of these tests is stronger than any copy of the files: they watch
every write, so they know exactly which ballot row each voter wrote (what equal ``xmin``
on PostgreSQL or the cell offsets and WAL frames on SQLite would tell at best), and they
know the choices of the voters they control. From the row paired with a voter they try to
tell the voter's choice; they must do no better than chance.
"""

from __future__ import annotations

import logging
import math
import random
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from sqlmodel import select

from plenum.auth.models import MemberSession
from plenum.clock import utcnow
from plenum.db import Database
from plenum.orgs.models import BodyRole, ChapterRole, Membership, Role
from plenum.votes import casting, results, service
from plenum.votes.models import Attendance, Ballot, Vote, VoteStatus
from tests.support.factories import claims, structure
from tests.support.motions import who
from tests.support.votes import close, make_vote, open_vote, option_ids, place, present
from tests.support.web import enrol, log_in_as, page, post, text
from tests.web.test_vote_concurrency import Convention, add_members, session_of

VOTERS = 120
KINDS = ("yes", "no", "abstain", "invalid")
Row = tuple[Any, ...]


@pytest.fixture
def hall(database: Database) -> Convention:
    """The state convention with ``VOTERS`` delegates, all present, and office staff."""
    with database.session() as session:
        org = structure(session)
        body = org.state_convention
        (staff,) = add_members(session, 1, "staff")
        session.add(ChapterRole(member_id=staff, chapter_id=org.state.id or 0, role="office_staff"))
        delegates = add_members(session, VOTERS, "delegate")
        session.execute(
            insert(Membership),
            [{"member_id": m, "chapter_id": org.local.id} for m in [staff, *delegates]],
        )
        session.execute(
            insert(BodyRole),
            [{"member_id": m, "body_id": body.id, "role": Role.DELEGATE.value} for m in delegates],
        )
        session.execute(
            insert(Attendance),
            [{"body_id": body.id, "member_id": m, "present": True} for m in delegates],
        )
        session.execute(
            insert(MemberSession),
            [{"id": session_of(m), "member_id": m, "created_at": utcnow()} for m in delegates],
        )
        session.commit()
        return Convention(org, body, staff, delegates)


def secret_vote(database: Database, at: Convention) -> tuple[int, dict[str, int]]:
    with database.session() as session:
        vote = make_vote(session, at.org.state, at.body, at.staff, mode="secret")
        open_vote(session, vote, at.staff)
        session.commit()  # as the staff's request would
        return vote.id or 0, option_ids(session, vote)


def ballot_rows(database: Database, vote_id: int) -> set[Row]:
    """Every stored column of the vote's ballot rows, as a copy of the table holds them."""
    with database.session() as session:
        query = select(
            Ballot.key, Ballot.choices, Ballot.tracker, Ballot.sealed, Ballot.member_id
        ).where(Ballot.vote_id == vote_id)
        return {tuple(row) for row in session.exec(query)}


def cast_one(database: Database, vote_id: int, member: int, choice: int, alone: bool) -> str:
    """One ballot, alone (``casting.cast``) or as a batch of one of the ballot box; its
    tracker."""
    with database.session() as session:
        if alone:
            at = service.vote_place(vote_id, session=session)
            return casting.cast(at, [choice], member_id=member, session=session).tracker
        facts = casting.open_vote(vote_id, session=session)
        assert facts is not None
        tracker = facts.tracker((choice,))
        pending = casting.Pending(member, (choice,), tracker, session_of(member))
        assert casting.cast_together(facts, [pending], session=session) == [True]
        return tracker


def watched_casting(
    database: Database, at: Convention, vote_id: int, options: dict[str, int]
) -> tuple[list[tuple[int, str, Row]], list[str]]:
    """Every delegate casts a random choice while the attacker watches each write: (voter,
    choice, the ballot row that voter wrote) and the trackers handed out."""
    chance = random.Random(20261206)  # the voters' choices, not a secret
    paired, trackers = [], []
    for n, member in enumerate(at.delegates):
        kind = chance.choice(KINDS)
        before = ballot_rows(database, vote_id)
        trackers.append(cast_one(database, vote_id, member, options[kind], alone=n % 2 == 0))
        (written,) = ballot_rows(database, vote_id) - before
        paired.append((member, kind, written))
    return paired, trackers


def accuracy(predict: Callable[[Row], str], tested: list[tuple[int, str, Row]]) -> float:
    return sum(predict(row) == kind for _member, kind, row in tested) / len(tested)


def at_chance(share: float, n: int) -> bool:
    """No better than guessing one of the four answers, allowing four standard deviations."""
    p = 1 / len(KINDS)
    return share <= p + 4 * math.sqrt(p * (1 - p) / n)


def test_the_ballot_row_paired_with_a_voter_tells_nothing_of_the_choice(database, hall):
    vote_id, options = secret_vote(database, hall)
    kind_of = {str(i): kind for kind, i in options.items()}

    paired, _trackers = watched_casting(database, hall, vote_id, options)

    known, tested = paired[: VOTERS // 2], paired[VOTERS // 2 :]
    # The attacker reads the paired row's choices column.
    assert at_chance(accuracy(lambda row: kind_of.get(row[1], "yes"), tested), len(tested))
    # Everything but the random key and the ciphertext is the same in every row.
    visible = {(row[1], row[2], len(row[3] or b""), row[4]) for _m, _k, row in paired}
    assert len(visible) == 1
    ((choices, tracker, size, member),) = visible
    assert (choices, tracker, member) == ("", "", None)
    assert size > 0
    # The attacker learns from the ballots of the voters they control: the most common
    # answer for what the row shows, and the nearest ciphertext of their own.
    learnt = Counter((row[1], row[2], len(row[3])) for _m, _k, row in known)
    by_looks: dict[Any, Counter[str]] = {}
    for _m, kind, row in known:
        by_looks.setdefault((row[1], row[2], len(row[3])), Counter())[kind] += 1
    assert len(learnt) == 1

    def by_what_is_seen(row: Row) -> str:
        return by_looks[(row[1], row[2], len(row[3]))].most_common(1)[0][0]

    def by_nearest_ciphertext(row: Row) -> str:
        def distance(other: Row) -> int:
            return sum(a != b for a, b in zip(row[3], other[3], strict=True))

        return min(known, key=lambda seen: distance(seen[2]))[1]

    assert at_chance(accuracy(by_what_is_seen, tested), len(tested))
    assert at_chance(accuracy(by_nearest_ciphertext, tested), len(tested))
    # The count opens them all: the result is the choices cast.
    with database.session() as session:
        close(session, session.get_one(Vote, vote_id), hall.staff)
        counted = results.counts_of(session.get_one(Vote, vote_id), session=session)
    cast = Counter(options[kind] for _m, kind, _row in paired)
    assert {choice[0]: n for choice, n in counted.items()} == dict(cast)


@pytest.mark.postgres_only
def test_pairing_by_transaction_id_finds_only_sealed_ballots(database, hall):
    """PostgreSQL: the join on ``xmin`` pairs every voter with a ballot row while the vote
    is open; none of them holds a choice or tracker, and after the close no ballot row
    carries a key, tracker or transaction id of that time."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL only")
    vote_id, options = secret_vote(database, hall)
    paired, trackers = watched_casting(database, hall, vote_id, options)
    by_xmin = sql(
        "SELECT c.member_id, b.key, b.choices, b.tracker, octet_length(b.sealed), "
        "b.xmin::text FROM vote_cast c JOIN ballot b "
        "ON b.xmin::text = c.xmin::text AND b.vote_id = c.vote_id WHERE c.vote_id = :v"
    ).bindparams(v=vote_id)
    with database.session() as session:
        found = session.execute(by_xmin).all()
    assert len(found) == VOTERS  # the attacker pairs every voter with one row ...
    truth = {member: row[0] for member, _kind, row in paired}
    assert all(truth[member] == key for member, key, *_ in found)
    assert {(choices, tracker) for _m, _k, choices, tracker, _l, _x in found} == {("", "")}
    assert len({length for *_, length, _x in found}) == 1  # ... of one length for all
    then = {key for _m, key, *_ in found} | {xmin for *_, xmin in found}

    with database.session() as session:
        close(session, session.get_one(Vote, vote_id), hall.staff)
        after = session.execute(
            sql("SELECT key, tracker, xmin::text FROM ballot WHERE vote_id = :v").bindparams(
                v=vote_id
            )
        ).all()
    assert sorted(tracker for _key, tracker, _x in after) == sorted(trackers)
    assert not ({key for key, _t, _x in after} | {xmin for *_, xmin in after}) & then


def test_a_copy_of_the_sqlite_files_during_the_vote_holds_no_choice_or_tracker(
    database, hall, tmp_path
):
    """SQLite: the database file and its write-ahead log, copied while the vote is open,
    hold no tracker handed out; after the close no ballot has a key found in that copy."""
    if not database.is_sqlite:
        pytest.skip("SQLite only")
    vote_id, options = secret_vote(database, hall)
    _paired, trackers = watched_casting(database, hall, vote_id, options)
    path = Path(make_url(database.url).database or "")
    copied = b""
    for name in (path, Path(f"{path}-wal")):
        if name.exists():
            shutil.copy(name, tmp_path / name.name)
            copied += (tmp_path / name.name).read_bytes()
    assert copied
    assert [t for t in trackers if t.encode() in copied] == []

    with database.session() as session:
        close(session, session.get_one(Vote, vote_id), hall.staff)
    after = ballot_rows(database, vote_id)
    assert sorted(row[2] for row in after) == sorted(trackers)
    assert [row[0] for row in after if row[0].encode() in copied] == []


def test_a_close_cut_off_before_the_ballots_were_opened_is_completed_by_a_recount(database, hall):
    vote_id, options = secret_vote(database, hall)
    trackers = [cast_one(database, vote_id, m, options["no"], True) for m in hall.delegates[:5]]
    with database.session() as session:
        vote = session.get_one(Vote, vote_id)
        service.move(vote, VoteStatus.OPEN, VoteStatus.CLOSED, session=session, closed_at=utcnow())
        session.commit()  # the process stops here: closed, the ballots still sealed

        assert results.recount(
            place(session, vote), principal=who(session, hall.staff), session=session
        )
        session.commit()  # as the chair's request would

        session.refresh(vote)
        found = results.result_of(vote)
    assert found is not None
    assert (found.ballots, found.totals[options["no"]]) == (5, 5)
    rows = ballot_rows(database, vote_id)
    assert {row[3] for row in rows} == {None}
    assert sorted(row[2] for row in rows) == sorted(trackers)


def test_casting_and_counting_log_no_tracker_or_choice(database, hall, caplog):
    caplog.set_level(logging.DEBUG)
    vote_id, options = secret_vote(database, hall)
    trackers = [
        cast_one(database, vote_id, member, options["no"], alone=n % 2 == 0)
        for n, member in enumerate(hall.delegates[:6])
    ]
    with database.session() as session:
        close(session, session.get_one(Vote, vote_id), hall.staff)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert [t for t in trackers if t in logged] == []


# --- the size of the answers ----------------------------------------------------------------

DELEGATES = {
    f"del{n}": claims(
        f"del{n}", name=f"Delegierte {n}", groups=("lv-nrw-delegiert",), number=f"66{n:04d}"
    )
    for n in range(10)
}
STAFF = claims(
    "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="550004"
)
HTMX = {"HX-Request": "true", "HX-Target": "ballot"}
SPOILT = ("abstain", "invalid")  # two marks that cannot go together on any ballot


@pytest.fixture
def people(session, settings):
    org = structure(session)
    ids = {name: enrol(session, settings, name, values) for name, values in DELEGATES.items()}
    ids["gina"] = enrol(session, settings, "gina", STAFF)
    present(session, org.state_convention, ids["gina"], *(ids[name] for name in DELEGATES))
    return org, ids


VOTES = {
    "yes_no": {"mode": "secret"},
    "election": {
        "mode": "secret",
        "method": "election",
        "election_of": "board",
        "title": "Wahl der Schatzmeisterin",
        "options": "Jo\nMaximiliane Wolkenstein-Oberhausen-Rüdesheim\nAnna",
    },
    "ranked": {
        "mode": "secret",
        "kind": "survey",
        "method": "ranked",
        "title": "Themen der Regionalkonferenzen",
        "options": "Mieten\nÖffentlicher Nahverkehr auf dem Land\nPflege",
        "closes_at": "2099-01-01T12:00",
    },
}


def ballots_of(kind: str, options: dict[str, int]) -> dict[str, Any]:
    """A ballot for every answer (a ranked vote: one ranking and the other in reverse)."""
    if kind != "ranked":
        return {label: {"choice": str(option)} for label, option in options.items()}
    named = [i for label, i in options.items() if label not in ("abstain", "invalid")]
    found: dict[str, Any] = {k: {"choice": str(options[k])} for k in ("abstain", "invalid")}
    found["one ranked"] = {f"rank-{named[0]}": "1"}
    found["all ranked"] = {f"rank-{i}": str(n) for n, i in enumerate(named, 1)}
    found["reversed"] = {f"rank-{i}": str(n) for n, i in enumerate(reversed(named), 1)}
    return found


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
@pytest.mark.parametrize("kind", list(VOTES))
def test_every_answer_to_a_cast_of_a_vote_has_one_size(
    session, people, client, provider, kind, htmx
):
    org, ids = people
    body = None if kind == "ranked" else org.state_convention
    vote = make_vote(session, org.state, body, ids["gina"], **VOTES[kind])
    open_vote(session, vote, ids["gina"])
    options = option_ids(session, vote)
    headers = HTMX if htmx else {}
    path = f"/votes/{vote.id}/cast"
    voters = iter(DELEGATES)
    sizes: dict[str, int] = {}

    def cast_as(voter: str, data: Any, to: str = path) -> Any:
        log_in_as(client, provider, voter, DELEGATES[voter])
        return post(client, to, data, headers=headers)

    for label, ballot in ballots_of(kind, options).items():  # a receipt for every answer
        voter = next(voters)
        for step, extra in (("review", {}), ("change", {"change": "1"})):
            answer = cast_as(voter, {**ballot, **extra}, f"/votes/{vote.id}/review")
            assert answer.status_code == 200, answer.text
            assert page(answer).select_one("#review-choices, #ballot form") is not None
            sizes[f"{step} {label}"] = len(answer.content)
        answer = cast_as(voter, ballot)
        assert answer.status_code == 200, answer.text
        shown = page(answer).select_one("#your-choices")
        assert shown is not None
        assert text(shown)
        sizes[f"receipt {label}"] = len(answer.content)
    first = next(iter(DELEGATES))
    refusals = {
        "already voted": (first, {"choice": str(options[next(iter(options))])}, 409),
        "unreadable": (next(voters), {"choice": "x"}, 422),
        "two marks": (next(voters), [("choice", str(options[k])) for k in SPOILT], 422),
    }
    if kind == "ranked":
        named = [i for label, i in options.items() if label not in ("abstain", "invalid")]
        twice = {f"rank-{named[0]}": "1", f"rank-{named[1]}": "1"}
        refusals["one rank twice"] = (next(voters), twice, 422)
    for label, (voter, data, status) in refusals.items():
        for step in ("cast", "review"):
            answer = cast_as(voter, data, f"/votes/{vote.id}/{step}")
            assert answer.status_code == status, answer.text
            assert page(answer).select_one("#choice-error, #standing") is not None
            sizes[f"{label} ({step})"] = len(answer.content)
    close(session, vote, ids["gina"])
    answer = cast_as(next(voters), {"choice": str(next(iter(options.values())))})
    assert answer.status_code == 409
    sizes["closed"] = len(answer.content)

    assert len(set(sizes.values())) == 1, sizes
