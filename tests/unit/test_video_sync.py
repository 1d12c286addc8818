"""What the follower does on which event: a change of the speakers' list changes who
sends, never who may be in the room, so only the other events look at every member's door
(the follower's work grew with the room on every call: bench/video.py)."""

from __future__ import annotations

import pytest

from plenum import events
from plenum.video import sync


@pytest.mark.parametrize(
    ("name", "doors"),
    [
        ("meeting.speakers", False),
        ("meeting.registration", True),
        ("meeting.roles", True),
        ("meeting.video", True),
        ("meeting.agenda", True),
        ("meeting.changed", True),
        ("meeting.cancelled", True),
    ],
)
def test_only_events_that_can_shut_the_door_look_at_the_door(
    name: str, doors: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "AGAIN_SECONDS", 3600.0)  # the second look is not waited for
    follower = sync.Follower(database=None, provider=None)  # type: ignore[arg-type]
    follower._hear(events.Event(name, {"meeting_id": 7}))
    assert follower.work.get_nowait() == (7, None, doors)


def test_a_second_look_comes_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request checked just before the change, or a publisher still connecting then,
    is caught the second time."""
    monkeypatch.setattr(sync, "AGAIN_SECONDS", 0.05)
    follower = sync.Follower(database=None, provider=None)  # type: ignore[arg-type]
    follower._hear(events.Event("meeting.speakers", {"meeting_id": 7}))
    assert follower.work.get(timeout=5) == (7, None, False)
    assert follower.work.get(timeout=5) == (7, None, False)


def test_the_recording_waits_for_the_notice_and_looks_at_no_door(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync, "RECORDING_NOTICE_SECONDS", 0.0)
    follower = sync.Follower(database=None, provider=None)  # type: ignore[arg-type]
    follower._hear(events.Event("meeting.video", {"meeting_id": 7, "recording": True}))
    assert follower.work.get(timeout=5) == (7, True, False)
