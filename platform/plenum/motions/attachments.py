"""Attachments of motions: PDFs and images the proposers add, checked by their content."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied, Principal
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.motions.models import Attachment, Motion, Status
from plenum.motions.service import CallPlace, is_proposer, proposers_of

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_MOTION = 10
# What a file must start with to be accepted as its type; the browser's claim is not trusted.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
_EDITABLE = (Status.DRAFT, Status.COLLECTING, Status.SUBMITTED)


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def safe_filename(name: str) -> str:
    """A plain file name: no path, no control characters, at most 200 characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return base.strip(" .")[:200] or "anhang"


def add(
    motion: Motion,
    place: CallPlace,
    filename: str,
    data: bytes,
    *,
    principal: Principal,
    session: Session,
) -> Attachment:
    _check_proposer(motion, principal, session=session)
    if motion.status not in _EDITABLE or (
        motion.status != Status.DRAFT and not place.motions_open()
    ):
        raise DomainError(N_("Attachments can only be changed until the deadline."))
    if not data:
        raise ValidationFailed({"file": N_("Please choose a file.")})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": N_("The file is larger than 10 MB.")})
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed({"file": N_("Only PDF, PNG and JPEG files can be attached.")})
    if len(listed(motion, session=session)) >= MAX_PER_MOTION:
        raise ValidationFailed({"file": N_("A motion can have at most 10 attachments.")})
    attachment = Attachment(
        motion_id=motion.id or 0,
        filename=safe_filename(filename),
        content_type=kind,
        size=len(data),
        data=data,
        created_by=principal.member_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def remove(
    attachment: Attachment,
    motion: Motion,
    place: CallPlace,
    *,
    principal: Principal,
    session: Session,
) -> None:
    _check_proposer(motion, principal, session=session)
    if motion.status not in _EDITABLE or (
        motion.status != Status.DRAFT and not place.motions_open()
    ):
        raise DomainError(N_("Attachments can only be changed until the deadline."))
    session.delete(attachment)
    session.flush()


def _check_proposer(motion: Motion, principal: Principal, *, session: Session) -> None:
    if not is_proposer(principal, proposers_of(motion, session=session)):
        raise PermissionDenied("motion.attach")


def listed(motion: Motion, *, session: Session) -> list[Attachment]:
    """The motion's attachments, without their contents."""
    query = (
        select(Attachment)
        .options(defer(Attachment.data))  # type: ignore[arg-type]
        .where(Attachment.motion_id == motion.id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list(session.exec(query).all())


def get(attachment_id: int, *, session: Session) -> Attachment:
    found = session.get(Attachment, attachment_id)
    if found is None:
        raise NotFound(N_("This attachment does not exist."))
    return found
