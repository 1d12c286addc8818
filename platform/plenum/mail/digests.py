"""Daily and weekly digests: what is new for a member, grouped by chapter, in one e-mail.

``plenum digests --period daily|weekly`` calls ``make_digests`` for the members who chose
that period. A digest made at ``at`` covers the day (or week) before it, but never again
what this member's previous digest covered, and tells about

- comments by others they have not read, in threads they follow and in the topics of
  spaces they follow, where they may still read;
- motions and amendments published in their chapters and the chapters above, as far as
  they may see them (their own are left out);
- calls for motions of those chapters closing within the next 7 days;
- surveys asking them that opened, or sent their reminder, and that they have not answered.

A member with nothing new gets no mail; deadlines alone count as news when one comes
within 7 days, or within a day, during the period. Each member gets at most one digest
per period key ("daily:2026-11-21", "weekly:2026-W47", by the date in Europe/Berlin): the
``DigestLog`` row is written in the same transaction as the mail, so running the command
twice sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from plenum.auth.permissions import MEMBER, Principal
from plenum.clock import as_utc
from plenum.discuss.access import ThreadPlace, thread_access, thread_place
from plenum.discuss.models import Delivery
from plenum.errors import NotFound
from plenum.mail.compose import Composed, compose, queue
from plenum.mail.models import DigestLog
from plenum.mail.news import Deadline, NewAmendment, NewMotion, Published, new_comments, published
from plenum.motions.service import may_view
from plenum.orgs.models import Chapter, Member
from plenum.orgs.service import principal_for
from plenum.surveys.models import Survey
from plenum.surveys.service import news_for as surveys_news
from plenum.times import LOCAL_TIME

PERIODS = {Delivery.DAILY.value: timedelta(days=1), Delivery.WEEKLY.value: timedelta(days=7)}
REMINDERS = (timedelta(days=7), timedelta(days=1))  # a deadline alone is news this far ahead


@dataclass(frozen=True)
class Period:
    kind: str  # "daily" or "weekly"
    key: str  # DigestLog.period
    start: datetime
    end: datetime  # the moment the digest is made for

    @property
    def label(self) -> str:
        """The day ("21.11.2026") or the week ("47/2026") in the subject."""
        local = self.end.astimezone(LOCAL_TIME)
        if self.kind == Delivery.DAILY:
            return local.strftime("%d.%m.%Y")
        year, week, _ = local.isocalendar()
        return f"{week}/{year}"


def period_of(kind: str, at: datetime) -> Period:
    """The period ``kind`` ("daily", "weekly") ending at ``at``."""
    if kind not in PERIODS:
        raise ValueError(f"no digests for {kind!r}")
    end = as_utc(at).astimezone(UTC)
    local = end.astimezone(LOCAL_TIME)
    if kind == Delivery.DAILY:
        key = f"daily:{local.date().isoformat()}"
    else:
        year, week, _ = local.isocalendar()
        key = f"weekly:{year}-W{week:02d}"
    return Period(kind, key, end - PERIODS[kind], end)


@dataclass(frozen=True)
class ThreadNews:
    title: str
    count: int
    authors: list[str]
    url: str


@dataclass
class ChapterNews:
    chapter: Chapter
    motions: list[NewMotion] = field(default_factory=list)
    amendments: list[NewAmendment] = field(default_factory=list)
    threads: list[ThreadNews] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)  # asking the member: opened, or ending


@dataclass(frozen=True)
class Digest:
    member: Member
    since: datetime
    chapters: list[ChapterNews]


Places = dict[int, ThreadPlace | None]  # threads read once per run


def make_digests(kind: str, at: datetime, *, session: Session) -> int:
    """Queue the digests of period ``kind`` ending at ``at``; how many were queued."""
    period = period_of(kind, at)
    members = _waiting(period, session=session)
    if not members:
        return 0
    last = _previous(members, session=session)
    known = published(period.start, period.end, session=session)
    places: Places = {}
    made = 0
    for member in members:
        since = max(period.start, last.get(member.id or 0, period.start))
        principal = principal_for(member.id or 0, session=session)
        digest = digest_for(member, principal, since, period.end, known, places, session=session)
        if digest is not None:
            made += _queue(digest, period, session=session)
    return made


def _waiting(period: Period, *, session: Session) -> list[Member]:
    """Members of this period with an address and no digest for it yet."""
    done = select(DigestLog.member_id).where(DigestLog.period == period.key)
    return list(
        session.exec(
            select(Member)
            .where(
                Member.delivery == period.kind,
                Member.email != "",
                col(Member.id).not_in(done),
            )
            .order_by(col(Member.id))
        ).all()
    )


def _previous(members: list[Member], *, session: Session) -> dict[int, datetime]:
    """When each member's last digest (of any period) was made."""
    rows = session.exec(
        select(DigestLog.member_id, func.max(DigestLog.sent_at))
        .where(col(DigestLog.member_id).in_([m.id for m in members]))
        .group_by(col(DigestLog.member_id))
    ).all()
    return {member_id: as_utc(at) for member_id, at in rows if at is not None}


