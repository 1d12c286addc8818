"""Pages of meetings: the list, setting one up, the meeting page with its registration,
the organisers' needs overview, calendar files and the agenda."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.auth.permissions import Action, PermissionDenied, Principal, may
from plenum.clock import utcnow
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.meetings import agenda, calendar, documents, forms, registration, service
from plenum.meetings.access import NO_SUCH_MEETING, Allowed, MeetingPlace, allowed, meeting_place
from plenum.meetings.models import Meeting, Mode, RegistrationStatus
from plenum.meetings.queue import Rule
from plenum.orgs.models import Body, Chapter
from plenum.orgs.service import body_by_key, body_scope, chapter_by_key, chapter_scope
from plenum.parsing import parse_int
from plenum.times import local_input
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for


@dataclass(frozen=True)
class Seen:
    """A meeting as the current member sees it, with what they may do there."""

    at: MeetingPlace
    principal: Principal
    may: Allowed


def seen(request: Request, *, lock: bool = False) -> Seen:
    """The meeting of the path, if the member may see it (else 404, as if it did not exist)."""
    principal = require_member(request)
    session = db(request)
    at = meeting_place(request.path_params["id"], session=session, lock=lock)
    found = allowed(principal, at, session=session)
    if not found.view:
        raise NotFound(NO_SUCH_MEETING)
    return Seen(at, principal, found)


def _needs_link(request: Request) -> bool:
    """Online meetings need a video address only when video is an outside system."""
    return str(request.app.state.video.name) == "link"


def require(allowed_here: bool, action: Action) -> None:
    if not allowed_here:
        raise PermissionDenied(action.value)


# --- the list ------------------------------------------------------------------------------


def meeting_list(request: Request) -> Response:
    principal = require_member(request)
    session = db(request)
    filters, values = _filters(request)
    past = request.query_params.get("when") == "past"
    rows = service.visible_meetings(
        principal, session=session, filters=filters, since=None if past else utcnow()
    )
    if past:
        rows = [at for at in reversed(rows) if at.meeting.ends_at < utcnow()]
    context = {
        "rows": rows,
        "values": values,
        "chapters": service.chapters_for_filter(principal, session=session),
        "modes": list(Mode),
        "past": past,
        "feed_url": service.feed_url(
            principal.member_id, base_url=request.app.state.settings.base_url, session=session
        ),
    }
    return render(request, "meetings/list.html", context)


def _filters(request: Request) -> tuple[service.Filters, dict[str, str]]:
    query = request.query_params
    values = {name: query.get(name, "")[:20] for name in ("chapter", "mode", "month")}
    chapter_id = parse_int(values["chapter"])
    mode = values["mode"] if values["mode"] in tuple(Mode) else ""
    month = service.parse_month(values["month"])
    return service.Filters(chapter_id=chapter_id, mode=mode, month=month), values


def meetings_here(request: Request) -> Response:
    """Upcoming meetings of one chapter (without its bodies') or one body: a page of its
    own, and the part the chapter's and body's pages load into themselves."""
    chapter, body = _where(request)
    principal = require_member(request)
    scope = body_scope(body, chapter) if body else chapter_scope(chapter)
    context = {
        "chapter": chapter,
        "body": body,
        "rows": service.meetings_of(chapter, body, principal, session=db(request)),
        "organise": may(principal, Action.MANAGE_MEETINGS, scope),
    }
    return render(request, "meetings/here.html", context)


# --- setting up ----------------------------------------------------------------------------


def _where(request: Request) -> tuple[Chapter, Body | None]:
    session = db(request)
    if request.url.path.startswith("/bodies/"):
        body, chapter = body_by_key(request.path_params["key"], session=session)
        return chapter, body
    return chapter_by_key(request.path_params["key"], session=session), None


def _organiser(request: Request, chapter: Chapter, body: Body | None) -> Principal:
    principal = require_member(request)
    scope = body_scope(body, chapter) if body else chapter_scope(chapter)
    require(may(principal, Action.MANAGE_MEETINGS, scope), Action.MANAGE_MEETINGS)
    return principal


def new_form(request: Request) -> Response:
    chapter, body = _where(request)
    _organiser(request, chapter, body)
    values = {
        "mode": Mode.HYBRID.value,
        "audience": "body" if body else "chapter",
        "speaker_rule": Rule.ZIPPER.value,
    }
    return _form(request, chapter, body, None, values, {})


def _form(
    request: Request,
    chapter: Chapter,
    body: Body | None,
    meeting: Meeting | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "chapter": chapter,
        "body": body,
        "meeting": meeting,
        "values": values,
        "errors": errors,
        "rules": list(Rule),
    }
    return render(request, "meetings/form.html", context, status_code)


async def create(request: Request) -> Response:
    return await run(request, _create, *forms.MEETING_FIELDS)


def _create(request: Request, values: dict[str, str]) -> Response:
    chapter, body = _where(request)
    principal = _organiser(request, chapter, body)
    try:
        data = forms.parse_meeting(
            values, has_body=body is not None, needs_link=_needs_link(request)
        )
    except ValidationFailed as exc:
        return _form(request, chapter, body, None, values, exc.errors, 422)
    meeting = service.create_meeting(
        chapter, body, data, actor=principal.member_id, session=db(request)
    )
    flash(request, N_("The meeting has been set up."))
    return see_other(request, path_for(request, "meeting", id=meeting.id))


def edit_form(request: Request) -> Response:
    found = seen(request)
    require(found.may.manage, Action.MANAGE_MEETINGS)
    values = form_values(found.at.meeting)
    return _form(request, found.at.chapter, found.at.body, found.at.meeting, values, {})


def form_values(meeting: Meeting) -> dict[str, str]:
    values = {name: str(getattr(meeting, name) or "") for name in forms.MEETING_FIELDS}
    for name in forms.FACILITIES:
        values[name] = "1" if getattr(meeting, name) else ""
    for name in ("starts_at", "ends_at", "registration_deadline"):
        moment = getattr(meeting, name)
        values[name] = local_input(moment) if moment else ""
    return values


async def update(request: Request) -> Response:
    return await run(request, _update, *forms.MEETING_FIELDS)


def _update(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.manage, Action.MANAGE_MEETINGS)
    at = found.at
    try:
        data = forms.parse_meeting(
            values, has_body=at.body is not None, needs_link=_needs_link(request)
        )
        version = parse_int(values.get("lock_version", "")) or 0
        service.update_meeting(at, data, lock_version=version, session=db(request))
    except ValidationFailed as exc:
        return _form(request, at.chapter, at.body, at.meeting, values, exc.errors, 422)
    except DomainError as exc:
        flash(request, exc.message)
        return see_other(request, path_for(request, "meeting", id=at.meeting.id))
    flash(request, N_("The meeting has been changed; the registered members are told."))
    return see_other(request, path_for(request, "meeting", id=at.meeting.id))


async def cancel_meeting(request: Request) -> Response:
    return await run(request, _cancel_meeting, ASK)


CANCEL = Question(
    N_("Cancel the meeting “%(title)s”?"),
    N_("Everyone registered is told at once. A cancelled meeting cannot be opened again."),
    N_("Cancel the meeting"),
)


def _cancel_meeting(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.manage, Action.MANAGE_MEETINGS)
    if wants_asking(values):
        question = replace(CANCEL, params={"title": found.at.meeting.title})
        back = path_for(request, "meeting", id=found.at.meeting.id)
        return confirmation(request, question, back=back, values=values)
    service.cancel_meeting(found.at, session=db(request))
    flash(request, N_("The meeting has been cancelled; the registered members are told."))
    return see_other(request, path_for(request, "meeting", id=found.at.meeting.id))


# --- the meeting page and registration -------------------------------------------------------


def meeting_page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = seen(request)
    return _page(request, found, values, errors, status_code)


def _page(
    request: Request,
    found: Seen,
    values: dict[str, str] | None,
    errors: dict[str, str] | None,
    status_code: int = 200,
) -> Response:
    session = db(request)
    meeting = found.at.meeting
    mine = registration.registration_of(meeting.id or 0, found.principal.member_id, session=session)
    needs = registration.needs_of(mine.id or 0, session=session) if mine else None
    registered = mine is not None and mine.status == RegistrationStatus.REGISTERED
    items = agenda.items_of(meeting.id or 0, session=session)
    context = {
        "at": found.at,
        "meeting": meeting,
        "may": found.may,
        "mine": mine,
        "needs": needs,
        "values": values if values is not None else _registration_values(mine, needs),
        "errors": errors or {},
        "channels": forms.channels_of(meeting.mode),
        "counts": registration.counts(found.at, session=session),
        "items": items,
        "documents": documents.documents_of(items, session=session),
        "video_visible": service.video_link_visible(meeting, registered),
        "open_for_registration": service.registration_open(meeting),
        "check_in_svg": service.check_in_svg(mine.check_in_code) if registered and mine else "",
        "roles": service.meeting_roles(found.at, session=session) if found.may.manage else [],
    }
    return render(request, "meetings/meeting.html", context, status_code, block="register")


def _registration_values(mine: Any, needs: Any) -> dict[str, str]:
    values = {"channel": mine.channel if mine else ""}
    if needs is not None:
        values |= {
            "children": str(needs.children or ""),
            "children_ages": needs.children_ages,
            "accessibility": needs.accessibility,
            "interpretation": needs.interpretation,
            "note": needs.note,
        }
    return values


async def register(request: Request) -> Response:
    return await run(request, _register, *forms.REGISTRATION_FIELDS)


def _register(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.register, Action.REGISTER)
    at = found.at
    try:
        data = forms.parse_registration(values, forms.channels_of(at.meeting.mode))
        done = registration.register(at, found.principal.member_id, data, session=db(request))
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422)
    except DomainError as exc:
        return _page(request, found, values, {"channel": exc.message}, 409)
    if done.status == RegistrationStatus.WAITING:
        flash(request, N_("The meeting is full: you are on the waiting list."))
    else:
        flash(request, N_("You are registered."))
    return see_other(request, path_for(request, "meeting", id=at.meeting.id))


async def unregister(request: Request) -> Response:
    return await run(
        request, _own_registration(registration.cancel, N_("Your registration has been cancelled."))
    )


async def confirm(request: Request) -> Response:
    return await run(
        request, _own_registration(registration.confirm_offer, N_("You are registered."))
    )


def _own_registration(step: Any, done: str) -> Any:
    """A step on the member's own registration (cancel it, confirm an offered seat);
    a refusal goes back to the meeting with its reason and changes nothing."""

    def handler(request: Request, _values: dict[str, str]) -> Response:
        found = seen(request, lock=True)
        require(found.may.register, Action.REGISTER)
        try:
            step(found.at, found.principal.member_id, session=db(request))
        except DomainError as exc:
            flash(request, exc.message)
            return see_other(request, path_for(request, "meeting", id=found.at.meeting.id))
        flash(request, done)
        return see_other(request, path_for(request, "meeting", id=found.at.meeting.id))

    return handler


def needs_page(request: Request) -> Response:
    found = seen(request)
    require(found.may.needs, Action.SEE_NEEDS)
    session = db(request)
    show_all = request.query_params.get("show") == "all"
    context = {
        "at": found.at,
        "meeting": found.at.meeting,
        "overview": registration.needs_overview(found.at, session=session),
        "rows": registration.needs_list(found.at, session=session) if show_all else [],
        "show_all": show_all,
    }
    return render(request, "meetings/needs.html", context)


async def give_role(request: Request) -> Response:
    return await run(request, _give_role, "member_number", "role")


def _give_role(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.manage, Action.MANAGE_MEETINGS)
    try:
        service.give_role(
            found.at, values.get("member_number", ""), values.get("role", ""), session=db(request)
        )
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422)
    flash(request, N_("The function has been given."))
    return see_other(request, path_for(request, "meeting", id=found.at.meeting.id))


async def take_role(request: Request) -> Response:
    return await run(request, _take_role, ASK)


TAKE_ROLE = Question(
    N_("Remove this role at the meeting?"),
    N_(
        "The member loses what the role allows at this meeting at once."
        " To give it back, assign it again."
    ),
    N_("Remove the role"),
)


def _take_role(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.manage, Action.MANAGE_MEETINGS)
    if wants_asking(values):
        back = path_for(request, "meeting", id=found.at.meeting.id)
        return confirmation(request, TAKE_ROLE, back=back)
    try:
        service.take_role(found.at, request.path_params["role_id"], session=db(request))
    except DomainError as exc:
        flash(request, exc.message)
    return see_other(request, path_for(request, "meeting", id=found.at.meeting.id))


# --- calendars ------------------------------------------------------------------------------


def _calendar(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def meeting_ics(request: Request) -> Response:
    found = seen(request)
    settings = request.app.state.settings
    content = calendar.meeting_ics(
        found.at.meeting, base_url=settings.base_url, chapter_name=found.at.chapter.name
    )
    return _calendar(content, f"meeting-{found.at.meeting.id}.ics")


def feed(request: Request) -> Response:
    """The member's private feed: the token in the path is the only key (calendar apps
    send no cookies); an unknown or revoked token gets 404."""
    session = db(request)
    member_id = calendar.member_by_feed_token(request.path_params["token"], session=session)
    if member_id is None:
        raise NotFound(N_("This calendar does not exist (any more)."))
    settings = request.app.state.settings
    content = calendar.feed_ics(member_id, session=session, base_url=settings.base_url)
    return _calendar(content, "plenum.ics")


async def renew_feed(request: Request) -> Response:
    return await run(request, _renew_feed)


def _renew_feed(request: Request, _values: dict[str, str]) -> Response:
    principal = require_member(request)
    calendar.renew_feed_token(principal.member_id, session=db(request))
    flash(request, N_("Your calendar has a new address; the old one no longer works."))
    return see_other(request, path_for(request, "meetings"))


routes = [
    Route("/meetings", meeting_list, name="meetings"),
    Route("/meetings/calendar/renew", renew_feed, methods=["POST"], name="calendar_renew"),
    Route("/calendar/{token}.ics", feed, name="calendar_feed"),
    Route("/chapters/{key}/meetings", meetings_here, name="chapter_meetings"),
    Route("/bodies/{key}/meetings", meetings_here, name="body_meetings"),
    Route("/chapters/{key}/meetings/new", new_form, name="chapter_meeting_new"),
    Route("/chapters/{key}/meetings", create, methods=["POST"], name="chapter_meeting_create"),
    Route("/bodies/{key}/meetings/new", new_form, name="body_meeting_new"),
    Route("/bodies/{key}/meetings", create, methods=["POST"], name="body_meeting_create"),
    Route("/meetings/{id:int}", meeting_page, name="meeting"),
    Route("/meetings/{id:int}/edit", edit_form, name="meeting_edit"),
    Route("/meetings/{id:int}/edit", update, methods=["POST"], name="meeting_update"),
    Route("/meetings/{id:int}/cancel", cancel_meeting, methods=["POST"], name="meeting_cancel"),
    Route("/meetings/{id:int}/register", register, methods=["POST"], name="meeting_register"),
    Route("/meetings/{id:int}/unregister", unregister, methods=["POST"], name="meeting_unregister"),
    Route("/meetings/{id:int}/confirm", confirm, methods=["POST"], name="meeting_confirm"),
    Route("/meetings/{id:int}/needs", needs_page, name="meeting_needs"),
    Route("/meetings/{id:int}/roles", give_role, methods=["POST"], name="meeting_role_give"),
    Route(
        "/meetings/{id:int}/roles/{role_id:int}/remove",
        take_role,
        methods=["POST"],
        name="meeting_role_take",
    ),
    Route("/meetings/{id:int}/meeting.ics", meeting_ics, name="meeting_ics"),
]
