"""Who may vote: the roll frozen when a vote opens, presence at meetings, seated
substitutes, and the check made at every ballot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, insert, literal
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.errors import N_, DomainError
from plenum.orgs.models import Body, BodyKind, BodyRole, Chapter, Member, Membership, Role
from plenum.votes.models import (
    Attendance,
    RoomVote,
    SubstituteSeat,
    Vote,
    VoteCast,
    VoteKind,
    VoteLog,
    Voter,
    VoteStatus,
)


def voting_roles(body: Body) -> tuple[str, ...]:
    """Who holds a vote in a body: a board's chair and members, elsewhere the delegates."""
    if body.kind == BodyKind.BOARD:
        return (Role.CHAIR.value, Role.BOARD_MEMBER.value)
    return (Role.DELEGATE.value,)


def seat_holders(
    body: Body, *, session: Session, with_substitutes: bool = True
) -> dict[int, int | None]:
    """Member id → whose seat they hold (None: their own); at a meeting, substitutes sit
    in the seats of the delegates they replace."""
    query = select(BodyRole.member_id).where(
        BodyRole.body_id == body.id, col(BodyRole.role).in_(voting_roles(body))
    )
    holders: dict[int, int | None] = dict.fromkeys(session.exec(query).all())
    if not with_substitutes:
        return holders
    for seat in session.exec(select(SubstituteSeat).where(SubstituteSeat.body_id == body.id)):
        if seat.delegate_id in holders:
            del holders[seat.delegate_id]
            holders[seat.substitute_id] = seat.delegate_id
    return holders


def freeze(
    vote: Vote,
    body: Body | None,
    chapter: Chapter,
    *,
    session: Session,
    given: Mapping[int, int | None] | None = None,
) -> int:
    """Write the roll of ``vote``: the body's seat holders (with seated substitutes at a
    meeting), or every member of the chapter and the chapters below it now; or, for a
    vote in a meeting's live room, the roll ``given`` (member → whose seat they hold),
    made from the members present at that meeting."""
    vote_id = vote.id or 0
    if given is not None:
        for member_id, seat_of in given.items():
            session.add(Voter(vote_id=vote_id, member_id=member_id, seat_of=seat_of))
        session.flush()
        return len(given)
    if body is not None:
        meeting = vote.kind == VoteKind.MEETING
        holders = seat_holders(body, session=session, with_substitutes=meeting)
        for member_id, seat_of in holders.items():
            session.add(Voter(vote_id=vote_id, member_id=member_id, seat_of=seat_of))
        session.flush()
        return len(holders)
    members = (
        select(literal(vote_id), Membership.member_id)
        .join(Chapter, col(Chapter.id) == Membership.chapter_id)
        .where(col(Chapter.path).startswith(chapter.path))
        .distinct()
    )
    session.execute(insert(Voter).from_select(["vote_id", "member_id"], members))
    counted = session.exec(select(func.count()).where(Voter.vote_id == vote_id)).one()
    return int(counted)


class Standing(StrEnum):
    """Whether a member may cast a ballot now, and if not, why."""

    MAY_VOTE = "may_vote"
    NOT_OPEN = "not_open"
    NOT_ON_ROLL = "not_on_roll"
    NOT_PRESENT = "not_present"
    HAS_VOTED = "has_voted"


STANDING_MESSAGES = {
    Standing.NOT_OPEN: N_("This vote is not open for ballots."),
    Standing.NOT_ON_ROLL: N_("You are not on the roll of this vote."),
    Standing.NOT_PRESENT: N_("Only members marked present at the meeting may vote."),
    Standing.HAS_VOTED: N_("You have already voted. Each member votes once."),
}


def accepting(vote: Vote) -> bool:
    """Whether the vote takes ballots now: open, and inside its period if it has one."""
    now = utcnow()
    if vote.status != VoteStatus.OPEN:
        return False
    if vote.opens_at is not None and now < as_utc(vote.opens_at):
        return False
    return vote.closes_at is None or now < as_utc(vote.closes_at)


def standing(vote: Vote, member_id: int, *, session: Session) -> Standing:
    """Checked on the server before every ballot (and again by the database's keys)."""
    if not accepting(vote):
        return Standing.NOT_OPEN
    voter = session.get(Voter, (vote.id, member_id))
    if voter is None:
        return Standing.NOT_ON_ROLL
    if (
        vote.kind == VoteKind.MEETING
        and not in_room(vote.id or 0, session=session)
        and not is_present(vote.body_id, member_id, session=session)
    ):
        return Standing.NOT_PRESENT
    if session.get(VoteCast, (vote.id, member_id)) is not None:
        return Standing.HAS_VOTED
    return Standing.MAY_VOTE


