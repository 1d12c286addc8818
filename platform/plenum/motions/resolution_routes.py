"""Pages of resolutions: a body's list, the permanent page of one, import and editing."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import LoginRequired, authorize, principal
from plenum.auth.permissions import Action, may
from plenum.errors import N_, NotFound, ValidationFailed
from plenum.motions import forms, resolutions
from plenum.orgs.models import Body, Chapter
from plenum.orgs.service import body_by_key, body_scope
from plenum.parsing import parse_int
from plenum.web.dbsession import db
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for


def _readable(request: Request) -> tuple[Body, Chapter]:
    """The body, if its resolutions are public or the member may read them."""
    body, chapter = body_by_key(request.path_params["key"], session=db(request))
    found = principal(request)
    if not resolutions.may_read(body, chapter, found):
        if found is None:
            raise LoginRequired
        raise NotFound(N_("This resolution does not exist."))
    return body, chapter


def list_page(request: Request) -> Response:
    session = db(request)
    body, chapter = _readable(request)
    raw_year = request.query_params.get("year", "")
    year = parse_int(raw_year, high=9999)
    topic = request.query_params.get("topic", "")
    context = {
        "body": body,
        "chapter": chapter,
        "rows": resolutions.resolutions_of(body, session=session, year=year, topic=topic),
        "filters": resolutions.filters(body, session=session),
        "year": year,
        "topic": topic,
        "can_manage": may(principal(request), Action.MANAGE_RESOLUTIONS, body_scope(body, chapter)),
    }
    return render(request, "motions/resolutions.html", context, block="resolution_list")


def page(request: Request) -> Response:
    session = db(request)
    body, chapter = _readable(request)
    found = resolutions.resolution_at(
        body, request.path_params["year"], request.path_params["seq"], session=session
    )
    context = {
        "body": body,
        "chapter": chapter,
        "resolution": found,
        "can_manage": may(principal(request), Action.MANAGE_RESOLUTIONS, body_scope(body, chapter)),
    }
    return render(request, "motions/resolution.html", context)


def _managed(request: Request) -> tuple[Body, Chapter]:
    body, chapter = body_by_key(request.path_params["key"], session=db(request))
    authorize(request, Action.MANAGE_RESOLUTIONS, body_scope(body, chapter))
    return body, chapter


def import_form(request: Request) -> Response:
    body, chapter = _managed(request)
    return _import_form(request, body, chapter, {}, {})


def _import_form(
    request: Request,
    body: Body,
    chapter: Chapter,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {"body": body, "chapter": chapter, "values": values, "errors": errors}
    return render(request, "motions/resolution_import.html", context, status_code, block="form")


async def import_submit(request: Request) -> Response:
    return await run(request, _import_submit, "document")


def _import_submit(request: Request, values: dict[str, str]) -> Response:
    body, chapter = _managed(request)
    try:
        found = resolutions.import_text(body, values["document"], session=db(request))
    except ValidationFailed as exc:
        db(request).rollback()
        return _import_form(request, body, chapter, values, exc.errors, 422)
    flash(request, N_("The resolution has been imported."))
    return see_other(request, _path(request, body, found))


def _path(request: Request, body: Body, found: Any) -> str:
    return path_for(request, "resolution", key=body.key, year=found.year, seq=found.sequence)


def edit_form(request: Request) -> Response:
    body, _chapter = _managed(request)
    found = resolutions.resolution_at(
        body, request.path_params["year"], request.path_params["seq"], session=db(request)
    )
    values = {name: str(getattr(found, name)) for name in forms.RESOLUTION_FIELDS}
    return _edit_form(request, body, found, values, {})


def _edit_form(
    request: Request,
    body: Body,
    found: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {"body": body, "resolution": found, "values": values, "errors": errors}
    return render(request, "motions/resolution_form.html", context, status_code, block="form")


async def edit_submit(request: Request) -> Response:
    return await run(request, _edit_submit, *forms.RESOLUTION_FIELDS)


def _edit_submit(request: Request, values: dict[str, str]) -> Response:
    body, _chapter = _managed(request)
    session = db(request)
    found = resolutions.resolution_at(
        body, request.path_params["year"], request.path_params["seq"], session=session
    )
    try:
        resolutions.update(found, forms.parse_resolution(values), session=session)
    except ValidationFailed as exc:
        return _edit_form(request, body, found, values, exc.errors, 422)
    flash(request, N_("The changes have been saved."))
    return see_other(request, _path(request, body, found))


_ONE = "/bodies/{key}/resolutions/{year:int}/{seq:int}"
routes = [
    Route("/bodies/{key}/resolutions", list_page, name="resolutions"),
    Route("/bodies/{key}/resolutions/import", import_form, name="resolution_import"),
    Route(
        "/bodies/{key}/resolutions/import",
        import_submit,
        methods=["POST"],
        name="resolution_import_submit",
    ),
    Route(_ONE, page, name="resolution"),
    Route(_ONE + "/edit", edit_form, name="resolution_edit"),
    Route(_ONE + "/edit", edit_submit, methods=["POST"], name="resolution_edit_submit"),
]
