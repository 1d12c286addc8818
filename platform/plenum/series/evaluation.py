"""The members' evaluation of the demands: all members of the series' chapter and the
chapters below rank the demands in a secret, ranked survey of the chapter, run by the
vote machinery that exists (``plenum.votes``: the roll, sealed ballots, the count).

Each demand is one option of that vote (``Demand.option_id``); once the result is
published, each demand shows its rank, and the motion's reasons name it. The results
are also shown by region: the chapter of the sessions a demand came from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from plenum.auth.permissions import Action, PermissionDenied, Principal, may
from plenum.errors import N_, DomainError
from plenum.events import announce
from plenum.orgs.models import Chapter
from plenum.series.access import Allowed, SeriesPlace
from plenum.series.models import Demand, DemandOrigin, Proposal
from plenum.series.synthesis import overview
from plenum.times import local_input
from plenum.votes import forms as vote_forms
from plenum.votes import results as vote_results
from plenum.votes import service as votes
from plenum.votes.models import Vote, VoteStatus
from plenum.votes.tally import OptionKind


def start(at: SeriesPlace, may_do: Allowed, *, principal: Principal, session: Session) -> Vote:
    """Open the ranked survey over the series' demands (not the variants), until the
    evaluation phase ends; the one started before, if there is one. Only who may run the
    chapter's member votes (its office staff) starts it."""
    if not may_do.manage or not may(principal, Action.MANAGE_MEMBER_VOTES, at.scope):
        raise PermissionDenied(Action.MANAGE_MEMBER_VOTES.value)  # who runs member votes
    if at.series.vote_id is not None:
        earlier = session.get(Vote, at.series.vote_id)
        if earlier is not None:
            return earlier
    demands = [
        item.demand for item in overview(at, with_suggestions=False, session=session).demands
    ]
    if len(demands) < 2:
        raise DomainError(N_("The members can rank two demands or more."))
    values = {
        **vote_forms.DEFAULTS,
        "title": f"Bewertung: {at.series.title}"[:300],
        "question": at.series.question,
        "kind": "survey",
        "method": "ranked",
        "mode": "secret",
        "closes_at": local_input(at.series.evaluation_ends_at),
        "options": "\n".join(demand.title for demand in demands),
    }
    data = vote_forms.parse_vote(values, votes.kinds_for(None))
    vote = votes.create_vote(at.chapter, None, data, principal=principal, session=session)
    options = [o for o in votes.options_of(vote, session=session) if o.kind == OptionKind.OPTION]
    for demand, option in zip(demands, options, strict=True):
        demand.option_id = option.id
        session.add(demand)
    at.series.vote_id = vote.id
    session.add(at.series)
    session.flush()
    place = votes.vote_place(vote.id or 0, session=session)
    votes.open_vote(place, principal=principal, session=session)
    announce(session, "series.evaluation", series_id=at.series.id, vote_id=vote.id)
    return vote


@dataclass(frozen=True)
class Ranks:
    """The published ranks of the demands: rank by demand id, and how many ranked."""

    vote: Vote | None
    rank: dict[int, int]
    voters: int

    @property
    def published(self) -> bool:
        return self.vote is not None and self.vote.status == VoteStatus.PUBLISHED


def ranks(at: SeriesPlace, *, session: Session) -> Ranks:
    vote = session.get(Vote, at.series.vote_id) if at.series.vote_id else None
    if vote is None or vote.status != VoteStatus.PUBLISHED:
        return Ranks(vote, {}, 0)
    result = vote_results.result_of(vote)
    if result is None:
        return Ranks(vote, {}, 0)
    by_option: dict[int, int] = {}
    place = 1
    for tier in result.ranking:
        for option_id in tier:
            by_option[option_id] = place
        place += len(tier)
    demands = session.exec(
        select(Demand).where(Demand.series_id == at.series.id, col(Demand.option_id).is_not(None))
    ).all()
    rank = {d.id or 0: by_option[d.option_id] for d in demands if d.option_id in by_option}
    return Ranks(vote, rank, result.ballots)


def by_region(
    at: SeriesPlace, found: Ranks, *, session: Session
) -> list[tuple[str, list[tuple[int, str]]]]:
    """The ranked demands by the chapter of the sessions they came from: (chapter name,
    [(rank, demand title)]), a demand under each of its regions."""
    rows = session.exec(
        select(Chapter.name, Demand.id, Demand.title)
        .join(Proposal, col(Proposal.origin_chapter_id) == Chapter.id)
        .join(DemandOrigin, col(DemandOrigin.proposal_id) == Proposal.id)
        .join(Demand, col(Demand.id) == DemandOrigin.demand_id)
        .where(Demand.series_id == at.series.id)
        .distinct()
    ).all()
    regions: dict[str, list[tuple[int, str]]] = {}
    for name, demand_id, title in rows:
        if demand_id in found.rank:
            regions.setdefault(name, []).append((found.rank[demand_id], title))
    return [(name, sorted(items)) for name, items in sorted(regions.items())]
