"""Video rooms on a real Janus (Debian's ``janus``, started on loopback for the run):
the provider makes and ends rooms and switches roles; the relay lets a member's page in
only with their own fresh join token, under their own id and name, and never lets a
listener send; Janus's events about who joined count as presence.

No media flows here (no browser): Janus accepts joins without WebRTC, which is enough for
rooms, roles and events. Media is tested in ``tests/browser/test_video_browser.py``.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from plenum.clock import utcnow
from plenum.meetings import presence
from plenum.meetings.models import Meeting, Registration, RegistrationStatus
from plenum.video import routes, service
from plenum.video.janus import AUDIOBRIDGE, ID_SPAN, VIDEOROOM, Janus
from plenum.video.models import VideoRoom, VideoSession
from plenum.video.poll_passes import PollPasses
from plenum.video.provider import Room, Seat, VideoRole
from tests.support.factories import claims, structure
from tests.support.janus import JanusApi, janus_events_fixture, janus_fixture  # noqa: F401
from tests.support.meetings import make_meeting
from tests.support.web import enrol, log_in_as, page, post, token

MEMBER = claims("mia", name="Mia Mitglied", number="770001")
OTHER = claims("ole", name="Ole Ohneanmeldung", number="770002")
STAFF = claims(
    "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="770003"
)
EVENTS_SECRET = "janus-events-test-secret"


@pytest.fixture
def settings(settings, janus):  # the suite's settings, with the run's Janus
    return settings.with_changes(
        janus_url=janus.config.api_url,
        video_provider="janus",
        janus_events_secret=EVENTS_SECRET,
    )


@pytest.fixture
def world(session, settings) -> dict[str, Any]:
    org = structure(session)
    people = {
        sub: enrol(session, settings, sub, values)
        for sub, values in (("mia", MEMBER), ("ole", OTHER), ("gina", STAFF))
    }
    meeting = make_meeting(
        session,
        org.state,
        None,
        people["gina"],
        starts=utcnow() - timedelta(minutes=10),
        mode="online",
    )
    session.add(
        Registration(
            meeting_id=meeting.id,
            member_id=people["mia"],
            channel="online",
            check_in_code=secrets.token_hex(4).upper(),
        )
    )
    session.commit()
    return {"meeting": meeting.id, **people}


def room_row(session, meeting: int) -> int:
    """The meeting's room as Plenum records it once prepared (at a new room number)."""
    number = secrets.randbelow(2**40) + 1
    session.add(
        VideoRoom(
            meeting_id=meeting,
            provider="janus",
            key=str(number),
            secret="room-secret",
            prepared_at=utcnow(),
        )
    )
    return number


def cancel_registration(session, meeting: int, member: int) -> None:
    """The office cancels the member's registration (straight in the database)."""
    row = session.exec(
        select(Registration).where(
            Registration.meeting_id == meeting, Registration.member_id == member
        )
    ).one()
    row.status = RegistrationStatus.CANCELLED
    session.commit()


def room_of(number: int) -> Room:
    return Room(
        meeting_id=1,
        key=str(number),
        title="Probe",
        secret="room-secret",
        ends_at=utcnow() + timedelta(hours=1),
    )


def exists(api: JanusApi, plugin: str, number: int) -> bool:
    session = api.create_session()
    handle = api.attach(session, plugin)
    answer = api.message(session, handle, {"request": "exists", "room": number})
    api.destroy(session)
    return bool(answer["plugindata"]["data"]["exists"])


def test_the_janus_provider_makes_switches_dismisses_and_ends_on_the_real_janus(janus):
    """prepare twice (the second changes nothing), a participant joins the bridge
    unmuted, set_role(listener) mutes them, connected names the member, dismiss kicks
    them, end destroys both rooms."""
    provider = Janus(janus.config.api_url)
    api = JanusApi(janus.config.api_url)
    number = secrets.randbelow(2**40) + 1
    room = room_of(number)
    provider.prepare(room)
    provider.prepare(room)
    assert exists(api, VIDEOROOM, number)
    assert exists(api, AUDIOBRIDGE, number)
    session = api.create_session()
    handle = api.attach(session, AUDIOBRIDGE)
    api.message(
        session,
        handle,
        {
            "request": "join",
            "room": number,
            "id": 55 * ID_SPAN + 1,
            "display": "Ada",
            "muted": False,
        },
    )
    assert _eventually(lambda: provider.sending(room) == {55})
    assert provider.connected(room) == {55}
    provider.set_role(room, Seat(55, "Ada", VideoRole.LISTENER))
    assert provider.sending(room) == set()
    provider.set_role(room, Seat(55, "Ada", VideoRole.SPEAKER))
    assert provider.sending(room) == {55}
    provider.record(room, True)  # recording switched on and off at Janus
    provider.record(room, False)
    provider.dismiss(room, 55)
    assert _eventually(lambda: provider.connected(room) == set())
    provider.end(room)
    provider.end(room)  # ending an ended room is no error
    assert not exists(api, VIDEOROOM, number)
    assert not exists(api, AUDIOBRIDGE, number)
    api.destroy(session)


