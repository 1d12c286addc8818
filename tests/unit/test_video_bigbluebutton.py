"""The BigBlueButton provider, checked against the published API.

BigBlueButton cannot run here, so these are PROTOCOL tests against a stand-in: a small HTTP
server on loopback that checks checksums the way BigBlueButton documents them and answers
create, join, end and getMeetingInfo in the documented XML shape. They show that Plenum
speaks the protocol as published, not that a real server agrees.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from plenum.video.bigbluebutton import BigBlueButton
from plenum.video.provider import ProviderError, Room, Seat, VideoRole

SECRET = "stand-in-shared-secret-0123456789"
NOW = datetime(2025, 3, 8, 18, 0, tzinfo=UTC)
AWKWARD_NAME = "Jürgen Müller-Lüdenscheidt & <b>Söhne</b> ß"


@dataclass
class Meeting:
    params: dict[str, str]
    attendees: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class StandIn:
    """What the stand-in server knows: its secret, its meetings, and every call it saw."""

    secret: str
    meetings: dict[str, Meeting] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    refuse: dict[str, tuple[str, str]] = field(default_factory=dict)  # call -> key, message
    http_status: int = 200
    body: bytes | None = None  # answer this instead of the call's XML
    url: str = ""


def checksum_ok(secret: str, call: str, raw_query: str) -> bool:
    """BigBlueButton's rule: the digest of call name + query without checksum + secret;
    a 40-character checksum is SHA-1, a 64-character one SHA-256."""
    parts = raw_query.split("&")
    given = [part.removeprefix("checksum=") for part in parts if part.startswith("checksum=")]
    query = "&".join(part for part in parts if not part.startswith("checksum="))
    if len(given) != 1 or len(given[0]) not in (40, 64):
        return False
    algorithm = "sha1" if len(given[0]) == 40 else "sha256"
    expected = hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()
    return hmac.compare_digest(expected, given[0])


def response(returncode: str, key: str = "", message: str = "", **fields: str) -> ET.Element:
    root = ET.Element("response")
    ET.SubElement(root, "returncode").text = returncode
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    if key:
        ET.SubElement(root, "messageKey").text = key
        ET.SubElement(root, "message").text = message
    return root


NOT_FOUND = ("notFound", "We could not find a meeting with that meeting ID")


def create(state: StandIn, params: dict[str, str]) -> ET.Element:
    meeting_id = params["meetingID"]
    if meeting_id in state.meetings:
        return response(
            "SUCCESS",
            "duplicateWarning",
            "This conference was already in existence and may currently be in progress.",
            meetingID=meeting_id,
        )
    state.meetings[meeting_id] = Meeting(params)
    return response("SUCCESS", meetingID=meeting_id, createTime="1741456800000")


def join(state: StandIn, params: dict[str, str]) -> ET.Element:
    meeting = state.meetings.get(params["meetingID"])
    if meeting is None:
        return response("FAILED", *NOT_FOUND)
    meeting.attendees[params["userID"]] = params
    return response("SUCCESS", "successfullyJoined", "You have joined successfully.")


def end(state: StandIn, params: dict[str, str]) -> ET.Element:
    if state.meetings.pop(params["meetingID"], None) is None:
        return response("FAILED", *NOT_FOUND)
    return response("SUCCESS", "sentEndMeetingRequest", "A request to end the meeting was sent.")


def meeting_info(state: StandIn, params: dict[str, str]) -> ET.Element:
    meeting = state.meetings.get(params["meetingID"])
    if meeting is None:
        return response("FAILED", *NOT_FOUND)
    root = response("SUCCESS", meetingName=meeting.params["name"], meetingID=params["meetingID"])
    attendees = ET.SubElement(root, "attendees")
    for user_id, joined in meeting.attendees.items():
        attendee = ET.SubElement(attendees, "attendee")
        ET.SubElement(attendee, "userID").text = user_id
        ET.SubElement(attendee, "fullName").text = joined["fullName"]
        ET.SubElement(attendee, "role").text = joined["role"]
    return root


CALLS = {"create": create, "join": join, "end": end, "getMeetingInfo": meeting_info}


class Handler(BaseHTTPRequestHandler):
    server: StandInServer

    def do_GET(self) -> None:
        state = self.server.state
        path, _, raw_query = self.path.partition("?")
        call = path.removeprefix("/bigbluebutton/api/")
        params = {name: values[0] for name, values in parse_qs(raw_query).items()}
        state.calls.append((call, params))
        if state.http_status != 200:
            self.answer(b"<html>Bad Gateway</html>", state.http_status)
        elif state.body is not None:
            self.answer(state.body)
        elif call not in CALLS:
            self.answer(ET.tostring(response("FAILED", "noSuchCall", "no such call")))
        elif not checksum_ok(state.secret, call, raw_query):
            refused = response("FAILED", "checksumError", "Checksums do not match")
            self.answer(ET.tostring(refused))
        elif call in state.refuse:
            self.answer(ET.tostring(response("FAILED", *state.refuse[call])))
        else:
            self.answer(ET.tostring(CALLS[call](state, params)))

    def answer(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = state


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    state = StandIn(SECRET)
    server = StandInServer(state)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/bigbluebutton/api"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def http() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=5, trust_env=False) as client:
        yield client


@pytest.fixture(params=["sha1", "sha256"])
def checksum(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def bbb(stand_in: StandIn, http: httpx2.Client, checksum: str) -> BigBlueButton:
    return BigBlueButton(stand_in.url, SECRET, checksum=checksum, client=http, now=lambda: NOW)


ROOM = Room(
    meeting_id=17,
    key="plenum-17-a1b2c3",
    title="Landesparteitag Süd & <b>Nord</b>",
    secret="room-secret-never-shown",
    ends_at=NOW + timedelta(hours=1, minutes=30, seconds=20),
)


def a_room(**changes: Any) -> Room:
    return replace(ROOM, **changes)


def a_seat(role: VideoRole = VideoRole.LISTENER, name: str = "Erika Mustermann") -> Seat:
    return Seat(member_id=42, name=name, role=role)


def follow(http: httpx2.Client, url: str) -> ET.Element:
    """Open a join URL at the stand-in, as the member's browser would."""
    return ET.fromstring(http.get(url).content)  # noqa: S314 - the stand-in's own answer


