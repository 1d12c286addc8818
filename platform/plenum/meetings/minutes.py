"""Minutes and outcomes: the minute-taker writes per agenda item (Markdown); the chair
approves and publishes them to the meeting's audience with the attendance as counts by
channel (never a list of names) and the fairness overview of the speakers' lists; members
who were not there comment in a discussion thread for a set time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from plenum.auth.permissions import Principal
from plenum.clock import as_utc, utcnow
from plenum.discuss import access as spaces
from plenum.discuss.models import Thread, ThreadKind
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import (
    AgendaItem,
    Audience,
    Channel,
    Presence,
    RequestStatus,
    SpeakerRequest,
)
from plenum.meetings.service import tell_registered
from plenum.motions import resolutions
from plenum.motions import service as motions
from plenum.motions.models import Motion, Resolution

MINUTES_MAX = 100_000
COMMENT_DAYS = (7, 14, 28)  # how long members may comment on published minutes


def write(at: MeetingPlace, item: AgendaItem, text: str, *, session: Session) -> None:
    if at.meeting.minutes_published_at is not None:
        raise DomainError(N_("The minutes are published and can no longer be changed."))
    cleaned = text.replace("\r\n", "\n").strip()
    if len(cleaned) > MINUTES_MAX:
        raise ValidationFailed({f"minutes-{item.id}": N_("This is too long.")})
    item.minutes = cleaned
    session.add(item)
    session.flush()


def publish(at: MeetingPlace, *, days: int, principal: Principal, session: Session) -> Thread:
    """Approve and publish: attendance counted by channel, and a thread where the
    audience comments until ``days`` from now."""
    meeting = at.meeting
    if meeting.minutes_published_at is not None:
        raise DomainError(N_("The minutes are already published."))
    if days not in COMMENT_DAYS:
        raise ValidationFailed({"days": N_("Please choose how long members may comment.")})
    hall, online = attendance(meeting.id or 0, session=session)
    thread = _thread(at, days, principal, session=session)
    meeting.minutes_published_at = utcnow()
    meeting.minutes_published_by = principal.member_id
    meeting.minutes_thread_id = thread.id
    meeting.attended_hall, meeting.attended_online = hall, online
    session.add(meeting)
    session.flush()
    tell_registered(meeting, N_("The minutes of “%(title)s” are published."), session=session)
    announce(session, "meeting.minutes", meeting_id=meeting.id)
    return thread


def _thread(at: MeetingPlace, days: int, principal: Principal, *, session: Session) -> Thread:
    internal = at.body is not None and at.meeting.audience == Audience.BODY
    if internal and at.body is not None:
        space = spaces.body_space(at.body, at.chapter, session=session)
    else:
        space = spaces.chapter_space(at.chapter, session=session)
    thread = Thread(
        space_id=space.space.id or 0,
        kind=ThreadKind.TOPIC,
        title=f"Protokoll: {at.meeting.title}"[:200],
        created_by=principal.member_id,
        closes_at=utcnow() + timedelta(days=days),
    )
    session.add(thread)
    session.flush()
    return thread


def attendance(meeting_id: int, *, session: Session) -> tuple[int, int]:
    """Who took part, counted by channel: everyone checked in at the hall or seen
    online at any time of the meeting (a member counts once, where last seen)."""
    query = (
        select(Presence.channel, func.count())
        .where(Presence.meeting_id == meeting_id)
        .group_by(col(Presence.channel))
    )
    found = {str(channel): int(n) for channel, n in session.exec(query).all()}
    return found.get(Channel.HALL, 0), found.get(Channel.ONLINE, 0)


def comments_open(thread: Thread | None) -> bool:
    return thread is not None and (thread.closes_at is None or utcnow() < as_utc(thread.closes_at))


@dataclass(frozen=True)
class Outcome:
    """What an item's linked motion came to: the motion and, once adopted, the resolution
    it became (``None`` while there is none, or when the reader may not see the body's
    resolutions)."""

    motion: Motion
    resolution: Resolution | None
    body_key: str


def outcomes(
    items: list[AgendaItem], principal: Principal | None, *, session: Session
) -> dict[int, Outcome]:
    """Per item linked to a motion the reader may see: the motion and the resolution it
    became. The motions (without their texts) and resolutions are read in one query each."""
    ids = {item.motion_id for item in items if item.motion_id is not None}
    if not ids:
        return {}
    lean = [defer(getattr(Motion, name)) for name in ("text", "reasons", "modified_text")]
    query = select(Motion).options(*lean).where(col(Motion.id).in_(ids))
    found_motions = {motion.id: motion for motion in session.exec(query)}
    query_r = select(Resolution).where(col(Resolution.motion_id).in_(ids))
    resolved = {row.motion_id: row for row in session.exec(query_r)}
    places: dict[int, motions.CallPlace] = {}
    found: dict[int, Outcome] = {}
    for item in items:
        motion = found_motions.get(item.motion_id)
        if motion is None:
            continue
        if motion.consultation_id not in places:
            places[motion.consultation_id] = motions.call_place(
                motion.consultation_id, session=session
            )
        place = places[motion.consultation_id]
        try:
            motions.require_view(motion, place, principal=principal, session=session)
        except NotFound:
            continue  # a motion the reader may not see is not named
        resolution = resolved.get(motion.id)
        if resolution is not None and not resolutions.may_read(
            place.body, place.chapter, principal
        ):
            resolution = None
        found[item.id or 0] = Outcome(motion, resolution, place.body.key)
    return found


# --- fairness -------------------------------------------------------------------------------


@dataclass
class Fairness:
    """Speeches called and minutes spoken, by category (women / others) and by channel
    (hall / online / written); points of order apart."""

    speeches: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    points_of_order: int = 0

    def add(self, row: SpeakerRequest) -> None:
        if row.kind == "point_of_order":
            self.points_of_order += 1
            return
        spoken = _spoken_seconds(row)
        for key in (f"category:{row.category}", f"channel:{row.channel}"):
            self.speeches[key] += 1
            self.seconds[key] += spoken

    def minutes(self, key: str) -> int:
        return round(self.seconds.get(key, 0) / 60)


def _spoken_seconds(row: SpeakerRequest) -> int:
    if row.started_at is None or row.stopped_at is None:
        return 0
    return max(0, int((as_utc(row.stopped_at) - as_utc(row.started_at)).total_seconds()))


def fairness(items: list[AgendaItem], *, session: Session) -> tuple[dict[int, Fairness], Fairness]:
    """Per item and for the whole meeting."""
    per_item: dict[int, Fairness] = {item.id or 0: Fairness() for item in items}
    total = Fairness()
    if not items:
        return per_item, total
    query = select(SpeakerRequest).where(
        col(SpeakerRequest.item_id).in_(list(per_item)),
        SpeakerRequest.status == RequestStatus.CALLED,
    )
    for row in session.exec(query):
        per_item[row.item_id].add(row)
        total.add(row)
    return per_item, total
