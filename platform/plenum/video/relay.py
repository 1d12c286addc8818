"""What a member's page may ask of Janus through Plenum, checked message by message.

Plenum passes a member's Janus messages on only after ``check_request`` (the Janus
envelope: create, attach, message, trickle, ...) and ``check_body`` (the plugin request
inside a message). The checks fix what the member may not choose: the room, their
participant id and display name (their own, from the member record), and whether they
may send. Everything else a plugin offers (creating, destroying, kicking, muting others,
recording, forwarding) is refused. These are pure functions of the message and the
caller, so they are tested for all inputs (tests/unit/test_video_relay.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plenum.errors import N_
from plenum.video.janus import AUDIOBRIDGE, PLUGINS, SENT_MIDS, VIDEOROOM, participant_id
from plenum.video.provider import VideoRole

ENVELOPES = ("create", "attach", "message", "trickle", "keepalive", "detach", "hangup", "destroy")
PUBLISHER, SUBSCRIBER, BRIDGE = "publisher", "subscriber", "bridge"


class Refused(ValueError):
    """The message is not one a member may send; nothing is passed on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Caller:
    member_id: int
    name: str
    role: VideoRole
    room: int  # the Janus room number of the meeting
    tab: int  # 1 .. ID_SPAN-1: which of the member's tabs


def check_request(envelope: dict[str, Any], *, at: str) -> dict[str, Any]:
    """The Janus envelope, where ``at`` says what the path names: "root" (no session),
    "session" or "handle". Only the fields Janus needs pass; the transaction is kept."""
    kind = envelope.get("janus")
    expected = {"create": "root", "attach": "session", "keepalive": "session"}
    expected |= {"destroy": "session"}
    if kind not in ENVELOPES or expected.get(str(kind), "handle") != at:
        raise Refused(N_("This request is not possible in the video room."))
    clean: dict[str, Any] = {
        "janus": kind,
        "transaction": str(envelope.get("transaction", ""))[:64],
    }
    if kind == "attach":
        if envelope.get("plugin") not in PLUGINS:
            raise Refused(N_("This request is not possible in the video room."))
        clean["plugin"] = envelope["plugin"]
    if kind == "trickle":
        for key in ("candidate", "candidates"):
            if key in envelope:
                clean[key] = envelope[key]
    if kind == "message" and "jsep" in envelope:
        clean["jsep"] = _jsep(envelope["jsep"])
    return clean


def _jsep(jsep: Any) -> dict[str, Any]:
    if not isinstance(jsep, dict) or jsep.get("type") not in ("offer", "answer"):
        raise Refused(N_("This request is not possible in the video room."))
    return {"type": jsep["type"], "sdp": str(jsep.get("sdp", ""))}


