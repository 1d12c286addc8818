"""The one place Plenum asks for the time, so tests can reason about it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, as an aware datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` with a zone: a naive datetime is taken as UTC (``db.UTCDateTime`` stores and
    reads every moment in UTC, so what the database hands back is aware already)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
