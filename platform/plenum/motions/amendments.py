"""What amendments do: writing, numbering, support, lifecycle, collisions and merging.

An amendment stores the whole amended text of the motion version it was written
against; its changes (``diff.changes``) are computed when it is saved, so lists and
pages only read them. Merging folds adopted amendments into a new motion version with
a three-way merge; an amendment whose change overlaps text that changed since is a
conflict for a person to resolve, never merged silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from plenum.auth.permissions import Action, PermissionDenied, Principal, may
from plenum.clock import utcnow
from plenum.db import advance, update_if
from plenum.discuss.follow import follow_proposal
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.motions import diff, lines, service
from plenum.motions.forms import AmendmentInput, TransitionInput
from plenum.motions.models import (
    DECISIONS,
    OPEN_FOR_DECISION,
    Amendment,
    AmendmentNumbering,
    Motion,
    MotionVersion,
    Proposer,
    Status,
    Support,
)
from plenum.motions.service import (
    CallPlace,
    InvitationQuota,
    MotionPlace,
    StaleEdit,
    _record,
    _replace_people,
    add_version,
    check_step,
    co_proposers_by_number,
    current_version,
    is_proposer,
    may_submit,
    may_view,
    motion_place,
    step_target,
)
from plenum.motions.wording import said
from plenum.notify.service import notify
from plenum.orgs.models import Member


@dataclass(frozen=True)
class AmendmentPlace:
    amendment: Amendment
    at: MotionPlace


def amendment_place(amendment_id: int, *, session: Session) -> AmendmentPlace:
    amendment = session.get(Amendment, amendment_id)
    if amendment is None:
        raise NotFound(N_("This amendment does not exist."))
    return AmendmentPlace(amendment, motion_place(amendment.motion_id, session=session))


def base_layout(version: MotionVersion) -> lines.Layout:
    return service.version_layout(version)


def _base(motion: Motion, *, session: Session) -> MotionVersion:
    version = current_version(motion, session=session)
    if version is None or motion.status not in OPEN_FOR_DECISION:
        raise DomainError(N_("Amendments can only be made to a published motion that is open."))
    return version


def check_open(at: MotionPlace, *, principal: Principal, session: Session) -> MotionVersion:
    """The version to amend, if this member may amend the motion now."""
    if not may_submit(principal, at.place, session=session):
        raise PermissionDenied(Action.SUBMIT_AS_MEMBER.value)
    if not at.place.amendments_open():
        raise DomainError(N_("The deadline for amendments has passed."))
    return _base(at.motion, session=session)


def _changes_of(version: MotionVersion, text: str) -> list[diff.Change]:
    found = diff.changes(base_layout(version), text)
    if not found:
        raise ValidationFailed({"text": N_("This amendment changes nothing in the motion.")})
    return found


def create_amendment(
    at: MotionPlace,
    data: AmendmentInput,
    *,
    principal: Principal,
    session: Session,
    quota: InvitationQuota | None = None,
) -> Amendment:
    version = check_open(at, principal=principal, session=session)
    service.check_group(data.group_name, principal, at.place, session=session)
    found = _changes_of(version, data.text)
    # checked before anything is written: the numbering below may already commit on SQLite
    named = co_proposers_by_number(data.co_proposers, at.place, session=session)
    service.charge_invitations(quota, len(named - {principal.member_id}))
    required = at.place.call.supporters_required
    service.refuse_repeat(Amendment, principal.member_id, data.key, session=session)
    amendment = Amendment(
        idempotency_key=data.key or None,
        motion_id=at.motion.id or 0,
        base_version_id=version.id or 0,
        number="",
        sequence=0,
        created_by=principal.member_id,
        supporters_required=required,
        status=Status.COLLECTING if required else Status.SUBMITTED,
        title="",
        text="",
        changes="[]",
    )
    _apply(amendment, data, found)
    _number(amendment, at, session=session)
    new = _replace_people(
        Proposer,
        "amendment_id",
        amendment.id,
        {principal.member_id, *named},
        owner=principal.member_id,
        session=session,
    )
    service.invite(new, amendment.title, f"/amendments/{amendment.id}", session=session)
    _record(
        at.motion, "", amendment.status, principal.member_id, amendment=amendment, session=session
    )
    follow_proposal(
        [principal.member_id], at.place.chapter.id or 0, amendment_id=amendment.id, session=session
    )
    session.flush()
    return amendment


def _apply(amendment: Amendment, data: AmendmentInput, found: Sequence[diff.Change]) -> None:
    amendment.title = data.title
    amendment.group_name = data.group_name
    amendment.text = lines.normalize(data.text)
    amendment.reasons = data.reasons
    amendment.changes = diff.changes_to_json(found)
    amendment.first_line = min(c.first_line for c in found)
    amendment.last_line = max(c.last_line for c in found)


def _number(amendment: Amendment, at: MotionPlace, *, session: Session) -> None:
    """ "A1-Ä3" (sequential) or "A1-012" (first changed line; "A1-012-2" when taken)."""
    by_line = at.place.call.amendment_numbering == AmendmentNumbering.BY_LINE
    for _attempt in range(5):
        highest = session.exec(
            select(func.max(Amendment.sequence)).where(Amendment.motion_id == at.motion.id)
        ).one()
        amendment.sequence = (highest or 0) + 1
        amendment.number = _free_number(amendment, at, by_line, session=session)
        try:
            with session.begin_nested():
                session.add(amendment)
                session.flush()
            return
        except IntegrityError:  # the number was taken, or this very form was saved
            key = amendment.idempotency_key or ""
            service.refuse_repeat(Amendment, amendment.created_by, key, session=session)
            continue
    raise DomainError(N_("Please try again: many amendments arrived at the same time."))


def _free_number(amendment: Amendment, at: MotionPlace, by_line: bool, *, session: Session) -> str:
    prefix = at.motion.number or f"#{at.motion.id}"
    if not by_line:
        return f"{prefix}-Ä{amendment.sequence}"
    base = f"{prefix}-{amendment.first_line:03d}"
    taken = set(
        session.exec(
            select(Amendment.number).where(
                Amendment.motion_id == at.motion.id, col(Amendment.number).startswith(base)
            )
        ).all()
    )
    number, suffix = base, 2
    while number in taken:
        number, suffix = f"{base}-{suffix}", suffix + 1
    return number


def _tell_motion_proposers(
    motion: Motion, amendment: Amendment, actor: int, *, session: Session
) -> None:
    recipients = session.exec(
        select(Proposer.member_id).where(Proposer.motion_id == motion.id)
    ).all()
    notify(
        recipients,
        N_("New amendment %(number)s to your motion “%(title)s”."),
        url=f"/amendments/{amendment.id}",
        exclude=actor,
        session=session,
        number=amendment.number,
        title=motion.title,
    )


def update_amendment(
    ap: AmendmentPlace,
    data: AmendmentInput,
    *,
    expected_version: int,
    principal: Principal,
    session: Session,
    quota: InvitationQuota | None = None,
) -> Amendment:
    amendment = ap.amendment
    if not is_proposer(principal, proposers_of(amendment, session=session)):
        raise PermissionDenied("amendment.edit")
    if amendment.status not in (Status.COLLECTING, Status.SUBMITTED):
        raise DomainError(N_("This amendment can no longer be changed."))
    if ap.at.motion.status not in OPEN_FOR_DECISION:
        raise DomainError(N_("The motion is no longer open for amendments."))
    if not ap.at.place.amendments_open():
        raise DomainError(N_("The deadline for amendments has passed."))
    service.check_group(data.group_name, principal, ap.at.place, session=session)
    if not update_if(
        session, amendment, {"lock_version": expected_version}, lock_version=expected_version + 1
    ):  # edited meanwhile, or the form was old
        session.refresh(amendment)
        raise StaleEdit(amendment_values(amendment, session=session))
    version = session.get(MotionVersion, amendment.base_version_id)
    if version is None:
        raise NotFound(N_("This motion does not exist."))
    _apply(amendment, data, _changes_of(version, data.text))
    named = co_proposers_by_number(data.co_proposers, ap.at.place, session=session)
    new = _replace_people(
        Proposer,
        "amendment_id",
        amendment.id,
        {amendment.created_by, *named},
        owner=amendment.created_by,
        session=session,
    )
    url = f"/amendments/{amendment.id}"
    service.invite(new, amendment.title, url, quota=quota, session=session)
    session.add(amendment)
    session.flush()
    return amendment


def amendment_values(amendment: Amendment, *, session: Session) -> dict[str, str]:
    proposers = [
        *proposers_of(amendment, session=session),
        *service.invited(amendment, session=session),
    ]
    return {
        "title": amendment.title,
        "group_name": amendment.group_name,
        "text": amendment.text,
        "reasons": amendment.reasons,
        "co_proposers": " ".join(
            m.member_number for m in proposers if m.id != amendment.created_by and m.member_number
        ),
        "lock_version": str(amendment.lock_version),
    }


def proposers_of(amendment: Amendment, *, session: Session) -> list[Member]:
    return service.people(Proposer, amendment, session=session)


def supporters_of(amendment: Amendment, *, session: Session) -> list[Member]:
    return service.people(Support, amendment, session=session)


def viewer(ap: AmendmentPlace, *, principal: Principal | None, session: Session) -> service.Named:
    """Who is named on the amendment; raises NotFound when the member may not see it."""
    found = service.names(ap.amendment, principal, session=session)
    published = ap.amendment.published_at is not None
    named = service.sees_as_named(found, ap.at.place, principal) or service.supporter_sees(
        ap.amendment, ap.at.place, principal, session=session
    )
    if not may_view(ap.amendment.status, published, ap.at.place, principal, named):
        raise NotFound(N_("This amendment does not exist."))
    return found


def require_view(ap: AmendmentPlace, *, principal: Principal | None, session: Session) -> bool:
    return viewer(ap, principal=principal, session=session).proposer


# --- support and lifecycle ----------------------------------------------------------------


def toggle_support(ap: AmendmentPlace, *, principal: Principal, session: Session) -> bool:
    now, enough = service.flip_support(
        ap.amendment, ap.at.place, principal=principal, session=session
    )
    if enough:
        _move(ap, Status.SUBMITTED, None, N_("Enough supporters"), session=session)
    session.flush()
    return now


def transition(
    ap: AmendmentPlace,
    name: str,
    data: TransitionInput,
    *,
    principal: Principal,
    session: Session,
) -> Amendment:
    amendment = ap.amendment
    proposer = is_proposer(principal, proposers_of(amendment, session=session))
    step = check_step(name, amendment.status, ap.at.place, principal=principal, proposer=proposer)
    service.check_seen(amendment, data)
    target = step_target(name, step, data)
    if name in ("publish", "recommend", "decide") and ap.at.motion.status not in OPEN_FOR_DECISION:
        raise DomainError(N_("The motion is no longer open for amendments."))
    if name == "publish":
        amendment.published_at = utcnow()
        _tell_motion_proposers(ap.at.motion, amendment, principal.member_id, session=session)
    if name == "recommend":
        service.record_recommendation(amendment, data)
    if target in (Status.INADMISSIBLE, Status.WITHDRAWN):
        amendment.status_note = data.note
    if target in DECISIONS:
        amendment.decided_at = utcnow()
    _move(ap, target, principal.member_id, data.note, session=session)
    session.flush()
    return amendment


def accept_modified(
    ap: AmendmentPlace, *, expected_version: int, principal: Principal, session: Session
) -> None:
    proposers = proposers_of(ap.amendment, session=session)
    service.accept_modified(
        ap.at.motion,
        ap.amendment,
        proposers,
        expected_version=expected_version,
        principal=principal,
        session=session,
    )


def _move(
    ap: AmendmentPlace, target: Status, actor: int | None, note: str, *, session: Session
) -> None:
    amendment = ap.amendment
    previous = amendment.status
    if not advance(session, amendment, target):
        raise DomainError(N_("Someone else has changed this amendment in the meantime."))
    announce(session, "amendment.status", amendment_id=amendment.id, status=str(target))
    _record(ap.at.motion, previous, target, actor, note=note, amendment=amendment, session=session)
    service.tell_of_status(
        amendment,
        (
            N_("Your amendment %(number)s: %(what_label)s"),
            N_("Amendment %(number)s, which you support: %(what_label)s"),
        ),
        f"/amendments/{amendment.id}",
        actor=actor,
        session=session,
        number=amendment.number,
        what_label=said(str(target), amendment.recommendation or ""),
    )


# --- lists and collisions -----------------------------------------------------------------


@dataclass(frozen=True)
class AmendmentRow:
    amendment: Amendment
    proposers: str
    collides_with: tuple[str, ...]  # numbers of colliding amendments
    instructions: tuple[diff.Instruction, ...]


UNDECIDED = frozenset(
    {Status.COLLECTING, Status.SUBMITTED, Status.SCREENED, Status.PUBLISHED, Status.RECOMMENDED}
)


_WITHOUT_TEXTS = (defer(Amendment.text), defer(Amendment.modified_text))  # type: ignore[arg-type]


def amendments_of(
    motion: Motion,
    place: CallPlace,
    *,
    principal: Principal | None,
    session: Session,
    undecided_only: bool = False,
) -> list[AmendmentRow]:
    """The motion's amendments this member may see, by first affected line, in two queries."""
    found = amendments_by_motion([motion], place, principal=principal, session=session)
    rows = found.get(motion.id or 0, [])
    return [r for r in rows if r.amendment.status in UNDECIDED] if undecided_only else rows


