"""The search index: one row per searchable thing, kept current by ``search.index``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from plenum.clock import utcnow
from plenum.db import UTCDateTime


class SearchDocument(SQLModel, table=True):
    """What search reads: the text of a motion, amendment, resolution or comment.

    The full-text index over ``title`` and ``body`` is made by the migration: an FTS5
    table on SQLite, a German ``tsvector`` expression index on PostgreSQL."""

    __tablename__ = "search_document"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # motion | amendment | resolution | comment
    ref_id: int
    chapter_id: int = Field(foreign_key="chapter.id", index=True)
    title: str = Field(default="", max_length=300)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
