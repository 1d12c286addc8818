"""Building a survey and running it: a chapter's office staff set it up, add sections and
questions (a lower chapter adds its own sections), preview it, copy it from an earlier
one, and open it; opening invites the audience, and the clock reminds once before the end,
counts an anonymous survey after its close and deletes raw answers when their time is up.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.db import update_if
from plenum.errors import N_, DomainError, NotFound
from plenum.events import announce
from plenum.mail.notices import notice_followers
from plenum.orgs.models import Chapter
from plenum.surveys import call_list
from plenum.surveys.access import SurveyPlace
from plenum.surveys.audience import answered_ids, audience, has_answered, in_audience
from plenum.surveys.forms import QuestionInput, SectionInput, SurveyInput
from plenum.surveys.models import (
    Call,
    CallListEntry,
    Campaign,
    QuestionKind,
    Survey,
    SurveyAnswered,
    SurveyDraft,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    SurveyValue,
)
from plenum.times import LOCAL_TIME

T = TypeVar("T", Survey, SurveySection, SurveyQuestion)
LOWER_SECTIONS = 1000  # a lower chapter's sections come after the survey's own
REMIND_BEFORE = timedelta(days=3)
INVITED = N_("Survey: “%(title)s”. Your answers count until %(closes)s.")
REMINDED = N_("Reminder: the survey “%(title)s” ends on %(closes)s.")
NO_SUCH_QUESTION = N_("This question does not exist.")


class State:
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


def state_of(survey: Survey, now: datetime | None = None) -> str:
    if survey.opened_at is None:
        return State.DRAFT
    return State.OPEN if (now or utcnow()) < as_utc(survey.closes_at) else State.CLOSED


def surveys_of(chapter: Chapter, *, session: Session) -> list[Survey]:
    query = select(Survey).where(Survey.chapter_id == chapter.id)
    return list(session.exec(query.order_by(col(Survey.closes_at).desc())).all())


def surveys_above(chapter: Chapter, *, session: Session) -> list[Survey]:
    """The surveys of the chapters above ``chapter`` still being built: it may add its
    own questions to them."""
    above = [ident for ident in chapter.path_ids if ident != chapter.id]
    if not above:
        return []
    query = select(Survey).where(col(Survey.chapter_id).in_(above), col(Survey.opened_at).is_(None))
    return list(session.exec(query.order_by(col(Survey.id))).all())


def _fill(survey: Survey, data: SurveyInput) -> None:
    survey.title = data.title
    survey.intro = data.intro
    survey.anonymous = data.anonymous
    survey.closes_at = data.closes_at
    survey.body_id = data.body_id
    survey.joined_within_months = data.joined_within_months
    survey.share_results = data.share_results
    survey.keep_raw_days = data.keep_raw_days


def once(session: Session, row: T, model: type[T], *where: Any) -> T:
    """Add ``row`` unless a row made by the same form (``where``) is there already: the
    same form sent twice, even at the same moment, makes one row."""
    earlier = session.exec(select(model).where(*where)).first()
    if earlier is not None:
        return earlier
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        again = session.exec(select(model).where(*where)).first()
        if again is None:
            raise
        return again
    return row


def create_survey(
    chapter: Chapter, data: SurveyInput, *, actor: int, session: Session, key: str = ""
) -> Survey:
    if key:
        earlier = session.exec(
            select(Survey).where(Survey.created_by == actor, Survey.form_key == key)
        ).first()
        if earlier is not None:
            return earlier
    survey = Survey(
        chapter_id=chapter.id or 0,
        title="",
        intro="",
        closes_at=data.closes_at,
        created_by=actor,
        form_key=key or None,
    )
    _fill(survey, data)
    if key:
        survey = once(session, survey, Survey, Survey.created_by == actor, Survey.form_key == key)
    session.add(survey)
    session.flush()
    announce(session, "surveys.created", survey_id=survey.id)
    return survey


def must_be_draft(survey: Survey) -> None:
    if survey.opened_at is not None:
        raise DomainError(N_("The survey is open: its questions can no longer change."))


def update_survey(at: SurveyPlace, data: SurveyInput, *, session: Session) -> None:
    must_be_draft(at.survey)
    _fill(at.survey, data)
    session.add(at.survey)
    session.flush()


# --- sections and questions ----------------------------------------------------------------


def add_section(
    at: SurveyPlace, owner: Chapter, data: SectionInput, *, session: Session, key: str = ""
) -> SurveySection:
    """A section of ``owner``: the survey's chapter, or a chapter below adding its own."""
    must_be_draft(at.survey)
    base = 0 if owner.id == at.survey.chapter_id else LOWER_SECTIONS
    count = len(
        session.exec(select(SurveySection.id).where(SurveySection.survey_id == at.survey.id)).all()
    )
    section = SurveySection(
        survey_id=at.survey.id or 0,
        chapter_id=owner.id or 0,
        position=base + count,
        title=data.title,
        intro=data.intro,
        form_key=key or None,
    )
    if key:
        where = (SurveySection.survey_id == at.survey.id, SurveySection.form_key == key)
        section = once(session, section, SurveySection, *where)
    session.add(section)
    session.flush()
    return section


