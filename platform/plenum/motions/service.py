"""What motions do: calls for motions, drafts, submission, support and the lifecycle.

Every change of status goes through ``transition``: the table ``TRANSITIONS`` says from
which statuses a step may be taken and who may take it (a permission of
``auth.permissions``, or the proposers themselves), and each step is written to the
history. Amendments share the table (see ``amendments.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from plenum.auth.permissions import Action, PermissionDenied, Principal, Scope, may
from plenum.clock import as_utc, utcnow
from plenum.db import advance, update_if
from plenum.discuss.follow import follow_proposal
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.motions import diff, lines, resolutions
from plenum.motions.forms import CallInput, MotionInput, TransitionInput
from plenum.motions.models import (
    DECISIONS,
    FINAL,
    OPEN_FOR_DECISION,
    Amendment,
    Consultation,
    Motion,
    MotionType,
    MotionVersion,
    Proposer,
    Recommendation,
    Status,
    StatusChange,
    Submitter,
    Support,
)
from plenum.motions.wording import euro, said
from plenum.notify.models import Notification
from plenum.notify.service import notify
from plenum.orgs.models import Body, Chapter, ChapterKind, Member, Membership
from plenum.orgs.service import body_scope, chapter_scope
from plenum.times import local_input

PROPOSERS = "proposers"  # in TRANSITIONS: the motion's own proposers, not a role


class StaleEdit(DomainError):
    """Someone else saved in between; ``current`` holds what they saved."""

    def __init__(self, current: dict[str, str]) -> None:
        super().__init__(
            N_("Someone else has changed this in the meantime. Their version is shown below.")
        )
        self.current = current


class AlreadySaved(DomainError):
    """The same form was sent before (twice in a hurry, or again from the browser's
    history); ``found`` is the motion or amendment it saved then."""

    def __init__(self, found: Any) -> None:
        super().__init__(N_("This form had already been sent. Here is what it saved."))
        self.found = found


def refuse_repeat(model: Any, member_id: int, key: str, *, session: Session) -> None:
    """AlreadySaved when ``member_id`` already saved a ``model`` with the form ``key``."""
    if not key:
        return
    earlier = session.exec(
        select(model).where(model.created_by == member_id, model.idempotency_key == key)
    ).first()
    if earlier is not None:
        raise AlreadySaved(earlier)


@dataclass(frozen=True)
class Step:
    sources: frozenset[Status]
    target: Status | None  # None: the target comes from the input (a decision)
    who: Action | str


_BEFORE_SCREENING = frozenset({Status.COLLECTING, Status.SUBMITTED})
_OPEN = OPEN_FOR_DECISION
_NOT_FINAL = frozenset(set(Status) - FINAL - {Status.DRAFT})
WITHDRAWABLE = _NOT_FINAL  # the statuses a motion can be withdrawn from

TRANSITIONS: dict[str, Step] = {
    "screen": Step(frozenset({Status.SUBMITTED}), Status.SCREENED, Action.SCREEN),
    "inadmissible": Step(_BEFORE_SCREENING | {Status.SCREENED}, Status.INADMISSIBLE, Action.SCREEN),
    "publish": Step(
        frozenset({Status.SUBMITTED, Status.SCREENED}), Status.PUBLISHED, Action.SCREEN
    ),
    "recommend": Step(_OPEN, Status.RECOMMENDED, Action.RECOMMEND),
    "decide": Step(_OPEN, None, Action.DECIDE),
    "withdraw": Step(_NOT_FINAL, Status.WITHDRAWN, PROPOSERS),
}


# --- calls for motions --------------------------------------------------------------------


@dataclass(frozen=True)
class CallPlace:
    """A call with the body and chapter it belongs to, and the scopes to check."""

    call: Consultation
    body: Body
    chapter: Chapter

    # cached: a list checks them once per motion or amendment shown
    @cached_property
    def chapter_scope(self) -> Scope:
        return chapter_scope(self.chapter)

    @cached_property
    def body_scope(self) -> Scope:
        return body_scope(self.body, self.chapter)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.call.motion_types.split())

    @property
    def submitters(self) -> tuple[str, ...]:
        return tuple(self.call.submitters.split())

    def prefix(self, motion_type: str) -> str:
        prefixes = dict(
            zip([t.value for t in MotionType], self.call.prefixes.split(), strict=False)
        )
        return prefixes.get(motion_type, "A")

    def motions_open(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) <= as_utc(self.call.motion_deadline)

    def amendments_open(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) <= as_utc(self.call.amendment_deadline)


def create_call(
    body: Body, data: CallInput, *, actor: int | None, session: Session
) -> Consultation:
    call = Consultation(body_id=body.id or 0, created_by=actor, **_call_fields(data))
    session.add(call)
    session.flush()
    return call


def update_call(call: Consultation, data: CallInput, *, session: Session) -> Consultation:
    for name, value in _call_fields(data).items():
        setattr(call, name, value)
    session.add(call)
    session.flush()
    return call


def _call_fields(data: CallInput) -> dict[str, Any]:
    return {
        "title": data.title,
        "description": data.description,
        "motion_types": " ".join(data.motion_types),
        "prefixes": " ".join(p or "X" for p in data.prefixes),
        "submitters": " ".join(data.submitters),
        "supporters_required": data.supporters_required,
        "line_length": data.line_length,
        "amendment_numbering": data.amendment_numbering,
        "motion_deadline": data.motion_deadline,
        "amendment_deadline": data.amendment_deadline,
    }


def call_place(call_id: int, *, session: Session) -> CallPlace:
    row = session.exec(
        select(Consultation, Body, Chapter)
        .join(Body, col(Body.id) == Consultation.body_id)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .where(Consultation.id == call_id)
    ).first()
    if row is None:
        raise NotFound(N_("This call for motions does not exist."))
    return CallPlace(*row)


def calls_of(body: Body, *, session: Session) -> list[Consultation]:
    query = select(Consultation).where(Consultation.body_id == body.id)
    return list(session.exec(query.order_by(col(Consultation.motion_deadline).desc())).all())


def call_values(call: Consultation) -> dict[str, str]:
    """A call as form values, for editing it."""
    values = {
        "title": call.title,
        "description": call.description,
        "supporters_required": str(call.supporters_required),
        "line_length": str(call.line_length),
        "amendment_numbering": call.amendment_numbering,
        "motion_deadline": local_input(call.motion_deadline),
        "amendment_deadline": local_input(call.amendment_deadline),
    }
    for kind, prefix in zip(MotionType, call.prefixes.split(), strict=False):
        values[f"prefix_{kind.value}"] = prefix
        values[f"type_{kind.value}"] = "1" if kind.value in call.motion_types.split() else ""
    for submitter in Submitter:
        values[f"submitter_{submitter.value}"] = (
            "1" if submitter.value in call.submitters.split() else ""
        )
    return values


# --- who may submit -----------------------------------------------------------------------


def may_submit(principal: Principal | None, place: CallPlace, *, session: Session) -> bool:
    """Whether the member may submit motions or amendments to this call at all."""
    if _may_submit_directly(principal, place):
        return True
    allowed = Submitter.WORKING_GROUPS in place.submitters
    return allowed and bool(working_groups(principal, place, session=session))


def _may_submit_directly(principal: Principal | None, place: CallPlace) -> bool:
    """As a member of the chapter, a delegate of the body, or a lower chapter's board."""
    allowed = set(place.submitters)
    checks = [
        (Submitter.MEMBERS, Action.SUBMIT_AS_MEMBER, place.chapter_scope),
        (Submitter.DELEGATES, Action.SUBMIT_AS_DELEGATE, place.body_scope),
        (Submitter.LOWER_BOARDS, Action.SUBMIT_AS_LOWER_BOARD, place.chapter_scope),
    ]
    return any(kind in allowed and may(principal, action, scope) for kind, action, scope in checks)


