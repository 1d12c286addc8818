"""Tables of e-mail: messages waiting to be sent, and digests already sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class OutgoingMail(SQLModel, table=True):
    """An e-mail waiting to be sent (or sent): written in the same transaction as its cause."""

    __tablename__ = "outgoing_mail"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    headers: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True)
    )
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)


class DigestLog(SQLModel, table=True):
    """One digest of one period for one member: running ``plenum digests`` twice sends once."""

    __tablename__ = "digest_log"
    __table_args__ = (UniqueConstraint("member_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    period: str = Field(max_length=30)  # "daily:2026-11-21", "weekly:2026-W47"
    sent_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
