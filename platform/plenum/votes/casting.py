"""Casting a ballot: checked, then written exactly once.

The reads (is the vote open, is the member on the roll and present, is the ballot
well-formed) end before the write begins. The write is one transaction that
1. inserts who has voted (primary key vote + member: a second ballot of the same member
   fails here, also when twenty arrive at once),
2. inserts the ballot (a random key; in a secret vote no member and no time, and while
   the vote is open its content only sealed: see ``votes.sealing``), and
3. raises the vote's turnout only if the vote still takes a ballot that arrived when
   this one did (``arrived``: when its request reached the server): open, inside its
   period, and sent before the chair pressed "close" (``Vote.closed_at``). The update
   takes the vote's row lock: the count waits for ballots already being written, and a
   ballot that finds the vote counted, or arrived after the close, is rolled back.
Either all three are stored or none.

``cast_together`` writes the ballots of many members in one such transaction (the
ballot box of ``votes.box`` collects them when many arrive at once): the has-voted rows
of all who may vote now in one ``INSERT … SELECT`` from the roll (and, at a meeting,
from who is present) that skips who has voted already, their ballots, then the turnout
raised by as many, again only while the vote is open and inside its period. The same
``SELECT`` joins the session each ballot came with (``member_session``): a ballot from a
session that was ended (logout, "log out everywhere", a removed member) is not stored.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import (
    Insert,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from plenum.auth.models import MemberSession
from plenum.clock import as_utc, utcnow
from plenum.errors import N_, DomainError
from plenum.votes import groups, roll, sealing, service, tally
from plenum.votes.models import (
    Attendance,
    Ballot,
    Vote,
    VoteCast,
    VoteKind,
    VoteMode,
    VoteOption,
    Voter,
    VoteStatus,
)


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class AlreadyVoted(DomainError):
    def __init__(self) -> None:
        super().__init__(roll.STANDING_MESSAGES[roll.Standing.HAS_VOTED])


@dataclass(frozen=True)
class Receipt:
    """What the voter is shown once after casting: their choices and, in a secret vote,
    the tracker to find their ballot in the published list."""

    choices: tuple[int, ...]
    tracker: str
    options: tuple[VoteOption, ...]  # the vote's answers, to name the choices

    @property
    def labels(self) -> dict[int | None, VoteOption]:
        return {option.id: option for option in self.options}

    @property
    def code(self) -> str:
        """The tracker as it is shown, to be read aloud and compared: ``50EF-9470-…``."""
        return shown_tracker(self.tracker)


def shown_tracker(tracker: str) -> str:
    """``tracker`` in groups of four, upper case; ``typed_tracker`` reads it back."""
    upper = tracker.upper()
    return "-".join(upper[start : start + 4] for start in range(0, len(upper), 4))


def typed_tracker(typed: str) -> str:
    """A tracker as a member typed or pasted it (groups, spaces, any case), as stored."""
    return "".join(ch for ch in typed.lower() if ch in "0123456789abcdef")


def cast(
    at: service.VotePlace,
    choices: Sequence[int],
    *,
    member_id: int,
    session: Session,
    arrived: datetime | None = None,
) -> Receipt:
    """Cast the ballot of a member whose request arrived at ``arrived`` (default: now)."""
    arrived = arrived or utcnow()
    vote = at.vote
    shown = review(at, choices, member_id=member_id, session=session)
    grouping = groups.grouping_for(vote, session=session)
    group = grouping.group_of(member_id, session=session) if grouping is not None else ""
    session.commit()  # the reads end here; nothing was written
    tracker = new_tracker(vote, shown.choices) if vote.mode == VoteMode.SECRET else ""
    size = sealing.width(option.id for option in shown.options)
    if grouping is not None:
        size += groups.GROUP_ROOM  # every ballot of the vote, whatever its group
    try:
        _write(vote, shown.choices, tracker, member_id, size, arrived, group, session=session)
    except BaseException:
        session.rollback()
        raise
    return Receipt(shown.choices, tracker, shown.options)


def review(
    at: service.VotePlace, choices: Sequence[int], *, member_id: int, session: Session
) -> Receipt:
    """The ballot as it would be counted (without a tracker), written nowhere: a
    ``ValidationFailed`` for a ballot the vote's rules refuse, a ``DomainError`` when the
    member may not vote (not on the roll, voted already, the vote not open)."""
    vote = at.vote
    roll.require_standing(vote, member_id, session=session)
    stored = service.options_of(vote, session=session)
    options = service.tally_options(vote, stored)
    checked = tally.check_ballot(choices, options, service.rules_of(vote))
    return Receipt(checked, "", tuple(stored))


def _write(
    vote: Vote,
    checked: tuple[int, ...],
    tracker: str,
    member_id: int,
    size: int,
    arrived: datetime,
    group: str = "",
    *,
    session: Session,
) -> None:
    session.add(VoteCast(vote_id=vote.id or 0, member_id=member_id))
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyVoted from None
    named = member_id if vote.mode == VoteMode.NAMED else None
    choices, kept, sealed = stored_content(vote, checked, tracker, size, group)
    ballot = Ballot(
        key=secrets.token_hex(16),
        vote_id=vote.id or 0,
        choices=choices,
        tracker=kept,
        sealed=sealed,
        member_id=named,
    )
    session.add(ballot)
    session.flush()
    count_in(vote, arrived, session=session)
    session.commit()


def stored_content(
    vote: Vote, checked: tuple[int, ...], tracker: str, size: int, group: str = ""
) -> tuple[str, str, bytes | None]:
    """(choices, tracker, sealed) as a ballot row holds them: those of a secret vote
    sealed to the size ``size`` of all its ballots (with the voter's ``group`` for a
    grouped vote: ``votes.groups``), the others in clear."""
    encoded = tally.encode(checked)
    if vote.mode != VoteMode.SECRET:
        return encoded, tracker, None
    return "", "", sealing.seal(vote.id or 0, encoded, tracker, size=size, group=group)


def count_in(vote: Vote, arrived: datetime, *, session: Session) -> None:
    """Raise the turnout if the vote takes a ballot that arrived at ``arrived``; else refuse."""
    if not raise_turnout(vote.id or 0, 1, arrived, session=session):
        session.rollback()
        raise DomainError(CLOSED_MEANWHILE)


def raise_turnout(vote_id: int, by: int, arrived: datetime, *, session: Session) -> bool:
    """Add ``by`` ballots to the turnout if the vote still takes ballots that arrived at
    ``arrived``: not yet counted (open), inside its period, and sent before the close was
    pressed. The update takes the vote's row lock, so the count waits for it."""
    raised = session.connection().execute(
        _RAISE_TURNOUT, {"vote_id": vote_id, "by": by, "arrived": arrived}
    )
    return raised.rowcount == 1


