"""What the clock does for video rooms: end the rooms of meetings that are over, so that
nobody stays in one after its end and Janus frees what it holds."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from plenum.clock import utcnow
from plenum.meetings.access import meeting_place
from plenum.meetings.models import Meeting
from plenum.video import service
from plenum.video.models import VideoRoom
from plenum.video.provider import ProviderError, VideoProvider

log = logging.getLogger(__name__)


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
