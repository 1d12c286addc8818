"""What the clock does for video rooms: end the rooms of meetings that are over, so that
nobody stays in one after its end and Janus frees what it holds; and set presence right
where an event of Janus's was lost (Plenum restarting when Janus posted that a member
left): who counts as in the room is asked of the room itself."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from plenum.clock import utcnow
from plenum.events import announce
from plenum.meetings.access import meeting_place
from plenum.meetings.models import Meeting
from plenum.video import service
from plenum.video.models import VideoRoom, VideoSession
from plenum.video.provider import ProviderError, VideoProvider

log = logging.getLogger(__name__)
JOIN_MARGIN_SECONDS = 60  # a member who joined less than this before is left for the next tick


def end_finished(provider: VideoProvider, *, session: Session, now: datetime | None = None) -> int:
    """End every open room whose meeting has ended; the number ended."""
    moment = now or utcnow()
    query = (
        select(VideoRoom.meeting_id)
        .join(Meeting, col(Meeting.id) == col(VideoRoom.meeting_id))
        .where(col(VideoRoom.ended_at).is_(None), col(Meeting.ends_at) < moment)
    )
    ended = 0
    for meeting_id in list(session.exec(query)):
        try:
            service.end(meeting_place(meeting_id, session=session), provider, session=session)
        except ProviderError as exc:  # ended here anyway: the provider's room times out
            log.warning("video room of meeting %s: %s", meeting_id, exc)
        ended += 1
    return ended


def settle_presence(provider: VideoProvider, *, session: Session) -> int:
    """Members counted as in a room (joined the audio bridge, by Janus's events) but no
    longer in it at the provider are counted out; the number of sessions counted out. Only
    what was joined a minute before the provider was asked: a member joining meanwhile (or
    stamped by an instance whose clock is a little ahead) stays in."""
    joined = session.exec(
        select(VideoSession.meeting_id)
        .where(col(VideoSession.joined_at).is_not(None), col(VideoSession.closed_at).is_(None))
        .distinct()
    )
    out = 0
    for meeting_id in list(joined):
        room = service.room_of(meeting_id, session=session)
        if room is None or room.prepared_at is None or room.ended_at is not None:
            continue
        # joined before this, by any instance's clock (they may differ a little)
        asked = utcnow() - timedelta(seconds=JOIN_MARGIN_SECONDS)
        target = service.as_room(meeting_place(meeting_id, session=session), room)
        try:
            there = provider.connected(target)
        except ProviderError as exc:  # asked again at the next tick
            log.warning("video room of meeting %s: %s", meeting_id, exc)
            continue
        gone = (
            update(VideoSession)
            .where(
                col(VideoSession.meeting_id) == meeting_id,
                col(VideoSession.member_id).not_in(there),
                col(VideoSession.joined_at) < asked,
                col(VideoSession.closed_at).is_(None),
            )
            .values(joined_at=None)
        )
        counted_out = session.execute(gone).rowcount or 0  # type: ignore[attr-defined]
        if counted_out:
            announce(session, "meeting.presence", meeting_id=meeting_id)
        out += counted_out
    return out
