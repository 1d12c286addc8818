"""Pages of discussions: spaces with topics, threads with comments, moderation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.auth.permissions import PermissionDenied, Principal
from plenum.discuss import access, moderation, service
from plenum.discuss.models import Comment, Space
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.motions import amendments as motion_amendments
from plenum.motions import service as motions
from plenum.orgs.service import body_by_key, chapter_by_key
from plenum.parsing import parse_int
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.forms import new_form_key
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.ratelimit import RateLimiter, limiter_for
from plenum.web.templating import flash, path_for

COMMENT_FIELDS = ("body", "key", "reply_to", "quote_first", "quote_last")
# Posting per member: a burst of 8 comments, then one every 15 seconds.
POSTING_RATE = (8, 120.0)


def _limiter(request: Request) -> RateLimiter:
    return limiter_for(request.app.state, "posting_limiter", POSTING_RATE)


# --- spaces -----------------------------------------------------------------------------------


def _space_from_path(request: Request) -> access.SpacePlace:
    session = db(request)
    space = session.get(Space, request.path_params["id"])
    if space is None:
        raise NotFound(N_("This discussion does not exist."))
    return access.space_place(space, session=session)


def _readable_space(request: Request, at: access.SpacePlace) -> tuple[Principal, access.Access]:
    found = require_member(request)
    allowed = access.space_access(found, at)
    if not allowed.read:
        raise PermissionDenied("discussion.read")
    return found, allowed


def chapter_discussion(request: Request) -> Response:
    session = db(request)
    chapter = chapter_by_key(request.path_params["key"], session=session)
    return _space_page(request, access.chapter_space(chapter, session=session))


def body_discussion(request: Request) -> Response:
    session = db(request)
    body, chapter = body_by_key(request.path_params["key"], session=session)
    return _space_page(request, access.body_space(body, chapter, session=session))


def _space_page(
    request: Request,
    at: access.SpacePlace,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found, allowed = _readable_space(request, at)
    session = db(request)
    context: dict[str, Any] = {
        "at": at,
        "access": allowed,
        "rows": service.topics(at, member_id=found.member_id, session=session),
        "following": service.follows(found.member_id, space_id=at.space.id, session=session),
        "open_flags": moderation.open_flags(at, found, session=session) if allowed.moderate else 0,
        "values": values or {"key": new_form_key()},
        "errors": errors or {},
    }
    return render(request, "discuss/space.html", context, status_code)


async def topic_create(request: Request) -> Response:
    return await run(request, _topic_create, "title", *COMMENT_FIELDS)


def _topic_create(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    at = _space_from_path(request)
    found, allowed = _readable_space(request, at)
    try:
        title, data = service.parse_topic(values)
        _check_rate(request, found, data.key)
        thread = service.open_topic(at, allowed, title, data, principal=found, session=session)
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _space_page(request, at, values, _errors(exc), _status(exc))
    flash(request, N_("Your topic has been opened."))
    return see_other(request, path_for(request, "thread", id=thread.id))


def space_read(request: Request) -> Response:
    session = db(request)
    at = _space_from_path(request)
    found, _allowed = _readable_space(request, at)
    service.mark_space_read(at, member_id=found.member_id, session=session)
    flash(request, N_("Everything here is marked as read."))
    return see_other(request, _space_path(request, at))


def space_follow(request: Request) -> Response:
    session = db(request)
    at = _space_from_path(request)
    found, _allowed = _readable_space(request, at)
    if service.follows(found.member_id, space_id=at.space.id, session=session):
        service.unfollow(found.member_id, space_id=at.space.id, session=session)
        flash(request, N_("You no longer follow this space."))
    else:
        service.follow_space(found.member_id, at.space.id or 0, session=session)
        flash(request, N_("You follow this space now."))
    return see_other(request, _space_path(request, at))


def _space_path(request: Request, at: access.SpacePlace) -> str:
    if at.body is not None:
        return path_for(request, "body_discussion", key=at.body.key)
    return path_for(request, "chapter_discussion", key=at.chapter.key)


def moderation_page(request: Request) -> Response:
    session = db(request)
    at = _space_from_path(request)
    found, allowed = _readable_space(request, at)
    if not allowed.moderate:
        raise PermissionDenied("discussion.moderate")
    context = {
        "at": at,
        "flagged": moderation.flagged(at, found, session=session),
        "log": moderation.moderation_log(at, found, session=session),
        "space_path": _space_path(request, at),
    }
    return render(request, "discuss/moderation.html", context)


# --- threads ----------------------------------------------------------------------------------


def _thread(request: Request) -> tuple[access.ThreadPlace, Principal, access.Access]:
    session = db(request)
    where = access.thread_place(request.path_params["id"], session=session)
    found = require_member(request)
    allowed = access.require_read(found, where, session=session)
    return where, found, allowed


def thread_page(request: Request) -> Response:
    where, found, allowed = _thread(request)
    session = db(request)
    page = parse_int(request.query_params.get("page"))
    at = parse_int(request.query_params.get("at"))
    reply_to = parse_int(request.query_params.get("reply_to"))
    answered = session.get(Comment, reply_to) if reply_to else None
    if answered is not None and answered.thread_id != where.thread.id:
        answered = None
    if page is None and (at is not None or answered is not None):
        seq = answered.seq if answered else at or 0
        page = service.page_of(where.thread, seq, session=session)
    values = {"reply_to": str(answered.id)} if answered else {}
    return _thread_view(
        request, where, found, allowed, page=page, values=values, replying_to=answered
    )


def _thread_view(
    request: Request,
    where: access.ThreadPlace,
    found: Principal,
    allowed: access.Access,
    *,
    page: int | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    replying_to: Comment | None = None,
) -> Response:
    session = db(request)
    shown = service.thread_page(where.thread, principal=found, session=session, page=page)
    layout = service.discussed_layout(where, session=session)
    context: dict[str, Any] = {
        "where": where,
        "thread": where.thread,
        "access": allowed,
        "shown": shown,
        "layout": layout,
        "following": service.follows(found.member_id, thread_id=where.thread.id, session=session),
        "may_delete_topic": service.may_delete_topic(where, found),
        "page_key": new_form_key(),
        "may_edit": service.may_edit,
        "comment": None,
        "replying_to": replying_to,
        "values": values or {},
        "errors": errors or {},
        "space_path": _space_path(request, where.at),
    }
    return render(request, "discuss/thread.html", context, status_code)


async def comment_create(request: Request) -> Response:
    return await run(request, _comment_create, *COMMENT_FIELDS)


def _comment_create(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    where, found, allowed = _thread(request)
    try:
        data = service.parse_comment(values)
        if (
            service.earlier_copy(where.thread.id or 0, data, found.member_id, session=session)
            is None
        ):
            _check_rate(request, found, data.key)  # a form sent again is not a new comment
        comment = service.post_comment(where, allowed, data, principal=found, session=session)
    except NotFound:
        raise  # the topic was deleted a moment ago: there is no form to show again
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _comment_form(request, where, values, _errors(exc), _status(exc))
    return see_other(request, _comment_path(request, comment))


def _check_rate(request: Request, found: Principal, form: str) -> None:
    if not _limiter(request).hit(f"post:{found.member_id}", form=form):
        raise RateLimited(
            N_("You are writing very fast. Please wait a minute, then send your text again.")
        )


class RateLimited(DomainError):
    """The member posted too much in a short time."""


def _errors(exc: DomainError) -> dict[str, str]:
    if isinstance(exc, ValidationFailed):
        return exc.errors
    return {"body": exc.message}


def _status(exc: DomainError) -> int:
    return 429 if isinstance(exc, RateLimited) else 422


def _comment_form(
    request: Request,
    where: access.ThreadPlace,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int,
    comment: Comment | None = None,
) -> Response:
    """The comment form alone, with the member's text and the messages beside the fields."""
    session = db(request)
    context = {
        "where": where,
        "layout": service.discussed_layout(where, session=session),
        "values": values,
        "errors": errors,
        "comment": comment,
        "page_key": new_form_key(),
        "thread_path": path_for(request, "thread", id=where.thread.id),
    }
    return render(request, "discuss/comment_form.html", context, status_code)