def test_bbb_protocol_create_with_checksum_against_stand_in(stand_in, bbb, checksum):
    """Protocol test against a stand-in, not a real server: create carries the documented
    parameters and a checksum the stand-in accepts (SHA-1 and SHA-256)."""
    bbb.prepare(a_room())

    assert [call for call, _ in stand_in.calls] == ["create"]
    params = dict(stand_in.calls[0][1])
    assert len(params.pop("checksum")) == {"sha1": 40, "sha256": 64}[checksum]
    assert params == {
        "meetingID": "plenum-17-a1b2c3",
        "name": "Landesparteitag Süd & <b>Nord</b>",
        "record": "false",
        "autoStartRecording": "false",
        "allowStartStopRecording": "false",
        "duration": "91",
        "meta_plenum-meeting": "17",
        "lockSettingsDisableMic": "true",
        "lockSettingsDisableCam": "true",
        "lockSettingsLockOnJoin": "true",
    }
    assert "plenum-17-a1b2c3" in stand_in.meetings


def test_bbb_protocol_create_recording_room_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: a room that may be recorded
    asks for recording, allows the chair to start it and does not start it by itself."""
    bbb.prepare(a_room(recording=True))

    params = stand_in.calls[0][1]
    assert params["record"] == "true"
    assert params["allowStartStopRecording"] == "true"
    assert params["autoStartRecording"] == "false"


def test_bbb_protocol_wrong_secret_is_refused_against_stand_in(stand_in, http, checksum):
    """Protocol test against a stand-in, not a real server: a checksum made with another
    secret is refused with checksumError, and the provider says so."""
    wrong = BigBlueButton(
        stand_in.url, "not-the-shared-secret", checksum=checksum, client=http, now=lambda: NOW
    )

    with pytest.raises(ProviderError, match="checksumError"):
        wrong.prepare(a_room())
    assert stand_in.meetings == {}


def test_bbb_protocol_prepare_is_idempotent_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: preparing a ready room again
    gets BigBlueButton's duplicateWarning, which is no error, and changes nothing."""
    bbb.prepare(a_room())
    bbb.prepare(a_room())

    assert [call for call, _ in stand_in.calls] == ["create", "create"]
    assert list(stand_in.meetings) == ["plenum-17-a1b2c3"]


