"""Tables of calls for motions, motions, amendments, their versions and resolutions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class MotionType(StrEnum):
    MOTION = "motion"
    RESOLUTION_DRAFT = "resolution_draft"
    STATUTE = "statute"
    FINANCE = "finance"


DEFAULT_PREFIXES = {
    MotionType.MOTION: "A",
    MotionType.RESOLUTION_DRAFT: "B",
    MotionType.STATUTE: "S",
    MotionType.FINANCE: "F",
}


class Submitter(StrEnum):
    """Who may submit to a call."""

    MEMBERS = "members"
    DELEGATES = "delegates"
    WORKING_GROUPS = "working_groups"
    LOWER_BOARDS = "lower_boards"


class AmendmentNumbering(StrEnum):
    SEQUENTIAL = "sequential"  # A1-Ä1, A1-Ä2
    BY_LINE = "by_line"  # A1-012: the first changed line


class Status(StrEnum):
    DRAFT = "draft"
    COLLECTING = "collecting"  # submitted, collecting supporters
    SUBMITTED = "submitted"
    SCREENED = "screened"
    INADMISSIBLE = "inadmissible"
    PUBLISHED = "published"
    RECOMMENDED = "recommended"
    ADOPTED = "adopted"
    ADOPTED_MODIFIED = "adopted_modified"
    REJECTED = "rejected"
    REFERRED = "referred"
    SETTLED = "settled"
    WITHDRAWN = "withdrawn"


DECISIONS = (
    Status.ADOPTED,
    Status.ADOPTED_MODIFIED,
    Status.REJECTED,
    Status.REFERRED,
    Status.SETTLED,
)
FINAL = frozenset({*DECISIONS, Status.INADMISSIBLE, Status.WITHDRAWN})
OPEN_FOR_DECISION = frozenset({Status.PUBLISHED, Status.RECOMMENDED})


class Recommendation(StrEnum):
    """The board's procedural recommendation (Verfahrensvorschlag)."""

    ADOPT = "adopt"
    ADOPT_MODIFIED = "adopt_modified"
    REJECT = "reject"
    REFER = "refer"
    SETTLED = "settled"


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _text() -> Column[str]:
    return Column(Text, nullable=False, default="")


