"""What resolutions do: numbering per body and year, creation from motions, import, lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from plenum.auth.permissions import Action, Principal, may
from plenum.clock import utcnow
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.motions.forms import ResolutionInput, TransitionInput
from plenum.motions.importer import parse_resolution
from plenum.motions.models import Motion, MotionVersion, Resolution, Status
from plenum.motions.wording import euro
from plenum.orgs import numbering
from plenum.orgs.models import Body, Chapter
from plenum.orgs.service import chapter_scope
from plenum.times import LOCAL_TIME

DEFAULT_OUTCOMES = {
    Status.ADOPTED: N_("adopted"),
    Status.ADOPTED_MODIFIED: N_("adopted with changes"),
}


def format_number(body: Body, year: int, sequence: int) -> str:
    return numbering.render(body.resolution_format, year, sequence)


def _next_sequence(body: Body, year: int, *, session: Session) -> int:
    highest = session.exec(
        select(func.max(Resolution.sequence)).where(
            Resolution.body_id == body.id, Resolution.year == year
        )
    ).one()
    return (highest or 0) + 1


def today() -> date:
    return utcnow().astimezone(LOCAL_TIME).date()


def from_motion(
    motion: Motion, body: Body, data: TransitionInput, *, session: Session
) -> Resolution:
    """The resolution an adopted motion becomes, with the next number of its body and year."""
    decided_on = data.decided_on or today()
    version = (
        session.get(MotionVersion, motion.current_version_id)
        if motion.current_version_id is not None
        else None
    )
    sequence = _next_sequence(body, decided_on.year, session=session)
    finances = euro(motion.amount_cents) if motion.amount_cents is not None else ""
    resolution = Resolution(
        body_id=body.id or 0,
        motion_id=motion.id,
        year=decided_on.year,
        sequence=sequence,
        number=format_number(body, decided_on.year, sequence),
        title=motion.title,
        decided_on=decided_on,
        outcome=data.outcome_text or DEFAULT_OUTCOMES.get(Status(motion.status), ""),
        text=version.text if version else motion.text,
        reasons=motion.reasons,
        finances=finances,
        amount_cents=motion.amount_cents,
        cost_centre=motion.cost_centre,
    )
    _insert_numbered(resolution, body, session=session)
    return resolution


def record(body: Body, title: str, text: str, outcome: str, *, session: Session) -> Resolution:
    """A resolution decided without a motion, e.g. a board's written decision."""
    decided_on = today()
    sequence = _next_sequence(body, decided_on.year, session=session)
    resolution = Resolution(
        body_id=body.id or 0,
        year=decided_on.year,
        sequence=sequence,
        number=format_number(body, decided_on.year, sequence),
        title=title,
        decided_on=decided_on,
        outcome=outcome[:300],
        text=text,
    )
    _insert_numbered(resolution, body, session=session)
    return resolution


def _insert_numbered(resolution: Resolution, body: Body, *, session: Session) -> None:
    """Insert with the next free number of the body and year; when another decision took
    that number at the same moment, take the next one."""
    for _attempt in range(5):
        try:
            with session.begin_nested():
                session.add(resolution)
                session.flush()
            return
        except IntegrityError:
            resolution.sequence = _next_sequence(body, resolution.year, session=session)
            resolution.number = format_number(body, resolution.year, resolution.sequence)
    raise DomainError(N_("Please try again: many decisions arrived at the same time."))


def follow_version(motion: Motion, version: MotionVersion, *, session: Session) -> None:
    """A merge after the decision gives the resolution its final text."""
    resolution = session.exec(select(Resolution).where(Resolution.motion_id == motion.id)).first()
    if resolution is not None:
        resolution.text = version.text
        session.add(resolution)


def import_text(body: Body, raw: str, *, session: Session) -> Resolution:
    """Store a resolution given as plain text (as published by the party)."""
    if not raw.strip():
        raise ValidationFailed({"document": N_("Please paste the text of the resolution.")})
    parsed = parse_resolution(raw)
    if not parsed.title or not parsed.text.strip():
        raise ValidationFailed(
            {"document": N_("No title and text could be found in this document.")}
        )
    decided_on = parsed.decided_on or today()
    year = parsed.year or decided_on.year
    sequence = parsed.sequence or _next_sequence(body, year, session=session)
    taken_message = N_("This body already has a resolution with this number.")
    taken = session.exec(
        select(Resolution.id).where(
            Resolution.body_id == body.id, Resolution.year == year, Resolution.sequence == sequence
        )
    ).first()
    if taken is not None:
        raise ValidationFailed({"document": taken_message})
    resolution = Resolution(
        body_id=body.id or 0,
        year=year,
        sequence=sequence,
        number=parsed.number or format_number(body, year, sequence),
        title=parsed.title[:300],
        decided_on=decided_on,
        outcome=parsed.outcome,
        text=parsed.text,
        reasons=parsed.reasons,
        finances=parsed.finances[:300],
        amount_cents=parsed.amount_cents,
        cost_centre=parsed.cost_centre[:100],
        responsible=parsed.responsible[:300],
        coordinated_with=parsed.coordinated_with[:500],
        attachments=parsed.attachments[:1000],
        notes=parsed.notes,
    )
    try:
        with session.begin_nested():
            session.add(resolution)
            session.flush()
    except IntegrityError:
        raise ValidationFailed({"document": taken_message}) from None
    session.flush()
    return resolution


def update(resolution: Resolution, data: ResolutionInput, *, session: Session) -> Resolution:
    for name in ("title", "topic", "outcome", "responsible", "coordinated_with", "attachments"):
        setattr(resolution, name, getattr(data, name))
    session.add(resolution)
    session.flush()
    return resolution


def may_read(body: Body, chapter: Chapter, principal: Principal | None) -> bool:
    return body.resolutions_public or may(principal, Action.VIEW_MOTIONS, chapter_scope(chapter))


@dataclass(frozen=True)
class Filters:
    years: list[int]
    topics: list[str]


def filters(body: Body, *, session: Session) -> Filters:
    years = session.exec(
        select(Resolution.year).where(Resolution.body_id == body.id).distinct()
    ).all()
    topics = session.exec(
        select(Resolution.topic)
        .where(Resolution.body_id == body.id, Resolution.topic != "")
        .distinct()
    ).all()
    return Filters(sorted(years, reverse=True), sorted(topics))


def resolutions_of(
    body: Body, *, session: Session, year: int | None = None, topic: str = ""
) -> list[Resolution]:
    query = select(Resolution).where(Resolution.body_id == body.id)
    if year:
        query = query.where(Resolution.year == year)
    if topic:
        query = query.where(Resolution.topic == topic)
    order = (col(Resolution.year).desc(), col(Resolution.sequence).desc())
    return list(session.exec(query.order_by(*order)).all())


def resolution_at(body: Body, year: int, sequence: int, *, session: Session) -> Resolution:
    found = session.exec(
        select(Resolution).where(
            Resolution.body_id == body.id, Resolution.year == year, Resolution.sequence == sequence
        )
    ).first()
    if found is None:
        raise NotFound(N_("This resolution does not exist."))
    return found


def resolution_of(motion: Motion, *, session: Session) -> Resolution | None:
    return session.exec(select(Resolution).where(Resolution.motion_id == motion.id)).first()