def test_bbb_protocol_duration_ends_with_the_meeting_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: duration is the whole minutes
    up to the meeting's end (naive end times are UTC); a past end opens no room."""
    bbb.prepare(a_room(ends_at=(NOW + timedelta(minutes=5)).replace(tzinfo=None)))
    assert stand_in.calls[0][1]["duration"] == "5"

    with pytest.raises(ProviderError, match="end time has passed"):
        bbb.prepare(a_room(key="plenum-18", ends_at=NOW))
    assert len(stand_in.calls) == 1


def test_bbb_protocol_join_url_parameters_and_checksum_against_stand_in(stand_in, bbb, checksum):
    """Protocol test against a stand-in, not a real server: the join URL is checked here
    on its own (parameters, no passwords, checksum recomputed) before the stand-in opens it."""
    calls_before = len(stand_in.calls)
    entry = bbb.admit(a_room(), a_seat())

    assert len(stand_in.calls) == calls_before  # building the URL is no HTTP call
    url = urlsplit(entry.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{stand_in.url}/join"
    query, _, given = url.query.rpartition("&checksum=")
    expected = hashlib.new(checksum, f"join{query}{SECRET}".encode()).hexdigest()
    assert given == expected
    assert parse_qs(query) == {
        "fullName": ["Erika Mustermann"],
        "meetingID": ["plenum-17-a1b2c3"],
        "role": ["VIEWER"],
        "userID": ["42"],
        "redirect": ["true"],
    }
    assert not entry.embedded


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (VideoRole.CHAIR, "MODERATOR"),
        (VideoRole.SPEAKER, "VIEWER"),
        (VideoRole.INTERPRETER, "VIEWER"),
        (VideoRole.LISTENER, "VIEWER"),
    ],
)
def test_bbb_protocol_moderator_only_for_chair_against_stand_in(
    stand_in, bbb, http, role, expected
):
    """Protocol test against a stand-in, not a real server: only the chair joins as
    MODERATOR; the stand-in accepts the URL and records the role."""
    bbb.prepare(a_room())
    answer = follow(http, bbb.admit(a_room(), a_seat(role)).url)

    assert answer.findtext("returncode") == "SUCCESS"
    assert stand_in.meetings["plenum-17-a1b2c3"].attendees["42"]["role"] == expected


@pytest.mark.parametrize(
    "name",
    [AWKWARD_NAME, "Anna Maria", "Zoë = 100% + 1/2?", "O'Brien; DROP TABLE #x"],
)
def test_bbb_protocol_names_survive_encoding_against_stand_in(stand_in, bbb, http, name):
    """Protocol test against a stand-in, not a real server: names with spaces, umlauts,
    ``&``, ``<b>``, ``%``, ``+`` and ``=`` reach the stand-in unchanged, checksums hold,
    and come back through getMeetingInfo's XML."""
    bbb.prepare(a_room(title=name))
    answer = follow(http, bbb.admit(a_room(title=name), a_seat(name=name)).url)

    assert answer.findtext("returncode") == "SUCCESS"
    meeting = stand_in.meetings["plenum-17-a1b2c3"]
    assert meeting.params["name"] == name
    assert meeting.attendees["42"]["fullName"] == name
    assert bbb.connected(a_room()) == {42}


def test_bbb_protocol_connected_lists_attendees_against_stand_in(stand_in, bbb, http):
    """Protocol test against a stand-in, not a real server: getMeetingInfo's attendees
    become member ids; a userID that is no member id (a dial-in, another app) is left out."""
    room = a_room()
    bbb.prepare(room)
    assert bbb.connected(room) == set()

    for member_id in (42, 7):
        follow(
            http, bbb.admit(room, Seat(member_id, f"Mitglied {member_id}", VideoRole.SPEAKER)).url
        )
    meeting = stand_in.meetings[room.key]
    for odd in ("w_abc123", "", "-3", "٤٢"):
        meeting.attendees[odd] = {"fullName": "Telefon", "role": "VIEWER"}

    assert bbb.connected(room) == {42, 7}
    assert stand_in.calls[-1][0] == "getMeetingInfo"


