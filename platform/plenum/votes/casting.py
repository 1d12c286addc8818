"""Casting a ballot: checked, then written exactly once.

The reads (is the vote open, is the member on the roll and present, is the ballot
well-formed) end before the write begins. The write is one transaction that
1. inserts who has voted (primary key vote + member: a second ballot of the same member
   fails here, also when twenty arrive at once),
2. inserts the ballot (a random key; in a secret vote no member and no time), and
3. raises the vote's turnout only while the vote is still open, a conditional update
   that takes the vote's row lock: a close waits for ballots already counting, and a
   ballot arriving after the close finds the vote closed and is rolled back.
Either all three are stored or none.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from plenum.errors import N_, DomainError
from plenum.votes import roll, service, tally
from plenum.votes.models import Ballot, Vote, VoteCast, VoteMode, VoteOption, VoteStatus


class AlreadyVoted(DomainError):
    def __init__(self) -> None:
        super().__init__(roll.STANDING_MESSAGES[roll.Standing.HAS_VOTED])


@dataclass(frozen=True)
class Receipt:
    """What the voter is shown once after casting: their choices and, in a secret vote,
    the tracker to find their ballot in the published list."""

    choices: tuple[int, ...]
    tracker: str
    options: tuple[VoteOption, ...]  # the vote's answers, to name the choices


def cast(
    at: service.VotePlace, choices: Sequence[int], *, member_id: int, session: Session
) -> Receipt:
    vote = at.vote
    roll.require_standing(vote, member_id, session=session)
    stored = service.options_of(vote, session=session)
    options = service.tally_options(vote, stored)
    checked = tally.check_ballot(choices, options, service.rules_of(vote))
    session.commit()  # the reads end here; nothing was written
    tracker = new_tracker(vote, checked) if vote.mode == VoteMode.SECRET else ""
    try:
        _write(vote, checked, tracker, member_id, session=session)
    except BaseException:
        session.rollback()
        raise
    return Receipt(checked, tracker, tuple(stored))


def _write(
    vote: Vote, checked: tuple[int, ...], tracker: str, member_id: int, *, session: Session
) -> None:
    session.add(VoteCast(vote_id=vote.id or 0, member_id=member_id))
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyVoted from None
    named = member_id if vote.mode == VoteMode.NAMED else None
    ballot = Ballot(
        key=secrets.token_hex(16),
        vote_id=vote.id or 0,
        choices=tally.encode(checked),
        tracker=tracker,
        member_id=named,
    )
    session.add(ballot)
    session.flush()
    count_in(vote, session=session)
    session.commit()


def count_in(vote: Vote, *, session: Session) -> None:
    """Raise the turnout while the vote is open; if it closed meanwhile, refuse."""
    raised = session.execute(
        update(Vote)
        .where(col(Vote.id) == vote.id, col(Vote.status) == VoteStatus.OPEN.value)
        .values(turnout=Vote.turnout + 1)
    )
    if getattr(raised, "rowcount", 0) != 1:
        session.rollback()
        raise DomainError(N_("This vote has been closed. Your ballot was not counted."))


def new_tracker(vote: Vote, checked: tuple[int, ...]) -> str:
    """A salted hash of the ballot: the salt is random and kept nowhere, so nobody can
    tell from a tracker which choices it belongs to."""
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + f"{vote.id}:{tally.encode(checked)}".encode())
    return digest.hexdigest()[:20]