def test_a_room_records_into_the_folder_of_its_meeting(janus, tmp_path):
    """With PLENUM_JANUS_RECORDINGS set, what the chair records lands in one folder per
    meeting (the bridge's mix, here), not in Janus's working folder with every other."""
    provider = Janus(janus.config.api_url, recordings=str(tmp_path) + "/")
    api = JanusApi(janus.config.api_url)
    number = secrets.randbelow(2**40) + 1
    room = room_of(number)
    provider.prepare(room)
    session = api.create_session()
    try:
        handle = api.attach(session, AUDIOBRIDGE)
        joining = {"request": "join", "room": number, "id": 55 * ID_SPAN + 1, "muted": True}
        api.message(session, handle, joining)
        assert _eventually(lambda: provider.connected(room) == {55})
        provider.record(room, True)
        folder = tmp_path / f"meeting-{room.meeting_id}"
        assert _eventually(lambda: folder.is_dir() and any(folder.iterdir()), tries=100)
        provider.record(room, False)
        assert not [p for p in tmp_path.iterdir() if p != folder]
    finally:
        api.destroy(session)
        provider.end(room)


def _eventually(check: Any, tries: int = 50) -> bool:
    import time

    for _ in range(tries):
        if check():
            return True
        time.sleep(0.05)
    return False


def join_page(client, world) -> dict[str, Any]:
    """Join by the form, then read the page's configuration (with its join token)."""
    meeting = world["meeting"]
    answer = post(client, f"/meetings/{meeting}/video/join")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith(f"/meetings/{meeting}/video#stage")
    stage = page(client.get(f"/meetings/{meeting}/video")).select_one("#stage")
    assert stage is not None
    return json.loads(str(stage["data-config"]))


def relay(client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        path, json={"transaction": "t1", **body}, headers={"X-CSRF-Token": token(client), **headers}
    )


