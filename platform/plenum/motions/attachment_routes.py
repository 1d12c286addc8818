"""Attachments of a motion: upload (multipart), download, delete."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.errors import N_, ValidationFailed
from plenum.motions import attachments, service
from plenum.web import uploads
from plenum.web.csrf import MIB
from plenum.web.dbsession import db
from plenum.web.htmx import see_other
from plenum.web.templating import flash, path_for

# The one route that takes more than a form: a file and the form around it, for logged-in
# members only (``web.csrf.BodyLimits``).
BODY_LIMITS = ((re.compile(r"/motions/\d+/attachments"), attachments.MAX_BYTES + MIB),)


async def upload(request: Request) -> Response:
    name, data = await uploads.read_file(request, attachments.MAX_BYTES)
    response: Response = await run_in_threadpool(_upload, request, name, data)
    return response


def _upload(request: Request, name: str, data: bytes) -> Response:
    session = db(request)
    at = service.motion_place(request.path_params["id"], session=session)
    found = require_member(request)
    service.require_view(at.motion, at.place, principal=found, session=session)
    try:
        attachments.add(at.motion, at.place, name, data, principal=found, session=session)
    except ValidationFailed as exc:
        session.rollback()
        flash(request, exc.errors["file"])
    else:
        flash(request, N_("The file has been attached."))
    return see_other(request, path_for(request, "motion", id=at.motion.id) + "#attachments")


def download(request: Request) -> Response:
    session = db(request)
    attachment = attachments.get(request.path_params["id"], session=session)
    at = service.motion_place(attachment.motion_id, session=session)
    found = require_member(request)
    service.require_view(at.motion, at.place, principal=found, session=session)
    return uploads.download(attachment.filename, attachment.content_type, attachment.data)


def remove(request: Request) -> Response:
    session = db(request)
    attachment = attachments.get(request.path_params["id"], session=session)
    at = service.motion_place(attachment.motion_id, session=session)
    found = require_member(request)
    service.require_view(at.motion, at.place, principal=found, session=session)
    attachments.remove(attachment, at.motion, at.place, principal=found, session=session)
    flash(request, N_("The attachment has been removed."))
    return see_other(request, path_for(request, "motion", id=at.motion.id) + "#attachments")


routes = [
    Route("/motions/{id:int}/attachments", upload, methods=["POST"], name="attachment_upload"),
    Route("/attachments/{id:int}", download, name="attachment"),
    Route("/attachments/{id:int}/delete", remove, methods=["POST"], name="attachment_remove"),
]
