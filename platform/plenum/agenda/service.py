"""The member's agenda ("Was steht an"): what waits for them, nearest deadline first.

Open votes first; then, by deadline: their own motions and amendments still under way
(with their status and the supporters still missing), motions and amendments waiting for
their support, invitations to co-propose, the open calls of their chapters and bodies
where they may submit, and the meetings they are registered for (or offered a seat at);
last the threads they follow with unread comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from plenum.auth.permissions import MEMBER, Principal
from plenum.clock import as_utc, utcnow
from plenum.discuss import access
from plenum.discuss import service as discussion
from plenum.meetings.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from plenum.motions import service as motions
from plenum.motions.models import Amendment, Consultation, Motion, Proposer, Status, Support
from plenum.orgs.models import Body

THREADS_SHOWN = 20
UNDER_WAY = (
    Status.DRAFT,
    Status.COLLECTING,
    Status.SUBMITTED,
    Status.SCREENED,
    Status.PUBLISHED,
    Status.RECOMMENDED,
)
BEFORE_DEADLINE = (Status.DRAFT, Status.COLLECTING)  # the call's deadline is theirs


@dataclass(frozen=True)
class Item:
    # vote | mine | support | invitation | call | amend | meeting | offer | thread
    kind: str
    title: str  # member-written: shown escaped, never translated
    url: str
    deadline: datetime | None = None
    where: str = ""  # the body or space it belongs to
    count: int = 0  # unread comments of a thread; supporters still missing of one's own
    status: str = ""  # one's own motion's or amendment's status


def my_chapter_ids(principal: Principal) -> set[int]:
    """The member's chapters and every chapter above them."""
    return {cid for g in principal.grants if g.role == MEMBER for cid in g.chapter_path}


def agenda(principal: Principal, *, session: Session, now: datetime | None = None) -> list[Item]:
    now = now or utcnow()
    chapters = my_chapter_ids(principal)
    dated = [
        *_mine(principal, session=session),
        *_waiting_for_support(principal, chapters, now, session=session),
        *_invitations(principal, session=session),
        *_open_calls_for(principal, chapters, now, session=session),
        *_meetings(principal, now, session=session),
    ]
    dated.sort(key=lambda item: (item.deadline is None, item.deadline or now))
    return _votes(principal, session=session) + dated + _unread_threads(principal, session=session)


def _votes(principal: Principal, *, session: Session) -> list[Item]:
    """Open votes where the member is on the roll and has not voted yet: first of all."""
    from plenum.votes.service import open_for

    return [
        Item("vote", vote.title, f"/votes/{vote.id}", vote.closes_at)
        for vote in open_for(principal.member_id, session=session)
    ]


def _open_calls(
    chapters: set[int], now: datetime, *, session: Session
) -> list[tuple[Consultation, Body]]:
    if not chapters:
        return []
    rows = session.exec(
        select(Consultation, Body)
        .join(Body, col(Body.id) == Consultation.body_id)
        .where(col(Body.chapter_id).in_(chapters))
        .where(
            (col(Consultation.motion_deadline) >= now)
            | (col(Consultation.amendment_deadline) >= now)
        )
    ).all()
    return list(rows)


def _waiting_for_support(
    principal: Principal, chapters: set[int], now: datetime, *, session: Session
) -> list[Item]:
    calls = {call.id: (call, body) for call, body in _open_calls(chapters, now, session=session)}
    if not calls:
        return []
    # Rows of a member's amendments have no motion id (and the other way round): without
    # `IS NOT NULL`, one NULL in a `NOT IN` list hides every row (SQL's three values).
    mine = select(Proposer.motion_id).where(
        Proposer.member_id == principal.member_id, col(Proposer.motion_id).is_not(None)
    )
    supported = select(Support.motion_id).where(
        Support.member_id == principal.member_id, col(Support.motion_id).is_not(None)
    )
    waiting = session.exec(
        select(Motion.id, Motion.number, Motion.title, Motion.consultation_id)
        .where(col(Motion.consultation_id).in_(calls), Motion.status == Status.COLLECTING)
        .where(col(Motion.id).not_in(mine), col(Motion.id).not_in(supported))
    ).all()
    items = [
        Item(
            "support",
            f"{number} {title}" if number else title,
            f"/motions/{motion_id}#support",
            as_utc(calls[call_id][0].motion_deadline),
            calls[call_id][1].name,
        )
        for motion_id, number, title, call_id in waiting
    ]
    mine_a = select(Proposer.amendment_id).where(
        Proposer.member_id == principal.member_id, col(Proposer.amendment_id).is_not(None)
    )
    supported_a = select(Support.amendment_id).where(
        Support.member_id == principal.member_id, col(Support.amendment_id).is_not(None)
    )
    amendments = session.exec(
        select(Amendment.id, Amendment.number, Amendment.title, Motion.consultation_id)
        .join(Motion, col(Motion.id) == Amendment.motion_id)
        .where(col(Motion.consultation_id).in_(calls), Amendment.status == Status.COLLECTING)
        .where(col(Amendment.id).not_in(mine_a), col(Amendment.id).not_in(supported_a))
    ).all()
    items += [
        Item(
            "support",
            f"{number}: {title}",
            f"/amendments/{amendment_id}#support",
            as_utc(calls[call_id][0].amendment_deadline),
            calls[call_id][1].name,
        )
        for amendment_id, number, title, call_id in amendments
    ]
    return items


