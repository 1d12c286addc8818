"""What is happening in a chapter or a body: a page of its own, and the part the chapter's
and the body's pages load into themselves (``#happening``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.agenda import happening
from plenum.auth.current import require_member
from plenum.orgs.service import body_by_key, chapter_by_key
from plenum.web.dbsession import db
from plenum.web.pages import render


def chapter_now(request: Request) -> Response:
    session = db(request)
    chapter = chapter_by_key(request.path_params["key"], session=session)
    found = happening.for_chapter(chapter, require_member(request), session=session)
    context = {"chapter": chapter, "body": None, "now": found, "name": chapter.name}
    return render(request, "agenda/happening.html", context)


def body_now(request: Request) -> Response:
    session = db(request)
    body, chapter = body_by_key(request.path_params["key"], session=session)
    found = happening.for_body(body, chapter, require_member(request), session=session)
    context = {"chapter": chapter, "body": body, "now": found, "name": body.name}
    return render(request, "agenda/happening.html", context)


routes = [
    Route("/chapters/{key}/now", chapter_now, name="chapter_now"),
    Route("/bodies/{key}/now", body_now, name="body_now"),
]
