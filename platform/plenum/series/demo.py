"""The demo series of the NRW state chapter: "Drei Forderungen für NRW", with three
regional conferences held, an online week that is over, an answer given on the phone,
and the synthesis under way (one demand merged from several places, one proposal split).
All text is written for the demo."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from plenum.clock import utcnow
from plenum.meetings import forms as meeting_forms
from plenum.meetings import service as meetings
from plenum.motions import forms as motion_forms
from plenum.motions import service as motions
from plenum.motions.models import AmendmentNumbering, MotionType, Submitter
from plenum.orgs.models import Chapter, Member
from plenum.orgs.service import body_by_key, chapter_by_key, principal_for
from plenum.series import decision, forms, service, synthesis
from plenum.series.access import SeriesPlace, allowed, series_place
from plenum.series.models import Demand, Proposal, Series, SeriesRole, SeriesSource
from plenum.times import local_input

TITLE = "Drei Forderungen für NRW"
CONFERENCES = (  # chapter, title, days ago, proposals (title, text, dots)
    (
        "kv-koeln",
        "Regionalkonferenz Köln/Bonn",
        20,
        (
            ("Gebührenfreie Kitas", "Kein Elternbeitrag mehr für Kitas, in ganz NRW.", 31),
            ("Mietendeckel", "Mieten in angespannten Lagen fünf Jahre einfrieren.", 24),
            ("Bus und Miete", "Ein Sozialticket für 9 Euro und mehr Sozialwohnungen.", 12),
        ),
    ),
    (
        "kv-dortmund",
        "Regionalkonferenz Westfalen",
        13,
        (
            ("Kitas ohne Gebühren", "Die Kita-Gebühren werden landesweit abgeschafft.", 27),
            ("Krankenhäuser erhalten", "Keine Klinik schließt ohne Ersatz in der Nähe.", 22),
        ),
    ),
    (
        "lv-nrw",
        "Regionalkonferenz Niederrhein (online am Abend)",
        6,
        (
            ("Mieten deckeln", "Ein Deckel für die Mieten, bis genug gebaut ist.", 15),
            ("Mehr Lehrkräfte", "Jede Schule bekommt die Stellen, die sie braucht.", 11),
        ),
    ),
)
ONLINE = (  # login, title, text
    ("mitglied", "Kita-Gebühren abschaffen", "Kitas müssen für alle Familien kostenlos sein."),
    ("dortmund", "Nahverkehr auf dem Land", "Jeder Ort bekommt mindestens stündlich einen Bus."),
    ("lag", "Schulessen kostenlos", "Ein warmes Mittagessen für jedes Kind, ohne Antrag."),
)


def _member(login: str, *, session: Session) -> int:
    return session.exec(select(Member.id).where(Member.subject == login)).one() or 0


def load(*, session: Session) -> None:
    """Does nothing when the demo series exists already."""
    if session.exec(select(Series).where(Series.title == TITLE)).first() is not None:
        return
    state = chapter_by_key("lv-nrw", session=session)
    staff = _member("geschaeftsstelle", session=session)
    data = forms.parse_series(
        {
            "title": TITLE,
            "question": "Welche bis zu drei landespolitischen Forderungen sollen wir 2027 "
            "gemeinsam vertreten?",
            "max_proposals": "3",
            **{
                name: local_input(utcnow() + timedelta(days=days))
                for name, days in zip(forms.PHASE_ENDS, (1, 14, 35, 60), strict=True)
            },
        }
    )
    series = service.create_series(state, data, actor=staff, session=session)
    for login, role in (
        ("vorsitz", "facilitator"),
        ("vorstand", "synthesis"),
        ("moderation", "caller"),
    ):
        session.add(
            SeriesRole(
                series_id=series.id or 0, member_id=_member(login, session=session), role=role
            )
        )
    session.flush()
    at = series_place(series.id or 0, session=session)
    _conferences(at, staff, session=session)
    _online_week(at, session=session)
    _phone(at, session=session)
    _synthesis(at, session=session)
    series.collecting_ends_at = utcnow() - timedelta(days=2)  # collecting is over
    session.add(series)
    _last_year(state, staff, session=session)
    session.commit()


def _conferences(at: SeriesPlace, staff: int, *, session: Session) -> None:
    facilitator = principal_for(_member("vorsitz", session=session), session=session)
    may_do = allowed(facilitator, at, session=session)
    for key, title, days, proposals in CONFERENCES:
        chapter = chapter_by_key(key, session=session)
        starts = utcnow() - timedelta(days=days)
        values = {
            "title": title,
            "description": "Regionalkonferenz der Reihe „Drei Forderungen für NRW“.",
            "starts_at": local_input(starts),
            "ends_at": local_input(starts + timedelta(hours=3)),
            "mode": "online" if "online" in title else "hybrid",
            "audience": "chapter",
            "venue": "" if "online" in title else "Gewerkschaftshaus",
            "video_url": "https://video.example.org/plenum-demo",
            "childcare": "1",
            "speaker_rule": "zipper",
        }
        data = meeting_forms.parse_meeting(values, has_body=False)
        meeting = meetings.create_meeting(chapter, None, data, actor=staff, session=session)
        source = service.add_source(
            at,
            forms.parse_source(
                {"kind": "meeting", "meeting_id": str(meeting.id), "weight_kind": "dots"}
            ),
            session=session,
        )
        service.record_attendance(
            at, source, (24 + days, 9), actor=facilitator.member_id, session=session
        )
        for name, text, dots in proposals:
            entered = forms.parse_proposal(
                {"title": name, "text": text, "weight": str(dots)}, weighed=True, phoned=False
            )
            service.add_proposal(
                at, source, entered, may_do, principal=facilitator, session=session
            )


def _window(at: SeriesPlace, kind: str, title: str, *, session: Session) -> SeriesSource:
    values = {
        "kind": kind,
        "title": title,
        "starts_at": local_input(utcnow() - timedelta(days=9)),
        "ends_at": local_input(utcnow() + timedelta(days=1)),
        "weight_kind": "dots",
    }
    return service.add_source(at, forms.parse_source(values), session=session)


def _close(source: SeriesSource, *, session: Session) -> None:
    source.ends_at = utcnow() - timedelta(days=2)
    session.add(source)
    session.flush()


def _online_week(at: SeriesPlace, *, session: Session) -> None:
    week = _window(at, "online_week", "Online-Woche", session=session)
    made: list[Proposal] = []
    for login, title, text in ONLINE:
        member = principal_for(_member(login, session=session), session=session)
        data = forms.parse_proposal({"title": title, "text": text}, weighed=False, phoned=False)
        made.append(
            service.add_proposal(
                at,
                week,
                data,
                allowed(member, at, session=session),
                principal=member,
                session=session,
            )
        )
    for login in ("vorstand", "delegiert", "ersatz", "vorsitz"):
        member = principal_for(_member(login, session=session), session=session)
        for proposal in made[: 2 if login == "ersatz" else 3]:
            if proposal.member_id != member.member_id:
                service.set_support(
                    at,
                    proposal,
                    True,
                    allowed(member, at, session=session),
                    principal=member,
                    session=session,
                )
    _close(week, session=session)


def _phone(at: SeriesPlace, *, session: Session) -> None:
    phone = _window(at, "phone", "Telefonaktion", session=session)
    caller = principal_for(_member("moderation", session=session), session=session)
    data = forms.parse_proposal(
        {
            "title": "Barrierefreie Bahnhöfe",
            "text": "Jeder Bahnhof in NRW bekommt einen Aufzug.",
            "member_number": "100007",
            "consent": "1",
        },
        weighed=False,
        phoned=True,
    )
    service.add_proposal(
        at, phone, data, allowed(caller, at, session=session), principal=caller, session=session
    )
    _close(phone, session=session)


def _synthesis(at: SeriesPlace, *, session: Session) -> None:
    group = principal_for(_member("vorstand", session=session), session=session)
    may_do = allowed(group, at, session=session)
    ids = {
        p.title: p.id or 0
        for p in session.exec(select(Proposal).where(Proposal.series_id == at.series.id))
    }
    kita = [ids["Gebührenfreie Kitas"], ids["Kitas ohne Gebühren"], ids["Kita-Gebühren abschaffen"]]
    synthesis.merge(
        at,
        kita,
        synthesis.DemandInput(
            "Gebührenfreie Kitas in ganz NRW",
            "Das Land übernimmt die Elternbeiträge für Kitas und Kindertagespflege.",
            "",
        ),
        None,
        "Drei Vorschläge aus zwei Konferenzen und der Online-Woche sagen dasselbe.",
        may_do,
        principal=group,
        session=session,
    )
    synthesis.split(
        at,
        ids["Bus und Miete"],
        [
            synthesis.DemandInput(
                "Sozialticket für 9 Euro", "Bus und Bahn für 9 Euro im Monat.", ""
            ),
            synthesis.DemandInput(
                "Mehr Sozialwohnungen", "Das Land baut selbst Sozialwohnungen.", ""
            ),
        ],
        "Der Vorschlag enthält zwei Forderungen.",
        may_do,
        principal=group,
        session=session,
    )


LAST_YEAR = "Drei Forderungen für NRW 2025"


def _last_year(state: Chapter, staff: int, *, session: Session) -> None:
    """Last year's series, finished: its demands went to the Landesrat as a motion, the
    Landesrat decided, and each demand shows its fate."""
    office = principal_for(staff, session=session)
    data = forms.parse_series(
        {
            "title": LAST_YEAR,
            "question": "Welche drei Forderungen tragen wir 2026 in den Landtagswahlkampf?",
            "max_proposals": "3",
            **{
                name: local_input(utcnow() + timedelta(days=days))
                for name, days in zip(forms.PHASE_ENDS, (1, 2, 3, 4), strict=True)
            },
        }
    )
    series = service.create_series(state, data, actor=staff, session=session)
    at = series_place(series.id or 0, session=session)
    may_do = allowed(office, at, session=session)
    week = _window(at, "online_week", "Online-Woche 2025", session=session)
    worded = (
        ("Pflege in öffentliche Hand", "Pflegeheime und Pflegedienste kommunal betreiben."),
        ("Wohnungen statt Leerstand", "Leerstand über ein Jahr wird beschlagnahmt und vermietet."),
        ("Freie Fahrt für Azubis", "Auszubildende fahren Bus und Bahn ohne Fahrschein."),
    )
    made = []
    for title, text in worded:
        entered = forms.parse_proposal({"title": title, "text": text}, weighed=False, phoned=False)
        made.append(
            service.add_proposal(at, week, entered, may_do, principal=office, session=session)
        )
    for proposal in made:
        synthesis.merge(
            at, [proposal.id or 0], synthesis.DemandInput(proposal.title, proposal.text, ""),
            None, "Steht für sich.", may_do, principal=office, session=session,
        )  # fmt: skip
    council, _chapter = body_by_key("lv-nrw-council", session=session)
    call = motions.create_call(
        council,
        motion_forms.CallInput(
            title="Landesrat NRW – Herbstsitzung 2025",
            description="Anträge an die Herbstsitzung 2025 des Landesrates.",
            motion_types=(MotionType.MOTION.value,),
            prefixes=("A", "B", "S", "F"),
            submitters=(Submitter.MEMBERS.value,),
            supporters_required=0,
            line_length=80,
            amendment_numbering=AmendmentNumbering.SEQUENTIAL.value,
            motion_deadline=utcnow() + timedelta(days=1),
            amendment_deadline=utcnow() + timedelta(days=2),
        ),
        actor=None,
        session=session,
    )
    motion = decision.draft_motion(at, call.id or 0, may_do, principal=office, session=session)
    place = motions.call_place(call.id or 0, session=session)
    motions.submit(motion, place, principal=office, session=session)
    for step, outcome in (("publish", ""), ("decide", "adopted_modified")):
        motions.transition(
            motion, place, step, motion_forms.TransitionInput(outcome=outcome),
            principal=office, session=session,
        )  # fmt: skip
    demands = session.exec(select(Demand).where(Demand.series_id == series.id)).all()
    fates = (
        ("adopted", "Der Landesrat hat die Forderung unverändert beschlossen."),
        ("adopted_changed", "Beschlossen für Städte über 100.000 Einwohner."),
        ("rejected", "Abgelehnt: Die Finanzierung ist noch nicht geklärt."),
    )
    for demand, (fate, reason) in zip(demands, fates, strict=True):
        decision.record_fate(at, demand.id or 0, fate, reason, may_do, session=session)
    year_ago = utcnow() - timedelta(days=365)  # then it all moves to last year
    for name, days in zip(forms.PHASE_ENDS, (0, 30, 60, 90), strict=True):
        setattr(series, name, year_ago + timedelta(days=days))
    week.starts_at, week.ends_at = year_ago - timedelta(days=7), year_ago
    call.motion_deadline = year_ago + timedelta(days=60)
    call.amendment_deadline = year_ago + timedelta(days=70)
    for changed in (series, week, call):
        session.add(changed)
    session.flush()
