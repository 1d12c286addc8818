"""The relay's checks of what a member's page may ask of Janus, for all inputs: a member
can never choose the room, their participant id or name, never send without a role that
sends, and never reach a plugin request that manages rooms or other participants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plenum.video import relay
from plenum.video.janus import AUDIOBRIDGE, ID_SPAN, SENT_MIDS, VIDEOROOM, member_of
from plenum.video.provider import VideoRole

MANAGING = (
    "create", "destroy", "edit", "kick", "moderate", "allowed", "rtp_forward",
    "stop_rtp_forward", "enable_recording", "list", "exists", "mute", "unmute",
    "mute_room", "unmute_room", "changeroom", "play_file", "resetdecoder", "suspend",
)  # fmt: skip
REQUESTS = st.sampled_from(
    (*MANAGING, "join", "publish", "configure", "joinandconfigure", "unpublish", "leave",
     "start", "pause", "subscribe", "unsubscribe", "update", "listparticipants", "switch")
)  # fmt: skip
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
KINDS = st.sampled_from(("", relay.PUBLISHER, relay.SUBSCRIBER, relay.BRIDGE))
PLUGINS = st.sampled_from((VIDEOROOM, AUDIOBRIDGE))


def caller(role: VideoRole = VideoRole.LISTENER) -> relay.Caller:
    return relay.Caller(member_id=42, name="Mia Mitglied", role=role, room=777, tab=3)


@st.composite
def bodies(draw: Any) -> dict[str, Any]:
    body = draw(st.dictionaries(st.text(max_size=10), JSONISH, max_size=5))
    body["request"] = draw(REQUESTS)
    for key in ("room", "id", "display", "muted", "ptype", "secret", "streams", "record"):
        if draw(st.booleans()):
            body[key] = draw(JSONISH | st.sampled_from(("publisher", "subscriber", 1, 2)))
    return body


@settings(max_examples=600, deadline=None)
@given(PLUGINS, KINDS, bodies(), st.sampled_from(tuple(VideoRole)))
def test_what_passes_names_the_members_own_room_id_and_name(plugin, kind, body, role):
    """Whatever the page sends, what goes on names the meeting's room, the member's own
    participant id and their own name, and carries no secret nor recording switch."""
    try:
        clean, _ = relay.check_body(plugin, kind, body, caller(role))
    except relay.Refused:
        return
    assert clean["request"] not in MANAGING
    assert "secret" not in clean
    assert "record" not in clean
    if "room" in clean:
        assert clean["room"] == 777
    if "id" in clean:
        assert member_of(clean["id"]) == 42
        assert 0 < clean["id"] % ID_SPAN < ID_SPAN
    if "display" in clean:
        assert clean["display"] == "Mia Mitglied"


@settings(max_examples=600, deadline=None)
@given(PLUGINS, KINDS, bodies())
def test_a_listener_can_neither_publish_nor_unmute(plugin, kind, body):
    try:
        clean, _ = relay.check_body(plugin, kind, body, caller(VideoRole.LISTENER))
    except relay.Refused:
        return
    assert clean["request"] != "publish"
    assert clean.get("muted", True) is True
    for stream in clean.get("streams", []):
        if clean["request"] == "configure" and kind == relay.PUBLISHER:
            assert not stream.get("send")


@pytest.mark.parametrize("request_name", MANAGING)
@pytest.mark.parametrize("plugin", [VIDEOROOM, AUDIOBRIDGE])
def test_managing_requests_are_refused_even_for_the_chair(plugin, request_name):
    for kind in ("", relay.PUBLISHER, relay.SUBSCRIBER, relay.BRIDGE):
        with pytest.raises(relay.Refused):
            relay.check_body(
                plugin, kind, {"request": request_name, "room": 1}, caller(VideoRole.CHAIR)
            )


def test_joining_the_bridge_is_muted_unless_the_role_sends():
    listener, _ = relay.check_body(AUDIOBRIDGE, "", {"request": "join", "muted": False}, caller())
    assert listener["muted"] is True
    speaker, kind = relay.check_body(
        AUDIOBRIDGE, "", {"request": "join", "muted": False}, caller(VideoRole.SPEAKER)
    )
    assert speaker["muted"] is False
    assert kind == relay.BRIDGE
    with pytest.raises(relay.Refused):
        relay.check_body(
            AUDIOBRIDGE, relay.BRIDGE, {"request": "configure", "muted": False}, caller()
        )
    unmuted, _ = relay.check_body(
        AUDIOBRIDGE, relay.BRIDGE, {"request": "configure", "muted": False}, caller(VideoRole.CHAIR)
    )
    assert unmuted == {"request": "configure", "muted": False}


def test_publishing_needs_a_role_that_sends():
    with pytest.raises(relay.Refused):
        relay.check_body(VIDEOROOM, relay.PUBLISHER, {"request": "publish"}, caller())
    for role in (VideoRole.CHAIR, VideoRole.SPEAKER, VideoRole.INTERPRETER):
        clean, _ = relay.check_body(
            VIDEOROOM, relay.PUBLISHER, {"request": "publish", "record": True}, caller(role)
        )
        assert clean == {"request": "publish"}


def test_a_join_is_rewritten_with_the_members_own_id_name_and_room():
    clean, kind = relay.check_body(
        VIDEOROOM,
        "",
        {"request": "join", "ptype": "publisher", "room": 1, "id": 5, "display": "<b>Chef</b>"},
        caller(),
    )
    assert clean == {
        "request": "join",
        "ptype": "publisher",
        "room": 777,
        "id": 42 * ID_SPAN + 3,
        "display": "Mia Mitglied",
    }
    assert kind == relay.PUBLISHER


@pytest.mark.parametrize(
    ("envelope", "at"),
    [
        ({"janus": "attach", "plugin": "janus.plugin.streaming"}, "session"),
        ({"janus": "attach", "plugin": "janus.plugin.videoroom"}, "root"),
        ({"janus": "create"}, "session"),
        ({"janus": "claim"}, "session"),
        ({"janus": "message", "jsep": {"type": "pranswer", "sdp": ""}}, "handle"),
        ({"janus": "info"}, "root"),
    ],
)
def test_envelopes_out_of_place_are_refused(envelope, at):
    with pytest.raises(relay.Refused):
        relay.check_request(envelope, at=at)


def test_an_envelope_keeps_only_what_janus_needs():
    clean = relay.check_request(
        {"janus": "message", "transaction": "t", "apisecret": "x", "token": "y",
         "jsep": {"type": "offer", "sdp": "v=0", "e2ee": True}},
        at="handle",
    )  # fmt: skip
    assert clean == {
        "janus": "message",
        "transaction": "t",
        "jsep": {"type": "offer", "sdp": "v=0"},
    }


@pytest.mark.parametrize(
    ("kind", "body", "jsep", "role", "passes"),
    [
        # an offer publishes: only with publish/configure of a member who may send
        ("", {"request": "join", "ptype": "publisher"}, "offer", VideoRole.CHAIR, False),
        (relay.PUBLISHER, {"request": "configure"}, "offer", VideoRole.LISTENER, False),
        (relay.PUBLISHER, {"request": "configure"}, None, VideoRole.LISTENER, False),
        (relay.PUBLISHER, {"request": "listparticipants"}, "offer", VideoRole.CHAIR, False),
        (relay.PUBLISHER, {"request": "publish"}, "offer", VideoRole.SPEAKER, True),
        (relay.PUBLISHER, {"request": "configure"}, "offer", VideoRole.INTERPRETER, True),
        # an answer only starts a subscription
        (relay.SUBSCRIBER, {"request": "start"}, "answer", VideoRole.LISTENER, True),
        (relay.SUBSCRIBER, {"request": "start"}, "offer", VideoRole.CHAIR, False),
        (relay.PUBLISHER, {"request": "publish"}, "answer", VideoRole.CHAIR, False),
        (relay.SUBSCRIBER, {"request": "configure"}, "answer", VideoRole.LISTENER, False),
    ],
)
def test_a_session_description_goes_only_where_it_is_allowed(kind, body, jsep, role, passes):
    """Janus takes any offer on a publisher's handle as publishing, whatever the request:
    the relay lets an offer through only with publish or configure, and only for a member
    who may send (an outside review found a listener publishing with join + offer)."""
    try:
        relay.check_body(VIDEOROOM, kind, body, caller(role), jsep=jsep)
    except relay.Refused:
        assert not passes
    else:
        assert passes


@settings(max_examples=400, deadline=None)
@given(KINDS, bodies(), st.sampled_from(("offer", "answer")))
def test_a_listener_never_gets_an_offer_to_a_publisher(kind, body, jsep):
    try:
        clean, _ = relay.check_body(VIDEOROOM, kind, body, caller(), jsep=jsep)
    except relay.Refused:
        return
    assert jsep == "answer"
    assert kind == relay.SUBSCRIBER
    assert clean["request"] == "start"


def offer(*mids: str | None) -> str:
    """An offer's text with one video m-line per mid (None: an m-line without one)."""
    lines = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    for mid in mids:
        lines += ["m=video 9 UDP/TLS/RTP/SAVPF 96", "a=sendonly"]
        lines += [f"a=mid:{mid}"] if mid is not None else []
    return "\r\n".join(lines) + "\r\n"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.none() | st.sampled_from(("0", "1", "2", "3", "4", "a", "video", "")), max_size=6)
)
def test_a_published_offer_names_its_m_lines_by_their_place(mids):
    """A speaker whose turn ended is muted by the names of their m-lines (SENT_MIDS,
    Janus's ``moderate``): each m-line must be named by its place, as browsers name them
    and as Janus names one it finds no name for; any other naming (a name out of place,
    twice, missing, or beyond four m-lines) could keep a stream out of reach until the
    member is put out, so it never passes."""
    fits = mids == [str(place) for place in range(len(mids))] and len(mids) <= len(SENT_MIDS)
    for request in ("publish", "configure"):
        try:
            relay.check_body(
                VIDEOROOM, relay.PUBLISHER, {"request": request}, caller(VideoRole.SPEAKER),
                jsep="offer", sdp=offer(*mids),
            )  # fmt: skip
        except relay.Refused:
            assert not fits
        else:
            assert fits


