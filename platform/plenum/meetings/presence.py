"""Who is present at a meeting: checked in at the hall by the desk, or online while the
live room is open. An online member counts as present until ``GRACE`` has passed since
the live room last heard of them (its stream reports every ``HEARTBEAT``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, false, func, literal, or_
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from plenum.clock import utcnow
from plenum.db import UTCDateTime
from plenum.errors import N_, DomainError
from plenum.events import announce
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import Channel, Presence, Registration, RegistrationStatus
from plenum.orgs.models import Member

HEARTBEAT = timedelta(seconds=30)
GRACE = timedelta(seconds=90)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Presence)


def check_in(at: MeetingPlace, code: str, *, session: Session) -> Member:
    """The desk checks a registered member in at the hall by their code."""
    cleaned = "".join(code.split()).upper()
    query = select(Registration).where(
        Registration.meeting_id == at.meeting.id,
        Registration.check_in_code == cleaned,
        Registration.status == RegistrationStatus.REGISTERED,
    )
    found = session.exec(query).first() if cleaned else None
    if found is None:
        raise DomainError(N_("No registration has this code."))
    return check_in_member(at, found.member_id, session=session)


def check_in_member(at: MeetingPlace, member_id: int, *, session: Session) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise DomainError(N_("This member is not known."))
    values = {"meeting_id": at.meeting.id, "member_id": member_id, "channel": Channel.HALL}
    statement = _insert(session).values(**values, seen_at=utcnow(), left=False)
    statement = statement.on_conflict_do_update(
        index_elements=["meeting_id", "member_id"],
        set_={"channel": Channel.HALL, "left": False, "seen_at": utcnow()},
    )
    session.execute(statement)
    announce(session, "meeting.presence", meeting_id=at.meeting.id)
    return member


def check_out(at: MeetingPlace, member_id: int, *, session: Session) -> None:
    row = session.get(Presence, (at.meeting.id, member_id))
    if row is not None:
        row.left = True
        session.add(row)
        announce(session, "meeting.presence", meeting_id=at.meeting.id)


def seen_online(
    meeting_id: int, member_ids: Iterable[int], *, session: Session, now: datetime | None = None
) -> None:
    """The live room is open for these members: they are present online (a member
    checked in at the hall stays in the hall)."""
    moment = now or utcnow()
    ids = sorted(set(member_ids))
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        statement = _online_from_array(meeting_id, ids, moment)
    else:
        rows = [{"meeting_id": meeting_id, "member_id": m, "channel": Channel.ONLINE} for m in ids]
        statement = sqlite.insert(Presence).values(
            [{**row, "seen_at": moment, "left": False} for row in rows]
        )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["meeting_id", "member_id"],
        set_={"seen_at": excluded.seen_at, "left": False},
    )
    session.execute(statement)


def _online_from_array(meeting_id: int, ids: list[int], moment: datetime) -> Any:
    """PostgreSQL: the rows from one array parameter, so the statement has one shape
    whatever the number of members (compiled once, cached; a heartbeat of 1,000 members
    as VALUES rows took 100-180 ms of CPU to build and bind, holding the GIL)."""
    member_id = func.unnest(bindparam("ids", ids, type_=postgresql.ARRAY(Integer)))
    rows = core_select(
        literal(meeting_id, Integer),
        member_id,
        literal(Channel.ONLINE.value, String),
        literal(moment, UTCDateTime()),
        false(),
    )
    names = ["meeting_id", "member_id", "channel", "seen_at", "left"]
    return postgresql.insert(Presence).from_select(names, rows)


def _here(now: datetime) -> Any:
    hall = and_(col(Presence.channel) == Channel.HALL, col(Presence.left).is_(False))
    online = and_(col(Presence.channel) == Channel.ONLINE, col(Presence.seen_at) >= now - GRACE)
    return or_(hall, online)


def present_ids(meeting_id: int, *, session: Session, now: datetime | None = None) -> set[int]:
    query = select(Presence.member_id).where(
        Presence.meeting_id == meeting_id, _here(now or utcnow())
    )
    return set(session.exec(query).all())


def counts(meeting_id: int, *, session: Session, now: datetime | None = None) -> dict[str, int]:
    """Present members by channel: {"hall": n, "online": m}."""
    query = (
        select(Presence.channel, func.count())
        .where(Presence.meeting_id == meeting_id, _here(now or utcnow()))
        .group_by(col(Presence.channel))
    )
    found = {str(channel): int(n) for channel, n in session.exec(query).all()}
    return {
        Channel.HALL.value: found.get(Channel.HALL, 0),
        Channel.ONLINE.value: found.get(Channel.ONLINE, 0),
    }


def hall_list(meeting_id: int, *, session: Session) -> list[tuple[int, str]]:
    """Members checked in at the hall, by name: for the desk's hall requests."""
    query = (
        select(Member.id, Member.display_name)
        .join(Presence, col(Presence.member_id) == col(Member.id))
        .where(
            Presence.meeting_id == meeting_id,
            Presence.channel == Channel.HALL,
            col(Presence.left).is_(False),
        )
        .order_by(col(Member.display_name))
    )
    return [(member_id or 0, name) for member_id, name in session.exec(query).all()]


def registered_names(at: MeetingPlace, *, session: Session) -> list[tuple[int, str]]:
    """Members registered for the hall, by name: for the desk's check-in by name."""
    query = (
        select(Member.id, Member.display_name)
        .join(Registration, col(Registration.member_id) == col(Member.id))
        .where(
            Registration.meeting_id == at.meeting.id,
            Registration.status == RegistrationStatus.REGISTERED,
        )
        .order_by(col(Member.display_name))
    )
    return [(member_id or 0, name) for member_id, name in session.exec(query).all()]