def working_groups(principal: Principal | None, place: CallPlace, *, session: Session) -> list[str]:
    """Names of the working groups in the call's chapter that the member belongs to."""
    if principal is None:
        return []
    query = (
        select(Chapter.name)
        .join(Membership, col(Membership.chapter_id) == Chapter.id)
        .where(Membership.member_id == principal.member_id)
        .where(Chapter.kind == ChapterKind.WORKING_GROUP)
        .where(col(Chapter.path).startswith(place.chapter.path))
        .order_by(col(Chapter.name))
    )
    return list(session.exec(query).all())


def check_group(
    group_name: str, principal: Principal, place: CallPlace, *, session: Session
) -> None:
    """Who may submit only for a working group must name that working group."""
    if _may_submit_directly(principal, place):
        return
    if group_name not in working_groups(principal, place, session=session):
        raise ValidationFailed(
            {"group_name": N_("Please name the working group you submit for, as it is listed.")}
        )


def is_proposer(principal: Principal | None, proposers: Sequence[Member]) -> bool:
    return principal is not None and any(m.id == principal.member_id for m in proposers)


# --- motions: drafts, editing, submission -------------------------------------------------


def save_draft(
    place: CallPlace,
    data: MotionInput,
    *,
    principal: Principal,
    session: Session,
    quota: InvitationQuota | None = None,
) -> Motion:
    if not may_submit(principal, place, session=session):
        raise PermissionDenied(Action.SUBMIT_AS_MEMBER.value)
    check_group(data.group_name, principal, place, session=session)
    _check_open(place)
    refuse_repeat(Motion, principal.member_id, data.key, session=session)
    motion = Motion(
        consultation_id=place.call.id or 0,
        created_by=principal.member_id,
        title="",
        idempotency_key=data.key or None,
    )
    _apply(motion, data)
    try:
        with session.begin_nested():
            session.add(motion)
    except IntegrityError:  # the same form, sent at the same moment
        refuse_repeat(Motion, principal.member_id, data.key, session=session)
        raise
    _set_proposers(
        motion, place, principal.member_id, data.co_proposers, quota=quota, session=session
    )
    _record(motion, "", Status.DRAFT, principal.member_id, session=session)
    session.flush()
    return motion


