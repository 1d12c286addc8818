"""Pages of votes: lists, setting up, the ballot, results, ballots, attendance."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from plenum.auth.current import SESSION_KEY, require_member
from plenum.auth.permissions import PermissionDenied, Principal
from plenum.clock import as_utc, utcnow
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.i18n import current_locale
from plenum.orgs.models import Body, Chapter
from plenum.orgs.service import body_by_key, chapter_by_key
from plenum.parsing import parse_int
from plenum.votes import casting, forms, groups, padding, results, roll, service, tally
from plenum.votes.box import CLOSED, STORED, BallotBox
from plenum.votes.models import Vote, VoteOption, VoteStatus
from plenum.web import htmx
from plenum.web.arrivals import arrived
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.csrf import csrf_token
from plenum.web.dbsession import db
from plenum.web.forms import form_items, form_values
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.session import SESSION_ID
from plenum.web.templating import Templates, flash, path_for

# --- lists and setting up -------------------------------------------------------------------


def _where(request: Request) -> tuple[Chapter, Body | None]:
    session = db(request)
    if request.url.path.startswith("/bodies/"):
        body, chapter = body_by_key(request.path_params["key"], session=session)
        return chapter, body
    return chapter_by_key(request.path_params["key"], session=session), None


def _list_path(request: Request, chapter: Chapter, body: Body | None) -> str:
    if body is not None:
        return path_for(request, "body_votes", key=body.key)
    return path_for(request, "chapter_votes", key=chapter.key)


def vote_list(request: Request) -> Response:
    chapter, body = _where(request)
    found = require_member(request)
    manage = service.may_manage(found, chapter, body)
    if not (manage or service.may_follow(found, chapter, body)):
        raise PermissionDenied("votes.view")
    rows = service.votes_of(chapter, body, found, session=db(request))
    context = {"chapter": chapter, "body": body, "rows": rows, "manage": manage}
    return render(request, "votes/list.html", context)


def _manager(request: Request, chapter: Chapter, body: Body | None) -> Principal:
    found = require_member(request)
    if not service.may_manage(found, chapter, body):
        raise PermissionDenied("votes.manage")
    return found


def new_form(request: Request) -> Response:
    chapter, body = _where(request)
    _manager(request, chapter, body)
    values = _defaults(request, chapter, body)
    return _form(request, chapter, body, values, {})


def _defaults(request: Request, chapter: Chapter, body: Body | None) -> dict[str, str]:
    kinds = service.kinds_for(body)
    values = {
        **forms.DEFAULTS,
        "kind": kinds[0],
        "majority": body.default_majority if body else "simple",
        "quorum_percent": str(body.quorum_percent if body else 0),
    }
    for name in ("motion_id", "amendment_id", "title"):
        if request.query_params.get(name):
            values[name] = request.query_params[name][:300]
    return values


def _form(
    request: Request,
    chapter: Chapter,
    body: Body | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    vote: Any = None,
) -> Response:
    context = {
        "chapter": chapter,
        "body": body,
        "values": values,
        "errors": errors,
        "kinds": service.kinds_for(body),
        "vote": vote,
    }
    return render(request, "votes/form.html", context, status_code)


async def create(request: Request) -> Response:
    return await run(request, _create, *forms.VOTE_FIELDS)


def _create(request: Request, values: dict[str, str]) -> Response:
    chapter, body = _where(request)
    found = _manager(request, chapter, body)
    session = db(request)
    try:
        data = forms.parse_vote(values, service.kinds_for(body))
        vote = service.create_vote(chapter, body, data, principal=found, session=session)
    except ValidationFailed as exc:
        session.rollback()
        return _form(request, chapter, body, values, exc.errors, 422)
    flash(request, N_("The vote has been set up as a draft."))
    return see_other(request, path_for(request, "vote", id=vote.id))


# --- one vote ---------------------------------------------------------------------------------


def _place(request: Request) -> service.VotePlace:
    return service.vote_place(request.path_params["id"], session=db(request))


def _visible(request: Request) -> tuple[service.VotePlace, Principal]:
    at, found = _place(request), require_member(request)
    if not service.may_see(found, at, session=db(request)):
        raise NotFound(N_("This vote does not exist."))
    return at, found


def _managed(request: Request) -> tuple[service.VotePlace, Principal]:
    at, found = _visible(request)
    if not service.may_manage(found, at.chapter, at.body):
        raise PermissionDenied("votes.manage")
    return at, found


def vote_page(request: Request) -> Response:
    at, found = _visible(request)
    _settle(request, at)
    return _page(request, at, found)


def turnout(request: Request) -> Response:
    """How many have voted, as the vote's page shows it: its receipt asks for it."""
    at, _found = _visible(request)
    templates: Templates = request.app.state.templates
    html = templates.fragment(request, "votes/vote.html", "turnout", {"vote": at.vote})
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def _settle(request: Request, at: service.VotePlace) -> None:
    """A vote past its end time (and the time ballots sent before it may take to arrive)
    is counted on the first look, even before the clock runs."""
    vote = at.vote
    settled = utcnow() - results.SETTLE
    if vote.status == VoteStatus.OPEN and vote.closes_at and as_utc(vote.closes_at) <= settled:
        try:
            results.close_vote(at, actor=None, session=db(request))
        except DomainError:
            db(request).rollback()


