"""Tables of discussion spaces, threads, comments and what members do with them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class ThreadKind(StrEnum):
    TOPIC = "topic"  # opened by a member in a space
    MOTION = "motion"  # the discussion of a motion
    AMENDMENT = "amendment"  # the discussion of an amendment


class Delivery(StrEnum):
    """How a member hears by e-mail about what they follow."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"


class ModerationAction(StrEnum):
    HIDE = "hide"
    RESTORE = "restore"
    DISMISS = "dismiss"  # the flags were looked at; the comment stays


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Space(SQLModel, table=True):
    """The discussion space of a chapter (or working group), or of one body."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=40, unique=True)  # "chapter:12" or "body:5"
    chapter_id: int = Field(foreign_key="chapter.id", index=True)
    body_id: int | None = Field(default=None, foreign_key="body.id")


class Thread(SQLModel, table=True):
    """A topic of a space, or the discussion of one motion or amendment."""

    __table_args__ = (UniqueConstraint("created_by", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    kind: str = Field(default=ThreadKind.TOPIC, max_length=20)
    motion_id: int | None = Field(default=None, foreign_key="motion.id", unique=True)
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", unique=True)
    title: str = Field(default="", max_length=200)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    idempotency_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    last_activity_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # The number given to the newest comment: unread = last_seq - what a member has read.
    last_seq: int = Field(default=0)
    comment_count: int = Field(default=0)  # comments not deleted
    # comments are taken until then (the published minutes of a meeting, for a set time)
    closes_at: datetime | None = Field(default=None, sa_column=_timestamp(True))


class Comment(SQLModel, table=True):
    """A member's contribution to a thread; replies sit under one top-level comment."""

    __table_args__ = (
        UniqueConstraint("thread_id", "seq"),
        UniqueConstraint("author_id", "idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    seq: int  # 1, 2, 3 ... in the order written
    author_id: int = Field(foreign_key="member.id", index=True)
    # The top-level comment a reply is shown under, and the comment it answers.
    parent_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    reply_to_id: int | None = Field(default=None, foreign_key="comment.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    # A quoted line range of the motion (or amendment) discussed, as it read then.
    quote_first: int | None = Field(default=None)
    quote_last: int | None = Field(default=None)
    quote_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    agree_count: int = Field(default=0)
    idempotency_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    edited_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    hidden_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    hidden_reason: str = Field(default="", max_length=500)
    hidden_by: int | None = Field(default=None, foreign_key="member.id")


class Reaction(SQLModel, table=True):
    """A member agrees with a comment."""

    __table_args__ = (UniqueConstraint("comment_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class ReadMark(SQLModel, table=True):
    """How far a member has read a thread: every comment up to ``last_seq``."""

    __tablename__ = "read_mark"
    __table_args__ = (UniqueConstraint("member_id", "thread_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    thread_id: int = Field(foreign_key="thread.id", index=True)
    last_seq: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Subscription(SQLModel, table=True):
    """A member follows a thread or a whole space."""

    __table_args__ = (
        UniqueConstraint("member_id", "thread_id"),
        UniqueConstraint("member_id", "space_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    thread_id: int | None = Field(default=None, foreign_key="thread.id", index=True)
    space_id: int | None = Field(default=None, foreign_key="space.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class Flag(SQLModel, table=True):
    """A member asks the moderators to look at a comment."""

    __table_args__ = (UniqueConstraint("comment_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    reason: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    resolved_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class ModerationEntry(SQLModel, table=True):
    """The log of what moderators did: who, when, to which comment, why."""

    __tablename__ = "moderation_entry"

    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    actor_id: int = Field(foreign_key="member.id")
    action: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