def test_a_registered_member_joins_under_their_own_id_and_name_and_cannot_send(
    client, provider, world, janus, session
):
    log_in_as(client, provider, "mia", MEMBER)
    config = join_page(client, world)
    base = config["relay"]
    assert config["role"] == "listener"
    refused = relay(client, base, {"janus": "create"})  # no token
    assert refused.status_code == 403
    made = relay(client, base, {"janus": "create"}, **{"X-Video-Token": config["token"]})
    assert made.status_code == 200, made.text
    janus_session = made.json()["data"]["id"]
    handle = relay(
        client, f"{base}/{janus_session}", {"janus": "attach", "plugin": VIDEOROOM}
    ).json()["data"]["id"]
    streaming = relay(
        client, f"{base}/{janus_session}", {"janus": "attach", "plugin": "janus.plugin.streaming"}
    )
    assert streaming.status_code == 403
    joined = relay(
        client,
        f"{base}/{janus_session}/{handle}",
        {
            "janus": "message",
            "body": {
                "request": "join",
                "ptype": "publisher",
                "room": 1,
                "id": 1,
                "display": "Chefin",
            },
        },
    )
    assert joined.status_code == 200, joined.text
    events = client.get(f"{base}/{janus_session}").json()
    data = next(e["plugindata"]["data"] for e in events if e.get("plugindata"))
    assert data["videoroom"] == "joined"
    assert data["id"] // ID_SPAN == world["mia"]
    listed = relay(
        client,
        f"{base}/{janus_session}/{handle}",
        {"janus": "message", "body": {"request": "listparticipants", "room": 1}},
    ).json()["plugindata"]["data"]
    assert listed["room"] != 1
    assert [(p["id"] // ID_SPAN, p["display"]) for p in listed["participants"]] == [
        (world["mia"], "Mia Mitglied")
    ]
    publish = relay(
        client,
        f"{base}/{janus_session}/{handle}",
        {"janus": "message", "body": {"request": "publish"}},
    )
    assert publish.status_code == 403
    kick = relay(
        client,
        f"{base}/{janus_session}/{handle}",
        {"janus": "message", "body": {"request": "kick", "id": 1}},
    )
    assert kick.status_code == 403


def test_a_join_token_is_personal_short_lived_and_dies_with_the_registration(
    client, provider, world, janus, session, settings, monkeypatch
):
    log_in_as(client, provider, "mia", MEMBER)
    config = join_page(client, world)
    base, meeting = config["relay"], world["meeting"]
    others = service.join_token(meeting, world["ole"], settings.secret_key)
    assert relay(client, base, {"janus": "create"}, **{"X-Video-Token": others}).status_code == 403
    monkeypatch.setattr(service, "TOKEN_SECONDS", -1)  # every token has expired
    assert (
        relay(client, base, {"janus": "create"}, **{"X-Video-Token": config["token"]}).status_code
        == 403
    )
    monkeypatch.setattr(service, "TOKEN_SECONDS", 120)
    made = relay(client, base, {"janus": "create"}, **{"X-Video-Token": config["token"]})
    janus_session = made.json()["data"]["id"]
    # the registration is cancelled (by the office): every further message is refused
    cancel_registration(session, meeting, world["mia"])
    assert relay(client, f"{base}/{janus_session}", {"janus": "keepalive"}).status_code == 403
    assert client.get(f"{base}/{janus_session}").status_code == 403


def test_the_state_hands_a_fresh_token_of_the_member_and_none_once_the_door_is_shut(
    client, provider, world, janus, session, settings
):
    """A page opened more than two minutes before the member clicks to enter goes in with
    the fresh token its state gives (video.js asks for the state first); after the
    registration is cancelled the state gives none."""
    log_in_as(client, provider, "mia", MEMBER)
    config = join_page(client, world)
    meeting = world["meeting"]
    fresh = client.get(config["state"]).json()
    assert fresh["token"] != config["token"]
    assert service.token_holds(fresh["token"], meeting, world["mia"], settings.secret_key)
    made = relay(client, config["relay"], {"janus": "create"}, **{"X-Video-Token": fresh["token"]})
    assert made.status_code == 200, made.text
    cancel_registration(session, meeting, world["mia"])
    shut = client.get(config["state"]).json()
    assert shut["open"] is False
    assert "token" not in shut


def test_a_poll_passes_on_its_check_for_a_second_then_a_cancelled_member_is_refused(
    client, provider, world, janus, session, monkeypatch
):
    """Polls by the same login of the same Janus session pass on a full check for one
    second (poll_passes.py); after that the cancelled registration shuts the poll too."""
    clock = [1000.0]
    monkeypatch.setattr(routes, "POLL_PASSES", PollPasses(seconds=1.0, clock=lambda: clock[0]))
    log_in_as(client, provider, "mia", MEMBER)
    config = join_page(client, world)
    base = config["relay"]
    made = relay(client, base, {"janus": "create"}, **{"X-Video-Token": config["token"]})
    janus_session = made.json()["data"]["id"]
    handle = relay(
        client, f"{base}/{janus_session}", {"janus": "attach", "plugin": AUDIOBRIDGE}
    ).json()["data"]["id"]
    joining = {"janus": "message", "body": {"request": "join", "muted": True}}
    assert relay(client, f"{base}/{janus_session}/{handle}", joining).status_code == 200
    assert client.get(f"{base}/{janus_session}").status_code == 200  # checked in full
    cancel_registration(session, world["meeting"], world["mia"])
    listing = {"janus": "message", "body": {"request": "listparticipants"}}
    assert relay(client, f"{base}/{janus_session}/{handle}", listing).status_code == 403
    clock[0] += 1.01
    assert client.get(f"{base}/{janus_session}").status_code == 403


def test_with_a_room_of_its_own_the_meeting_form_asks_for_no_video_link(client, provider, world):
    """Under the janus provider the meeting has its own room: the form has no field for
    an outside video address, but says where members find the room."""
    log_in_as(client, provider, "gina", STAFF)
    shown = page(client.get(f"/meetings/{world['meeting']}/edit"))
    assert shown.select_one("input[name=video_url]") is None
    assert "own video room" in shown.get_text() or "eigenen Videoraum" in shown.get_text()


def test_someone_elses_session_is_refused(client, provider, world, janus, session):
    log_in_as(client, provider, "gina", STAFF)
    config = join_page(client, world)
    assert config["role"] == "chair"
    made = relay(client, config["relay"], {"janus": "create"}, **{"X-Video-Token": config["token"]})
    staff_session = made.json()["data"]["id"]
    log_in_as(client, provider, "mia", MEMBER)
    mine = join_page(client, world)
    assert (
        relay(
            client, f"{mine['relay']}/{staff_session}", {"janus": "attach", "plugin": VIDEOROOM}
        ).status_code
        == 403
    )
    assert client.get(f"{mine['relay']}/{staff_session}").status_code == 403


def test_a_member_not_registered_is_not_let_in(client, provider, world, janus):
    log_in_as(client, provider, "ole", OTHER)
    meeting = world["meeting"]
    answer = post(client, f"/meetings/{meeting}/video/join")
    assert answer.status_code == 303
    stage = page(client.get(f"/meetings/{meeting}/video")).select_one("#stage")
    assert stage is None


def basic(password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"janus:{password}".encode()).decode()}


