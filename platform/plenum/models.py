"""Every table, imported in one place for Alembic and the test fixtures."""

from __future__ import annotations

from plenum.auth.models import MemberSession
from plenum.db import metadata
from plenum.discuss.models import (
    Comment,
    Flag,
    ModerationEntry,
    Reaction,
    ReadMark,
    Space,
    Subscription,
    Thread,
)
from plenum.mail.models import DigestLog, OutgoingMail
from plenum.meetings.models import (
    AgendaItem,
    Announcement,
    CalendarFeed,
    Meeting,
    MeetingRole,
    Presence,
    Registration,
    RegistrationNeeds,
    SpeakerRequest,
)
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
from plenum.search import index as _search_index  # noqa: F401  keeps search_document current
from plenum.search.models import SearchDocument
from plenum.series.models import Proposal, ProposalSupport, Series, SeriesRole, SeriesSource
from plenum.votes.models import (
    Attendance,
    Ballot,
    HallCount,
    RoomVote,
    SubstituteSeat,
    Vote,
    VoteCast,
    VoteLog,
    VoteOption,
    Voter,
)

__all__ = [
    "AgendaItem",
    "Amendment",
    "Announcement",
    "Attachment",
    "Attendance",
    "Ballot",
    "Body",
    "BodyRole",
    "CalendarFeed",
    "Chapter",
    "ChapterRole",
    "Comment",
    "Consultation",
    "DigestLog",
    "Flag",
    "HallCount",
    "Meeting",
    "MeetingRole",
    "Member",
    "MemberSession",
    "Membership",
    "ModerationEntry",
    "Motion",
    "MotionVersion",
    "Notification",
    "OutgoingMail",
    "Presence",
    "Proposal",
    "ProposalSupport",
    "Proposer",
    "Reaction",
    "ReadMark",
    "Registration",
    "RegistrationNeeds",
    "Resolution",
    "RoomVote",
    "SearchDocument",
    "Series",
    "SeriesRole",
    "SeriesSource",
    "Space",
    "SpeakerRequest",
    "StatusChange",
    "Subscription",
    "SubstituteSeat",
    "Support",
    "Thread",
    "Vote",
    "VoteCast",
    "VoteLog",
    "VoteOption",
    "Voter",
    "metadata",
]
