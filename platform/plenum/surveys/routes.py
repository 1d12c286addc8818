"""Pages of a survey: the chapter's list, setting one up, building it (sections and
questions, a lower chapter's own section), preview, opening and copying; answering it
section by section, checking and sending; and on "Meine Daten" the named answers and the
choice not to be called."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.auth.permissions import Action, PermissionDenied, may
from plenum.clock import utcnow
from plenum.errors import N_, NotFound, ValidationFailed
from plenum.orgs.models import Body, Chapter, Member
from plenum.orgs.service import bodies_of, chapter_by_key, chapter_scope
from plenum.surveys import answering, call_list, forms, service
from plenum.surveys.access import survey_place
from plenum.surveys.answers import asked_questions, form_pairs, form_values, missing, read
from plenum.surveys.audience import in_audience, sections_for
from plenum.surveys.models import QuestionKind, Survey, SurveyQuestion, SurveySection
from plenum.surveys.seen import Seen, require, seen
from plenum.times import local_input
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.forms import new_form_key, refuse_nul
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for

# --- the chapter's surveys, and a new one ----------------------------------------------------


def survey_list(request: Request) -> Response:
    principal = require_member(request)
    session = db(request)
    chapter = chapter_by_key(request.path_params["key"], session=session)
    scope = chapter_scope(chapter)
    builds = may(principal, Action.BUILD_SURVEY, scope)
    sees_results = may(principal, Action.SEE_SURVEY_RESULTS, scope)
    shown = [
        survey
        for survey in service.surveys_of(chapter, session=session)
        if builds
        or (
            survey.opened_at is not None
            and (sees_results or in_audience(survey, chapter, principal.member_id, session=session))
        )
    ]
    adds = may(principal, Action.ADD_SURVEY_QUESTIONS, scope)
    context = {
        "chapter": chapter,
        "surveys": shown,
        "above": service.surveys_above(chapter, session=session) if adds else [],
        "may_build": builds,
        "state_of": service.state_of,
    }
    return render(request, "surveys/list.html", context)


def _builder(request: Request) -> Chapter:
    principal = require_member(request)
    chapter = chapter_by_key(request.path_params["key"], session=db(request))
    require(may(principal, Action.BUILD_SURVEY, chapter_scope(chapter)), Action.BUILD_SURVEY)
    return chapter


def _audiences(chapter: Chapter, *, session: Session) -> list[tuple[str, str]]:
    return [(f"body-{body.id}", body.name) for body in bodies_of(chapter, session=session)]


def _survey_form(
    request: Request,
    chapter: Chapter,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    survey: Survey | None = None,
) -> Response:
    context = {
        "chapter": chapter,
        "survey": survey,
        "values": values,
        "errors": errors,
        "bodies": _audiences(chapter, session=db(request)),
        "key": values.get("key") or new_form_key(),
    }
    return render(request, "surveys/form.html", context, status_code)


def new_form(request: Request) -> Response:
    chapter = _builder(request)
    values = {"anonymous": "yes", "audience": "chapter", "keep_raw_days": "180"}
    return _survey_form(request, chapter, values, {})


async def create(request: Request) -> Response:
    return await run(request, _create, *forms.SURVEY_FIELDS, "key")


def _create(request: Request, values: dict[str, str]) -> Response:
    chapter = _builder(request)
    session = db(request)
    bodies = tuple(body.id or 0 for body in bodies_of(chapter, session=session))
    try:
        data = forms.parse_survey(values, bodies)
    except ValidationFailed as exc:
        return _survey_form(request, chapter, values, exc.errors, 422)
    principal = require_member(request)
    survey = service.create_survey(
        chapter, data, actor=principal.member_id, session=session, key=values["key"]
    )
    flash(request, N_("The survey has been set up. Now add sections and questions."))
    return see_other(request, path_for(request, "survey", id=survey.id))


def edit_form(request: Request) -> Response:
    found = seen(request)
    require(found.may.build, Action.BUILD_SURVEY)
    survey = found.at.survey
    values = {
        "title": survey.title,
        "intro": survey.intro,
        "anonymous": "yes" if survey.anonymous else "no",
        "closes_at": local_input(survey.closes_at),
        "audience": f"body-{survey.body_id}" if survey.body_id else "chapter",
        "joined_within_months": str(survey.joined_within_months or ""),
        "share_results": "1" if survey.share_results else "",
        "keep_raw_days": str(survey.keep_raw_days),
    }
    return _survey_form(request, found.at.chapter, values, {}, survey=survey)


async def update(request: Request) -> Response:
    return await run(request, _update, *forms.SURVEY_FIELDS)


def _update(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.build, Action.BUILD_SURVEY)
    session = db(request)
    bodies = tuple(body.id or 0 for body in bodies_of(found.at.chapter, session=session))
    try:
        data = forms.parse_survey(values, bodies)
    except ValidationFailed as exc:
        return _survey_form(request, found.at.chapter, values, exc.errors, 422, found.at.survey)
    service.update_survey(found.at, data, session=session)
    flash(request, N_("The survey has been saved."))
    return see_other(request, path_for(request, "survey", id=found.at.survey.id))


# --- the survey page: building, or the invitation to answer ---------------------------------


def survey_page(request: Request) -> Response:
    return _page(request, seen(request))


def _page(
    request: Request,
    found: Seen,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    form: str = "",
) -> Response:
    session = db(request)
    at = found.at
    me = found.principal.member_id
    sections = sections_for(at.survey, None, session=session)
    questions = service.questions_of(at.survey, session=session)
    answers, submitted = answering.saved(at, me, session=session) if found.asked else ({}, False)
    body = session.get(Body, at.survey.body_id) if at.survey.body_id else None
    editable = _editable_sections(found, sections)
    context = {
        "at": at,
        "survey": at.survey,
        "chapter": at.chapter,
        "body": body,
        "may": found.may,
        "adds": found.adds,
        "asked": found.asked,
        "state": service.state_of(at.survey),
        "sections": sections,
        "questions": questions,
        "editable": editable,
        "chapters": {c.id: c for c in [at.chapter, *found.adds]},
        "started": bool(answers),
        "submitted": submitted,
        "values": values or {},
        "errors": errors or {},
        "form": form,
        "key": new_form_key(),
        "kinds": list(QuestionKind),
        "conditions": {  # only where a question can be added: each reads the questions
            section.id: service.condition_choices(at.survey, section, session=session)
            for section in sections
            if section.id in editable
        },
    }
    return render(request, "surveys/survey.html", context, status_code)


def _editable_sections(found: Seen, sections: list[SurveySection]) -> set[int]:
    """The sections the member may change: the survey's own for its builders, a lower
    chapter's for that chapter's staff; none once the survey is open."""
    if found.at.survey.opened_at is not None:
        return set()
    own = found.at.survey.chapter_id
    theirs = {chapter.id for chapter in found.adds}
    return {
        s.id or 0
        for s in sections
        if (s.chapter_id == own and found.may.build) or s.chapter_id in theirs
    }


async def add_section(request: Request) -> Response:
    return await run(request, _add_section, *forms.SECTION_FIELDS, "key")


def _add_section(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    owners = {c.key: c for c in found.adds}
    if found.may.build:
        owners[found.at.chapter.key] = found.at.chapter
    owner = owners.get(values.get("chapter", ""))
    if owner is None:
        raise PermissionDenied(Action.ADD_SURVEY_QUESTIONS.value)
    try:
        data = forms.parse_section(values)
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422, form="section")
    section = service.add_section(
        found.at, owner, data, session=db(request), key=values.get("key", "")
    )
    flash(request, N_("The section has been added."))
    return see_other(request, _section_path(request, found, section.id or 0))


def _section_path(request: Request, found: Seen, section_id: int) -> str:
    return path_for(request, "survey", id=found.at.survey.id) + f"#section-{section_id}"


def _editable(request: Request, found: Seen, section_id: int) -> SurveySection:
    section = service.section_of(found.at, section_id, session=db(request))
    if section.id not in _editable_sections(found, [section]):
        service.must_be_draft(found.at.survey)
        raise PermissionDenied(Action.BUILD_SURVEY.value)
    return section


def _conditions(request: Request, found: Seen, section: SurveySection) -> tuple[str, ...]:
    choices = service.condition_choices(found.at.survey, section, session=db(request))
    return tuple(value for value, _label in choices)


async def add_question(request: Request) -> Response:
    return await run(request, _add_question, *forms.QUESTION_FIELDS, "key")


def _add_question(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    section = _editable(request, found, request.path_params["section_id"])
    try:
        data = forms.parse_question(values, _conditions(request, found, section))
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422, form=f"question-{section.id}")
    service.add_question(found.at, section, data, session=db(request), key=values.get("key", ""))
    flash(request, N_("The question has been added."))
    return see_other(request, _section_path(request, found, section.id or 0))


def _question(request: Request, found: Seen) -> tuple[SurveyQuestion, SurveySection]:
    question = service.question_of(
        found.at, request.path_params["question_id"], session=db(request)
    )
    return question, _editable(request, found, question.section_id)


def question_form(request: Request) -> Response:
    found = seen(request)
    question, section = _question(request, found)
    values = {
        "kind": question.kind,
        "text": question.text,
        "hint": question.hint,
        "required": "1" if question.required else "",
        "options": "\n".join(question.choices),
        "max_choices": str(question.max_choices or ""),
        "low_label": question.low_label,
        "high_label": question.high_label,
        "condition": (
            f"{question.condition_question_id}:{question.condition_value}"
            if question.condition_question_id
            else ""
        ),
    }
    return _question_page(request, found, question, section, values, {})


def _question_page(
    request: Request,
    found: Seen,
    question: SurveyQuestion,
    section: SurveySection,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    choices = service.condition_choices(
        found.at.survey, section, session=db(request), question_of_it=question
    )
    context = {
        "survey": found.at.survey,
        "question": question,
        "section": section,
        "values": values,
        "errors": errors,
        "kinds": list(QuestionKind),
        "conditions": choices,
    }
    return render(request, "surveys/question.html", context, status_code)


async def update_question(request: Request) -> Response:
    return await run(request, _update_question, *forms.QUESTION_FIELDS)


def _update_question(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    question, section = _question(request, found)
    choices = service.condition_choices(
        found.at.survey, section, session=db(request), question_of_it=question
    )
    conditions = tuple(value for value, _label in choices)
    try:
        data = forms.parse_question(values, conditions)
    except ValidationFailed as exc:
        return _question_page(request, found, question, section, values, exc.errors, 422)
    service.update_question(found.at, question, data, session=db(request))
    flash(request, N_("The question has been saved."))
    return see_other(request, _section_path(request, found, section.id or 0))


DELETE_QUESTION = Question(
    N_("Delete this question?"),
    N_("Questions that depend on it lose their condition."),
    N_("Delete the question"),
)


async def delete_question(request: Request) -> Response:
    return await run(request, _delete_question, ASK)


def _delete_question(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    question, section = _question(request, found)
    back = _section_path(request, found, section.id or 0)
    if wants_asking(values):
        return confirmation(request, DELETE_QUESTION, back=back)
    service.delete_question(found.at, question, session=db(request))
    flash(request, N_("The question has been deleted."))
    return see_other(request, back)


def preview(request: Request) -> Response:
    found = seen(request)
    if not (found.may.build or found.adds):
        raise PermissionDenied(Action.BUILD_SURVEY.value)
    session = db(request)
    context = {
        "survey": found.at.survey,
        "chapter": found.at.chapter,
        "sections": sections_for(found.at.survey, None, session=session),
        "questions": service.questions_of(found.at.survey, session=session),
    }
    return render(request, "surveys/preview.html", context)


OPEN = Question(
    N_("Open the survey now?"),
    N_(
        "Every member of the audience is invited at once. After that, no question can change"
        " and anonymous or named stays as it is."
    ),
    N_("Open and invite"),
)


async def open_survey(request: Request) -> Response:
    return await run(request, _open, ASK)


def _open(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.build, Action.BUILD_SURVEY)
    back = path_for(request, "survey", id=found.at.survey.id)
    if wants_asking(values):
        return confirmation(request, OPEN, back=back)
    service.open_survey(found.at, session=db(request))
    flash(request, N_("The survey is open, and its members have been invited."))
    return see_other(request, back)


async def copy(request: Request) -> Response:
    return await run(request, _copy, "key")


def _copy(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.build, Action.BUILD_SURVEY)
    survey = service.copy_survey(
        found.at, actor=found.principal.member_id, session=db(request), key=values["key"]
    )
    flash(request, N_("A copy has been made. Give it its dates, then open it."))
    return see_other(request, path_for(request, "survey_edit", id=survey.id))


# --- answering ----------------------------------------------------------------------------


async def form_pairs_of(request: Request) -> list[tuple[str, str]]:
    async with request.form() as form:
        pairs = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    refuse_nul(pairs)
    return pairs


def _step(request: Request, found: Seen, questionnaire: answering.Questionnaire) -> int:
    step = request.path_params["step"]
    if not 1 <= step <= len(questionnaire.sections):
        raise NotFound(N_("This page of the survey does not exist."))
    return int(step)


def _answering(request: Request, *, lock: bool = False) -> tuple[Seen, answering.Questionnaire]:
    found = seen(request, lock=lock)
    if not found.asked:
        raise PermissionDenied("surveys.answer")
    questionnaire = answering.questionnaire(
        found.at, found.principal.member_id, session=db(request)
    )
    return found, questionnaire


def answer_page(request: Request) -> Response:
    found, questionnaire = _answering(request)
    step = _step(request, found, questionnaire)
    answers, _sent = answering.saved(found.at, found.principal.member_id, session=db(request))
    section = questionnaire.sections[step - 1]
    return _answer_form(
        request, found, questionnaire, step, form_values(questionnaire.of(section), answers), {}
    )


def _answer_form(
    request: Request,
    found: Seen,
    questionnaire: answering.Questionnaire,
    step: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    member = found.principal.member_id
    answers, submitted = answering.saved(found.at, member, session=db(request))
    section = questionnaire.sections[step - 1]
    here = {q.id for q in questionnaire.of(section)}
    # a question whose condition is on an earlier page is asked or not by the answers saved
    asked = {q.id for q in asked_questions(questionnaire.questions, answers)}
    shown = [
        q
        for q in questionnaire.of(section)
        if q.condition_question_id is None or q.condition_question_id in here or q.id in asked
    ]
    numbers = {q.id: n for n, q in enumerate(questionnaire.questions, start=1)}
    context = {
        "survey": found.at.survey,
        "chapter": found.at.chapter,
        "section": section,
        "questions": shown,
        "numbers": numbers,
        "step": step,
        "steps": len(questionnaire.sections),
        "values": values,
        "errors": errors,
        "submitted": submitted,
        "state": service.state_of(found.at.survey),
    }
    return render(request, "surveys/answer.html", context, status_code)


async def save_answers(request: Request) -> Response:
    pairs = await form_pairs_of(request)
    return await run_in_threadpool(_save_answers, request, pairs)


def _save_answers(request: Request, pairs: list[tuple[str, str]]) -> Response:
    found, questionnaire = _answering(request, lock=True)
    step = _step(request, found, questionnaire)
    section = questionnaire.sections[step - 1]
    questions = questionnaire.of(section)
    given, errors = read(questions, pairs)
    if not errors:
        try:
            answering.save_section(
                found.at, found.principal.member_id, section, given, session=db(request)
            )
        except ValidationFailed as exc:
            errors = exc.errors
    if errors:
        db(request).rollback()
        typed = form_pairs(questions, pairs)
        return _answer_form(request, found, questionnaire, step, typed, errors, 422)
    survey_id = found.at.survey.id
    if step < len(questionnaire.sections):
        return see_other(request, path_for(request, "survey_answer", id=survey_id, step=step + 1))
    return see_other(request, path_for(request, "survey_review", id=survey_id))


def review(request: Request) -> Response:
    found, questionnaire = _answering(request)
    answers, submitted = answering.saved(found.at, found.principal.member_id, session=db(request))
    # a changed answer of a sent named response may ask a further required question
    errors = missing(questionnaire.questions, answers) if submitted else {}
    return _review(request, found, questionnaire, answers, submitted, errors)


def _review(
    request: Request,
    found: Seen,
    questionnaire: answering.Questionnaire,
    answers: dict[str, Any],
    submitted: bool,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    asked = asked_questions(questionnaire.questions, answers)
    step_of = {s.id: n for n, s in enumerate(questionnaire.sections, start=1)}
    context = {
        "survey": found.at.survey,
        "sections": questionnaire.sections,
        "questions": asked,
        "answers": answers,
        "step_of": step_of,
        "submitted": submitted,
        "errors": errors,
        "state": service.state_of(found.at.survey),
        "numbers": {q.id: n for n, q in enumerate(questionnaire.questions, start=1)},
    }
    return render(request, "surveys/review.html", context, status_code)


async def submit(request: Request) -> Response:
    return await run(request, _submit)


def _submit(request: Request, values: dict[str, str]) -> Response:
    found, questionnaire = _answering(request, lock=True)
    member = found.principal.member_id
    try:
        answering.submit(found.at, member, session=db(request))
    except ValidationFailed as exc:
        db(request).rollback()
        answers, submitted = answering.saved(found.at, member, session=db(request))
        return _review(request, found, questionnaire, answers, submitted, exc.errors, 422)
    flash(request, N_("Thank you! Your answers have been sent."))
    return see_other(request, path_for(request, "survey", id=found.at.survey.id))


# --- "Meine Daten": named answers, and not being called ------------------------------------


def my_surveys(request: Request) -> Response:
    principal = require_member(request)
    session = db(request)
    member = session.get(Member, principal.member_id)
    context = {
        "named": service.named_answers(principal.member_id, session=session),
        "no_calls": bool(member and member.no_calls_since),
    }
    return render(request, "surveys/mine.html", context)


async def set_calls(request: Request) -> Response:
    return await run(request, _set_calls, "no_calls")


def _set_calls(request: Request, values: dict[str, str]) -> Response:
    principal = require_member(request)
    session = db(request)
    member = session.get(Member, principal.member_id)
    if member is None:
        raise NotFound(N_("Member not found."))
    wanted = values.get("no_calls") == "1"
    if wanted != bool(member.no_calls_since):
        member.no_calls_since = utcnow() if wanted else None
        session.add(member)
    if wanted:
        call_list.opt_out(member.id or 0, session=session)
    flash(
        request,
        N_("Phone campaigns will not call you.") if wanted else N_("Phone campaigns may call you."),
    )
    return see_other(request, path_for(request, "my_surveys"))


REMOVE_ANSWERS = Question(
    N_("Remove your answers to this survey?"),
    N_("They are deleted and no longer counted. This cannot be undone."),
    N_("Remove my answers"),
)


async def remove_answers(request: Request) -> Response:
    return await run(request, _remove_answers, ASK)


def _remove_answers(request: Request, values: dict[str, str]) -> Response:
    principal = require_member(request)
    session = db(request)
    at = survey_place(request.path_params["id"], session=session, lock=True)
    back = path_for(request, "my_surveys")
    if wants_asking(values):
        return confirmation(request, REMOVE_ANSWERS, back=back)
    if answering.remove_named(at, principal.member_id, session=session):
        flash(request, N_("Your answers have been removed."))
    else:
        flash(request, N_("There were no answers of yours to remove."))
    return see_other(request, back)


routes = [
    Route("/chapters/{key}/surveys", survey_list, name="chapter_surveys"),
    Route("/chapters/{key}/surveys/new", new_form, name="survey_new"),
    Route("/chapters/{key}/surveys", create, methods=["POST"], name="survey_create"),
    Route("/surveys/{id:int}", survey_page, name="survey"),
    Route("/surveys/{id:int}/edit", edit_form, name="survey_edit"),
    Route("/surveys/{id:int}/edit", update, methods=["POST"], name="survey_update"),
    Route("/surveys/{id:int}/sections", add_section, methods=["POST"], name="survey_section_add"),
    Route(
        "/surveys/{id:int}/sections/{section_id:int}/questions",
        add_question,
        methods=["POST"],
        name="survey_question_add",
    ),
    Route("/surveys/{id:int}/questions/{question_id:int}", question_form, name="survey_question"),
    Route(
        "/surveys/{id:int}/questions/{question_id:int}",
        update_question,
        methods=["POST"],
        name="survey_question_update",
    ),
    Route(
        "/surveys/{id:int}/questions/{question_id:int}/delete",
        delete_question,
        methods=["POST"],
        name="survey_question_delete",
    ),
    Route("/surveys/{id:int}/preview", preview, name="survey_preview"),
    Route("/surveys/{id:int}/open", open_survey, methods=["POST"], name="survey_open"),
    Route("/surveys/{id:int}/copy", copy, methods=["POST"], name="survey_copy"),
    Route("/surveys/{id:int}/answer/{step:int}", answer_page, name="survey_answer"),
    Route(
        "/surveys/{id:int}/answer/{step:int}",
        save_answers,
        methods=["POST"],
        name="survey_answer_save",
    ),
    Route("/surveys/{id:int}/review", review, name="survey_review"),
    Route("/surveys/{id:int}/submit", submit, methods=["POST"], name="survey_submit"),
    Route("/me/surveys", my_surveys, name="my_surveys"),
    Route("/me/calls", set_calls, methods=["POST"], name="my_calls"),
    Route("/me/surveys/{id:int}/remove", remove_answers, methods=["POST"], name="my_survey_remove"),
]
