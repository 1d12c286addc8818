"""Registering for a meeting: seats per channel, the waiting list and its offers, the
needs of those who come, and the reminder the day before.

Seats are counted under the meeting's lock: the caller reads the meeting with
``meeting_place(..., lock=True)`` (``FOR UPDATE`` on PostgreSQL; on SQLite the request's
transaction holds the write lock, ``BEGIN IMMEDIATE``), so two members never get the
last seat both. A registration that finds its channel full waits; a seat freed by a
cancellation (or by an offer not confirmed in time) is offered to the one who has
waited longest in that channel, who then has 24 hours to confirm it.

Needs are special-category data: they are kept in ``RegistrationNeeds`` only while the
member states some, deleted with a cancellation, and deleted for every registration 30
days after the meeting ended (``forget_needs``, run by ``plenum meetings-clock``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.db import begin_writing, changed_rows, update_if
from plenum.discuss.models import Delivery
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.events import announce
from plenum.mail.compose import compose, queue
from plenum.mail.notices import notice_followers
from plenum.meetings.access import MeetingPlace, meeting_place
from plenum.meetings.forms import NeedsInput, RegistrationInput, channels_of
from plenum.meetings.models import (
    Channel,
    Meeting,
    MeetingStatus,
    Registration,
    RegistrationNeeds,
    RegistrationStatus,
)
from plenum.notify.service import notify
from plenum.orgs.models import Member
from plenum.times import LOCAL_TIME

OFFER_TIME = timedelta(hours=24)  # a freed seat waits this long for its confirmation
NEEDS_KEPT = timedelta(days=30)  # needs are deleted this long after the meeting ended
REMIND_BEFORE = timedelta(hours=24)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I: read aloud at the desk
CODE_LENGTH = 10
HOLDS_SEAT = (RegistrationStatus.REGISTERED.value, RegistrationStatus.OFFERED.value)
EVENT = "meeting.registration"

MEETING_CANCELLED = N_("This meeting has been cancelled.")
DEADLINE_PASSED = N_("The registration deadline has passed.")
ALREADY_BEGUN = N_("This meeting has already begun.")
NO_SUCH_CHANNEL = N_("Please choose in the hall or online.")
CHANNEL_FULL = N_("No seat is free there any more. Your registration is unchanged.")
NOT_REGISTERED = N_("You are not registered for this meeting.")
NO_OFFER = N_("No seat is offered to you at this meeting.")
OFFER_EXPIRED = N_("The time to confirm this seat has passed.")
SEAT_OFFERED = N_("A seat at “%(title)s” is free for you. Please confirm within 24 hours.")
OFFER_LAPSED = N_(
    "You did not confirm the seat at “%(title)s” in time; it has passed to the next in line."
)
REMINDER = N_("Reminder: “%(title)s” begins on %(when)s.")


# --- registering, cancelling, confirming -----------------------------------------------


def register(
    at: MeetingPlace,
    member_id: int,
    data: RegistrationInput,
    *,
    session: Session,
    now: datetime | None = None,
) -> Registration:
    """Register the member (or change their registration: channel and needs). Without a
    free seat in the channel the registration waits; a seat offered stays offered (taken
    with ``confirm_offer``). Call with the meeting locked."""
    moment = now or utcnow()
    meeting = at.meeting
    _require_open(meeting, moment)
    if data.channel not in channels_of(meeting.mode):
        raise ValidationFailed({"channel": NO_SUCH_CHANNEL})
    row = registration_of(_id(meeting), member_id, session=session)
    if row is None:
        row = Registration(
            meeting_id=_id(meeting),
            member_id=member_id,
            channel=data.channel,
            status=RegistrationStatus.CANCELLED,  # placed just below
            check_in_code=new_check_in_code(session=session),
        )
    if row.status == RegistrationStatus.CANCELLED or row.channel != data.channel:
        _place(meeting, row, data.channel, moment, session=session)
    session.add(row)
    session.flush()
    _store_needs(row, data.needs, session=session)
    announce(session, EVENT, meeting_id=meeting.id)
    return row


def _require_open(meeting: Meeting, moment: datetime) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(MEETING_CANCELLED)
    if moment >= as_utc(meeting.starts_at):
        raise DomainError(ALREADY_BEGUN)
    deadline = meeting.registration_deadline
    if deadline is not None and moment > as_utc(deadline):
        raise DomainError(DEADLINE_PASSED)


def _place(
    meeting: Meeting, row: Registration, channel: str, moment: datetime, *, session: Session
) -> None:
    """Give ``row`` a seat in ``channel``, or a place at the end of its waiting list. A
    member who holds a seat keeps it unless one is free in the new channel."""
    _offer_free_seats(meeting, channel, moment, session=session)  # those waiting come first
    free = _free_seats(meeting, channel, session=session) != 0
    held = row.status in HOLDS_SEAT
    if held and not free:
        raise DomainError(CHANNEL_FULL)
    left = row.channel
    if not held:
        row.queued_at = moment  # the end of the line
    row.status = RegistrationStatus.REGISTERED if free else RegistrationStatus.WAITING
    row.channel, row.offered_until, row.reminded = channel, None, False
    session.add(row)
    if held:
        session.flush()
        _offer_free_seats(meeting, left, moment, session=session)


def cancel(
    at: MeetingPlace, member_id: int, *, session: Session, now: datetime | None = None
) -> Registration:
    """Cancel the member's registration (until the start); their needs are deleted at
    once, and a seat they held is offered to the next in line."""
    moment = now or utcnow()
    meeting = at.meeting
    if moment >= as_utc(meeting.starts_at):
        raise DomainError(ALREADY_BEGUN)
    row = registration_of(_id(meeting), member_id, session=session)
    if row is None or row.status == RegistrationStatus.CANCELLED:
        raise DomainError(NOT_REGISTERED)
    held = row.status in HOLDS_SEAT
    _drop(row, session=session)
    if held:
        _offer_free_seats(meeting, row.channel, moment, session=session)
    announce(session, EVENT, meeting_id=meeting.id)
    return row


def _drop(row: Registration, *, session: Session) -> None:
    """Mark ``row`` cancelled and delete its needs."""
    row.status, row.offered_until = RegistrationStatus.CANCELLED, None
    session.add(row)
    needs = session.get(RegistrationNeeds, row.id)
    if needs is not None:
        session.delete(needs)
    session.flush()


def confirm_offer(
    at: MeetingPlace, member_id: int, *, session: Session, now: datetime | None = None
) -> Registration:
    """Take the seat offered to the member, while the offer lasts."""
    moment = now or utcnow()
    meeting = at.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(MEETING_CANCELLED)
    row = registration_of(_id(meeting), member_id, session=session)
    if row is None or row.status != RegistrationStatus.OFFERED:
        raise DomainError(NO_OFFER)
    if row.offered_until is None or moment > as_utc(row.offered_until):
        raise DomainError(OFFER_EXPIRED)
    row.status, row.offered_until = RegistrationStatus.REGISTERED, None
    session.add(row)
    session.flush()
    announce(session, EVENT, meeting_id=meeting.id)
    return row


def offer_free_seats(at: MeetingPlace, *, session: Session, now: datetime | None = None) -> int:
    """Offer every free seat to those waiting (after the capacity was raised, say); how
    many offers went out. Call with the meeting locked."""
    moment = now or utcnow()
    offered = sum(
        _offer_free_seats(at.meeting, channel, moment, session=session)
        for channel in channels_of(at.meeting.mode)
    )
    if offered:
        announce(session, EVENT, meeting_id=at.meeting.id)
    return offered


def _offer_free_seats(meeting: Meeting, channel: str, moment: datetime, *, session: Session) -> int:
    """Offer the free seats of ``channel`` to those who have waited longest; how many."""
    if meeting.status == MeetingStatus.CANCELLED or moment >= as_utc(meeting.starts_at):
        return 0
    free = _free_seats(meeting, channel, session=session)
    if free == 0:
        return 0
    query = (
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.channel == channel,
            Registration.status == RegistrationStatus.WAITING,
        )
        .order_by(col(Registration.queued_at), col(Registration.id))
    )
    waiting = list(session.exec(query if free is None else query.limit(free)))
    for row in waiting:
        row.status = RegistrationStatus.OFFERED
        row.offered_until = moment + OFFER_TIME
        session.add(row)
    _tell(meeting, [row.member_id for row in waiting], SEAT_OFFERED, session=session)
    return len(waiting)


def _free_seats(meeting: Meeting, channel: str, *, session: Session) -> int | None:
    """Seats left in ``channel``; None when it has no limit."""
    capacity = _capacity(meeting, channel)
    if capacity is None:
        return None
    query = select(func.count()).where(
        Registration.meeting_id == meeting.id,
        Registration.channel == channel,
        col(Registration.status).in_(HOLDS_SEAT),
    )
    return max(0, capacity - session.exec(query).one())


def _capacity(meeting: Meeting, channel: str) -> int | None:
    return {
        Channel.HALL.value: meeting.capacity_hall,
        Channel.ONLINE.value: meeting.capacity_online,
    }.get(channel)


def _tell(meeting: Meeting, members: Iterable[int], message: str, *, session: Session) -> None:
    url = f"/meetings/{meeting.id}"
    notice_followers(members, message, url=url, session=session, title=meeting.title)


def pass_on_expired_offers(*, session: Session, now: datetime | None = None) -> int:
    """Offers not confirmed in time lapse (the member hears of it) and their seats go to
    the next in line; how many lapsed."""
    moment = now or utcnow()
    begin_writing(session)
    query = (
        select(Registration.meeting_id)
        .where(
            Registration.status == RegistrationStatus.OFFERED,
            col(Registration.offered_until) < moment,
        )
        .distinct()
    )
    meeting_ids = sorted(session.exec(query).all())  # locked in one order: no deadlock
    return sum(_pass_on(meeting_id, moment, session=session) for meeting_id in meeting_ids)


def _pass_on(meeting_id: int, moment: datetime, *, session: Session) -> int:
    meeting = meeting_place(meeting_id, session=session, lock=True).meeting
    query = select(Registration).where(
        Registration.meeting_id == meeting_id,
        Registration.status == RegistrationStatus.OFFERED,
        col(Registration.offered_until) < moment,
    )
    lapsed = list(session.exec(query.execution_options(populate_existing=True)))
    for row in lapsed:
        _drop(row, session=session)
    _tell(meeting, [row.member_id for row in lapsed], OFFER_LAPSED, session=session)
    for channel in sorted({row.channel for row in lapsed}):
        _offer_free_seats(meeting, channel, moment, session=session)
    if lapsed:
        announce(session, EVENT, meeting_id=meeting_id)
    return len(lapsed)


# --- needs ------------------------------------------------------------------------------


def _store_needs(row: Registration, needs: NeedsInput, *, session: Session) -> None:
    """Keep what the member needs; no row at all when they need nothing."""
    found = session.get(RegistrationNeeds, row.id)
    if not needs.any:
        if found is not None:
            session.delete(found)
            session.flush()
        return
    found = found or RegistrationNeeds(registration_id=_id(row))
    found.children = needs.children
    found.children_ages = needs.children_ages if needs.children else ""
    found.accessibility = needs.accessibility
    found.interpretation = needs.interpretation
    found.note = needs.note
    session.add(found)
    session.flush()


def forget_needs(*, session: Session, now: datetime | None = None) -> int:
    """Delete the needs of every meeting that ended more than 30 days ago; how many."""
    moment = now or utcnow()
    cutoff = moment - NEEDS_KEPT
    ended = select(Meeting.id).where(col(Meeting.ends_at) < cutoff)
    of_ended = select(Registration.id).where(col(Registration.meeting_id).in_(ended))
    result = session.execute(
        delete(RegistrationNeeds)
        .where(col(RegistrationNeeds.registration_id).in_(of_ended))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Meeting)
        .where(col(Meeting.ends_at) < cutoff, col(Meeting.needs_forgotten_at).is_(None))
        .values(needs_forgotten_at=moment)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(result)


@dataclass(frozen=True)
class Interpretation:
    language: str  # as the first member asking wrote it
    count: int


@dataclass(frozen=True)
class NeedsOverview:
    """What the organisers have to arrange, counted over the registrations not cancelled."""

    registrations: int  # with any needs stated
    children: int
    youngest: int | None  # the age span over every age stated
    oldest: int | None
    accessibility: int  # how many stated an accessibility need
    interpretation: tuple[Interpretation, ...]  # most asked first
    notes: int

    @property
    def ages(self) -> str:
        """The age span, e.g. "2–9" (one age alone: "4"; none stated: "")."""
        if self.youngest is None or self.oldest is None:
            return ""
        if self.youngest == self.oldest:
            return str(self.youngest)
        return f"{self.youngest}–{self.oldest}"


@dataclass(frozen=True)
class NeedsRow:
    """One member's needs, for the organisers' detail view."""

    registration_id: int
    member_id: int
    name: str
    channel: str
    status: str
    children: int
    children_ages: str
    accessibility: str
    interpretation: str
    note: str


def needs_list(at: MeetingPlace, *, session: Session) -> list[NeedsRow]:
    """Every registration with needs, by name (not cancelled)."""
    query = (
        select(RegistrationNeeds, Registration, Member)
        .join(Registration, col(Registration.id) == col(RegistrationNeeds.registration_id))
        .join(Member, col(Member.id) == col(Registration.member_id))
        .where(
            Registration.meeting_id == at.meeting.id,
            col(Registration.status) != RegistrationStatus.CANCELLED,
        )
        .order_by(col(Member.display_name), col(Registration.id))
    )
    return [
        NeedsRow(
            registration_id=needs.registration_id,
            member_id=row.member_id,
            name=member.display_name,
            channel=row.channel,
            status=row.status,
            children=needs.children,
            children_ages=needs.children_ages,
            accessibility=needs.accessibility,
            interpretation=needs.interpretation,
            note=needs.note,
        )
        for needs, row, member in session.exec(query)
    ]


def needs_overview(at: MeetingPlace, *, session: Session) -> NeedsOverview:
    """The needs counted, for the organisers to read first."""
    rows = needs_list(at, session=session)
    ages = [age for row in rows if row.children for age in stated_ages(row.children_ages)]
    return NeedsOverview(
        registrations=len(rows),
        children=sum(row.children for row in rows),
        youngest=min(ages, default=None),
        oldest=max(ages, default=None),
        accessibility=sum(1 for row in rows if row.accessibility),
        interpretation=_languages(row.interpretation for row in rows),
        notes=sum(1 for row in rows if row.note),
    )


def stated_ages(text: str) -> list[int]:
    """The children's ages in what a member typed: "3, 7", "2 und 9", "2–9 Jahre"."""
    return [int(found) for found in re.findall(r"\d+", text) if int(found) < 18]


