"""The live room: the page, its event stream, the speakers' list steps of members and of
the chair, announcements, and the desk (check-in and hall requests).

Every step is a plain form that answers with a redirect back to the room (without
JavaScript a reload shows the new state); with htmx the live regions update by the
stream, for everyone within a second.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

import anyio
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from plenum.auth.permissions import Action
from plenum.errors import N_, DomainError
from plenum.i18n import current_locale, in_locale
from plenum.meetings import agenda, live, presence, queue, room_votes, speakers
from plenum.meetings.access import meeting_place
from plenum.meetings.models import AgendaItem
from plenum.meetings.routes import Seen, require, seen
from plenum.parsing import form_number, parse_int
from plenum.web.dbsession import db, release
from plenum.web.forms import form_items
from plenum.web.htmx import see_other
from plenum.web.live import Hub, events_of
from plenum.web.pages import render, run
from plenum.web.templating import Templates, flash, path_for

SPEAK_FIELDS = ("kind", "category", "stance", "text")


def _back(request: Request, found: Seen, name: str = "meeting_live") -> Response:
    return see_other(request, path_for(request, name, id=found.at.meeting.id))


def _context(request: Request, found: Seen) -> dict[str, Any]:
    room = live.room(found.at, session=db(request))
    return {
        "room": room,
        "meeting": found.at.meeting,
        "may": found.may,
        "may_vote": found.may.speak
        and room_votes.may_hold_seat(found.at, found.principal.member_id, session=db(request)),
        "me": found.principal.member_id,
        "mine": live.my_requests(room, found.principal.member_id),
        "rule": found.at.meeting.speaker_rule,
    }


def live_page(request: Request) -> Response:
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    if found.may.speak:  # a look at the room counts as being there (without JavaScript too)
        presence.seen_online(
            found.at.meeting.id or 0, [found.principal.member_id], session=db(request)
        )
    return render(request, "meetings/live.html", _context(request, found))


def chair_panel(request: Request) -> Response:
    """The chair's controls, fetched again by htmx when the list changes."""
    found = seen(request)
    require(found.may.run, Action.RUN_MEETING)
    return render(request, "meetings/live.html", _context(request, found), block="chair")


# --- the stream -------------------------------------------------------------------------------


class Heartbeats:
    """Members with an open stream, per meeting: written as present every HEARTBEAT."""

    def __init__(self, also: Callable[[Session], dict[int, list[int]]] | None = None) -> None:
        self.open: dict[int, Counter[int]] = {}
        self.also = also  # members present by other means (a video room), read each beat

    def add(self, meeting_id: int, member_id: int) -> None:
        self.open.setdefault(meeting_id, Counter())[member_id] += 1

    def remove(self, meeting_id: int, member_id: int) -> None:
        members = self.open.get(meeting_id)
        if members is None:
            return
        members[member_id] -= 1
        if members[member_id] <= 0:
            del members[member_id]
        if not members:
            del self.open[meeting_id]

    async def run(self, database: Any) -> None:
        """Every HEARTBEAT, from a moment of its own within the first HEARTBEAT after the
        start (processes started together do not all write at once, and a stream that
        reconnects after a restart is written within one HEARTBEAT, well inside GRACE)."""
        every = presence.HEARTBEAT.total_seconds()
        pause = secrets.randbelow(int(every * 1000)) / 1000
        while True:
            await asyncio.sleep(pause)
            pause = every
            snapshot = {meeting: list(members) for meeting, members in self.open.items()}
            if snapshot or self.also is not None:
                await anyio.to_thread.run_sync(_write_heartbeats, database, snapshot, self.also)


def _write_heartbeats(
    database: Any,
    snapshot: dict[int, list[int]],
    also: Callable[[Session], dict[int, list[int]]] | None = None,
) -> None:
    with database.session() as session:
        for meeting_id, more in (also(session) if also is not None else {}).items():
            snapshot[meeting_id] = [*snapshot.get(meeting_id, []), *more]
        for meeting_id, members in snapshot.items():
            presence.seen_online(meeting_id, members, session=session)
        session.commit()


async def stream(request: Request) -> Response:
    found = await anyio.to_thread.run_sync(_may_watch, request)
    await release(request)  # a stream holds no database session for its hours
    hub: Hub = request.app.state.hub
    heartbeats: Heartbeats = request.app.state.heartbeats
    meeting_id = found.at.meeting.id or 0
    topic = live.topic(meeting_id)
    watcher = hub.open(topic, current_locale.get(), _renderer(request), regions=live.SHARED)
    counted = found.may.speak
    if counted:
        heartbeats.add(meeting_id, found.principal.member_id)

    async def body() -> Any:
        try:
            async for chunk in events_of(hub, watcher):
                yield chunk
        finally:
            if counted:
                heartbeats.remove(meeting_id, found.principal.member_id)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


