"""Tables of meetings: the meeting, who runs it, who registered (and their needs), its
agenda, who is present, and the speakers' lists.

Needs (childcare, accessibility, interpretation) are special-category data (GDPR Art. 9):
they live in their own table, ``RegistrationNeeds``, so that they can be deleted whole
on schedule (``meetings.registration.forget_needs``) while the registration stays.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class Mode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class Audience(StrEnum):
    """Who a meeting is for."""

    BODY = "body"  # the body's seat holders (delegates with their substitutes, ...)
    CHAPTER = "chapter"  # every member of the chapter and the chapters below it
    BOTH = "both"  # the body, and every member of its chapter as guests


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    """How a member takes part: in the hall or online (written: sent in beforehand)."""

    HALL = "hall"
    ONLINE = "online"
    WRITTEN = "written"


class MeetingRoleKind(StrEnum):
    """Functions for one meeting; the body's chair (and the office staff) chair anyway."""

    CHAIR = "chair"
    DESK = "desk"  # Tagungsbüro: checks members in, enters hall requests and counts
    MINUTES = "minutes"  # writes the minutes
    INTERPRETER = "interpreter"  # interprets (sign language, a spoken language) in the video room


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _text() -> Column[str]:
    return Column(Text, nullable=False, default="")


class Meeting(SQLModel, table=True):
    """A meeting of a body, or of a chapter with its members."""

    id: int | None = Field(default=None, primary_key=True)
    chapter_id: int = Field(foreign_key="chapter.id", index=True)
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=_text())  # Markdown
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ends_at: datetime = Field(sa_column=_timestamp())
    mode: str = Field(default=Mode.IN_PERSON, max_length=20)
    audience: str = Field(default=Audience.CHAPTER, max_length=20)
    # in person: the venue and what it offers
    venue: str = Field(default="", max_length=300)
    address: str = Field(default="", max_length=500)
    step_free: bool = Field(default=False)
    accessible_toilet: bool = Field(default=False)
    hearing_loop: bool = Field(default=False)
    quiet_room: bool = Field(default=False)
    childcare: bool = Field(default=False)
    childcare_ages: str = Field(default="", max_length=60)  # e.g. "1–10"
    interpreters: bool = Field(default=False)  # sign language and others, on request
    # online: shown to registered members only, from 30 minutes before the start
    video_url: str = Field(default="", max_length=500)
    capacity_hall: int | None = Field(default=None)
    capacity_online: int | None = Field(default=None)
    registration_deadline: datetime | None = Field(default=None, sa_column=_timestamp(True))
    status: str = Field(default=MeetingStatus.SCHEDULED, max_length=20, index=True)
    postponed: bool = Field(default=False)  # moved: shown as such to the registered
    speaker_rule: str = Field(default="zipper", max_length=30)  # meetings.queue.Rule
    current_item_id: int | None = Field(default=None)
    lock_version: int = Field(default=1)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # the needs of its registrations were deleted (30 days after the end)
    needs_forgotten_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    # minutes: approved and published by the chair, with attendance counts by channel
    minutes_published_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    minutes_published_by: int | None = Field(
        default=None, foreign_key="member.id", ondelete="SET NULL"
    )
    minutes_thread_id: int | None = Field(default=None, foreign_key="thread.id")
    attended_hall: int | None = Field(default=None)
    attended_online: int | None = Field(default=None)


class MeetingRole(SQLModel, table=True):
    """A member's function in one meeting: chair, desk, minute-taker."""

    __tablename__ = "meeting_role"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"  # on the waiting list
    OFFERED = "offered"  # a seat freed up: confirm until offered_until
    CANCELLED = "cancelled"


class Registration(SQLModel, table=True):
    """A member's registration for a meeting, in the hall or online."""

    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    channel: str = Field(default=Channel.HALL, max_length=10)
    status: str = Field(default=RegistrationStatus.REGISTERED, max_length=20)
    # the place on the waiting list: when the member (last) asked for a seat
    queued_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    offered_until: datetime | None = Field(default=None, sa_column=_timestamp(True))
    # the personal check-in code for the desk (random, shown as a QR code)
    check_in_code: str = Field(max_length=16, unique=True)
    reminded: bool = Field(default=False)  # the reminder 24 hours before went out


