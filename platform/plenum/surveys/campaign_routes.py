"""Pages of a survey's phone campaign: the organisers' page (script, callers, progress per
county) and the callers' page (the next member, the script, the questionnaire to fill in
for them, the outcome of the call, and the caller's own past calls)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plenum.auth.permissions import Action, PermissionDenied
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.orgs.service import member_in_by_number
from plenum.parsing import parse_int
from plenum.surveys import campaign as calls
from plenum.surveys.access import (
    campaign_of,
)
from plenum.surveys.answering import questionnaire
from plenum.surveys.answers import read
from plenum.surveys.audience import member_chapters
from plenum.surveys.models import Campaign, Outcome, QuestionKind
from plenum.surveys.seen import Seen, require, seen
from plenum.surveys.service import State, state_of
from plenum.times import local_datetime
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.forms import form_items
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for

NO_CAMPAIGN = N_("This survey has no phone campaign.")
OUTCOMES = {
    Outcome.DECLINED: N_("Reached: does not want to answer"),
    Outcome.NOT_REACHED: N_("Not reached: call again later"),
    Outcome.WRONG_NUMBER: N_("Wrong number"),
    Outcome.DO_NOT_CALL: N_("Do not call again"),
}
OUTCOME_NAMES = {Outcome.ANSWERED: N_("Reached and answered"), **OUTCOMES}


def _campaign(found: Seen, request: Request) -> Campaign:
    campaign = campaign_of(found.at.survey.id or 0, session=db(request))
    if campaign is None:
        raise NotFound(NO_CAMPAIGN)
    return campaign


def _organiser(request: Request) -> tuple[Seen, Campaign]:
    """The survey of the path and its campaign, for those who run it."""
    found = seen(request)
    require(found.may.run_campaign, Action.RUN_CAMPAIGN)
    return found, _campaign(found, request)


# --- the organisers' page ----------------------------------------------------------------------


def campaign_page(request: Request) -> Response:
    found = seen(request)
    require(found.may.run_campaign, Action.RUN_CAMPAIGN)
    return _organisers(request, found)


def _organisers(
    request: Request,
    found: Seen,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    session = db(request)
    campaign = campaign_of(found.at.survey.id or 0, session=session)
    context: dict[str, Any] = {
        "survey": found.at.survey,
        "chapter": found.at.chapter,
        "campaign": campaign,
        "callers": calls.callers(campaign, session=session) if campaign else [],
        "progress": calls.progress(found.at, campaign, session=session) if campaign else [],
        "outcome_names": OUTCOME_NAMES,
        "values": values or {"script": campaign.script if campaign else ""},
        "errors": errors or {},
    }
    return render(request, "surveys/campaign.html", context, status_code)


def _back(request: Request, found: Seen, anchor: str = "") -> Response:
    return see_other(request, path_for(request, "survey_campaign", id=found.at.survey.id) + anchor)


async def create(request: Request) -> Response:
    return await run(request, _create, "script")


def _create(request: Request, values: dict[str, str]) -> Response:
    found = seen(request)
    require(found.may.run_campaign, Action.RUN_CAMPAIGN)
    session = db(request)
    try:
        if campaign_of(found.at.survey.id or 0, session=session) is None:
            calls.create_campaign(
                found.at, values["script"], actor=found.principal.member_id, session=session
            )
    except ValidationFailed as exc:
        return _organisers(request, found, values, exc.errors, 422)
    flash(request, N_("The phone campaign has been set up."))
    return _back(request, found)


async def update_script(request: Request) -> Response:
    return await run(request, _update_script, "script")


def _update_script(request: Request, values: dict[str, str]) -> Response:
    found, campaign = _organiser(request)
    try:
        calls.update_script(found.at, campaign, values["script"], session=db(request))
    except ValidationFailed as exc:
        return _organisers(request, found, values, exc.errors, 422)
    flash(request, N_("The script has been saved."))
    return _back(request, found)


async def add_caller(request: Request) -> Response:
    return await run(request, _add_caller, "member_number")


def _add_caller(request: Request, values: dict[str, str]) -> Response:
    found, campaign = _organiser(request)
    session = db(request)
    try:
        member = member_in_by_number(found.at.chapter, values["member_number"], session=session)
    except ValidationFailed as exc:
        return _organisers(request, found, values, exc.errors, 422)
    calls.add_caller(found.at, campaign, member.id or 0, session=session)
    flash(request, N_("The member can now call for this campaign."))
    return _back(request, found, "#callers")


async def remove_caller(request: Request) -> Response:
    return await run(request, _remove_caller, ASK)


REMOVE_CALLER = Question(
    N_("Remove this caller from the campaign?"),
    N_("They can no longer call for this campaign; their current member is free again."),
    N_("Remove the caller"),
)


def _remove_caller(request: Request, values: dict[str, str]) -> Response:
    found, campaign = _organiser(request)
    back = path_for(request, "survey_campaign", id=found.at.survey.id) + "#callers"
    if wants_asking(values):
        return confirmation(request, REMOVE_CALLER, back=back)
    member_id = request.path_params["member_id"]
    calls.remove_caller(found.at, campaign, member_id, session=db(request))
    flash(request, N_("The caller has been removed."))
    return see_other(request, back)


# --- the callers' page --------------------------------------------------------------------------


def _caller(request: Request) -> tuple[Seen, Campaign]:
    found = seen(request)
    require(found.may.call, Action.CALL)
    return found, _campaign(found, request)


def calls_page(request: Request) -> Response:
    found, campaign = _caller(request)
    return _calls(request, found, campaign)


def _calls(
    request: Request,
    found: Seen,
    campaign: Campaign,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    session = db(request)
    me = found.principal.member_id
    member = calls.current_claim(campaign, me, session=session)
    asked = questionnaire(found.at, member.id, session=session) if member else None
    context: dict[str, Any] = {
        "survey": found.at.survey,
        "campaign": campaign,
        "open": state_of(found.at.survey) == State.OPEN,
        "counties": [(str(c.id), c.name) for c in calls.counties(found.at, session=session)],
        "member": member,
        "chapters": member_chapters([member.id or 0], session=session)[member.id or 0]
        if member
        else [],
        "questions": asked.questions if asked else [],
        "outcomes": OUTCOMES,
        "outcome_names": OUTCOME_NAMES,
        "own": calls.own_calls(campaign, me, session=session),
        "values": values or {},
        "errors": errors or {},
        "may_run": found.may.run_campaign,
    }
    return render(request, "surveys/calls.html", context, status_code)


def _to_calls(request: Request, found: Seen) -> Response:
    return see_other(request, path_for(request, "survey_calls", id=found.at.survey.id))


async def claim(request: Request) -> Response:
    return await run(request, _claim, "county")


def _claim(request: Request, values: dict[str, str]) -> Response:
    found, campaign = _caller(request)
    known = {str(c.id) for c in calls.counties(found.at, session=db(request))}
    if values["county"] and values["county"] not in known:
        errors = {"county": N_("Please choose a county from the list.")}
        return _calls(request, found, campaign, values, errors, 422)
    county = parse_int(values["county"]) if values["county"] else None
    me = found.principal.member_id
    member = calls.claim_next(found.at, campaign, me, county_id=county, session=db(request))
    if member is None:
        flash(request, N_("Nobody is left to call now."))
    return _to_calls(request, found)


async def answers(request: Request) -> Response:
    request.state.pairs = await form_items(request)
    return await run(request, _answers)


def _answers(request: Request, _values: dict[str, str]) -> Response:
    found, campaign = _caller(request)
    session = db(request)
    member_id: int = request.path_params["member_id"]
    pairs: list[tuple[str, str]] = request.state.pairs
    typed = _typed(found, member_id, pairs, request)
    try:
        calls.must_hold(campaign, found.principal.member_id, member_id, session=session)
        asked = questionnaire(found.at, member_id, session=session).questions
        given, errors = read(asked, pairs)
        if errors:
            raise ValidationFailed(errors)
        calls.answer_call(
            found.at, campaign, found.principal.member_id, member_id, given, session=session
        )
    except ValidationFailed as exc:
        return _calls(request, found, campaign, typed, exc.errors, 422)
    flash(request, N_("The answers have been stored. Thank you!"))
    return _to_calls(request, found)


def _typed(
    found: Seen, member_id: int, pairs: list[tuple[str, str]], request: Request
) -> dict[str, Any]:
    """What the caller typed, as the questions' fields show it (lists for multiple choices)."""
    asked = questionnaire(found.at, member_id, session=db(request)).questions
    multiple = {f"q{q.id}" for q in asked if q.kind == QuestionKind.MULTIPLE}
    typed: dict[str, Any] = {}
    for name, value in pairs:
        if name in multiple:
            typed.setdefault(name, []).append(value)
        elif name != "csrf_token":
            typed[name] = value
    return typed


