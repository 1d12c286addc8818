"""The minutes of a meeting: written per item by the minute-taker, published by the chair,
read (with attendance and the fairness overview) and commented on by the audience."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plenum.auth.permissions import Action
from plenum.discuss.models import Thread
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.meetings import agenda, minutes
from plenum.meetings.routes import Seen, require, seen
from plenum.parsing import form_number
from plenum.votes.models import Vote
from plenum.web.dbsession import db
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.templating import flash, path_for


def _context(request: Request, found: Seen, errors: dict[str, str] | None = None) -> dict[str, Any]:
    session = db(request)
    meeting = found.at.meeting
    items = agenda.items_of(meeting.id or 0, session=session)
    per_item, total = minutes.fairness(items, session=session)
    thread = session.get(Thread, meeting.minutes_thread_id) if meeting.minutes_thread_id else None
    votes = {item.vote_id: session.get(Vote, item.vote_id) for item in items if item.vote_id}
    return {
        "meeting": meeting,
        "may": found.may,
        "items": items,
        "votes": votes,
        "outcomes": minutes.outcomes(items, found.principal, session=session),
        "per_item": per_item,
        "total": total,
        "thread": thread,
        "comments_open": minutes.comments_open(thread),
        "days": minutes.COMMENT_DAYS,
        "errors": errors or {},
    }


def minutes_page(request: Request) -> Response:
    found = seen(request)
    return render(request, "meetings/minutes.html", _context(request, found))


async def write(request: Request) -> Response:
    item_id = request.path_params["item_id"]
    return await run(request, _write, f"minutes-{item_id}")


def _write(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.minutes, Action.TAKE_MINUTES)
    session = db(request)
    item = agenda.item_of(found.at, request.path_params["item_id"], session=session)
    try:
        minutes.write(found.at, item, values.get(f"minutes-{item.id}", ""), session=session)
    except ValidationFailed as exc:
        context = _context(request, found, exc.errors)
        return render(request, "meetings/minutes.html", context, 422)
    except DomainError as exc:
        flash(request, exc.message)
    return see_other(request, path_for(request, "meeting_minutes", id=found.at.meeting.id))


async def publish(request: Request) -> Response:
    return await run(request, _publish, "days")


def _publish(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.run, Action.RUN_MEETING)
    days = form_number(values, "days", 1, 365, {}) or 0
    try:
        minutes.publish(found.at, days=days, principal=found.principal, session=db(request))
    except ValidationFailed as exc:
        return render(request, "meetings/minutes.html", _context(request, found, exc.errors), 422)
    except DomainError as exc:
        flash(request, exc.message)
        return see_other(request, path_for(request, "meeting_minutes", id=found.at.meeting.id))
    flash(request, N_("The minutes are published."))
    return see_other(request, path_for(request, "meeting_minutes", id=found.at.meeting.id))


routes = [
    Route("/meetings/{id:int}/minutes", minutes_page, name="meeting_minutes"),
    Route("/meetings/{id:int}/minutes/publish", publish, methods=["POST"], name="minutes_publish"),
    Route(
        "/meetings/{id:int}/minutes/{item_id:int}", write, methods=["POST"], name="minutes_write"
    ),
]