class Consultation(SQLModel, table=True):
    """A call for motions (Antragsrunde) of a body."""

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=_text())
    motion_types: str = Field(default="motion", max_length=200)  # space-separated MotionType
    prefixes: str = Field(default="A B S F", max_length=100)  # one per MotionType, in order
    submitters: str = Field(default="members", max_length=200)  # space-separated Submitter
    supporters_required: int = Field(default=0)
    line_length: int = Field(default=80)
    amendment_numbering: str = Field(default=AmendmentNumbering.SEQUENTIAL, max_length=20)
    motion_deadline: datetime = Field(sa_column=_timestamp())
    amendment_deadline: datetime = Field(sa_column=_timestamp())
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Motion(SQLModel, table=True):
    """A motion (Antrag) to a body, from draft to decision."""

    __table_args__ = (
        UniqueConstraint("consultation_id", "number"),
        UniqueConstraint("created_by", "idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True)
    type: str = Field(default=MotionType.MOTION, max_length=30)
    number: str | None = Field(default=None, max_length=30)
    sequence: int | None = Field(default=None)
    title: str = Field(max_length=300)
    group_name: str = Field(default="", max_length=200)  # a body or working group as proposer
    text: str = Field(default="", sa_column=_text())  # the draft or submitted text
    reasons: str = Field(default="", sa_column=_text())
    amount_cents: int | None = Field(default=None)
    cost_centre: str = Field(default="", max_length=100)
    status: str = Field(default=Status.DRAFT, max_length=20, index=True)
    status_note: str = Field(default="", max_length=2000)  # e.g. why it was inadmissible
    supporters_required: int = Field(default=0)
    current_version_id: int | None = Field(default=None)
    recommendation: str = Field(default="", max_length=20)
    recommendation_note: str = Field(default="", max_length=2000)
    modified_text: str = Field(default="", sa_column=_text())  # "adopt modified" text
    modified_accepted: bool = Field(default=False)
    # the version the modified text was written against
    modified_base_version_id: int | None = Field(default=None)
    lock_version: int = Field(default=1)  # raised on every save: refuses stale edits
    created_by: int = Field(foreign_key="member.id", index=True)
    idempotency_key: str | None = Field(default=None, max_length=64)  # of the form that made it
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    submitted_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class MotionVersion(SQLModel, table=True):
    """One kept state of a motion's text, with its line layout computed once."""

    __tablename__ = "motion_version"
    __table_args__ = (UniqueConstraint("motion_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    number: int
    text: str = Field(sa_column=_text())
    layout: str = Field(sa_column=_text())  # lines.Layout.to_json()
    line_count: int = Field(default=0)
    note: str = Field(default="", max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Amendment(SQLModel, table=True):
    """An amendment (Änderungsantrag): the whole amended text of one motion version."""

    __table_args__ = (
        UniqueConstraint("motion_id", "number"),
        UniqueConstraint("created_by", "idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    base_version_id: int = Field(foreign_key="motion_version.id")
    number: str = Field(max_length=40)
    sequence: int
    title: str = Field(max_length=300)
    group_name: str = Field(default="", max_length=200)
    text: str = Field(sa_column=_text())
    reasons: str = Field(default="", sa_column=_text())
    changes: str = Field(sa_column=_text())  # diff.changes_to_json()
    first_line: int = Field(default=0, index=True)
    last_line: int = Field(default=0)
    status: str = Field(default=Status.SUBMITTED, max_length=20, index=True)
    status_note: str = Field(default="", max_length=2000)
    supporters_required: int = Field(default=0)
    recommendation: str = Field(default="", max_length=20)
    recommendation_note: str = Field(default="", max_length=2000)
    modified_text: str = Field(default="", sa_column=_text())  # "adopt modified" text
    modified_accepted: bool = Field(default=False)
    merged_version_id: int | None = Field(default=None, foreign_key="motion_version.id")
    published_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    lock_version: int = Field(default=1)
    created_by: int = Field(foreign_key="member.id", index=True)
    idempotency_key: str | None = Field(default=None, max_length=64)  # of the form that made it
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    decided_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class Proposer(SQLModel, table=True):
    """A member named as proposer (Antragsteller:in) of a motion or an amendment; a
    co-proposer named by someone else is invited until they confirm."""

    __table_args__ = (
        UniqueConstraint("motion_id", "member_id"),
        UniqueConstraint("amendment_id", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int | None = Field(default=None, foreign_key="motion.id", index=True)
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    # Named by someone else: a proposer only once they confirm (named publicly, with rights)
    confirmed: bool = Field(default=True)


class Support(SQLModel, table=True):
    """A member supports (unterstützt) a motion or an amendment."""

    __table_args__ = (
        UniqueConstraint("motion_id", "member_id"),
        UniqueConstraint("amendment_id", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int | None = Field(default=None, foreign_key="motion.id", index=True)
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class StatusChange(SQLModel, table=True):
    """One step in a motion's or amendment's history: who moved it where, and when."""

    __tablename__ = "status_change"

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", index=True)
    from_status: str = Field(default="", max_length=20)
    to_status: str = Field(max_length=20)
    note: str = Field(default="", max_length=2000)
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Attachment(SQLModel, table=True):
    """A file the proposers attach to their motion (a PDF or an image)."""

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_by: int = Field(foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Resolution(SQLModel, table=True):
    """A resolution (Beschluss) of a body, numbered per body and year."""

    __table_args__ = (UniqueConstraint("body_id", "year", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    motion_id: int | None = Field(default=None, foreign_key="motion.id", unique=True)
    year: int = Field(index=True)
    sequence: int
    number: str = Field(max_length=60)
    title: str = Field(max_length=300)
    topic: str = Field(default="", max_length=100, index=True)
    decided_on: date = Field(sa_column=Column(Date, nullable=False))
    outcome: str = Field(default="", max_length=300)
    text: str = Field(sa_column=_text())
    reasons: str = Field(default="", sa_column=_text())
    finances: str = Field(default="", max_length=300)
    amount_cents: int | None = Field(default=None)
    cost_centre: str = Field(default="", max_length=100)
    responsible: str = Field(default="", max_length=300)
    coordinated_with: str = Field(default="", max_length=500)
    attachments: str = Field(default="", max_length=1000)
    notes: str = Field(default="", sa_column=_text())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
