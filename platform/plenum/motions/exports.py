"""Exports of a call: one motion as PDF, the motion book (Antragsbuch), and a CSV list."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from sqlmodel import Session

from plenum.auth.permissions import Principal
from plenum.errors import N_
from plenum.i18n import gettext
from plenum.motions import amendments, lines, pdf, service
from plenum.motions.models import Motion
from plenum.motions.wording import (
    RECOMMENDATION_LABELS,
    euro,
    instruction_text,
    label,
    status_label,
)
from plenum.text.plain import spreadsheet_cell

PDF_LABELS = {
    "proposers": N_("Proposers"),
    "body": N_("Body"),
    "status": N_("Status"),
    "reasons": N_("Reasons"),
    "finances": N_("Finances"),
    "amendments": N_("Amendments"),
    "contents": N_("Contents"),
    "page": N_("Page {page} of {pages}"),
    "line": N_("Line"),
}


def labels() -> dict[str, str]:
    return {key: gettext(message) for key, message in PDF_LABELS.items()}


def _pdf_motion(
    motion: Motion,
    place: service.CallPlace,
    layout: lines.Layout,
    proposers: str,
    rows: Sequence[amendments.AmendmentRow],
) -> pdf.PdfMotion:
    finances = euro(motion.amount_cents) if motion.amount_cents is not None else ""
    if motion.cost_centre:
        finances = " · ".join(filter(None, [finances, motion.cost_centre]))
    return pdf.PdfMotion(
        number=motion.number or "",
        title=motion.title,
        body=place.body.name,
        proposers=proposers,
        status=status_label(motion.status),
        layout=layout,
        reasons=motion.reasons,
        finances=finances,
        amendments=tuple(
            pdf.PdfAmendment(
                number=row.amendment.number,
                title=row.amendment.title,
                proposers=row.proposers,
                status=status_label(row.amendment.status),
                instructions=tuple(instruction_text(i) for i in row.instructions),
                reasons=row.amendment.reasons,
            )
            for row in rows
        ),
    )


def motion_pdf(at: service.MotionPlace, *, principal: Principal | None, session: Session) -> bytes:
    motion, place = at.motion, at.place
    names = [m.display_name for m in service.proposers_of(motion, session=session)]
    rows = amendments.amendments_of(motion, place, principal=principal, session=session)
    layout = service.motion_layout(motion, place, session=session)
    proposers = ", ".join(filter(None, [motion.group_name, *names]))
    return pdf.motion_pdf(_pdf_motion(motion, place, layout, proposers, rows), labels())


def book_pdf(place: service.CallPlace, *, principal: Principal | None, session: Session) -> bytes:
    """Every published motion of the call the member may see, with its amendments; the
    number of queries does not grow with the number of motions."""
    rows = [
        row
        for row in service.motions_of_call(place, principal=principal, session=session)
        if row.motion.current_version_id is not None
    ]
    versions = service.versions_by_id(
        {row.motion.current_version_id or 0 for row in rows}, session=session
    )
    found = amendments.amendments_by_motion(
        [row.motion for row in rows], place, principal=principal, session=session
    )
    motions = [
        _pdf_motion(
            row.motion,
            place,
            service.version_layout(versions[row.motion.current_version_id or 0]),
            row.proposers,
            found.get(row.motion.id or 0, []),
        )
        for row in rows
    ]
    return pdf.motion_book_pdf(place.call.title, place.body.name, motions, labels())


CSV_HEADER = (
    N_("Number"),
    N_("Kind"),
    N_("Title"),
    N_("Proposers"),
    N_("Status"),
    N_("Recommendation"),
    N_("First line"),
)


def call_csv(place: service.CallPlace, *, principal: Principal | None, session: Session) -> str:
    """Motions and their amendments, one row each, in the member's language."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([gettext(h) for h in CSV_HEADER])
    rows = service.motions_of_call(place, principal=principal, session=session)
    found = amendments.amendments_by_motion(
        [row.motion for row in rows], place, principal=principal, session=session
    )
    for row in rows:
        motion = row.motion
        writer.writerow(
            [
                motion.number or "",
                gettext("Motion"),
                spreadsheet_cell(motion.title),
                spreadsheet_cell(row.proposers),
                status_label(motion.status),
                label(RECOMMENDATION_LABELS, motion.recommendation),
                "",
            ]
        )
        for item in found.get(motion.id or 0, []):
            a = item.amendment
            writer.writerow(
                [
                    a.number,
                    gettext("Amendment"),
                    spreadsheet_cell(a.title),
                    spreadsheet_cell(item.proposers),
                    status_label(a.status),
                    label(RECOMMENDATION_LABELS, a.recommendation),
                    str(a.first_line),
                ]
            )
    return out.getvalue()