# Statements of the hot path, built once (building them costs more than running them).
_VOTES, _VOTE_CASTS, _VOTERS = _table(Vote), _table(VoteCast), _table(Voter)
_BALLOTS, _ATTENDANCE = _table(Ballot), _table(Attendance)
_SESSIONS = _table(MemberSession)
_RAISE_TURNOUT = (
    update(_VOTES)
    .where(
        _VOTES.c.id == bindparam("vote_id"),
        _VOTES.c.status == VoteStatus.OPEN.value,
        or_(_VOTES.c.opens_at.is_(None), _VOTES.c.opens_at <= bindparam("arrived")),
        or_(_VOTES.c.closes_at.is_(None), _VOTES.c.closes_at > bindparam("arrived")),
        or_(_VOTES.c.closed_at.is_(None), _VOTES.c.closed_at > bindparam("arrived")),
    )
    .values(turnout=_VOTES.c.turnout + bindparam("by"))
)


# --- many ballots in one transaction ----------------------------------------------------------

KEPT_ANSWERS = 64  # rendered answers kept per open vote (a ranked vote has many orders)
CLOSED_MEANWHILE = N_("This vote has been closed. Your ballot was not counted.")


@dataclass(frozen=True)
class OpenVote:
    """What casting needs of an open vote, read once: none of it changes while the vote
    is open (method, mode, kind and options are frozen when it opens). Who may vote now
    and whether the vote still takes ballots are not here: the database answers those at
    every write."""

    vote: Vote  # as read when it was open; its status and turnout are not used
    options: tuple[VoteOption, ...]
    rules: tally.Rules
    ballot: tuple[tally.Option, ...]
    seal_size: int  # the padded length of its sealed ballots (see ``votes.sealing``)
    in_room: bool = False  # held in a meeting's live room: its roll is who was present
    grouped: bool = False  # its ballots carry the voter's group (``votes.groups``): cast alone
    # answers rendered for this vote, by language, template, choices and whether a whole
    # page (see votes.routes)
    answers: dict[tuple[str, str, tuple[int, ...], bool], str] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(
        cls,
        vote: Vote,
        options: Sequence[VoteOption],
        *,
        in_room: bool = False,
        grouped: bool = False,
    ) -> OpenVote:
        """Kept as copies that belong to no database session: they are read later, from
        other requests and threads."""
        kept = Vote(**vote.model_dump())
        answers = tuple(VoteOption(**option.model_dump()) for option in options)
        ballot = service.tally_options(kept, answers)
        size = sealing.width(option.id for option in answers)
        return cls(kept, answers, service.rules_of(kept), tuple(ballot), size, in_room, grouped)

    def check(self, choices: Sequence[int]) -> tuple[int, ...]:
        """The ballot as it is counted, or ``ValidationFailed`` (see ``tally.check_ballot``)."""
        return tally.check_ballot(choices, self.ballot, self.rules)

    def keep_answer(self, key: tuple[str, str, tuple[int, ...], bool], html: str) -> None:
        if len(self.answers) >= KEPT_ANSWERS:
            self.answers.clear()
        self.answers[key] = html

    def tracker(self, checked: tuple[int, ...]) -> str:
        return new_tracker(self.vote, checked) if self.vote.mode == VoteMode.SECRET else ""


