"""From demands to a decision, and back to the members: Plenum drafts the motion of the
series' chapter to one of its bodies, with each demand's provenance in the reasons; when
the body has decided, each demand's fate is recorded with its reasons and everyone who
proposed or supported one of its proposals is told (in-app, and by e-mail as they chose).

The draft is an ordinary motion: its proposer edits it and submits it through the motion
process that exists."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied, Principal
from plenum.clock import utcnow
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.events import announce
from plenum.i18n import gettext, in_locale, ngettext
from plenum.mail.notices import notice_followers
from plenum.motions import service as motions
from plenum.motions.forms import MotionInput
from plenum.motions.models import DECISIONS, Consultation, Motion, Status
from plenum.orgs.models import Body
from plenum.series.access import Allowed, SeriesPlace
from plenum.series.evaluation import Ranks, ranks
from plenum.series.models import (
    Demand,
    DemandOrigin,
    Fate,
    Proposal,
    ProposalSupport,
    Series,
    SourceKind,
)
from plenum.series.synthesis import DemandShown, Origin, overview
from plenum.votes.models import VoteCast

GONE = (Status.WITHDRAWN, Status.INADMISSIBLE)  # a new draft may replace these
LOCALE = "de"  # the motion is the party's text: written in German
FATE_SAID = {
    Fate.ADOPTED: N_("adopted"),
    Fate.ADOPTED_CHANGED: N_("adopted with changes"),
    Fate.REFERRED: N_("referred"),
    Fate.REJECTED: N_("rejected"),
}
TOLD = N_("What became of the demand “%(title)s”: %(fate_label)s")


def _manager(may_do: Allowed) -> None:
    if not may_do.manage:
        raise PermissionDenied("series.manage")


def open_calls(
    at: SeriesPlace, principal: Principal, *, session: Session, now: datetime | None = None
) -> list[tuple[Consultation, Body]]:
    """Calls of the bodies of the series' chapter that take motions now, where the member
    may submit."""
    now = now or utcnow()
    rows = session.exec(
        select(Consultation, Body)
        .join(Body, col(Body.id) == Consultation.body_id)
        .where(Body.chapter_id == at.chapter.id, col(Consultation.motion_deadline) >= now)
        .order_by(col(Consultation.motion_deadline))
    ).all()
    return [
        (call, body)
        for call, body in rows
        if motions.may_submit(
            principal, motions.call_place(call.id or 0, session=session), session=session
        )
    ]


def _weight(origin: Origin, total: int) -> str:
    """The weight a source gave a demand: the dots, hands or supports of its proposals."""
    if origin.source.kind == SourceKind.MEETING:
        if origin.source.weight_kind == "hands":
            return ngettext("%(num)s hand", "%(num)s hands", total)
        return ngettext("%(num)s dot", "%(num)s dots", total)
    if origin.source.kind == SourceKind.ONLINE_WEEK:
        return ngettext("%(num)s supporter", "%(num)s supporters", total)
    return gettext("by phone")


def provenance(item: DemandShown) -> str:
    """Where a demand came from, in one sentence: every session and channel with the
    weight its proposals got there, added up."""
    places: dict[int, tuple[Origin, int]] = {}
    for origin in item.origins:
        source_id = origin.source.id or 0
        earlier = places.get(source_id)
        weight = origin.proposal.weight or origin.proposal.support_count
        places[source_id] = (origin, (earlier[1] if earlier else 0) + weight)
    parts = [
        f"{origin.source.title} ({_weight(origin, total)})" for origin, total in places.values()
    ]
    return gettext("Proposed in %(places)s.", places="; ".join(parts))


def draft_text(
    at: SeriesPlace, items: list[DemandShown], body: Body, found: Ranks
) -> tuple[str, str]:
    """The motion's text and reasons (Markdown), in German; the demands in the order the
    members ranked them, when they have."""
    items = sorted(items, key=lambda item: found.rank.get(item.demand.id or 0, len(items) + 1))
    with in_locale(LOCALE):
        lines = [gettext("The %(body)s resolves:", body=body.name), ""]
        lines += [gettext("We stand together for these demands:"), ""]
        for number, item in enumerate(items, start=1):
            lines.append(f"{number}. **{item.demand.title}**: {item.demand.text}")
        reasons = [
            gettext(
                "The demands come from the series “%(title)s” on the question: %(question)s",
                title=at.series.title,
                question=at.series.question,
            ),
            "",
        ]
        for item in items:
            line = f"- **{item.demand.title}**: {provenance(item)}"
            rank = found.rank.get(item.demand.id or 0)
            if rank is not None:
                line += " " + gettext(
                    "Rank %(rank)s among %(voters)s members.", rank=rank, voters=found.voters
                )
            reasons.append(line)
    return "\n".join(lines), "\n".join(reasons)


def draft_motion(
    at: SeriesPlace, call_id: int, may_do: Allowed, *, principal: Principal, session: Session
) -> Motion:
    """The motion drafted from the series' demands (not the variants) into the call; the
    draft made before, if there is one."""
    _manager(may_do)
    if at.series.motion_id is not None:
        earlier = session.get(Motion, at.series.motion_id)
        if earlier is not None and earlier.status not in GONE:
            return earlier
    found = {call.id: body for call, body in open_calls(at, principal, session=session)}
    if call_id not in found:
        raise ValidationFailed({"call": N_("Please choose an open call of this chapter's bodies.")})
    items = overview(at, with_suggestions=False, session=session).demands
    if not items:
        raise DomainError(N_("There are no demands yet to put in a motion."))
    place = motions.call_place(call_id, session=session)
    text, reasons = draft_text(at, items, found[call_id], ranks(at, session=session))
    data = MotionInput(
        title=at.series.title,
        type=place.types[0],
        group_name="",
        text=text,
        reasons=reasons,
        amount_cents=None,
        cost_centre="",
        co_proposers=(),
    )
    motion = motions.save_draft(place, data, principal=principal, session=session)
    at.series.motion_id = motion.id
    session.add(at.series)
    session.flush()
    announce(session, "series.motion_drafted", series_id=at.series.id, motion_id=motion.id)
    return motion


def record_fate(
    at: SeriesPlace,
    demand_id: int,
    fate: str,
    reason: str,
    may_do: Allowed,
    *,
    session: Session,
) -> bool:
    """Record what the body made of a demand, once its motion is decided, and tell
    everyone who proposed or supported one of its proposals; False when the same fate
    was recorded already (nobody is told twice)."""
    _manager(may_do)
    motion = session.get(Motion, at.series.motion_id) if at.series.motion_id else None
    if motion is None or motion.status not in DECISIONS:
        raise DomainError(N_("The body has not decided on the series' motion yet."))
    if fate not in tuple(Fate):
        raise ValidationFailed({"fate": N_("Please choose what became of the demand.")})
    demand = session.get(Demand, demand_id)
    if demand is None or demand.series_id != at.series.id or demand.variant_of is not None:
        raise ValidationFailed({"fate": N_("Please choose a demand of this series.")})
    if (demand.fate, demand.fate_reason) == (fate, reason):
        return False
    demand.fate, demand.fate_reason, demand.fate_at = fate, reason, utcnow()
    session.add(demand)
    session.flush()
    url = f"/series/{at.series.id}/synthesis#demand-{demand.id}"
    notice_followers(
        _involved(demand, session=session),
        TOLD,
        url=url,
        session=session,
        title=demand.title,
        fate_label=FATE_SAID[Fate(fate)],
    )
    announce(session, "series.fate", series_id=at.series.id, demand_id=demand.id)
    return True


def _involved(demand: Demand, *, session: Session) -> set[int]:
    """Who proposed (online, or on the phone) or supported a proposal the demand came
    from, and who ranked the demands in the members' evaluation."""
    origins = select(DemandOrigin.proposal_id).where(DemandOrigin.demand_id == demand.id)
    authors = session.exec(select(Proposal.member_id).where(col(Proposal.id).in_(origins))).all()
    backers = session.exec(
        select(ProposalSupport.member_id).where(col(ProposalSupport.proposal_id).in_(origins))
    ).all()
    series = session.get(Series, demand.series_id)
    rankers: list[int] = []
    if series is not None and series.vote_id is not None:  # all who ranked the demands
        rankers = list(
            session.exec(select(VoteCast.member_id).where(VoteCast.vote_id == series.vote_id)).all()
        )
    return {one for one in (*authors, *backers, *rankers) if one is not None}