def amendments_by_motion(
    motions: Sequence[Motion],
    place: CallPlace,
    *,
    principal: Principal | None,
    session: Session,
) -> dict[int, list[AmendmentRow]]:
    """The visible amendments of several motions at once (for lists and exports).

    The amended texts (a whole motion each) are not loaded: the list needs only the
    stored changes, and sorting hundreds of whole texts costs SQLite more than the rest."""
    if not motions:
        return {}
    rows = session.exec(
        select(Amendment)
        .options(*_WITHOUT_TEXTS)
        .where(col(Amendment.motion_id).in_([m.id for m in motions]))
        .order_by(col(Amendment.first_line), col(Amendment.sequence))
    ).all()
    names = _names(rows, session=session)
    grouped: dict[int, list[Amendment]] = {}
    for a in rows:
        if _visible(a, place, principal, names):
            grouped.setdefault(a.motion_id, []).append(a)
    return {m.id or 0: _rows(m, grouped.get(m.id or 0, []), names) for m in motions}


def _rows(
    motion: Motion, visible: Sequence[Amendment], names: dict[int, dict[int, str]]
) -> list[AmendmentRow]:
    parsed = {a.id or 0: _read_changes(a.changes)[0] for a in visible}
    live = {
        a.id or 0: parsed[a.id or 0]
        for a in visible
        if a.merged_version_id is None
        and a.base_version_id == motion.current_version_id
        and a.status not in (Status.WITHDRAWN, Status.INADMISSIBLE, Status.REJECTED)
    }
    clashes = diff.collisions(live)
    numbers = {a.id or 0: a.number for a in visible}
    return [
        AmendmentRow(
            a,
            ", ".join(filter(None, [a.group_name, *names.get(a.id or 0, {}).values()])),
            tuple(sorted(numbers[i] for i in clashes.get(a.id or 0, set()))),
            _read_changes(a.changes)[1],
        )
        for a in visible
    ]