def open_vote(vote_id: int, *, session: Session) -> OpenVote | None:
    """The vote's frozen facts if it is open now, else None."""
    vote = session.get(Vote, vote_id)
    if vote is None or vote.status != VoteStatus.OPEN:
        return None
    options = service.options_of(vote, session=session)
    grouped = groups.grouping_for(vote, session=session) is not None
    return OpenVote.of(
        vote, options, in_room=roll.in_room(vote_id, session=session), grouped=grouped
    )


@dataclass(frozen=True)
class Pending:
    """A checked ballot waiting to be written, the session it came with and when its
    request reached the server."""

    member_id: int
    choices: tuple[int, ...]
    tracker: str
    session_id: str
    arrived: datetime = field(default_factory=utcnow)


def cast_together(at: OpenVote, pending: Sequence[Pending], *, session: Session) -> list[bool]:
    """Write the ballots of ``pending`` in one transaction; which of them were stored.

    A ballot is stored if its session is valid, its member is on the roll, present at a
    meeting vote and has not voted yet (of two ballots of one member only the first), and
    the vote takes ballots that arrived when the latest of them did. Nothing is stored if
    the vote no longer takes such ballots or anything fails. A member whose ballots came
    with different sessions is left to ``cast`` (which checks the session of each)."""
    vote_id = at.vote.id or 0
    try:
        stored = _has_voted_rows(at, _one_session_each(pending), session=session)
        firsts: dict[int, int] = {}
        for n, ballot in enumerate(pending):
            if ballot.member_id in stored:
                firsts.setdefault(ballot.member_id, n)
        taken = set(firsts.values())
        if not taken:
            session.rollback()
            return [False] * len(pending)
        named = at.vote.mode == VoteMode.NAMED
        rows = [
            (
                secrets.token_hex(16),
                vote_id,
                *stored_content(at.vote, pending[n].choices, pending[n].tracker, at.seal_size),
                pending[n].member_id if named else None,
            )
            for n in taken
        ]
        rows.sort()  # written in the order of their random keys, not in the order cast
        write_ballots(rows, session=session)
        # The latest arrival decides for all: if the close came between them, none is
        # stored here and each is cast alone, with its own arrival.
        last = max(pending[n].arrived for n in taken)
        if not raise_turnout(vote_id, len(taken), last, session=session):
            session.rollback()
            return [False] * len(pending)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return [n in taken for n in range(len(pending))]


