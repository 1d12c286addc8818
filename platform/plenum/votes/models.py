"""Tables of votes and elections: the vote, its options, its frozen roll, who has voted,
the ballots, presence at meetings, seated substitutes and the log.

Secret ballots keep no link to their voter: ``Ballot`` has a random key, no member, no
time, no running number; ``VoteCast`` (who has voted) has no time and no running number
either. On SQLite both are WITHOUT ROWID tables: their rows are read back in key order,
with no hidden row number (the bytes inside a file page may still follow the order of
writing; see docs/security.md for what that means).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class VoteKind(StrEnum):
    """Where a vote happens."""

    MEETING = "meeting"  # in a meeting of a body, opened and closed by hand
    WRITTEN = "written"  # a board decides in writing (Umlaufbeschluss) over days
    SURVEY = "survey"  # a chapter asks its members, not binding (Befragung)
    MEMBER_BALLOT = "member_ballot"  # binding (Mitgliederentscheid)


class VoteMode(StrEnum):
    OPEN = "open"  # totals only
    NAMED = "named"  # who voted how is published (roll call)
    # ballots without any link to the voter
    SECRET = "secret"  # noqa: S105  # nosec B105


class ElectionOf(StrEnum):
    """What an election fills; boards and delegates are elected only by secret ballot."""

    NONE = ""
    BOARD = "board"
    DELEGATES = "delegates"
    LIST = "list"
    OTHER = "other"


SECRET_ONLY = frozenset({ElectionOf.BOARD, ElectionOf.DELEGATES, ElectionOf.LIST})


class VoteStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class Stage(StrEnum):
    """Which ballot of an election a vote is."""

    SINGLE = ""
    WOMEN = "women"  # the seats reserved for women
    OPEN_SEATS = "open_seats"  # the remaining seats, open to all
    RUNOFF = "runoff"


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Vote(SQLModel, table=True):
    """One vote or one ballot of an election."""

    id: int | None = Field(default=None, primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id", index=True)
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    kind: str = Field(default=VoteKind.MEETING, max_length=20)
    method: str = Field(default="yes_no", max_length=20)  # tally.Method
    mode: str = Field(default=VoteMode.OPEN, max_length=10)
    election_of: str = Field(default=ElectionOf.NONE, max_length=20)
    title: str = Field(max_length=300)
    question: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    majority: str = Field(default="simple", max_length=20)
    quorum_percent: int = Field(default=0)
    seats: int = Field(default=1)  # elections: seats on this ballot; choices: winners shown
    max_choices: int = Field(default=1)
    total_seats: int = Field(default=1)  # quota elections: seats of both ballots together
    reserved: bool = Field(default=False)  # only candidates for the women's seats stand
    list_place: int | None = Field(default=None)
    stage: str = Field(default=Stage.SINGLE, max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="vote.id", index=True)
    motion_id: int | None = Field(default=None, foreign_key="motion.id", index=True)
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", index=True)
    status: str = Field(default=VoteStatus.DRAFT, max_length=20, index=True)
    opens_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    closes_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    roll_size: int = Field(default=0)
    turnout: int = Field(default=0)  # ballots cast; raised in the casting transaction
    result: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resolution_id: int | None = Field(default=None, foreign_key="resolution.id")
    lock_version: int = Field(default=1)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    opened_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    published_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class VoteOption(SQLModel, table=True):
    """An answer on the ballot: yes/no/abstain/invalid, an option or a candidate."""

    __tablename__ = "vote_option"

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    kind: str = Field(max_length=20)  # tally.OptionKind
    label: str = Field(default="", max_length=200)
    women: bool = Field(default=False)  # the candidate stands for a seat reserved for women


class Voter(SQLModel, table=True):
    """The frozen roll: who may vote, fixed when the vote opens."""

    vote_id: int = Field(foreign_key="vote.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(
        foreign_key="member.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    seat_of: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")


class VoteCast(SQLModel, table=True):
    """Who has voted: one row per vote and member, written with the ballot. No time."""

    __tablename__ = "vote_cast"
    __table_args__ = {"sqlite_with_rowid": False}

    vote_id: int = Field(foreign_key="vote.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")


class Ballot(SQLModel, table=True):
    """One ballot. Secret and open ballots hold no voter; named ballots name theirs.

    While a secret vote is open its ballots hold only ``sealed`` (choices and tracker,
    encrypted: see ``votes.sealing``); the close writes them anew in clear."""

    __table_args__ = {"sqlite_with_rowid": False}

    key: str = Field(primary_key=True, max_length=32)  # random, says nothing about order
    vote_id: int = Field(foreign_key="vote.id", index=True, ondelete="CASCADE")
    choices: str = Field(max_length=2000)  # tally.encode: option ids, in ballot order
    tracker: str = Field(default="", max_length=64)  # secret votes: the voter's receipt
    # secret votes while open: choices and tracker encrypted (choices and tracker empty)
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # named votes only
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")


class Attendance(SQLModel, table=True):
    """Who is present at a body's meeting now, as office staff recorded it."""

    body_id: int = Field(foreign_key="body.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    present: bool = Field(default=True)


class SubstituteSeat(SQLModel, table=True):
    """A substitute delegate sits in an absent delegate's seat."""

    __tablename__ = "substitute_seat"
    __table_args__ = (
        UniqueConstraint("body_id", "delegate_id"),
        UniqueConstraint("body_id", "substitute_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True, ondelete="CASCADE")
    delegate_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    substitute_id: int = Field(foreign_key="member.id", ondelete="CASCADE")


class VoteLog(SQLModel, table=True):
    """An administrative action on a vote or on a body's seats: who, what, when."""

    __tablename__ = "vote_log"

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int | None = Field(default=None, foreign_key="vote.id", index=True)
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    action: str = Field(max_length=30)
    note: str = Field(default="", max_length=2000)
    actor_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class RoomVote(SQLModel, table=True):
    """A vote held in a meeting's live room: its roll was frozen from the members present
    at that meeting when it opened (not from a body's attendance). With ``hall_analog``
    the hall votes by show of hands or on paper and the desk enters the count
    (``HallCount``); only those present online get a ballot in Plenum."""

    __tablename__ = "room_vote"

    vote_id: int = Field(foreign_key="vote.id", primary_key=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    hall_analog: bool = Field(default=False)


class HallCount(SQLModel, table=True):
    """The hall's count of one answer of a room vote, as the desk entered it."""

    __tablename__ = "hall_count"

    vote_id: int = Field(foreign_key="vote.id", primary_key=True, ondelete="CASCADE")
    option_id: int = Field(foreign_key="vote_option.id", primary_key=True, ondelete="CASCADE")
    count: int = Field(default=0)
