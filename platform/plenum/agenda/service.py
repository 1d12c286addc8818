"""The member's agenda ("Was steht an"): what waits for them, nearest deadline first.

Motions and amendments waiting for their support, invitations to co-propose, calls for
motions of their chapters closing soon, and the threads they follow with unread comments.
Later features (votes, conferences) add their own kinds of item here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from plenum.auth.permissions import MEMBER, Principal
from plenum.clock import as_utc, utcnow
from plenum.discuss import access
from plenum.discuss import service as discussion
from plenum.motions import service as motions
from plenum.motions.models import Amendment, Consultation, Motion, Proposer, Status, Support
from plenum.orgs.models import Body

CALLS_SOON = timedelta(days=14)
THREADS_SHOWN = 20


@dataclass(frozen=True)
class Item:
    kind: str  # vote | support | invitation | call | thread
    title: str  # member-written: shown escaped, never translated
    url: str
    deadline: datetime | None = None
    where: str = ""  # the body or space it belongs to
    count: int = 0  # unread comments of a thread


def my_chapter_ids(principal: Principal) -> set[int]:
    """The member's chapters and every chapter above them."""
    return {cid for g in principal.grants if g.role == MEMBER for cid in g.chapter_path}


def agenda(principal: Principal, *, session: Session, now: datetime | None = None) -> list[Item]:
    now = now or utcnow()
    chapters = my_chapter_ids(principal)
    dated = [
        *_waiting_for_support(principal, chapters, now, session=session),
        *_invitations(principal, session=session),
        *_calls_closing(principal, chapters, now, session=session),
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
    mine = select(Proposer.motion_id).where(Proposer.member_id == principal.member_id)
    supported = select(Support.motion_id).where(Support.member_id == principal.member_id)
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
    mine_a = select(Proposer.amendment_id).where(Proposer.member_id == principal.member_id)
    supported_a = select(Support.amendment_id).where(Support.member_id == principal.member_id)
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


def _calls_closing(
    principal: Principal, chapters: set[int], now: datetime, *, session: Session
) -> list[Item]:
    items = []
    for call, body in _open_calls(chapters, now, session=session):
        deadline = as_utc(call.motion_deadline)
        if not now <= deadline <= now + CALLS_SOON:
            continue
        place = motions.call_place(call.id or 0, session=session)
        if motions.may_submit(principal, place, session=session):
            items.append(Item("call", call.title, f"/calls/{call.id}", deadline, body.name))
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
