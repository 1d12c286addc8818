"""Documents of agenda items: PDFs and images the chair or office staff attach to an item
(the report, the motion book, the map to the venue), for everyone who may see the meeting.

Files are checked as motion attachments are (``motions.attachments.checked``: by content,
never by the browser's claim; no PDF that acts by itself). A name is attached once per
item: the same file sent twice is attached once, another file of that name is refused.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from plenum.auth.permissions import Principal
from plenum.errors import N_, NotFound, ValidationFailed
from plenum.events import announce
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import AgendaDocument, AgendaItem
from plenum.motions import attachments

MAX_BYTES = attachments.MAX_BYTES
MAX_PER_ITEM = 10


def add(
    at: MeetingPlace,
    item: AgendaItem,
    filename: str,
    data: bytes,
    *,
    principal: Principal,
    session: Session,
) -> AgendaDocument:
    """Attach a file; the caller holds the meeting's lock (``meeting_place(lock=True)``),
    so the checks of name and number see every earlier upload."""
    name, kind = attachments.checked(filename, data)
    present = listed(item, session=session)
    same = next((doc for doc in present if doc.filename == name), None)
    if same is not None and same.data == data:
        return same  # the same form sent again: attached once
    if same is not None:
        raise ValidationFailed({"file": N_("A file of this name is already attached here.")})
    if len(present) >= MAX_PER_ITEM:
        raise ValidationFailed({"file": N_("An item can have at most 10 documents.")})
    document = AgendaDocument(
        item_id=item.id or 0,
        filename=name,
        content_type=kind,
        size=len(data),
        data=data,
        created_by=principal.member_id,
    )
    session.add(document)
    session.flush()
    announce(session, "meeting.agenda", meeting_id=at.meeting.id)
    return document


def remove(at: MeetingPlace, document: AgendaDocument, *, session: Session) -> None:
    session.delete(document)
    session.flush()
    announce(session, "meeting.agenda", meeting_id=at.meeting.id)


def get(at: MeetingPlace, document_id: int, *, session: Session) -> AgendaDocument:
    """A document of this meeting's agenda (its content read when first used);
    ``NotFound`` for any other."""
    lean = [defer(AgendaDocument.data)]  # type: ignore[arg-type]
    found = session.get(AgendaDocument, document_id, options=lean)
    item = session.get(AgendaItem, found.item_id) if found is not None else None
    if found is None or item is None or item.meeting_id != at.meeting.id:
        raise NotFound(N_("This document does not exist."))
    return found


def listed(item: AgendaItem, *, session: Session) -> list[AgendaDocument]:
    return documents_of([item], session=session).get(item.id or 0, [])


def documents_of(items: list[AgendaItem], *, session: Session) -> dict[int, list[AgendaDocument]]:
    """The items' documents without their contents, by item, in the order attached."""
    found: dict[int, list[AgendaDocument]] = defaultdict(list)
    if not items:
        return found
    query = (
        select(AgendaDocument)
        .options(defer(AgendaDocument.data))  # type: ignore[arg-type]
        .where(col(AgendaDocument.item_id).in_([item.id for item in items]))
        .order_by(col(AgendaDocument.created_at), col(AgendaDocument.id))
    )
    for document in session.exec(query):
        found[document.item_id].append(document)
    return found