@lru_cache(maxsize=4096)
def _read_changes(stored: str) -> tuple[tuple[diff.Change, ...], tuple[diff.Instruction, ...]]:
    """Stored changes and their instructions, read once per process: both are immutable
    and follow from the JSON alone, so the JSON is the key."""
    found = tuple(diff.changes_from_json(stored))
    return found, tuple(diff.instructions(found))


def _visible(
    amendment: Amendment,
    place: CallPlace,
    principal: Principal | None,
    names: dict[int, dict[int, str]],
) -> bool:
    proposer = principal is not None and principal.member_id in names.get(amendment.id or 0, {})
    published = amendment.published_at is not None
    return may_view(amendment.status, published, place, principal, proposer)


def _names(rows: Sequence[Amendment], *, session: Session) -> dict[int, dict[int, str]]:
    ids = [a.id for a in rows]
    if not ids:
        return {}
    found: dict[int, dict[int, str]] = {}
    for amendment_id, member_id, name in session.exec(
        select(Proposer.amendment_id, Member.id, Member.display_name)
        .join(Member, col(Member.id) == Proposer.member_id)
        .where(col(Proposer.amendment_id).in_(ids), col(Proposer.confirmed).is_(True))
        .order_by(col(Member.display_name))
    ).all():
        found.setdefault(amendment_id or 0, {})[member_id or 0] = name
    return found