def update_motion(
    motion: Motion,
    place: CallPlace,
    data: MotionInput,
    *,
    expected_version: int,
    principal: Principal,
    session: Session,
    quota: InvitationQuota | None = None,
) -> Motion:
    """Save a proposer's edit; refuses an edit made on an outdated copy."""
    if not is_proposer(principal, proposers_of(motion, session=session)):
        raise PermissionDenied("motion.edit")
    if motion.status not in (Status.DRAFT, Status.COLLECTING, Status.SUBMITTED):
        raise DomainError(N_("This motion can no longer be changed."))
    if motion.status != Status.DRAFT:
        _check_open(place)
    check_group(data.group_name, principal, place, session=session)
    if not update_if(
        session, motion, {"lock_version": expected_version}, lock_version=expected_version + 1
    ):  # edited meanwhile, or the form was old
        session.refresh(motion)
        raise StaleEdit(motion_values(motion, session=session))
    _apply(motion, data)
    session.add(motion)
    _set_proposers(
        motion, place, motion.created_by, data.co_proposers, quota=quota, session=session
    )
    session.flush()
    return motion


def _apply(motion: Motion, data: MotionInput) -> None:
    motion.title = data.title
    motion.type = data.type
    motion.group_name = data.group_name
    motion.text = lines.normalize(data.text)
    motion.reasons = data.reasons
    motion.amount_cents = data.amount_cents
    motion.cost_centre = data.cost_centre


def _set_proposers(
    motion: Motion,
    place: CallPlace,
    owner: int,
    numbers: Sequence[str],
    *,
    quota: InvitationQuota | None,
    session: Session,
) -> None:
    wanted = {owner, *co_proposers_by_number(numbers, place, session=session)}
    new = _replace_people(Proposer, "motion_id", motion.id, wanted, owner=owner, session=session)
    invite(new, motion.title, f"/motions/{motion.id}", quota=quota, session=session)


# Takes ``n`` invitations from the inviting member's allowance; False when too few are left.
InvitationQuota = Callable[[int], bool]
INVITATION = N_("You have been named as co-proposer of “%(title)s”. Please confirm or decline.")


def invite(
    member_ids: set[int],
    title: str,
    url: str,
    *,
    quota: InvitationQuota | None = None,
    session: Session,
) -> None:
    """Tell the newly named co-proposers, each only once per motion or amendment however
    often they are named again; ``quota`` counts those invitations for the inviting member."""
    told = session.exec(
        select(Notification.member_id).where(
            col(Notification.member_id).in_(member_ids),
            Notification.url == url,
            Notification.message == INVITATION,
        )
    ).all()
    fresh = member_ids - set(told)
    charge_invitations(quota, len(fresh))
    notify(fresh, INVITATION, url=url, session=session, title=title)


def charge_invitations(quota: InvitationQuota | None, count: int) -> None:
    """Take ``count`` invitations from the member's allowance, or refuse."""
    if count and quota is not None and not quota(count):
        raise ValidationFailed(
            {
                "co_proposers": N_(
                    "You have invited many co-proposers within an hour. Please try again later."
                )
            }
        )


def co_proposers_by_number(
    numbers: Sequence[str], place: CallPlace, *, session: Session
) -> set[int]:
    """The members who may be named as co-proposers in this call: members of its chapter
    or of a chapter below it (who may submit here themselves, and may read the draft).
    One message for every number that is not such a member, whether it is unknown, has
    never logged in, or belongs elsewhere: the form reveals nothing about a number."""
    if not numbers:
        return set()
    rows = session.exec(
        select(Member.member_number, Member.id)
        .join(Membership, col(Membership.member_id) == Member.id)
        .join(Chapter, col(Chapter.id) == Membership.chapter_id)
        .where(col(Member.member_number).in_(numbers))
        .where(col(Chapter.path).startswith(place.chapter.path))
    ).all()
    found = {number: member_id for number, member_id in rows if member_id is not None}
    if any(number not in found for number in numbers):
        raise ValidationFailed(
            {
                "co_proposers": N_(
                    "These member numbers cannot be named as co-proposers here. Please check them."
                )
            }
        )
    return set(found.values())


def _replace_people(
    model: type[Proposer],
    column: str,
    target: int | None,
    wanted: set[int],
    *,
    owner: int,
    session: Session,
) -> set[int]:
    """Make the proposers ``wanted``; the newly named ones (not the owner) are invited,
    and their ids returned so they can be told."""
    rows = session.exec(select(model).filter_by(**{column: target})).all()
    for row in rows:
        if row.member_id not in wanted and row.member_id != owner:
            session.delete(row)
    new = wanted - {row.member_id for row in rows}
    for member_id in new:
        session.add(model(member_id=member_id, confirmed=member_id == owner, **{column: target}))
    return new - {owner}


