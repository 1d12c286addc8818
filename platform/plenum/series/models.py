"""Tables of a series: the series, the functions given for it, its sources (meetings and
the two channels that are not meetings), the proposals with their origin, and supports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class Phase(StrEnum):
    """Where a series stands; each phase ends at its own date."""

    COLLECTING = "collecting"
    SYNTHESIS = "synthesis"
    EVALUATION = "evaluation"
    DECISION = "decision"
    FEEDBACK = "feedback"


class SourceKind(StrEnum):
    MEETING = "meeting"  # a regional conference, a base conference, an evening online
    ONLINE_WEEK = "online_week"  # members who attended nothing propose and support
    PHONE = "phone"  # callers enter what members said on the phone


class WeightKind(StrEnum):
    """How a session weighed its proposals in the room."""

    DOTS = "dots"
    HANDS = "hands"


class SeriesRoleKind(StrEnum):
    FACILITATOR = "facilitator"  # records the results of the sessions
    SYNTHESIS = "synthesis"  # the synthesis group
    CALLER = "caller"  # enters answers given on the phone


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _text() -> Column[str]:
    return Column(Text, nullable=False, default="")


class Series(SQLModel, table=True):
    """A chapter's series of sessions with one guiding question and phases with dates."""

    id: int | None = Field(default=None, primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id", index=True)
    title: str = Field(max_length=300)
    question: str = Field(sa_column=_text())
    max_proposals: int = Field(default=3)  # per session, and per member in the online week
    with_costs: bool = Field(default=False)  # proposals may carry a cost estimate
    collecting_ends_at: datetime = Field(sa_column=_timestamp())
    synthesis_ends_at: datetime = Field(sa_column=_timestamp())
    evaluation_ends_at: datetime = Field(sa_column=_timestamp())
    decision_ends_at: datetime = Field(sa_column=_timestamp())
    # the members' discussion of the series and its synthesis: a topic in the chapter's space
    thread_id: int | None = Field(default=None, foreign_key="thread.id")
    # the motion Plenum drafted from the demands, to a body of the chapter
    motion_id: int | None = Field(default=None, foreign_key="motion.id", ondelete="SET NULL")
    # the members' evaluation of the demands: a ranked survey of the chapter (``votes``)
    vote_id: int | None = Field(default=None, foreign_key="vote.id", ondelete="SET NULL")
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class SeriesRole(SQLModel, table=True):
    """A member's function in one series: facilitator, synthesis group, caller."""

    __tablename__ = "series_role"
    __table_args__ = (UniqueConstraint("series_id", "member_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)


class SeriesSource(SQLModel, table=True):
    """Where proposals come from: one meeting of the series, or one of the two channels
    (with the window in which it takes proposals). Its chapter and date are the origin
    of every proposal from it."""

    __tablename__ = "series_source"
    __table_args__ = (UniqueConstraint("series_id", "meeting_id"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    kind: str = Field(max_length=20)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    chapter_id: int = Field(foreign_key="chapter.id")
    title: str = Field(max_length=300)
    starts_at: datetime = Field(sa_column=_timestamp())
    ends_at: datetime = Field(sa_column=_timestamp())
    weight_kind: str = Field(default=WeightKind.DOTS, max_length=10)
    # attendance as counts by channel, recorded by the facilitator
    hall_count: int | None = Field(default=None)
    online_count: int | None = Field(default=None)
    recorded_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    recorded_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    # the questionnaire for its participants: open from the recording until then, counted
    feedback_closes_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    feedback_counted_at: datetime | None = Field(default=None, sa_column=_timestamp(True))


class Proposal(SQLModel, table=True):
    """One proposal with its origin, kept for good: the source it came from, that source's
    chapter and date, and who entered it (and for whom, on the phone)."""

    __table_args__ = (UniqueConstraint("entered_by", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    source_id: int = Field(foreign_key="series_source.id", index=True)
    origin_chapter_id: int = Field(foreign_key="chapter.id")
    origin_date: datetime = Field(sa_column=_timestamp())
    title: str = Field(max_length=300)
    text: str = Field(sa_column=_text())
    reasons: str = Field(sa_column=_text())
    cost: str = Field(default="", max_length=200)
    weight: int | None = Field(default=None)  # dots or hands in the room
    support_count: int = Field(default=0)  # supports in the online week
    # who wrote it in the online week; for the phone, the member whose answer it is
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    entered_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    consent: bool = Field(default=False)  # phone: the member agreed to have it entered
    idempotency_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ProposalSupport(SQLModel, table=True):
    """A member supports an online-week proposal (once)."""

    __tablename__ = "proposal_support"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Fate(StrEnum):
    """What the body made of a demand."""

    ADOPTED = "adopted"
    ADOPTED_CHANGED = "adopted_changed"
    REFERRED = "referred"
    REJECTED = "rejected"


class SynthesisAction(StrEnum):
    MERGE = "merge"  # proposals become one demand (or join one)
    SPLIT = "split"  # one proposal becomes two demands
    VARIANT = "variant"  # a minority's wording, kept beside a demand
    REJECT = "reject"  # a suggested group does not belong together


class Demand(SQLModel, table=True):
    """What the synthesis group made of proposals that say the same thing: its own
    wording, and (``DemandOrigin``) every proposal it came from. A minority variant
    stays visible as an alternative to its demand (``variant_of``)."""

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    title: str = Field(max_length=300)
    text: str = Field(sa_column=_text())
    reasons: str = Field(sa_column=_text())
    variant_of: int | None = Field(default=None, foreign_key="demand.id")
    # its option in the members' evaluation
    option_id: int | None = Field(default=None, foreign_key="vote_option.id", ondelete="SET NULL")
    # what the body decided, with its reasons, told to everyone who took part in it
    fate: str = Field(default="", max_length=20)
    fate_reason: str = Field(default="", sa_column=_text())
    fate_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class DemandOrigin(SQLModel, table=True):
    """A proposal a demand came from; ``part`` names the part of a split proposal."""

    __tablename__ = "demand_origin"
    __table_args__ = (UniqueConstraint("demand_id", "proposal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    demand_id: int = Field(foreign_key="demand.id", index=True, ondelete="CASCADE")
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    part: str = Field(default="", max_length=300)


class SynthesisStep(SQLModel, table=True):
    """The log of the synthesis: who merged, split, kept a variant or rejected a
    suggestion, when and why."""

    __tablename__ = "synthesis_step"

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    action: str = Field(max_length=20)
    reason: str = Field(default="", max_length=1000)
    demand_id: int | None = Field(default=None, foreign_key="demand.id", ondelete="SET NULL")
    proposals: str = Field(default="", sa_column=_text())  # the proposals' ids, "3-7-12"
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class RejectedSuggestion(SQLModel, table=True):
    """A suggested group the synthesis group said does not belong together."""

    __tablename__ = "rejected_suggestion"
    __table_args__ = (UniqueConstraint("series_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    key: str = Field(max_length=64)  # SHA-256 of the group's key (its ids, "3-7-12")


class FeedbackGiven(SQLModel, table=True):
    """That a participant has answered a session's questionnaire: nothing of what."""

    __tablename__ = "feedback_given"
    __table_args__ = (UniqueConstraint("source_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="series_source.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")


class FeedbackAnswer(SQLModel, table=True):
    """One anonymous answer to a session's questionnaire. Until the questionnaire closes it
    holds only ``sealed`` (the answers encrypted and padded, as a secret ballot); the count
    writes it anew in clear with a new random key (``series.feedback``)."""

    __tablename__ = "feedback_answer"
    __table_args__ = {"sqlite_with_rowid": False}

    key: str = Field(primary_key=True, max_length=32)  # random, says nothing about order
    source_id: int = Field(foreign_key="series_source.id", index=True)
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    follow: int | None = Field(default=None)  # 1-5: could you follow
    speak: int | None = Field(default=None)  # 1-5: could you speak when you wanted to
    childcare: str = Field(default="", max_length=10)  # yes / no / not needed
    accessibility: str = Field(default="", max_length=10)
    time_ok: str = Field(default="", max_length=10)  # yes / no
    comment: str = Field(default="", sa_column=_text())


class EvaluationGroup(SQLModel, table=True):
    """The members' evaluation of a series by one group of voters (their region, or how
    they took part), aggregated at the count (``series.breakdown``): how many voters, and
    per option how many placed it in their top three. Only groups of at least five voters
    are kept; smaller ones are pooled in "other" when that pool reaches five, else dropped."""

    __tablename__ = "evaluation_group"
    __table_args__ = (UniqueConstraint("vote_id", "dimension", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    vote_id: int = Field(foreign_key="vote.id", index=True, ondelete="CASCADE")
    dimension: str = Field(max_length=10)  # region / channel
    key: str = Field(max_length=40)  # a chapter's id, a channel, or "other"
    voters: int
    top3: str = Field(default="{}", sa_column=_text())  # JSON: option id -> count
