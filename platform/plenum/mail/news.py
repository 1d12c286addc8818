"""What is new for a digest: read once per run for everyone, or once per member.

``published`` reads the motions and amendments published in a period and the calls for
motions closing soon, for all members at once; ``new_comments`` reads, in one statement,
the comments one member has not read in the threads they follow. Who may see what is
decided afterwards, per member, with the same rules as the pages (``may_view``,
``thread_access``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from plenum.clock import as_utc
from plenum.discuss.models import Comment, ReadMark, Subscription, Thread, ThreadKind
from plenum.motions.models import Amendment, Consultation, Motion, Proposer, Status, StatusChange
from plenum.motions.service import CallPlace
from plenum.orgs.models import Body, Chapter, Member

HORIZON = timedelta(days=7)  # deadlines this close are listed

Placer = Callable[[Consultation, Body, Chapter], CallPlace]


@dataclass(frozen=True)
class NewMotion:
    id: int
    number: str
    title: str
    status: str
    published: bool
    place: CallPlace
    at: datetime  # when it was published

    @property
    def url(self) -> str:
        return f"/motions/{self.id}"


@dataclass(frozen=True)
class NewAmendment:
    id: int
    number: str
    title: str
    status: str
    motion_number: str
    motion_title: str
    place: CallPlace
    at: datetime

    @property
    def url(self) -> str:
        return f"/amendments/{self.id}"


@dataclass(frozen=True)
class Deadline:
    kind: str  # "motions" or "amendments"
    due: datetime
    place: CallPlace

    @property
    def url(self) -> str:
        return f"/calls/{self.place.call.id}"


@dataclass
class Published:
    """What the whole run may tell about: published in the period, or closing soon."""

    motions: list[NewMotion] = field(default_factory=list)
    amendments: list[NewAmendment] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    motion_proposers: dict[int, set[int]] = field(default_factory=dict)
    amendment_proposers: dict[int, set[int]] = field(default_factory=dict)


def published(start: datetime, end: datetime, *, session: Session) -> Published:
    """Motions and amendments published in (start, end], calls closing in (end, end + 7 days]."""
    places: dict[int, CallPlace] = {}

    def place(call: Consultation, body: Body, chapter: Chapter) -> CallPlace:
        return places.setdefault(call.id or 0, CallPlace(call, body, chapter))

    found = Published(
        motions=_motions(start, end, place, session=session),
        amendments=_amendments(start, end, place, session=session),
        deadlines=_deadlines(end, place, session=session),
    )
    found.motion_proposers = _proposers(
        col(Proposer.motion_id), [m.id for m in found.motions], session=session
    )
    found.amendment_proposers = _proposers(
        col(Proposer.amendment_id), [a.id for a in found.amendments], session=session
    )
    return found


def _motions(start: datetime, end: datetime, place: Placer, *, session: Session) -> list[NewMotion]:
    steps = (
        select(StatusChange.motion_id, func.max(StatusChange.created_at).label("at"))
        .where(
            StatusChange.to_status == Status.PUBLISHED,
            col(StatusChange.amendment_id).is_(None),
            col(StatusChange.created_at) > start,
            col(StatusChange.created_at) <= end,
        )
        .group_by(col(StatusChange.motion_id))
        .subquery()
    )
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Motion.id,
            Motion.number,
            Motion.title,
            Motion.status,
            Motion.current_version_id,
            steps.c.at,
            Consultation,
            Body,
            Chapter,
        )
        .join(steps, steps.c.motion_id == Motion.id)
        .join(Consultation, col(Consultation.id) == Motion.consultation_id)
        .join(Body, col(Body.id) == Consultation.body_id)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .order_by(col(Motion.number), col(Motion.id))
    ).all()
    return [
        NewMotion(
            mid, number or "", title, status, version is not None, place(c, b, ch), as_utc(at)
        )
        for mid, number, title, status, version, at, c, b, ch in rows
    ]


def _amendments(
    start: datetime, end: datetime, place: Placer, *, session: Session
) -> list[NewAmendment]:
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Amendment.id,
            Amendment.number,
            Amendment.title,
            Amendment.status,
            Amendment.published_at,
            Motion.number,
            Motion.title,
            Consultation,
            Body,
            Chapter,
        )
        .join(Motion, col(Motion.id) == Amendment.motion_id)
        .join(Consultation, col(Consultation.id) == Motion.consultation_id)
        .join(Body, col(Body.id) == Consultation.body_id)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .where(col(Amendment.published_at) > start, col(Amendment.published_at) <= end)
        .order_by(col(Amendment.motion_id), col(Amendment.sequence))
    ).all()
    return [
        NewAmendment(
            aid, number, title, status, m_number or "", m_title, place(c, b, ch), as_utc(at)
        )
        for aid, number, title, status, at, m_number, m_title, c, b, ch in rows
    ]


def _deadlines(end: datetime, place: Placer, *, session: Session) -> list[Deadline]:
    last = end + HORIZON
    motions_due = and_(
        col(Consultation.motion_deadline) > end, col(Consultation.motion_deadline) <= last
    )
    amendments_due = and_(
        col(Consultation.amendment_deadline) > end, col(Consultation.amendment_deadline) <= last
    )
    rows = session.exec(
        select(Consultation, Body, Chapter)
        .join(Body, col(Body.id) == Consultation.body_id)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .where(or_(motions_due, amendments_due))
        .order_by(col(Consultation.motion_deadline))
    ).all()
    found: list[Deadline] = []
    for call, body, chapter in rows:
        at = place(call, body, chapter)
        for kind, due in (
            ("motions", call.motion_deadline),
            ("amendments", call.amendment_deadline),
        ):
            if end < as_utc(due) <= last:
                found.append(Deadline(kind, as_utc(due), at))
    return sorted(found, key=lambda d: d.due)


def _proposers(column: object, ids: Iterable[int], *, session: Session) -> dict[int, set[int]]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(column, Proposer.member_id).where(col(column).in_(wanted))  # type: ignore[call-overload]
    ).all()
    found: dict[int, set[int]] = defaultdict(set)
    for target, member_id in rows:
        found[int(target)].add(member_id)
    return dict(found)


# --- comments of one member -------------------------------------------------------------------


@dataclass
class NewComments:
    """The comments a member has not read in one thread they follow."""

    thread_id: int
    first_seq: int
    count: int = 0
    authors: list[str] = field(default_factory=list)


def new_comments(
    member_id: int, start: datetime, end: datetime, *, session: Session
) -> list[NewComments]:
    """Comments written in (start, end] by others in threads the member follows (or in
    topics of spaces they follow) that they have not read: one statement."""
    threads = select(Subscription.thread_id).where(
        Subscription.member_id == member_id, col(Subscription.thread_id).is_not(None)
    )
    spaces = select(Subscription.space_id).where(
        Subscription.member_id == member_id, col(Subscription.space_id).is_not(None)
    )
    read = func.coalesce(ReadMark.last_seq, 0)
    rows = session.exec(
        select(Comment.thread_id, Comment.seq, Member.display_name)
        .join(Thread, col(Thread.id) == Comment.thread_id)
        .join(Member, col(Member.id) == Comment.author_id)
        .outerjoin(
            ReadMark,
            (col(ReadMark.thread_id) == Comment.thread_id) & (col(ReadMark.member_id) == member_id),
        )
        .where(
            col(Comment.created_at) > start,
            col(Comment.created_at) <= end,
            Comment.author_id != member_id,
            col(Comment.deleted_at).is_(None),
            col(Comment.hidden_at).is_(None),
            col(Comment.seq) > read,
            or_(
                col(Thread.id).in_(threads),
                and_(col(Thread.kind) == ThreadKind.TOPIC, col(Thread.space_id).in_(spaces)),
            ),
        )
        .order_by(col(Comment.thread_id), col(Comment.seq))
    ).all()
    found: dict[int, NewComments] = {}
    for thread_id, seq, author in rows:
        item = found.setdefault(thread_id, NewComments(thread_id, seq))
        item.count += 1
        if author not in item.authors:
            item.authors.append(author)
    return list(found.values())