def test_janus_events_of_joining_and_leaving_count_as_presence(client, world, session):
    meeting = world["meeting"]
    session.add(VideoRoom(meeting_id=meeting, provider="janus", key="1", secret="s"))
    session.add(VideoSession(id=987654321, meeting_id=meeting, member_id=world["mia"]))
    session.commit()
    joined = [
        {
            "type": 64,
            "session_id": 987654321,
            "handle_id": 5,
            "event": {"plugin": AUDIOBRIDGE, "data": {"event": "joined", "room": 1, "id": 1}},
        }
    ]
    assert (
        client.post("/video/janus-events", json=joined, headers=basic("wrong")).status_code == 401
    )
    assert client.post("/video/janus-events", json=joined).status_code == 401
    assert (
        client.post("/video/janus-events", json=joined, headers=basic(EVENTS_SECRET)).status_code
        == 204
    )
    assert world["mia"] in presence.present_ids(meeting, session=session)
    with session.no_autoflush:
        session.expire_all()
    assert service.joined(session) == {meeting: [world["mia"]]}
    ended = [{"type": 1, "session_id": 987654321, "event": {"name": "timeout"}}]
    assert (
        client.post("/video/janus-events", json=ended, headers=basic(EVENTS_SECRET)).status_code
        == 204
    )
    session.expire_all()
    assert service.joined(session) == {}


@pytest.fixture
def base_url(settings):
    from plenum.app import create_app
    from tests.support.served import served

    with served(lambda url: create_app(settings.with_changes(base_url=url))) as url:
        yield url


def fire(base_url: str, client, path: str, form: dict[str, str]) -> Counter[int]:
    from tests.support.served import race

    data = {**form, "csrf_token": token(client)}
    cookies = dict(client.cookies.items())
    answers = race(20, lambda http: http.post(base_url + path, data=data), cookies=cookies)
    statuses = Counter(answer.status_code for answer in answers)
    assert not [s for s in statuses if s >= 500], statuses
    return statuses


def test_twenty_joins_at_once_make_one_room_and_twenty_recordings_one_start(
    client, provider, world, janus, session, base_url
):
    """Twenty first joins at one instant make one room (prepared once at Janus); twenty
    "start recording" at one instant start it once, the others are told it already runs."""
    meeting = world["meeting"]
    log_in_as(client, provider, "gina", STAFF)
    assert fire(base_url, client, f"/meetings/{meeting}/video/join", {}) == {303: 20}
    session.expire_all()
    rooms = session.exec(select(VideoRoom).where(VideoRoom.meeting_id == meeting)).all()
    assert len(rooms) == 1
    assert rooms[0].prepared_at is not None
    assert fire(base_url, client, f"/meetings/{meeting}/video/recording", {"on": "1"}) == {303: 20}
    session.expire_all()
    started = session.get(VideoRoom, meeting)
    assert started is not None
    assert started.recording_since is not None


def discussion(world, session) -> tuple[Any, Any, int]:
    """Ole registered too, an item under way, the room prepared: (place, item, number)."""
    from plenum.meetings import agenda
    from tests.support.meetings import place

    meeting = world["meeting"]
    session.add(
        Registration(
            meeting_id=meeting, member_id=world["ole"], channel="online", check_in_code="OLE1"
        )
    )
    at = place(session, session.get(Meeting, meeting))
    item = agenda.add_item(
        at, agenda.parse_item({"title": "Aussprache", "kind": "discussion"}, []), session=session
    )
    agenda.make_current(at, item, session=session)
    number = room_row(session, meeting)
    session.commit()
    return at, item, number


