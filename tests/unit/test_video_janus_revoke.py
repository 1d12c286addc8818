"""What ``Janus.set_role`` asks of Janus when the floor goes or comes back: which
requests, for which participant, in which order. Janus's API is stood in for by a recorder
of plugin requests that answers as Janus 1.1.2 does (428 "no such feed" for a stream that
does not exist); that Janus really mutes, lifts and kicks so is tested with real pages
in tests/browser/test_video_browser.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from plenum.video.janus import AUDIOBRIDGE, ID_SPAN, SENT_MIDS, VIDEOROOM, Janus
from plenum.video.provider import Room, Seat, VideoRole

ROOM = Room(7, "4242", "Kreisparteitag", "room-secret", datetime(2026, 12, 7, tzinfo=UTC))
MIA = 55
HONEST, ODD = MIA * ID_SPAN + 1, MIA * ID_SPAN + 2  # two tabs; ODD has no m-line "0"


class JanusPlugins:
    """Answers plugin requests as Janus does for a room where Mia publishes from two tabs:
    HONEST on m-line "0", ODD on no m-line Plenum names (only a relay bypassed would let
    that through)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def plugin(self, plugin: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answers = []
        for body in bodies:
            self.sent.append((plugin, body))
            if body["request"] == "listparticipants":
                tabs = [{"id": i, "publisher": True, "muted": False} for i in (HONEST, ODD)]
                answers.append({"participants": tabs})
            elif body["request"] == "moderate" and not (
                body["id"] == HONEST and body["mid"] == "0"
            ):
                answers.append({"error_code": 428, "error": "No such stream"})
            else:
                answers.append({})
        return answers

    def asked(self, request: str) -> list[tuple[int, Any]]:
        return [(b["id"], b.get("mid")) for _p, b in self.sent if b["request"] == request]


def provider() -> tuple[Janus, JanusPlugins]:
    janus = Janus("http://127.0.0.1:9/janus")
    plugins = JanusPlugins()
    janus.api = plugins  # type: ignore[assignment]
    return janus, plugins


def test_the_floor_taken_back_mutes_sound_and_every_named_picture_and_puts_out_the_rest():
    janus, plugins = provider()
    janus.set_role(ROOM, Seat(MIA, "", VideoRole.LISTENER))
    assert plugins.asked("mute") == [(HONEST, None), (ODD, None)]
    assert plugins.asked("moderate") == [(i, mid) for i in (HONEST, ODD) for mid in SENT_MIDS]
    assert all(b["mute"] is True for _p, b in plugins.sent if b["request"] == "moderate")
    # HONEST's "0" was muted; ODD has none Plenum can name: out at once
    assert plugins.asked("kick") == [(ODD, None)]
    assert [p for p, b in plugins.sent if b["request"] == "kick"] == [VIDEOROOM]


def test_when_the_time_is_up_every_tab_still_publishing_is_put_out():
    janus, plugins = provider()
    janus.set_role(ROOM, Seat(MIA, "", VideoRole.LISTENER), final=True)
    assert plugins.asked("moderate") == []
    assert plugins.asked("kick") == [(HONEST, None), (ODD, None)]


def test_the_floor_given_back_lifts_the_muting_of_the_pictures():
    janus, plugins = provider()
    janus.set_role(ROOM, Seat(MIA, "", VideoRole.SPEAKER), lift=True)
    assert plugins.asked("unmute") == [(HONEST, None), (ODD, None)]
    assert [p for p, b in plugins.sent if b["request"] == "unmute"] == [AUDIOBRIDGE] * 2
    lifted = [
        (b["id"], b["mid"], b["mute"]) for _p, b in plugins.sent if b["request"] == "moderate"
    ]
    assert lifted == [(i, mid, False) for i in (HONEST, ODD) for mid in SENT_MIDS]
    assert plugins.asked("kick") == []


def test_a_speaker_is_let_in_without_touching_the_pictures():
    janus, plugins = provider()
    janus.set_role(ROOM, Seat(MIA, "", VideoRole.SPEAKER))
    assert plugins.asked("unmute") == [(HONEST, None), (ODD, None)]
    assert plugins.asked("moderate") == []
    assert plugins.asked("kick") == []