def test_a_subscription_may_switch_an_m_line_to_another_picture():
    """``switch`` (a new speaker's picture on the m-line of the one whose turn ended, no
    new offer) passes for a subscription only, with only the stream fields Janus needs."""
    body = {
        "request": "switch",
        "room": 1,
        "streams": [{"feed": 420001, "mid": "0", "sub_mid": "1", "secret": "x"}],
    }
    clean, kind = relay.check_body(VIDEOROOM, relay.SUBSCRIBER, body, caller())
    assert clean == {"request": "switch", "streams": [{"feed": 420001, "mid": "0", "sub_mid": "1"}]}
    assert kind == relay.SUBSCRIBER
    for other in ("", relay.PUBLISHER):
        with pytest.raises(relay.Refused):
            relay.check_body(VIDEOROOM, other, body, caller(VideoRole.CHAIR))


TWO = offer("0", "1")


@pytest.mark.parametrize(
    "sdp",
    [
        # each refused by one rule only: the rest of the offer would pass
        TWO.replace("a=mid:1", "A=mid:1"),  # Janus reads attributes from a lower-case "a="
        TWO.replace("a=mid:1", "a=mid:1\r\na=MID:1"),  # one name per m-line
        TWO.replace("t=0 0", "t=0 0\r\na=mid:0"),  # no name at session level
        TWO.replace("a=mid:1", "a=mid:1 "),  # Janus keeps the space
        TWO.replace("a=mid:1", "a=mid:1\rjunk"),  # a "\r" inside a line: refused
        TWO.replace("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\na=mid:1",
                    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1"),
        offer("1", "0"),  # names swapped: each m-line by its place
        offer("0", "1", "2", "3", "4"),  # more m-lines than Plenum mutes
    ],
)  # fmt: skip
def test_an_offer_that_janus_would_read_otherwise_is_refused(sdp):
    """Two outside reviews: the relay must read the m-lines' names as Janus's parser does
    (lines at "\n", attribute lines from a lower-case "a=", names in any case, values as
    written; Janus names an m-line without a name, or a data channel's, by its place), or
    a speaker could publish a stream Plenum cannot mute by name."""
    with pytest.raises(relay.Refused):
        relay.check_body(
            VIDEOROOM, relay.PUBLISHER, {"request": "publish"}, caller(VideoRole.SPEAKER),
            jsep="offer", sdp=sdp,
        )  # fmt: skip


def test_a_name_in_capitals_counts_as_janus_counts_it():
    """Janus reads "a=MID:1" as the m-line's name: so does the relay."""
    relay.check_body(
        VIDEOROOM, relay.PUBLISHER, {"request": "publish"}, caller(VideoRole.SPEAKER),
        jsep="offer", sdp=TWO.replace("a=mid:1", "a=MID:1"),
    )  # fmt: skip


def test_a_browsers_offer_passes():
    """What Chromium sends for one camera: CRLF lines, one video m-line named "0"."""
    relay.check_body(
        VIDEOROOM, relay.PUBLISHER, {"request": "publish"}, caller(VideoRole.SPEAKER),
        jsep="offer", sdp=offer("0"),
    )  # fmt: skip
