"""Pages and endpoints of a meeting's video room.

- ``/meetings/{id}/video``: the room page. Joining is a form (POST ``.../video/join``):
  for the link, BigBlueButton and Jitsi it answers with a redirect to the member's
  personal address; for Janus it prepares the room and shows the page with a join token.
- ``/meetings/{id}/video/janus[/{session}[/{handle}]]``: the relay. Every message of the
  page's Janus client passes here, is checked (``relay``) against the member, and only
  then goes on to Janus on loopback. The long poll for Janus's events passes too.
- ``/meetings/{id}/video/state``: what the page needs to know after a change (its role,
  who speaks, who is pinned, whether it records), as JSON.
- The chair's steps: pin an interpreter, recording on/off, open to the audience, end.
- ``/video/janus-events``: Janus's event handler, with its own password: who joined and
  left the room, which counts as presence.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from base64 import b64decode
from dataclasses import dataclass
from typing import Any

import httpx2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from plenum.auth.permissions import Action
from plenum.errors import N_, DomainError
from plenum.meetings import live
from plenum.meetings.routes import Seen, require, seen
from plenum.orgs.models import Member
from plenum.parsing import parse_int
from plenum.video import relay, service
from plenum.video.janus import ID_SPAN, JanusApi
from plenum.video.poll_passes import Key, PollPasses
from plenum.video.provider import ProviderError, VideoProvider
from plenum.web.dbsession import db, release
from plenum.web.htmx import see_other
from plenum.web.pages import render, run
from plenum.web.session import SESSION_ID
from plenum.web.templating import Templates, flash, path_for

log = logging.getLogger(__name__)
POLL_SECONDS = 30
MAX_MESSAGE = 64_000
POLL_PASSES = PollPasses()  # this process's; see poll_passes.py
ROOM_PERMISSIONS = "camera=(self), microphone=(self), geolocation=(), interest-cohort=()"


def provider(request: Request) -> VideoProvider:
    found: VideoProvider = request.app.state.video
    return found


def _state(request: Request, found: Seen) -> dict[str, Any]:
    session = db(request)
    room = service.room_of(found.at.meeting.id or 0, session=session)
    member_id = found.principal.member_id
    gate = service.door(found.at, member_id, found.may, room, session=session)
    role = service.role_of(found.at, member_id, found.may, session=session)
    speaker = service.current_speaker(found.at, session=session)
    return {
        "room": room,
        "door": gate,
        "role": role,
        "speaker": speaker,
        "pinned": room.pinned_member_id if room is not None else None,
        "recording": room is not None and room.recording_since is not None,
        "ended": room is not None and room.ended_at is not None,
    }


def room_page(request: Request) -> Response:
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    state = _state(request, found)
    session = db(request)
    settings = request.app.state.settings
    embedded = provider(request).name == "janus"
    room = state["room"]
    config: dict[str, Any] = {}
    if embedded and state["door"].open and room is not None and room.prepared_at is not None:
        seat = service.seat_of(found.at, found.principal.member_id, found.may, session=session)
        entry = provider(request).admit(service.as_room(found.at, room), seat)
        config = entry.config | {
            "token": service.join_token(
                found.at.meeting.id or 0, seat.member_id, settings.secret_key
            ),
            "me": seat.member_id,
            "idSpan": ID_SPAN,
            "relay": path_for(request, "video_relay", id=found.at.meeting.id),
            "state": path_for(request, "video_state", id=found.at.meeting.id),
            "recording": state["recording"],
        }
    templates: Templates = request.app.state.templates
    speakers_html = templates.shared(
        request,
        "meetings/live.html",
        "speakers",
        {"room": live.room(found.at, session=session), "meeting": found.at.meeting, "me": None},
    )
    context = {
        "meeting": found.at.meeting,
        "may": found.may,
        "state": state,
        "embedded": embedded,
        "config": json.dumps(config) if config else "",
        "speakers_html": speakers_html,
        "interpreters": [
            (str(member_id), name)
            for member_id, name in service.interpreters(found.at, session=session)
        ],
    }
    response = render(request, "video/room.html", context)
    # Everywhere else camera and microphone are off (SecurityHeadersMiddleware); the room
    # page itself may ask for them, after the member's own click.
    response.headers["Permissions-Policy"] = ROOM_PERMISSIONS
    return response


async def join(request: Request) -> Response:
    return await run(request, _join)


def _join(request: Request, values: dict[str, str]) -> Response:
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    session = db(request)
    chosen = provider(request)
    room = service.room_of(found.at.meeting.id or 0, session=session)
    gate = service.door(found.at, found.principal.member_id, found.may, room, session=session)
    back = path_for(request, "video_room", id=found.at.meeting.id)
    if not gate.open:
        flash(request, gate.reason)
        return see_other(request, back)
    room = service.ensure_room(found.at, chosen.name, session=session)
    try:
        service.prepared(room, chosen, found.at, session=session)
        seat = service.seat_of(found.at, found.principal.member_id, found.may, session=session)
        entry = chosen.admit(service.as_room(found.at, room), seat)
    except ProviderError as exc:
        log.warning("video provider %s: %s", chosen.name, exc)
        flash(
            request,
            N_("The video system cannot be reached. Please try again in a moment."),
        )
        return see_other(request, back)
    if entry.embedded:
        return see_other(request, back + "#stage")
    return RedirectResponse(entry.url, status_code=303)


def state(request: Request) -> Response:
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    current = _state(request, found)
    body = {
        "open": current["door"].open,
        "role": current["role"].value,
        "speaker": current["speaker"],
        "speaker_name": _name_of(request, current["speaker"]),
        "pinned": current["pinned"],
        "recording": current["recording"],
        "ended": current["ended"],
    }
    if current["door"].open and provider(request).name == "janus":
        # a fresh join token: the page's own lasts 120 s, and members open the room page
        # well before they click to enter (it is useless without the member's cookie)
        meeting_id = found.at.meeting.id or 0
        secret = request.app.state.settings.secret_key
        body["token"] = service.join_token(meeting_id, found.principal.member_id, secret)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _name_of(request: Request, member_id: int | None) -> str:
    member = db(request).get(Member, member_id) if member_id is not None else None
    return member.display_name if member is not None else ""


# --- the relay -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relayed:
    """A checked message, ready to go to Janus, and what to record of its answer."""

    path: str
    message: dict[str, Any]
    kind: str  # "create", "attach", or the handle's kind after a plugin message
    member_id: int
    meeting_id: int
    janus_session: int | None = None
    janus_handle: int | None = None
    plugin: str = ""


def _refusal(message: str, status: int = 403) -> JSONResponse:
    return JSONResponse({"janus": "error", "error": {"code": status, "reason": message}}, status)


async def relay_post(request: Request) -> Response:
    raw = await request.body()
    if len(raw) > MAX_MESSAGE:
        return _refusal(N_("This request is too large."), 413)
    try:
        envelope = json.loads(raw)
    except ValueError:
        return _refusal(N_("This request is not possible in the video room."), 400)
    if not isinstance(envelope, dict):
        return _refusal(N_("This request is not possible in the video room."), 400)
    try:
        answer: dict[str, Any] = await run_in_threadpool(_relay, request, envelope)
    except relay.Refused as exc:
        return _refusal(exc.message)
    except ProviderError as exc:
        log.warning("janus relay: %s", exc)
        return _refusal(
            N_("The video system cannot be reached. Please try again in a moment."), 502
        )
    return JSONResponse(answer)


def _relay(request: Request, envelope: dict[str, Any]) -> dict[str, Any]:
    """Check, pass on, and record what the answer made (a session, a handle)."""
    checked = _check(request, envelope)
    answer = _send(request.app.state.janus_api, checked)
    _record(request, checked, answer)
    return answer


def _check(request: Request, envelope: dict[str, Any]) -> Relayed:
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    session = db(request)
    meeting_id = found.at.meeting.id or 0
    member_id = found.principal.member_id
    room = service.room_of(meeting_id, session=session)
    gate = service.door(found.at, member_id, found.may, room, session=session)
    if not gate.open or room is None or room.prepared_at is None:
        raise relay.Refused(gate.reason or N_("The video room is not open."))
    params = request.path_params
    janus_session: int | None = params.get("session")
    janus_handle: int | None = params.get("handle")
    at = (
        "handle" if janus_handle is not None else "session" if janus_session is not None else "root"
    )
    message = relay.check_request(envelope, at=at)
    base: dict[str, Any] = {"member_id": member_id, "meeting_id": meeting_id}
    if at == "root":
        token = request.headers.get("x-video-token", "")
        settings = request.app.state.settings
        if not service.token_holds(token, meeting_id, member_id, settings.secret_key):
            raise relay.Refused(
                N_("Your way into the video room has expired. Please reload the page.")
            )
        if len(service.open_sessions(meeting_id, member_id, session=session)) >= service.MAX_TABS:
            raise relay.Refused(
                N_("You are in this video room in too many tabs. Please leave one of them first.")
            )
        return Relayed("", message, "create", **base)
    mine = (
        service.session_of(janus_session, meeting_id, member_id, session=session)
        if janus_session is not None
        else None
    )
    if janus_session is None or mine is None:
        raise relay.Refused(N_("This is not your video session."))
    if janus_handle is None:
        if message["janus"] == "attach" and (
            service.handles_in(janus_session, session=session) >= service.MAX_HANDLES
        ):
            raise relay.Refused(N_("This request is not possible in the video room."))
        return Relayed(
            f"/{janus_session}",
            message,
            message["janus"],
            janus_session=janus_session,
            plugin=message.get("plugin", ""),
            **base,
        )
    handle = service.handle_of(janus_session, janus_handle, session=session)
    if handle is None:
        raise relay.Refused(N_("This is not your video session."))
    kind = handle.kind
    if message["janus"] == "message":
        role = service.role_of(found.at, member_id, found.may, session=session)
        caller = relay.Caller(
            member_id, _name_of(request, member_id), role, int(room.key), mine.tab
        )
        jsep = message.get("jsep", {})
        body, kind = relay.check_body(
            handle.plugin,
            handle.kind,
            envelope.get("body"),
            caller,
            jsep=jsep.get("type"),
            sdp=jsep.get("sdp", ""),
        )
        message["body"] = body
    path = f"/{janus_session}/{janus_handle}"
    return Relayed(
        path,
        message,
        kind,
        janus_session=janus_session,
        janus_handle=janus_handle,
        plugin=handle.plugin,
        **base,
    )


def _send(api: JanusApi, checked: Relayed) -> dict[str, Any]:
    try:
        answer = api.client.post(api.url + checked.path, json=checked.message)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
    except (httpx2.HTTPError, ValueError) as exc:
        raise ProviderError(str(exc)) from exc
    return data


def _record(request: Request, checked: Relayed, answer: dict[str, Any]) -> None:
    if answer.get("janus") != "success" and answer.get("janus") != "ack":
        return
    session = db(request)
    new_id = (answer.get("data") or {}).get("id")
    if checked.kind == "create" and isinstance(new_id, int):
        service.open_session(checked.meeting_id, checked.member_id, new_id, session=session)
    elif checked.kind == "attach" and isinstance(new_id, int) and checked.janus_session:
        service.record_handle(checked.janus_session, new_id, checked.plugin, session=session)
    elif checked.message["janus"] == "destroy" and checked.janus_session:
        service.heard("closed", checked.janus_session, session=session)
    elif checked.message["janus"] == "detach" and checked.janus_handle:
        service.forget_handle(checked.janus_handle, session=session)
    elif checked.janus_handle:
        service.set_handle_kind(checked.janus_handle, checked.kind, session=session)


async def relay_poll(request: Request) -> Response:
    key = _poll_key(request)
    if key is not None and POLL_PASSES.holds(key):
        janus_session = key[2]  # checked in full less than a second ago (poll_passes.py)
    else:
        try:
            janus_session = await run_in_threadpool(_may_poll, request)
        except relay.Refused as exc:
            return _refusal(exc.message)
        if key is not None:
            POLL_PASSES.grant(key)
    await release(request)
    api: JanusApi = request.app.state.janus_api
    url = f"{api.url}/{janus_session}"
    params = {"maxev": "10", "rid": secrets.token_hex(4)}
    try:
        poller: httpx2.AsyncClient | None = getattr(request.app.state, "janus_poller", None)
        if poller is None:  # an app run without its lifespan
            async with httpx2.AsyncClient(timeout=POLL_SECONDS + 10) as client:
                answer = await client.get(url, params=params)
        else:  # one client for every poll: a new one cost 22 ms of the loop (bench/video.py)
            answer = await poller.get(url, params=params)
        data = answer.json()
    except (httpx2.HTTPError, ValueError) as exc:
        log.warning("janus relay poll: %s", exc)
        return _refusal(
            N_("The video system cannot be reached. Please try again in a moment."), 502
        )
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


def _poll_key(request: Request) -> Key | None:
    login = request.session.get(SESSION_ID) if "session" in request.scope else None
    if not isinstance(login, str):
        return None
    return (login, int(request.path_params["id"]), int(request.path_params["session"]))


def _may_poll(request: Request) -> int:
    found = seen(request)
    require(found.may.live, Action.ENTER_LIVE_ROOM)
    janus_session = int(request.path_params["session"])
    session = db(request)
    meeting_id, member_id = found.at.meeting.id or 0, found.principal.member_id
    room = service.room_of(meeting_id, session=session)
    gate = service.door(found.at, member_id, found.may, room, session=session)
    if not gate.open:
        raise relay.Refused(gate.reason)
    if service.session_of(janus_session, meeting_id, member_id, session=session) is None:
        raise relay.Refused(N_("This is not your video session."))
    return janus_session


# --- the chair's steps -------------------------------------------------------------------------


def _chair(request: Request) -> Seen:
    found = seen(request, lock=True)  # the chair's steps on one room, one after the other
    require(found.may.run, Action.RUN_MEETING)
    return found


def _chair_step(request: Request, action: Any) -> Response:
    found = _chair(request)
    try:
        action(found)
    except DomainError as exc:
        flash(request, exc.message)
    except ProviderError as exc:
        log.warning("video provider: %s", exc)
        flash(
            request,
            N_("The video system cannot be reached. Please try again in a moment."),
        )
    return see_other(request, path_for(request, "video_room", id=found.at.meeting.id))


async def pin(request: Request) -> Response:
    return await run(request, _pin, "member_id")


def _pin(request: Request, values: dict[str, str]) -> Response:
    member_id = parse_int(values.get("member_id", ""))
    return _chair_step(
        request, lambda found: service.set_pinned(found.at, member_id or None, session=db(request))
    )


async def recording(request: Request) -> Response:
    return await run(request, _recording, "on")


def _recording(request: Request, values: dict[str, str]) -> Response:
    on = values.get("on") == "1"
    return _chair_step(
        request, lambda found: service.set_recording(found.at, on, session=db(request))
    )


async def settings_step(request: Request) -> Response:
    return await run(request, _settings_step, "open_to_audience", "captions_url")


def _settings_step(request: Request, values: dict[str, str]) -> Response:
    captions = values.get("captions_url", "").strip()
    if captions and not captions.startswith("https://"):
        found = _chair(request)
        flash(request, N_("Please enter a web address beginning with https://."))
        return see_other(request, path_for(request, "video_room", id=found.at.meeting.id))
    on = values.get("open_to_audience") == "1"
    return _chair_step(
        request,
        lambda found: service.set_open_to_audience(
            found.at, on, captions[:500], provider(request).name, session=db(request)
        ),
    )


async def end_room(request: Request) -> Response:
    return await run(request, _end_room)


def _end_room(request: Request, values: dict[str, str]) -> Response:
    return _chair_step(
        request, lambda found: service.end(found.at, provider(request), session=db(request))
    )


# --- Janus's events --------------------------------------------------------------------------


def _events_allowed(request: Request) -> bool:
    secret = request.app.state.settings.janus_events_secret
    header = request.headers.get("authorization", "")
    if not secret or not header.lower().startswith("basic "):
        return False
    try:
        user, _, password = b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return user == "janus" and hmac.compare_digest(password.encode(), secret.encode())


async def janus_events(request: Request) -> Response:
    if not _events_allowed(request):
        return Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="janus"'})
    raw = await request.body()
    try:
        found = json.loads(raw)
    except ValueError:
        return Response(status_code=400)
    happened = service.events_of(found if isinstance(found, list) else [found])
    if happened:
        await run_in_threadpool(_heard, request, happened)
    return Response(status_code=204)


def _heard(request: Request, happened: list[tuple[str, int]]) -> None:
    session = db(request)
    for kind, janus_session in happened:
        service.heard(kind, janus_session, session=session)


routes = [
    Route("/meetings/{id:int}/video", room_page, name="video_room"),
    Route("/meetings/{id:int}/video/join", join, methods=["POST"], name="video_join"),
    Route("/meetings/{id:int}/video/state", state, name="video_state"),
    Route("/meetings/{id:int}/video/janus", relay_post, methods=["POST"], name="video_relay"),
    Route(
        "/meetings/{id:int}/video/janus/{session:bigid}",
        relay_post,
        methods=["POST"],
        name="video_relay_session",
    ),
    Route(
        "/meetings/{id:int}/video/janus/{session:bigid}",
        relay_poll,
        methods=["GET"],
        name="video_relay_poll",
    ),
    Route(
        "/meetings/{id:int}/video/janus/{session:bigid}/{handle:bigid}",
        relay_post,
        methods=["POST"],
        name="video_relay_handle",
    ),
    Route("/meetings/{id:int}/video/pin", pin, methods=["POST"], name="video_pin"),
    Route(
        "/meetings/{id:int}/video/recording", recording, methods=["POST"], name="video_recording"
    ),
    Route(
        "/meetings/{id:int}/video/settings", settings_step, methods=["POST"], name="video_settings"
    ),
    Route("/meetings/{id:int}/video/end", end_room, methods=["POST"], name="video_end"),
    Route("/video/janus-events", janus_events, methods=["POST"], name="video_janus_events"),
]
