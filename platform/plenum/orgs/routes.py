"""Pages of the party structure: chapters, bodies, roles, and the member's own data."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth import sessions
from plenum.auth.current import authorize, require_member
from plenum.auth.permissions import MEMBER, Action, Principal, may
from plenum.clock import utcnow
from plenum.errors import N_, NotFound, ValidationFailed
from plenum.orgs import numbering, service
from plenum.orgs.models import CHAPTER_ROLES, BodyKind, Majority, Member, Role
from plenum.web.confirm import ASK, Question, confirmation, wants_asking
from plenum.web.dbsession import db
from plenum.web.forms import form_values
from plenum.web.htmx import see_other
from plenum.web.pages import run
from plenum.web.session import renew
from plenum.web.templating import Templates, flash, path_for

BODY_FIELDS = (
    "name",
    "kind",
    "quorum_percent",
    "default_majority",
    "resolution_format",
    "resolution_format_custom",
    "resolutions_public",
)
ROLE_FIELDS = ("member_number", "role")


def _templates(request: Request) -> Templates:
    templates: Templates = request.app.state.templates
    return templates


def _choices() -> dict[str, Any]:
    year = utcnow().year
    return {
        "body_kinds": list(BodyKind),
        "majorities": list(Majority),
        "roles": list(Role),
        "chapter_roles": list(CHAPTER_ROLES),
        # each usual numbering as it would read for the 12th resolution of this year
        "formats": [(f, numbering.render(f, year, 12)) for f in numbering.PRESETS],
        "custom_format": numbering.CUSTOM,
    }


def chapter_list(request: Request) -> Response:
    require_member(request)
    rows = service.chapter_tree(session=db(request))
    return _templates(request).kept(request, "orgs/chapters.html", {"rows": rows}, key=rows)


def chapter_page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    scope = service.chapter_scope(chapter)
    principal = authorize(request, Action.VIEW_CHAPTER, scope)
    manage = may(principal, Action.MANAGE_CHAPTER, scope)
    context = {
        "chapter": chapter,
        "ancestors": service.ancestors(chapter, session=session),
        "subchapters": service.subchapters(chapter, session=session),
        "bodies": service.bodies_of(chapter, session=session),
        "staff": service.chapter_role_holders(chapter, session=session) if manage else [],
        "can_manage": manage,
        "can_manage_members": may(principal, Action.MANAGE_MEMBERS, scope),
        "can_discuss": may(principal, Action.DISCUSS, scope),
        "logged_in": principal is not None,
        **_own(principal),
        "values": values or {},
        "errors": errors or {},
        **_choices(),
    }
    return _templates(request).render(
        request,
        "orgs/chapter.html",
        context,
        status_code=status_code,
        block="chapter_roles" if errors is not None else None,
    )


async def chapter_role_add(request: Request) -> Response:
    values = await form_values(request, *ROLE_FIELDS)
    return await _run(request, _chapter_role_add, values)


def _chapter_role_add(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_CHAPTER, service.chapter_scope(chapter))
    try:
        service.grant_chapter_role(chapter, session=session, **values)
    except ValidationFailed as exc:
        return chapter_page(request, values, exc.errors, status_code=422)
    flash(request, N_("The role has been assigned."))
    return see_other(request, path_for(request, "chapter", key=chapter.key))


REMOVE_ROLE = Question(
    N_("Remove this role?"),
    N_("The member loses what the role allows at once. To give it back, assign it again."),
    N_("Remove the role"),
)


async def chapter_role_remove(request: Request) -> Response:
    return await run(request, _chapter_role_remove, ASK)


def _chapter_role_remove(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_CHAPTER, service.chapter_scope(chapter))
    if wants_asking(values):
        back = path_for(request, "chapter", key=chapter.key)
        return confirmation(request, REMOVE_ROLE, back=back)
    service.revoke_chapter_role(chapter, request.path_params["role_id"], session=session)
    flash(request, N_("The role has been removed."))
    return see_other(request, path_for(request, "chapter", key=chapter.key))


def _own(principal: Principal | None) -> dict[str, Any]:
    """The member's own chapters (where their memberships are) and those above them."""
    paths = [g.chapter_path for g in (principal.grants if principal else ()) if g.role == MEMBER]
    return {
        "own_chapters": {path[-1] for path in paths if path},
        "own_path": {cid for path in paths for cid in path},
    }