def motion_values(motion: Motion, *, session: Session) -> dict[str, str]:
    proposers = [*proposers_of(motion, session=session), *invited(motion, session=session)]
    amount = motion.amount_cents
    return {
        "title": motion.title,
        "type": motion.type,
        "group_name": motion.group_name,
        "text": motion.text,
        "reasons": motion.reasons,
        "amount": euro(amount) if amount is not None else "",
        "cost_centre": motion.cost_centre,
        "co_proposers": " ".join(
            m.member_number for m in proposers if m.id != motion.created_by and m.member_number
        ),
        "lock_version": str(motion.lock_version),
    }


def submit(motion: Motion, place: CallPlace, *, principal: Principal, session: Session) -> Motion:
    if not is_proposer(principal, proposers_of(motion, session=session)):
        raise PermissionDenied("motion.submit")
    if motion.status != Status.DRAFT:
        raise DomainError(N_("This motion has already been submitted."))
    _check_open(place)
    motion.supporters_required = place.call.supporters_required
    needs_support = motion.supporters_required > 0
    target = Status.COLLECTING if needs_support else Status.SUBMITTED
    motion.submitted_at = utcnow()
    _number_motion(motion, place, session=session)
    _move(motion, target, principal.member_id, "", session=session)
    proposers = [m.id or 0 for m in proposers_of(motion, session=session)]
    follow_proposal(proposers, place.chapter.id or 0, motion_id=motion.id, session=session)
    session.flush()
    return motion


def _number_motion(motion: Motion, place: CallPlace, *, session: Session) -> None:
    """Give the motion the next number of its type in the call ("A3")."""
    for _attempt in range(5):
        highest = session.exec(
            select(func.max(Motion.sequence)).where(
                Motion.consultation_id == motion.consultation_id, Motion.type == motion.type
            )
        ).one()
        motion.sequence = (highest or 0) + 1
        motion.number = f"{place.prefix(motion.type)}{motion.sequence}"
        try:
            with session.begin_nested():
                session.add(motion)
                session.flush()
            return
        except IntegrityError:
            continue
    raise DomainError(N_("Please try again: many motions arrived at the same time."))


def _check_open(place: CallPlace) -> None:
    if not place.motions_open():
        raise DomainError(N_("The deadline for motions has passed."))


# --- support ------------------------------------------------------------------------------


def toggle_support(
    motion: Motion, place: CallPlace, *, principal: Principal, session: Session
) -> bool:
    """Support the motion, or take the support back; True when the member now supports it."""
    now, enough = flip_support(motion, place, principal=principal, session=session)
    if enough:
        _move(motion, Status.SUBMITTED, None, N_("Enough supporters"), session=session)
    session.flush()
    return now


def flip_support(
    target: Motion | Amendment, place: CallPlace, *, principal: Principal, session: Session
) -> tuple[bool, bool]:
    """Add or take back the member's support of a motion or an amendment.

    Returns whether the member now supports it, and whether it is collecting and now has
    enough supporters to go on."""
    if not may(principal, Action.SUPPORT, place.chapter_scope):
        raise PermissionDenied(Action.SUPPORT.value)
    if target.status not in (Status.COLLECTING, Status.SUBMITTED):
        raise DomainError(N_("Support is collected only until screening."))
    if is_proposer(principal, people(Proposer, target, session=session)):
        raise DomainError(N_("Proposers cannot support what they proposed."))
    column = Support.amendment_id if isinstance(target, Amendment) else Support.motion_id
    existing = session.exec(
        select(Support).where(column == target.id, Support.member_id == principal.member_id)
    ).first()
    if existing:
        open_ = place.amendments_open() if isinstance(target, Amendment) else place.motions_open()
        if not open_:
            raise DomainError(N_("Support can be withdrawn only until the deadline."))
        session.delete(existing)
    else:
        support = Support(member_id=principal.member_id)
        if isinstance(target, Amendment):
            support.amendment_id = target.id
        else:
            support.motion_id = target.id
        session.add(support)
    session.flush()
    count = session.exec(select(func.count()).where(column == target.id)).one()
    enough = target.status == Status.COLLECTING and count >= target.supporters_required
    return existing is None, enough


def people(
    model: type[Proposer] | type[Support],
    target: Motion | Amendment,
    *,
    session: Session,
    confirmed: bool = True,
) -> list[Member]:
    """The proposers or supporters of a motion or an amendment (supporters in the order
    they came, proposers by name)."""
    column = Support.motion_id if model is Support else Proposer.motion_id
    if isinstance(target, Amendment):
        column = Support.amendment_id if model is Support else Proposer.amendment_id
    order = col(Support.created_at) if model is Support else col(Member.display_name)
    query = (
        select(Member)
        .join(model, col(model.member_id) == Member.id)
        .where(column == target.id)
        .order_by(order)
    )
    if model is Proposer:
        query = query.where(col(Proposer.confirmed).is_(confirmed))
    return list(session.exec(query).all())


def invited(target: Motion | Amendment, *, session: Session) -> list[Member]:
    """Co-proposers named by someone else who have not confirmed yet."""
    return people(Proposer, target, session=session, confirmed=False)


