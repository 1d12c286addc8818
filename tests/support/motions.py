"""Small factories for calls, motions and amendments, written through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from plenum.auth.permissions import Principal
from plenum.clock import utcnow
from plenum.motions import amendments, forms, service
from plenum.motions.models import Amendment, Consultation, Motion
from plenum.orgs.models import Body
from plenum.orgs.service import principal_for

MOTION_TEXT = """Der Landesrat möge beschließen:

Wir wollen, dass Genoss*innen in allen Kreisverbänden an Regionalkonferenzen teilnehmen
können, auch wenn sie abends Kinder betreuen oder im Schichtdienst arbeiten.

1. Jede Regionalkonferenz bietet eine Teilnahme per Video an.
2. Für Kinderbetreuung stellt der Landesverband bis zu 3.000 € bereit.
   - Die Kreisverbände melden ihren Bedarf bis zum 15.03.2027.
   - Die Geschäftsstelle berichtet dem Landesrat über die Nutzung.

Die Ergebnisse der Konferenzen werden allen Mitgliedern online zugänglich gemacht und
bei der nächsten Sitzung des Landesrates ausgewertet.
"""


def call_input(**overrides: Any) -> forms.CallInput:
    values: dict[str, Any] = {
        "title": "Landesrat im Frühjahr",
        "description": "",
        "motion_types": ("motion", "finance"),
        "prefixes": ("A", "B", "S", "F"),
        "submitters": ("members",),
        "supporters_required": 0,
        "line_length": 80,
        "amendment_numbering": "sequential",
        "motion_deadline": utcnow() + timedelta(days=14),
        "amendment_deadline": utcnow() + timedelta(days=21),
    }
    values.update(overrides)
    return forms.CallInput(**values)


def make_call(session: Session, body: Body, **overrides: Any) -> Consultation:
    return service.create_call(body, call_input(**overrides), actor=None, session=session)


def motion_input(**overrides: Any) -> forms.MotionInput:
    values: dict[str, Any] = {
        "title": "Teilhabe für Menschen mit wenig Zeit",
        "type": "motion",
        "group_name": "",
        "text": MOTION_TEXT,
        "reasons": "Viele Mitglieder können abends nicht.",
        "amount_cents": None,
        "cost_centre": "",
        "co_proposers": (),
    }
    values.update(overrides)
    return forms.MotionInput(**values)


def who(session: Session, member_id: int) -> Principal:
    return principal_for(member_id, session=session)


def submitted_motion(
    session: Session, call: Consultation, proposer_id: int, **overrides: Any
) -> Motion:
    place = service.call_place(call.id or 0, session=session)
    actor = who(session, proposer_id)
    motion = service.save_draft(place, motion_input(**overrides), principal=actor, session=session)
    return service.submit(motion, place, principal=actor, session=session)


def publish(session: Session, motion: Motion, staff_id: int) -> Motion:
    place = service.call_place(motion.consultation_id, session=session)
    return service.transition(
        motion,
        place,
        "publish",
        forms.TransitionInput(),
        principal=who(session, staff_id),
        session=session,
    )


def amend(
    session: Session, motion: Motion, member_id: int, text: str, title: str = "Änderung"
) -> Amendment:
    at = service.motion_place(motion.id or 0, session=session)
    data = forms.AmendmentInput(title=title, group_name="", text=text, reasons="", co_proposers=())
    return amendments.create_amendment(at, data, principal=who(session, member_id), session=session)


# The call form as office staff fill it in (override what a test needs).
CALL_FORM = {
    "title": "Landesparteitag Frühjahr",
    "description": "",
    "type_motion": "1",
    "prefix_motion": "A",
    "prefix_resolution_draft": "B",
    "prefix_statute": "S",
    "prefix_finance": "F",
    "submitter_members": "1",
    "supporters_required": "0",
    "line_length": "80",
    "amendment_numbering": "sequential",
    "motion_deadline": "2099-03-01T18:00",
    "amendment_deadline": "2099-03-15T18:00",
}
