"""The room follows the meeting: after a change of the speakers' list, the new speaker
may send and everyone else who sends without a role to is muted (their pictures at once,
and put out of the pictures at the second look, if their page has not stopped by then);
after a registration is cancelled, members who may no longer be in the room
are put out of it.

Events arrive on the committing thread (or the listener's); the work, which talks to the
provider over the network, runs on one worker thread of its own, in order. On PostgreSQL
every instance hears every event and does the same: each step is idempotent (muting a
muted member, kicking one who left).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
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
# still connecting then, is caught the second time, and one who still publishes without
# a role to (their page holds its muted pictures up to 2 s, see video.js) is put out
AGAIN_SECONDS = 3.0


class Job(NamedTuple):
    meeting_id: int
    recording: bool | None  # start or stop recording; None: follow the meeting
    doors: bool  # look at every member's door too
    final: bool  # the second look after the meeting's latest change (see AGAIN_SECONDS)


class Follower:
    """One worker thread that brings the rooms in line with their meetings."""

    def __init__(self, database: Any, provider: VideoProvider) -> None:
        self.database, self.provider = database, provider
        self.work: queue.Queue[Job | None] = queue.Queue()
        # each meeting's latest change: only its second look puts anyone out, not that of
        # a change before it (whose speaker may have been called again since, or whose
        # successor's page is still holding its muted picture)
        self._changes = itertools.count(1)
        self._latest: dict[int, int] = {}
        self._lock = threading.Lock()
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
            job = Job(meeting_id, recording, False, False)
            timer = threading.Timer(delay, self.work.put, args=(job,))
            timer.daemon = True
            timer.start()
            return
        # the speakers' list changes who sends, never who may be in the room: checking
        # every member's door on each call was most of the follower's work (bench/video.py)
        doors = happened.name != "meeting.speakers"
        with self._lock:
            change = self._latest[meeting_id] = next(self._changes)
        self.work.put(Job(meeting_id, None, doors, False))
        again = threading.Timer(
            AGAIN_SECONDS, self._again, args=(Job(meeting_id, None, doors, True), change)
        )
        again.daemon = True
        again.start()

    def _again(self, job: Job, change: int) -> None:
        with self._lock:
            final = self._latest.get(job.meeting_id) == change
        self.work.put(job._replace(final=final))

    def _run(self) -> None:
        while True:
            job = self.work.get()
            if job is None:
                return
            meeting_id, recording, doors, final = job
            try:
                with self.database.session() as session:
                    if recording is None:
                        follow(meeting_id, self.provider, session=session, doors=doors, final=final)
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
    final: bool = False,
) -> None:
    """Bring meeting ``meeting_id``'s room in line: who may send and, with ``doors``, who
    may be in it. ``final``: the second look (``Janus.set_role``)."""
    room = service.room_of(meeting_id, session=session)
    if room is None or room.prepared_at is None or room.ended_at is not None:
        return
    at = meeting_place(meeting_id, session=session)
    target = service.as_room(at, room)
    speaker = service.current_speaker(at, session=session)
    # the floor taken back first: the others' pages hear of it before the new speaker's
    # picture comes, and switch to it (video.js)
    for member_id in provider.sending(target) - {speaker}:
        may = allowed(principal_for(member_id, session=session), at, session=session)
        if not service.role_of(at, member_id, may, session=session).sends:
            provider.set_role(target, Seat(member_id, "", VideoRole.LISTENER), final=final)
    if speaker is not None:
        provider.set_role(target, Seat(speaker, "", VideoRole.SPEAKER))
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
