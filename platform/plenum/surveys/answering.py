"""A member answering a survey: section by section, saved as they go, then submitted;
or a caller entering the answers given on the phone, at once.

Named surveys keep the response with the member and count it when it is submitted;
changes after that move its counts (out with the old answers, in with the new), in the
same transaction. Anonymous surveys keep the unfinished answers sealed for the member
(``SurveyDraft``); the submitted response is sealed without them and counted at the close
(``surveys.counting``), and cannot be changed after it is submitted.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied
from plenum.clock import utcnow
from plenum.db import changed_rows, insert_or_nothing
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.surveys import call_list
from plenum.surveys.access import SurveyPlace
from plenum.surveys.answers import Answers, asked_questions, kept, missing
from plenum.surveys.audience import group_of, in_audience, sections_for
from plenum.surveys.counting import purpose, record
from plenum.surveys.models import (
    Channel,
    QuestionKind,
    SurveyAnswered,
    SurveyDraft,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from plenum.surveys.service import State, questions_of, state_of
from plenum.votes import sealing

CLOSED = N_("This survey is closed.")
NOT_ASKED = N_("This survey does not ask you.")
SUBMITTED = N_("You have already sent your answers. Thank you!")
ROUND = 1024


@dataclass(frozen=True)
class Questionnaire:
    """What one member is asked: their sections and those sections' questions."""

    sections: list[SurveySection]
    questions: list[SurveyQuestion]

    def of(self, section: SurveySection) -> list[SurveyQuestion]:
        return [q for q in self.questions if q.section_id == section.id]


def questionnaire(at: SurveyPlace, member_id: int | None, *, session: Session) -> Questionnaire:
    sections = sections_for(at.survey, member_id, session=session)
    ids = {section.id for section in sections}
    questions = [q for q in questions_of(at.survey, session=session) if q.section_id in ids]
    return Questionnaire(sections, questions)


