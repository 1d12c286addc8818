"""Pages of amendments: writing one (whole text or paragraph by paragraph), its page, steps."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import principal, require_member
from plenum.auth.permissions import Action, PermissionDenied, Principal, may
from plenum.discuss import service as discussion
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.motions import amendments, diff, forms, lines, service
from plenum.motions.limits import check_rate, invitation_quota
from plenum.motions.models import DECISIONS, MotionVersion, Recommendation, Status
from plenum.parsing import parse_int
from plenum.votes import service as votes
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.forms import form_items, new_form_key
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for

MAX_PARAGRAPHS = 2000


def _paragraphs(text: str) -> list[str]:
    """The canonical text split into its blocks, for editing one paragraph at a time."""
    return [part for part in lines.normalize(text).strip("\n").split("\n\n") if part]


# The Markdown that makes a block a heading, a list item or a quote, at its start (with the
# indentation of a nested item). The paragraph editor shows the text without it and keeps it
# in a hidden field beside, so members edit words, not markers.
_MARKER = re.compile(r" {0,12}(?:#{1,6} |[-*+] |\d{1,9}[.)] |> )")


def split_marker(paragraph: str) -> tuple[str, str]:
    """(the block's marker, its text): ``("- ", "eins")`` for ``"- eins"``."""
    found = _MARKER.match(paragraph)
    return (found.group(0), paragraph[found.end() :]) if found else ("", paragraph)


def _marked(marker: str, text: str) -> str:
    """The paragraph as Markdown again; a marker sent that is not one is left out, and
    text that starts with a marker of its own keeps that one."""
    if not text or not _MARKER.fullmatch(marker) or _MARKER.match(text):
        return text
    return marker + text


def _form(
    request: Request,
    at: service.MotionPlace,
    *,
    amendment: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    preview: list[diff.DiffBlock] | None = None,
    stale: dict[str, str] | None = None,
    at_line: int | None = None,
) -> Response:
    """The amendment form; ``at_line``: the line the member chose on the motion's page,
    whose paragraph the form opens at."""
    session = db(request)
    version = (
        session.get(MotionVersion, amendment.base_version_id)
        if amendment
        else service.current_version(at.motion, session=session)
    )
    mode = "paragraphs" if values.get("mode") == "paragraphs" else "full"
    layout = service.version_layout(version) if version else None
    context = {
        "motion": at.motion,
        "place": at.place,
        "amendment": amendment,
        "version": version,
        "layout": layout,
        "at_line": at_line,
        "focus": _block_of(layout, at_line) if layout and at_line else None,
        "mode": mode,
        "paragraphs": [
            split_marker(p) for p in _paragraph_values(values, version.text if version else "")
        ],
        "values": values,
        "errors": errors,
        "preview": preview,
        "stale": stale,
        "groups": service.working_groups(principal(request), at.place, session=session),
    }
    return render(request, "motions/amendment_form.html", context, status_code, block="form")


def _block_of(layout: lines.Layout, number: int) -> int | None:
    """The index of the block (= the paragraph of the canonical text) line ``number`` is in."""
    for index, block in enumerate(layout.blocks):
        if block.lines and block.lines[0].number <= number <= block.lines[-1].number:
            return index
    return None


def _paragraph_values(values: dict[str, str], base: str) -> list[str]:
    """The paragraphs to show: as typed, else those of the text (or of the base)."""
    return _paragraphs(values.get("text") or base)


def new_form(request: Request) -> Response:
    session = db(request)
    at = service.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    service.require_view(at.motion, at.place, principal=found, session=session)
    version = amendments.check_open(at, principal=found, session=session)
    at_line = parse_int(request.query_params.get("line"), high=99_999)
    values = {
        "text": version.text,
        "mode": "paragraphs" if at_line else request.query_params.get("mode", ""),
        "key": new_form_key(),
    }
    return _form(request, at, amendment=None, values=values, errors={}, at_line=at_line)


async def _read_paragraphs(request: Request) -> None:
    items = dict(await form_items(request))  # the last of repeated names, as form.get
    found = [
        (items.get(f"mark_{i}", ""), items[f"para_{i}"])
        for i in range(MAX_PARAGRAPHS)
        if f"para_{i}" in items
    ]
    # Keep the indentation: it is what makes "   - item" a nested list item.
    request.state.paragraphs = [
        _marked(mark, text.replace("\r\n", "\n").rstrip().lstrip("\n")) for mark, text in found
    ]


async def create(request: Request) -> Response:
    await _read_paragraphs(request)
    return await run(request, _create, *forms.AMENDMENT_FIELDS)


def _with_paragraphs(request: Request, values: dict[str, str]) -> dict[str, str]:
    """In paragraph mode the text is the paragraphs joined again."""
    if values.get("mode") == "paragraphs" and request.state.paragraphs:
        return values | {"text": "\n\n".join(p for p in request.state.paragraphs if p)}
    return values


def _create(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at = service.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    service.require_view(at.motion, at.place, principal=found, session=session)
    if not service.may_submit(found, at.place, session=session):
        raise PermissionDenied(Action.SUBMIT_AS_MEMBER.value)
    values = _with_paragraphs(request, values)
    try:
        data = forms.parse_amendment(values)
        if values["action"] == "preview":
            return _form(
                request,
                at,
                amendment=None,
                values=values,
                errors={},
                preview=_preview(request, at, data.text),
            )
        check_rate(request, "amendment", found.member_id, form=data.key)
        amendment = amendments.create_amendment(
            at,
            data,
            principal=found,
            session=session,
            quota=invitation_quota(request, found.member_id),
        )
    except service.AlreadySaved as exc:
        flash(request, exc.message)
        return see_other(request, path_for(request, "amendment", id=exc.found.id))
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _form(
            request, at, amendment=None, values=values, errors=_errors(exc), status_code=422
        )
    flash(request, N_("Your amendment has been submitted."))
    return see_other(request, path_for(request, "amendment", id=amendment.id))


def _preview(request: Request, at: service.MotionPlace, text: str) -> list[diff.DiffBlock]:
    version = service.current_version(at.motion, session=db(request))
    if version is None:
        return []
    return diff.inline_diff(service.version_layout(version), text, only_changed=True)


def _errors(exc: DomainError) -> dict[str, str]:
    return exc.errors if isinstance(exc, ValidationFailed) else {"_form": exc.message}


def edit_form(request: Request) -> Response:
    session = db(request)
    ap = amendments.amendment_place(request.path_params["id"], session=session)
    found = require_member(request)
    if not amendments.require_view(ap, principal=found, session=session):
        raise PermissionDenied("amendment.edit")
    values = amendments.amendment_values(ap.amendment, session=session)
    values["mode"] = request.query_params.get("mode", "")
    return _form(request, ap.at, amendment=ap.amendment, values=values, errors={})


async def update(request: Request) -> Response:
    await _read_paragraphs(request)
    return await run(request, _update, *forms.AMENDMENT_FIELDS)


def _update(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    ap = amendments.amendment_place(request.path_params["id"], session=session)
    found = require_member(request)
    if not amendments.require_view(ap, principal=found, session=session):
        raise PermissionDenied("amendment.edit")
    values = _with_paragraphs(request, values)
    form: dict[str, Any] = {"amendment": ap.amendment, "values": values}
    try:
        data = forms.parse_amendment(values)
        if values["action"] == "preview":
            return _form(
                request, ap.at, **form, errors={}, preview=_preview(request, ap.at, data.text)
            )
        amendments.update_amendment(
            ap,
            data,
            expected_version=forms.lock_version(values),
            principal=found,
            session=session,
            quota=invitation_quota(request, found.member_id),
        )
    except service.StaleEdit as exc:
        session.rollback()
        return _form(
            request, ap.at, **form, errors=_errors(exc), status_code=409, stale=exc.current
        )
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _form(request, ap.at, **form, errors=_errors(exc), status_code=422)
    flash(request, N_("The changes have been saved."))
    return see_other(request, path_for(request, "amendment", id=ap.amendment.id))


def _seen(request: Request) -> tuple[amendments.AmendmentPlace, Principal, bool]:
    """The amendment of the path if the member may see it, and whether they propose it."""
    session = db(request)
    ap = amendments.amendment_place(request.path_params["id"], session=session)
    found = require_member(request)
    proposer = amendments.require_view(ap, principal=found, session=session)
    return ap, found, proposer


# --- the amendment page ---------------------------------------------------------------------


def page(request: Request) -> Response:
    ap = amendments.amendment_place(request.path_params["id"], session=db(request))
    found = require_member(request)
    named = amendments.viewer(ap, principal=found, session=db(request))
    return render(request, "motions/amendment.html", _context(request, ap, found, named))


def _context(
    request: Request, ap: amendments.AmendmentPlace, found: Principal, named: service.Named
) -> dict[str, Any]:
    session = db(request)
    proposer = named.proposer
    amendment, place = ap.amendment, ap.at.place
    base = session.get(MotionVersion, amendment.base_version_id)
    layout = service.version_layout(base) if base else lines.layout("")
    changes = diff.changes_from_json(amendment.changes)
    supporters = amendments.supporters_of(amendment, session=session)
    return {
        "amendment": amendment,
        "motion": ap.at.motion,
        "place": place,
        "base": base,
        "instructions": diff.instructions(changes),
        "inline": diff.inline_diff(layout, amendment.text, only_changed=True),
        "modified": diff.inline_diff(layout, amendment.modified_text, only_changed=True)
        if amendment.modified_text
        else [],
        "proposers": named.proposers,
        "invited": named.invited,
        "is_proposer": proposer,
        "supporters": supporters,
        "i_support": any(m.id == found.member_id for m in supporters),
        "support_open": place.amendments_open(),
        "can_support": amendment.status in (Status.COLLECTING, Status.SUBMITTED)
        and not proposer
        and may(found, Action.SUPPORT, place.chapter_scope),
        "can_edit": proposer and amendment.status in (Status.COLLECTING, Status.SUBMITTED),
        "can_accept": proposer
        and amendment.recommendation == Recommendation.ADOPT_MODIFIED
        and not amendment.modified_accepted,
        "history": service.history(ap.at.motion, amendment=amendment, session=session),
        "discussion": discussion.summary(
            amendment_id=amendment.id, member_id=found.member_id, session=session
        ),
        "steps": service.allowed_steps(amendment.status, place, principal=found, proposer=proposer),
        "subject_votes": votes.votes_on(
            amendment, place.chapter, place.body, found, session=session
        ),
        "recommendations": list(Recommendation),
        "decisions": list(DECISIONS),
        "step_values": {},
        "step_errors": {},
        "failed_step": "",
    }


async def support(request: Request) -> Response:
    return await run(request, _support)


def _support(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    ap, found, _proposer = _seen(request)
    before = ap.amendment.status
    now = amendments.toggle_support(ap, principal=found, session=session)
    flash(
        request,
        N_("You support this amendment.") if now else N_("You no longer support this amendment."),
    )
    if before == Status.COLLECTING and ap.amendment.status == Status.SUBMITTED:
        flash(request, N_("The amendment has enough supporters now and goes to screening."))
    return see_other(request, path_for(request, "amendment", id=ap.amendment.id))


async def step(request: Request) -> Response:
    return await run(request, _step, *forms.TRANSITION_FIELDS, ASK)


WITHDRAW = Question(
    N_("Withdraw the amendment %(number)s?"),
    N_(
        "The amendment will not be decided. Its supporters and co-proposers are told."
        " A withdrawn amendment cannot be submitted again; write a new one instead."
    ),
    N_("Withdraw the amendment"),
)


def _step(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    ap, found, proposer = _seen(request)
    name = request.path_params["step"]
    if name == "withdraw" and wants_asking(values) and proposer:
        question = replace(WITHDRAW, params={"number": ap.amendment.number or ""})
        back = path_for(request, "amendment", id=ap.amendment.id)
        return confirmation(request, question, back=back, values=values)
    try:
        amendments.transition(
            ap, name, forms.parse_transition(values), principal=found, session=session
        )
    except ValidationFailed as exc:
        session.rollback()
        context = _context(
            request, ap, found, amendments.viewer(ap, principal=found, session=session)
        )
        context |= {"step_values": values, "step_errors": exc.errors, "failed_step": name}
        return render(request, "motions/amendment.html", context, 422)
    flash(request, N_("The status has been changed."))
    return see_other(request, path_for(request, "amendment", id=ap.amendment.id))


async def invitation(request: Request) -> Response:
    return await run(request, _invitation, "answer")


def _invitation(request: Request, values: dict[str, str]) -> Response:
    ap, found, _proposer = _seen(request)
    accept = values["answer"] == "accept"
    service.answer_invitation(
        ap.at.motion, ap.amendment, accept, principal=found, session=db(request)
    )
    flash(request, N_("You are now a co-proposer.") if accept else N_("You have declined."))
    return see_other(request, path_for(request, "amendment", id=ap.amendment.id))


async def accept(request: Request) -> Response:
    return await run(request, _accept, "lock_version")


def _accept(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    ap, found, _proposer = _seen(request)
    amendments.accept_modified(
        ap, expected_version=forms.lock_version(values), principal=found, session=session
    )
    flash(request, N_("You have accepted the modified text."))
    return see_other(request, path_for(request, "amendment", id=ap.amendment.id))


routes = [
    Route("/motions/{id:int}/amendments/new", new_form, name="amendment_new"),
    Route("/motions/{id:int}/amendments/new", create, methods=["POST"], name="amendment_create"),
    Route("/amendments/{id:int}", page, name="amendment"),
    Route("/amendments/{id:int}/edit", edit_form, name="amendment_edit"),
    Route("/amendments/{id:int}/edit", update, methods=["POST"], name="amendment_update"),
    Route("/amendments/{id:int}/support", support, methods=["POST"], name="amendment_support"),
    Route("/amendments/{id:int}/steps/{step}", step, methods=["POST"], name="amendment_step"),
    Route("/amendments/{id:int}/accept", accept, methods=["POST"], name="amendment_accept"),
    Route(
        "/amendments/{id:int}/invitation",
        invitation,
        methods=["POST"],
        name="amendment_invitation",
    ),
]