class RegistrationNeeds(SQLModel, table=True):
    """What a member needs to take part. Special-category data: organisers only, and
    deleted 30 days after the meeting."""

    __tablename__ = "registration_needs"

    registration_id: int = Field(
        foreign_key="registration.id", primary_key=True, ondelete="CASCADE"
    )
    children: int = Field(default=0)
    children_ages: str = Field(default="", max_length=100)  # "3, 7"
    accessibility: str = Field(default="", sa_column=_text())
    interpretation: str = Field(default="", max_length=200)
    note: str = Field(default="", sa_column=_text())


class CalendarFeed(SQLModel, table=True):
    """A member's private calendar feed of registered meetings; the token is revocable."""

    __tablename__ = "calendar_feed"

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True)


class ItemKind(StrEnum):
    REPORT = "report"
    DISCUSSION = "discussion"
    MOTION = "motion"
    VOTE = "vote"  # a vote or election
    BREAK = "break"
    OTHER = "other"


class ItemStatus(StrEnum):
    PENDING = "pending"
    CURRENT = "current"
    DONE = "done"


class AgendaItem(SQLModel, table=True):
    """A numbered item of a meeting's agenda."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    title: str = Field(max_length=200)
    kind: str = Field(default=ItemKind.OTHER, max_length=20)
    planned_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    minutes_planned: int | None = Field(default=None)
    description: str = Field(default="", sa_column=_text())  # Markdown
    motion_id: int | None = Field(default=None, foreign_key="motion.id", ondelete="SET NULL")
    call_id: int | None = Field(default=None, foreign_key="consultation.id", ondelete="SET NULL")
    vote_id: int | None = Field(default=None, foreign_key="vote.id", ondelete="SET NULL")
    status: str = Field(default=ItemStatus.PENDING, max_length=20)
    speakers_closed: bool = Field(default=False)
    opened_for: int = Field(default=0)  # rule (b): further speakers the assembly allowed
    minutes: str = Field(default="", sa_column=_text())  # Markdown, by the minute-taker


class AgendaDocument(SQLModel, table=True):
    """A file attached to an agenda item (a PDF or an image), for everyone who may see
    the meeting; one name once per item."""

    __tablename__ = "agenda_document"
    __table_args__ = (UniqueConstraint("item_id", "filename"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_by: int = Field(foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Presence(SQLModel, table=True):
    """Who is present at a meeting: checked in at the hall by the desk, or online while
    the live room is open (``seen_at`` is the last heartbeat)."""

    __tablename__ = "meeting_presence"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    channel: str = Field(default=Channel.HALL, max_length=10)
    seen_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    left: bool = Field(default=False)  # checked out at the desk


class RequestStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    WITHDRAWN = "withdrawn"


class SpeakerRequest(SQLModel, table=True):
    """A request to speak (or a written question) on one agenda item.

    ``category`` is what the member declared with this request for the quota (not stored
    on the member); ``channel`` says where the contribution comes from."""

    __tablename__ = "speaker_request"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    kind: str = Field(default="speech", max_length=20)  # meetings.queue.Kind
    category: str = Field(default="open", max_length=10)  # meetings.queue.Category
    stance: str = Field(default="none", max_length=10)  # meetings.queue.Stance
    channel: str = Field(default=Channel.ONLINE, max_length=10)
    text: str = Field(default="", sa_column=_text())  # a written question or statement
    status: str = Field(default=RequestStatus.WAITING, max_length=20, index=True)
    asked_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    called_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    # speaking time: started and stopped by the chair
    started_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    stopped_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    override: str = Field(default="", max_length=500)  # the chair's reason to call out of order
    speaking_seconds: int | None = Field(default=None)  # the time given when the chair started it
    entered_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")


class Announcement(SQLModel, table=True):
    """What the chair announces in the live room."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    text: str = Field(max_length=1000)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
