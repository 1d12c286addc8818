"""The speakers' list of an agenda item, stored: requests, withdrawals, calls, speaking
time. The order itself is computed by the pure ``queue`` module from the stored rows;
this module only reads them into a ``Queue``, lets it check each step, and writes.

Every step runs while the meeting's row is locked (the routes ask for it), so two
requests at once for the same list are taken one after the other: a member cannot wait
twice, nobody is called twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from plenum.clock import as_utc, utcnow
from plenum.errors import N_, DomainError
from plenum.events import announce
from plenum.meetings import queue
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import AgendaItem, RequestStatus, SpeakerRequest
from plenum.orgs.models import Member

SPEAKING_SECONDS = 180  # what the chair's timer starts with unless they say otherwise
PROBLEMS = {
    queue.Problem.ALREADY_WAITING: N_("You are already on the list."),
    queue.Problem.UNKNOWN: N_("This request is not on the list."),
    queue.Problem.WITHDRAWN: N_("This request was withdrawn."),
    queue.Problem.ALREADY_CALLED: N_("This speaker has already been called."),
    queue.Problem.REASON_REQUIRED: N_("Please give a reason for calling out of order."),
}


def _refusal(error: queue.QueueError) -> DomainError:
    return DomainError(PROBLEMS.get(error.code, N_("This is not possible now.")))


def rows_of(item_id: int, *, session: Session) -> list[SpeakerRequest]:
    query = select(SpeakerRequest).where(
        SpeakerRequest.item_id == item_id, col(SpeakerRequest.status) != RequestStatus.WITHDRAWN
    )
    return list(session.exec(query.order_by(col(SpeakerRequest.id))))


def queue_of(item: AgendaItem, rule: str, rows: list[SpeakerRequest]) -> queue.Queue:
    waiting = tuple(_request(row) for row in rows if row.status == RequestStatus.WAITING)
    called = [row for row in rows if row.status == RequestStatus.CALLED]
    called.sort(key=lambda row: (as_utc(row.called_at or row.asked_at), row.id or 0))
    spoken = tuple(_turn(row) for row in called)
    return queue.Queue(
        rule=queue.Rule(rule),
        waiting=waiting,
        spoken=spoken,
        opened_for=item.opened_for,
        alternate_stances=True,
    )


def _request(row: SpeakerRequest) -> queue.Request:
    return queue.Request(
        id=row.id or 0,
        member_id=row.member_id,
        asked_at=as_utc(row.asked_at),
        kind=queue.Kind(row.kind),
        category=queue.Category(row.category),
        stance=queue.Stance(row.stance),
        channel=queue.Channel(row.channel),
    )


def _turn(row: SpeakerRequest) -> queue.Turn:
    called_at = as_utc(row.called_at or row.asked_at)
    return queue.Turn(_request(row), called_at, row.override or None)


@dataclass(frozen=True)
class Ask:
    """A request to speak as the member (or the desk for a hall member) made it."""

    member_id: int | None
    kind: str = queue.Kind.SPEECH.value
    category: str = queue.Category.OPEN.value
    stance: str = queue.Stance.NONE.value
    channel: str = queue.Channel.ONLINE.value
    text: str = ""
    entered_by: int | None = None


def ask(at: MeetingPlace, item: AgendaItem, data: Ask, *, session: Session) -> SpeakerRequest:
    if item.speakers_closed and data.kind != queue.Kind.POINT_OF_ORDER:
        raise DomainError(N_("The list of speakers is closed."))
    rows = rows_of(item.id or 0, session=session)
    current = queue_of(item, at.meeting.speaker_rule, rows)
    row = SpeakerRequest(item_id=item.id or 0, asked_at=utcnow(), **vars(data))
    try:  # checked before anything is written (id 0 is never a stored request's)
        queue.ask(current, _request(row))
    except queue.QueueError as error:
        raise _refusal(error) from error
    session.add(row)
    _changed(at, session=session)
    return row


def withdraw(
    at: MeetingPlace, item: AgendaItem, request_id: int, member_id: int | None, *, session: Session
) -> None:
    """Take a request off the list: one's own (``member_id``), or any as the desk (None)."""
    row = session.get(SpeakerRequest, request_id)
    if row is None or row.item_id != item.id or (member_id and row.member_id != member_id):
        raise DomainError(PROBLEMS[queue.Problem.UNKNOWN])
    if row.status != RequestStatus.WAITING:
        raise DomainError(PROBLEMS[queue.Problem.ALREADY_CALLED])
    row.status = RequestStatus.WITHDRAWN
    session.add(row)
    _changed(at, session=session)


