"""A meeting's agenda: numbered items with planned times, linked to motions, calls and
votes; the chair reorders them and moves the current item during the meeting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import AgendaItem, ItemKind, ItemStatus
from plenum.motions.forms import parse_title
from plenum.motions.models import Consultation, Motion, Status
from plenum.parsing import form_number
from plenum.times import local_datetime
from plenum.votes.models import Vote, VoteKind

ITEM_FIELDS = ("title", "kind", "planned_at", "minutes_planned", "description", "link")
NO_SUCH_ITEM = N_("This agenda item does not exist.")


@dataclass(frozen=True)
class ItemInput:
    title: str
    kind: str
    planned_at: datetime | None
    minutes_planned: int | None
    description: str
    link: tuple[str, int] | None  # ("motion" | "call" | "vote", id)


def parse_item(values: dict[str, str], links: Sequence[Link]) -> ItemInput:
    errors: dict[str, str] = {}
    title = parse_title(values, errors)
    kind = values.get("kind", "")
    if kind not in tuple(ItemKind):
        errors["kind"] = N_("Please choose the kind of item.")
    planned = None
    if values.get("planned_at", "").strip():
        planned = local_datetime(values, "planned_at", errors)
    minutes = form_number(values, "minutes_planned", 1, 24 * 60, errors)
    description = values.get("description", "").replace("\r\n", "\n").strip()
    if len(description) > 20_000:
        errors["description"] = N_("This is too long.")
    link = _link(values.get("link", ""), links, errors)
    if errors:
        raise ValidationFailed(errors)
    return ItemInput(title, kind, planned, minutes, description, link)


def _link(raw: str, links: Sequence[Link], errors: dict[str, str]) -> tuple[str, int] | None:
    if not raw:
        return None
    found = next((link for link in links if link.value == raw), None)
    if found is None:
        errors["link"] = N_("Please choose one of the listed motions, calls or votes.")
        return None
    return found.kind, found.id


@dataclass(frozen=True)
class Link:
    """A motion, call or vote an item can be linked to, as the form offers it."""

    kind: str
    id: int
    label: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"


def links_for(at: MeetingPlace, *, session: Session) -> list[Link]:
    """What the meeting's items can link to: the body's calls and their submitted
    motions, and the body's (or chapter's) meeting votes not yet closed."""
    found: list[Link] = []
    if at.body is not None:
        calls = session.exec(
            select(Consultation)
            .where(Consultation.body_id == at.body.id)
            .order_by(col(Consultation.id).desc())
        ).all()
        found += [Link("call", c.id or 0, c.title) for c in calls]
        motions = session.exec(
            select(Motion)
            .where(
                col(Motion.consultation_id).in_([c.id for c in calls]),
                col(Motion.status) != Status.DRAFT,
            )
            .order_by(col(Motion.sequence), col(Motion.id))
            .limit(500)
        ).all()
        found += [Link("motion", m.id or 0, f"{m.number or ''} {m.title}".strip()) for m in motions]
    votes = session.exec(
        select(Vote)
        .where(
            Vote.chapter_id == at.chapter.id,
            Vote.body_id == (at.body.id if at.body else None),
            Vote.kind == VoteKind.MEETING,
            col(Vote.parent_id).is_(None),
        )
        .order_by(col(Vote.id).desc())
        .limit(200)
    ).all()
    return found + [Link("vote", v.id or 0, v.title) for v in votes]


def items_of(meeting_id: int, *, session: Session) -> list[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    return list(session.exec(query.order_by(col(AgendaItem.position), col(AgendaItem.id))))


def item_of(at: MeetingPlace, item_id: int, *, session: Session) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != at.meeting.id:
        raise NotFound(NO_SUCH_ITEM)
    return item


def add_item(at: MeetingPlace, data: ItemInput, *, session: Session) -> AgendaItem:
    last = session.exec(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == at.meeting.id)
    ).one()
    item = AgendaItem(meeting_id=at.meeting.id or 0, position=(last or 0) + 1, title=data.title)
    _apply(item, data)
    session.add(item)
    session.flush()
    _changed(at, session=session)
    return item


def update_item(at: MeetingPlace, item: AgendaItem, data: ItemInput, *, session: Session) -> None:
    _apply(item, data)
    session.add(item)
    _changed(at, session=session)


def _apply(item: AgendaItem, data: ItemInput) -> None:
    item.title, item.kind, item.description = data.title, data.kind, data.description
    item.planned_at, item.minutes_planned = data.planned_at, data.minutes_planned
    item.motion_id = item.call_id = item.vote_id = None
    if data.link is not None:
        kind, linked = data.link
        setattr(item, {"motion": "motion_id", "call": "call_id", "vote": "vote_id"}[kind], linked)


def move_item(at: MeetingPlace, item: AgendaItem, step: int, *, session: Session) -> None:
    """Swap the item with its neighbour above (step -1) or below (step 1); the numbers
    are written anew, 1..n, so they stay without gaps."""
    items = items_of(at.meeting.id or 0, session=session)
    index = next(i for i, it in enumerate(items) if it.id == item.id)
    other = index + step
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    _renumber(items, session=session)
    _changed(at, session=session)


def remove_item(at: MeetingPlace, item: AgendaItem, *, session: Session) -> None:
    if item.status != ItemStatus.PENDING:
        raise DomainError(N_("Only items not yet dealt with can be removed."))
    session.delete(item)
    session.flush()
    _renumber(items_of(at.meeting.id or 0, session=session), session=session)
    _changed(at, session=session)


def _renumber(items: Sequence[AgendaItem], *, session: Session) -> None:
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            session.add(item)
    session.flush()


def make_current(at: MeetingPlace, item: AgendaItem, *, session: Session) -> None:
    """Move the meeting to ``item``: the items before it are done, those after it wait."""
    items = items_of(at.meeting.id or 0, session=session)
    for other in items:
        status: str
        if other.position < item.position:
            status = ItemStatus.DONE
        elif other.id == item.id:
            status = ItemStatus.CURRENT
        else:
            status = other.status if other.status == ItemStatus.DONE else ItemStatus.PENDING
        if other.status != status:
            other.status = status
            session.add(other)
    at.meeting.current_item_id = item.id
    session.add(at.meeting)
    session.flush()
    _changed(at, session=session)


def finish(at: MeetingPlace, *, session: Session) -> None:
    """The last item is dealt with: nothing is current any more."""
    for item in items_of(at.meeting.id or 0, session=session):
        if item.status == ItemStatus.CURRENT:
            item.status = ItemStatus.DONE
            session.add(item)
    at.meeting.current_item_id = None
    session.add(at.meeting)
    session.flush()
    _changed(at, session=session)


def _changed(at: MeetingPlace, *, session: Session) -> None:
    announce(session, "meeting.agenda", meeting_id=at.meeting.id)
