"""A call's management table for the board: every motion and amendment of the call with
its status, recommendation and decision, filterable, and steps taken on many at once.

A bulk step is all or nothing: every selected item is checked first (the member may take
the step there, its status allows it, it belongs to this call), and if any fails, none is
changed and the refusal names each item that could not be. Then each item takes the step
as its own page takes it (``service.transition`` / ``amendments.transition``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from plenum.auth.permissions import Principal
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.motions import amendments, service
from plenum.motions.forms import TransitionInput
from plenum.motions.models import DECISIONS, Amendment, Motion, Recommendation, Status

BULK_STEPS = ("publish", "recommend")
# In a bulk step a recommendation needs no modified text: "adopt modified" is given one
# by one, on the item's page, where the modified text is written.
BULK_RECOMMENDATIONS = tuple(r.value for r in Recommendation if r != Recommendation.ADOPT_MODIFIED)
KINDS = ("motion", "amendment")
BOARD_STEPS = ("screen", "publish", "recommend", "decide")  # any of them opens the table


def may_manage(place: service.CallPlace, principal: Principal | None) -> bool:
    return any(service.may_step(step, place, principal) for step in BOARD_STEPS)


@dataclass(frozen=True)
class Entry:
    kind: str  # motion | amendment
    key: str  # "motion:12" | "amendment:5": what a checkbox sends
    number: str
    title: str
    status: str
    recommendation: str
    decision: str  # the outcome once decided, else ""
    url: str
    motion_number: str  # an amendment's motion


def entries(
    place: service.CallPlace, *, session: Session, status: str = "", kind: str = ""
) -> list[Entry]:
    """Every motion and amendment of the call except drafts, in the call's order: each
    motion followed by its amendments. Texts are not loaded."""
    lean = [defer(getattr(Motion, name)) for name in ("text", "reasons", "modified_text")]
    query = (
        select(Motion)
        .options(*lean)
        .where(Motion.consultation_id == place.call.id, Motion.status != Status.DRAFT)
        .order_by(col(Motion.type), col(Motion.sequence), col(Motion.id))
    )
    found_motions = list(session.exec(query))
    lean_a = [defer(getattr(Amendment, name)) for name in ("text", "modified_text")]
    by_motion: dict[int, list[Amendment]] = {}
    if found_motions:
        query_a = (
            select(Amendment)
            .options(*lean_a)
            .where(col(Amendment.motion_id).in_([m.id for m in found_motions]))
            .order_by(col(Amendment.sequence), col(Amendment.id))
        )
        for amendment in session.exec(query_a):
            by_motion.setdefault(amendment.motion_id, []).append(amendment)
    rows: list[Entry] = []
    for motion in found_motions:
        number = motion.number or ""
        rows.append(_entry("motion", motion, number, f"/motions/{motion.id}", number))
        for amendment in by_motion.get(motion.id or 0, []):
            url = f"/amendments/{amendment.id}"
            rows.append(_entry("amendment", amendment, amendment.number, url, number))
    return [
        row
        for row in rows
        if (not status or row.status == status) and (not kind or row.kind == kind)
    ]


def _entry(kind: str, item: Motion | Amendment, number: str, url: str, motion: str) -> Entry:
    decision = item.status if item.status in DECISIONS else ""
    return Entry(
        kind,
        f"{kind}:{item.id}",
        number,
        item.title,
        item.status,
        item.recommendation,
        decision,
        url,
        motion,
    )


class BulkRefused(DomainError):
    """The whole step is refused: ``items`` says for each item why (number, reason)."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__(
            N_("Nothing was changed: some of the selected items cannot take this step.")
        )
        self.items = items


@dataclass(frozen=True)
class Target:
    item: Motion | Amendment
    number: str


def bulk(
    place: service.CallPlace,
    step: str,
    keys: Sequence[str],
    data: TransitionInput,
    *,
    principal: Principal,
    session: Session,
) -> int:
    """Take ``step`` on every selected item of the call, or on none; how many moved."""
    if step not in BULK_STEPS:
        raise ValidationFailed({"step": N_("Please choose what to do with the selected items.")})
    if step == "recommend" and data.recommendation not in BULK_RECOMMENDATIONS:
        raise ValidationFailed({"recommendation": N_("Please choose a recommendation.")})
    targets = _targets(place, keys, session=session)
    if not targets:
        raise ValidationFailed({"selected": N_("Please select at least one motion or amendment.")})
    problems = [
        (target.number, reason)
        for target in targets
        if (reason := _why_not(place, step, target.item, principal))
    ]
    if problems:
        raise BulkRefused(problems)
    for target in targets:
        if isinstance(target.item, Amendment):
            at = amendments.amendment_place(target.item.id or 0, session=session)
            amendments.transition(at, step, data, principal=principal, session=session)
        else:
            service.transition(target.item, place, step, data, principal=principal, session=session)
    return len(targets)


def _targets(place: service.CallPlace, keys: Sequence[str], *, session: Session) -> list[Target]:
    """The selected items that belong to this call, each once; anything else is ignored
    (a key of another call names nothing here)."""
    found: dict[str, Target] = {}
    for key in keys:
        kind, _, raw = key.partition(":")
        if kind not in KINDS or not raw.isascii() or not raw.isdigit() or len(raw) > 12:
            continue
        item: Motion | Amendment | None
        if kind == "motion":
            item = session.get(Motion, int(raw))
            motion = item
        else:
            item = session.get(Amendment, int(raw))
            motion = session.get(Motion, item.motion_id) if item is not None else None
        if item is None or motion is None or motion.consultation_id != place.call.id:
            continue
        if motion.status == Status.DRAFT:
            continue
        found.setdefault(key, Target(item, item.number or item.title))
    return list(found.values())


def _why_not(
    place: service.CallPlace, step: str, item: Motion | Amendment, principal: Principal
) -> str:
    """Why the member may not take ``step`` on ``item`` now ("" when they may)."""
    if not service.may_step(step, place, principal):
        return N_("You may not take this step in this call.")
    if item.status not in service.TRANSITIONS[step].sources:
        return N_("Not possible in its current status.")
    return ""
