"""The Jitsi provider, checked against token authentication as lib-jitsi-meet documents it
(``doc/tokens.md``).

Jitsi Meet and its Prosody cannot run here, so these are PROTOCOL tests against a
stand-in: ``prosody_accepts`` checks a token the way Prosody's token authentication and
room verification do (HS256 with the app secret, issuer, audience, domain, room, time).
They show that Plenum's tokens follow the published rules, not that a real server agrees.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import OctKey

from plenum.video.jitsi import Jitsi
from plenum.video.provider import ProviderError, Room, Seat, VideoRole

URL = "https://Meet.Example.org/"
APP_ID = "plenum"
SECRET = "prosody-app-secret-0123456789abcdef"
NOW = datetime(2025, 3, 8, 18, 0, tzinfo=UTC)

ROOM = Room(
    meeting_id=17,
    key="plenum-17-a1b2c3",
    title="Landesparteitag",
    secret="room-secret-never-shown",
    ends_at=NOW + timedelta(hours=2),
)


def a_room(**changes: Any) -> Room:
    return replace(ROOM, **changes)


def a_seat(role: VideoRole = VideoRole.LISTENER, name: str = "Erika Mustermann") -> Seat:
    return Seat(member_id=42, name=name, role=role)


@pytest.fixture
def jitsi() -> Jitsi:
    return Jitsi(URL, APP_ID, SECRET, now=lambda: NOW)


def token_of(url: str) -> str:
    (token,) = parse_qs(urlsplit(url).query)["jwt"]
    return token


def prosody_accepts(token: str, *, room: str, at: datetime, secret: str = SECRET) -> dict[str, Any]:
    """The stand-in for Prosody: verify signature and claims as token auth and
    token_verification do, and hand back the claims; raise JoseError when refused."""
    decoded = jwt.decode(token, OctKey.import_key(secret), algorithms=["HS256"])
    registry = jwt.JWTClaimsRegistry(
        now=int(at.timestamp()),
        iss={"essential": True, "value": APP_ID},
        aud={"essential": True, "value": "jitsi"},
        sub={"essential": True, "value": "meet.example.org"},
        room={"essential": True, "value": room},
        exp={"essential": True},
    )
    registry.validate(decoded.claims)
    return decoded.claims


def test_jitsi_protocol_token_claims_against_stand_in(jitsi):
    """Protocol test against a stand-in, not a real server: the URL is the room's with a
    ``jwt`` parameter, and the token carries every documented claim, exactly."""
    entry = jitsi.admit(a_room(), a_seat())

    assert entry.url.startswith("https://Meet.Example.org/plenum-17-a1b2c3?jwt=")
    assert not entry.embedded
    token = token_of(entry.url)
    assert jwt.decode(token, OctKey.import_key(SECRET)).header == {"alg": "HS256", "typ": "JWT"}
    claims = prosody_accepts(token, room="plenum-17-a1b2c3", at=NOW)
    moment = int(NOW.timestamp())
    assert claims == {
        "iss": "plenum",
        "aud": "jitsi",
        "sub": "meet.example.org",
        "room": "plenum-17-a1b2c3",
        "iat": moment,
        "nbf": moment,
        "exp": moment + 120,
        "context": {
            "user": {"id": "42", "name": "Erika Mustermann", "moderator": False},
            "features": {"recording": False},
        },
    }


def test_jitsi_protocol_token_is_short_lived_against_stand_in(jitsi):
    """Protocol test against a stand-in, not a real server: the token opens the door for
    under two minutes (or the configured lifetime), and not before it was made."""
    token = token_of(jitsi.admit(a_room(), a_seat()).url)

    prosody_accepts(token, room=ROOM.key, at=NOW + timedelta(minutes=1, seconds=59))
    with pytest.raises(JoseError):
        prosody_accepts(token, room=ROOM.key, at=NOW + timedelta(minutes=2))
    with pytest.raises(JoseError):
        prosody_accepts(token, room=ROOM.key, at=NOW - timedelta(seconds=1))

    longer = Jitsi(URL, APP_ID, SECRET, lifetime=timedelta(seconds=30), now=lambda: NOW)
    claims = prosody_accepts(token_of(longer.admit(a_room(), a_seat()).url), room=ROOM.key, at=NOW)
    assert claims["exp"] - claims["iat"] == 30


def test_jitsi_protocol_token_is_for_its_room_only_against_stand_in(jitsi):
    """Protocol test against a stand-in, not a real server: Prosody compares the room
    claim with the room joined, so a token does not open another room."""
    token = token_of(jitsi.admit(a_room(), a_seat()).url)

    with pytest.raises(JoseError):
        prosody_accepts(token, room="plenum-18-ffffff", at=NOW)


@pytest.mark.parametrize(
    ("role", "moderator"),
    [
        (VideoRole.CHAIR, True),
        (VideoRole.SPEAKER, False),
        (VideoRole.INTERPRETER, False),
        (VideoRole.LISTENER, False),
    ],
)
def test_jitsi_protocol_moderator_only_for_chair_against_stand_in(jitsi, role, moderator):
    """Protocol test against a stand-in, not a real server: only the chair's token says
    moderator."""
    claims = prosody_accepts(
        token_of(jitsi.admit(a_room(), a_seat(role)).url), room=ROOM.key, at=NOW
    )

    assert claims["context"]["user"]["moderator"] is moderator


@pytest.mark.parametrize(
    ("recording", "role", "allowed"),
    [
        (True, VideoRole.CHAIR, True),
        (True, VideoRole.SPEAKER, False),
        (True, VideoRole.LISTENER, False),
        (False, VideoRole.CHAIR, False),
        (False, VideoRole.LISTENER, False),
    ],
)
def test_jitsi_protocol_recording_feature_against_stand_in(jitsi, recording, role, allowed):
    """Protocol test against a stand-in, not a real server: the recording feature is on
    only for the chair of a room that may be recorded, and always stated (Jitsi treats a
    token without features as allowing everything)."""
    entry = jitsi.admit(a_room(recording=recording), a_seat(role))
    claims = prosody_accepts(token_of(entry.url), room=ROOM.key, at=NOW)

    assert claims["context"]["features"] == {"recording": allowed}


def test_jitsi_protocol_wrong_secret_fails_verification_against_stand_in(jitsi):
    """Protocol test against a stand-in, not a real server: a token signed with another
    secret is refused, and so is a token whose claims were changed after signing."""
    token = token_of(jitsi.admit(a_room(), a_seat()).url)
    with pytest.raises(BadSignatureError):
        prosody_accepts(token, room=ROOM.key, at=NOW, secret="another-prosody-secret-0123456789")

    chair = token_of(jitsi.admit(a_room(), a_seat(VideoRole.CHAIR)).url)
    header, _, signature = token.split(".")
    forged = ".".join([header, chair.split(".")[1], signature])
    with pytest.raises(BadSignatureError):
        prosody_accepts(forged, room=ROOM.key, at=NOW)


@pytest.mark.parametrize(
    "key",
    [
        "Plenum-17",
        "plenum 17",
        "plenum/17",
        "../admin",
        "plenum_17",
        "raum-ä",
        "x?jwt=y",
        "a#b",
        "",
    ],
)
def test_jitsi_protocol_unsafe_room_key_refused_against_stand_in(jitsi, key):
    """Protocol test against a stand-in, not a real server: a room key that is not a plain
    Jitsi room name (lowercase letters, digits, hyphens) is refused before any token."""
    with pytest.raises(ProviderError, match="not a Jitsi room name"):
        jitsi.prepare(a_room(key=key))
    with pytest.raises(ProviderError, match="not a Jitsi room name"):
        jitsi.admit(a_room(key=key), a_seat())


@pytest.mark.parametrize(
    "name", ["Jürgen Müller-Lüdenscheidt", "Zoë & <b>Søren</b>", "Ali Çelik", "Đorđe ß"]
)
def test_jitsi_protocol_names_with_umlauts_against_stand_in(jitsi, name):
    """Protocol test against a stand-in, not a real server: display names travel in the
    token unchanged, umlauts and markup included (the URL carries only the token)."""
    entry = jitsi.admit(a_room(), a_seat(name=name))

    claims = prosody_accepts(token_of(entry.url), room=ROOM.key, at=NOW)
    assert claims["context"]["user"]["name"] == name
    assert entry.url.isascii()


def test_jitsi_protocol_room_life_needs_no_server_against_stand_in(jitsi):
    """Protocol test against a stand-in, not a real server: Jitsi offers nothing for
    preparing, changing roles, revoking sending, putting out a member, ending or listing
    without Prosody modules, so these ask nothing and raise nothing; presence comes from
    Plenum's own room page."""
    room = a_room()

    assert jitsi.prepare(room) is None
    assert jitsi.set_role(room, a_seat(VideoRole.CHAIR)) is None
    assert jitsi.sending(room) == set()
    assert jitsi.dismiss(room, 42) is None
    assert jitsi.end(room) is None
    assert jitsi.connected(room) == set()


def test_jitsi_protocol_url_without_host_is_refused_against_stand_in():
    """Protocol test against the stand-in's rules, not a real server: the ``sub`` claim
    is the deployment's host, so a URL without one is a configuration error."""
    with pytest.raises(ValueError, match="no Jitsi Meet URL"):
        Jitsi("meet.example.org", APP_ID, SECRET)
