"""Pages of a series: the chapter's list, setting one up, the series page with its
sources and proposals, a session's results, the online week and the phone channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.auth.permissions import Action, PermissionDenied, Principal, may
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.motions.wording import localtime
from plenum.orgs.models import Chapter
from plenum.orgs.service import chapter_by_key, chapter_scope
from plenum.series import feedback, forms, service
from plenum.series.access import NO_SUCH_SERIES, Allowed, SeriesPlace, allowed, series_place
from plenum.series.models import SeriesRoleKind, SeriesSource, SourceKind, WeightKind
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.forms import new_form_key
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for


@dataclass(frozen=True)
class Seen:
    """A series as the current member sees it, with what they may do there."""

    at: SeriesPlace
    principal: Principal
    may: Allowed


def seen(request: Request, *, lock: bool = False) -> Seen:
    """The series of the path, if the member may see it (else 404, as if it did not exist)."""
    principal = require_member(request)
    session = db(request)
    at = series_place(request.path_params["id"], session=session, lock=lock)
    found = allowed(principal, at, session=session)
    if not found.view:
        raise NotFound(NO_SUCH_SERIES)
    return Seen(at, principal, found)


def require(allowed_here: bool, action: Action) -> None:
    if not allowed_here:
        raise PermissionDenied(action.value)


# --- the chapter's series, and a new one --------------------------------------------------------


def _chapter(request: Request) -> tuple[Chapter, Principal]:
    principal = require_member(request)
    return chapter_by_key(request.path_params["key"], session=db(request)), principal


def series_list(request: Request) -> Response:
    chapter, principal = _chapter(request)
    scope = chapter_scope(chapter)
    context = {
        "chapter": chapter,
        "series": [
            one
            for one in service.series_of(chapter, session=db(request))
            if allowed(principal, SeriesPlace(one, chapter), session=db(request)).view
        ],
        "may_manage": may(principal, Action.MANAGE_SERIES, scope),
        "phase_of": service.phase_of,
    }
    return render(request, "series/list.html", context)


def _manager(request: Request) -> Chapter:
    chapter, principal = _chapter(request)
    require(may(principal, Action.MANAGE_SERIES, chapter_scope(chapter)), Action.MANAGE_SERIES)
    return chapter


def new_form(request: Request) -> Response:
    chapter = _manager(request)
    return _series_form(request, chapter, {"max_proposals": "3"}, {})


def _series_form(
    request: Request,
    chapter: Chapter,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {"chapter": chapter, "values": values, "errors": errors}
    return render(request, "series/form.html", context, status_code)


async def create(request: Request) -> Response:
    return await run(request, _create, *forms.SERIES_FIELDS)


def _create(request: Request, values: dict[str, str]) -> Response:
    chapter = _manager(request)
    try:
        data = forms.parse_series(values)
    except ValidationFailed as exc:
        return _series_form(request, chapter, values, exc.errors, 422)
    principal = require_member(request)
    series = service.create_series(chapter, data, actor=principal.member_id, session=db(request))
    flash(request, N_("The series has been set up."))
    return see_other(request, path_for(request, "series", id=series.id))


# --- the series page -------------------------------------------------------------------------


def series_page(request: Request) -> Response:
    return _page(request, seen(request))


def _page(
    request: Request,
    found: Seen,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    form: str = "",
) -> Response:
    session = db(request)
    at = found.at
    context: dict[str, Any] = {
        "at": at,
        "series": at.series,
        "chapter": at.chapter,
        "may": found.may,
        "phase": service.phase_of(at.series),
        "phases": service.phases(at.series),
        "shown": service.overview(at, member_id=found.principal.member_id, session=session),
        "meeting_options": _meeting_options(found, session=session),
        "roles": service.roles(at, session=session) if found.may.manage else [],
        "role_kinds": list(SeriesRoleKind),
        "weight_kinds": list(WeightKind),
        "is_open": service.is_open,
        "is_feedback_open": feedback.is_open,
        "values": values or {},
        "errors": errors or {},
        "form": form,
        "key": new_form_key(),
        "me": found.principal.member_id,
    }
    return render(request, "series/series.html", context, status_code)


def _meeting_options(found: Seen, *, session: Session) -> list[tuple[str, str]]:
    """The meetings that can become sessions, as (id, "title, date") for the select."""
    if not found.may.manage:
        return []
    return [
        (str(meeting.id), f"{meeting.title}, {localtime(meeting.starts_at)}")
        for meeting in service.meetings_to_add(found.at, session=session)
    ]


async def add_source(request: Request) -> Response:
    return await run(request, _add_source, *forms.SOURCE_FIELDS)


def _add_source(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.manage, Action.MANAGE_SERIES)
    try:
        data = forms.parse_source(values)
        service.add_source(found.at, data, session=db(request))
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422, form="source")
    flash(request, N_("The source has been added to the series."))
    return see_other(request, path_for(request, "series", id=found.at.series.id) + "#sources")


async def give_role(request: Request) -> Response:
    return await run(request, _give_role, "member_number", "role")


def _give_role(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.manage, Action.MANAGE_SERIES)
    try:
        service.give_role(
            found.at, values.get("member_number", ""), values.get("role", ""), session=db(request)
        )
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422, form="role")
    flash(request, N_("The function has been given."))
    return see_other(request, path_for(request, "series", id=found.at.series.id) + "#functions")


async def take_role(request: Request) -> Response:
    return await run(request, _take_role, ASK)


TAKE_ROLE = Question(
    N_("Remove this function in the series?"),
    N_("The member loses what the function allows in this series at once."),
    N_("Remove the function"),
)


def _take_role(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.manage, Action.MANAGE_SERIES)
    back = path_for(request, "series", id=found.at.series.id) + "#functions"
    if wants_asking(values):
        return confirmation(request, TAKE_ROLE, back=back)
    service.take_role(found.at, request.path_params["role_id"], session=db(request))
    flash(request, N_("The function has been removed."))
    return see_other(request, back)


# --- a source: results, proposals, supports ----------------------------------------------------


def _source(request: Request, found: Seen) -> SeriesSource:
    return service.source_in(found.at, request.path_params["source_id"], session=db(request))


async def record_attendance(request: Request) -> Response:
    return await run(request, _record_attendance, *forms.ATTENDANCE_FIELDS)


def _record_attendance(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.facilitate, Action.FACILITATE_SESSION)
    source = _source(request, found)
    try:
        counts = forms.parse_attendance(values)
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422, form=f"attendance-{source.id}")
    principal = found.principal
    service.record_attendance(
        found.at, source, counts, actor=principal.member_id, session=db(request)
    )
    flash(request, N_("The attendance has been recorded."))
    return see_other(request, _source_path(request, found, source))


def _source_path(request: Request, found: Seen, source: SeriesSource) -> str:
    return path_for(request, "series", id=found.at.series.id) + f"#source-{source.id}"


async def add_proposal(request: Request) -> Response:
    return await run(request, _add_proposal, *forms.PROPOSAL_FIELDS)


def _add_proposal(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    source = _source(request, found)
    form = f"proposal-{source.id}"
    try:
        data = forms.parse_proposal(
            values,
            weighed=source.kind == SourceKind.MEETING,
            phoned=source.kind == SourceKind.PHONE,
        )
        service.add_proposal(
            found.at, source, data, found.may, principal=found.principal, session=db(request)
        )
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422, form=form)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        return _page(request, found, values, {"form": exc.message}, 409, form=form)
    flash(request, N_("The proposal has been added."))
    return see_other(request, _source_path(request, found, source))


async def support(request: Request) -> Response:
    return await run(request, _support, "support")


def _support(request: Request, values: dict[str, str]) -> Response:
    found = seen(request)
    session = db(request)
    proposal = service.proposal_in(found.at, request.path_params["proposal_id"], session=session)
    wanted = values.get("support") != "0"
    service.set_support(
        found.at, proposal, wanted, found.may, principal=found.principal, session=session
    )
    if wanted:
        flash(request, N_("You support this proposal."))
    else:
        flash(request, N_("You no longer support this proposal."))
    return see_other(
        request, path_for(request, "series", id=found.at.series.id) + f"#p{proposal.id}"
    )


# --- the questionnaire after a session ----------------------------------------------------------


def feedback_form(request: Request) -> Response:
    found = seen(request)
    source = _source(request, found)
    return _feedback_form(request, found, source, {}, {})


def _feedback_form(
    request: Request,
    found: Seen,
    source: SeriesSource,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    session = db(request)
    member = found.principal.member_id
    context = {
        "series": found.at.series,
        "source": source,
        "taking_part": member in feedback.participants(source, session=session),
        "answered": feedback.answered(source, member, session=session),
        "open": feedback.is_open(source),
        "values": values,
        "errors": errors,
    }
    return render(request, "series/feedback_form.html", context, status_code)


async def give_feedback(request: Request) -> Response:
    return await run(request, _give_feedback, *feedback.SCALES, *feedback.CHOICES, "comment")


def _give_feedback(request: Request, values: dict[str, str]) -> Response:
    found = seen(request)
    source = _source(request, found)
    try:
        answers = feedback.parse(values)
        feedback.answer(found.at, source, answers, principal=found.principal, session=db(request))
    except ValidationFailed as exc:
        return _feedback_form(request, found, source, values, exc.errors, 422)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        return _feedback_form(request, found, source, values, {"form": exc.message}, 409)
    flash(request, N_("Thank you! Your answers are stored without your name."))
    return see_other(request, path_for(request, "series", id=found.at.series.id))


def feedback_results(request: Request) -> Response:
    found = seen(request)
    shown = feedback.results(found.at, session=db(request))
    context = {
        "series": found.at.series,
        "shown": shown,
        "raw": found.may.raw,
        "smallest": feedback.SMALLEST,
    }
    return render(request, "series/feedback.html", context)


# --- Meine Daten: answers entered on the phone ---------------------------------------------------


def phone_answers(request: Request) -> Response:
    principal = require_member(request)
    rows = service.entered_for(principal.member_id, session=db(request))
    return render(request, "series/phone_answers.html", {"rows": rows})


async def remove_phone_answer(request: Request) -> Response:
    return await run(request, _remove_phone_answer, ASK)


REMOVE_ANSWER = Question(
    N_("Remove the answer “%(title)s”?"),
    N_("A caller entered it for you. It is removed from the series for good."),
    N_("Remove the answer"),
)


def _remove_phone_answer(request: Request, values: dict[str, str]) -> Response:
    principal = require_member(request)
    session = db(request)
    proposal_id = request.path_params["proposal_id"]
    mine = {p.id: p for p, _series in service.entered_for(principal.member_id, session=session)}
    back = path_for(request, "phone_answers")
    if proposal_id not in mine:
        raise NotFound(N_("This proposal does not exist."))
    if wants_asking(values):
        question = replace(REMOVE_ANSWER, params={"title": mine[proposal_id].title})
        return confirmation(request, question, back=back)
    service.remove_entered(principal.member_id, proposal_id, session=session)
    flash(request, N_("The answer has been removed."))
    return see_other(request, back)


routes = [
    Route("/series/{id:int}/feedback", feedback_results, name="series_feedback"),
    Route(
        "/series/{id:int}/sources/{source_id:int}/feedback",
        feedback_form,
        name="series_feedback_form",
    ),
    Route(
        "/series/{id:int}/sources/{source_id:int}/feedback",
        give_feedback,
        methods=["POST"],
        name="series_give_feedback",
    ),
    Route("/me/phone-answers", phone_answers, name="phone_answers"),
    Route(
        "/me/phone-answers/{proposal_id:int}/delete",
        remove_phone_answer,
        methods=["POST"],
        name="phone_answer_remove",
    ),
    Route("/chapters/{key}/series", series_list, name="chapter_series"),
    Route("/chapters/{key}/series/new", new_form, name="series_new"),
    Route("/chapters/{key}/series", create, methods=["POST"], name="series_create"),
    Route("/series/{id:int}", series_page, name="series"),
    Route("/series/{id:int}/sources", add_source, methods=["POST"], name="series_add_source"),
    Route("/series/{id:int}/roles", give_role, methods=["POST"], name="series_give_role"),
    Route(
        "/series/{id:int}/roles/{role_id:int}/delete",
        take_role,
        methods=["POST"],
        name="series_take_role",
    ),
    Route(
        "/series/{id:int}/sources/{source_id:int}/attendance",
        record_attendance,
        methods=["POST"],
        name="series_attendance",
    ),
    Route(
        "/series/{id:int}/sources/{source_id:int}/proposals",
        add_proposal,
        methods=["POST"],
        name="series_add_proposal",
    ),
    Route(
        "/series/{id:int}/proposals/{proposal_id:int}/support",
        support,
        methods=["POST"],
        name="series_support",
    ),
]
