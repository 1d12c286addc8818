"""The room follows the meeting: after a change of the speakers' list, the new speaker
may send and everyone else who sends without a role to is muted (and put out of the
pictures); after a registration is cancelled, members who may no longer be in the room
are put out of it.

Events arrive on the committing thread (or the listener's); the work, which talks to the
provider over the network, runs on one worker thread of its own, in order. On PostgreSQL
every instance hears every event and does the same: each step is idempotent (muting a
muted member, kicking one who left).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

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


class Follower:
    """One worker thread that brings the rooms in line with their meetings."""

    def __init__(self, database: Any, provider: VideoProvider) -> None:
        self.database, self.provider = database, provider
        # (meeting, recording or None, whether to look at the door too)
        self.work: queue.Queue[tuple[int, bool | None, bool] | None] = queue.Queue()
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

    def _hear(self, happened: events.Event) -> None:
        meeting_id = happened.data.get("meeting_id")
        if not isinstance(meeting_id, int):
            return
        recording = happened.data.get("recording")
        if isinstance(recording, bool):
            # everyone in the room is told first (the page's notice), then it records
            delay = RECORDING_NOTICE_SECONDS if recording else 0
            timer = threading.Timer(delay, self.work.put, args=((meeting_id, recording, False),))
            timer.daemon = True
            timer.start()
            return
        # the speakers' list changes who sends, never who may be in the room: checking
        # every member's door on each call was most of the follower's work (bench/video.py)
        job = (meeting_id, None, happened.name != "meeting.speakers")
        self.work.put(job)
        again = threading.Timer(AGAIN_SECONDS, self.work.put, args=(job,))
        again.daemon = True
        again.start()

    def _run(self) -> None:
        while True:
            job = self.work.get()
            if job is None:
                return
            meeting_id, recording, doors = job
            try:
                with self.database.session() as session:
                    if recording is None:
                        follow(meeting_id, self.provider, session=session, doors=doors)
                    else:
                        record(meeting_id, recording, self.provider, session=session)
                    session.commit()
            except ProviderError as exc:
                log.warning("video room of meeting %s: %s", meeting_id, exc)
            except Exception:  # a subscriber's worker must go on with the next meeting
                log.exception("video room of meeting %s", meeting_id)


def follow(meeting_id: int, provider: VideoProvider, *, session: Any, doors: bool = True) -> None:
    """Bring meeting ``meeting_id``'s room in line: who may send and, with ``doors``, who
    may be in it."""
    room = service.room_of(meeting_id, session=session)
    if room is None or room.prepared_at is None or room.ended_at is not None:
        return
    at = meeting_place(meeting_id, session=session)
    target = service.as_room(at, room)
    speaker = service.current_speaker(at, session=session)
    if speaker is not None:
        provider.set_role(target, Seat(speaker, "", VideoRole.SPEAKER))
    for member_id in provider.sending(target) - {speaker}:
        may = allowed(principal_for(member_id, session=session), at, session=session)
        if not service.role_of(at, member_id, may, session=session).sends:
            provider.set_role(target, Seat(member_id, "", VideoRole.LISTENER))
    if not doors:
        return
    for member_id in service.members_in(meeting_id, session=session):
        may = allowed(principal_for(member_id, session=session), at, session=session)
        if not service.door(at, member_id, may, room, session=session).open:
            service.leave_all(meeting_id, member_id, session=session)
            provider.dismiss(target, member_id)


def record(meeting_id: int, on: bool, provider: VideoProvider, *, session: Any) -> None:
    """Start or stop recording at the provider, if the room still wants it so."""
    room = service.room_of(meeting_id, session=session)
    if room is None or room.prepared_at is None or room.ended_at is not None:
        return
    if on != (room.recording_since is not None):
        return  # turned back before the notice ran out
    provider.record(service.as_room(meeting_place(meeting_id, session=session), room), on)