def section_of(at: SurveyPlace, section_id: int, *, session: Session) -> SurveySection:
    section = session.get(SurveySection, section_id)
    if section is None or section.survey_id != at.survey.id:
        raise NotFound(N_("This section does not exist."))
    return section


def questions_of(survey: Survey, *, session: Session) -> list[SurveyQuestion]:
    """Every question of the survey, in the order members see them."""
    sections = {
        s.id: s
        for s in session.exec(select(SurveySection).where(SurveySection.survey_id == survey.id))
    }
    rows = session.exec(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)).all()
    return sorted(
        rows,
        key=lambda q: (sections[q.section_id].position, q.section_id, q.position, q.id or 0),
    )


def options_of(question: SurveyQuestion) -> list[str]:
    return question.choices


def condition_choices(
    survey: Survey,
    before: SurveySection,
    *,
    session: Session,
    question_of_it: SurveyQuestion | None = None,
) -> list[tuple[str, str]]:
    """The conditions a question of section ``before`` may have (a new one, or
    ``question_of_it``): an option of a single-choice question asked before it, as
    ("<question id>:<index>", label). Never a later question: no condition loops."""
    found = []
    sections = {
        s.id: s
        for s in session.exec(select(SurveySection).where(SurveySection.survey_id == survey.id))
    }
    for question in questions_of(survey, session=session):
        section = sections[question.section_id]
        if (section.position, section.id or 0) > (before.position, before.id or 0):
            break
        if question_of_it is not None and question.id == question_of_it.id:
            break
        if question.kind != QuestionKind.SINGLE:
            continue
        if section.chapter_id not in (survey.chapter_id, before.chapter_id):
            continue  # another lower chapter's question: not asked of the same members
        for index, option in enumerate(options_of(question)):
            found.append((f"{question.id}:{index}", f"{question.text[:80]} = {option}"))
    return found


def add_question(
    at: SurveyPlace,
    section: SurveySection,
    data: QuestionInput,
    *,
    session: Session,
    key: str = "",
) -> SurveyQuestion:
    must_be_draft(at.survey)
    count = len(
        session.exec(select(SurveyQuestion.id).where(SurveyQuestion.section_id == section.id)).all()
    )
    question = SurveyQuestion(
        survey_id=at.survey.id or 0,
        section_id=section.id or 0,
        position=count,
        kind=data.kind,
        text="",
        options="[]",
    )
    _fill_question(question, data)
    question.form_key = key or None
    if key:
        where = (SurveyQuestion.survey_id == at.survey.id, SurveyQuestion.form_key == key)
        question = once(session, question, SurveyQuestion, *where)
    session.add(question)
    session.flush()
    return question


def _fill_question(question: SurveyQuestion, data: QuestionInput) -> None:
    question.kind = data.kind
    question.text = data.text
    question.hint = data.hint
    question.required = data.required
    question.options = json.dumps(list(data.options), ensure_ascii=False)
    question.max_choices = data.max_choices
    question.low_label = data.low_label
    question.high_label = data.high_label
    question.condition_question_id = data.condition[0] if data.condition else None
    question.condition_value = data.condition[1] if data.condition else ""


def question_of(at: SurveyPlace, question_id: int, *, session: Session) -> SurveyQuestion:
    question = session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != at.survey.id:
        raise NotFound(NO_SUCH_QUESTION)
    return question


