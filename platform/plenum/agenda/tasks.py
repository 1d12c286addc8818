"""The task list of boards, chairs, office staff, moderators and desks on their start
page: what waits for them to act, counted per call, vote, space or meeting, each with a
direct link, nearest deadline first. A task is there while something is left to do and
disappears when it is done (its count reaches zero, or the vote or meeting moved on).

Every task is permission-checked with the same rules as the step it leads to.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from plenum.auth.permissions import MEMBER, Principal
from plenum.clock import as_utc, utcnow
from plenum.discuss import access as spaces
from plenum.discuss.models import Comment, Flag, Space, Thread
from plenum.discuss.moderation import open_flags
from plenum.meetings import agenda as meeting_agenda
from plenum.meetings.access import allowed, place_of, roles_at
from plenum.meetings.models import (
    Meeting,
    MeetingRole,
    MeetingStatus,
    Presence,
    Registration,
    RegistrationNeeds,
    RegistrationStatus,
)
from plenum.motions import service as motions
from plenum.motions.models import Amendment, Consultation, Motion, Status
from plenum.orgs.models import Body, Chapter
from plenum.votes.models import Vote, VoteStatus
from plenum.votes.service import may_manage, vote_place

Reach = Any  # a subquery of chapter ids, or None (SQLModel's select types do not unify)
PREPARE_AHEAD = timedelta(days=30)  # meetings this close show what is left to prepare
DESK_AHEAD = timedelta(hours=24)  # the desk's check-in list from a day before


@dataclass(frozen=True)
class Task:
    # screen | publish_amendments | recommend | decide | open_vote | close_vote |
    # publish_vote | flags | needs | agenda | desk | minutes
    kind: str
    title: str  # member-written: shown escaped
    url: str
    count: int = 0  # how many are left (0: one thing to do)
    deadline: datetime | None = None
    where: str = ""


def tasks(principal: Principal, *, session: Session, now: datetime | None = None) -> list[Task]:
    moment = now or utcnow()
    reach = _reach(principal)
    found = [
        *_call_tasks(principal, reach, moment, session=session),
        *_vote_tasks(principal, reach, session=session),
        *_flag_tasks(principal, reach, session=session),
        *_meeting_tasks(principal, reach, moment, session=session),
    ]
    found.sort(key=lambda task: (task.deadline is None, task.deadline or moment))
    return found


def _reach(principal: Principal) -> Reach:
    """The chapters where the member holds a role other than membership, and those below
    them: the only places their tasks can be (then checked one by one). None: no role."""
    paths = {grant.chapter_path for grant in principal.grants if grant.role != MEMBER}
    if not paths:
        return None
    below = [col(Chapter.path).startswith("/" + "".join(f"{c}/" for c in path)) for path in paths]
    return select(Chapter.id).where(or_(*below))


# --- calls for motions ---------------------------------------------------------------------

# (status of motions or amendments) → what the board does next
_SCREEN = (Status.SUBMITTED, Status.SCREENED)


def _call_tasks(
    principal: Principal,
    reach: Reach,
    now: datetime,
    *,
    session: Session,
) -> list[Task]:
    """Per call: motions to screen and publish, amendments to publish, and once the
    amendment deadline is past, recommendations and decisions to record."""
    if reach is None:
        return []
    waiting = (*_SCREEN, Status.PUBLISHED, Status.RECOMMENDED)
    calls = (
        select(Consultation.id)
        .join(Body, col(Body.id) == Consultation.body_id)
        .where(col(Body.chapter_id).in_(reach))
    )
    counts: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    motion_rows = session.exec(
        select(Motion.consultation_id, Motion.status, func.count())
        .where(col(Motion.status).in_(waiting), col(Motion.consultation_id).in_(calls))
        .group_by(col(Motion.consultation_id), col(Motion.status))
    ).all()
    amendment_rows = session.exec(
        select(Motion.consultation_id, Amendment.status, func.count())
        .join(Motion, col(Motion.id) == Amendment.motion_id)
        .where(col(Amendment.status).in_(waiting), col(Motion.consultation_id).in_(calls))
        .group_by(col(Motion.consultation_id), col(Amendment.status))
    ).all()
    for call_id, status, n in motion_rows:
        counts[call_id][("motion", status)] = int(n)
    for call_id, status, n in amendment_rows:
        counts[call_id][("amendment", status)] = int(n)
    found: list[Task] = []
    for call_id, by in counts.items():
        place = motions.call_place(call_id, session=session)
        url, where = f"/calls/{call_id}/manage", place.body.name
        title = place.call.title

        def left(kind: str, *statuses: Status, of: dict[tuple[str, str], int] = by) -> int:
            return sum(of.get((kind, status), 0) for status in statuses)

        closed = now > as_utc(place.call.amendment_deadline)
        screen = left("motion", *_SCREEN)
        if screen and motions.may_step("screen", place, principal):
            deadline = as_utc(place.call.motion_deadline)
            found.append(Task("screen", title, url + "?status=submitted", screen, deadline, where))
        publish = left("amendment", *_SCREEN)
        if publish and motions.may_step("publish", place, principal):
            deadline = as_utc(place.call.amendment_deadline)
            link = url + "?kind=amendment"
            found.append(Task("publish_amendments", title, link, publish, deadline, where))
        recommend = left("motion", Status.PUBLISHED) + left("amendment", Status.PUBLISHED)
        if closed and recommend and motions.may_step("recommend", place, principal):
            found.append(
                Task("recommend", title, url + "?status=published", recommend, None, where)
            )
        decide = left("motion", Status.RECOMMENDED) + left("amendment", Status.RECOMMENDED)
        if closed and decide and motions.may_step("decide", place, principal):
            found.append(Task("decide", title, url + "?status=recommended", decide, None, where))
    return found


# --- votes ---------------------------------------------------------------------------------


def _vote_tasks(principal: Principal, reach: Reach, *, session: Session) -> list[Task]:
    """Votes to open (drafts), to close (open without an end, or past it: a meeting's
    vote ends when its chair closes it) and to publish (closed)."""
    if reach is None:
        return []
    now = utcnow()
    rows = session.exec(
        select(Vote).where(
            col(Vote.status).in_((VoteStatus.DRAFT, VoteStatus.OPEN, VoteStatus.CLOSED)),
            col(Vote.chapter_id).in_(reach),
        )
    ).all()
    found: list[Task] = []
    for vote in rows:
        if vote.status == VoteStatus.OPEN and vote.closes_at and as_utc(vote.closes_at) > now:
            continue  # runs until its end by itself
        at = vote_place(vote.id or 0, session=session)
        if not may_manage(principal, at.chapter, at.body):
            continue
        kind = {
            VoteStatus.DRAFT: "open_vote",
            VoteStatus.OPEN: "close_vote",
            VoteStatus.CLOSED: "publish_vote",
        }[VoteStatus(vote.status)]
        deadline = vote.opens_at if vote.status == VoteStatus.DRAFT else vote.closes_at
        where = at.body.name if at.body else at.chapter.name
        url = f"/votes/{vote.id}"
        found.append(Task(kind, vote.title, url, 0, as_utc(deadline) if deadline else None, where))
    return found


# --- discussions -----------------------------------------------------------------------------


def _flag_tasks(principal: Principal, reach: Reach, *, session: Session) -> list[Task]:
    """Spaces with flagged comments the member moderates."""
    if reach is None:
        return []
    space_ids = session.exec(
        select(Thread.space_id)
        .join(Comment, col(Comment.thread_id) == Thread.id)
        .join(Flag, col(Flag.comment_id) == Comment.id)
        .join(Space, col(Space.id) == Thread.space_id)
        .where(col(Flag.resolved_at).is_(None), col(Space.chapter_id).in_(reach))
        .distinct()
    ).all()
    found: list[Task] = []
    for space_id in space_ids:
        space = session.get(Space, space_id)
        if space is None:
            continue
        at = spaces.space_place(space, session=session)
        if not spaces.space_access(principal, at).moderate:
            continue
        count = open_flags(at, principal, session=session)
        if count:
            found.append(Task("flags", at.name, f"/spaces/{space_id}/moderation", count))
    return found


# --- meetings --------------------------------------------------------------------------------


def _meeting_tasks(
    principal: Principal,
    reach: Reach,
    now: datetime,
    *,
    session: Session,
) -> list[Task]:
    """Meetings of the next 30 days: needs to plan for (organisers), an empty agenda (who
    runs it), the check-in list from a day before (the desk); meetings held whose minutes
    are not published yet (who runs it). Where the member holds a role, or a function at
    the meeting itself (its chair, desk or minute-taker)."""
    functions = select(MeetingRole.meeting_id).where(MeetingRole.member_id == principal.member_id)
    theirs = col(Meeting.id).in_(functions)
    query = select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED,
        col(Meeting.starts_at) <= now + PREPARE_AHEAD,
        col(Meeting.minutes_published_at).is_(None),
        theirs if reach is None else or_(theirs, col(Meeting.chapter_id).in_(reach)),
    )
    found: list[Task] = []
    meetings = list(session.exec(query))
    roles = roles_at([m.id or 0 for m in meetings], principal.member_id, session=session)
    for meeting in meetings:
        at = place_of(meeting, session=session)
        may = allowed(principal, at, session=session, roles=roles[meeting.id or 0])
        if not (may.needs or may.run or may.desk):
            continue
        url, start, end = (
            f"/meetings/{meeting.id}",
            as_utc(meeting.starts_at),
            as_utc(meeting.ends_at),
        )
        where = at.body.name if at.body else at.chapter.name
        if end < now:
            if may.run:
                found.append(Task("minutes", meeting.title, url + "/minutes", 0, end, where))
            continue
        if may.needs:
            needs = _with_needs(meeting.id or 0, session=session)
            if needs:
                found.append(Task("needs", meeting.title, url + "/needs", needs, start, where))
        if may.run and not meeting_agenda.items_of(meeting.id or 0, session=session):
            found.append(Task("agenda", meeting.title, url + "/agenda", 0, start, where))
        if may.desk and start - DESK_AHEAD <= now:
            waiting = _not_checked_in(meeting.id or 0, session=session)
            if waiting:
                found.append(Task("desk", meeting.title, url + "/desk", waiting, start, where))
    return found


def _registered(meeting_id: int) -> ColumnElement[bool]:
    return and_(
        col(Registration.meeting_id) == meeting_id,
        col(Registration.status) == RegistrationStatus.REGISTERED,
    )


def _with_needs(meeting_id: int, *, session: Session) -> int:
    """Registrations that stated a need (the overview has the counts)."""
    query = (
        select(func.count())
        .select_from(Registration)
        .join(RegistrationNeeds, col(RegistrationNeeds.registration_id) == Registration.id)
        .where(_registered(meeting_id))
    )
    return int(session.exec(query).one())


def _not_checked_in(meeting_id: int, *, session: Session) -> int:
    """Registered for the hall and not yet checked in."""
    here = select(Presence.member_id).where(
        Presence.meeting_id == meeting_id, Presence.channel == "hall"
    )
    query = (
        select(func.count())
        .select_from(Registration)
        .where(_registered(meeting_id), Registration.channel == "hall")
        .where(col(Registration.member_id).not_in(here))
    )
    return int(session.exec(query).one())
