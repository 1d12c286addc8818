"""The search page: one box over motions, amendments, resolutions and comments."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plenum.auth.current import require_member
from plenum.errors import ValidationFailed
from plenum.search import service
from plenum.search.index import KINDS
from plenum.web.dbsession import db
from plenum.web.pages import render

FIELDS = ("q", "chapter", "type")


def search_page(request: Request) -> Response:
    principal = require_member(request)
    values = {name: request.query_params.get(name, "") for name in (*FIELDS, "start")}
    try:
        query = service.parse(values)
    except ValidationFailed as exc:
        return _render(request, values, None, exc.errors, 422)
    results = None
    if query.text:
        results = service.search(query, principal=principal, session=db(request))
    return _render(request, values, results, {})


def _render(
    request: Request,
    values: dict[str, str],
    results: service.Results | None,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "values": values,
        "results": results,
        "errors": errors,
        "kinds": KINDS,
        "chapters": service.chapter_choices(session=db(request)),
    }
    return render(request, "search/search.html", context, status_code)


routes: list[BaseRoute] = [Route("/search", search_page, name="search")]