def require_standing(vote: Vote, member_id: int, *, session: Session) -> None:
    found = standing(vote, member_id, session=session)
    if found != Standing.MAY_VOTE:
        raise DomainError(STANDING_MESSAGES[found])


def in_room(vote_id: int, *, session: Session) -> bool:
    """Whether the vote is held in a meeting's live room: its roll is who was present
    there when it opened, so no body's attendance is asked."""
    return session.get(RoomVote, vote_id) is not None


def is_present(body_id: int | None, member_id: int, *, session: Session) -> bool:
    row = session.get(Attendance, (body_id, member_id))
    return row is not None and row.present


# --- presence and substitutes, recorded by office staff ----------------------------------


@dataclass(frozen=True)
class SeatRow:
    member: Member
    seat_of: Member | None  # the delegate whose seat a substitute holds
    present: bool


def seats(body: Body, *, session: Session) -> list[SeatRow]:
    """The body's seat holders with their presence, for the attendance page."""
    holders = seat_holders(body, session=session)
    ids = set(holders) | {d for d in holders.values() if d is not None}
    members = {m.id: m for m in session.exec(select(Member).where(col(Member.id).in_(ids)))}
    present = {
        a.member_id
        for a in session.exec(
            select(Attendance).where(Attendance.body_id == body.id, col(Attendance.present))
        )
    }
    rows = [
        SeatRow(members[m], members.get(d) if d else None, m in present)
        for m, d in holders.items()
        if m in members
    ]
    return sorted(rows, key=lambda row: row.member.display_name.casefold())


def substitutes(body: Body, *, session: Session) -> list[Member]:
    """Substitute delegates of the body who do not hold a seat yet."""
    seated = select(SubstituteSeat.substitute_id).where(SubstituteSeat.body_id == body.id)
    query = (
        select(Member)
        .join(BodyRole, col(BodyRole.member_id) == Member.id)
        .where(BodyRole.body_id == body.id, BodyRole.role == Role.SUBSTITUTE_DELEGATE)
        .where(col(Member.id).not_in(seated))
        .order_by(col(Member.display_name))
    )
    return list(session.exec(query).all())


def set_presence(
    body: Body, member_id: int, present: bool, *, actor: int, session: Session
) -> None:
    if member_id not in seat_holders(body, session=session):
        raise DomainError(N_("This member holds no seat in this body."))
    row = session.get(Attendance, (body.id, member_id))
    if row is None:
        row = Attendance(body_id=body.id or 0, member_id=member_id)
    row.present = present
    session.add(row)
    action = "marked_present" if present else "marked_absent"
    log(action, actor=actor, body_id=body.id, note=_name(member_id, session), session=session)
    session.flush()


def seat_substitute(
    body: Body, delegate_id: int, substitute_id: int, *, actor: int, session: Session
) -> None:
    """A substitute takes an absent delegate's seat; the delegate is marked absent."""
    holders = seat_holders(body, session=session)
    if holders.get(delegate_id, 0) is not None:
        raise DomainError(N_("Only a delegate in their own seat can be replaced."))
    if substitute_id not in {m.id for m in substitutes(body, session=session)}:
        raise DomainError(N_("Please choose a substitute delegate of this body."))
    session.add(
        SubstituteSeat(body_id=body.id or 0, delegate_id=delegate_id, substitute_id=substitute_id)
    )
    absent = session.get(Attendance, (body.id, delegate_id))
    if absent is not None:
        absent.present = False
        session.add(absent)
    note = f"{_name(substitute_id, session)} → {_name(delegate_id, session)}"
    log("substitute_seated", actor=actor, body_id=body.id, note=note, session=session)
    session.flush()


def release_seat(body: Body, substitute_id: int, *, actor: int, session: Session) -> None:
    """The delegate is back: the substitute leaves the seat."""
    seat = session.exec(
        select(SubstituteSeat).where(
            SubstituteSeat.body_id == body.id, SubstituteSeat.substitute_id == substitute_id
        )
    ).first()
    if seat is None:
        raise DomainError(N_("This substitute holds no seat."))
    note = f"{_name(substitute_id, session)} → {_name(seat.delegate_id, session)}"
    gone = session.get(Attendance, (body.id, substitute_id))
    if gone is not None:
        session.delete(gone)
    session.delete(seat)
    log("substitute_released", actor=actor, body_id=body.id, note=note, session=session)
    session.flush()


def _name(member_id: int, session: Session) -> str:
    member = session.get(Member, member_id)
    return member.display_name if member else str(member_id)


def log(
    action: str,
    *,
    actor: int | None,
    session: Session,
    vote_id: int | None = None,
    body_id: int | None = None,
    note: str = "",
) -> None:
    """Record an administrative action; never anything that pairs a member with a choice."""
    session.add(VoteLog(vote_id=vote_id, body_id=body_id, action=action, note=note, actor_id=actor))
