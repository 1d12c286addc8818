"""Tables of logging in: the sessions a member has open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class MemberSession(SQLModel, table=True):
    """A logged-in session, from login until logout (or until it is ended on the server).

    The session cookie carries the row's id (``_id``) next to the member's id; a cookie
    whose row is gone is logged out. Kept in the shared database, so ending a session
    holds on every app instance at once.
    """

    __tablename__ = "member_session"

    id: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