def call(
    at: MeetingPlace,
    item: AgendaItem,
    request_id: int | None,
    *,
    reason: str = "",
    session: Session,
    now: datetime | None = None,
) -> SpeakerRequest:
    """Call the next speaker as the rule orders (``request_id`` None), or the one named;
    calling anyone else than the next needs a reason, which is kept."""
    moment = now or utcnow()
    rows = rows_of(item.id or 0, session=session)
    current = queue_of(item, at.meeting.speaker_rule, rows)
    if request_id is None:
        nxt = queue.next_up(current, moment)
        if nxt is None:
            raise DomainError(N_("Nobody is waiting who can be called."))
        request_id = nxt.request.id
    try:
        queue.call(current, request_id, now=moment, reason=reason.strip() or None)
    except queue.QueueError as error:
        raise _refusal(error) from error
    row = next(row for row in rows if row.id == request_id)
    row.status, row.called_at, row.override = RequestStatus.CALLED, moment, reason.strip()[:500]
    session.add(row)
    _changed(at, session=session)
    return row


def speaking(rows: list[SpeakerRequest]) -> SpeakerRequest | None:
    """The last one called: who speaks now (or spoke last)."""
    called = [row for row in rows if row.status == RequestStatus.CALLED]
    return max(
        called, key=lambda row: (as_utc(row.called_at or row.asked_at), row.id or 0), default=None
    )


def speaking_member(item_id: int, *, session: Session) -> int | None:
    """Who ``speaking`` names, read as one row: the video room asks it on every relayed
    message, and reading the whole list each time grew with the list (bench/video.py)."""
    called_at = func.coalesce(SpeakerRequest.called_at, SpeakerRequest.asked_at)
    query = (
        select(SpeakerRequest.member_id)
        .where(SpeakerRequest.item_id == item_id, SpeakerRequest.status == RequestStatus.CALLED)
        .order_by(called_at.desc(), col(SpeakerRequest.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def start_time(
    at: MeetingPlace,
    item: AgendaItem,
    seconds: int,
    *,
    session: Session,
    now: datetime | None = None,
) -> None:
    row = speaking(rows_of(item.id or 0, session=session))
    if row is None:
        raise DomainError(N_("Nobody has been called yet."))
    row.started_at, row.stopped_at, row.speaking_seconds = now or utcnow(), None, seconds
    session.add(row)
    _changed(at, session=session)


def stop_time(
    at: MeetingPlace, item: AgendaItem, *, session: Session, now: datetime | None = None
) -> None:
    row = speaking(rows_of(item.id or 0, session=session))
    if row is None or row.started_at is None or row.stopped_at is not None:
        raise DomainError(N_("No speaking time is running."))
    row.stopped_at = now or utcnow()
    session.add(row)
    _changed(at, session=session)


def set_closed(at: MeetingPlace, item: AgendaItem, closed: bool, *, session: Session) -> None:
    item.speakers_closed = closed
    session.add(item)
    _changed(at, session=session)


def open_for(at: MeetingPlace, item: AgendaItem, further: int, *, session: Session) -> None:
    """Rule (b): the assembly opened the list for ``further`` speakers more."""
    item.opened_for = further
    session.add(item)
    _changed(at, session=session)


def names(rows: list[SpeakerRequest], *, session: Session) -> dict[int, str]:
    ids = {row.member_id for row in rows if row.member_id is not None}
    if not ids:
        return {}
    query = select(Member.id, Member.display_name).where(col(Member.id).in_(ids))
    return {member_id: name for member_id, name in session.exec(query).all() if member_id}


def _changed(at: MeetingPlace, *, session: Session) -> None:
    session.flush()
    announce(session, "meeting.speakers", meeting_id=at.meeting.id)