async def outcome(request: Request) -> Response:
    return await run(request, _outcome, "outcome", "call_again_at")


def _outcome(request: Request, values: dict[str, str]) -> Response:
    found, campaign = _caller(request)
    session = db(request)
    errors: dict[str, str] = {}
    again = None
    if values["outcome"] == Outcome.NOT_REACHED:
        again = local_datetime(values, "call_again_at", errors)
    try:
        if errors or values["outcome"] not in OUTCOMES:
            raise ValidationFailed(errors or {"outcome": N_("Please choose how the call ended.")})
        calls.finish_call(
            found.at,
            campaign,
            found.principal.member_id,
            request.path_params["member_id"],
            values["outcome"],
            call_again_at=again,
            session=session,
        )
    except ValidationFailed as exc:
        return _calls(request, found, campaign, values, exc.errors, 422)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        return _calls(request, found, campaign, values, {"form": exc.message}, 409)
    flash(request, N_("The call has been recorded."))
    return _to_calls(request, found)


routes: list[BaseRoute] = [
    Route("/surveys/{id:int}/campaign", campaign_page, name="survey_campaign"),
    Route("/surveys/{id:int}/campaign", create, methods=["POST"], name="survey_campaign_create"),
    Route(
        "/surveys/{id:int}/campaign/script",
        update_script,
        methods=["POST"],
        name="survey_campaign_script",
    ),
    Route(
        "/surveys/{id:int}/campaign/callers",
        add_caller,
        methods=["POST"],
        name="survey_campaign_add_caller",
    ),
    Route(
        "/surveys/{id:int}/campaign/callers/{member_id:int}/delete",
        remove_caller,
        methods=["POST"],
        name="survey_campaign_remove_caller",
    ),
    Route("/surveys/{id:int}/calls", calls_page, name="survey_calls"),
    Route("/surveys/{id:int}/calls/next", claim, methods=["POST"], name="survey_calls_next"),
    Route(
        "/surveys/{id:int}/calls/{member_id:int}/answers",
        answers,
        methods=["POST"],
        name="survey_call_answers",
    ),
    Route(
        "/surveys/{id:int}/calls/{member_id:int}/outcome",
        outcome,
        methods=["POST"],
        name="survey_call_outcome",
    ),
]