# --- merging ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeConflict:
    amendment: Amendment
    conflicts: tuple[diff.Conflict, ...]


@dataclass(frozen=True)
class MergePreview:
    text: str  # the current text with every amendment merged that merged cleanly
    merged: tuple[Amendment, ...]
    conflicts: tuple[MergeConflict, ...]
    current: MotionVersion


MERGEABLE_MOTIONS = frozenset(
    {Status.PUBLISHED, Status.RECOMMENDED, Status.ADOPTED, Status.ADOPTED_MODIFIED}
)


def mergeable(motion: Motion, *, session: Session) -> list[Amendment]:
    """Adopted amendments not yet merged, by first affected line; none while the motion
    itself is not published, or after it was rejected, referred, settled or withdrawn."""
    if motion.status not in MERGEABLE_MOTIONS:
        return []
    query = (
        select(Amendment)
        .where(Amendment.motion_id == motion.id, col(Amendment.merged_version_id).is_(None))
        .where(col(Amendment.status).in_([Status.ADOPTED, Status.ADOPTED_MODIFIED]))
        .order_by(col(Amendment.first_line), col(Amendment.sequence))
    )
    return list(session.exec(query).all())


def proposed_text(amendment: Amendment) -> str:
    """What the amendment asks for; the board's modified text when that was adopted."""
    modified = amendment.status == Status.ADOPTED_MODIFIED or amendment.modified_accepted
    return amendment.modified_text if modified and amendment.modified_text else amendment.text


