"""What meetings do: create, change, postpone and cancel them, and find the ones a member
can attend. Registration is in ``registration``, the agenda in ``agenda``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from plenum.auth.permissions import MEMBER, Principal
from plenum.clock import as_utc, utcnow
from plenum.db import insert_or_nothing
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.events import announce
from plenum.mail.notices import notice_followers
from plenum.meetings.access import MeetingPlace, place_of, viewable
from plenum.meetings.forms import MeetingInput
from plenum.meetings.models import (
    CalendarFeed,
    Meeting,
    MeetingRole,
    MeetingRoleKind,
    MeetingStatus,
    Mode,
    Registration,
    RegistrationStatus,
)
from plenum.meetings.registration import offer_free_seats
from plenum.orgs.models import Body, Chapter, Member
from plenum.orgs.service import member_in_by_number
from plenum.times import LOCAL_TIME

VIDEO_LINK_EARLY = timedelta(minutes=30)  # the video link shows this long before the start
STALE = N_("Someone else has changed this meeting meanwhile. Please check and save again.")


def create_meeting(
    chapter: Chapter, body: Body | None, data: MeetingInput, *, actor: int, session: Session
) -> Meeting:
    meeting = Meeting(
        chapter_id=chapter.id or 0,
        body_id=body.id if body else None,
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )
    _apply(meeting, data)
    meeting.created_by = actor
    session.add(meeting)
    session.flush()
    announce(session, "meeting.created", meeting_id=meeting.id)
    return meeting


def _apply(meeting: Meeting, data: MeetingInput) -> None:
    meeting.title = data.title
    meeting.description = data.description
    meeting.starts_at, meeting.ends_at = data.starts_at, data.ends_at
    meeting.mode, meeting.audience = data.mode, data.audience
    meeting.venue, meeting.address = data.venue, data.address
    for name, value in data.facilities.items():
        setattr(meeting, name, value)
    meeting.childcare_ages = data.childcare_ages
    meeting.video_url = data.video_url
    meeting.capacity_hall, meeting.capacity_online = data.capacity_hall, data.capacity_online
    meeting.registration_deadline = data.registration_deadline
    meeting.speaker_rule = data.speaker_rule


def update_meeting(
    at: MeetingPlace, data: MeetingInput, *, lock_version: int, session: Session
) -> Meeting:
    """Change the meeting; moving its start marks it as postponed. The registered hear of
    every change that concerns them (time, place, mode, video link)."""
    meeting = at.meeting
    _require_scheduled(meeting)
    if lock_version != meeting.lock_version:
        raise ValidationFailed({"lock_version": STALE})
    moved = as_utc(data.starts_at) != as_utc(meeting.starts_at)
    before = _what_concerns_them(meeting)
    _apply(meeting, data)
    meeting.postponed = meeting.postponed or moved
    meeting.lock_version += 1
    session.add(meeting)
    session.flush()
    offer_free_seats(at, session=session)  # a larger hall has seats for those waiting
    if _what_concerns_them(meeting) != before:
        tell_registered(meeting, N_("The meeting “%(title)s” has changed."), session=session)
    announce(session, "meeting.changed", meeting_id=meeting.id)
    return meeting


def _what_concerns_them(meeting: Meeting) -> tuple[object, ...]:
    return (
        as_utc(meeting.starts_at),
        as_utc(meeting.ends_at),
        meeting.mode,
        meeting.venue,
        meeting.address,
        meeting.video_url,
    )


def cancel_meeting(at: MeetingPlace, *, session: Session) -> Meeting:
    meeting = at.meeting
    _require_scheduled(meeting)
    meeting.status = MeetingStatus.CANCELLED
    meeting.lock_version += 1
    session.add(meeting)
    session.flush()
    tell_registered(meeting, N_("The meeting “%(title)s” has been cancelled."), session=session)
    announce(session, "meeting.cancelled", meeting_id=meeting.id)
    return meeting


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(N_("This meeting has been cancelled."))


def tell_registered(meeting: Meeting, message: str, *, session: Session) -> None:
    """In-app and, by each member's delivery choice, by e-mail: to everyone registered or
    waiting for a seat."""
    query = select(Registration.member_id).where(
        Registration.meeting_id == meeting.id,
        col(Registration.status) != RegistrationStatus.CANCELLED,
    )
    members = session.exec(query).all()
    url = f"/meetings/{meeting.id}"
    notice_followers(members, message, url=url, session=session, title=meeting.title)


def registration_open(meeting: Meeting, now: datetime | None = None) -> bool:
    """Members register until the deadline (or the start), unless it was cancelled."""
    if meeting.status == MeetingStatus.CANCELLED:
        return False
    until = meeting.registration_deadline or meeting.starts_at
    return (now or utcnow()) < as_utc(until)


def check_in_svg(code: str) -> str:
    """The check-in code as an inline SVG QR code (made here, from our own code only)."""
    qr = segno.make_qr(code, error="m")
    svg: str = qr.svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True)
    return svg


def video_link_visible(meeting: Meeting, registered: bool, now: datetime | None = None) -> bool:
    """The video link: for the registered, from 30 minutes before the start to the end."""
    if not registered or not meeting.video_url or meeting.mode == Mode.IN_PERSON:
        return False
    moment = now or utcnow()
    return as_utc(meeting.starts_at) - VIDEO_LINK_EARLY <= moment <= as_utc(meeting.ends_at)


# --- finding meetings -----------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    chapter_id: int | None = None
    mode: str = ""
    month: tuple[int, int] | None = None  # (year, month), party time


def visible_meetings(
    principal: Principal,
    *,
    session: Session,
    since: datetime | None = None,
    filters: Filters = Filters(),
    limit: int = 200,
) -> list[MeetingPlace]:
    """The meetings the member can see (in their audience, or theirs to run), from
    ``since`` on, soonest first."""
    conditions = [_reach(principal), *_filtered(filters)]
    if since is not None:
        conditions.append(col(Meeting.ends_at) >= since)
    query = select(Meeting).where(*conditions).order_by(col(Meeting.starts_at), col(Meeting.id))
    found = [place_of(meeting, session=session) for meeting in session.exec(query.limit(limit))]
    return viewable(principal, found, session=session)


def _reach(principal: Principal) -> ColumnElement[bool]:
    """Meetings in chapters the member belongs to (and those above), in chapters below
    those where they hold a role, and of bodies where they hold one: the candidates,
    checked one by one."""
    chapter_ids = {cid for grant in principal.grants for cid in grant.chapter_path}
    body_ids = {grant.body_id for grant in principal.grants if grant.body_id is not None}
    staff_paths = {grant.chapter_path for grant in principal.grants if grant.role != MEMBER}
    below = [
        col(Chapter.path).startswith("/" + "".join(f"{cid}/" for cid in path))
        for path in staff_paths
    ]
    lower = select(Chapter.id).where(or_(*below)) if below else None
    reach = [col(Meeting.chapter_id).in_(chapter_ids), col(Meeting.body_id).in_(body_ids)]
    if lower is not None:
        reach.append(col(Meeting.chapter_id).in_(lower))
    return or_(*reach)


def _filtered(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.chapter_id is not None:
        conditions.append(col(Meeting.chapter_id) == filters.chapter_id)
    if filters.mode:
        conditions.append(col(Meeting.mode) == filters.mode)
    if filters.month is not None:
        year, month = filters.month
        start = datetime(year, month, 1, tzinfo=LOCAL_TIME)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=LOCAL_TIME)
        conditions += [col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end]
    return conditions


def meetings_of(
    chapter: Chapter, body: Body | None, principal: Principal | None, *, session: Session
) -> list[MeetingPlace]:
    """Upcoming meetings of a chapter (without those of its bodies) or of a body."""
    if principal is None:
        return []
    query = select(Meeting).where(col(Meeting.ends_at) >= utcnow())
    if body is not None:
        query = query.where(Meeting.body_id == body.id)
    else:
        query = query.where(Meeting.chapter_id == chapter.id, col(Meeting.body_id).is_(None))
    query = query.order_by(col(Meeting.starts_at)).limit(20)
    found = [MeetingPlace(m, chapter, body) for m in session.exec(query)]
    return viewable(principal, found, session=session)


def upcoming_for(
    principal: Principal, *, session: Session, limit: int = 5
) -> Sequence[MeetingPlace]:
    """The start page: the next meetings the member can attend, not cancelled."""
    found = visible_meetings(principal, session=session, since=utcnow(), limit=50)
    return [at for at in found if at.meeting.status == MeetingStatus.SCHEDULED][:limit]


def parse_month(raw: str) -> tuple[int, int] | None:
    """ "2026-12" → (2026, 12); anything else → None (the filter is left out)."""
    parts = raw.split("-")
    if len(parts) != 2 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return (year, month) if 1900 <= year <= 2999 and 1 <= month <= 12 else None


def chapters_for_filter(principal: Principal, *, session: Session) -> list[Chapter]:
    """The chapters a member's meetings can come from: theirs and those above."""
    ids = {cid for grant in principal.grants for cid in grant.chapter_path}
    query = select(Chapter).where(col(Chapter.id).in_(ids)).order_by(col(Chapter.path))
    return list(session.exec(query))