def update_question(
    at: SurveyPlace, question: SurveyQuestion, data: QuestionInput, *, session: Session
) -> None:
    must_be_draft(at.survey)
    _fill_question(question, data)
    session.add(question)
    dependents = session.exec(
        select(SurveyQuestion).where(SurveyQuestion.condition_question_id == question.id)
    ).all()
    for dependent in dependents:  # a condition on an answer the question no longer has
        index = dependent.condition_value
        fits = question.kind == QuestionKind.SINGLE and index.isdigit()
        if not fits or int(index) >= len(question.choices):
            dependent.condition_question_id = None
            dependent.condition_value = ""
            session.add(dependent)
    session.flush()


def delete_question(at: SurveyPlace, question: SurveyQuestion, *, session: Session) -> None:
    must_be_draft(at.survey)
    session.execute(
        update(SurveyQuestion)
        .where(col(SurveyQuestion.condition_question_id) == question.id)
        .values(condition_question_id=None, condition_value="")
    )
    session.delete(question)
    session.flush()


def copy_survey(at: SurveyPlace, *, actor: int, session: Session, key: str = "") -> Survey:
    """A new draft with the survey's own sections and questions (conditions too), to be
    dated and opened anew; lower chapters add theirs again. The same form twice: one copy."""
    old = at.survey
    if key:
        earlier = session.exec(
            select(Survey).where(Survey.created_by == actor, Survey.form_key == key)
        ).first()
        if earlier is not None:
            return earlier
    survey = Survey(
        chapter_id=old.chapter_id,
        body_id=old.body_id,
        title=old.title,
        intro=old.intro,
        anonymous=old.anonymous,
        joined_within_months=old.joined_within_months,
        closes_at=max(as_utc(old.closes_at), utcnow() + timedelta(days=28)),
        share_results=old.share_results,
        keep_raw_days=old.keep_raw_days,
        copied_from=old.id,
        created_by=actor,
        form_key=key or None,
    )
    if key:
        made = once(session, survey, Survey, Survey.created_by == actor, Survey.form_key == key)
        if made is not survey:
            return made
    session.add(survey)
    session.flush()
    sections = session.exec(
        select(SurveySection).where(
            SurveySection.survey_id == old.id, SurveySection.chapter_id == old.chapter_id
        )
    ).all()
    new_section = {}
    for section in sections:
        copy = SurveySection(
            survey_id=survey.id or 0,
            chapter_id=section.chapter_id,
            position=section.position,
            title=section.title,
            intro=section.intro,
        )
        session.add(copy)
        session.flush()
        new_section[section.id] = copy.id or 0
    new_question: dict[int | None, int | None] = {}
    conditions = []
    for question in questions_of(old, session=session):
        if question.section_id not in new_section:
            continue
        data = question.model_dump(exclude={"id", "survey_id", "section_id"})
        copy_q = SurveyQuestion(
            **data, survey_id=survey.id or 0, section_id=new_section[question.section_id]
        )
        copy_q.condition_question_id = None
        session.add(copy_q)
        session.flush()
        new_question[question.id] = copy_q.id
        if question.condition_question_id is not None:
            conditions.append((copy_q, question.condition_question_id))
    for copy_q, old_condition in conditions:
        copy_q.condition_question_id = new_question.get(old_condition)
        copy_q.condition_value = copy_q.condition_value if copy_q.condition_question_id else ""
        session.add(copy_q)
    session.flush()
    return survey


# --- opening, reminding -------------------------------------------------------------------


def _url(survey: Survey) -> str:
    return f"/surveys/{survey.id}"


def open_survey(at: SurveyPlace, *, session: Session) -> int:
    """Open the survey (once) and invite its audience; how many were invited."""
    survey = at.survey
    must_be_draft(survey)
    if as_utc(survey.closes_at) <= utcnow() + timedelta(hours=1):
        raise DomainError(N_("The survey must end at least an hour from now."))
    if not questions_of(survey, session=session):
        raise DomainError(N_("Please add at least one question first."))
    moment = utcnow()
    if not update_if(session, survey, {"opened_at": None}, opened_at=moment):
        raise DomainError(N_("The survey is open already."))
    campaign = session.exec(select(Campaign).where(Campaign.survey_id == survey.id)).first()
    if campaign is not None:
        call_list.make(survey, at.chapter, campaign, session=session)
    asked = audience(survey, at.chapter, session=session)
    notice_followers(
        asked, INVITED, url=_url(survey), session=session, title=survey.title, closes=_day(survey)
    )
    announce(session, "surveys.opened", survey_id=survey.id)
    return len(asked)


def _day(survey: Survey) -> str:
    return as_utc(survey.closes_at).astimezone(LOCAL_TIME).strftime("%d.%m.%Y %H:%M")