def _languages(requests: Iterable[str]) -> tuple[Interpretation, ...]:
    counted: dict[str, list[str]] = {}
    for request in requests:
        text = " ".join(request.split())
        if text:
            counted.setdefault(text.casefold(), []).append(text)
    found = [Interpretation(texts[0], len(texts)) for texts in counted.values()]
    return tuple(sorted(found, key=lambda item: (-item.count, item.language.casefold())))


# --- looking up -------------------------------------------------------------------------


def registration_of(meeting_id: int, member_id: int, *, session: Session) -> Registration | None:
    query = select(Registration).where(
        Registration.meeting_id == meeting_id, Registration.member_id == member_id
    )
    return session.exec(query).first()


def needs_of(registration_id: int, *, session: Session) -> RegistrationNeeds | None:
    return session.get(RegistrationNeeds, registration_id)


@dataclass(frozen=True)
class SeatCount:
    """The registrations of one channel."""

    channel: str
    capacity: int | None  # None: no limit
    registered: int
    offered: int  # seats held for a member asked to confirm
    waiting: int

    @property
    def free(self) -> int | None:
        """Seats left (None: no limit)."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.registered - self.offered)


def counts(at: MeetingPlace, *, session: Session) -> dict[str, SeatCount]:
    """Per channel of the meeting (and any other a registration is in): the numbers."""
    meeting = at.meeting
    query = (
        select(Registration.channel, Registration.status, func.count())
        .where(Registration.meeting_id == meeting.id)
        .group_by(col(Registration.channel), col(Registration.status))
    )
    numbers: dict[tuple[str, str], int] = {
        (channel, status): int(n) for channel, status, n in session.exec(query)
    }
    channels = list(channels_of(meeting.mode))
    channels += sorted({channel for channel, _ in numbers} - set(channels))
    return {
        channel: SeatCount(
            channel=channel,
            capacity=_capacity(meeting, channel),
            registered=numbers.get((channel, RegistrationStatus.REGISTERED.value), 0),
            offered=numbers.get((channel, RegistrationStatus.OFFERED.value), 0),
            waiting=numbers.get((channel, RegistrationStatus.WAITING.value), 0),
        )
        for channel in channels
    }


def new_check_in_code(*, session: Session) -> str:
    """A random code no registration has yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = select(Registration.id).where(Registration.check_in_code == code)
        if session.exec(taken).first() is None:
            return code


