"""Tables of video in meetings: the meeting's room at the provider, and the Janus
sessions and handles members opened through Plenum's relay (so that every later request
on them is checked against the member who opened them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class VideoRoom(SQLModel, table=True):
    """A meeting's room: made when the first member joins, ended by the chair or the
    clock after the meeting. ``secret`` manages the room at the provider (never shown)."""

    __tablename__ = "video_room"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True, ondelete="CASCADE")
    provider: str = Field(max_length=20)
    key: str = Field(max_length=500)  # a room number, a meeting id, a room name, a link
    secret: str = Field(max_length=100)
    prepared_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    ended_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    # the chair: who is shown to everyone beside the speaker (an interpreter)
    pinned_member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    # recording: only when the chair turns it on; everyone is told first
    recording_since: datetime | None = Field(default=None, sa_column=_timestamp(True))
    # registration off for the room: everyone of the audience may join
    open_to_audience: bool = Field(default=False)
    captions_url: str = Field(default="", max_length=500)


class VideoSession(SQLModel, table=True):
    """A Janus session a member opened through the relay."""

    __tablename__ = "video_session"

    id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    tab: int = Field(default=1)  # the member's participant number in the room: one per tab
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # the member is in the room (joined the audio bridge) since, and until
    joined_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    closed_at: datetime | None = Field(default=None, sa_column=_timestamp(True))


class VideoHandle(SQLModel, table=True):
    """A plugin handle in a relayed session: which plugin, and what it was joined as."""

    __tablename__ = "video_handle"

    id: int = Field(sa_column=Column(BigInteger(), primary_key=True, autoincrement=False))
    session_id: int = Field(sa_column=Column(BigInteger(), nullable=False, index=True))
    plugin: str = Field(max_length=40)
    kind: str = Field(default="", max_length=20)  # publisher, subscriber, bridge