def _may_watch(request: Request) -> Seen:
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    return found


def _renderer(request: Request) -> Any:
    database = request.app.state.database
    templates: Templates = request.app.state.templates

    async def render_region(topic: str, region: str, locale: str) -> str:
        meeting_id = int(topic.split(":", 1)[1])
        return await anyio.to_thread.run_sync(
            _render_region, request, database, templates, meeting_id, region, locale
        )

    return render_region


def _render_region(
    request: Request,
    database: Any,
    templates: Templates,
    meeting_id: int,
    region: str,
    locale: str,
) -> str:
    if region not in live.SHARED:
        return ""  # regions only some see are fetched by them, on the event's name
    with database.session() as session, in_locale(locale):
        at = meeting_place(meeting_id, session=session)
        context = {"room": live.room(at, session=session), "meeting": at.meeting, "me": None}
        return templates.shared(request, "meetings/live.html", region, context)


# --- members' steps -----------------------------------------------------------------------------


def _current(request: Request, found: Seen) -> AgendaItem:
    item_id = found.at.meeting.current_item_id
    if item_id is None:
        raise DomainError(N_("No agenda item is being dealt with."))
    return agenda.item_of(found.at, item_id, session=db(request))


def _step(request: Request, found: Seen, action: Any) -> Response:
    """Do ``action``; a refusal goes back to the room with its message (and changes nothing)."""
    try:
        action()
    except DomainError as exc:
        return _refused(request, found, exc)
    return _back(request, found)


def _refused(request: Request, found: Seen, exc: DomainError) -> Response:
    context = _context(request, found) | {"refusal": exc.message}
    return render(request, "meetings/live.html", context, 409)


async def speak(request: Request) -> Response:
    return await run(request, _speak, *SPEAK_FIELDS)


def _speak(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.speak, Action.ASK_TO_SPEAK)
    kind = values.get("kind") if values.get("kind") in tuple(queue.Kind) else queue.Kind.SPEECH
    data = speakers.Ask(
        member_id=found.principal.member_id,
        kind=str(kind),
        category=_choice(values, "category", queue.Category, queue.Category.OPEN),
        stance=_choice(values, "stance", queue.Stance, queue.Stance.NONE),
        channel=_channel(request, found),
        text=values.get("text", "").strip()[:2000],
    )
    return _step(
        request,
        found,
        lambda: speakers.ask(found.at, _current(request, found), data, session=db(request)),
    )


def _choice(values: dict[str, str], name: str, kind: Any, default: Any) -> str:
    value = values.get(name, "")
    return value if value in tuple(kind) else str(default)


def _channel(request: Request, found: Seen) -> str:
    """A member checked in at the hall asks from the hall; everyone else online."""
    here = presence.present_ids(found.at.meeting.id or 0, session=db(request))
    hall = dict(presence.hall_list(found.at.meeting.id or 0, session=db(request)))
    if found.principal.member_id in here and found.principal.member_id in hall:
        return queue.Channel.HALL.value
    return queue.Channel.ONLINE.value


async def send_question(request: Request) -> Response:
    return await run(request, _send_question, "item_id", "text", "category")


def _send_question(request: Request, values: dict[str, str]) -> Response:
    """A question or statement sent in before the meeting for one agenda item: it waits
    on that item's list as a written contribution, and the chair reads it out."""
    found = seen(request, lock=True)
    require(found.may.speak, Action.ASK_TO_SPEAK)
    session = db(request)
    item = agenda.item_of(found.at, parse_int(values.get("item_id", "")) or 0, session=session)
    text = values.get("text", "").replace("\r\n", "\n").strip()
    meeting_page = path_for(request, "meeting", id=found.at.meeting.id)
    if not text or len(text) > 2000:
        flash(request, N_("Please write your question (at most 2,000 characters)."))
        return see_other(request, meeting_page)
    data = speakers.Ask(
        member_id=found.principal.member_id,
        kind=queue.Kind.QUESTION.value,
        category=_choice(values, "category", queue.Category, queue.Category.OPEN),
        channel=queue.Channel.WRITTEN.value,
        text=text,
    )
    try:
        speakers.ask(found.at, item, data, session=session)
    except DomainError as exc:
        flash(request, exc.message)
        return see_other(request, meeting_page)
    flash(request, N_("Your question is on the list of this item; the chair reads it out."))
    return see_other(request, meeting_page)


