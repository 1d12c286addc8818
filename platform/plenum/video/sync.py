"""The room follows the meeting: after a change of the speakers' list, the new speaker
may send and everyone else who sends without a role to is muted: their sound and their
pictures at once (nothing of them is passed on), and whoever still publishes
``PUT_OUT_SECONDS`` later is put out of the pictures (an honest page lets go of its muted
picture sooner, see video.js); after a registration is cancelled, members who may no
longer be in the room are put out of it.

Events arrive on the committing thread (or the listener's); the work, which talks to the
provider over the network, runs on one worker thread of its own, in order. On PostgreSQL
every instance hears every event and does the same: each step is idempotent (muting a
muted member, kicking one who left), and each instance keeps its own note of whom it
muted when.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from plenum import events
from plenum.meetings.access import allowed, meeting_place
from plenum.orgs.service import principal_for
from plenum.video import service
from plenum.video.provider import ProviderError, Seat, VideoProvider, VideoRole

log = logging.getLogger(__name__)
RECORDING_NOTICE_SECONDS = 10.0  # the notice is on every page this long before it records
HEARD = (
    "meeting.speakers",
    "meeting.agenda",
    "meeting.registration",
    "meeting.roles",
    "meeting.video",
    "meeting.changed",  # its time moved: the door may have shut
    "meeting.cancelled",
)
# once more this much later: a request checked just before the change, or a publisher
# still connecting then, is caught the second time
AGAIN_SECONDS = 3.0
# a member muted for good this long ago who still publishes is put out of the pictures
# (their page holds its muted picture up to 8 s, so that the others can switch its
# m-line to the next speaker's without a new offer: video.js)
PUT_OUT_SECONDS = 10.0


class Job(NamedTuple):
    meeting_id: int
    recording: bool | None  # start or stop recording; None: follow the meeting
    doors: bool  # look at every member's door too


class Follower:
    """One worker thread that brings the rooms in line with their meetings."""

    def __init__(self, database: Any, provider: VideoProvider) -> None:
        self.database, self.provider = database, provider
        self.work: queue.Queue[Job | None] = queue.Queue()
        # meeting -> member -> when this instance muted them (touched by the worker only)
        self.muted: dict[int, dict[int, float]] = {}
        self.thread = threading.Thread(target=self._run, name="video-follower", daemon=True)
        self._unsubscribers: list[Callable[[], None]] = []

    def start(self) -> None:
        self.thread.start()
        self._unsubscribers = [events.bus.subscribe(name, self._hear) for name in HEARD]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self.work.put(None)
        self.thread.join(timeout=5)

    def _later(self, seconds: float, job: Job) -> None:
        timer = threading.Timer(seconds, self.work.put, args=(job,))
        timer.daemon = True
        timer.start()

    def _hear(self, happened: events.Event) -> None:
        meeting_id = happened.data.get("meeting_id")
        if not isinstance(meeting_id, int):
            return
        recording = happened.data.get("recording")
        if isinstance(recording, bool):
            # everyone in the room is told first (the page's notice), then it records
            delay = RECORDING_NOTICE_SECONDS if recording else 0
            self._later(delay, Job(meeting_id, recording, False))
            return
        # the speakers' list changes who sends, never who may be in the room: checking
        # every member's door on each call was most of the follower's work (bench/video.py)
        job = Job(meeting_id, None, happened.name != "meeting.speakers")
        self.work.put(job)
        self._later(AGAIN_SECONDS, job)

    def _run(self) -> None:
        while True:
            job = self.work.get()
            if job is None:
                return
            meeting_id, recording, doors = job
            try:
                with self.database.session() as session:
                    if recording is None:
                        muted = self.muted.setdefault(meeting_id, {})
                        fresh = follow(
                            meeting_id, self.provider, session=session, doors=doors, muted=muted
                        )
                        if fresh:  # one more look, when their time is up
                            self._later(PUT_OUT_SECONDS + 0.5, Job(meeting_id, None, False))
                    else:
                        record(meeting_id, recording, self.provider, session=session)
                    session.commit()
            except ProviderError as exc:
                log.warning("video room of meeting %s: %s", meeting_id, exc)
            except Exception:  # a subscriber's worker must go on with the next meeting
                log.exception("video room of meeting %s", meeting_id)


def follow(
    meeting_id: int,
    provider: VideoProvider,
    *,
    session: Any,
    doors: bool = True,
    muted: dict[int, float] | None = None,
    now: float | None = None,
) -> set[int]:
    """Bring meeting ``meeting_id``'s room in line: who may send and, with ``doors``, who
    may be in it. ``muted``: whom this follower muted when (kept between looks, changed
    here); a member sending without a role to is muted once, and put out once muted
    ``PUT_OUT_SECONDS`` ago. The members muted now for the first time."""
    muted = {} if muted is None else muted
    moment = time.monotonic() if now is None else now
    room = service.room_of(meeting_id, session=session)
    if room is None or room.prepared_at is None or room.ended_at is not None:
        muted.clear()
        return set()
    at = meeting_place(meeting_id, session=session)
    target = service.as_room(at, room)
    speaker = service.current_speaker(at, session=session)
    # the floor taken back first: the others' pages hear of it before the new speaker's
    # picture comes, and switch to it (video.js)
    fresh: set[int] = set()
    revoked: set[int] = set()
    for member_id in provider.sending(target) - {speaker}:
        may = allowed(principal_for(member_id, session=session), at, session=session)
        if service.role_of(at, member_id, may, session=session).sends:
            continue
        revoked.add(member_id)
        since = muted.get(member_id)
        if since is not None and moment - since < PUT_OUT_SECONDS:
            continue  # muted already; their page is letting go
        try:
            provider.set_role(
                target, Seat(member_id, "", VideoRole.LISTENER), final=since is not None
            )
        except ProviderError as exc:  # the others are still muted, the speaker let in
            log.warning("video room of meeting %s, member %s: %s", meeting_id, member_id, exc)
            continue
        if since is None:
            muted[member_id] = moment
            fresh.add(member_id)
    for member_id in set(muted) - revoked:
        del muted[member_id]  # stopped sending, or may send again
    if speaker is not None:
        provider.set_role(target, Seat(speaker, "", VideoRole.SPEAKER))
    if not doors:
        return fresh
    for member_id in service.members_in(meeting_id, session=session):
        may = allowed(principal_for(member_id, session=session), at, session=session)
        if not service.door(at, member_id, may, room, session=session).open:
            service.leave_all(meeting_id, member_id, session=session)
            provider.dismiss(target, member_id)
    return fresh


def record(meeting_id: int, on: bool, provider: VideoProvider, *, session: Any) -> None:
    """Start or stop recording at the provider, if the room still wants it so."""
    room = service.room_of(meeting_id, session=session)
    if room is None or room.prepared_at is None or room.ended_at is not None:
        return
    if on != (room.recording_since is not None):
        return  # turned back before the notice ran out
    provider.record(service.as_room(meeting_place(meeting_id, session=session), room), on)