def width(questions: list[SurveyQuestion]) -> int:
    """The padded length of every sealed response of the survey: room for the longest
    answer to every question (free text at four bytes a character), so a sealed
    response's length tells nothing of what it says."""
    room = 256
    for question in questions:
        if question.kind == QuestionKind.TEXT:
            room += 4 * 1000 + 32
        elif question.kind in (QuestionKind.MULTIPLE, QuestionKind.RANKING):
            room += 8 * len(json.loads(question.options or "[]")) + 32
        else:
            room += 48
    return -(-room // ROUND) * ROUND


def _width(at: SurveyPlace, session: Session) -> int:
    """One length for every sealed response of the survey, whichever sections the
    member was asked (their chapter's or not)."""
    return width(questions_of(at.survey, session=session))


def may_answer(at: SurveyPlace, member_id: int, *, session: Session) -> None:
    if state_of(at.survey) != State.OPEN:
        raise DomainError(CLOSED)
    if not in_audience(at.survey, at.chapter, member_id, session=session):
        raise PermissionDenied("surveys.answer")


# --- what is saved so far ---------------------------------------------------------------------


def _response(at: SurveyPlace, member_id: int, *, session: Session) -> SurveyResponse | None:
    query = select(SurveyResponse).where(
        SurveyResponse.survey_id == at.survey.id, SurveyResponse.member_id == member_id
    )
    return session.exec(query.with_for_update()).first()


def _draft(at: SurveyPlace, member_id: int, *, session: Session) -> SurveyDraft | None:
    query = select(SurveyDraft).where(
        SurveyDraft.survey_id == at.survey.id, SurveyDraft.member_id == member_id
    )
    return session.exec(query.with_for_update()).first()


def saved(at: SurveyPlace, member_id: int, *, session: Session) -> tuple[Answers, bool]:
    """The member's answers so far, and whether they have submitted them."""
    if at.survey.anonymous:
        draft = _draft(at, member_id, session=session)
        answered = session.exec(
            select(SurveyAnswered.id).where(
                SurveyAnswered.survey_id == at.survey.id, SurveyAnswered.member_id == member_id
            )
        ).first()
        if draft is None:
            return {}, answered is not None
        plain = sealing.unseal_text(_draft_purpose(at, member_id), draft.sealed)
        return json.loads(plain), answered is not None
    response = _response(at, member_id, session=session)
    if response is None:
        return {}, False
    return json.loads(response.answers or "{}"), response.submitted_at is not None


def _draft_purpose(at: SurveyPlace, member_id: int) -> str:
    return f"plenum unfinished answers of member {member_id} to survey {at.survey.id}"


# --- saving a section, submitting -------------------------------------------------------------


def save_section(
    at: SurveyPlace,
    member_id: int,
    section: SurveySection,
    given: Answers,
    *,
    session: Session,
) -> Answers:
    """Keep the member's answers to one section (its required questions answered);
    a submitted named response is recounted. The answers so far, all sections."""
    may_answer(at, member_id, session=session)
    asked = questionnaire(at, member_id, session=session)
    if section.id not in {s.id for s in asked.sections}:
        raise PermissionDenied("surveys.answer")
    here = asked.of(section)
    before, submitted = saved(at, member_id, session=session)
    if submitted and at.survey.anonymous:
        raise DomainError(SUBMITTED)
    merged = {k: v for k, v in before.items() if k not in {str(q.id) for q in here}}
    merged = kept(asked.questions, {**merged, **given})
    errors = missing(asked.questions, merged, only=[q.id or 0 for q in here])
    if errors:
        raise ValidationFailed(errors)
    if at.survey.anonymous:
        _keep_draft(at, member_id, merged, asked.questions, session=session)
    else:
        _keep_named(at, member_id, merged, asked.questions, session=session)
    return merged


def _keep_draft(
    at: SurveyPlace,
    member_id: int,
    answers: Answers,
    questions: list[SurveyQuestion],
    *,
    session: Session,
) -> None:
    plain = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    sealed = sealing.seal_text(_draft_purpose(at, member_id), plain, size=_width(at, session))
    if not insert_or_nothing(
        session, SurveyDraft, survey_id=at.survey.id, member_id=member_id, sealed=sealed
    ):
        session.execute(
            update(SurveyDraft)
            .where(
                col(SurveyDraft.survey_id) == at.survey.id,
                col(SurveyDraft.member_id) == member_id,
            )
            .values(sealed=sealed)
        )


def _keep_named(
    at: SurveyPlace,
    member_id: int,
    answers: Answers,
    questions: list[SurveyQuestion],
    *,
    session: Session,
    channel: str = Channel.ONLINE,
    entered_by: int | None = None,
) -> SurveyResponse:
    response = _named_response(at, member_id, channel, entered_by, session=session)
    if response.submitted_at is not None:
        record(
            at.survey,
            response,
            json.loads(response.answers),
            questions=questions,
            session=session,
            sign=-1,
        )
        record(at.survey, response, answers, questions=questions, session=session)
    response.answers = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    session.add(response)
    session.flush()
    return response


def _named_response(
    at: SurveyPlace, member_id: int, channel: str, entered_by: int | None, *, session: Session
) -> SurveyResponse:
    insert_or_nothing(
        session,
        SurveyResponse,
        key=secrets.token_hex(16),
        survey_id=at.survey.id,
        member_id=member_id,
        chapter_id=group_of(at.chapter, member_id, session=session),
        channel=channel,
        entered_by=entered_by,
        answers="{}",
    )
    response = _response(at, member_id, session=session)
    if response is None:  # inserted just now, or there already
        raise NotFound(N_("This survey does not exist."))
    return response


def submit(at: SurveyPlace, member_id: int, *, session: Session) -> None:
    """Send the saved answers (every required question asked must be answered). Once."""
    may_answer(at, member_id, session=session)
    asked = questionnaire(at, member_id, session=session)
    answers, submitted = saved(at, member_id, session=session)
    if submitted:
        raise DomainError(SUBMITTED)
    errors = missing(asked.questions, answers)
    if errors:
        raise ValidationFailed(errors)
    _submit(at, member_id, answers, asked.questions, Channel.ONLINE, None, session=session)


def answer_by_phone(
    at: SurveyPlace, member_id: int, given: Answers, *, caller: int, session: Session
) -> None:
    """The answers a member gave a caller, all at once; refused if the member has sent
    theirs already. A draft the member began online gives way to it."""
    may_answer(at, member_id, session=session)
    asked = questionnaire(at, member_id, session=session)
    answers = kept(asked.questions, given)
    errors = missing(asked.questions, answers)
    if errors:
        raise ValidationFailed(errors)
    if saved(at, member_id, session=session)[1]:
        raise DomainError(N_("This member has already answered."))
    _submit(at, member_id, answers, asked.questions, Channel.PHONE, caller, session=session)


def _submit(
    at: SurveyPlace,
    member_id: int,
    answers: Answers,
    questions: list[SurveyQuestion],
    channel: str,
    caller: int | None,
    *,
    session: Session,
) -> None:
    survey = at.survey
    if not survey.anonymous:
        response = _keep_named(
            at,
            member_id,
            answers,
            questions,
            session=session,
            channel=channel,
            entered_by=caller,
        )
        done = session.execute(
            update(SurveyResponse)
            .where(
                col(SurveyResponse.id) == response.id, col(SurveyResponse.submitted_at).is_(None)
            )
            .values(submitted_at=utcnow(), channel=channel, entered_by=caller)
            .execution_options(synchronize_session=False)
        )
        if changed_rows(done) != 1:
            raise DomainError(SUBMITTED)
        session.refresh(response)
        record(survey, response, answers, questions=questions, session=session)
        call_list.done(survey.id or 0, member_id, session=session)
        announce(session, "surveys.answered", survey_id=survey.id)
        return
    if not insert_or_nothing(session, SurveyAnswered, survey_id=survey.id, member_id=member_id):
        raise DomainError(SUBMITTED)
    plain = json.dumps(
        {
            "answers": answers,
            "group": group_of(at.chapter, member_id, session=session),
            "channel": channel,
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    session.add(
        SurveyResponse(
            key=secrets.token_hex(16),
            survey_id=survey.id or 0,
            channel="",
            answers="{}",
            sealed=sealing.seal_text(purpose(survey.id or 0), plain, size=_width(at, session)),
        )
    )
    session.execute(
        delete(SurveyDraft).where(
            col(SurveyDraft.survey_id) == survey.id, col(SurveyDraft.member_id) == member_id
        )
    )
    call_list.done(survey.id or 0, member_id, session=session)
    session.flush()
    announce(session, "surveys.answered", survey_id=survey.id)


def remove_named(at: SurveyPlace, member_id: int, *, session: Session) -> bool:
    """Delete the member's named answers at their request, taking them out of the counts.
    False when there are none."""
    if at.survey.anonymous:
        return False
    response = _response(at, member_id, session=session)
    if response is None:
        return False
    if response.submitted_at is not None:
        questions = questions_of(at.survey, session=session)
        record(
            at.survey,
            response,
            json.loads(response.answers),
            questions=questions,
            session=session,
            sign=-1,
        )
    session.delete(response)
    session.flush()
    announce(session, "surveys.answers_removed", survey_id=at.survey.id)
    return True


def asked_now(at: SurveyPlace, member_id: int, answers: Answers, *, session: Session) -> list[Any]:
    return asked_questions(questionnaire(at, member_id, session=session).questions, answers)