def closed_from(vote_id: int, *, session: Session) -> datetime | None:
    """From when the vote takes no more ballots, if that is known: the close (pressed, or
    counted), else the end of its period; None while it takes ballots without an end."""
    row = (
        session.connection()
        .execute(
            select(_VOTES.c.status, _VOTES.c.closed_at, _VOTES.c.closes_at).where(
                _VOTES.c.id == vote_id
            )
        )
        .one_or_none()
    )
    if row is None:
        return None
    status, closed_at, closes_at = row
    ends = [as_utc(moment) for moment in (closed_at, closes_at) if moment is not None]
    if status in (VoteStatus.DRAFT, VoteStatus.OPEN) and not ends:
        return None
    return min(ends) if ends else utcnow()


def _one_session_each(pending: Sequence[Pending]) -> dict[int, str]:
    """Each member's session, of the members whose ballots all came with one session."""
    found: dict[int, str] = {}
    mixed: set[int] = set()
    for ballot in pending:
        if found.setdefault(ballot.member_id, ballot.session_id) != ballot.session_id:
            mixed.add(ballot.member_id)
    return {member_id: sid for member_id, sid in found.items() if member_id not in mixed}


def _has_voted_rows(at: OpenVote, members: dict[int, str], *, session: Session) -> set[int]:
    """Insert the has-voted rows of those in ``members`` (member id → session id) whose
    session is valid, who may vote now and have not voted yet; their ids. Usually all of
    them may: then one statement, without reading back a row for each (on SQLite every
    row read would give up Python's lock to the requests being served, and wait to get
    it back). Otherwise it is done again, reading back who was written."""
    if not members:
        return set()
    connection = session.connection()
    meeting = at.vote.kind == VoteKind.MEETING and not at.in_room  # a body's attendance
    ids = sorted(members)
    values: dict[str, object] = {"vote_id": at.vote.id, "body_id": at.vote.body_id, "members": ids}
    if connection.dialect.name == "postgresql":
        values["sessions"] = [members[member_id] for member_id in ids]  # in the same order
    else:
        values["pairs"] = [(member_id, members[member_id]) for member_id in ids]
    all_of_them = _has_voted_statement(connection.dialect.name, meeting=meeting, returning=False)
    if connection.execute(all_of_them, values).rowcount == len(members):
        return set(members)
    session.rollback()
    connection = session.connection()
    some = _has_voted_statement(connection.dialect.name, meeting=meeting, returning=True)
    return set(connection.execute(some, values).scalars())


@cache
def _has_voted_statement(dialect: str, *, meeting: bool, returning: bool) -> Insert:
    """INSERT INTO vote_cast SELECT who of :members is on the roll (and present at the
    meeting) and came with a valid session of their own ON CONFLICT DO NOTHING
    [RETURNING member_id]. Each member is paired with the session their ballot came with
    (on PostgreSQL two arrays unnested together, on SQLite row values), so one member's
    session never counts for another."""
    postgres = dialect == "postgresql"
    voters = _voters_in_session_postgres() if postgres else _voters_in_session_sqlite()
    if meeting:
        voters = voters.join(
            _ATTENDANCE,
            and_(
                _ATTENDANCE.c.body_id == bindparam("body_id"),
                _ATTENDANCE.c.member_id == _VOTERS.c.member_id,
                _ATTENDANCE.c.present.is_(True),
            ),
        )
    skipping = postgresql.insert(_VOTE_CASTS) if postgres else sqlite.insert(_VOTE_CASTS)
    statement = skipping.from_select(["vote_id", "member_id"], voters).on_conflict_do_nothing()
    return statement.returning(_VOTE_CASTS.c.member_id) if returning else statement


