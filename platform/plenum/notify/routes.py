"""The member's notifications: the list, and marking everything as read."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.current import require_member
from plenum.notify import service
from plenum.web.dbsession import db
from plenum.web.htmx import see_other
from plenum.web.templating import Templates, path_for


def notifications(request: Request) -> Response:
    found = require_member(request)
    templates: Templates = request.app.state.templates
    items = service.recent(found.member_id, session=db(request))
    context = {"items": items, "groups": service.grouped(items)}
    return templates.render(request, "notify/notifications.html", context)


def mark_read(request: Request) -> Response:
    found = require_member(request)
    service.mark_all_read(found.member_id, session=db(request))
    return see_other(request, path_for(request, "notifications"))


routes = [
    Route("/notifications", notifications, name="notifications"),
    Route("/notifications/read", mark_read, methods=["POST"], name="notifications_read"),
]