async def withdraw(request: Request) -> Response:
    return await run(request, _withdraw, "request_id")


def _withdraw(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.speak or found.may.desk, Action.ASK_TO_SPEAK)
    request_id = parse_int(values.get("request_id", "")) or 0
    own = None if found.may.desk else found.principal.member_id
    return _step(
        request,
        found,
        lambda: speakers.withdraw(
            found.at, _current(request, found), request_id, own, session=db(request)
        ),
    )


# --- the chair's steps -------------------------------------------------------------------------


async def call(request: Request) -> Response:
    return await run(request, _call, "request_id", "reason")


def _call(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.run, Action.RUN_MEETING)
    request_id = parse_int(values.get("request_id", ""))
    reason = values.get("reason", "")
    return _step(
        request,
        found,
        lambda: speakers.call(
            found.at, _current(request, found), request_id, reason=reason, session=db(request)
        ),
    )


async def timer(request: Request) -> Response:
    return await run(request, _timer, "action", "seconds")


def _timer(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.run, Action.RUN_MEETING)
    seconds = form_number(values, "seconds", 10, 3600, {}) or speakers.SPEAKING_SECONDS

    def act() -> None:
        item = _current(request, found)
        if values.get("action") == "stop":
            speakers.stop_time(found.at, item, session=db(request))
        else:
            speakers.start_time(found.at, item, seconds, session=db(request))

    return _step(request, found, act)


async def speakers_list(request: Request) -> Response:
    return await run(request, _speakers_list, "action", "further")


def _speakers_list(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.run, Action.RUN_MEETING)
    action = values.get("action", "")
    further = form_number(values, "further", 0, 99, {}) or 0

    def act() -> None:
        item = _current(request, found)
        if action == "open_for":
            speakers.open_for(found.at, item, further, session=db(request))
        else:
            speakers.set_closed(found.at, item, action == "close", session=db(request))

    return _step(request, found, act)


async def announce(request: Request) -> Response:
    return await run(request, _announce, "announcement")


def _announce(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.run, Action.RUN_MEETING)
    text = " ".join(values.get("announcement", "").split())[:1000]
    if not text:
        return _refused(request, found, DomainError(N_("Please write the announcement.")))
    live.announce_text(found.at, text, actor=found.principal.member_id, session=db(request))
    return _back(request, found)


async def form_values_prefixed(request: Request, prefix: str) -> dict[str, str]:
    """The form's fields whose names start with ``prefix`` (one per answer of a ballot)."""
    return {name: value for name, value in await form_items(request) if name.startswith(prefix)}


# --- votes in the room ---------------------------------------------------------------------------


def vote_panel(request: Request) -> Response:
    """The chair's and the desk's steps on the current item's vote, fetched again by them
    when it changes (for anyone else the part is empty)."""
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    return render(request, "meetings/live.html", _context(request, found), block="vote_steps")


async def open_vote(request: Request) -> Response:
    return await run(request, _open_vote, "hall_analog")


def _open_vote(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.run, Action.RUN_MEETING)
    hall_analog = bool(values.get("hall_analog"))
    return _step(
        request,
        found,
        lambda: room_votes.open_in_room(
            found.at,
            _current(request, found),
            hall_analog=hall_analog,
            principal=found.principal,
            session=db(request),
        ),
    )


async def hall_count(request: Request) -> Response:
    values = await form_values_prefixed(request, "count-")
    return await run_in_threadpool(_hall_count, request, values)


def _hall_count(request: Request, values: dict[str, str]) -> Response:
    found = seen(request, lock=True)
    require(found.may.desk, Action.MEETING_DESK)
    counts: dict[int, int] = {}
    for name, raw in values.items():
        option_id = parse_int(name.removeprefix("count-"))
        count = form_number({"n": raw}, "n", 0, 1_000_000, {})
        if option_id is None or (raw.strip() and count is None):
            return _refused(request, found, DomainError(N_("Please enter whole numbers.")))
        counts[option_id] = count or 0
    return _step(
        request,
        found,
        lambda: room_votes.enter_hall_count(
            found.at,
            _current(request, found),
            counts,
            actor=found.principal.member_id,
            session=db(request),
        ),
    )


# --- the desk ---------------------------------------------------------------------------------


def _desk(request: Request, *, lock: bool = False) -> Seen:
    found = seen(request, lock=lock)
    require(found.may.desk, Action.MEETING_DESK)
    return found