def _voters_in_session_postgres() -> Select[tuple[int, int]]:
    """Who of :members (one array, planned faster than a parameter each) is on the roll,
    with the session of the same place in :sessions."""
    wanted = (
        func.unnest(
            bindparam("members", type_=postgresql.ARRAY(Integer)),
            bindparam("sessions", type_=postgresql.ARRAY(String)),
        )
        .table_valued("member_id", "session_id")
        .render_derived(name="wanted")
    )
    return (
        select(_VOTERS.c.vote_id, _VOTERS.c.member_id)
        .select_from(wanted)
        .join(
            _VOTERS,
            and_(
                _VOTERS.c.vote_id == bindparam("vote_id"),
                _VOTERS.c.member_id == wanted.c.member_id,
            ),
        )
        .join(
            _SESSIONS,
            and_(
                _SESSIONS.c.id == wanted.c.session_id,
                _SESSIONS.c.member_id == wanted.c.member_id,
            ),
        )
    )


def _voters_in_session_sqlite() -> Select[tuple[int, int]]:
    """Who of :members is on the roll, with their session in :pairs (member, session)."""
    pairs = tuple_(_SESSIONS.c.member_id, _SESSIONS.c.id).in_(bindparam("pairs", expanding=True))
    return (
        select(_VOTERS.c.vote_id, _VOTERS.c.member_id)
        .join(_SESSIONS, and_(_SESSIONS.c.member_id == _VOTERS.c.member_id, pairs))
        .where(
            _VOTERS.c.vote_id == bindparam("vote_id"),
            _VOTERS.c.member_id.in_(bindparam("members", expanding=True)),
        )
    )


_BALLOT_COLUMNS = ("key", "vote_id", "choices", "tracker", "sealed", "member_id")
# Ballots in one statement: 6 parameters each, inside the limit of SQLite from 3.32
# (32,766) and of PostgreSQL; older SQLite allows 999 parameters.
MAX_BATCH = 1000 if sqlite3.sqlite_version_info >= (3, 32) else 166


def write_ballots(rows: Sequence[tuple[object, ...]], *, session: Session) -> None:
    """All ballots in one statement (at most ``MAX_BATCH``), where ``executemany`` would
    run one per ballot and, on SQLite, give up Python's lock for each: on PostgreSQL the
    columns as six arrays (``unnest``), on SQLite a multi-row VALUES."""
    if len(rows) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} ballots in one statement")
    connection = session.connection()
    columns = ", ".join(_BALLOT_COLUMNS)
    # Only names and placeholders go into the texts; every value is a parameter.
    if connection.dialect.name == "postgresql":
        arrays = (
            "%s::varchar[], %s::integer[], %s::varchar[], %s::varchar[], %s::bytea[], %s::integer[]"
        )
        sql = f"INSERT INTO {_BALLOTS.name} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608  # nosec B608
        connection.exec_driver_sql(sql, tuple(list(column) for column in zip(*rows, strict=True)))
        return
    row = "(" + ", ".join(["?"] * len(_BALLOT_COLUMNS)) + ")"
    values = ", ".join([row] * len(rows))
    sql = f"INSERT INTO {_BALLOTS.name} ({columns}) VALUES {values}"  # noqa: S608  # nosec B608
    connection.exec_driver_sql(sql, tuple(value for one in rows for value in one))


def new_tracker(vote: Vote, checked: tuple[int, ...]) -> str:
    """A salted hash of the ballot: the salt is random and kept nowhere, so nobody can
    tell from a tracker which choices it belongs to."""
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + f"{vote.id}:{tally.encode(checked)}".encode())
    return digest.hexdigest()[:20]
