"""The live room's state, read in one go: the current item, its speakers' list in the
order the rule gives (with the reasons), who speaks now and for how long, the chair's
announcements and who is present. The page and every live update render from it.

Which events change which regions of a meeting's live room is said here too
(``regions_of``); ``web.live.Hub`` does the fan-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from plenum import events
from plenum.clock import as_utc, utcnow
from plenum.meetings import agenda, documents, presence, queue, room_votes, speakers
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import AgendaDocument, AgendaItem, Announcement, SpeakerRequest

REGIONS = {
    "meeting.agenda": ("agenda", "speakers"),
    "meeting.changed": ("agenda",),
    "meeting.cancelled": ("agenda",),
    "meeting.speakers": ("speakers",),
    "meeting.announcement": ("announcements",),
    "meeting.presence": ("presence",),
    "meeting.video": ("video",),  # the video room's page asks for its state again
    "meeting.hall_count": ("vote_steps",),  # only the chair and the desk see it now
    "vote.opened": ("vote",),  # only votes in a live room name their meeting
    "vote.closed": ("vote",),
    "vote.published": ("vote",),
}
SHARED = ("agenda", "speakers", "announcements", "vote")  # the same for everyone: pushed as HTML


def topic(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def regions_of(happened: events.Event) -> tuple[str, tuple[str, ...]] | None:
    """The hub's mapper: a meeting's event → its live room's regions that changed."""
    regions = REGIONS.get(happened.name)
    meeting_id = happened.data.get("meeting_id")
    if regions is None or not isinstance(meeting_id, int):
        return None
    return topic(meeting_id), regions


@dataclass(frozen=True)
class Entry:
    """A waiting request as the list shows it."""

    row: SpeakerRequest
    placed: queue.Placed
    name: str


@dataclass(frozen=True)
class Room:
    at: MeetingPlace
    items: list[AgendaItem]
    current: AgendaItem | None
    documents: list[AgendaDocument]  # the current item's
    waiting: list[Entry]
    speaking: SpeakerRequest | None
    speaking_name: str
    spoken: int
    announcements: list[Announcement]
    present: dict[str, int]
    vote: room_votes.RoomState | None
    now: datetime

    @property
    def next_item(self) -> AgendaItem | None:
        after = [item for item in self.items if item.status == "pending"]
        return after[0] if after else None

    def remaining(self) -> int | None:
        """Seconds of speaking time left (negative: over time), None when not running."""
        row = self.speaking
        if row is None or row.started_at is None or row.speaking_seconds is None:
            return None
        end = row.stopped_at or self.now
        used = (as_utc(end) - as_utc(row.started_at)).total_seconds()
        return int(row.speaking_seconds - used)


def room(at: MeetingPlace, *, session: Session, now: datetime | None = None) -> Room:
    moment = now or utcnow()
    items = agenda.items_of(at.meeting.id or 0, session=session)
    current = next((item for item in items if item.id == at.meeting.current_item_id), None)
    rows = speakers.rows_of(current.id or 0, session=session) if current else []
    who = speakers.names(rows, session=session)
    waiting: list[Entry] = []
    if current is not None:
        by_id = {row.id: row for row in rows}
        listed = queue.order(speakers.queue_of(current, at.meeting.speaker_rule, rows), moment)
        waiting = [Entry(by_id[p.request.id], p, _name(by_id[p.request.id], who)) for p in listed]
    now_speaking = speakers.speaking(rows)
    return Room(
        at=at,
        items=items,
        current=current,
        documents=documents.listed(current, session=session) if current else [],
        waiting=waiting,
        speaking=now_speaking,
        speaking_name=_name(now_speaking, who) if now_speaking else "",
        spoken=sum(row.status == "called" for row in rows),
        announcements=_announcements(at.meeting.id or 0, session=session),
        present=presence.counts(at.meeting.id or 0, session=session, now=moment),
        vote=room_votes.room_state(current, session=session),
        now=moment,
    )


def _name(row: SpeakerRequest, who: dict[int, str]) -> str:
    return who.get(row.member_id, "") if row.member_id is not None else ""


def _announcements(meeting_id: int, *, session: Session, limit: int = 5) -> list[Announcement]:
    query = (
        select(Announcement)
        .where(Announcement.meeting_id == meeting_id)
        .order_by(col(Announcement.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def announce_text(at: MeetingPlace, text: str, *, actor: int, session: Session) -> Announcement:
    row = Announcement(meeting_id=at.meeting.id or 0, text=text, created_by=actor)
    session.add(row)
    session.flush()
    events.announce(session, "meeting.announcement", meeting_id=at.meeting.id)
    return row


def my_requests(room_: Room, member_id: int) -> list[Entry]:
    return [entry for entry in room_.waiting if entry.row.member_id == member_id]