def merge_preview(
    at: MotionPlace, amendment_ids: Sequence[int], *, session: Session
) -> MergePreview:
    current = current_version(at.motion, session=session)
    if current is None:
        raise DomainError(N_("This motion has no published text."))
    chosen = [a for a in mergeable(at.motion, session=session) if a.id in set(amendment_ids)]
    bases = service.versions_by_id({a.base_version_id for a in chosen}, session=session)
    text, merged, conflicts = current.text, [], []
    for amendment in chosen:
        base = bases[amendment.base_version_id].text
        result = diff.merge3(base, text, proposed_text(amendment), at.place.call.line_length)
        if result.text is None:
            conflicts.append(MergeConflict(amendment, result.conflicts))
        else:
            text = result.text
            merged.append(amendment)
    return MergePreview(text, tuple(merged), tuple(conflicts), current)


def merge_commit(
    at: MotionPlace,
    text: str,
    amendment_ids: Sequence[int],
    *,
    resolved_ids: Sequence[int] = (),
    expected_version_id: int,
    principal: Principal,
    session: Session,
) -> MotionVersion:
    """Keep ``text`` (checked by a person) as the new version and mark the amendments merged.

    An amendment that collides can only be marked merged when the person confirms that
    they worked it into the text by hand (``resolved_ids``): nothing is merged silently."""
    if not may(principal, Action.MERGE, at.place.body_scope):
        raise PermissionDenied(Action.MERGE.value)
    if at.motion.current_version_id != expected_version_id:
        raise DomainError(N_("Someone else has merged in the meantime. Please check again."))
    chosen = [a for a in mergeable(at.motion, session=session) if a.id in set(amendment_ids)]
    if not chosen:
        raise ValidationFailed({"amendments": N_("Please choose at least one amendment.")})
    if not text.strip():
        raise ValidationFailed({"text": N_("Please enter the text.")})
    preview = merge_preview(at, [a.id or 0 for a in chosen], session=session)
    if any(c.amendment.id not in set(resolved_ids) for c in preview.conflicts):
        raise ValidationFailed(
            {"resolved": N_("Confirm that you worked each colliding amendment in, or untick it.")}
        )
    note = ", ".join(a.number for a in chosen)
    version = add_version(
        at.motion, text, at.place, actor=principal.member_id, session=session, note=note
    )
    for amendment in chosen:
        amendment.merged_version_id = version.id
        session.add(amendment)
    from plenum.motions import resolutions

    resolutions.follow_version(at.motion, version, session=session)
    session.flush()
    return version
