"""What the follower does on which event: a change of the speakers' list changes who
sends, never who may be in the room, so only the other events look at every member's door
(the follower's work grew with the room on every call: bench/video.py)."""

from __future__ import annotations

import time

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
    assert follower.work.get_nowait() == (7, None, doors, False)


def test_the_second_look_comes_later_and_is_the_final_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first look mutes who may no longer send; the second, a few seconds later,
    puts out whoever still publishes (a page holds its muted pictures up to 2 s)."""
    monkeypatch.setattr(sync, "AGAIN_SECONDS", 0.05)
    follower = sync.Follower(database=None, provider=None)  # type: ignore[arg-type]
    follower._hear(events.Event("meeting.speakers", {"meeting_id": 7}))
    assert follower.work.get(timeout=5) == (7, None, False, False)
    assert follower.work.get(timeout=5) == (7, None, False, True)


def test_only_the_latest_changes_second_look_is_final(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lena called, then Otto a second later: the second look after Lena's call must not
    put Lena out while her page still holds its muted picture for Otto's to take its
    place; the look after Otto's call does (another meeting's changes count apart)."""
    monkeypatch.setattr(sync, "AGAIN_SECONDS", 0.2)
    follower = sync.Follower(database=None, provider=None)  # type: ignore[arg-type]
    follower._hear(events.Event("meeting.speakers", {"meeting_id": 7}))
    follower._hear(events.Event("meeting.speakers", {"meeting_id": 8}))
    time.sleep(0.05)
    follower._hear(events.Event("meeting.speakers", {"meeting_id": 7}))
    jobs = [follower.work.get(timeout=5) for _ in range(6)]
    assert [job for job in jobs if job.final] == [(8, None, False, True), (7, None, False, True)]
    assert jobs.count((7, None, False, False)) == 3  # two first looks, one second that is not


def test_the_recording_waits_for_the_notice_and_looks_at_no_door(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync, "RECORDING_NOTICE_SECONDS", 0.0)
    follower = sync.Follower(database=None, provider=None)  # type: ignore[arg-type]
    follower._hear(events.Event("meeting.video", {"meeting_id": 7, "recording": True}))
    assert follower.work.get(timeout=5) == (7, True, False, False)
