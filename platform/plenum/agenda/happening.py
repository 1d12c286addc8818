"""What is happening in a chapter or a body, for its page: open calls for motions, running
votes, recently active discussions, each with its deadline or last activity, and the links
to its motions, resolutions, votes and discussions that this member may follow (a link
that would answer 403 is not offered)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from plenum.auth.permissions import Action, Principal, may
from plenum.clock import as_utc, utcnow
from plenum.discuss.models import Space, Thread, ThreadKind
from plenum.errors import N_
from plenum.motions import resolutions
from plenum.motions.models import Consultation
from plenum.orgs.models import Body, Chapter
from plenum.orgs.service import body_scope, chapter_scope
from plenum.votes import service as votes
from plenum.votes.models import Vote, VoteStatus

ACTIVE = timedelta(days=30)  # discussions with a comment this recent count as active
THREADS_SHOWN = 5


@dataclass(frozen=True)
class OpenCall:
    call: Consultation
    body: Body
    deadline: datetime
    amendments_only: bool  # the motion deadline passed, amendments are still open


@dataclass(frozen=True)
class Happening:
    calls: list[OpenCall] = field(default_factory=list)
    votes: list[tuple[Vote, str]] = field(default_factory=list)  # with where it is held
    threads: list[Thread] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (catalogue id, path)


def for_body(body: Body, chapter: Chapter, principal: Principal, *, session: Session) -> Happening:
    now = utcnow()
    reads_motions = may(principal, Action.VIEW_MOTIONS, chapter_scope(chapter))
    internal = may(principal, Action.VIEW_BODY_INTERNAL, body_scope(body, chapter))
    follows_votes = votes.may_follow(principal, chapter, body) or votes.may_manage(
        principal, chapter, body
    )
    links: list[tuple[str, str]] = []
    if reads_motions:
        links.append((N_("Calls for motions"), f"/bodies/{body.key}/calls"))
    if resolutions.may_read(body, chapter, principal):
        links.append((N_("Resolutions"), f"/bodies/{body.key}/resolutions"))
    if follows_votes:
        links.append((N_("Votes and elections"), f"/bodies/{body.key}/votes"))
    if internal:
        links.append((N_("Internal discussion space"), f"/bodies/{body.key}/discussion"))
    return Happening(
        calls=_open_calls([body], now, session=session) if reads_motions else [],
        votes=_running(chapter, [body], principal, session=session) if follows_votes else [],
        threads=_active(f"body:{body.id}", now, session=session) if internal else [],
        links=links,
    )


def for_chapter(chapter: Chapter, principal: Principal, *, session: Session) -> Happening:
    now = utcnow()
    scope = chapter_scope(chapter)
    reads_motions = may(principal, Action.VIEW_MOTIONS, scope)
    bodies = list(session.exec(select(Body).where(Body.chapter_id == chapter.id)))
    links: list[tuple[str, str]] = []
    if may(principal, Action.DISCUSS, scope):
        links.append((N_("Discussion space"), f"/chapters/{chapter.key}/discussion"))
    member_votes = votes.may_follow(principal, chapter, None) or votes.may_manage(
        principal, chapter, None
    )
    if member_votes:
        links.append((N_("Member votes and surveys"), f"/chapters/{chapter.key}/votes"))
    held = [
        b
        for b in bodies
        if votes.may_follow(principal, chapter, b) or votes.may_manage(principal, chapter, b)
    ]
    discuss = may(principal, Action.DISCUSS, scope)
    return Happening(
        calls=_open_calls(bodies, now, session=session) if reads_motions else [],
        votes=_running(chapter, held, principal, session=session, members=member_votes),
        threads=_active(f"chapter:{chapter.id}", now, session=session) if discuss else [],
        links=links,
    )


def _open_calls(bodies: list[Body], now: datetime, *, session: Session) -> list[OpenCall]:
    """Calls of these bodies still open for motions or amendments, nearest deadline first."""
    by_id = {b.id: b for b in bodies}
    if not by_id:
        return []
    query = select(Consultation).where(
        col(Consultation.body_id).in_(list(by_id)),
        (col(Consultation.motion_deadline) >= now) | (col(Consultation.amendment_deadline) >= now),
    )
    found = []
    for call in session.exec(query):
        motions_open = as_utc(call.motion_deadline) >= now
        deadline = as_utc(call.motion_deadline if motions_open else call.amendment_deadline)
        found.append(OpenCall(call, by_id[call.body_id], deadline, not motions_open))
    return sorted(found, key=lambda c: c.deadline)


def _running(
    chapter: Chapter,
    bodies: list[Body],
    principal: Principal,
    *,
    session: Session,
    members: bool = False,
) -> list[tuple[Vote, str]]:
    """Open votes of these bodies (and with ``members``, the chapter's member votes)."""
    held_by = [col(Vote.body_id).in_([b.id for b in bodies])]
    if members:
        held_by.append(col(Vote.body_id).is_(None))
    query = select(Vote).where(
        Vote.chapter_id == chapter.id, Vote.status == VoteStatus.OPEN, or_(*held_by)
    )
    names = {b.id: b.name for b in bodies}
    found = [(vote, names.get(vote.body_id, chapter.name)) for vote in session.exec(query)]
    last = utcnow() + timedelta(days=36500)  # a vote without an end comes last
    return sorted(found, key=lambda pair: as_utc(pair[0].closes_at) if pair[0].closes_at else last)


def _active(space_key: str, now: datetime, *, session: Session) -> list[Thread]:
    """The space's topics with a comment in the last 30 days, most recent first (the
    space is not made here when it does not exist yet: a page view writes nothing)."""
    space = session.exec(select(Space).where(Space.key == space_key)).first()
    if space is None:
        return []
    query = (
        select(Thread)
        .where(
            Thread.space_id == space.id,
            Thread.kind == ThreadKind.TOPIC,
            col(Thread.last_activity_at) >= now - ACTIVE,
        )
        .order_by(col(Thread.last_activity_at).desc())
        .limit(THREADS_SHOWN)
    )
    return list(session.exec(query))