def _page(
    request: Request,
    at: service.VotePlace,
    found: Principal,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    block: str | None = None,
    entered: dict[str, Any] | None = None,
) -> Response:
    """The vote's page; ``entered``: the marks and ranks to show on the ballot again."""
    context = {**_context(request, at, found, errors), **(entered or {})}
    return render(request, "votes/vote.html", context, status_code, block=block)


def _context(
    request: Request, at: service.VotePlace, found: Principal, errors: dict[str, str] | None
) -> dict[str, Any]:
    session = db(request)
    vote = at.vote
    options = service.options_of(vote, session=session)
    box: BallotBox = request.app.state.ballot_box
    if vote.status == VoteStatus.OPEN and not box.knows(vote.id or 0):
        grouped = groups.grouping_for(vote, session=session) is not None
        box.keep(
            vote, options, in_room=roll.in_room(vote.id or 0, session=session), grouped=grouped
        )
    manage = service.may_manage(found, at.chapter, at.body)
    result = results.result_of(vote)
    shown = result if vote.status == VoteStatus.PUBLISHED or (manage and result) else None
    return {
        "at": at,
        "vote": vote,
        "options": options,
        "ballot_options": service.ballot_options(vote, options),
        "option_by_id": {o.id: o for o in options},
        "manage": manage,
        "closing": results.is_closing(vote, utcnow()),
        "standing": roll.standing(vote, found.member_id, session=session),
        "messages": roll.STANDING_MESSAGES,
        "result": shown,
        "words": results.outcome_words(vote, shown, options) if shown else "",
        "seats": results.seat_lines(vote, session=session) if shown else [],
        "quota_empty": results.quota_empty(vote),
        "named": results.named_ballots(vote, session=session) if shown else [],
        "next_ballot": results.next_ballot_kind(vote) if manage else "",
        "log": service.log_of(vote, session=session) if manage else [],
        "subject": service.subject_of(vote, session=session),
        "resolution": service.resolution_of(vote, session=session),
        "choice_limit": tally.choice_limit(service.rules_of(vote)) or 1,
        "errors": errors or {},
        "next_path": f"/votes/{vote.id}",  # after switching language (also from a ballot's answer)
    }


def edit_form(request: Request) -> Response:
    at, _found = _managed(request)
    values = service.form_values(at.vote, session=db(request))
    return _form(request, at.chapter, at.body, values, {}, vote=at.vote)


async def update(request: Request) -> Response:
    return await run(request, _update, *forms.VOTE_FIELDS)


def _update(request: Request, values: dict[str, str]) -> Response:
    at, found = _managed(request)
    session = db(request)
    try:
        data = forms.parse_vote(values, service.kinds_for(at.body))
        service.update_vote(at, data, principal=found, session=session)
    except ValidationFailed as exc:
        session.rollback()
        return _form(request, at.chapter, at.body, values, exc.errors, 422, vote=at.vote)
    flash(request, N_("The vote has been saved."))
    return see_other(request, path_for(request, "vote", id=at.vote.id))


DELETE_DRAFT = Question(
    N_("Delete the draft vote “%(title)s”?"),
    N_("The draft and its options are deleted for good. Nobody has voted on it."),
    N_("Delete the draft"),
)