def answer_invitation(
    motion: Motion,
    target: Motion | Amendment,
    accept: bool,
    *,
    principal: Principal,
    session: Session,
) -> None:
    """The invited member confirms (and becomes a proposer) or declines (and is not named)."""
    column = Proposer.amendment_id if isinstance(target, Amendment) else Proposer.motion_id
    row = session.exec(
        select(Proposer).where(
            column == target.id,
            Proposer.member_id == principal.member_id,
            col(Proposer.confirmed).is_(False),
        )
    ).first()
    if row is None:
        raise DomainError(N_("There is no invitation to answer."))
    if accept:
        row.confirmed = True
        session.add(row)
        amendment = target if isinstance(target, Amendment) else None
        _record(
            motion,
            target.status,
            target.status,
            principal.member_id,
            note=N_("Joined as co-proposer"),
            amendment=amendment,
            session=session,
        )
    else:
        session.delete(row)
    session.flush()


def supporters_of(motion: Motion, *, session: Session) -> list[Member]:
    return people(Support, motion, session=session)


def proposers_of(motion: Motion, *, session: Session) -> list[Member]:
    return people(Proposer, motion, session=session)


# --- lifecycle ----------------------------------------------------------------------------


def allowed_steps(
    status: str, place: CallPlace, *, principal: Principal | None, proposer: bool
) -> list[str]:
    """The names of the steps this member may take now."""
    return [
        name
        for name, step in TRANSITIONS.items()
        if status in step.sources and _may_take(step, place, principal, proposer)
    ]


def _may_take(step: Step, place: CallPlace, principal: Principal | None, proposer: bool) -> bool:
    if not isinstance(step.who, Action):  # the proposers themselves
        return proposer
    scope = place.body_scope if step.who in (Action.DECIDE, Action.MERGE) else place.chapter_scope
    return may(principal, step.who, scope)


def may_step(name: str, place: CallPlace, principal: Principal | None) -> bool:
    """Whether the member may take the board's step ``name`` in this call at all."""
    step = TRANSITIONS.get(name)
    return step is not None and _may_take(step, place, principal, proposer=False)


def check_step(
    name: str, status: str, place: CallPlace, *, principal: Principal, proposer: bool
) -> Step:
    step = TRANSITIONS.get(name)
    if step is None:
        raise NotFound(N_("This step does not exist."))
    if not _may_take(step, place, principal, proposer):
        raise PermissionDenied(name)
    if status not in step.sources:
        raise DomainError(N_("This step is not possible in the current status."))
    return step


def check_seen(target: Motion | Amendment, data: TransitionInput) -> None:
    """Refuse a step taken on a page that is out of date: someone else moved it since."""
    if data.seen_version and data.seen_version != target.lock_version:
        raise DomainError(
            N_("Someone else has changed this in the meantime. Please look at it again.")
        )


def step_target(name: str, step: Step, data: TransitionInput) -> Status:
    """Where the step leads; for a decision, the outcome chosen; checks the input."""
    if name == "inadmissible" and not data.note:
        raise ValidationFailed({"note": N_("Please give the reason.")})
    if name == "recommend" and not data.recommendation:
        raise ValidationFailed({"recommendation": N_("Please choose a recommendation.")})
    if step.target is not None:
        return step.target
    if data.outcome not in {s.value for s in DECISIONS}:
        raise ValidationFailed({"outcome": N_("Please choose the decision.")})
    return Status(data.outcome)


def transition(
    motion: Motion,
    place: CallPlace,
    name: str,
    data: TransitionInput,
    *,
    principal: Principal,
    session: Session,
) -> Motion:
    proposer = is_proposer(principal, proposers_of(motion, session=session))
    step = check_step(name, motion.status, place, principal=principal, proposer=proposer)
    check_seen(motion, data)
    target = step_target(name, step, data)
    if name == "publish":
        add_version(motion, motion.text, place, actor=principal.member_id, session=session)
    if name == "recommend":
        record_recommendation(motion, data)
    if target in (Status.INADMISSIBLE, Status.WITHDRAWN):
        motion.status_note = data.note
    if target in DECISIONS:
        motion.decided_at = utcnow()
    if motion.modified_text and (
        target == Status.ADOPTED_MODIFIED or (target == Status.ADOPTED and motion.modified_accepted)
    ):
        note = N_("Modified text of the recommendation")
        text = _modified_on_current(motion, place, session=session)
        add_version(motion, text, place, actor=principal.member_id, session=session, note=note)
    _move(motion, target, principal.member_id, data.note, session=session)
    if target in (Status.ADOPTED, Status.ADOPTED_MODIFIED):
        resolutions.from_motion(motion, place.body, data, session=session)
    session.flush()
    return motion


def _modified_on_current(motion: Motion, place: CallPlace, *, session: Session) -> str:
    """The board's modified text, carried over amendments merged since it was written."""
    current = current_version(motion, session=session)
    if current is None or current.id == motion.modified_base_version_id:
        return motion.modified_text
    base = session.get(MotionVersion, motion.modified_base_version_id or 0)
    if base is None:
        return motion.modified_text
    merged = diff.merge3(base.text, current.text, motion.modified_text, place.call.line_length)
    if merged.text is None:
        message = N_("The text changed after the modified text was recommended. Recommend again.")
        raise ValidationFailed({"outcome": message})
    return merged.text