class Sends:
    """Stands in for a provider's ``sending`` and ``set_role`` only (the real Janus's
    requests are tested in tests/unit/test_video_janus_revoke.py, their effect with real
    pages in tests/browser/test_video_browser.py): who sends, and each call."""

    name = "stand-in"

    def __init__(self, sending: set[int]) -> None:
        self.now_sending = set(sending)
        self.calls: list[tuple[int, str, bool, bool]] = []

    def sending(self, room: Room) -> set[int]:
        return set(self.now_sending)

    def set_role(self, room: Room, seat: Seat, *, final: bool = False, lift: bool = False) -> None:
        self.calls.append((seat.member_id, seat.role.value, final, lift))


def test_the_floor_taken_back_mutes_now_again_soon_and_puts_out_when_the_time_is_up(world, session):
    """A speaker whose turn ended is muted at the first look; at most every few seconds
    again (a request checked before the change, a publication still connecting then),
    whatever else changes meanwhile (every muting tells every page); put out once muted
    ``PUT_OUT_SECONDS`` ago, and again at every look while still there (an outside
    review: a stream of asks must not put that off); forgotten once they stop; and called
    again while muted, the muting is lifted."""
    from plenum.meetings import speakers
    from plenum.video import sync

    at, item, _number = discussion(world, session)
    mia, ole = world["mia"], world["ole"]
    for who in (mia, ole):
        speakers.ask(at, item, speakers.Ask(member_id=who), session=session)
    speakers.call(at, item, None, session=session)  # Mia
    speakers.call(at, item, None, session=session)  # then Ole
    session.commit()
    provider = Sends({mia, ole})
    muted: dict[int, Any] = {}
    put_out = sync.PUT_OUT_SECONDS

    def look(now: float) -> list[tuple[int, str, bool, bool]]:
        provider.calls.clear()
        sync.follow(world["meeting"], provider, session=session, doors=False, muted=muted, now=now)
        return [call for call in provider.calls if call[0] == mia]

    assert look(100.0) == [(mia, "listener", False, False)]
    assert provider.calls[-1] == (ole, "speaker", False, False)
    assert look(101.0) == []  # other changes meanwhile: nobody told again
    assert look(103.0) == [(mia, "listener", False, False)]  # the second look
    assert look(104.0) == []
    assert look(100.0 + put_out) == [(mia, "listener", True, False)]
    assert look(101.0 + put_out) == [(mia, "listener", True, False)]  # still there: again
    provider.now_sending = {ole}  # Mia was put out (or let go herself)
    look(102.0 + put_out)
    assert muted == {}
    provider.now_sending = {mia, ole}  # Mia's picture still there when her turn ends
    assert look(200.0) == [(mia, "listener", False, False)]
    speakers.ask(at, item, speakers.Ask(member_id=mia), session=session)
    speakers.call(at, item, None, session=session)  # Mia has the floor back
    session.commit()
    assert look(201.0) == [(mia, "speaker", False, True)]  # the muting lifted
    assert mia not in muted


def test_calling_the_next_speaker_mutes_the_previous_one_on_the_real_janus(world, session, janus):
    """The room follows the speakers' list (``sync.follow``): after the chair calls Ole,
    Mia, who was speaking and still sends, is muted at Janus; Ole may unmute."""
    from plenum.meetings import speakers
    from plenum.video import sync

    meeting = world["meeting"]
    at, item, number = discussion(world, session)
    provider = Janus(janus.config.api_url)
    room = room_of(number)
    provider.prepare(room)
    api = JanusApi(janus.config.api_url)
    bridge = api.create_session()
    for member in (world["mia"], world["ole"]):
        handle = api.attach(bridge, AUDIOBRIDGE)
        api.message(
            bridge,
            handle,
            {
                "request": "join",
                "room": number,
                "id": member * ID_SPAN + 1,
                "display": "x",
                "muted": member != world["mia"],
            },
        )
    assert _eventually(lambda: provider.sending(room) == {world["mia"]})
    for who in ("mia", "ole"):
        speakers.ask(at, item, speakers.Ask(member_id=world[who]), session=session)
    speakers.call(at, item, None, session=session)  # Mia first
    session.commit()
    sync.follow(meeting, provider, session=session)
    assert provider.sending(room) == {world["mia"]}
    speakers.call(at, item, None, session=session)  # then Ole: Mia's turn is over
    session.commit()
    sync.follow(meeting, provider, session=session)
    assert _eventually(lambda: provider.sending(room) == {world["ole"]})
    provider.end(room)
    api.destroy(bridge)