def _lifecycle(request: Request, step: str, values: dict[str, str]) -> Response:
    at, found = _managed(request)
    session = db(request)
    if step == "delete" and wants_asking(values) and at.vote.status == VoteStatus.DRAFT:
        question = replace(DELETE_DRAFT, params={"title": at.vote.title})
        return confirmation(request, question, back=path_for(request, "vote", id=at.vote.id))
    try:
        target = _take(at, found, step, session=session)
    except DomainError as exc:
        session.rollback()
        flash(request, exc.message)
        return see_other(request, path_for(request, "vote", id=at.vote.id))
    flash(request, STEP_MESSAGES[step])
    return see_other(request, target)


STEP_MESSAGES = {
    "open": N_("The vote is open. The roll is frozen."),
    "close": N_("The vote is closed and counted."),
    "publish": N_("The result has been published."),
    "recount": N_("The ballots have been counted again: see the log."),
    "next": N_("The next ballot has been set up as a draft."),
    "delete": N_("The draft has been deleted."),
}


def _take(at: service.VotePlace, found: Principal, step: str, *, session: Any) -> str:
    vote_path = f"/votes/{at.vote.id}"
    if step == "open":
        service.open_vote(at, principal=found, session=session)
    elif step == "close":
        results.close_vote(at, actor=found.member_id, session=session)
    elif step == "publish":
        results.publish(at, principal=found, session=session)
    elif step == "recount":
        results.recount(at, principal=found, session=session)
    elif step == "next":
        return f"/votes/{results.follow_up(at, principal=found, session=session).id}"
    else:
        service.delete_draft(at, session=session)
        return f"/bodies/{at.body.key}/votes" if at.body else f"/chapters/{at.chapter.key}/votes"
    return vote_path


async def close(request: Request) -> Response:
    """Close and count, fairly: the close stops new ballots at the moment its request
    arrived, then waits until every ballot that arrived before it has been answered
    (stored or refused for another reason), then counts."""
    await form_values(request)
    closed = await run_in_threadpool(_stop_taking, request, arrived(request.scope))
    if closed is not None:
        app: Any = request.app
        limit = results.SETTLE.total_seconds()
        await app.arrivals.settled(closed, besides=request.scope, limit=limit)
    return await run_in_threadpool(_lifecycle, request, "close", {})


def _stop_taking(request: Request, moment: datetime) -> datetime | None:
    """The moment from which the vote takes no more ballots (None if it is not open)."""
    at, _found = _managed(request)
    session = db(request)
    closed = results.stop_taking(at.vote, moment, session=session)
    session.commit()  # from here every process refuses ballots that arrive later
    if closed is not None:
        box: BallotBox = request.app.state.ballot_box
        box.stop_taking(at.vote.id or 0, closed)
    return closed


def _stepper(step: str) -> Any:
    async def endpoint(request: Request) -> Response:
        return await run(request, lambda r, values: _lifecycle(r, step, values), ASK)

    endpoint.__name__ = f"vote_{step}"
    return endpoint


# --- casting ------------------------------------------------------------------------------------