def record_recommendation(target: Motion | Amendment, data: TransitionInput) -> None:
    """The board's recommendation; "adopt modified" brings its own text."""
    target.recommendation = data.recommendation
    target.recommendation_note = data.note
    modified = data.recommendation == Recommendation.ADOPT_MODIFIED
    target.modified_text = lines.normalize(data.modified_text) if modified else ""
    target.modified_accepted = False
    if isinstance(target, Motion):
        target.modified_base_version_id = target.current_version_id


def accept_modified(
    motion: Motion,
    target: Motion | Amendment,
    proposers: Sequence[Member],
    *,
    expected_version: int,
    principal: Principal,
    session: Session,
) -> None:
    """The proposers take over the board's modified text (modifizierte Übernahme), as they
    saw it (``expected_version``)."""
    if not is_proposer(principal, proposers):
        raise PermissionDenied("accept_modified")
    if target.recommendation != Recommendation.ADOPT_MODIFIED or target.modified_accepted:
        raise DomainError(N_("There is no modified text to accept."))
    if target.status not in OPEN_FOR_DECISION:
        raise DomainError(N_("The modified text can only be accepted before the decision."))
    if expected_version != target.lock_version:
        raise DomainError(
            N_("The recommendation has changed in the meantime. Please read it again.")
        )
    target.modified_accepted = True
    session.add(target)
    amendment = target if isinstance(target, Amendment) else None
    note = N_("The proposers accepted the modified text.")
    _record(
        motion,
        target.status,
        target.status,
        principal.member_id,
        note=note,
        amendment=amendment,
        session=session,
    )
    session.flush()


def _move(
    motion: Motion, target: Status, actor: int | None, note: str, *, session: Session
) -> None:
    previous = motion.status
    if not advance(session, motion, target):
        raise DomainError(N_("Someone else has changed this motion in the meantime."))
    announce(session, "motion.status", motion_id=motion.id, status=str(target))
    _record(motion, previous, target, actor, note=note, session=session)
    tell_of_status(
        motion,
        (
            N_("Your motion %(number)s “%(title)s”: %(what_label)s"),
            N_("Motion %(number)s “%(title)s”, which you support: %(what_label)s"),
        ),
        f"/motions/{motion.id}",
        actor=actor,
        session=session,
        number=motion.number or "",
        title=motion.title,
        what_label=said(str(target), motion.recommendation or ""),
    )


def tell_of_status(
    target: Motion | Amendment,
    messages: tuple[str, str],
    url: str,
    *,
    actor: int | None,
    session: Session,
    **params: str,
) -> None:
    """A new status of a motion or an amendment: its proposers are told with the first
    message, its supporters (who are not proposers) with the second; not who moved it."""
    proposers = {m.id for m in people(Proposer, target, session=session) if m.id is not None}
    backers = {m.id for m in people(Support, target, session=session) if m.id is not None}
    for members, message in zip((proposers, backers - proposers), messages, strict=True):
        notify(sorted(members), message, url=url, exclude=actor, session=session, **params)


def _record(
    motion: Motion,
    previous: str,
    target: str,
    actor: int | None,
    *,
    session: Session,
    note: str = "",
    amendment: Amendment | None = None,
) -> None:
    session.add(
        StatusChange(
            motion_id=motion.id or 0,
            amendment_id=amendment.id if amendment else None,
            from_status=previous,
            to_status=target,
            note=note,
            actor_id=actor,
        )
    )


@dataclass(frozen=True)
class HistoryEntry:
    change: StatusChange
    actor: Member | None


def history(
    motion: Motion, *, session: Session, amendment: Amendment | None = None
) -> list[HistoryEntry]:
    query = (
        select(StatusChange, Member)
        .join(Member, col(Member.id) == StatusChange.actor_id, isouter=True)
        .where(StatusChange.motion_id == motion.id)
        .where(StatusChange.amendment_id == (amendment.id if amendment else None))
        .order_by(col(StatusChange.created_at), col(StatusChange.id))
    )
    return [HistoryEntry(change, actor) for change, actor in session.exec(query).all()]


# --- versions -----------------------------------------------------------------------------


def add_version(
    motion: Motion,
    text: str,
    place: CallPlace,
    *,
    actor: int | None,
    session: Session,
    note: str = "",
) -> MotionVersion:
    """Keep ``text`` as the motion's next version, with its line layout computed now."""
    number = 1 + (
        session.exec(
            select(func.max(MotionVersion.number)).where(MotionVersion.motion_id == motion.id)
        ).one()
        or 0
    )
    layout = lines.layout(text, place.call.line_length)
    version = MotionVersion(
        motion_id=motion.id or 0,
        number=number,
        text=lines.to_markdown(layout.blocks),
        layout=layout.to_json(),
        line_count=layout.line_count,
        note=note,
        created_by=actor,
    )
    session.add(version)
    session.flush()
    motion.current_version_id = version.id
    session.add(motion)
    return version