def desk_page(request: Request) -> Response:
    return _desk_page(request, _desk(request))


def _desk_page(
    request: Request, found: Seen, refusal: str | None = None, status_code: int = 200
) -> Response:
    session = db(request)
    meeting_id = found.at.meeting.id or 0
    current = found.at.meeting.current_item_id
    context: dict[str, Any] = {
        "meeting": found.at.meeting,
        "present": presence.counts(meeting_id, session=session),
        "registered": [
            (str(i), name) for i, name in presence.registered_names(found.at, session=session)
        ],
        "hall": [(str(i), name) for i, name in presence.hall_list(meeting_id, session=session)],
        "current": agenda.item_of(found.at, current, session=session) if current else None,
        "values": {},
        "errors": {},
    }
    if refusal is not None:
        context["refusal"] = refusal
    return render(request, "meetings/desk.html", context, status_code)


async def check_in(request: Request) -> Response:
    return await run(request, _check_in, "code", "member_id")


def _check_in(request: Request, values: dict[str, str]) -> Response:
    found = _desk(request, lock=True)
    session = db(request)
    member_id = parse_int(values.get("member_id", ""))
    try:
        if member_id is not None:
            registered = dict(presence.registered_names(found.at, session=session))
            if member_id not in registered:
                raise DomainError(N_("This member is not registered."))
            member = presence.check_in_member(found.at, member_id, session=session)
        else:
            member = presence.check_in(found.at, values.get("code", ""), session=session)
    except DomainError as exc:
        return _desk_page(request, found, exc.message, 409)
    flash(request, N_("The member is checked in."))
    del member
    return _back(request, found, "meeting_desk")


async def hall_request(request: Request) -> Response:
    return await run(request, _hall_request, "member_id", "kind", "category", "stance")


def _hall_request(request: Request, values: dict[str, str]) -> Response:
    found = _desk(request, lock=True)
    session = db(request)
    member_id = parse_int(values.get("member_id", ""))
    hall = dict(presence.hall_list(found.at.meeting.id or 0, session=session))
    kind = values.get("kind") if values.get("kind") in tuple(queue.Kind) else queue.Kind.SPEECH
    data = speakers.Ask(
        member_id=member_id,
        kind=str(kind),
        category=_choice(values, "category", queue.Category, queue.Category.OPEN),
        stance=_choice(values, "stance", queue.Stance, queue.Stance.NONE),
        channel=queue.Channel.HALL.value,
        entered_by=found.principal.member_id,
    )
    try:
        if member_id is None or member_id not in hall:
            raise DomainError(N_("Please choose a member checked in at the hall."))
        speakers.ask(found.at, _current(request, found), data, session=session)
    except DomainError as exc:
        return _desk_page(request, found, exc.message, 409)
    return _back(request, found, "meeting_desk")


routes = [
    Route("/meetings/{id:int}/desk", desk_page, name="meeting_desk"),
    Route("/meetings/{id:int}/desk/check-in", check_in, methods=["POST"], name="meeting_check_in"),
    Route(
        "/meetings/{id:int}/desk/request",
        hall_request,
        methods=["POST"],
        name="meeting_hall_request",
    ),
    Route("/meetings/{id:int}/live", live_page, name="meeting_live"),
    Route("/meetings/{id:int}/live/stream", stream, name="meeting_stream"),
    Route("/meetings/{id:int}/live/chair", chair_panel, name="meeting_chair"),
    Route("/meetings/{id:int}/live/speak", speak, methods=["POST"], name="meeting_speak"),
    Route("/meetings/{id:int}/live/withdraw", withdraw, methods=["POST"], name="meeting_withdraw"),
    Route("/meetings/{id:int}/questions", send_question, methods=["POST"], name="meeting_question"),
    Route("/meetings/{id:int}/live/call", call, methods=["POST"], name="meeting_call"),
    Route("/meetings/{id:int}/live/time", timer, methods=["POST"], name="meeting_time"),
    Route(
        "/meetings/{id:int}/live/list", speakers_list, methods=["POST"], name="meeting_list_step"
    ),
    Route("/meetings/{id:int}/live/announce", announce, methods=["POST"], name="meeting_announce"),
    Route("/meetings/{id:int}/live/vote", vote_panel, name="meeting_vote_panel"),
    Route("/meetings/{id:int}/live/vote", open_vote, methods=["POST"], name="meeting_vote_open"),
    Route(
        "/meetings/{id:int}/desk/hall-count",
        hall_count,
        methods=["POST"],
        name="meeting_hall_count",
    ),
]
