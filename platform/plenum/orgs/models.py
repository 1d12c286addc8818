"""Tables of the party structure."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class ChapterKind(StrEnum):
    FEDERAL = "federal"
    STATE = "state"
    COUNTY = "county"
    LOCAL = "local"
    WORKING_GROUP = "working_group"


class BodyKind(StrEnum):
    BOARD = "board"
    CONVENTION = "convention"
    COUNCIL = "council"
    CONFERENCE = "conference"
    WG_PLENARY = "wg_plenary"


class Role(StrEnum):
    CHAIR = "chair"
    BOARD_MEMBER = "board_member"
    DELEGATE = "delegate"
    SUBSTITUTE_DELEGATE = "substitute_delegate"
    OFFICE_STAFF = "office_staff"
    MODERATOR = "moderator"
    CALLER = "caller"  # calls members in the chapter's phone campaigns


class Majority(StrEnum):
    SIMPLE = "simple"
    ABSOLUTE = "absolute"
    TWO_THIRDS = "two_thirds"


class Source(StrEnum):
    """Where a membership or role came from: the identity provider or a page."""

    IDP = "idp"
    MANUAL = "manual"


# Roles that make sense for the chapter as a whole (not for one body).
CHAPTER_ROLES = (Role.OFFICE_STAFF, Role.MODERATOR, Role.CALLER)


def _timestamp() -> Column[datetime]:
    return Column(UTCDateTime(), nullable=False)


class Chapter(SQLModel, table=True):
    """A Gliederung: federal, state, county, local chapter or working group."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="chapter.id", index=True)
    # Materialised path of ids from the federal chapter down to this one: "/1/4/9/".
    path: str = Field(default="/", max_length=400, index=True)

    @property
    def path_ids(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.path.strip("/").split("/") if part)


class Body(SQLModel, table=True):
    """A Gremium of a chapter, with its rules."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True, index=True)
    chapter_id: int = Field(foreign_key="chapter.id", index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    quorum_percent: int = Field(default=50)
    default_majority: str = Field(default=Majority.SIMPLE, max_length=20)
    # How resolutions are numbered ("{year}/{seq}", "Nr. {seq} – {year}") and shown.
    resolution_format: str = Field(default="{year}/{seq}", max_length=60)
    resolutions_public: bool = Field(default=False)


class Member(SQLModel, table=True):
    """A party member, known by the identity provider's (issuer, subject)."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    display_name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    member_number: str = Field(default="", max_length=64)
    locale: str = Field(default="", max_length=8)
    # How the member hears by e-mail about what they follow (discuss.models.Delivery).
    delivery: str = Field(default="daily", max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_login_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # When the member was removed from the party: no login since, no session left.
    removed_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    # The phone number the provider gives (``phone_number``): only callers of a phone
    # campaign see it, for the member they are calling.
    phone: str = Field(default="", max_length=40)
    # When the member joined the party, as the provider says (``member_since``).
    joined_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Since when the member has asked not to be called by phone campaigns ("Meine Daten").
    no_calls_since: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class Membership(SQLModel, table=True):
    """A member belongs to a chapter."""

    __table_args__ = (UniqueConstraint("member_id", "chapter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    chapter_id: int = Field(foreign_key="chapter.id", index=True, ondelete="CASCADE")
    source: str = Field(default=Source.IDP, max_length=10)


class ChapterRole(SQLModel, table=True):
    """A role held for a whole chapter (office staff, moderator)."""

    __tablename__ = "chapter_role"

    __table_args__ = (UniqueConstraint("member_id", "chapter_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    chapter_id: int = Field(foreign_key="chapter.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=30)
    source: str = Field(default=Source.MANUAL, max_length=10)


class BodyRole(SQLModel, table=True):
    """A seat or function in a body (chair, board member, delegate, ...)."""

    __tablename__ = "body_role"

    __table_args__ = (UniqueConstraint("member_id", "body_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    body_id: int = Field(foreign_key="body.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=30)
    source: str = Field(default=Source.MANUAL, max_length=10)