def _invitations(principal: Principal, *, session: Session) -> list[Item]:
    rows = session.exec(
        select(Proposer.motion_id, Proposer.amendment_id).where(
            Proposer.member_id == principal.member_id, col(Proposer.confirmed).is_(False)
        )
    ).all()
    items = []
    for motion_id, amendment_id in rows:
        if amendment_id is not None:
            amendment = session.get(Amendment, amendment_id)
            if amendment is not None:
                items.append(
                    Item(
                        "invitation",
                        f"{amendment.number}: {amendment.title}",
                        f"/amendments/{amendment_id}",
                    )
                )
        elif motion_id is not None:
            motion = session.get(Motion, motion_id)
            if motion is not None:
                items.append(Item("invitation", motion.title, f"/motions/{motion_id}"))
    return items


def _open_calls_for(
    principal: Principal, chapters: set[int], now: datetime, *, session: Session
) -> list[Item]:
    """Every call of the member's chapters still open where they may submit: for motions
    until the motion deadline, then for amendments until the amendment deadline."""
    items = []
    for call, body in _open_calls(chapters, now, session=session):
        place = motions.call_place(call.id or 0, session=session)
        if not motions.may_submit(principal, place, session=session):
            continue
        if place.motions_open(now):
            deadline, kind = as_utc(call.motion_deadline), "call"
        else:
            deadline, kind = as_utc(call.amendment_deadline), "amend"
        items.append(Item(kind, call.title, f"/calls/{call.id}", deadline, body.name))
    return items


def _mine(principal: Principal, *, session: Session) -> list[Item]:
    """The member's own motions and amendments still under way (confirmed proposers):
    their status, the supporters still missing, and the call's deadline while that is
    theirs to meet (a draft to submit, supporters to find)."""
    me = principal.member_id
    motion_rows = session.exec(
        select(Motion, Consultation, Body)
        .join(Proposer, col(Proposer.motion_id) == Motion.id)
        .join(Consultation, col(Consultation.id) == Motion.consultation_id)
        .join(Body, col(Body.id) == Consultation.body_id)
        .where(Proposer.member_id == me, col(Proposer.confirmed).is_(True))
        .where(col(Motion.status).in_(UNDER_WAY))
    ).all()
    amendment_rows = session.exec(
        select(Amendment, Consultation, Body)
        .join(Proposer, col(Proposer.amendment_id) == Amendment.id)
        .join(Motion, col(Motion.id) == Amendment.motion_id)
        .join(Consultation, col(Consultation.id) == Motion.consultation_id)
        .join(Body, col(Body.id) == Consultation.body_id)
        .where(Proposer.member_id == me, col(Proposer.confirmed).is_(True))
        .where(col(Amendment.status).in_(UNDER_WAY))
    ).all()
    backing = _supporters(
        [m.id or 0 for m, _, _ in motion_rows],
        [a.id or 0 for a, _, _ in amendment_rows],
        session=session,
    )
    items = []
    for motion, call, body in motion_rows:
        title = f"{motion.number} {motion.title}" if motion.number else motion.title
        missing = max(0, motion.supporters_required - backing.get(("m", motion.id or 0), 0))
        deadline = as_utc(call.motion_deadline) if motion.status in BEFORE_DEADLINE else None
        items.append(
            Item(
                "mine", title, f"/motions/{motion.id}", deadline, body.name, missing, motion.status
            )
        )
    for amendment, call, body in amendment_rows:
        title = f"{amendment.number}: {amendment.title}"
        missing = max(0, amendment.supporters_required - backing.get(("a", amendment.id or 0), 0))
        status = amendment.status
        deadline = as_utc(call.amendment_deadline) if status in BEFORE_DEADLINE else None
        url = f"/amendments/{amendment.id}"
        items.append(Item("mine", title, url, deadline, body.name, missing, status))
    return items


def _supporters(
    motion_ids: list[int], amendment_ids: list[int], *, session: Session
) -> dict[tuple[str, int], int]:
    """Supporters of these motions ("m", id) and amendments ("a", id), counted."""
    found: dict[tuple[str, int], int] = {}
    for key, column, ids in (
        ("m", Support.motion_id, motion_ids),
        ("a", Support.amendment_id, amendment_ids),
    ):
        if not ids:
            continue
        query = select(column, func.count()).where(col(column).in_(ids)).group_by(col(column))
        found |= {(key, int(target or 0)): int(n) for target, n in session.exec(query)}
    return found


def _meetings(principal: Principal, now: datetime, *, session: Session) -> list[Item]:
    """Meetings ahead the member is registered for (by their start), or where a seat
    is offered to them (by the end of the offer)."""
    rows = session.exec(
        select(Registration, Meeting)
        .join(Meeting, col(Meeting.id) == Registration.meeting_id)
        .where(Registration.member_id == principal.member_id)
        .where(
            col(Registration.status).in_(
                (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED)
            )
        )
        .where(col(Meeting.ends_at) >= now, Meeting.status == MeetingStatus.SCHEDULED)
    ).all()
    items = []
    for row, meeting in rows:
        url = f"/meetings/{meeting.id}"
        if row.status == RegistrationStatus.OFFERED and row.offered_until is not None:
            items.append(Item("offer", meeting.title, url, as_utc(row.offered_until)))
        else:
            items.append(Item("meeting", meeting.title, url, as_utc(meeting.starts_at)))
    return items


def _unread_threads(principal: Principal, *, session: Session) -> list[Item]:
    """Followed threads with unread comments that the member may still read."""
    items = []
    for row in discussion.followed_unread(principal.member_id, session=session):
        where = access.thread_place(row.thread_id, session=session)
        if not access.thread_access(principal, where, session=session).read:
            continue
        items.append(
            Item(
                "thread",
                where.title,
                f"/threads/{row.thread_id}#new",
                None,
                where.at.name,
                row.unread,
            )
        )
        if len(items) == THREADS_SHOWN:
            break
    return items
