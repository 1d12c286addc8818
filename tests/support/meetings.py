"""Small factories for meetings, written through the services as office staff would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from plenum.clock import utcnow
from plenum.meetings import forms, service
from plenum.meetings.access import MeetingPlace, meeting_place
from plenum.meetings.models import Meeting
from plenum.orgs.models import Body, Chapter
from plenum.times import local_input

# The meeting form as office staff fill it in (override what a test needs).
MEETING_FORM = {
    "title": "Regionalkonferenz Rheinland",
    "description": "Wir beraten den Leitantrag.",
    "mode": "hybrid",
    "audience": "chapter",
    "venue": "Bürgerhaus Kalk",
    "address": "Kalk-Mülheimer Str. 58, Köln",
    "step_free": "1",
    "childcare": "1",
    "childcare_ages": "1–10",
    "video_url": "https://video.example.org/rk-rheinland",
    "speaker_rule": "zipper",
}


def when(moment: datetime) -> str:
    """A time as the form's datetime-local field sends it (party time)."""
    return local_input(moment)


def meeting_form(starts: datetime | None = None, hours: int = 3, **fields: str) -> dict[str, str]:
    start = starts or utcnow() + timedelta(days=7)
    return {
        **MEETING_FORM,
        "starts_at": when(start),
        "ends_at": when(start + timedelta(hours=hours)),
        **fields,
    }


def make_meeting(
    session: Session,
    chapter: Chapter,
    body: Body | None,
    staff_id: int,
    *,
    starts: datetime | None = None,
    **fields: Any,
) -> Meeting:
    values = meeting_form(starts, **fields)
    data = forms.parse_meeting(values, has_body=body is not None)
    return service.create_meeting(chapter, body, data, actor=staff_id, session=session)


def place(session: Session, meeting: Meeting) -> MeetingPlace:
    return meeting_place(meeting.id or 0, session=session)
