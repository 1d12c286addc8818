"""Meetings for calendar programs (iCalendar, RFC 5545): one meeting to download, and
each member's private feed of the meetings they are registered for.

The feed is read by calendar programs without a login, by a secret token in its URL.
Such URLs end up in synced calendars and their logs, so nothing in a calendar entry is
more than a registered member may read anywhere: never the video link (the meeting page
shows it from 30 minutes before the start), never anything about the member. A member
can renew the token, and the old URL stops working at once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import update
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.db import insert_or_nothing
from plenum.meetings.models import (
    CalendarFeed,
    Meeting,
    MeetingStatus,
    Mode,
    Registration,
    RegistrationStatus,
)
from plenum.orgs.models import Chapter

PRODID = "-//Plenum//Meetings//DE"
FEED_SINCE = timedelta(days=30)  # the feed holds meetings from this long ago on
FEED_STATUSES = (RegistrationStatus.REGISTERED.value, RegistrationStatus.OFFERED.value)
TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def meeting_ics(
    meeting: Meeting, *, base_url: str, chapter_name: str, now: datetime | None = None
) -> bytes:
    """The meeting as an iCalendar file with one event."""
    return _calendar([_event(meeting, base_url, chapter_name, now or utcnow())])


def _calendar(events: Iterable[Event]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for event in events:
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _event(meeting: Meeting, base_url: str, chapter_name: str, now: datetime) -> Event:
    url = f"{base_url.rstrip('/')}/meetings/{meeting.id}"
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@plenum")
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("summary", meeting.title)
    event.add("description", _description(meeting, chapter_name, url))
    event.add("location", _location(meeting))
    event.add("url", url)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", meeting.lock_version)
    return event


def _utc(moment: datetime) -> datetime:
    """In UTC (``...Z``): a meeting just made still holds the party time it was typed in."""
    return as_utc(moment).astimezone(UTC)


def _description(meeting: Meeting, chapter_name: str, url: str) -> str:
    parts = [chapter_name, meeting.description.strip(), url]
    return "\n\n".join(part for part in parts if part)


def _location(meeting: Meeting) -> str:
    if meeting.mode == Mode.ONLINE:
        return "Online"
    return ", ".join(part for part in (meeting.venue, meeting.address) if part)


# --- the member's feed ------------------------------------------------------------------


def feed_token(member_id: int, *, session: Session) -> str:
    """The member's feed token, made on first use."""
    found = _feed(member_id, session=session)
    if found is not None:
        return found.token
    insert_or_nothing(session, CalendarFeed, member_id=member_id, token=_new_token())
    made = _feed(member_id, session=session)  # ours, or the one a parallel request made
    return made.token if made is not None else ""


def renew_feed_token(member_id: int, *, session: Session) -> str:
    """A new token for the member's feed; the old one no longer works. Two renewals at
    once both succeed, and the later one's token stands."""
    token = _new_token()
    if not insert_or_nothing(session, CalendarFeed, member_id=member_id, token=token):
        session.execute(
            update(CalendarFeed).where(col(CalendarFeed.member_id) == member_id).values(token=token)
        )
    return token


def member_by_feed_token(token: str, *, session: Session) -> int | None:
    """Whose feed ``token`` opens; None for a token that is not (or no longer) valid."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    query = select(CalendarFeed.member_id).where(CalendarFeed.token == token)
    return session.exec(query).first()


def _feed(member_id: int, *, session: Session) -> CalendarFeed | None:
    query = select(CalendarFeed).where(CalendarFeed.member_id == member_id)
    return session.exec(query.execution_options(populate_existing=True)).first()


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def feed_ics(
    member_id: int, *, session: Session, base_url: str, now: datetime | None = None
) -> bytes:
    """The meetings the member is registered for (or offered a seat at), from 30 days
    ago on; cancelled meetings stay in, marked as cancelled."""
    moment = now or utcnow()
    query = (
        select(Meeting, Chapter.name)
        .join(Registration, col(Registration.meeting_id) == col(Meeting.id))
        .join(Chapter, col(Chapter.id) == col(Meeting.chapter_id))
        .where(
            Registration.member_id == member_id,
            col(Registration.status).in_(FEED_STATUSES),
            col(Meeting.ends_at) >= moment - FEED_SINCE,
        )
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    return _calendar(
        _event(meeting, base_url, chapter, moment) for meeting, chapter in session.exec(query)
    )
