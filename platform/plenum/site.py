"""Site-wide pages, above every domain: the start page, the health check, the language
switch, the member's data export, and what every template is told about the member."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from plenum.agenda.service import agenda
from plenum.agenda.tasks import tasks
from plenum.auth import sessions
from plenum.auth.current import member, principal, require_member
from plenum.auth.routes import UNKNOWN_CHAPTERS
from plenum.auth.service import set_locale
from plenum.errors import N_, NotFound
from plenum.i18n import LOCALES
from plenum.meetings.service import upcoming_for
from plenum.motions import service as motions_service
from plenum.notify.service import unread_count
from plenum.orgs import service
from plenum.orgs.models import Member
from plenum.series import service as series_service
from plenum.surveys.campaign import member_data as campaign_data
from plenum.surveys.service import named_answers, open_for_member
from plenum.web.dbsession import db
from plenum.web.forms import form_values, local_path
from plenum.web.templating import Templates

log = logging.getLogger(__name__)


def home(request: Request) -> Response:
    """Logged out: what Plenum is and a login button. Logged in: what needs the member."""
    templates: Templates = request.app.state.templates
    found = principal(request)
    items = agenda(found, session=db(request)) if found else []
    context = {
        "agenda": items,
        "tasks": tasks(found, session=db(request)) if found else [],
        "meetings": upcoming_for(found, session=db(request)) if found else [],
        "surveys": open_for_member(found.member_id, session=db(request)) if found else [],
        "logged_in": bool(found),
        "unknown_chapters": request.session.get(UNKNOWN_CHAPTERS, []) if found else [],
    }
    return templates.render(request, "home.html", context)


async def healthz(request: Request) -> Response:
    try:
        ok = await run_in_threadpool(request.app.state.database.ping)
    except SQLAlchemyError:
        log.exception("health check: database not reachable")
        ok = False
    return JSONResponse(
        {"status": "ok" if ok else "error", "database": ok}, status_code=200 if ok else 503
    )


async def choose_language(request: Request) -> Response:
    values = await form_values(request, "locale", "next")
    locale = values["locale"]
    if locale in LOCALES:
        request.session["locale"] = locale
        await run_in_threadpool(_remember_locale, request, locale)
    return RedirectResponse(local_path(values["next"]), status_code=303)


def _remember_locale(request: Request, locale: str) -> None:
    """Keep the language for the logged-in member (only while the session is valid)."""
    found = principal(request)
    if found is not None:
        set_locale(found.member_id, locale, session=db(request))


def my_data_export(request: Request) -> Response:
    principal = require_member(request)
    session = db(request)
    member = session.get(Member, principal.member_id)
    if member is None:
        raise NotFound(N_("Member not found."))
    data = service.export_member_data(member, session=session)
    data["motions"] = motions_service.member_data(principal.member_id, session=session)
    data["series"] = series_service.member_data(principal.member_id, session=session)
    data["surveys"] = [
        {
            "survey": survey.title,
            "answers": json.loads(response.answers or "{}"),
            "channel": response.channel,
            "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None,
        }
        for survey, response in named_answers(principal.member_id, session=session)
    ]
    data["survey_calls"] = campaign_data(principal.member_id, session=session)
    opened = sessions.opened_at(principal.member_id, session=session)
    data["sessions"] = [{"created_at": moment.isoformat()} for moment in opened]
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="plenum-meine-daten.json"'},
    )


def template_context(request: Request) -> dict[str, Any]:
    found = principal(request)
    unread = unread_count(found.member_id, session=db(request)) if found else 0
    return {"member": member(request), "principal": found, "unread_notifications": unread}


routes = [
    Route("/", home, name="home"),
    Route("/healthz", healthz, name="healthz"),
    Route("/language", choose_language, methods=["POST"], name="language"),
    Route("/me/export.json", my_data_export, name="me_export"),
]
