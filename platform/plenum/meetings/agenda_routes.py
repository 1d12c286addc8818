"""The chair's agenda page: add, reorder and remove items, attach documents, and move the
current item; and the documents' downloads for everyone who may see the meeting."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.permissions import Action
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.i18n import gettext
from plenum.meetings import agenda, documents
from plenum.meetings.routes import Seen, require, seen
from plenum.web import uploads
from plenum.web.csrf import MIB
from plenum.web.dbsession import db
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for

# Uploads of documents take a file (``web.csrf.BodyLimits``), for logged-in members only.
BODY_LIMITS = ((re.compile(r"/meetings/\d+/agenda/\d+/documents"), documents.MAX_BYTES + MIB),)
LINK_KINDS = {"motion": N_("Motion"), "call": N_("Call for motions"), "vote": N_("Vote")}


def _running(request: Request, *, lock: bool = False) -> Seen:
    found = seen(request, lock=lock)
    require(found.may.run, Action.RUN_MEETING)
    return found


def agenda_page(request: Request) -> Response:
    return _page(request, _running(request), {"kind": "discussion"}, {})


def _page(
    request: Request,
    found: Seen,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    session = db(request)
    links = agenda.links_for(found.at, session=session)
    items = agenda.items_of(found.at.meeting.id or 0, session=session)
    context = {
        "meeting": found.at.meeting,
        "items": items,
        "documents": documents.documents_of(items, session=session),
        "link_options": [
            (link.value, f"{gettext(LINK_KINDS[link.kind])}: {link.label}") for link in links
        ],
        "values": values,
        "errors": errors,
    }
    return render(request, "meetings/agenda.html", context, status_code)


def _back(request: Request, found: Seen) -> Response:
    return see_other(request, path_for(request, "meeting_agenda", id=found.at.meeting.id))


async def add(request: Request) -> Response:
    return await run(request, _add, *agenda.ITEM_FIELDS)


def _add(request: Request, values: dict[str, str]) -> Response:
    found = _running(request, lock=True)
    session = db(request)
    try:
        data = agenda.parse_item(values, agenda.links_for(found.at, session=session))
    except ValidationFailed as exc:
        return _page(request, found, values, exc.errors, 422)
    agenda.add_item(found.at, data, session=session)
    flash(request, N_("The item has been added."))
    return _back(request, found)


async def move(request: Request) -> Response:
    return await run(request, _move, "step")


def _move(request: Request, values: dict[str, str]) -> Response:
    found = _running(request, lock=True)
    session = db(request)
    item = agenda.item_of(found.at, request.path_params["item_id"], session=session)
    step = {"up": -1, "down": 1}.get(values.get("step", ""), 0)
    agenda.move_item(found.at, item, step, session=session)
    return _back(request, found)


async def remove(request: Request) -> Response:
    return await run(request, _remove)


def _remove(request: Request, _values: dict[str, str]) -> Response:
    found = _running(request, lock=True)
    session = db(request)
    item = agenda.item_of(found.at, request.path_params["item_id"], session=session)
    try:
        agenda.remove_item(found.at, item, session=session)
    except DomainError as exc:
        flash(request, exc.message)
        return _back(request, found)
    flash(request, N_("The item has been removed."))
    return _back(request, found)


async def make_current(request: Request) -> Response:
    return await run(request, _make_current)


def _make_current(request: Request, _values: dict[str, str]) -> Response:
    found = _running(request, lock=True)
    session = db(request)
    item = agenda.item_of(found.at, request.path_params["item_id"], session=session)
    agenda.make_current(found.at, item, session=session)
    return _back(request, found)


async def finish(request: Request) -> Response:
    return await run(request, _finish)


def _finish(request: Request, _values: dict[str, str]) -> Response:
    found = _running(request, lock=True)
    agenda.finish(found.at, session=db(request))
    return _back(request, found)


async def attach(request: Request) -> Response:
    field = f"file-{request.path_params['item_id']}"
    name, data = await uploads.read_file(request, documents.MAX_BYTES, field)
    response: Response = await run_in_threadpool(_attach, request, field, name, data)
    return response


def _attach(request: Request, field: str, name: str, data: bytes) -> Response:
    found = _running(request, lock=True)
    session = db(request)
    item = agenda.item_of(found.at, request.path_params["item_id"], session=session)
    try:
        documents.add(found.at, item, name, data, principal=found.principal, session=session)
    except ValidationFailed as exc:
        errors = {field: exc.errors["file"]}
        return _page(request, found, {"kind": "discussion"}, errors, 422)
    flash(request, N_("The document has been attached."))
    return _back(request, found)


async def detach(request: Request) -> Response:
    return await run(request, _detach)


def _detach(request: Request, _values: dict[str, str]) -> Response:
    found = _running(request, lock=True)
    session = db(request)
    document = documents.get(found.at, request.path_params["doc_id"], session=session)
    documents.remove(found.at, document, session=session)
    flash(request, N_("The document has been removed."))
    return _back(request, found)


def download(request: Request) -> Response:
    found = seen(request)
    document = documents.get(found.at, request.path_params["doc_id"], session=db(request))
    return uploads.download(document.filename, document.content_type, document.data)


_ITEM = "/meetings/{id:int}/agenda/{item_id:int}"
_DOCUMENT = "/meetings/{id:int}/documents/{doc_id:int}"
routes = [
    Route("/meetings/{id:int}/agenda", agenda_page, name="meeting_agenda"),
    Route("/meetings/{id:int}/agenda", add, methods=["POST"], name="agenda_add"),
    Route("/meetings/{id:int}/agenda/finish", finish, methods=["POST"], name="agenda_finish"),
    Route(f"{_ITEM}/move", move, methods=["POST"], name="agenda_move"),
    Route(f"{_ITEM}/remove", remove, methods=["POST"], name="agenda_remove"),
    Route(f"{_ITEM}/current", make_current, methods=["POST"], name="agenda_current"),
    Route(f"{_ITEM}/documents", attach, methods=["POST"], name="agenda_attach"),
    Route(_DOCUMENT, download, name="agenda_document"),
    Route(f"{_DOCUMENT}/remove", detach, methods=["POST"], name="agenda_detach"),
]
