"""Who a survey asks: the members of its chapter and the chapters below it, or the members
of one of its bodies (everyone holding a seat or function in it), optionally only those who
joined within the last months (the provider's ``member_since``, else when Plenum first saw
them). Also the group a member is counted in: their chapter directly below the survey's
(for a state's survey, their county), and the sections a member is asked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.orgs.models import BodyRole, Chapter, Member, Membership
from plenum.surveys.models import Survey, SurveyAnswered, SurveyResponse, SurveySection

MONTH = timedelta(days=30.44)


def audience_query(survey: Survey, chapter: Chapter, *, now: datetime | None = None) -> Any:
    """A query of the member ids the survey asks (each once)."""
    if survey.body_id is not None:
        query = select(BodyRole.member_id).where(BodyRole.body_id == survey.body_id)
        member_col: Any = BodyRole.member_id
    else:
        query = (
            select(Membership.member_id)
            .join(Chapter, col(Chapter.id) == Membership.chapter_id)
            .where(col(Chapter.path).startswith(chapter.path))
        )
        member_col = Membership.member_id
    query = query.join(Member, col(Member.id) == member_col).where(col(Member.removed_at).is_(None))
    if survey.joined_within_months:
        since = as_utc(survey.opened_at or now or utcnow()) - MONTH * survey.joined_within_months
        joined = func.coalesce(col(Member.joined_at), col(Member.created_at))
        query = query.where(joined >= since)
    return query.distinct()


def audience(survey: Survey, chapter: Chapter, *, session: Session) -> set[int]:
    return set(session.exec(audience_query(survey, chapter)).all())


def in_audience(survey: Survey, chapter: Chapter, member_id: int, *, session: Session) -> bool:
    query = audience_query(survey, chapter).where(col(Member.id) == member_id)
    return session.exec(query).first() is not None


def member_chapters(member_ids: Iterable[int], *, session: Session) -> dict[int, list[Chapter]]:
    wanted = set(member_ids)
    found: dict[int, list[Chapter]] = {member: [] for member in wanted}
    if not wanted:
        return found
    rows = session.exec(
        select(Membership.member_id, Chapter)
        .join(Chapter, col(Chapter.id) == Membership.chapter_id)
        .where(col(Membership.member_id).in_(wanted))
        .order_by(col(Chapter.path))
    ).all()
    for member_id, chapter in rows:
        found[member_id].append(chapter)
    return found


def groups_of(
    chapter: Chapter, member_ids: Iterable[int], *, session: Session
) -> dict[int, int | None]:
    """Each member's group for breakdowns and call lists: their chapter directly below
    the survey's ``chapter`` (the survey's own chapter if they belong to none below it;
    None when they belong to neither, e.g. a body's guest)."""
    depth = len(chapter.path_ids)
    groups: dict[int, int | None] = {}
    for member_id, chapters in member_chapters(member_ids, session=session).items():
        below = [
            c.path_ids[depth]
            for c in chapters
            if c.path.startswith(chapter.path) and len(c.path_ids) > depth
        ]
        inside = below or [c.id or 0 for c in chapters if c.id == chapter.id]
        groups[member_id] = min(inside) if inside else None
    return groups


def group_of(chapter: Chapter, member_id: int, *, session: Session) -> int | None:
    return groups_of(chapter, [member_id], session=session)[member_id]


def sections_for(survey: Survey, member_id: int | None, *, session: Session) -> list[SurveySection]:
    """The sections the member is asked, in order: the survey's own, then those that a
    chapter of theirs below added (member None: every section, as office staff preview)."""
    sections = session.exec(
        select(SurveySection)
        .where(SurveySection.survey_id == survey.id)
        .order_by(col(SurveySection.position), col(SurveySection.id))
    ).all()
    if member_id is None:
        return list(sections)
    theirs: set[int] = {survey.chapter_id}
    for chapter in member_chapters([member_id], session=session)[member_id]:
        theirs.update(chapter.path_ids)
    return [section for section in sections if section.chapter_id in theirs]


def has_answered(survey: Survey, member_id: int, *, session: Session) -> bool:
    if survey.anonymous:
        query = select(SurveyAnswered.id).where(
            SurveyAnswered.survey_id == survey.id, SurveyAnswered.member_id == member_id
        )
    else:
        query = select(SurveyResponse.id).where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.member_id == member_id,
            col(SurveyResponse.submitted_at).is_not(None),
        )
    return session.exec(query).first() is not None


def answered_ids(survey: Survey, *, session: Session) -> set[int]:
    if survey.anonymous:
        rows = session.exec(
            select(SurveyAnswered.member_id).where(SurveyAnswered.survey_id == survey.id)
        ).all()
        return set(rows)
    found = session.exec(
        select(SurveyResponse.member_id).where(
            SurveyResponse.survey_id == survey.id, col(SurveyResponse.submitted_at).is_not(None)
        )
    ).all()
    return {member for member in found if member is not None}