def versions_of(motion: Motion, *, session: Session) -> list[MotionVersion]:
    query = select(MotionVersion).where(MotionVersion.motion_id == motion.id)
    return list(session.exec(query.order_by(col(MotionVersion.number))).all())


def compare(older: MotionVersion, newer_text: str) -> list[diff.DiffBlock]:
    """``newer_text`` shown against ``older``: deletions and insertions inline."""
    return diff.inline_diff(version_layout(older), newer_text)


def versions_by_id(ids: set[int], *, session: Session) -> dict[int, MotionVersion]:
    if not ids:
        return {}
    rows = session.exec(select(MotionVersion).where(col(MotionVersion.id).in_(ids))).all()
    return {v.id or 0: v for v in rows}


def motion_layout(motion: Motion, place: CallPlace, *, session: Session) -> lines.Layout:
    """The numbered text: the stored layout once published, else laid out from the draft."""
    version = current_version(motion, session=session)
    if version is not None:
        return version_layout(version)
    return lines.layout(motion.text, place.call.line_length)


def current_version(motion: Motion, *, session: Session) -> MotionVersion | None:
    if motion.current_version_id is None:
        return None
    return session.get(MotionVersion, motion.current_version_id)


def version_layout(version: MotionVersion) -> lines.Layout:
    """The version's stored line layout, read from its JSON once per process."""
    return _layout_from_json(version.layout)


@lru_cache(maxsize=64)
def _layout_from_json(stored: str) -> lines.Layout:
    # Keyed by the stored JSON itself, so a different layout is never mistaken for a
    # cached one; a Layout is immutable, so requests may share it.
    return lines.Layout.from_json(stored)


# --- reading and visibility ---------------------------------------------------------------


@dataclass(frozen=True)
class MotionPlace:
    motion: Motion
    place: CallPlace


def motion_place(motion_id: int, *, session: Session) -> MotionPlace:
    motion = session.get(Motion, motion_id)
    if motion is None:
        raise NotFound(N_("This motion does not exist."))
    return MotionPlace(motion, call_place(motion.consultation_id, session=session))


_PUBLIC_TO_MEMBERS = frozenset(set(Status) - {Status.DRAFT, Status.SUBMITTED, Status.SCREENED})


def may_view(
    status: str, published: bool, place: CallPlace, principal: Principal | None, proposer: bool
) -> bool:
    """Drafts only for proposers; before publication also for the screening board;
    collecting supporters and published: for the members who may see the chapter's motions."""
    if proposer:
        return True
    if status == Status.DRAFT:
        return False
    if may(principal, Action.SCREEN, place.chapter_scope):
        return True
    visible = status in _PUBLIC_TO_MEMBERS and (status != Status.WITHDRAWN or published)
    if status == Status.INADMISSIBLE:
        visible = False
    return visible and may(principal, Action.VIEW_MOTIONS, place.chapter_scope)


@dataclass(frozen=True)
class Named:
    """Who is named on a motion or an amendment, seen by one member."""

    proposers: list[Member]
    invited: list[Member]
    proposer: bool  # the member is a (confirmed) proposer
    named: bool  # ... or at least invited


def names(target: Motion | Amendment, principal: Principal | None, *, session: Session) -> Named:
    proposers = people(Proposer, target, session=session)
    waiting = invited(target, session=session)
    proposer = is_proposer(principal, proposers)
    return Named(proposers, waiting, proposer, proposer or is_proposer(principal, waiting))


def sees_as_named(found: Named, place: CallPlace, principal: Principal | None) -> bool:
    """A proposer sees what they propose; an invited member only while they may read the
    chapter's motions: an invitation (even one made before invitations were limited to the
    chapter) opens no draft to a member of another chapter."""
    if found.proposer:
        return True
    return found.named and may(principal, Action.VIEW_MOTIONS, place.chapter_scope)


def supports(target: Motion | Amendment, member_id: int, *, session: Session) -> bool:
    column = Support.amendment_id if isinstance(target, Amendment) else Support.motion_id
    query = select(Support.id).where(column == target.id, Support.member_id == member_id)
    return session.exec(query).first() is not None


def supporter_sees(
    target: Motion | Amendment, place: CallPlace, principal: Principal | None, *, session: Session
) -> bool:
    """A supporter keeps what they supported: they read it while it is screened and
    follow its fate to the end (as long as they may read the chapter's motions)."""
    if principal is None or not may(principal, Action.VIEW_MOTIONS, place.chapter_scope):
        return False
    return supports(target, principal.member_id, session=session)


def viewer(
    motion: Motion, place: CallPlace, *, principal: Principal | None, session: Session
) -> Named:
    """Who is named on the motion; raises NotFound when the member may not see it."""
    found = names(motion, principal, session=session)
    published = motion.current_version_id is not None
    own = sees_as_named(found, place, principal) or supporter_sees(
        motion, place, principal, session=session
    )
    if not may_view(motion.status, published, place, principal, own):
        raise NotFound(N_("This motion does not exist."))
    return found