def _streams(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > 16:
        raise Refused(N_("This request is not possible in the video room."))
    streams = []
    for stream in raw:
        if not isinstance(stream, dict):
            raise Refused(N_("This request is not possible in the video room."))
        kept = {k: stream[k] for k in ("feed", "mid", "sub_mid", "send") if k in stream}
        if "feed" in kept and not isinstance(kept["feed"], int):
            raise Refused(N_("This request is not possible in the video room."))
        streams.append(kept)
    return streams


def check_body(
    plugin: str, kind: str, body: Any, caller: Caller, jsep: str | None = None, sdp: str = ""
) -> tuple[dict[str, Any], str]:
    """The plugin request to pass on, and what the handle is after it (``kind``: "" for a
    handle not yet joined). ``jsep``: the type of the session description the message
    carries ("offer", "answer"), if any, and ``sdp`` its text: in the video room an offer
    is what publishes (Janus takes any offer on a publisher's handle as one), so it goes
    only with ``publish`` or ``configure`` of a member who may send, naming its m-lines
    only as Plenum can mute them (``SENT_MIDS``), and an answer only with a subscriber's
    ``start``. The audio bridge takes both: its muting is Janus's own."""
    if not isinstance(body, dict):
        raise Refused(N_("This request is not possible in the video room."))
    if plugin == VIDEOROOM:
        clean, after = _videoroom(kind, body, caller)
        _description_fits(clean["request"], kind, jsep, caller)
        if jsep == "offer":
            _mids_fit(sdp)
        return clean, after
    if plugin == AUDIOBRIDGE:
        return _audiobridge(kind, body, caller)
    raise Refused(N_("This request is not possible in the video room."))


def _description_fits(request: str, kind: str, jsep: str | None, caller: Caller) -> None:
    if jsep is None:
        return
    if jsep == "offer" and kind == PUBLISHER and request in ("publish", "configure"):
        _may_send(caller)
        return
    if jsep == "answer" and kind == SUBSCRIBER and request == "start":
        return
    raise Refused(N_("This request is not possible in the video room."))


# characters that end a line for Python's splitlines() but not for Janus, which splits
# an SDP at "\n" and ends a line at its first "\r": none may occur in a published offer
_BREAKS = frozenset("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _mids_fit(sdp: str) -> None:
    """Every m-line of a published offer is an audio or video one named by its place
    ("0", "1", ... as browsers name them, and as Janus names an m-line it finds no name
    for), at most ``len(SENT_MIDS)``: the follower mutes a speaker whose turn ended by
    those names (``Janus.set_role``), and a stream under another name, or under a name
    another stream has too, would go on being seen until the member is put out. Read as
    Janus's parser reads an SDP: lines split at "\n", "\r" only at a line's end,
    attribute lines from a lower-case "a=", the attribute's name in any case, its value
    as written."""
    refused = Refused(N_("This request is not possible in the video room."))
    sections: list[list[str]] = []  # the names found in each m-section
    for raw in sdp.split("\n"):
        line = raw[:-1] if raw.endswith("\r") else raw
        if _BREAKS & set(line):
            raise refused
        if line.startswith("m="):
            if not line.startswith(("m=audio ", "m=video ")):
                raise refused
            sections.append([])
        elif line.startswith("a=") and ":" in line:
            name, value = line[2:].split(":", 1)
            if name.lower() == "mid":
                if not sections:
                    raise refused  # at session level: no m-line's name
                sections[-1].append(value)
    if len(sections) > len(SENT_MIDS):
        raise refused
    for place, names in enumerate(sections):
        if names != [str(place)]:
            raise refused


def _me(caller: Caller) -> dict[str, Any]:
    return {"id": participant_id(caller.member_id, caller.tab), "display": caller.name}


def _may_send(caller: Caller) -> None:
    if not caller.role.sends:
        raise Refused(N_("Only the chair, the called speaker and interpreters can send."))


def _videoroom(kind: str, body: dict[str, Any], caller: Caller) -> tuple[dict[str, Any], str]:
    request = body.get("request")
    room = {"room": caller.room}
    if request == "join" and not kind:
        if body.get("ptype") == PUBLISHER:
            return {"request": "join", "ptype": PUBLISHER, **room, **_me(caller)}, PUBLISHER
        if body.get("ptype") == SUBSCRIBER:
            streams = _streams(body.get("streams", []))
            return {"request": "join", "ptype": SUBSCRIBER, **room, "streams": streams}, SUBSCRIBER
    if request == "listparticipants":
        return {"request": "listparticipants", **room}, kind
    if kind == PUBLISHER:
        if request == "publish":
            _may_send(caller)
            kept: dict[str, Any] = {k: body[k] for k in ("bitrate", "descriptions") if k in body}
            return {"request": "publish", **kept}, kind
        if request == "configure":  # only a publisher's own settings: senders only
            _may_send(caller)
            return {"request": "configure", "streams": _streams(body.get("streams", []))}, kind
        if request in ("unpublish", "leave"):
            return {"request": request}, kind
    if kind == SUBSCRIBER:
        if request in ("subscribe", "unsubscribe", "update", "switch"):
            kept = {
                k: _streams(body[k]) for k in ("streams", "subscribe", "unsubscribe") if k in body
            }
            return {"request": request, **kept}, kind
        if request == "configure":
            return {"request": "configure", "streams": _streams(body.get("streams", []))}, kind
        if request in ("start", "pause", "leave"):
            return {"request": request}, kind
    raise Refused(N_("This request is not possible in the video room."))


def _audiobridge(kind: str, body: dict[str, Any], caller: Caller) -> tuple[dict[str, Any], str]:
    request = body.get("request")
    room = {"room": caller.room}
    if request == "join" and not kind:
        muted = not caller.role.sends or body.get("muted", True) is not False
        return {"request": "join", **room, **_me(caller), "muted": muted}, BRIDGE
    if request == "listparticipants":
        return {"request": "listparticipants", **room}, kind
    if kind == BRIDGE and request == "configure":
        clean: dict[str, Any] = {"request": "configure"}
        if "muted" in body:
            if body["muted"] is False:
                _may_send(caller)
            clean["muted"] = body["muted"] is not False
        return clean, kind
    if kind == BRIDGE and request == "leave":
        return {"request": "leave"}, kind
    raise Refused(N_("This request is not possible in the video room."))
