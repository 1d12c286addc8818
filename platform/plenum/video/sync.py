"""The room follows the meeting: after a change of the speakers' list, the new speaker
may send and everyone else who sends without a role to is muted: their sound and their
pictures at once (nothing of them is passed on), and whoever still publishes
``PUT_OUT_SECONDS`` later is put out of the pictures (an honest page lets go of its muted
picture sooner, see video.js); one given the floor back has the muting lifted. After a
registration is cancelled, members who may no longer be in the room are put out of it.

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
from dataclasses import dataclass
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
# a member muted this long ago who still publishes is put out of the pictures (their
# page holds its muted picture up to 15 s, so that the others can switch its m-line to
# the next speaker's without a new offer: video.js)
PUT_OUT_SECONDS = 20.0


class Job(NamedTuple):
    meeting_id: int
    recording: bool | None  # start or stop recording; None: follow the meeting
    doors: bool  # look at every member's door too


@dataclass
class Muted:
    """A member this follower muted: since when (for putting them out), and when last
    muted again (at most every ``AGAIN_SECONDS``: each time tells every page)."""

    since: float
    again: float


class Follower:
    """One worker thread that brings the rooms in line with their meetings."""

    def __init__(self, database: Any, provider: VideoProvider) -> None:
        self.database, self.provider = database, provider
        self.work: queue.Queue[Job | None] = queue.Queue()
        # meeting -> member -> Muted (touched by the worker thread only)
        self.muted: dict[int, dict[int, Muted]] = {}
        self._looks: dict[int, float] = {}  # meeting -> when the look to put out is due
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
            muted = self.muted.setdefault(meeting_id, {})
            try:
                with self.database.session() as session:
                    if recording is None:
                        follow(meeting_id, self.provider, session=session, doors=doors, muted=muted)
                    else:
                        record(meeting_id, recording, self.provider, session=session)
                    session.commit()
            except ProviderError as exc:
                log.warning("video room of meeting %s: %s", meeting_id, exc)
            except Exception:  # a subscriber's worker must go on with the next meeting
                log.exception("video room of meeting %s", meeting_id)
            finally:
                self._look_when_due(meeting_id, muted)

    def _look_when_due(self, meeting_id: int, muted: dict[int, Muted]) -> None:
        """One more look when the first muted member's time is up (or again soon, if it
        is up and they still publish: the putting out failed)."""
        now = time.monotonic()
        if not muted or self._looks.get(meeting_id, 0.0) > now:
            return  # nobody to put out, or a look is on its way
        due = min(note.since for note in muted.values()) + PUT_OUT_SECONDS
        delay = (due - now if due > now else AGAIN_SECONDS) + 0.5
        self._looks[meeting_id] = now + delay
        self._later(delay, Job(meeting_id, None, False))


def _tell(provider: VideoProvider, target: Any, seat: Seat, **how: bool) -> bool:
    """``provider.set_role``; False (and a warning) if the provider failed: the others are
    still brought in line."""
    try:
        provider.set_role(target, seat, **how)
    except ProviderError as exc:
        log.warning("video room %s, member %s: %s", target.meeting_id, seat.member_id, exc)
        return False
    return True


def follow(
    meeting_id: int,
    provider: VideoProvider,
    *,
    session: Any,
    doors: bool = True,
    muted: dict[int, Muted] | None = None,
    now: float | None = None,
) -> None:
    """Bring meeting ``meeting_id``'s room in line: who may send and, with ``doors``, who
    may be in it. ``muted``: whom this follower muted when (kept between looks, changed
    here). A member sending without a role to is muted (again at most every
    ``AGAIN_SECONDS``: a request checked before the change, a publication still
    connecting then), and put out once muted ``PUT_OUT_SECONDS`` ago; one muted who may
    send again has the muting lifted."""
    muted = {} if muted is None else muted
    moment = time.monotonic() if now is None else now
    room = service.room_of(meeting_id, session=session)
    if room is None or room.prepared_at is None or room.ended_at is not None:
        muted.clear()
        return
    at = meeting_place(meeting_id, session=session)
    target = service.as_room(at, room)
    speaker = service.current_speaker(at, session=session)
    # the floor taken back first: the others' pages hear of it before the new speaker's
    # picture comes, and switch to it (video.js)
    revoked: set[int] = set()
    for member_id in provider.sending(target) - {speaker}:
        may = allowed(principal_for(member_id, session=session), at, session=session)
        role = service.role_of(at, member_id, may, session=session)
        if role.sends:
            if member_id in muted and _tell(provider, target, Seat(member_id, "", role), lift=True):
                del muted[member_id]
            continue
        revoked.add(member_id)
        note = muted.get(member_id)
        seat = Seat(member_id, "", VideoRole.LISTENER)
        if note is None:
            if _tell(provider, target, seat):
                muted[member_id] = Muted(moment, moment)
        elif moment - note.since >= PUT_OUT_SECONDS:
            _tell(provider, target, seat, final=True)  # kept (and tried again) until gone
        elif moment - note.again >= AGAIN_SECONDS - 0.5 and _tell(provider, target, seat):
            note.again = moment
    if speaker is not None:
        lift = speaker in muted  # called again while their picture was muted
        if _tell(provider, target, Seat(speaker, "", VideoRole.SPEAKER), lift=lift):
            muted.pop(speaker, None)
    for member_id in set(muted) - revoked - {speaker}:
        del muted[member_id]  # stopped sending
    if not doors:
        return
    for member_id in service.members_in(meeting_id, session=session):
        may = allowed(principal_for(member_id, session=session), at, session=session)
        if not service.door(at, member_id, may, room, session=session).open:
            service.leave_all(meeting_id, member_id, session=session)
            try:
                provider.dismiss(target, member_id)
            except ProviderError as exc:
                log.warning("video room of meeting %s, member %s: %s", meeting_id, member_id, exc)


def record(meeting_id: int, on: bool, provider: VideoProvider, *, session: Any) -> None:
    """Start or stop recording at the provider, if the room still wants it so."""
    room = service.room_of(meeting_id, session=session)
    if room is None or room.prepared_at is None or room.ended_at is not None:
        return
    if on != (room.recording_since is not None):
        return  # turned back before the notice ran out
    provider.record(service.as_room(meeting_place(meeting_id, session=session), room), on)
