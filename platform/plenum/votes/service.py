"""What votes do: set up, open (freezing the roll), close (counting), publish (deciding).

A vote moves draft → open → closed → published, each step by a conditional update of
its status, so two people pressing the same button, or a close racing ballots, end in
one consistent state. Method, roll and mode cannot change once the vote is open.
Casting lives in ``casting.py``, counting and outcomes in ``results.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import update
from sqlmodel import Session, col, select

from plenum.auth.permissions import Action, Principal, Scope, may
from plenum.clock import utcnow
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.motions.models import OPEN_FOR_DECISION, Amendment, Consultation, Motion, Resolution
from plenum.orgs.models import Body, BodyKind, Chapter
from plenum.orgs.service import body_scope, chapter_scope
from plenum.times import local_input
from plenum.votes import roll, tally
from plenum.votes.forms import VoteInput
from plenum.votes.models import RoomVote, Stage, Vote, VoteLog, VoteOption, Voter, VoteStatus
from plenum.votes.tally import Method, OptionKind


@dataclass(frozen=True)
class VotePlace:
    """A vote with the chapter and (for a body's vote) the body it belongs to."""

    vote: Vote
    chapter: Chapter
    body: Body | None

    @cached_property
    def scope(self) -> Scope:
        return body_scope(self.body, self.chapter) if self.body else chapter_scope(self.chapter)


def vote_place(vote_id: int, *, session: Session) -> VotePlace:
    vote = session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(N_("This vote does not exist."))
    chapter = session.get_one(Chapter, vote.chapter_id)
    body = session.get(Body, vote.body_id) if vote.body_id else None
    return VotePlace(vote, chapter, body)


# --- who may do what ----------------------------------------------------------------------


def may_manage(principal: Principal | None, chapter: Chapter, body: Body | None) -> bool:
    """Office staff (and a body's chair) set up, open, close and publish votes."""
    if body is not None:
        return may(principal, Action.MANAGE_VOTES, body_scope(body, chapter))
    return may(principal, Action.MANAGE_MEMBER_VOTES, chapter_scope(chapter))


def may_follow(principal: Principal | None, chapter: Chapter, body: Body | None) -> bool:
    """Who sees a body's or chapter's votes: a board's are internal to the board, the
    others are for the chapter's members (as its motions are)."""
    if body is not None and body.kind == BodyKind.BOARD:
        return may(principal, Action.VIEW_BODY_INTERNAL, body_scope(body, chapter))
    return may(principal, Action.VIEW_MOTIONS, chapter_scope(chapter))


def may_see(principal: Principal | None, at: VotePlace, *, session: Session) -> bool:
    if principal is None:
        return False
    if may_manage(principal, at.chapter, at.body):
        return True
    if at.vote.status == VoteStatus.DRAFT:
        return False
    on_roll = session.get(Voter, (at.vote.id, principal.member_id)) is not None
    return on_roll or may_follow(principal, at.chapter, at.body)


def kinds_for(body: Body | None) -> tuple[str, ...]:
    from plenum.votes.forms import BODY_KINDS, CHAPTER_KINDS

    return tuple(k.value for k in (BODY_KINDS if body is not None else CHAPTER_KINDS))


# --- setting up -----------------------------------------------------------------------------


def create_vote(
    chapter: Chapter,
    body: Body | None,
    data: VoteInput,
    *,
    principal: Principal,
    session: Session,
) -> Vote:
    vote = Vote(chapter_id=chapter.id or 0, body_id=body.id if body else None, title=data.title)
    vote.created_by = principal.member_id
    _apply(vote, data, body, session=session)
    session.add(vote)
    session.flush()
    _write_options(vote, data, session=session)
    roll.log("created", actor=principal.member_id, vote_id=vote.id, session=session)
    session.flush()
    return vote


def update_vote(at: VotePlace, data: VoteInput, *, principal: Principal, session: Session) -> Vote:
    vote = at.vote
    if vote.status != VoteStatus.DRAFT:
        raise DomainError(N_("Method, roll and mode cannot change once the vote is open."))
    kept = (vote.stage, vote.reserved, vote.seats, vote.total_seats, vote.list_place)
    _apply(vote, data, at.body, session=session)
    if vote.parent_id is not None:  # a runoff or next ballot keeps its place in the election
        vote.stage, vote.reserved, vote.seats, vote.total_seats, vote.list_place = kept
    vote.lock_version += 1
    for option in options_of(vote, session=session):
        session.delete(option)
    session.flush()
    _write_options(vote, data, session=session)
    roll.log("changed", actor=principal.member_id, vote_id=vote.id, session=session)
    session.flush()
    return vote


def _apply(vote: Vote, data: VoteInput, body: Body | None, *, session: Session) -> None:
    vote.title, vote.question, vote.kind = data.title, data.question, data.kind
    vote.method, vote.mode, vote.election_of = data.method, data.mode, data.election_of
    vote.majority, vote.quorum_percent = data.majority, data.quorum_percent
    vote.seats, vote.max_choices, vote.total_seats = data.seats, data.max_choices, data.seats
    vote.opens_at, vote.closes_at, vote.list_place = data.opens_at, data.closes_at, data.list_place
    vote.motion_id, vote.amendment_id = _subject(data, body, session=session)
    vote.reserved, vote.stage = False, Stage.SINGLE
    if data.quota:
        _quota_stage(vote, data)
    elif data.list_place is not None:
        vote.reserved = tally.list_place_reserved(data.list_place, first_place_woman=False)


def _quota_stage(vote: Vote, data: VoteInput) -> None:
    """An election with the quota begins with the seats reserved for women; when no woman
    stands, those seats stay empty and the ballot for the other seats comes first."""
    reserved = tally.reserved_seats(data.seats)
    if data.women:
        vote.stage, vote.reserved, vote.seats = Stage.WOMEN, True, reserved
    else:
        vote.stage, vote.seats = Stage.OPEN_SEATS, data.seats - reserved


def _subject(
    data: VoteInput, body: Body | None, *, session: Session
) -> tuple[int | None, int | None]:
    """The motion or amendment decided by this vote: of this body, open for decision."""
    if data.motion_id is None and data.amendment_id is None:
        return None, None
    if data.method != Method.YES_NO or body is None:
        raise ValidationFailed({"method": N_("Motions and amendments are decided by yes or no.")})
    amendment = session.get(Amendment, data.amendment_id) if data.amendment_id else None
    motion = session.get(Motion, amendment.motion_id if amendment else data.motion_id)
    call = session.get(Consultation, motion.consultation_id) if motion else None
    if motion is None or call is None or call.body_id != body.id:
        raise ValidationFailed({"title": N_("The motion is not one of this body.")})
    target = amendment or motion
    if target.status not in OPEN_FOR_DECISION:
        raise ValidationFailed({"title": N_("This has been decided already or is not published.")})
    return motion.id, amendment.id if amendment else None


def _write_options(vote: Vote, data: VoteInput, *, session: Session) -> None:
    add_options(vote, option_rows(vote, data), session=session)


def add_options(vote: Vote, rows: Sequence[tuple[str, str, bool]], *, session: Session) -> None:
    """Write the ballot's answers (kind, label, women) in the order given."""
    for position, (kind, label, women) in enumerate(rows):
        session.add(
            VoteOption(vote_id=vote.id or 0, position=position, kind=kind, label=label, women=women)
        )
    session.flush()


def option_rows(vote: Vote, data: VoteInput) -> list[tuple[str, str, bool]]:
    """The answers on the ballot for the vote's method: (kind, label, women)."""
    if vote.method == Method.YES_NO:
        rows = [(OptionKind.YES.value, "", False), (OptionKind.NO.value, "", False)]
    elif vote.method == Method.ELECTION:
        rows = candidate_rows(
            [(name, True) for name in data.women] + [(n, False) for n in data.options], vote
        )
    else:
        rows = [(OptionKind.OPTION.value, label, False) for label in data.options]
    return rows + special_rows(vote)


def candidate_rows(
    candidates: Sequence[tuple[str, bool]], vote: Vote
) -> list[tuple[str, str, bool]]:
    """Candidates (name, stands for a women's seat); a lone candidate gets a "no"."""
    rows = [(OptionKind.CANDIDATE.value, name, women) for name, women in candidates]
    standing = [row for row in rows if row[2] or not vote.reserved]
    if len(standing) == 1:
        rows.append((OptionKind.NO.value, "", False))
    return rows


def special_rows(vote: Vote) -> list[tuple[str, str, bool]]:
    """Abstain on every ballot; "invalid" as an explicit choice on secret ballots."""
    rows = [(OptionKind.ABSTAIN.value, "", False)]
    if vote.mode == "secret":
        rows.append((OptionKind.INVALID.value, "", False))
    return rows


def options_of(vote: Vote, *, session: Session) -> list[VoteOption]:
    query = (
        select(VoteOption).where(VoteOption.vote_id == vote.id).order_by(col(VoteOption.position))
    )
    return list(session.exec(query).all())


def ballot_options(vote: Vote, options: Sequence[VoteOption]) -> list[VoteOption]:
    """What the ballot offers: on the ballot for women's seats, only their candidates."""
    if not vote.reserved:
        return list(options)
    return [o for o in options if o.kind != OptionKind.CANDIDATE or o.women]


def tally_options(vote: Vote, options: Sequence[VoteOption]) -> list[tally.Option]:
    return [
        tally.Option(o.id or 0, o.kind, o.label, o.women) for o in ballot_options(vote, options)
    ]


def rules_of(vote: Vote) -> tally.Rules:
    quorum = -(-vote.quorum_percent * vote.roll_size // 100)  # rounded up
    return tally.Rules(
        method=vote.method,
        majority=vote.majority,
        seats=vote.seats,
        max_choices=vote.max_choices,
        quorum=quorum,
    )


def form_values(vote: Vote, *, session: Session) -> dict[str, str]:
    """A draft's fields as the form shows them."""
    options = options_of(vote, session=session)
    candidates = [o for o in options if o.kind in (OptionKind.OPTION, OptionKind.CANDIDATE)]
    seats = vote.total_seats if vote.stage in (Stage.WOMEN, Stage.OPEN_SEATS) else vote.seats
    values: dict[str, Any] = {
        "title": vote.title,
        "question": vote.question,
        "kind": vote.kind,
        "method": vote.method,
        "mode": vote.mode,
        "election_of": vote.election_of,
        "majority": vote.majority,
        "quorum_percent": str(vote.quorum_percent),
        "seats": str(seats),
        "max_choices": str(vote.max_choices),
        "quota": "1" if vote.stage in (Stage.WOMEN, Stage.OPEN_SEATS) else "",
        "options": "\n".join(o.label for o in candidates if not o.women),
        "women": "\n".join(o.label for o in candidates if o.women),
        "list_place": str(vote.list_place or ""),
        "motion_id": str(vote.motion_id or ""),
        "amendment_id": str(vote.amendment_id or ""),
    }
    for name in ("opens_at", "closes_at"):
        moment = getattr(vote, name)
        values[name] = local_input(moment) if moment else ""
    return values


# --- lifecycle ------------------------------------------------------------------------------


def move(
    vote: Vote, source: VoteStatus, target: VoteStatus, *, session: Session, **values: Any
) -> None:
    """Move the vote from ``source`` to ``target`` unless someone else moved it first."""
    moved = session.execute(
        update(Vote)
        .where(col(Vote.id) == vote.id, col(Vote.status) == source.value)
        .values(status=target.value, lock_version=Vote.lock_version + 1, **values)
    )
    if getattr(moved, "rowcount", 0) != 1:
        session.rollback()
        raise DomainError(N_("Someone else has changed this vote in the meantime."))
    session.refresh(vote)


def open_vote(
    at: VotePlace,
    *,
    principal: Principal,
    session: Session,
    given: Mapping[int, int | None] | None = None,
) -> Vote:
    """Open the vote: freeze method, mode and the roll (the ``given`` one for a vote in a
    meeting's live room); ballots are taken from now (or from its start time)."""
    vote = at.vote
    options = tally_options(vote, options_of(vote, session=session))
    if vote.method != Method.YES_NO and not any(
        o.kind in (OptionKind.OPTION, OptionKind.CANDIDATE) for o in options
    ):
        raise DomainError(N_("There is nothing to vote on: please add options or candidates."))
    move(vote, VoteStatus.DRAFT, VoteStatus.OPEN, session=session, opened_at=utcnow())
    size = roll.freeze(vote, at.body, at.chapter, session=session, given=given)
    if size == 0:
        session.rollback()
        raise DomainError(N_("Nobody is on the roll: nobody holds a vote here yet."))
    vote.roll_size = size
    session.add(vote)
    roll.log(
        "roll_frozen", actor=principal.member_id, vote_id=vote.id, note=str(size), session=session
    )
    roll.log("opened", actor=principal.member_id, vote_id=vote.id, session=session)
    announce(session, "vote.opened", vote_id=vote.id, **room_of(vote, session=session))
    session.flush()
    return vote


def room_of(vote: Vote, *, session: Session) -> dict[str, int]:
    """For a vote in a meeting's live room, its meeting (events name it, so the room
    hears them); otherwise nothing."""
    found = session.get(RoomVote, vote.id)
    return {"meeting_id": found.meeting_id} if found is not None else {}


def delete_draft(at: VotePlace, *, session: Session) -> None:
    if at.vote.status != VoteStatus.DRAFT:
        raise DomainError(N_("Only a draft can be deleted."))
    for option in options_of(at.vote, session=session):
        session.delete(option)
    for entry in session.exec(select(VoteLog).where(VoteLog.vote_id == at.vote.id)):
        session.delete(entry)
    session.flush()  # options and log first: the vote's row is referenced by them
    session.delete(at.vote)
    session.flush()


def votes_of(
    chapter: Chapter, body: Body | None, principal: Principal | None, *, session: Session
) -> list[Vote]:
    """A body's votes, or a chapter's member votes; drafts only for those who run them."""
    query = select(Vote).where(Vote.chapter_id == chapter.id)
    query = (
        query.where(Vote.body_id == body.id) if body else query.where(col(Vote.body_id).is_(None))
    )
    if not may_manage(principal, chapter, body):
        query = query.where(Vote.status != VoteStatus.DRAFT)
    return list(session.exec(query.order_by(col(Vote.created_at).desc(), col(Vote.id).desc())))


def open_for(member_id: int, *, session: Session) -> list[Vote]:
    """Open votes where the member is on the roll and has not voted yet (start page)."""
    from plenum.votes.models import VoteCast

    voted = select(VoteCast.vote_id).where(VoteCast.member_id == member_id)
    query = (
        select(Vote)
        .join(Voter, col(Voter.vote_id) == Vote.id)
        .where(Voter.member_id == member_id, Vote.status == VoteStatus.OPEN)
        .where(col(Vote.id).not_in(voted))
        .order_by(col(Vote.closes_at), col(Vote.id))
        .limit(20)
    )
    return [
        vote
        for vote in session.exec(query)
        if roll.accepting(vote)
        and (vote.kind != "meeting" or roll.is_present(vote.body_id, member_id, session=session))
    ]


@dataclass(frozen=True)
class LogRow:
    entry: VoteLog
    actor: str


def log_of(vote: Vote, *, session: Session) -> list[LogRow]:
    from plenum.orgs.models import Member

    query = (
        select(VoteLog, Member)
        .join(Member, col(Member.id) == VoteLog.actor_id, isouter=True)
        .where(VoteLog.vote_id == vote.id)
        .order_by(col(VoteLog.created_at), col(VoteLog.id))
    )
    return [LogRow(entry, m.display_name if m else "") for entry, m in session.exec(query)]


def subject_of(vote: Vote, *, session: Session) -> Motion | Amendment | None:
    if vote.amendment_id:
        return session.get(Amendment, vote.amendment_id)
    return session.get(Motion, vote.motion_id) if vote.motion_id else None


@dataclass(frozen=True)
class SubjectVotes:
    """The votes on one motion or amendment, and where to set up another one."""

    votes: list[Vote]
    new_url: str  # "" when this member may not set up a vote on it


def votes_on(
    target: Motion | Amendment,
    chapter: Chapter,
    body: Body,
    principal: Principal | None,
    *,
    session: Session,
) -> SubjectVotes:
    """The votes on a motion or amendment that this member may see (as on the vote pages:
    a board's votes only for the board and those on their roll, drafts only for staff)."""
    column = Vote.amendment_id if isinstance(target, Amendment) else Vote.motion_id
    query = select(Vote).where(column == target.id)
    if isinstance(target, Motion):
        query = query.where(col(Vote.amendment_id).is_(None))
    manage = may_manage(principal, chapter, body)
    votes = [
        vote
        for vote in session.exec(query.order_by(col(Vote.id)))
        if manage or may_see(principal, VotePlace(vote, chapter, body), session=session)
    ]
    new_url = ""
    if manage and target.status in OPEN_FOR_DECISION:
        field = "amendment_id" if isinstance(target, Amendment) else "motion_id"
        title = target.number if isinstance(target, Amendment) else target.title
        new_url = f"/bodies/{body.key}/votes/new?{urlencode({field: target.id, 'title': title})}"
    return SubjectVotes(votes, new_url)


def resolution_of(vote: Vote, *, session: Session) -> Resolution | None:
    """The resolution this vote's outcome became, once published."""
    if vote.status != VoteStatus.PUBLISHED or vote.resolution_id is None:
        return None
    return session.get(Resolution, vote.resolution_id)
