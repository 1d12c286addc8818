"""Demo motions: a call of the NRW state council with motions, amendments and a
resolution of the state board. All text is written for the demo."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from plenum.clock import utcnow
from plenum.motions import amendments, forms, resolutions, service
from plenum.motions.models import AmendmentNumbering, MotionType, Submitter
from plenum.orgs.models import Member
from plenum.orgs.service import body_by_key, principal_for

CALL_TITLE = "Landesrat NRW – Frühjahrssitzung"

MOTION_TEXT = """Der Landesrat möge beschließen:

Der Landesverband lädt alle Mitglieder bis zum Sommer zu vier Regionalkonferenzen ein.
Wer abends Kinder betreut, pflegt oder im Schichtdienst arbeitet, soll trotzdem mitreden
können. Deshalb werden alle Konferenzen auch online übertragen, und Fragen können vorab
schriftlich eingereicht werden.

## Was die Konferenzen leisten sollen

1. Die Mitglieder beraten über bis zu drei landespolitische Schwerpunkte.
2. Die Landesarbeitsgemeinschaften stellen ihre Arbeit vor.
   - Jede LAG erhält zehn Minuten Redezeit.
   - Fragen aus dem Online-Chat werden gleichberechtigt aufgerufen.
3. Die Ergebnisse werden protokolliert und allen Genoss*innen zugänglich gemacht.

Für Kinderbetreuung, barrierefreie Räume und Technik stellt der Landesverband bis zu
4.000 € bereit. Die Geschäftsstelle berichtet dem Landesrat in seiner nächsten Sitzung.
"""

AMENDMENTS = (
    (
        "delegiert",
        "Auch am Wochenende",
        "vier Regionalkonferenzen ein",
        "vier Regionalkonferenzen ein, davon zwei am Wochenende",
    ),
    ("mitglied", "Mehr Redezeit", "zehn Minuten Redezeit", "fünfzehn Minuten Redezeit"),
    (
        "lag",
        "Gebärdensprache",
        "barrierefreie Räume und Technik",
        "barrierefreie Räume, Gebärdensprachdolmetschung und Technik",
    ),
)


def _actor(login: str, *, session: Session) -> int:
    member_id = session.exec(select(Member.id).where(Member.subject == login)).one()
    return member_id or 0


def load(*, session: Session) -> None:
    """A call with a published motion, three amendments, a motion collecting support,
    and one resolution; does nothing when the call exists already."""
    council, _chapter = body_by_key("lv-nrw-council", session=session)
    if any(c.title == CALL_TITLE for c in service.calls_of(council, session=session)):
        return
    data = forms.CallInput(
        title=CALL_TITLE,
        description="Anträge an die Frühjahrssitzung des Landesrates.",
        motion_types=(MotionType.MOTION.value, MotionType.FINANCE.value),
        prefixes=("A", "B", "S", "F"),
        submitters=(Submitter.MEMBERS.value, Submitter.WORKING_GROUPS.value),
        supporters_required=1,
        line_length=80,
        amendment_numbering=AmendmentNumbering.SEQUENTIAL.value,
        motion_deadline=utcnow() + timedelta(days=21),
        amendment_deadline=utcnow() + timedelta(days=28),
    )
    call = service.create_call(council, data, actor=None, session=session)
    place = service.call_place(call.id or 0, session=session)
    _published_motion(place, session=session)
    _collecting_motion(place, session=session)
    _resolution(session=session)


def _published_motion(place: service.CallPlace, *, session: Session) -> None:
    lag = principal_for(_actor("lag", session=session), session=session)
    motion_data = forms.MotionInput(
        title="Regionalkonferenzen für alle – auch für Menschen mit wenig Zeit",
        type=MotionType.MOTION.value,
        group_name="LAG Digitale Beteiligung NRW",
        text=MOTION_TEXT,
        reasons="Viele Mitglieder können nicht an Abendterminen teilnehmen.",
        amount_cents=400_000,
        cost_centre="LV-2027-04",
        co_proposers=(),
    )
    motion = service.save_draft(place, motion_data, principal=lag, session=session)
    service.submit(motion, place, principal=lag, session=session)
    supporter = principal_for(_actor("mitglied", session=session), session=session)
    service.toggle_support(motion, place, principal=supporter, session=session)
    staff = principal_for(_actor("geschaeftsstelle", session=session), session=session)
    service.transition(
        motion, place, "publish", forms.TransitionInput(), principal=staff, session=session
    )
    at = service.MotionPlace(motion, place)
    for login, title, old, new in AMENDMENTS:
        member = principal_for(_actor(login, session=session), session=session)
        text = MOTION_TEXT.replace(old, new)
        change = forms.AmendmentInput(
            title=title, group_name="", text=text, reasons="", co_proposers=()
        )
        amendments.create_amendment(at, change, principal=member, session=session)


def _collecting_motion(place: service.CallPlace, *, session: Session) -> None:
    member = principal_for(_actor("delegiert", session=session), session=session)
    data = forms.MotionInput(
        title="Telefonaktion vor der Kommunalwahl",
        type=MotionType.MOTION.value,
        group_name="",
        text="Der Landesrat möge beschließen:\n\nDer Landesverband organisiert vor der "
        "Kommunalwahl eine Telefonaktion, bei der Ehrenamtliche Mitglieder anrufen und nach "
        "ihren Anliegen fragen.\n",
        reasons="",
        amount_cents=None,
        cost_centre="",
        co_proposers=(),
    )
    motion = service.save_draft(place, data, principal=member, session=session)
    service.submit(motion, place, principal=member, session=session)


def _resolution(*, session: Session) -> None:
    board, _chapter = body_by_key("lv-nrw-board", session=session)
    board.resolutions_public = True
    session.add(board)
    session.commit()
    text = (
        "Beschluss 2026/12\n\nMaterial für Infostände\n\n"
        "Beschluss des Landesvorstandes vom 3. März 2026\n\n"
        "Der Landesvorstand stellt den Kreisverbänden Material für Infostände bereit:\n\n"
        "- Plakate zu den landespolitischen Schwerpunkten\n"
        "- Flyer in einfacher Sprache\n\n"
        "Finanzielle Mittel/Kostenstelle: 1.500 €\n"
    )
    resolutions.import_text(board, text, session=session)