def feed_url(member_id: int, *, base_url: str, session: Session) -> str:
    """The member's private calendar address, if they asked for one."""
    token = session.exec(
        select(CalendarFeed.token).where(CalendarFeed.member_id == member_id)
    ).first()
    return f"{base_url.rstrip('/')}/calendar/{token}.ics" if token else ""


# --- functions for one meeting ---------------------------------------------------------------


@dataclass(frozen=True)
class RoleHolder:
    id: int
    role: str
    name: str


def meeting_roles(at: MeetingPlace, *, session: Session) -> list[RoleHolder]:
    query = (
        select(MeetingRole.id, MeetingRole.role, Member.display_name)
        .join(Member, col(Member.id) == col(MeetingRole.member_id))
        .where(MeetingRole.meeting_id == at.meeting.id)
        .order_by(col(MeetingRole.role), col(Member.display_name))
    )
    return [RoleHolder(i or 0, role, name) for i, role, name in session.exec(query).all()]


def give_role(at: MeetingPlace, member_number: str, role: str, *, session: Session) -> None:
    """Give a member of the meeting's chapter (or below) a function for this meeting."""
    if role not in tuple(MeetingRoleKind):
        raise ValidationFailed({"role": N_("Please choose a function.")})
    member = member_in_by_number(at.chapter, member_number, session=session)
    insert_or_nothing(
        session, MeetingRole, meeting_id=at.meeting.id, member_id=member.id, role=role
    )
    announce(session, "meeting.roles", meeting_id=at.meeting.id)


def take_role(at: MeetingPlace, role_id: int, *, session: Session) -> None:
    row = session.get(MeetingRole, role_id)
    if row is None or row.meeting_id != at.meeting.id:
        raise DomainError(N_("This function is not given at this meeting."))
    session.delete(row)
    session.flush()
    announce(session, "meeting.roles", meeting_id=at.meeting.id)