def _ballot_items(items: list[tuple[str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """The marks and the ranks a ballot form sent."""
    marked = [v for k, v in items if k == "choice"]
    return marked, [(k, v) for k, v in items if k.startswith("rank-")]


async def review(request: Request) -> Response:
    """Check your ballot: the choices as they will be counted, before anything is cast;
    or the ballot again with what the member entered (to change it, or with what is
    wrong beside it)."""
    items = await form_items(request)
    marked, ranks = _ballot_items(items)
    change = any(name == "change" for name, _value in items)
    return await run_in_threadpool(_review, request, marked, ranks, change)


def _review(
    request: Request, marked: list[str], ranks: list[tuple[str, str]], change: bool
) -> Response:
    at, found = _visible(request)
    session = db(request)
    repeated = forms.repeated_ranks(dict(ranks))
    entered = {"entered_marks": marked, "entered_ranks": dict(ranks), "repeated_ranks": repeated}
    choices = _read_ballot(at.vote, marked, ranks)
    try:
        if repeated:
            raise ValidationFailed(
                {"choice": N_("Give each rank only once: see the marked ranks.")}
            )
        if choices is None:
            raise ValidationFailed({"choice": N_("This ballot cannot be read. Please mark again.")})
        shown = casting.review(at, choices, member_id=found.member_id, session=session)
    except ValidationFailed as exc:
        session.rollback()
        again = _page(request, at, found, exc.errors, 422, "ballot", entered)
        return _stay(request, at.vote, service.options_of(at.vote, session=session), again)
    except DomainError as exc:
        session.rollback()
        refused = _page(request, at, found, {"choice": exc.message}, 409, "ballot")
        return _stay(request, at.vote, service.options_of(at.vote, session=session), refused)
    if change:
        again = _page(request, at, found, None, 200, "ballot", entered)
        return _stay(request, at.vote, shown.options, again)
    context = {"vote": at.vote, "receipt": shown, "option_by_id": shown.labels}
    context |= {"marked": marked, "ranks": ranks}
    answer = render(request, "votes/review.html", context, block="ballot")
    return _stay(request, at.vote, shown.options, answer)


async def cast(request: Request) -> Response:
    marked, ranks = _ballot_items(await form_items(request))
    receipt = await _through_the_box(request, marked, ranks)
    if receipt is not None:
        return receipt
    return await run_in_threadpool(_cast, request, marked, ranks)


async def _through_the_box(
    request: Request, marked: list[str], ranks: list[tuple[str, str]]
) -> Response | None:
    """The way most ballots take: a well-formed ballot of a logged-in member goes into the
    ballot box, written together with the others arriving now. None when the box did not
    store it (not open, not on the roll, already voted, a malformed ballot, …): then
    ``_cast`` casts it alone and gives the precise answer."""
    data = request.scope.get("session", {})
    member_id, session_id = data.get(SESSION_KEY), data.get(SESSION_ID)
    if not isinstance(member_id, int) or not isinstance(session_id, str):
        return None
    box: BallotBox = request.app.state.ballot_box
    at = await box.open_vote(request.path_params["id"])
    if at is None or at.grouped:  # a grouped vote's ballot is cast alone (``_cast``)
        return None
    choices = _read_ballot(at.vote, marked, ranks)
    if choices is None:
        return None
    try:
        checked = at.check(choices)
    except ValidationFailed:
        return None
    tracker = at.tracker(checked)
    page = not htmx.is_htmx(request)
    when = arrived(request.scope)
    closed = box.closed_at(at.vote.id or 0)
    taken = CLOSED if closed is not None and when >= closed else ""  # known: no need to ask
    if not taken:
        taken = await box.cast(at, casting.Pending(member_id, checked, tracker, session_id, when))
    if taken == CLOSED:
        message = {"message": casting.CLOSED_MEANWHILE}
        refusal = _kept(request, at, "votes/refused.html", (), message, page=page)
        return _stay(request, at.vote, at.options, HTMLResponse(refusal, 409))
    if taken != STORED:
        return None
    stand_in = _TRACKER_STAND_IN if tracker else ""
    shown = casting.Receipt(checked, stand_in, at.options)
    context = {"receipt": shown, "option_by_id": shown.labels}
    receipt = _kept(request, at, "votes/receipt.html", checked, context, page=page)
    shown_stand_in, shown_tracker = casting.shown_tracker(stand_in), casting.shown_tracker(tracker)
    receipt = receipt.replace(stand_in, tracker).replace(shown_stand_in, shown_tracker)
    return _stay(request, at.vote, at.options, HTMLResponse(receipt))


# Unguessable, so no option label contains them; a tracker is hexadecimal and a CSRF
# token URL-safe Base64: nothing to escape where they replace them.
_TRACKER_STAND_IN = secrets.token_hex(10)
_TOKEN_STAND_IN = secrets.token_hex(12)


def _kept(
    request: Request,
    at: casting.OpenVote,
    name: str,
    key: tuple[int, ...],
    context: dict[str, Any],
    *,
    page: bool,
) -> str:
    """An answer to a cast, for htmx the block that replaces the ballot, for a plain form
    the whole page. Between two ballots they differ only by what ``key`` names (the
    choices), the tracker and (the page) the CSRF token, so each is rendered once per
    language and key with stand-ins for the rest. The page names no member and counts no
    notifications: a confirmation that needs nothing read from the database."""
    kept = (current_locale.get(), name, key, page)
    html = at.answers.get(kept)
    if html is None:
        values = {"vote": at.vote, "next_path": f"/votes/{at.vote.id}", **context}
        templates: Templates = request.app.state.templates
        if page:
            html = templates.page(request, name, values, _TOKEN_STAND_IN)
        else:
            html = templates.fragment(request, name, "ballot", values)
        at.keep_answer(kept, html)
    if page:
        html = html.replace(_TOKEN_STAND_IN, csrf_token(request.scope.get("session", {})))
    return html


def _cast(request: Request, marked: list[str], ranks: list[tuple[str, str]]) -> Response:
    at, found = _visible(request)
    session = db(request)
    choices = _read_ballot(at.vote, marked, ranks)
    try:
        if choices is None:
            raise ValidationFailed({"choice": N_("This ballot cannot be read. Please mark again.")})
        when = arrived(request.scope)
        receipt = casting.cast(
            at, choices, member_id=found.member_id, session=session, arrived=when
        )
    except ValidationFailed as exc:
        session.rollback()
        refused = _page(request, at, found, exc.errors, 422, "ballot")
        return _stay(request, at.vote, service.options_of(at.vote, session=session), refused)
    except DomainError as exc:
        session.rollback()
        refused = _page(request, at, found, {"choice": exc.message}, 409, "ballot")
        return _stay(request, at.vote, service.options_of(at.vote, session=session), refused)
    context = {"vote": at.vote, "receipt": receipt, "option_by_id": receipt.labels}
    answer = render(request, "votes/receipt.html", context, block="ballot")
    return _stay(request, at.vote, receipt.options, answer)


def _stay(
    request: Request, vote: Vote, options: Sequence[VoteOption], response: Response
) -> Response:
    """Every answer to a cast of the vote has one size, whatever was chosen or refused
    (``votes.padding``). The address stays the page the ballot was on (the vote's page
    or the live room: ``web.htmx.KeepHistoryMiddleware``), so a reload shows it again
    and never sends the ballot, or asks to."""
    response.headers["Cache-Control"] = "no-store"
    size = padding.answer_size(vote, options, page=not htmx.is_htmx(request))
    return padding.padded(response, size)


def _read_ballot(
    vote: Any, marked: list[str], ranks: list[tuple[str, str]]
) -> tuple[int, ...] | None:
    """A ranked ballot sends ranks (or a single mark to abstain), every other ballot marks.
    Ranks where none belong, ranks next to marks or one rank field sent twice: unreadable."""
    if not ranks:
        return forms.parse_choices(marked)
    if marked or vote.method != tally.Method.RANKED or len(dict(ranks)) < len(ranks):
        return None
    return forms.parse_ranking(dict(ranks))


# --- ballots and export -------------------------------------------------------------------------


def _counted(request: Request) -> tuple[service.VotePlace, bool]:
    """A closed vote, and whether its ballots' contents may be shown: once the result is
    published (before, only to those who run the vote). Trackers show from the close."""
    at, found = _visible(request)
    if at.vote.status not in (VoteStatus.CLOSED, VoteStatus.PUBLISHED):
        raise NotFound(N_("The ballots are shown once the vote is closed."))
    contents = at.vote.status == VoteStatus.PUBLISHED or service.may_manage(
        found, at.chapter, at.body
    )
    return at, contents


def ballots_page(request: Request) -> Response:
    return _ballots(request, "")


async def tracker_search(request: Request) -> Response:
    """The tracker is looked up by POST, so it never stands in a URL or an access log."""
    return await run(request, lambda r, values: _ballots(r, values["tracker"][:64]), "tracker")


def _ballots(request: Request, typed: str) -> Response:
    """The ballots page; ``typed``: a tracker the member looks for (grouped or not)."""
    at, contents = _counted(request)
    session = db(request)
    context = {
        "at": at,
        "vote": at.vote,
        "trackers": results.trackers(at.vote, session=session),
        "rows": results.export_rows(at.vote, session=session) if contents else [],
        "contents": contents,
        "typed": typed,
        "mine": casting.typed_tracker(typed),
        "shown_tracker": casting.shown_tracker,
    }
    return render(request, "votes/ballots.html", context)


def export(request: Request) -> Response:
    at, contents = _counted(request)
    if not contents:
        raise NotFound(N_("The ballots are shown once the result is published."))
    body = results.export_csv(at.vote, session=db(request))
    headers = {"Content-Disposition": f'attachment; filename="vote-{at.vote.id}-ballots.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


# --- attendance at a body's meeting ------------------------------------------------------------


def _body_manager(request: Request) -> tuple[Body, Chapter, Principal]:
    body, chapter = body_by_key(request.path_params["key"], session=db(request))
    return body, chapter, _manager(request, chapter, body)


def attendance(request: Request) -> Response:
    body, chapter, _found = _body_manager(request)
    session = db(request)
    context = {
        "body": body,
        "chapter": chapter,
        "seats": roll.seats(body, session=session),
        "substitutes": roll.substitutes(body, session=session),
    }
    return render(request, "votes/attendance.html", context)


async def presence(request: Request) -> Response:
    return await run(request, _presence, "member_id", "present")


def _presence(request: Request, values: dict[str, str]) -> Response:
    body, _chapter, found = _body_manager(request)
    member_id = parse_int(values["member_id"]) or 0
    return _attendance_step(
        request,
        body,
        lambda s: roll.set_presence(
            body, member_id, values["present"] == "1", actor=found.member_id, session=s
        ),
    )


async def seat(request: Request) -> Response:
    return await run(request, _seat, "delegate_id", "substitute_id", "action")


def _seat(request: Request, values: dict[str, str]) -> Response:
    body, _chapter, found = _body_manager(request)
    delegate = parse_int(values["delegate_id"]) or 0
    substitute = parse_int(values["substitute_id"]) or 0
    if values["action"] == "release":
        return _attendance_step(
            request,
            body,
            lambda s: roll.release_seat(body, substitute, actor=found.member_id, session=s),
        )
    return _attendance_step(
        request,
        body,
        lambda s: roll.seat_substitute(
            body, delegate, substitute, actor=found.member_id, session=s
        ),
    )


def _attendance_step(request: Request, body: Body, action: Any) -> Response:
    session = db(request)
    try:
        action(session)
        flash(request, N_("Saved."))
    except DomainError as exc:
        session.rollback()
        flash(request, exc.message)
    return see_other(request, path_for(request, "attendance", key=body.key))


# The app tries routes in order: casting, the one route hundreds of delegates hit in the
# same second, comes first (the app puts these routes first too).
routes = [
    Route("/votes/{id:int}/cast", cast, methods=["POST"], name="vote_cast"),
    Route("/votes/{id:int}/review", review, methods=["POST"], name="vote_review"),
    Route("/bodies/{key}/votes", vote_list, name="body_votes"),
    Route("/bodies/{key}/votes/new", new_form, name="body_vote_new"),
    Route("/bodies/{key}/votes", create, methods=["POST"], name="body_vote_create"),
    Route("/chapters/{key}/votes", vote_list, name="chapter_votes"),
    Route("/chapters/{key}/votes/new", new_form, name="chapter_vote_new"),
    Route("/chapters/{key}/votes", create, methods=["POST"], name="chapter_vote_create"),
    Route("/bodies/{key}/attendance", attendance, name="attendance"),
    Route("/bodies/{key}/attendance", presence, methods=["POST"], name="attendance_update"),
    Route("/bodies/{key}/seats", seat, methods=["POST"], name="seat_substitute"),
    Route("/votes/{id:int}", vote_page, name="vote"),
    Route("/votes/{id:int}/turnout", turnout, name="vote_turnout"),
    Route("/votes/{id:int}/edit", edit_form, name="vote_edit"),
    Route("/votes/{id:int}/edit", update, methods=["POST"], name="vote_update"),
    Route("/votes/{id:int}/ballots", ballots_page, name="vote_ballots"),
    Route("/votes/{id:int}/ballots", tracker_search, methods=["POST"], name="vote_tracker"),
    Route("/votes/{id:int}/ballots.csv", export, name="vote_export"),
    *(
        Route(
            f"/votes/{{id:int}}/{step}",
            close if step == "close" else _stepper(step),
            methods=["POST"],
            name=f"vote_{step}",
        )
        for step in STEP_MESSAGES
    ),
]
