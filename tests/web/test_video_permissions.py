"""Who may open which page of a meeting's video room and take which step, as one table
(as for motions, votes, meetings and surveys): every video route × role. 200 the page,
303 done (or sent back with the reason, changing nothing), 401 Janus's event handler
without its password, 403 not allowed, 404 not visible; the logged-out are sent to the
login.

The world: an online meeting of the NRW state that runs now, with its room prepared on
the run's real Janus. The member is registered; the guest is in the audience but not
registered; the outsider is of another state; the interpreter has the meeting's function
"interpreter"; the staff run it. Each role walks the whole table in a fresh world; for
every step a measure read before and after must change exactly when the step is done.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from plenum.clock import utcnow
from plenum.meetings.models import MeetingRole, Registration
from plenum.video import routes as video_routes
from plenum.video.janus import Janus
from plenum.video.models import VideoRoom, VideoSession
from tests.support.factories import claims, structure
from tests.support.janus import janus_events_fixture, janus_fixture  # noqa: F401
from tests.support.meetings import make_meeting
from tests.support.web import enrol, log_in_as, post, token

ROLES = ("anonymous", "member", "guest", "outsider", "interpreter", "staff")
PEOPLE = {
    "member": claims("member", name="Mia Mitglied", number="880001"),
    "guest": claims("guest", name="Gabi Gast", number="880002"),
    "outsider": claims("outsider", name="Sam Sachsen", chapter="lv-sachsen", number="880003"),
    "interpreter": claims("interpreter", name="Ida Gebärdensprache", number="880004"),
    "staff": claims(
        "staff", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",), number="880005"
    ),
}
# not a column: a registered member whose own Janus session the table tries to use
OTHER = claims("olga", name="Olga Online", number="880006")


def room(world: dict[str, Any]) -> VideoRoom:
    world["session"].expire_all()
    found = world["session"].get(VideoRoom, world["meeting"])
    assert found is not None
    return found


def sessions(world: dict[str, Any]) -> int:
    world["session"].expire_all()
    return len(world["session"].exec(select(VideoSession)).all())


def field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda world: getattr(room(world), name)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    data: dict[str, str] | None
    expected: dict[str, int]
    measure: Callable[[dict[str, Any]], Any] | None = None
    json: bool = False


def row(
    method: str, path: str, data: Any, *codes: int, measure: Any = None, json: bool = False
) -> Row:
    assert len(codes) == len(ROLES), path
    return Row(method, path, data, dict(zip(ROLES, codes, strict=True)), measure, json)


M = "/meetings/{meeting}/video"
NOT_A_SESSION = "/janus/{foreign}"
# columns:                                      anon member guest outsider interpreter staff
# fmt: off
TABLE = [
    row("GET",  M,                           None, 303, 200, 200, 404, 200, 200),
    row("GET",  M + "/state",                None, 303, 200, 200, 404, 200, 200),
    # joining: the registered, the interpreter and the chair; the guest is sent back
    row("POST", M + "/join",                 {},   303, 303, 303, 404, 303, 303, measure=field("prepared_at")),
    # the relay: without a token nobody opens a session; nobody reaches another's session
    row("POST", M + "/janus",                {"janus": "create"}, 303, 403, 403, 404, 403, 403, measure=sessions, json=True),
    row("POST", M + NOT_A_SESSION,           {"janus": "attach", "plugin": "janus.plugin.videoroom"},
                                                   303, 403, 403, 404, 403, 403, measure=sessions, json=True),
    row("GET",  M + NOT_A_SESSION,           None, 303, 403, 403, 404, 403, 403),
    row("POST", M + NOT_A_SESSION + "/{foreign_handle}", {"janus": "message", "body": {"request": "kick"}},
                                                   303, 403, 403, 404, 403, 403, measure=sessions, json=True),
    # the chair's steps
    row("POST", M + "/pin",                  {"member_id": "{interpreter}"}, 303, 403, 403, 404, 403, 303,
        measure=field("pinned_member_id")),
    row("POST", M + "/recording",            {"on": "1"}, 303, 403, 403, 404, 403, 303, measure=field("recording_since")),
    row("POST", M + "/settings",             {"open_to_audience": "1", "captions_url": ""},
                                                   303, 403, 403, 404, 403, 303, measure=field("open_to_audience")),
    row("POST", M + "/end",                  {},   303, 403, 403, 404, 403, 303, measure=field("ended_at")),
    # Janus's event handler: its password, not a member's login
    row("POST", "/video/janus-events",       [],   401, 401, 401, 401, 401, 401, json=True),
]
# fmt: on


@pytest.fixture
def settings(settings, janus):
    return settings.with_changes(
        janus_url=janus.config.api_url, video_provider="janus", janus_events_secret="x" * 20
    )


@pytest.fixture
def world(session, settings, janus) -> dict[str, Any]:
    org = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    olga = enrol(session, settings, "olga", OTHER)
    meeting = make_meeting(
        session,
        org.state,
        None,
        people["staff"],
        starts=utcnow() - timedelta(minutes=5),
        mode="online",
    )
    code = secrets.token_hex(4).upper()
    session.add(
        Registration(
            meeting_id=meeting.id, member_id=people["member"], channel="online", check_in_code=code
        )
    )
    session.add(
        MeetingRole(meeting_id=meeting.id, member_id=people["interpreter"], role="interpreter")
    )
    made = VideoRoom(
        meeting_id=meeting.id,
        provider="janus",
        key=str(secrets.randbelow(2**40) + 1),
        secret="s" * 20,
    )
    session.add(made)
    session.commit()
    # Olga's own session, which nobody else may use
    foreign = secrets.randbelow(2**50) + 1
    session.add(VideoSession(id=foreign, meeting_id=meeting.id, member_id=olga))
    session.commit()
    Janus(settings.janus_url).prepare(_room(made, meeting))
    return {
        "session": session,
        "meeting": meeting.id,
        "foreign": foreign,
        "foreign_handle": 7,
        **people,
    }


def _room(made: VideoRoom, meeting: Any) -> Any:
    from plenum.video.provider import Room

    return Room(meeting.id, made.key, meeting.title, made.secret, utcnow() + timedelta(hours=3))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what_in_the_video_room(client, provider, world, role):
    if role != "anonymous":
        log_in_as(client, provider, role, PEOPLE[role])
    values = {k: v for k, v in world.items() if k != "session"}
    wrong = []
    for entry in TABLE:
        path = entry.path.format(**values)
        before = entry.measure(world) if entry.measure else None
        if entry.method == "GET":
            response = client.get(path)
        elif entry.json:
            headers = {"X-CSRF-Token": token(client)}
            response = client.post(path, json=entry.data, headers=headers)
        else:
            data = {k: v.format(**values) for k, v in (entry.data or {}).items()}
            response = post(client, path, data)
        expected = entry.expected[role]
        if response.status_code != expected:
            wrong.append(
                f"{entry.method} {entry.path}: {response.status_code}, expected {expected}"
            )
        elif (
            role == "anonymous"
            and expected == 303
            and not response.headers["location"].startswith("/auth/login")
        ):
            wrong.append(f"{entry.method} {entry.path}: not sent to the login")
        if entry.measure is not None:
            after = entry.measure(world)
            done = (
                role in ("staff",)
                if entry.path.endswith(("/pin", "/recording", "/settings", "/end"))
                else None
            )
            if entry.path.endswith("/join"):
                done = role in ("member", "interpreter", "staff")
            if done is None:
                done = False
            if (before != after) != done:
                wrong.append(
                    f"{entry.method} {entry.path}: {before!r} → {after!r}, expected a change: {done}"
                )
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_route_of_the_video_room():
    """A new video route must get a row; a row must name a route that exists."""
    routes = {
        (method, normalise(route.path))
        for route in video_routes.routes
        for method in (getattr(route, "methods", None) or ()) - {"HEAD"}
    }
    covered = {(entry.method, normalise(entry.path)) for entry in TABLE}
    assert routes - covered == set()
    assert covered - routes == set()


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)
