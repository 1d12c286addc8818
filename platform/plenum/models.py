"""Every table, imported in one place for Alembic and the test fixtures."""

from __future__ import annotations

from plenum.db import metadata
from plenum.motions.models import (
    Amendment,
    Attachment,
    Consultation,
    Motion,
    MotionVersion,
    Proposer,
    Resolution,
    StatusChange,
    Support,
)
from plenum.notify.models import Notification
from plenum.orgs.models import Body, BodyRole, Chapter, ChapterRole, Member, Membership

__all__ = [
    "Amendment",
    "Attachment",
    "Body",
    "BodyRole",
    "Chapter",
    "ChapterRole",
    "Consultation",
    "Member",
    "Membership",
    "Motion",
    "MotionVersion",
    "Notification",
    "Proposer",
    "Resolution",
    "StatusChange",
    "Support",
    "metadata",
]