def _comment_path(request: Request, comment: Comment) -> str:
    return path_for(request, "thread", id=comment.thread_id) + f"?at={comment.seq}#c{comment.seq}"


def thread_follow(request: Request) -> Response:
    session = db(request)
    where, found, _allowed = _thread(request)
    thread_id = where.thread.id or 0
    if service.follows(found.member_id, thread_id=thread_id, session=session):
        service.unfollow(found.member_id, thread_id=thread_id, session=session)
        flash(request, N_("You no longer follow this discussion."))
    else:
        service.follow_thread(found.member_id, thread_id, session=session)
        flash(request, N_("You follow this discussion now."))
    return see_other(request, path_for(request, "thread", id=thread_id))


def motion_discussion(request: Request) -> Response:
    session = db(request)
    mp = motions.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    motions.viewer(mp.motion, mp.place, principal=found, session=session)
    where = access.motion_thread(mp, session=session)
    return see_other(request, path_for(request, "thread", id=where.thread.id))


def amendment_discussion(request: Request) -> Response:
    session = db(request)
    ap = motion_amendments.amendment_place(request.path_params["id"], session=session)
    found = require_member(request)
    motion_amendments.viewer(ap, principal=found, session=session)
    where = access.amendment_thread(ap, session=session)
    return see_other(request, path_for(request, "thread", id=where.thread.id))