# --- reminders --------------------------------------------------------------------------


def due_reminders(
    *, session: Session, now: datetime | None = None
) -> list[tuple[Registration, Meeting]]:
    """Registrations for meetings that begin within 24 hours and have not been reminded."""
    moment = now or utcnow()
    query = (
        select(Registration, Meeting)
        .join(Meeting, col(Meeting.id) == col(Registration.meeting_id))
        .where(
            Registration.status == RegistrationStatus.REGISTERED,
            col(Registration.reminded).is_(False),
            Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.starts_at) > moment,
            col(Meeting.starts_at) <= moment + REMIND_BEFORE,
        )
        .order_by(col(Meeting.starts_at), col(Registration.id))
    )
    return [(row, meeting) for row, meeting in session.exec(query)]


def send_reminders(*, session: Session, base_url: str, now: datetime | None = None) -> int:
    """Remind everyone due: in-app, and by e-mail to those with an address who take
    e-mail; each registration once (``reminded``). How many were reminded.

    ``base_url`` is not written into the mail: like every mail, it holds ``{base_url}``,
    filled in from the settings when it is sent."""
    del base_url  # the outbox fills in the site's address when sending
    begin_writing(session)
    reminded = 0
    for row, meeting in due_reminders(session=session, now=now):
        if not update_if(session, row, {"reminded": False}, reminded=True):
            continue  # another clock got there first
        _remind(row, meeting, session=session)
        reminded += 1
    return reminded


def _remind(row: Registration, meeting: Meeting, *, session: Session) -> None:
    url = f"/meetings/{meeting.id}"
    when = as_utc(meeting.starts_at).astimezone(LOCAL_TIME).strftime("%d.%m.%Y %H:%M")
    notify([row.member_id], REMINDER, url=url, session=session, title=meeting.title, when=when)
    member = session.get(Member, row.member_id)
    if member is None or not member.email or member.delivery == Delivery.NONE:
        return
    mail = compose(
        "meeting_reminder.txt",
        member.locale or "de",
        name=member.display_name,
        meeting=meeting,
        hall=row.channel == Channel.HALL,
        check_in_code=row.check_in_code,
        url=url,
    )
    queue(member, mail, session=session)


def _id(row: Meeting | Registration) -> int:
    return row.id or 0  # rows read from the database always have one