def digest_for(
    member: Member,
    principal: Principal,
    since: datetime,
    end: datetime,
    known: Published,
    places: Places,
    *,
    session: Session,
) -> Digest | None:
    """What is new for the member in (since, end], or None when nothing is."""
    mine = {cid for grant in principal.grants if grant.role == MEMBER for cid in grant.chapter_path}
    groups: dict[int, ChapterNews] = {}

    def group(chapter: Chapter) -> ChapterNews:
        return groups.setdefault(chapter.id or 0, ChapterNews(chapter))

    me = member.id or 0
    for motion in known.motions:
        if (
            since < motion.at
            and motion.place.chapter.id in mine
            and me not in known.motion_proposers.get(motion.id, set())
            and may_view(motion.status, motion.published, motion.place, principal, False)
        ):
            group(motion.place.chapter).motions.append(motion)
    for amendment in known.amendments:
        if (
            since < amendment.at
            and amendment.place.chapter.id in mine
            and me not in known.amendment_proposers.get(amendment.id, set())
            and may_view(amendment.status, True, amendment.place, principal, False)
        ):
            group(amendment.place.chapter).amendments.append(amendment)
    for news, chapter in _threads(principal, since, end, places, session=session):
        group(chapter).threads.append(news)
    for survey, chapter in surveys_news(me, since, end, session=session):
        group(chapter).surveys.append(survey)
    newsworthy = bool(groups)
    for deadline in known.deadlines:
        if deadline.place.chapter.id in mine:
            group(deadline.place.chapter).deadlines.append(deadline)
            newsworthy = newsworthy or _reminds(deadline, since, end)
    if not newsworthy:
        return None
    ordered = sorted(groups.values(), key=lambda g: (len(g.chapter.path_ids), g.chapter.name))
    return Digest(member, since, ordered)


def _reminds(deadline: Deadline, since: datetime, end: datetime) -> bool:
    return any(since < deadline.due - ahead <= end for ahead in REMINDERS)


def _threads(
    principal: Principal, since: datetime, end: datetime, places: Places, *, session: Session
) -> Iterator[tuple[ThreadNews, Chapter]]:
    """The followed threads with unread comments that the member may still read."""
    for news in new_comments(principal.member_id, since, end, session=session):
        where = _place(news.thread_id, places, session=session)
        if where is None or not thread_access(principal, where, session=session).read:
            continue
        url = f"/threads/{news.thread_id}#c{news.first_seq}"
        yield ThreadNews(where.title, news.count, news.authors, url), where.at.chapter


def _place(thread_id: int, places: Places, *, session: Session) -> ThreadPlace | None:
    if thread_id not in places:
        try:
            places[thread_id] = thread_place(thread_id, session=session)
        except NotFound:  # what it discussed is gone
            places[thread_id] = None
    return places[thread_id]


def compose_digest(digest: Digest, period: Period) -> Composed:
    return compose(
        "digest.txt",
        digest.member.locale or "de",
        name=digest.member.display_name,
        since=digest.since,
        period=period,
        chapters=digest.chapters,
    )


def _queue(digest: Digest, period: Period, *, session: Session) -> bool:
    """Log and queue the digest in one transaction; False when another run was faster."""
    member = digest.member
    session.add(DigestLog(member_id=member.id or 0, period=period.key, sent_at=period.end))
    queue(member, compose_digest(digest, period), session=session)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True
