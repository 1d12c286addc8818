"""The synthesis: proposals that say the same thing become one demand that keeps all
its origins; a proposal that says two things is split; a minority's wording stays beside
its demand as a variant. Every step is logged with who and why.

Steps are taken with the series' row locked (``series_place(lock=True)``): two members of
the synthesis group who merge the same proposal at once cannot both take it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied, Principal
from plenum.db import insert_or_nothing
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.events import announce
from plenum.orgs.models import Chapter, Member
from plenum.series import similar
from plenum.series.access import Allowed, SeriesPlace
from plenum.series.models import (
    Demand,
    DemandOrigin,
    Phase,
    Proposal,
    RejectedSuggestion,
    SeriesSource,
    SynthesisAction,
    SynthesisStep,
)
from plenum.series.service import phase_of

OPEN_PHASES = (Phase.COLLECTING, Phase.SYNTHESIS)


@dataclass(frozen=True)
class DemandInput:
    title: str
    text: str
    reasons: str


@dataclass(frozen=True)
class Origin:
    """A proposal as a demand shows it: its own wording, weight and where it came from."""

    proposal: Proposal
    source: SeriesSource
    chapter_name: str
    part: str = ""


@dataclass
class DemandShown:
    demand: Demand
    origins: list[Origin] = field(default_factory=list)
    variants: list[DemandShown] = field(default_factory=list)


@dataclass(frozen=True)
class LogLine:
    step: SynthesisStep
    actor: str


@dataclass(frozen=True)
class Synthesis:
    demands: list[DemandShown]
    unassigned: list[Origin]
    suggestions: list[tuple[similar.Group, list[Origin]]]
    log: list[LogLine]


def _require(may_do: Allowed, at: SeriesPlace) -> None:
    if not may_do.synthesise:
        raise PermissionDenied("series.synthesise")
    if phase_of(at.series) not in OPEN_PHASES:
        raise DomainError(N_("The synthesis of this series is finished."))


def _origins(at: SeriesPlace, *, session: Session) -> dict[int, Origin]:
    rows = session.exec(
        select(Proposal, SeriesSource, Chapter.name)
        .join(SeriesSource, col(SeriesSource.id) == Proposal.source_id)
        .join(Chapter, col(Chapter.id) == Proposal.origin_chapter_id)
        .where(Proposal.series_id == at.series.id)
        .order_by(col(Proposal.id))
    ).all()
    return {proposal.id or 0: Origin(proposal, source, name) for proposal, source, name in rows}


def _links(at: SeriesPlace, *, session: Session) -> Sequence[DemandOrigin]:
    return session.exec(
        select(DemandOrigin)
        .join(Demand, col(Demand.id) == DemandOrigin.demand_id)
        .where(Demand.series_id == at.series.id)
        .order_by(col(DemandOrigin.id))
    ).all()


def overview(at: SeriesPlace, *, with_suggestions: bool, session: Session) -> Synthesis:
    """The demands with their origins and variants, the proposals no demand took yet,
    the suggested groups among those (for the synthesis group), and the log."""
    origins = _origins(at, session=session)
    demands = session.exec(
        select(Demand).where(Demand.series_id == at.series.id).order_by(col(Demand.id))
    ).all()
    shown = {demand.id or 0: DemandShown(demand) for demand in demands}
    taken: set[int] = set()
    for link in _links(at, session=session):
        origin = origins.get(link.proposal_id)
        if origin is not None and link.demand_id in shown:
            shown[link.demand_id].origins.append(
                Origin(origin.proposal, origin.source, origin.chapter_name, link.part)
            )
            taken.add(link.proposal_id)
    top: list[DemandShown] = []
    for item in shown.values():
        parent = item.demand.variant_of
        if parent is not None and parent in shown:
            shown[parent].variants.append(item)
        else:
            top.append(item)
    unassigned = [origin for pid, origin in origins.items() if pid not in taken]
    suggestions = _suggestions(at, unassigned, session=session) if with_suggestions else []
    return Synthesis(top, unassigned, suggestions, _log(at, session=session))


def _suggestions(
    at: SeriesPlace, unassigned: list[Origin], *, session: Session
) -> list[tuple[similar.Group, list[Origin]]]:
    rejected = set(
        session.exec(
            select(RejectedSuggestion.key).where(RejectedSuggestion.series_id == at.series.id)
        ).all()
    )
    by_id = {origin.proposal.id or 0: origin for origin in unassigned}
    groups = similar.suggest([(pid, o.proposal.title, o.proposal.text) for pid, o in by_id.items()])
    return [
        (g, _heaviest_first([by_id[pid] for pid in g.ids]))
        for g in groups
        if _digest(g.key) not in rejected
    ]


def _digest(key: str) -> str:
    """How a rejected group is stored: a large group's ids would not fit a column."""
    return hashlib.sha256(key.encode()).hexdigest()


def _heaviest_first(origins: list[Origin]) -> list[Origin]:
    """The proposal with the most dots, hands or supports first: its wording is offered
    for the merged demand."""
    return sorted(
        origins,
        key=lambda o: (-(o.proposal.weight or 0), -o.proposal.support_count, o.proposal.id or 0),
    )


def _log(at: SeriesPlace, *, session: Session) -> list[LogLine]:
    rows = session.exec(
        select(SynthesisStep, Member.display_name)
        .join(Member, col(Member.id) == SynthesisStep.actor_id, isouter=True)
        .where(SynthesisStep.series_id == at.series.id)
        .order_by(col(SynthesisStep.id).desc())
    ).all()
    return [LogLine(step, name or "") for step, name in rows]


