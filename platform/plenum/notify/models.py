"""Table of in-app notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class Notification(SQLModel, table=True):
    """A message for one member: a translatable text, its values, and a link."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    message: str = Field(max_length=300)  # an English msgid with {placeholders}
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON
    url: str = Field(default="", max_length=500)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
