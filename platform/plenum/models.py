"""Every table, imported in one place for Alembic and the test fixtures."""

from __future__ import annotations

from plenum.db import metadata
from plenum.orgs.models import Body, BodyRole, Chapter, ChapterRole, Member, Membership

__all__ = ["Body", "BodyRole", "Chapter", "ChapterRole", "Member", "Membership", "metadata"]