def require_view(
    motion: Motion, place: CallPlace, *, principal: Principal | None, session: Session
) -> bool:
    """Raises NotFound when the member may not see the motion; returns whether a proposer."""
    return viewer(motion, place, principal=principal, session=session).proposer


@dataclass(frozen=True)
class MotionRow:
    motion: Motion
    proposers: str
    amendments: int
    supporters: int


_WITHOUT_TEXT = defer(Motion.text)  # type: ignore[arg-type]


def motions_of_call(
    place: CallPlace, *, principal: Principal | None, session: Session, status: str = ""
) -> list[MotionRow]:
    """The call's motions this member may see, with counts, in three queries.

    The texts are not loaded (a list shows none; sorting them costs SQLite), and whether
    the member may see a motion is decided once per status, publication and proposer."""
    query = select(Motion).options(_WITHOUT_TEXT).where(Motion.consultation_id == place.call.id)
    if status:
        query = query.where(Motion.status == status)
    motions = list(session.exec(query.order_by(col(Motion.type), col(Motion.sequence))).all())
    ids = [m.id for m in motions if m.id is not None]
    names = _proposer_names(ids, session=session)
    mine = {mid for mid, members in names.items() if principal and principal.member_id in members}
    seen: dict[tuple[str, bool, bool], bool] = {}

    def shown(m: Motion) -> bool:
        key = (m.status, m.current_version_id is not None, m.id in mine)
        if key not in seen:
            seen[key] = may_view(*key[:2], place, principal, key[2])
        return seen[key]

    visible = [m for m in motions if shown(m)]
    amendments = _published_amendments([m.id for m in visible], session=session)
    supporters = _counts(Support.motion_id, [m.id for m in visible], session=session)
    return [
        MotionRow(
            m,
            ", ".join(filter(None, [m.group_name, *names.get(m.id or 0, {}).values()])),
            amendments.get(m.id or 0, 0),
            supporters.get(m.id or 0, 0),
        )
        for m in visible
    ]


def _proposer_names(ids: Sequence[int | None], *, session: Session) -> dict[int, dict[int, str]]:
    if not ids:
        return {}
    rows = session.exec(
        select(Proposer.motion_id, Member.id, Member.display_name)
        .join(Member, col(Member.id) == Proposer.member_id)
        .where(col(Proposer.motion_id).in_(ids), col(Proposer.confirmed).is_(True))
        .order_by(col(Member.display_name))
    ).all()
    found: dict[int, dict[int, str]] = {}
    for motion_id, member_id, name in rows:
        found.setdefault(motion_id or 0, {})[member_id or 0] = name
    return found


def _published_amendments(ids: Sequence[int | None], *, session: Session) -> dict[int, int]:
    """How many amendments of each motion are published (what every reader can see)."""
    if not ids:
        return {}
    rows = session.exec(
        select(Amendment.motion_id, func.count())
        .where(col(Amendment.motion_id).in_(ids), col(Amendment.published_at).is_not(None))
        .group_by(col(Amendment.motion_id))
    ).all()
    return dict(rows)


def _counts(column: object, ids: Sequence[int | None], *, session: Session) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.exec(
        select(column, func.count()).where(col(column).in_(ids)).group_by(column)  # type: ignore[call-overload]
    ).all()
    return dict(rows)


def my_drafts(place: CallPlace, *, principal: Principal | None, session: Session) -> list[Motion]:
    if principal is None:
        return []
    query = (
        select(Motion)
        .join(Proposer, col(Proposer.motion_id) == Motion.id)
        .where(Motion.consultation_id == place.call.id, Motion.status == Status.DRAFT)
        .where(Proposer.member_id == principal.member_id)
    )
    return list(session.exec(query.order_by(col(Motion.created_at))).all())


def member_data(member_id: int, *, session: Session) -> dict[str, Any]:
    """What the motions hold about a member, for the GDPR download."""

    def rows(model: type[Proposer] | type[Support]) -> list[dict[str, Any]]:
        query = (
            select(model, Motion, Amendment)
            .join(Motion, col(Motion.id) == model.motion_id, isouter=True)
            .join(Amendment, col(Amendment.id) == model.amendment_id, isouter=True)
            .where(model.member_id == member_id)
        )
        return [
            {
                "motion": motion.title if motion else None,
                "amendment": amendment.number if amendment else None,
                "status": (motion or amendment).status if (motion or amendment) else None,
            }
            for _row, motion, amendment in session.exec(query).all()
        ]

    return {"proposed": rows(Proposer), "supported": rows(Support)}


def delete_draft(motion: Motion, *, principal: Principal, session: Session) -> None:
    """A draft that was never submitted can be thrown away by its proposers."""
    from plenum.motions.models import Attachment

    if not is_proposer(principal, proposers_of(motion, session=session)):
        raise PermissionDenied("motion.delete")
    if motion.status != Status.DRAFT:
        raise DomainError(N_("Only drafts can be deleted; a submitted motion can be withdrawn."))
    for model in (Attachment, Proposer, StatusChange):
        for row in session.exec(select(model).where(model.motion_id == motion.id)).all():
            session.delete(row)
    session.flush()
    session.delete(motion)
    session.flush()
