"""The members' evaluation broken down by groups of voters: by region (the voter's chapter
directly below the series' chapter) and by how they took part in the series (in the hall,
online in a session, in the online week, on the phone, or not at all).

The voter's group is sealed with the ballot (``votes.groups``) and aggregated here when
the vote is counted; the ballots are then written in clear without it. A group of fewer
than ``SMALLEST`` voters is never kept, and neither is a pool of small groups that could
be worked out from the totals: if the hidden groups together have 1-4 voters, the next
smallest group is hidden with them until the pool reaches five."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from plenum.meetings.models import Channel, Presence
from plenum.orgs.models import Chapter, Membership
from plenum.series.models import (
    EvaluationGroup,
    Proposal,
    ProposalSupport,
    Series,
    SeriesSource,
    SourceKind,
)
from plenum.votes import groups, tally
from plenum.votes.models import Vote

SMALLEST = 5
OTHER = "other"
CHANNELS = ("hall", "online", "online_week", "phone", "none")  # the first that applies
DIMENSIONS = ("region", "channel")


@dataclass(frozen=True)
class SeriesGrouping:
    series: Series

    def group_of(self, member_id: int, *, session: Session) -> str:
        region = self._region(member_id, session=session)
        return f"{region}|{self._channel(member_id, session=session)}"

    def _region(self, member_id: int, *, session: Session) -> str:
        top = session.get(Chapter, self.series.chapter_id)
        paths = session.exec(
            select(Chapter.path)
            .join(Membership, col(Membership.chapter_id) == Chapter.id)
            .where(Membership.member_id == member_id)
            .order_by(col(Chapter.path))
        ).all()
        for path in paths:
            if top is not None and path.startswith(top.path):
                below = path[len(top.path) :].strip("/").split("/")[0]
                return below or str(top.id)
        return OTHER

    def _channel(self, member_id: int, *, session: Session) -> str:
        sources = select(SeriesSource.meeting_id).where(
            SeriesSource.series_id == self.series.id, col(SeriesSource.meeting_id).is_not(None)
        )
        seen = set(
            session.exec(
                select(Presence.channel).where(
                    Presence.member_id == member_id, col(Presence.meeting_id).in_(sources)
                )
            ).all()
        )
        if Channel.HALL in seen:
            return "hall"
        if seen:
            return "online"
        kinds = set(
            session.exec(
                select(SeriesSource.kind)
                .join(Proposal, col(Proposal.source_id) == SeriesSource.id)
                .where(Proposal.series_id == self.series.id, Proposal.member_id == member_id)
            ).all()
        )
        backed = session.exec(
            select(ProposalSupport.id)
            .join(Proposal, col(Proposal.id) == ProposalSupport.proposal_id)
            .where(Proposal.series_id == self.series.id, ProposalSupport.member_id == member_id)
        ).first()
        if SourceKind.ONLINE_WEEK in kinds or backed is not None:
            return "online_week"
        if SourceKind.PHONE in kinds:
            return "phone"
        return "none"

    def aggregate(
        self, vote: Vote, ballots: Sequence[tuple[str, str]], *, session: Session
    ) -> None:
        session.execute(delete(EvaluationGroup).where(col(EvaluationGroup.vote_id) == vote.id))
        for index, dimension in enumerate(DIMENSIONS):
            keyed = [
                (group.split("|")[index] if "|" in group else OTHER, c) for c, group in ballots
            ]
            for key, members in kept_groups(keyed).items():
                top3: Counter[int] = Counter()
                for choices in members:
                    top3.update(tally.decode(choices)[:3])
                session.add(
                    EvaluationGroup(
                        series_id=self.series.id or 0,
                        vote_id=vote.id or 0,
                        dimension=dimension,
                        key=key,
                        voters=len(members),
                        top3=json.dumps({str(k): v for k, v in sorted(top3.items())}),
                    )
                )
        session.flush()


def kept_groups(ballots: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """(group, choices) pairs as the groups that may be shown: each of at least
    ``SMALLEST`` voters, the small ones pooled in ``OTHER`` when the pool has at least
    ``SMALLEST`` (else the next smallest shown group joins the pool)."""
    members: dict[str, list[str]] = {}
    for key, choices in ballots:
        members.setdefault(key, []).append(choices)
    shown = {k: v for k, v in members.items() if len(v) >= SMALLEST and k != OTHER}
    pool = [c for k, v in members.items() if k not in shown for c in v]
    while 0 < len(pool) < SMALLEST and shown:
        smallest = min(shown, key=lambda k: (len(shown[k]), k))
        pool += shown.pop(smallest)
    if len(pool) >= SMALLEST:
        shown[OTHER] = pool
    return shown


def _finder(vote: Vote, session: Session) -> SeriesGrouping | None:
    series = session.exec(select(Series).where(Series.vote_id == vote.id)).first()
    return SeriesGrouping(series) if series is not None else None


groups.register(_finder)


@dataclass(frozen=True)
class Row:
    label: str
    voters: int
    shares: dict[int, float]  # option id -> share of the group's voters with it in top 3


def rows(series: Series, dimension: str, *, session: Session) -> list[Row]:
    """The kept groups of one dimension, largest first (chapter names for regions)."""
    found = session.exec(
        select(EvaluationGroup).where(
            EvaluationGroup.vote_id == series.vote_id, EvaluationGroup.dimension == dimension
        )
    ).all()
    names = {}
    if dimension == "region":
        ids = [int(g.key) for g in found if g.key.isdigit()]
        names = {
            str(c.id): c.name for c in session.exec(select(Chapter).where(col(Chapter.id).in_(ids)))
        }
    shown = []
    for group in sorted(found, key=lambda g: (g.key == OTHER, -g.voters, g.key)):
        counts = {int(k): v for k, v in json.loads(group.top3).items()}
        shares = {k: v / group.voters for k, v in counts.items()}
        shown.append(Row(names.get(group.key, group.key), group.voters, shares))
    return shown
