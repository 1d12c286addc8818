"""A call's management table: the board sees every motion and amendment with status,
recommendation and decision, filters them, and publishes or records recommendations for
the selected ones at once (all or nothing, ``motions.management``)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.auth.permissions import PermissionDenied, Principal
from plenum.errors import DomainError, ValidationFailed
from plenum.i18n import ngettext
from plenum.motions import management, service
from plenum.motions.forms import TransitionInput
from plenum.motions.models import Status
from plenum.web.dbsession import db
from plenum.web.forms import form_items
from plenum.web.htmx import see_other
from plenum.web.pages import render
from plenum.web.templating import flash, path_for


def _board(request: Request) -> tuple[service.CallPlace, Principal]:
    place = service.call_place(request.path_params["id"], session=db(request))
    found = require_member(request)
    if not management.may_manage(place, found):
        raise PermissionDenied("motions.manage_table")
    return place, found


def _filters(request: Request) -> dict[str, str]:
    status = request.query_params.get("status", "")
    kind = request.query_params.get("kind", "")
    return {
        "status": status if status in {s.value for s in Status} else "",
        "kind": kind if kind in management.KINDS else "",
    }


def _page(
    request: Request,
    place: service.CallPlace,
    found: Principal,
    *,
    filters: dict[str, str],
    selected: set[str] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    session = db(request)
    context: dict[str, Any] = {
        "place": place,
        "rows": management.entries(place, session=session, **filters),
        "filters": filters,
        "statuses": [s for s in Status if s != Status.DRAFT],
        "selected": selected or set(),
        "values": values or {},
        "errors": errors or {},
        "refused": refused or [],
        "may_publish": service.may_step("publish", place, found),
        "may_recommend": service.may_step("recommend", place, found),
        "recommendations": management.BULK_RECOMMENDATIONS,
    }
    return render(request, "motions/manage.html", context, status_code)


def manage_page(request: Request) -> Response:
    place, found = _board(request)
    return _page(request, place, found, filters=_filters(request))


async def manage_step(request: Request) -> Response:
    items = await form_items(request)
    response: Response = await run_in_threadpool(_manage_step, request, items)
    return response


def _manage_step(request: Request, items: list[tuple[str, str]]) -> Response:
    place, found = _board(request)
    values = {k: v.strip() for k, v in items if k != "selected"}
    keys = [v for k, v in items if k == "selected"]
    step = values.get("step", "")
    data = TransitionInput(recommendation=values.get("recommendation", ""))
    filters = {"status": values.get("status_filter", ""), "kind": values.get("kind_filter", "")}
    filters = {k: (v if v in _allowed(k) else "") for k, v in filters.items()}

    def again(errors: dict[str, str], status: int, refused: Any = None) -> Response:
        """The table again, as the member left it, with what was refused and why."""
        return _page(
            request,
            place,
            found,
            filters=filters,
            selected=set(keys),
            values=values,
            errors=errors,
            refused=refused,
            status_code=status,
        )

    try:
        moved = management.bulk(place, step, keys, data, principal=found, session=db(request))
    except ValidationFailed as exc:
        return again(exc.errors, 422)
    except management.BulkRefused as exc:
        return again({"selected": exc.message}, 409, exc.items)
    except DomainError as exc:  # an item moved meanwhile (a request at the same moment)
        db(request).rollback()  # what this request changed before is undone, and not shown
        return again({"selected": exc.message}, 409)
    done = ngettext("%(num)d item has taken the step.", "%(num)d items have taken the step.", moved)
    flash(request, done % {"num": moved})  # translated here: it holds a number
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return see_other(
        request, path_for(request, "call_manage", id=place.call.id) + (f"?{query}" if query else "")
    )


def _allowed(name: str) -> set[str]:
    if name == "status":
        return {s.value for s in Status}
    return set(management.KINDS)


routes = [
    Route("/calls/{id:int}/manage", manage_page, name="call_manage"),
    Route("/calls/{id:int}/manage", manage_step, methods=["POST"], name="call_manage_step"),
]