def test_bbb_protocol_connected_to_unknown_meeting_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: getMeetingInfo's notFound
    means nobody is connected."""
    assert bbb.connected(a_room()) == set()
    assert [call for call, _ in stand_in.calls] == ["getMeetingInfo"]


def test_bbb_protocol_end_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: end names the meeting (no
    password) and the stand-in drops it; ending it again meets notFound, which is fine."""
    room = a_room()
    bbb.prepare(room)

    bbb.end(room)
    assert stand_in.meetings == {}
    call, params = stand_in.calls[-1]
    assert call == "end"
    assert params.keys() == {"meetingID", "checksum"}
    assert params["meetingID"] == room.key

    bbb.end(room)
    assert [call for call, _ in stand_in.calls] == ["create", "end", "end"]


def test_bbb_protocol_role_changes_wait_for_rejoin_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: BigBlueButton's API cannot
    change a joined member's role, revoke sending or put out one user, so set_role,
    sending and dismiss make no call and raise nothing."""
    bbb.set_role(a_room(), a_seat(VideoRole.CHAIR))
    assert bbb.sending(a_room()) == set()
    bbb.dismiss(a_room(), 42)

    assert stand_in.calls == []


@pytest.mark.parametrize("call", ["create", "getMeetingInfo", "end"])
def test_bbb_protocol_failed_answer_is_provider_error_against_stand_in(stand_in, bbb, call):
    """Protocol test against a stand-in, not a real server: a FAILED answer other than
    notFound becomes a ProviderError naming the call, the messageKey and the message."""
    bbb.prepare(a_room())
    stand_in.refuse[call] = ("internalError", "Something went wrong on the server")

    with pytest.raises(ProviderError, match=rf"{call} \(internalError\): Something went wrong"):
        {"create": bbb.prepare, "getMeetingInfo": bbb.connected, "end": bbb.end}[call](a_room())


def test_bbb_protocol_http_error_is_provider_error_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: an HTTP error status (a proxy
    in front of BigBlueButton failing) becomes a ProviderError."""
    stand_in.http_status = 502

    with pytest.raises(ProviderError, match="HTTP 502"):
        bbb.prepare(a_room())
    with pytest.raises(ProviderError, match="HTTP 502"):
        bbb.connected(a_room())


def test_bbb_protocol_unreadable_answer_is_provider_error_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: an answer that is not XML
    (a login page, say) becomes a ProviderError."""
    stand_in.body = b"<html><body>Please log in<br></body></html>"

    with pytest.raises(ProviderError, match="no readable XML"):
        bbb.prepare(a_room())


def test_bbb_protocol_unreachable_server_is_provider_error_against_stand_in(checksum):
    """Protocol test against a stand-in, not a real server: here the stand-in is a closed
    loopback port; a server that cannot be reached becomes a ProviderError."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with httpx2.Client(timeout=2, trust_env=False) as http:
        bbb = BigBlueButton(
            f"http://127.0.0.1:{port}/bigbluebutton/api", SECRET, checksum=checksum, client=http
        )
        with pytest.raises(ProviderError, match="could not be reached for getMeetingInfo"):
            bbb.connected(a_room())


def test_bbb_protocol_unknown_checksum_is_refused_against_stand_in():
    """Protocol test against the stand-in's rules, not a real server: only SHA-1 and
    SHA-256, the checksums the stand-in (like BigBlueButton) tells apart, are offered."""
    with pytest.raises(ValueError, match="checksum"):
        BigBlueButton("http://127.0.0.1:9/bigbluebutton/api", SECRET, checksum="md5")


def test_bbb_protocol_meeting_id_and_name_limits_against_stand_in(stand_in, bbb):
    """Protocol test against a stand-in, not a real server: BigBlueButton's limits on
    meeting ids (2 to 256 characters, no comma) are checked before any call, and a long
    title is cut to the 256 characters a meeting name may have."""
    for key in ("p", "plenum,17", "p" * 257):
        with pytest.raises(ProviderError, match="not a BigBlueButton meeting id"):
            bbb.prepare(a_room(key=key))
    assert stand_in.calls == []

    bbb.prepare(a_room(title="Ä" * 300))
    assert stand_in.meetings[ROOM.key].params["name"] == "Ä" * 256