def remind_due(*, session: Session, now: datetime | None = None) -> int:
    """Remind, once per survey, the audience that has not answered, in the last days."""
    moment = now or utcnow()
    due = session.exec(
        select(Survey).where(
            col(Survey.opened_at).is_not(None),
            col(Survey.reminded_at).is_(None),
            col(Survey.closes_at) > moment,
            col(Survey.closes_at) <= moment + REMIND_BEFORE,
        )
    ).all()
    reminded = 0
    for survey in due:
        if not update_if(session, survey, {"reminded_at": None}, reminded_at=moment):
            continue
        chapter = session.get(Chapter, survey.chapter_id)
        if chapter is None:
            continue
        asked = audience(survey, chapter, session=session) - answered_ids(survey, session=session)
        notice_followers(
            asked,
            REMINDED,
            url=_url(survey),
            session=session,
            title=survey.title,
            closes=_day(survey),
        )
        reminded += len(asked)
    return reminded


def _open_asking(member_id: int, at: datetime, *, session: Session) -> list[tuple[Survey, Chapter]]:
    """The surveys open at ``at`` that ask the member and that they have not answered."""
    candidates = session.exec(
        select(Survey, Chapter)
        .join(Chapter, col(Chapter.id) == Survey.chapter_id)
        .where(col(Survey.opened_at).is_not(None), col(Survey.closes_at) > at)
        .order_by(col(Survey.closes_at))
    ).all()
    return [
        (survey, chapter)
        for survey, chapter in candidates
        if in_audience(survey, chapter, member_id, session=session)
        and not has_answered(survey, member_id, session=session)
    ]


def news_for(
    member_id: int, since: datetime, end: datetime, *, session: Session
) -> list[tuple[Survey, Chapter]]:
    """The open surveys asking the member, not answered by them, that opened or sent their
    reminder in (since, end]: the member's digest invites and reminds them with these."""
    return [
        (survey, chapter)
        for survey, chapter in _open_asking(member_id, end, session=session)
        if any(
            moment is not None and since < as_utc(moment) <= end
            for moment in (survey.opened_at, survey.reminded_at)
        )
    ]


def open_for_member(member_id: int, *, session: Session) -> list[Survey]:
    """The open surveys that ask the member and that they have not submitted yet (for
    the start page)."""
    return [survey for survey, _chapter in _open_asking(member_id, utcnow(), session=session)]


# --- retention -----------------------------------------------------------------------------


def forget_due(*, session: Session, now: datetime | None = None) -> int:
    """Delete the raw answers (responses, drafts, who answered, calls and claims) of the
    surveys whose time to keep them after the close is up; the counts stay. How many
    surveys."""
    moment = now or utcnow()
    closed = session.exec(
        select(Survey).where(
            col(Survey.opened_at).is_not(None),
            col(Survey.raw_deleted_at).is_(None),
            col(Survey.closes_at) <= moment,
        )
    ).all()
    done = 0
    for survey in closed:
        if as_utc(survey.closes_at) + timedelta(days=survey.keep_raw_days) > moment:
            continue
        if survey.anonymous and survey.counted_at is None:
            continue  # counted first, by the same clock run
        responses = select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id)
        session.execute(delete(SurveyValue).where(col(SurveyValue.response_id).in_(responses)))
        for model in (SurveyResponse, SurveyDraft, SurveyAnswered):
            session.execute(delete(model).where(col(model.survey_id) == survey.id))
        campaigns = select(Campaign.id).where(Campaign.survey_id == survey.id)
        session.execute(delete(Call).where(col(Call.campaign_id).in_(campaigns)))
        listed = col(CallListEntry.campaign_id).in_(campaigns)
        session.execute(delete(CallListEntry).where(listed))
        survey.raw_deleted_at = moment
        session.add(survey)
        done += 1
    session.flush()
    if done:
        announce(session, "surveys.raw_deleted", count=done)
    return done


def named_answers(member_id: int, *, session: Session) -> list[tuple[Survey, SurveyResponse]]:
    """The member's answers to named surveys (for "Meine Daten"), newest survey first."""
    rows = session.exec(
        select(Survey, SurveyResponse)
        .join(SurveyResponse, col(SurveyResponse.survey_id) == Survey.id)
        .where(SurveyResponse.member_id == member_id)
        .order_by(col(Survey.closes_at).desc())
    ).all()
    return [(survey, response) for survey, response in rows]