def test_the_clock_ends_the_rooms_of_meetings_that_are_over(world, session, janus):
    from plenum.video import clock

    meeting = world["meeting"]
    number = room_row(session, meeting)
    session.add(
        VideoSession(id=4242, meeting_id=meeting, member_id=world["mia"], joined_at=utcnow())
    )
    session.commit()
    provider = Janus(janus.config.api_url)
    provider.prepare(room_of(number))
    api = JanusApi(janus.config.api_url)
    assert clock.end_finished(provider, session=session) == 0  # the meeting still runs
    assert clock.end_finished(provider, session=session, now=utcnow() + timedelta(days=1)) == 1
    session.commit()
    assert not exists(api, VIDEOROOM, number)
    assert service.joined(session) == {}
    assert clock.end_finished(provider, session=session, now=utcnow() + timedelta(days=1)) == 0


def test_the_clock_counts_out_who_left_the_room_without_janus_saying_so(world, session, janus):
    """Janus's "left" never reached Plenum (it was restarting): the clock asks the room
    itself, and only the member still in its audio bridge keeps counting as present."""
    from plenum.video import clock

    meeting = world["meeting"]
    number = room_row(session, meeting)
    earlier = utcnow() - timedelta(minutes=5)
    for janus_session, member in ((5151, world["mia"]), (5252, world["ole"])):
        session.add(
            VideoSession(id=janus_session, meeting_id=meeting, member_id=member, joined_at=earlier)
        )
    session.commit()
    provider = Janus(janus.config.api_url)
    provider.prepare(room_of(number))
    api = JanusApi(janus.config.api_url)
    janus_session = api.create_session()
    try:
        handle = api.attach(janus_session, AUDIOBRIDGE)
        body = {"request": "join", "room": number, "id": world["mia"] * ID_SPAN + 1, "muted": True}
        api.message(janus_session, handle, body)
        assert _eventually(lambda: provider.connected(room_of(number)) == {world["mia"]})
        assert clock.settle_presence(provider, session=session) == 1
        session.commit()
        assert service.joined(session) == {meeting: [world["mia"]]}
        assert clock.settle_presence(provider, session=session) == 0
    finally:
        api.destroy(janus_session)
        provider.end(room_of(number))


def test_a_member_opens_at_most_four_sessions_of_four_handles(client, provider, world, janus):
    """One join token could open sessions without end, one session handles without end
    (each a mixing participant at Janus): found by an outside review; now four each."""
    log_in_as(client, provider, "mia", MEMBER)
    config = join_page(client, world)
    base, header = config["relay"], {"X-Video-Token": config["token"]}
    made = [relay(client, base, {"janus": "create"}, **header) for _ in range(5)]
    assert [answer.status_code for answer in made] == [200, 200, 200, 200, 403]
    first = made[0].json()["data"]["id"]
    attached = [
        relay(client, f"{base}/{first}", {"janus": "attach", "plugin": AUDIOBRIDGE})
        for _ in range(5)
    ]
    assert [answer.status_code for answer in attached] == [200, 200, 200, 200, 403]


def test_a_listener_cannot_publish_by_an_offer_on_join_or_configure(client, provider, world, janus):
    """The outside review's way in: join as publisher with an offer, or configure with
    one; both refused for a listener before they reach Janus."""
    log_in_as(client, provider, "mia", MEMBER)
    config = join_page(client, world)
    base = config["relay"]
    made = relay(client, base, {"janus": "create"}, **{"X-Video-Token": config["token"]})
    janus_session = made.json()["data"]["id"]
    handle = relay(client, f"{base}/{janus_session}", {"janus": "attach", "plugin": VIDEOROOM})
    path = f"{base}/{janus_session}/{handle.json()['data']['id']}"
    offer = {"type": "offer", "sdp": "v=0\r\n"}
    join = {"request": "join", "ptype": "publisher"}
    assert relay(client, path, {"janus": "message", "body": join, "jsep": offer}).status_code == 403
    assert relay(client, path, {"janus": "message", "body": join}).status_code == 200
    configure = {"janus": "message", "body": {"request": "configure"}, "jsep": offer}
    assert relay(client, path, configure).status_code == 403