# --- one comment ------------------------------------------------------------------------------


def _comment(request: Request) -> tuple[Comment, access.ThreadPlace, Principal, access.Access]:
    session = db(request)
    comment = session.get(Comment, request.path_params["id"])
    if comment is None:
        raise NotFound(N_("This comment does not exist."))
    where = access.thread_place(comment.thread_id, session=session)
    found = require_member(request)
    allowed = access.require_read(found, where, session=session)
    return comment, where, found, allowed


def comment_edit_form(request: Request) -> Response:
    comment, where, found, _allowed = _comment(request)
    if not service.may_edit(comment, found):
        raise PermissionDenied("discussion.edit")
    return _comment_form(request, where, {"body": comment.body}, {}, 200, comment)


async def comment_edit(request: Request) -> Response:
    return await run(request, _comment_edit, "body")


def _comment_edit(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    comment, where, found, _allowed = _comment(request)
    try:
        service.edit_comment(comment, values["body"], principal=found, session=session)
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _comment_form(request, where, values, _errors(exc), 422, comment)
    flash(request, N_("Your comment has been changed."))
    return see_other(request, _comment_path(request, comment))


async def comment_delete(request: Request) -> Response:
    return await run(request, _comment_delete, ASK)


DELETE_COMMENT = Question(
    N_("Delete your comment #%(seq)s?"),
    N_("Its text is removed for good; replies to it stay, under a note that it was deleted."),
    N_("Delete the comment"),
)


def _comment_delete(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    comment, _where, found, _allowed = _comment(request)
    if wants_asking(values) and comment.author_id == found.member_id:
        question = replace(DELETE_COMMENT, params={"seq": comment.seq})
        return confirmation(request, question, back=_comment_path(request, comment))
    service.delete_comment(comment, principal=found, session=session)
    flash(request, N_("Your comment has been deleted."))
    return see_other(request, _comment_path(request, comment))


async def topic_delete(request: Request) -> Response:
    return await run(request, topic_delete_step, ASK)


DELETE_TOPIC = Question(
    N_("Delete the topic “%(title)s”?"),
    N_("The topic and your comments in it are removed for good."),
    N_("Delete the topic"),
)


def topic_delete_step(request: Request, values: dict[str, str]) -> Response:
    where, found, _allowed = _thread(request)
    if not service.may_delete_topic(where, found):
        raise PermissionDenied("discussion.delete_topic")
    back = _space_path(request, where.at)
    if wants_asking(values):
        question = replace(DELETE_TOPIC, params={"title": where.thread.title})
        return confirmation(request, question, back=path_for(request, "thread", id=where.thread.id))
    service.delete_topic(where, principal=found, session=db(request))
    flash(request, N_("The topic has been deleted."))
    return see_other(request, back)


async def comment_agree(request: Request) -> Response:
    return await run(request, _comment_agree, "agree")


def _comment_agree(request: Request, values: dict[str, str]) -> Response:
    """``agree`` says what the member wants (1 agree, 0 take it back), so the same
    form sent twice has one effect."""
    session = db(request)
    comment, _where, found, _allowed = _comment(request)
    service.set_agreement(comment, values["agree"] != "0", principal=found, session=session)
    # A 303 for htmx too (not HX-Redirect, a whole new page): the browser follows it to the
    # thread, and htmx swaps in just this comment, so the member stays where they were.
    return RedirectResponse(_comment_path(request, comment), status_code=303)


async def comment_flag(request: Request) -> Response:
    return await run(request, _comment_flag, "reason")


def _comment_flag(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    comment, where, found, allowed = _comment(request)
    try:
        moderation.flag(comment, values["reason"], allowed, principal=found, session=session)
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _reason_form(request, "flag", comment, where, values, exc)
    flash(request, N_("Thank you. The moderators will look at this comment."))
    return see_other(request, _comment_path(request, comment))


MODERATION_STEPS = {
    "hide": (moderation.hide, N_("The comment is hidden.")),
    "restore": (moderation.restore, N_("The comment is shown again.")),
    "dismiss": (moderation.dismiss, N_("The flags have been dismissed.")),
}


async def comment_moderate(request: Request) -> Response:
    return await run(request, _comment_moderate, "reason")


def _comment_moderate(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    comment, where, found, allowed = _comment(request)
    step = request.path_params["step"]
    if step not in MODERATION_STEPS:
        raise NotFound(N_("This page does not exist."))
    act, message = MODERATION_STEPS[step]
    try:
        act(comment, values["reason"], allowed, principal=found, session=session)
    except (ValidationFailed, DomainError) as exc:
        session.rollback()
        return _reason_form(request, step, comment, where, values, exc)
    flash(request, message)
    return see_other(request, _comment_path(request, comment))


def reason_page(request: Request) -> Response:
    """The form that asks why: to flag a comment, or (moderators) to hide, restore, dismiss."""
    comment, where, _found, allowed = _comment(request)
    step = request.path_params["step"]
    if step not in ("flag", *MODERATION_STEPS):
        raise NotFound(N_("This page does not exist."))
    if step != "flag" and not allowed.moderate:
        raise PermissionDenied("discussion.moderate")
    return _reason_form(request, step, comment, where, {}, None)


def _reason_form(
    request: Request,
    step: str,
    comment: Comment,
    where: access.ThreadPlace,
    values: dict[str, str],
    exc: DomainError | None,
) -> Response:
    errors = {}
    if exc is not None:
        errors = exc.errors if isinstance(exc, ValidationFailed) else {"reason": exc.message}
    context = {
        "step": step,
        "comment": comment,
        "where": where,
        "values": values,
        "errors": errors,
        "thread_path": path_for(request, "thread", id=where.thread.id),
    }
    return render(request, "discuss/reason_form.html", context, 422 if errors else 200)


routes = [
    Route("/chapters/{key}/discussion", chapter_discussion, name="chapter_discussion"),
    Route("/bodies/{key}/discussion", body_discussion, name="body_discussion"),
    Route("/spaces/{id:int}/topics", topic_create, methods=["POST"], name="topic_create"),
    Route("/spaces/{id:int}/read", space_read, methods=["POST"], name="space_read"),
    Route("/spaces/{id:int}/follow", space_follow, methods=["POST"], name="space_follow"),
    Route("/spaces/{id:int}/moderation", moderation_page, name="space_moderation"),
    Route("/threads/{id:int}", thread_page, name="thread"),
    Route("/threads/{id:int}/comments", comment_create, methods=["POST"], name="comment_create"),
    Route("/threads/{id:int}/follow", thread_follow, methods=["POST"], name="thread_follow"),
    Route("/threads/{id:int}/delete", topic_delete, methods=["POST"], name="topic_delete"),
    Route("/motions/{id:int}/discussion", motion_discussion, name="motion_discussion"),
    Route("/amendments/{id:int}/discussion", amendment_discussion, name="amendment_discussion"),
    Route("/comments/{id:int}/edit", comment_edit_form, name="comment_edit"),
    Route("/comments/{id:int}/edit", comment_edit, methods=["POST"], name="comment_update"),
    Route("/comments/{id:int}/delete", comment_delete, methods=["POST"], name="comment_delete"),
    Route("/comments/{id:int}/agree", comment_agree, methods=["POST"], name="comment_agree"),
    Route("/comments/{id:int}/flag", comment_flag, methods=["POST"], name="comment_flag"),
    Route("/comments/{id:int}/{step}", reason_page, name="comment_reason"),
    Route("/comments/{id:int}/{step}", comment_moderate, methods=["POST"], name="comment_moderate"),
]