def body_new_form(request: Request) -> Response:
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_CHAPTER, service.chapter_scope(chapter))
    return _body_form(request, chapter=chapter, body=None, values={}, errors={})


def _body_form(
    request: Request,
    *,
    chapter: Any,
    body: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {"chapter": chapter, "body": body, "values": values, "errors": errors, **_choices()}
    return _templates(request).render(
        request, "orgs/body_form.html", context, status_code=status_code, block="form"
    )


async def body_create(request: Request) -> Response:
    values = await form_values(request, *BODY_FIELDS)
    return await _run(request, _body_create, values)


def _body_create(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_CHAPTER, service.chapter_scope(chapter))
    try:
        body = service.create_body(chapter, service.parse_body_input(values), session=session)
    except ValidationFailed as exc:
        return _body_form(
            request, chapter=chapter, body=None, values=values, errors=exc.errors, status_code=422
        )
    flash(request, N_("The body has been created."))
    return see_other(request, path_for(request, "body", key=body.key))


def body_page(
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    session = db(request)
    body, chapter = service.body_by_key(request.path_params["key"], session=session)
    scope = service.body_scope(body, chapter)
    principal = authorize(request, Action.VIEW_BODY, scope)
    internal = may(principal, Action.VIEW_BODY_INTERNAL, scope)
    context = {
        "body": body,
        "chapter": chapter,
        "roster": service.body_roster(body, session=session) if internal else [],
        "can_see_roster": internal,
        "can_manage": may(principal, Action.MANAGE_BODY, scope),
        "values": values or {},
        "errors": errors or {},
        **_choices(),
    }
    return _templates(request).render(
        request,
        "orgs/body.html",
        context,
        status_code=status_code,
        block="roles" if errors is not None else None,
    )


def body_edit_form(request: Request) -> Response:
    session = db(request)
    body, chapter = service.body_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_BODY, service.body_scope(body, chapter))
    values = {name: str(getattr(body, name, "")) for name in BODY_FIELDS}
    if body.resolution_format not in numbering.PRESETS:  # typed once: offered as typed
        values |= {
            "resolution_format": numbering.CUSTOM,
            "resolution_format_custom": body.resolution_format,
        }
    values["resolutions_public"] = "1" if body.resolutions_public else ""
    return _body_form(request, chapter=chapter, body=body, values=values, errors={})


async def body_update(request: Request) -> Response:
    values = await form_values(request, *BODY_FIELDS)
    return await _run(request, _body_update, values)


def _body_update(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    body, chapter = service.body_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_BODY, service.body_scope(body, chapter))
    try:
        service.update_body(body, service.parse_body_input(values), session=session)
    except ValidationFailed as exc:
        return _body_form(
            request, chapter=chapter, body=body, values=values, errors=exc.errors, status_code=422
        )
    flash(request, N_("The changes have been saved."))
    return see_other(request, path_for(request, "body", key=body.key))


async def body_role_add(request: Request) -> Response:
    values = await form_values(request, *ROLE_FIELDS)
    return await _run(request, _body_role_add, values)


def _body_role_add(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    body, chapter = service.body_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_BODY, service.body_scope(body, chapter))
    try:
        service.grant_body_role(body, session=session, **values)
    except ValidationFailed as exc:
        return body_page(request, values, exc.errors, status_code=422)
    flash(request, N_("The role has been assigned."))
    return see_other(request, path_for(request, "body", key=body.key))


async def body_role_remove(request: Request) -> Response:
    return await run(request, _body_role_remove, ASK)


def _body_role_remove(request: Request, values: dict[str, str]) -> Response:
    session = db(request)
    body, chapter = service.body_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_BODY, service.body_scope(body, chapter))
    if wants_asking(values):
        return confirmation(request, REMOVE_ROLE, back=path_for(request, "body", key=body.key))
    service.revoke_body_role(body, request.path_params["role_id"], session=session)
    flash(request, N_("The role has been removed."))
    return see_other(request, path_for(request, "body", key=body.key))


