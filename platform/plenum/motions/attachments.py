"""Attachments of motions: PDFs and images the proposers add, checked by their content.

A file is accepted when its content is a PDF, PNG or JPEG, its name ends in an extension
of that type, and (for a PDF) it holds none of the names that make a PDF act by itself:
scripts, actions on opening, launching programs, embedded files (``ACTIVE_PDF_NAMES``).
Those names are looked for in the file's bytes, with ``#xx`` escapes in names decoded, and
also inside every Flate-compressed stream (where object streams hide dictionaries).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterator

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
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}
# PDF names that run scripts, act on opening or on events, start programs, submit or
# import data, or carry files (ISO 32000: JavaScript actions, additional actions, ...).
ACTIVE_PDF_NAMES = frozenset(
    {
        b"JavaScript",
        b"JS",
        b"OpenAction",
        b"AA",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"SubmitForm",
        b"ImportData",
        b"XFA",
    }
)
# A name: a slash and regular characters (ISO 32000 7.3.5); "#xx" escapes a byte.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_INFLATED_MAX = 64 * 1024 * 1024  # all streams of one file together, when inflated
_CHUNK = 1024 * 1024
_EDITABLE = (Status.DRAFT, Status.COLLECTING, Status.SUBMITTED)


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def active_pdf(data: bytes) -> bool:
    """Whether the PDF names anything that acts by itself, or hides too much to tell."""
    try:
        return any(_names_active(part) for part in _pdf_parts(data))
    except _TooLarge:
        return True


def _names_active(data: bytes) -> bool:
    for match in _PDF_NAME.finditer(data):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), match[1])
        if name in ACTIVE_PDF_NAMES:
            return True
    return False


class _TooLarge(Exception):
    """The compressed streams inflate to more than we check."""


def _pdf_parts(data: bytes) -> Iterator[bytes]:
    """The file itself, then what each Flate stream inflates to (in overlapping chunks)."""
    yield data
    budget = _INFLATED_MAX
    for start in _PDF_STREAM.finditer(data):
        for chunk in _inflated(data, start.end()):
            budget -= len(chunk)
            if budget < 0:
                raise _TooLarge
            yield chunk


def _inflated(data: bytes, offset: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    pending = memoryview(data)[offset:]
    tail = b""
    while pending:
        try:
            chunk = inflater.decompress(pending, _CHUNK)
        except zlib.error:
            return  # not a Flate stream (or its end): its bytes were scanned as they are
        pending = memoryview(inflater.unconsumed_tail)
        if not chunk:
            return
        yield tail + chunk  # a name cut at a chunk's edge is whole in the next one
        tail = chunk[-64:]
        if inflater.eof:
            return


def safe_filename(name: str) -> str:
    """A plain file name: no path, no control characters, at most 200 characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return base.strip(" .")[:200] or "anhang"


def checked(filename: str, data: bytes) -> tuple[str, str]:
    """The file's safe name and its type, from its content; ``ValidationFailed`` on the
    field ``file`` when it is empty, too large, of another type, or a PDF that acts."""
    if not data:
        raise ValidationFailed({"file": N_("Please choose a file.")})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": N_("The file is larger than 10 MB.")})
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed({"file": N_("Only PDF, PNG and JPEG files can be attached.")})
    if not safe_filename(filename).lower().endswith(EXTENSIONS[kind]):
        raise ValidationFailed(
            {"file": N_("The file name must end in .pdf, .png or .jpg, as its content.")}
        )
    if kind == "application/pdf" and active_pdf(data):
        raise ValidationFailed(
            {"file": N_("PDF files with scripts, actions or embedded files cannot be attached.")}
        )
    return safe_filename(filename), kind


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
    filename, kind = checked(filename, data)
    if len(listed(motion, session=session)) >= MAX_PER_MOTION:
        raise ValidationFailed({"file": N_("A motion can have at most 10 attachments.")})
    attachment = Attachment(
        motion_id=motion.id or 0,
        filename=filename,
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
