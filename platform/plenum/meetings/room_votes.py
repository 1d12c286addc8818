"""Votes in the live room: the chair opens the vote of the current item; everyone present
at that moment is on its roll (a substitute in the seat of an absent delegate of the body);
the desk may count the hall by hand, and the count joins the ballots cast online.

The voting itself (ballots, secrecy, the close and the count) is the vote machinery of
``plenum.votes``; this module only decides who is on the roll and keeps the hall's count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from plenum.auth.permissions import Principal
from plenum.errors import N_, DomainError
from plenum.events import announce
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import AgendaItem, Channel, Presence
from plenum.meetings.presence import present_ids
from plenum.orgs.models import BodyRole, Chapter, Membership, Role
from plenum.votes import results, roll, service
from plenum.votes.models import HallCount, RoomVote, Vote, VoteKind, VoteOption, VoteStatus
from plenum.votes.tally import Method, OptionKind

HAND_COUNTED = (Method.YES_NO, Method.CHOICE)  # what a show of hands can count


def vote_of(at: MeetingPlace, item: AgendaItem, *, session: Session) -> service.VotePlace:
    """The vote the item is about: a meeting vote of the meeting's body (or chapter)."""
    if item.vote_id is None:
        raise DomainError(N_("This agenda item has no vote."))
    place = service.vote_place(item.vote_id, session=session)
    same_body = place.vote.body_id == (at.body.id if at.body else None)
    if place.vote.chapter_id != at.chapter.id or not same_body:
        raise DomainError(N_("This vote belongs elsewhere."))
    if place.vote.kind != VoteKind.MEETING:
        raise DomainError(N_("Only a vote in a meeting can be held in the live room."))
    return place


def open_in_room(
    at: MeetingPlace,
    item: AgendaItem,
    *,
    hall_analog: bool,
    principal: Principal,
    session: Session,
) -> Vote:
    place = vote_of(at, item, session=session)
    if place.vote.status != VoteStatus.DRAFT:
        raise DomainError(N_("This vote has already been opened."))
    if hall_analog and not _hand_countable(place.vote):
        raise DomainError(N_("Only yes/no votes and votes for one option can be counted by hand."))
    given = room_roll(at, hall_analog=hall_analog, session=session)
    session.add(
        RoomVote(vote_id=place.vote.id or 0, meeting_id=at.meeting.id or 0, hall_analog=hall_analog)
    )
    session.flush()
    return service.open_vote(place, principal=principal, session=session, given=given)


def _hand_countable(vote: Vote) -> bool:
    return vote.method in HAND_COUNTED and vote.max_choices == 1


def room_roll(at: MeetingPlace, *, hall_analog: bool, session: Session) -> dict[int, int | None]:
    """Who gets a ballot: of those present now, the body's voting seat holders, and
    substitutes for the seats of absent delegates (in the order the body lists its
    substitutes); at a chapter's meeting every present member of the chapter. With a
    hand count in the hall, only those present online."""
    present = present_ids(at.meeting.id or 0, session=session)
    if hall_analog:
        present -= _in_the_hall(at.meeting.id or 0, session=session)
    if at.body is None:
        return dict.fromkeys(_members_of(at.chapter, present, session=session))
    holders = roll.seat_holders(at.body, session=session, with_substitutes=False)
    seats: dict[int, int | None] = {m: None for m in holders if m in present}
    absent = [m for m in holders if m not in present]
    for substitute in _substitutes(at.body.id or 0, session=session):
        if not absent:
            break
        if substitute in present and substitute not in seats:
            seats[substitute] = absent.pop(0)
    return seats


def may_hold_seat(at: MeetingPlace, member_id: int, *, session: Session) -> bool:
    """Whether the member could be on the roll of a vote in this meeting (if present):
    a voting seat holder or substitute of the body; at a chapter's meeting, a member of
    the chapter. Only they fetch the ballot when a vote opens."""
    if at.body is None:
        return bool(_members_of(at.chapter, {member_id}, session=session))
    holders = roll.seat_holders(at.body, session=session, with_substitutes=False)
    return member_id in holders or member_id in _substitutes(at.body.id or 0, session=session)


def _in_the_hall(meeting_id: int, *, session: Session) -> set[int]:
    query = select(Presence.member_id).where(
        Presence.meeting_id == meeting_id,
        Presence.channel == Channel.HALL,
        col(Presence.left).is_(False),
    )
    return set(session.exec(query).all())


def _members_of(chapter: Chapter, present: set[int], *, session: Session) -> list[int]:
    if not present:
        return []
    query = (
        select(Membership.member_id)
        .join(Chapter, col(Chapter.id) == col(Membership.chapter_id))
        .where(col(Chapter.path).startswith(chapter.path), col(Membership.member_id).in_(present))
        .distinct()
    )
    return sorted(session.exec(query).all())


def _substitutes(body_id: int, *, session: Session) -> list[int]:
    query = (
        select(BodyRole.member_id)
        .where(BodyRole.body_id == body_id, BodyRole.role == Role.SUBSTITUTE_DELEGATE)
        .order_by(col(BodyRole.id))
    )
    return list(session.exec(query).all())


def enter_hall_count(
    at: MeetingPlace,
    item: AgendaItem,
    counts: Mapping[int, int],
    *,
    actor: int,
    session: Session,
) -> None:
    """The desk's count of the hall, by answer; written in the vote's log with who
    entered it. Entered again, it replaces the earlier count."""
    place = vote_of(at, item, session=session)
    vote = place.vote
    room = session.get(RoomVote, vote.id)
    if room is None or not room.hall_analog:
        raise DomainError(N_("This vote is not counted by hand in the hall."))
    if vote.status != VoteStatus.OPEN:
        raise DomainError(N_("The hall's count can be entered only while the vote is open."))
    options = {o.id: o for o in _hand_options(vote, session=session)}
    for option_id, count in counts.items():
        if option_id not in options:
            raise DomainError(N_("Please count only the answers on the ballot."))
        row = session.get(HallCount, (vote.id, option_id)) or HallCount(
            vote_id=vote.id or 0, option_id=option_id
        )
        row.count = count
        session.add(row)
    note = ", ".join(f"{_label(options[i])}: {n}" for i, n in sorted(counts.items()))
    roll.log("hall_count", actor=actor, vote_id=vote.id, note=note, session=session)
    session.flush()
    announce(session, "meeting.hall_count", meeting_id=at.meeting.id, vote_id=vote.id)


def _hand_options(vote: Vote, *, session: Session) -> list[VoteOption]:
    return [o for o in service.options_of(vote, session=session) if o.kind != OptionKind.INVALID]


def _label(option: VoteOption) -> str:
    return option.label or option.kind


@dataclass(frozen=True)
class RoomState:
    """The vote of the current item as the live room shows it."""

    vote: Vote
    hall_analog: bool
    options: list[VoteOption]
    hall: dict[int, int]  # the hall's count by answer
    totals: dict[int, int] | None  # all answers, once the result is published


def room_state(item: AgendaItem | None, *, session: Session) -> RoomState | None:
    if item is None or item.vote_id is None:
        return None
    vote = session.get(Vote, item.vote_id)
    if vote is None:
        return None
    room = session.get(RoomVote, vote.id)
    result = results.result_of(vote) if vote.status == VoteStatus.PUBLISHED else None
    return RoomState(
        vote=vote,
        hall_analog=bool(room and room.hall_analog),
        options=_hand_options(vote, session=session),
        hall=results.hall_counts(vote, session=session),
        totals={int(k): v for k, v in result.totals.items()} if result else None,
    )
