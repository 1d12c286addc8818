"""Small factories for votes, written through the services as office staff would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from plenum.orgs.models import Body, Chapter
from plenum.votes import casting, forms, results, roll, service
from plenum.votes.models import Vote
from tests.support.motions import who

# The set-up form as office staff fill it in (override what a test needs).
VOTE_FORM = {
    **forms.DEFAULTS,
    "title": "Zuschuss für die Kinderbetreuung",
    "question": "Der Landesvorstand stellt 3.000 € für Kinderbetreuung bereit.",
}


def make_vote(
    session: Session, chapter: Chapter, body: Body | None, staff_id: int, **fields: str
) -> Vote:
    values = {**VOTE_FORM, **fields}
    data = forms.parse_vote(values, service.kinds_for(body))
    return service.create_vote(
        chapter, body, data, principal=who(session, staff_id), session=session
    )


def place(session: Session, vote: Vote) -> service.VotePlace:
    return service.vote_place(vote.id or 0, session=session)


def open_vote(session: Session, vote: Vote, staff_id: int) -> Vote:
    return service.open_vote(
        place(session, vote), principal=who(session, staff_id), session=session
    )


def close(session: Session, vote: Vote, staff_id: int) -> Vote:
    return results.close_vote(place(session, vote), actor=staff_id, session=session)


def publish(session: Session, vote: Vote, staff_id: int) -> Vote:
    return results.publish(place(session, vote), principal=who(session, staff_id), session=session)


def present(session: Session, body: Body, staff_id: int, *member_ids: int) -> None:
    for member_id in member_ids:
        roll.set_presence(body, member_id, True, actor=staff_id, session=session)


def option_ids(session: Session, vote: Vote) -> dict[str, int]:
    """Option id by label, or by kind for yes/no/abstain/invalid."""
    return {o.label or o.kind: o.id or 0 for o in service.options_of(vote, session=session)}


def cast(session: Session, vote: Vote, member_id: int, choices: Sequence[str]) -> casting.Receipt:
    ids = option_ids(session, vote)
    picked = [ids[name] for name in choices]
    return casting.cast(place(session, vote), picked, member_id=member_id, session=session)


def result(session: Session, vote: Vote) -> Any:
    session.refresh(vote)
    return results.result_of(vote)