def my_data(request: Request) -> Response:
    principal = require_member(request)
    session = db(request)
    member = session.get(Member, principal.member_id)
    if member is None:
        raise NotFound(N_("Member not found."))
    overview = service.member_overview(member, session=session)
    return _templates(request).render(request, "orgs/me.html", {"overview": overview})


def my_sessions_end(request: Request) -> Response:
    """Log out everywhere: every session of the member ends, this one too."""
    principal = require_member(request)
    sessions.end_all(principal.member_id, session=db(request))
    renew(request.session)
    flash(request, N_("You have been logged out everywhere, on this device too."))
    return see_other(request, path_for(request, "home"))


def member_lookup(request: Request) -> Response:
    """Office staff look a member of the chapter up by member number."""
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_MEMBERS, service.chapter_scope(chapter))
    number = request.query_params.get("member_number", "")
    if not number:
        return _lookup_page(request, chapter, number, {})
    try:
        found = service.member_in_by_number(chapter, number, session=session)
    except ValidationFailed as exc:
        return _lookup_page(request, chapter, number, exc.errors, status_code=422)
    return see_other(request, _member_path(request, chapter.key, found.id or 0))


def _lookup_page(
    request: Request, chapter: Any, number: str, errors: dict[str, str], status_code: int = 200
) -> Response:
    context = {"chapter": chapter, "values": {"member_number": number}, "errors": errors}
    return _templates(request).render(
        request, "orgs/members.html", context, status_code=status_code
    )


def _member_path(request: Request, key: str, member_id: int) -> str:
    return path_for(request, "chapter_member", key=key, member_id=member_id)


def member_page(request: Request) -> Response:
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_MEMBERS, service.chapter_scope(chapter))
    found = service.member_in(chapter, request.path_params["member_id"], session=session)
    context = {
        "chapter": chapter,
        "overview": service.member_overview(found, session=session),
        "open_sessions": sessions.count_open(found.id or 0, session=session),
    }
    return _templates(request).render(request, "orgs/member.html", context)


def member_sessions_end(request: Request) -> Response:
    """Office staff end every session of a member of the chapter."""
    session = db(request)
    chapter = service.chapter_by_key(request.path_params["key"], session=session)
    authorize(request, Action.MANAGE_MEMBERS, service.chapter_scope(chapter))
    found = service.member_in(chapter, request.path_params["member_id"], session=session)
    sessions.end_all(found.id or 0, session=session)
    flash(request, N_("Every session of this member has been ended."))
    return see_other(request, _member_path(request, chapter.key, found.id or 0))


async def _run(request: Request, handler: Any, values: dict[str, str]) -> Response:
    """Run a sync handler (DB work) off the event loop, after the form was read."""
    response: Response = await run_in_threadpool(handler, request, values)
    return response


routes = [
    Route("/chapters", chapter_list, name="chapters"),
    Route("/chapters/{key}", chapter_page, name="chapter"),
    Route("/chapters/{key}/roles", chapter_role_add, methods=["POST"], name="chapter_role_add"),
    Route(
        "/chapters/{key}/roles/{role_id:int}/delete",
        chapter_role_remove,
        methods=["POST"],
        name="chapter_role_remove",
    ),
    Route("/chapters/{key}/bodies/new", body_new_form, name="body_new"),
    Route("/chapters/{key}/bodies", body_create, methods=["POST"], name="body_create"),
    Route("/bodies/{key}", body_page, name="body"),
    Route("/bodies/{key}/edit", body_edit_form, name="body_edit"),
    Route("/bodies/{key}/edit", body_update, methods=["POST"], name="body_update"),
    Route("/bodies/{key}/roles", body_role_add, methods=["POST"], name="body_role_add"),
    Route(
        "/bodies/{key}/roles/{role_id:int}/delete",
        body_role_remove,
        methods=["POST"],
        name="body_role_remove",
    ),
    Route("/me", my_data, name="me"),
    Route("/me/sessions/end", my_sessions_end, methods=["POST"], name="me_sessions_end"),
    Route("/chapters/{key}/members", member_lookup, name="chapter_members"),
    Route("/chapters/{key}/members/{member_id:int}", member_page, name="chapter_member"),
    Route(
        "/chapters/{key}/members/{member_id:int}/sessions/end",
        member_sessions_end,
        methods=["POST"],
        name="chapter_member_sessions_end",
    ),
]