def _record(
    at: SeriesPlace,
    action: SynthesisAction,
    actor: Principal,
    reason: str,
    *,
    demand_id: int | None,
    proposals: Sequence[int],
    session: Session,
) -> None:
    session.add(
        SynthesisStep(
            series_id=at.series.id or 0,
            actor_id=actor.member_id,
            action=action,
            reason=reason,
            demand_id=demand_id,
            proposals="-".join(str(one) for one in sorted(proposals)),
        )
    )
    session.flush()
    announce(session, f"series.{action}", series_id=at.series.id, demand_id=demand_id)


def _free(at: SeriesPlace, wanted: Sequence[int], *, session: Session) -> None:
    """Refuse proposals that are not this series' or that a demand has taken already."""
    origins = _origins(at, session=session)
    taken = {link.proposal_id for link in _links(at, session=session)}
    if not wanted:
        raise ValidationFailed({"proposals": N_("Please choose at least one proposal.")})
    if any(pid not in origins for pid in wanted):
        raise ValidationFailed({"proposals": N_("Please choose proposals of this series.")})
    if any(pid in taken for pid in wanted):
        raise DomainError(
            N_("A chosen proposal belongs to a demand already. Reload the page and choose again.")
        )


def _new_demand(
    at: SeriesPlace,
    data: DemandInput,
    principal: Principal,
    *,
    session: Session,
    variant_of: int | None = None,
) -> Demand:
    demand = Demand(
        series_id=at.series.id or 0,
        title=data.title,
        text=data.text,
        reasons=data.reasons,
        variant_of=variant_of,
        created_by=principal.member_id,
    )
    session.add(demand)
    session.flush()
    return demand


def merge(
    at: SeriesPlace,
    proposals: Sequence[int],
    data: DemandInput | None,
    target: int | None,
    reason: str,
    may_do: Allowed,
    *,
    principal: Principal,
    session: Session,
) -> Demand:
    """Proposals become one new demand worded as ``data``, or join the demand ``target``."""
    _require(may_do, at)
    _free(at, proposals, session=session)
    if target is not None:
        demand = session.get(Demand, target)
        if demand is None or demand.series_id != at.series.id:
            raise ValidationFailed({"target": N_("Please choose a demand of this series.")})
    elif data is not None:
        demand = _new_demand(at, data, principal, session=session)
    else:
        raise ValidationFailed({"title": N_("Please enter a title.")})
    for pid in proposals:
        insert_or_nothing(session, DemandOrigin, demand_id=demand.id, proposal_id=pid, part="")
    _record(
        at,
        SynthesisAction.MERGE,
        principal,
        reason,
        demand_id=demand.id,
        proposals=proposals,
        session=session,
    )
    return demand


def split(
    at: SeriesPlace,
    proposal_id: int,
    parts: Sequence[DemandInput],
    reason: str,
    may_do: Allowed,
    *,
    principal: Principal,
    session: Session,
) -> list[Demand]:
    """A proposal that says two (or more) things becomes one demand per part, each
    keeping the proposal as its origin with the part named."""
    _require(may_do, at)
    _free(at, [proposal_id], session=session)
    made = []
    for part in parts:
        demand = _new_demand(at, part, principal, session=session)
        session.add(
            DemandOrigin(demand_id=demand.id or 0, proposal_id=proposal_id, part=part.title)
        )
        made.append(demand)
    session.flush()
    _record(
        at,
        SynthesisAction.SPLIT,
        principal,
        reason,
        demand_id=None,
        proposals=[proposal_id],
        session=session,
    )
    return made


def add_variant(
    at: SeriesPlace,
    demand_id: int,
    data: DemandInput,
    proposals: Sequence[int],
    reason: str,
    may_do: Allowed,
    *,
    principal: Principal,
    session: Session,
) -> Demand:
    """Keep a minority's wording beside a demand, from the proposals that hold it."""
    _require(may_do, at)
    main = session.get(Demand, demand_id)
    if main is None or main.series_id != at.series.id or main.variant_of is not None:
        raise ValidationFailed({"target": N_("Please choose a demand of this series.")})
    if proposals:
        _free(at, proposals, session=session)
    variant = _new_demand(at, data, principal, session=session, variant_of=main.id)
    for pid in proposals:
        session.add(DemandOrigin(demand_id=variant.id or 0, proposal_id=pid))
    session.flush()
    _record(
        at,
        SynthesisAction.VARIANT,
        principal,
        reason,
        demand_id=variant.id,
        proposals=proposals,
        session=session,
    )
    return variant


def reject(
    at: SeriesPlace,
    key: str,
    reason: str,
    may_do: Allowed,
    *,
    principal: Principal,
    session: Session,
) -> None:
    """The suggested group ``key`` does not belong together: it is not suggested again."""
    _require(may_do, at)
    ids = [int(one) for one in key.split("-") if one.isdigit()]
    if len(ids) < similar.MIN_DOCUMENTS or "-".join(map(str, sorted(ids))) != key:
        raise ValidationFailed({"key": N_("This suggestion does not exist.")})
    try:
        with session.begin_nested():
            session.add(RejectedSuggestion(series_id=at.series.id or 0, key=_digest(key)))
    except IntegrityError:
        return  # rejected already (the same form twice)
    _record(
        at,
        SynthesisAction.REJECT,
        principal,
        reason,
        demand_id=None,
        proposals=ids,
        session=session,
    )
