"""Pages of calls for motions and motions: lists, forms, the motion page, steps, exports."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import authorize, principal, require_member
from plenum.auth.permissions import Action, PermissionDenied, Principal, may
from plenum.discuss import service as discussion
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.i18n import gettext, ngettext
from plenum.motions import (
    amendments,
    attachments,
    diff,
    exports,
    forms,
    lines,
    management,
    resolutions,
    service,
)
from plenum.motions.limits import check_rate, invitation_quota
from plenum.motions.models import DECISIONS, MotionType, Recommendation, Status, Submitter
from plenum.motions.wording import LineNote
from plenum.orgs.service import body_by_key, body_scope, chapter_scope
from plenum.parsing import parse_int, parse_ints
from plenum.votes import service as votes
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.forms import form_items, new_form_key
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for

# --- calls --------------------------------------------------------------------------------


def _call_choices() -> dict[str, Any]:
    return {"motion_types": list(MotionType), "submitter_kinds": list(Submitter)}


def call_new_form(request: Request) -> Response:
    body, chapter = body_by_key(request.path_params["key"], session=db(request))
    authorize(request, Action.MANAGE_CALLS, body_scope(body, chapter))
    values = {"line_length": "80", "supporters_required": "0", "type_motion": "1"}
    values |= {"submitter_members": "1", "amendment_numbering": "sequential"}
    values |= {f"prefix_{t.value}": p for t, p in zip(MotionType, "ABSF", strict=True)}
    return _call_form(request, body=body, call=None, values=values, errors={})


def _call_form(
    request: Request,
    *,
    body: Any,
    call: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {"body": body, "call": call, "values": values, "errors": errors, **_call_choices()}
    return render(request, "motions/call_form.html", context, status_code, block="form")


async def call_create(request: Request) -> Response:
    return await run(request, _call_create, *forms.CALL_FIELDS)


def _call_create(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    body, chapter = body_by_key(request.path_params["key"], session=session)
    found = authorize(request, Action.MANAGE_CALLS, body_scope(body, chapter))
    try:
        call = service.create_call(
            body, forms.parse_call(values), actor=found.member_id, session=session
        )
    except ValidationFailed as exc:
        return _call_form(
            request, body=body, call=None, values=values, errors=exc.errors, status_code=422
        )
    flash(request, N_("The call for motions has been opened."))
    return see_other(request, path_for(request, "call", id=call.id))


def call_edit_form(request: Request) -> Response:
    place = service.call_place(request.path_params["id"], session=db(request))
    authorize(request, Action.MANAGE_CALLS, place.body_scope)
    values = service.call_values(place.call)
    return _call_form(request, body=place.body, call=place.call, values=values, errors={})


async def call_update(request: Request) -> Response:
    return await run(request, _call_update, *forms.CALL_FIELDS)


def _call_update(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    place = service.call_place(request.path_params["id"], session=session)
    authorize(request, Action.MANAGE_CALLS, place.body_scope)
    try:
        service.update_call(place.call, forms.parse_call(values), session=session)
    except ValidationFailed as exc:
        return _call_form(
            request,
            body=place.body,
            call=place.call,
            values=values,
            errors=exc.errors,
            status_code=422,
        )
    flash(request, N_("The changes have been saved."))
    return see_other(request, path_for(request, "call", id=place.call.id))


def calls_of_body(request: Request) -> Response:
    session = db(request)
    body, chapter = body_by_key(request.path_params["key"], session=session)
    found = authorize(request, Action.VIEW_MOTIONS, chapter_scope(chapter))
    context = {
        "body": body,
        "chapter": chapter,
        "calls": service.calls_of(body, session=session),
        "can_manage": may(found, Action.MANAGE_CALLS, body_scope(body, chapter)),
    }
    return render(request, "motions/calls.html", context)


def call_page(request: Request) -> Response:
    session = db(request)
    place = service.call_place(request.path_params["id"], session=session)
    found = authorize(request, Action.VIEW_MOTIONS, place.chapter_scope)
    status = request.query_params.get("status", "")
    status = status if status in {s.value for s in Status} else ""
    context = {
        "place": place,
        "rows": service.motions_of_call(place, principal=found, session=session, status=status),
        "drafts": service.my_drafts(place, principal=found, session=session),
        "status_filter": status,
        "statuses": list(Status),
        "can_submit": service.may_submit(found, place, session=session) and place.motions_open(),
        "can_manage_motions": management.may_manage(place, found),
        "can_manage": may(found, Action.MANAGE_CALLS, place.body_scope),
    }
    return render(request, "motions/call.html", context, block="motion_list")


# --- motion form ----------------------------------------------------------------------------


def motion_new_form(request: Request) -> Response:
    session = db(request)
    place = service.call_place(request.path_params["id"], session=session)
    found = require_member(request)
    if not service.may_submit(found, place, session=session):
        raise PermissionDenied(Action.SUBMIT_AS_MEMBER.value)
    values = {
        "type": place.types[0] if place.types else "",  # the first type: the usual one
        "lock_version": "0",
        "key": new_form_key(),
    }
    return _motion_form(request, place=place, motion=None, values=values, errors={})


def _motion_form(
    request: Request,
    *,
    place: service.CallPlace,
    motion: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    preview: lines.Layout | None = None,
    stale: dict[str, str] | None = None,
) -> Response:
    context = {
        "place": place,
        "motion": motion,
        "values": values,
        "errors": errors,
        "preview": preview,
        "stale": stale,
        "motion_types": place.types,
        "groups": service.working_groups(principal(request), place, session=db(request)),
    }
    return render(request, "motions/motion_form.html", context, status_code, block="form")


async def motion_create(request: Request) -> Response:
    return await run(request, _motion_create, *forms.MOTION_FIELDS)


def _motion_create(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    place = service.call_place(request.path_params["id"], session=session)
    found = require_member(request)
    if not service.may_submit(found, place, session=session):
        raise PermissionDenied(Action.SUBMIT_AS_MEMBER.value)
    try:
        data = forms.parse_motion(values, place.types)
        if values["action"] == "preview":
            preview = lines.layout(data.text, place.call.line_length)
            return _motion_form(
                request, place=place, motion=None, values=values, errors={}, preview=preview
            )
        check_rate(request, "motion", found.member_id, form=data.key)
        quota = invitation_quota(request, found.member_id)
        motion = service.save_draft(place, data, principal=found, session=session, quota=quota)
        if values["action"] == "submit":
            service.submit(motion, place, principal=found, session=session)
    except service.AlreadySaved as exc:
        flash(request, exc.message)
        return see_other(request, path_for(request, "motion", id=exc.found.id))
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _motion_form(
            request, place=place, motion=None, values=values, errors=_errors(exc), status_code=422
        )
    flash(request, _saved_message(values["action"]))
    return see_other(request, path_for(request, "motion", id=motion.id))


def _errors(exc: DomainError) -> dict[str, str]:
    return exc.errors if isinstance(exc, ValidationFailed) else {"_form": exc.message}


def _saved_message(action: str) -> str:
    if action == "submit":
        return N_("Your motion has been submitted.")
    return N_("Your draft has been saved. You can continue it later.")


def motion_edit_form(request: Request) -> Response:
    session = db(request)
    at = service.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    if not service.require_view(at.motion, at.place, principal=found, session=session):
        raise PermissionDenied("motion.edit")
    values = service.motion_values(at.motion, session=session)
    return _motion_form(request, place=at.place, motion=at.motion, values=values, errors={})


async def motion_update(request: Request) -> Response:
    return await run(request, _motion_update, *forms.MOTION_FIELDS)


def _motion_update(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at = service.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    if not service.require_view(at.motion, at.place, principal=found, session=session):
        raise PermissionDenied("motion.edit")
    form: dict[str, Any] = {"place": at.place, "motion": at.motion, "values": values}
    try:
        data = forms.parse_motion(values, at.place.types)
        if values["action"] == "preview":
            preview = lines.layout(data.text, at.place.call.line_length)
            return _motion_form(request, **form, errors={}, preview=preview)
        service.update_motion(
            at.motion,
            at.place,
            data,
            expected_version=forms.lock_version(values),
            principal=found,
            session=session,
            quota=invitation_quota(request, found.member_id),
        )
        if values["action"] == "submit":
            service.submit(at.motion, at.place, principal=found, session=session)
    except service.StaleEdit as exc:
        session.rollback()
        return _motion_form(
            request, **form, errors=_errors(exc), status_code=409, stale=exc.current
        )
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _motion_form(request, **form, errors=_errors(exc), status_code=422)
    flash(
        request,
        _saved_message(values["action"])
        if values["action"] == "submit"
        else N_("The changes have been saved."),
    )
    return see_other(request, path_for(request, "motion", id=at.motion.id))


def _seen(request: Request) -> tuple[service.MotionPlace, Principal, bool]:
    """The motion of the path if the member may see it, and whether they propose it."""
    session = db(request)
    at = service.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    proposer = service.require_view(at.motion, at.place, principal=found, session=session)
    return at, found, proposer


# --- the motion page ------------------------------------------------------------------------


def motion_page(request: Request) -> Response:
    session = db(request)
    at = service.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    named = service.viewer(at.motion, at.place, principal=found, session=session)
    undecided = request.query_params.get("filter") == "open"
    context = _motion_context(at, found, named, session=session)
    context["rows"] = amendments.amendments_of(
        at.motion, at.place, principal=found, session=session, undecided_only=undecided
    )
    context["undecided_only"] = undecided
    context["notes"] = _line_notes(context["rows"], context["thread_id"], context["quoted"])
    return render(request, "motions/motion.html", context, block="amendment_list")


def _line_notes(
    rows: list[amendments.AmendmentRow], thread_id: int | None, quoted: dict[int, int]
) -> dict[int, list[LineNote]]:
    """The margin of the numbered text: each amendment the member sees at its first line,
    and how many comments quote a passage that starts at a line."""
    notes: dict[int, list[LineNote]] = {}
    for row in rows:
        number = row.amendment.number or ""
        note = LineNote(
            number.rsplit("-", 1)[-1],
            f"/amendments/{row.amendment.id}",
            gettext("Amendment %(number)s starts here", number=number),
        )
        notes.setdefault(row.amendment.first_line, []).append(note)
    for line, count in quoted.items():
        spoken = ngettext("comment quotes this line", "comments quote this line", count)
        note = LineNote(str(count), f"/threads/{thread_id}", spoken, "quotes")
        notes.setdefault(line, []).append(note)
    return notes


def _motion_context(
    at: service.MotionPlace, found: Principal, named: service.Named, *, session: Any
) -> dict[str, Any]:
    motion, place = at.motion, at.place
    proposer = named.proposer
    version = service.current_version(motion, session=session)
    layout = (
        service.version_layout(version)
        if version
        else lines.layout(motion.text, place.call.line_length)
    )
    supporters = service.supporters_of(motion, session=session)
    thread_id, quoted = discussion.quoted_lines(motion.id or 0, session=session)
    return {
        "thread_id": thread_id,  # the motion's discussion, its newest comments, a reply box
        "quoted": quoted,
        "latest": discussion.latest(thread_id, session=session) if thread_id else [],
        "reply_key": new_form_key(),
        "motion": motion,
        "place": place,
        "version": version,
        "layout": layout,
        "proposers": named.proposers,
        "invited": named.invited,
        "is_proposer": proposer,
        "supporters": supporters,
        "i_support": any(m.id == found.member_id for m in supporters),
        "support_open": place.motions_open(),
        "can_support": motion.status in (Status.COLLECTING, Status.SUBMITTED)
        and not proposer
        and may(found, Action.SUPPORT, place.chapter_scope),
        "history": service.history(motion, session=session),
        "steps": service.allowed_steps(motion.status, place, principal=found, proposer=proposer),
        "attachments": attachments.listed(motion, session=session),
        "can_edit": proposer
        and motion.status in (Status.DRAFT, Status.COLLECTING, Status.SUBMITTED),
        "can_submit": proposer and motion.status == Status.DRAFT,
        "can_amend": version is not None
        and motion.status in (Status.PUBLISHED, Status.RECOMMENDED)
        and place.amendments_open()
        and service.may_submit(found, place, session=session),
        "can_merge": may(found, Action.MERGE, place.body_scope)
        and bool(amendments.mergeable(motion, session=session)),
        "recommendations": list(Recommendation),
        "decisions": list(DECISIONS),
        "resolution": resolutions.resolution_of(motion, session=session),
        "subject_votes": votes.votes_on(motion, place.chapter, place.body, found, session=session),
        "discussion": discussion.summary(
            motion_id=motion.id, member_id=found.member_id, session=session
        ),
        "modified": diff.inline_diff(layout, motion.modified_text, only_changed=True)
        if motion.modified_text
        else [],
        "can_accept": proposer
        and motion.recommendation == Recommendation.ADOPT_MODIFIED
        and not motion.modified_accepted,
    }


async def motion_submit(request: Request) -> Response:
    return await run(request, _motion_submit)


def _motion_submit(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at, found, _proposer = _seen(request)
    service.submit(at.motion, at.place, principal=found, session=session)
    flash(request, N_("Your motion has been submitted."))
    return see_other(request, path_for(request, "motion", id=at.motion.id))


async def motion_delete(request: Request) -> Response:
    return await run(request, _motion_delete, ASK)


DELETE_DRAFT = Question(
    N_("Delete the draft “%(title)s”?"),
    N_("The draft and its attachments are deleted for good."),
    N_("Delete the draft"),
)
WITHDRAW = Question(
    N_("Withdraw the motion “%(title)s”?"),
    N_(
        "The motion will not be decided. Its supporters and co-proposers are told."
        " A withdrawn motion cannot be submitted again; write a new one instead."
    ),
    N_("Withdraw the motion"),
)


def _asked(
    request: Request, at: service.MotionPlace, question: Question, values: dict[str, str]
) -> Response:
    back = path_for(request, "motion", id=at.motion.id)
    asked = replace(question, params={"title": at.motion.title})
    return confirmation(request, asked, back=back, values=values)


def _motion_delete(request: Request, values: dict[str, str]) -> Response:
    at, found, proposer = _seen(request)
    if wants_asking(values) and proposer and at.motion.status == Status.DRAFT:
        return _asked(request, at, DELETE_DRAFT, values)
    service.delete_draft(at.motion, principal=found, session=db(request))
    flash(request, N_("The draft has been deleted."))
    return see_other(request, path_for(request, "call", id=at.place.call.id))


async def motion_invitation(request: Request) -> Response:
    return await run(request, _motion_invitation, "answer")


def _motion_invitation(request: Request, values: dict[str, str]) -> Response:
    at, found, _proposer = _seen(request)
    accept = values["answer"] == "accept"
    service.answer_invitation(at.motion, at.motion, accept, principal=found, session=db(request))
    flash(request, N_("You are now a co-proposer.") if accept else N_("You have declined."))
    return see_other(request, path_for(request, "motion", id=at.motion.id))


async def motion_support(request: Request) -> Response:
    return await run(request, _motion_support)


def _motion_support(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at, found, _proposer = _seen(request)
    before = at.motion.status
    now = service.toggle_support(at.motion, at.place, principal=found, session=session)
    flash(
        request, N_("You support this motion.") if now else N_("You no longer support this motion.")
    )
    if before == Status.COLLECTING and at.motion.status == Status.SUBMITTED:
        # the last support needed sends it to screening; supporters keep reading it
        flash(request, N_("The motion has enough supporters now and goes to screening."))
    return see_other(request, path_for(request, "motion", id=at.motion.id))


async def motion_step(request: Request) -> Response:
    return await run(request, _motion_step, *forms.TRANSITION_FIELDS, ASK)


def _motion_step(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at, found, proposer = _seen(request)
    withdrawing = request.path_params["step"] == "withdraw" and wants_asking(values)
    if withdrawing and proposer and at.motion.status in service.WITHDRAWABLE:
        return _asked(request, at, WITHDRAW, values)
    try:
        data = forms.parse_transition(values)
        service.transition(
            at.motion, at.place, request.path_params["step"], data, principal=found, session=session
        )
    except ValidationFailed as exc:
        session.rollback()
        named = service.viewer(at.motion, at.place, principal=found, session=session)
        context = _motion_context(at, found, named, session=session)
        context |= {
            "rows": [],
            "undecided_only": False,
            "step_values": values,
            "step_errors": exc.errors,
        }
        context["failed_step"] = request.path_params["step"]
        return render(request, "motions/motion.html", context, 422)
    flash(request, N_("The status has been changed."))
    return see_other(request, path_for(request, "motion", id=at.motion.id))


async def motion_accept(request: Request) -> Response:
    return await run(request, _motion_accept, "lock_version")


def _motion_accept(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at, found, _proposer = _seen(request)
    proposers = service.proposers_of(at.motion, session=session)
    service.accept_modified(
        at.motion,
        at.motion,
        proposers,
        expected_version=forms.lock_version(values),
        principal=found,
        session=session,
    )
    flash(request, N_("You have accepted the modified text."))
    return see_other(request, path_for(request, "motion", id=at.motion.id))


def versions_page(request: Request) -> Response:
    session = db(request)
    at, _found, _proposer = _seen(request)
    versions = service.versions_of(at.motion, session=session)
    numbers = {v.number: v for v in versions}
    older = numbers.get(_int(request.query_params.get("from")), versions[0] if versions else None)
    newer = numbers.get(_int(request.query_params.get("to")), versions[-1] if versions else None)
    comparison = service.compare(older, newer.text) if older and newer else []
    context = {
        "motion": at.motion,
        "place": at.place,
        "versions": versions,
        "older": older,
        "newer": newer,
        "comparison": comparison,
    }
    return render(request, "motions/versions.html", context)


def _int(raw: str | None) -> int:
    return parse_int(raw) or 0


# --- merge ----------------------------------------------------------------------------------


def _mergeable_motion(request: Request) -> tuple[service.MotionPlace, Principal]:
    """The motion of the path, if the member may see it and merge into it."""
    at, _found, _proposer = _seen(request)
    return at, authorize(request, Action.MERGE, at.place.body_scope)


def merge_page(request: Request) -> Response:
    session = db(request)
    at, _found = _mergeable_motion(request)
    candidates = amendments.mergeable(at.motion, session=session)
    chosen = [a.id or 0 for a in candidates]
    return _merge_view(request, at, candidates, chosen, text=None, errors={})


def _merge_view(
    request: Request,
    at: service.MotionPlace,
    candidates: list[Any],
    chosen: list[int],
    *,
    text: str | None,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    session = db(request)
    preview = amendments.merge_preview(at, chosen, session=session) if chosen else None
    merged_text = text if text is not None else (preview.text if preview else "")
    current = service.current_version(at.motion, session=session)
    comparison = service.compare(current, merged_text) if current and merged_text else []
    context = {
        "motion": at.motion,
        "place": at.place,
        "candidates": candidates,
        "chosen": set(chosen),
        "preview": preview,
        "merged_text": merged_text,
        "comparison": comparison,
        "errors": errors,
        "current": current,
    }
    return render(request, "motions/merge.html", context, status_code)


async def merge_submit(request: Request) -> Response:
    items = await form_items(request)
    request.state.merge_chosen = parse_ints(v for k, v in items if k == "amendment")
    request.state.merge_resolved = parse_ints(v for k, v in items if k == "resolved")
    return await run(request, _merge_submit, "action", "text", "expected_version")


def _merge_submit(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at, found = _mergeable_motion(request)
    candidates = amendments.mergeable(at.motion, session=session)
    chosen: list[int] = request.state.merge_chosen
    if values["action"] != "commit":
        return _merge_view(request, at, candidates, chosen, text=None, errors={})
    try:
        amendments.merge_commit(
            at,
            values["text"],
            chosen,
            resolved_ids=request.state.merge_resolved,
            expected_version_id=_int(values["expected_version"]),
            principal=found,
            session=session,
        )
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _merge_view(
            request,
            at,
            candidates,
            chosen,
            text=values["text"],
            errors=_errors(exc),
            status_code=422,
        )
    flash(request, N_("A new version of the motion has been saved."))
    return see_other(request, path_for(request, "motion", id=at.motion.id))


# --- exports --------------------------------------------------------------------------------


def motion_pdf(request: Request) -> Response:
    session = db(request)
    at, found, _proposer = _seen(request)
    data = exports.motion_pdf(at, principal=found, session=session)
    name = f"{at.motion.number or 'antrag'}.pdf"
    return _download(data, "application/pdf", name)


def call_book_pdf(request: Request) -> Response:
    session = db(request)
    place = service.call_place(request.path_params["id"], session=session)
    found = authorize(request, Action.VIEW_MOTIONS, place.chapter_scope)
    return _download(
        exports.book_pdf(place, principal=found, session=session),
        "application/pdf",
        "antragsbuch.pdf",
    )


def call_csv(request: Request) -> Response:
    session = db(request)
    place = service.call_place(request.path_params["id"], session=session)
    found = authorize(request, Action.VIEW_MOTIONS, place.chapter_scope)
    data = exports.call_csv(place, principal=found, session=session)
    return _download(data.encode("utf-8-sig"), "text/csv; charset=utf-8", "antraege.csv")


def _download(data: bytes, media_type: str, filename: str) -> Response:
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "download"
    headers = {"Content-Disposition": f'attachment; filename="{safe}"'}
    return Response(data, media_type=media_type, headers=headers)


routes = [
    Route("/bodies/{key}/calls", calls_of_body, name="calls"),
    Route("/bodies/{key}/calls/new", call_new_form, name="call_new"),
    Route("/bodies/{key}/calls/new", call_create, methods=["POST"], name="call_create"),
    Route("/calls/{id:int}", call_page, name="call"),
    Route("/calls/{id:int}/edit", call_edit_form, name="call_edit"),
    Route("/calls/{id:int}/edit", call_update, methods=["POST"], name="call_update"),
    Route("/calls/{id:int}/motions/new", motion_new_form, name="motion_new"),
    Route("/calls/{id:int}/motions/new", motion_create, methods=["POST"], name="motion_create"),
    Route("/calls/{id:int}/motions.csv", call_csv, name="call_csv"),
    Route("/calls/{id:int}/book.pdf", call_book_pdf, name="call_book"),
    Route("/motions/{id:int}", motion_page, name="motion"),
    Route("/motions/{id:int}/edit", motion_edit_form, name="motion_edit"),
    Route("/motions/{id:int}/edit", motion_update, methods=["POST"], name="motion_update"),
    Route("/motions/{id:int}/submit", motion_submit, methods=["POST"], name="motion_submit"),
    Route("/motions/{id:int}/delete", motion_delete, methods=["POST"], name="motion_delete"),
    Route(
        "/motions/{id:int}/invitation",
        motion_invitation,
        methods=["POST"],
        name="motion_invitation",
    ),
    Route("/motions/{id:int}/support", motion_support, methods=["POST"], name="motion_support"),
    Route("/motions/{id:int}/steps/{step}", motion_step, methods=["POST"], name="motion_step"),
    Route("/motions/{id:int}/accept", motion_accept, methods=["POST"], name="motion_accept"),
    Route("/motions/{id:int}/versions", versions_page, name="motion_versions"),
    Route("/motions/{id:int}/merge", merge_page, name="motion_merge"),
    Route("/motions/{id:int}/merge", merge_submit, methods=["POST"], name="motion_merge_submit"),
    Route("/motions/{id:int}/pdf", motion_pdf, name="motion_pdf"),
]
