"""Demo meetings of the NRW state chapter: a hybrid regional conference next week with
registrations and needs; one running now with an agenda, a speakers' list and an open
vote in the live room; and a past one with published minutes. All text is written for
the demo."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from plenum.clock import as_utc, utcnow
from plenum.meetings import (
    agenda,
    documents,
    forms,
    minutes,
    presence,
    registration,
    room_votes,
    service,
    speakers,
)
from plenum.meetings.access import MeetingPlace, place_of
from plenum.meetings.models import Meeting, MeetingRole
from plenum.orgs.models import Body, Chapter, Member
from plenum.orgs.service import body_by_key, chapter_by_key, principal_for
from plenum.times import local_input
from plenum.votes import forms as vote_forms
from plenum.votes import service as vote_service
from plenum.votes.models import Vote

NEXT_WEEK = "Regionalkonferenz Rheinland"
RUNNING = "Basiskonferenz Wohnen"
PAST = "Regionalkonferenz Ruhr"


def _member(login: str, *, session: Session) -> int:
    return session.exec(select(Member.id).where(Member.subject == login)).one() or 0


def _meeting(
    chapter: Chapter,
    staff: int,
    title: str,
    starts: datetime,
    *,
    session: Session,
    body: Body | None = None,
    **extra: str,
) -> MeetingPlace:
    values = {
        "title": title,
        "description": "Wir beraten gemeinsam – im Saal und online. Fragen können vorab "
        "eingereicht werden; Fragen aus dem Online-Chat werden gleichberechtigt aufgerufen.",
        "starts_at": local_input(starts),
        "ends_at": local_input(starts + timedelta(hours=4)),
        "mode": "hybrid",
        "audience": "chapter",
        "venue": "Bürgerzentrum Ehrenfeld",
        "address": "Venloer Str. 429, 50825 Köln",
        "step_free": "1",
        "accessible_toilet": "1",
        "quiet_room": "1",
        "childcare": "1",
        "childcare_ages": "1–12",
        "interpreters": "1",
        "video_url": "https://video.example.org/plenum-demo",
        "capacity_hall": "80",
        "speaker_rule": "zipper",
        **extra,
    }
    data = forms.parse_meeting(values, has_body=body is not None)
    meeting = service.create_meeting(chapter, body, data, actor=staff, session=session)
    return place_of(meeting, session=session)


def load(*, session: Session) -> None:
    """Does nothing when the demo meetings exist already."""
    if session.exec(select(Meeting).where(Meeting.title == NEXT_WEEK)).first() is not None:
        return
    state = chapter_by_key("lv-nrw", session=session)
    staff = _member("geschaeftsstelle", session=session)
    _next_week(state, staff, session=session)
    _running(state, staff, session=session)
    _past(state, staff, session=session)
    session.commit()


def _register(
    at: MeetingPlace,
    login: str,
    channel: str,
    *,
    session: Session,
    now: datetime | None = None,
    **needs: str,
) -> None:
    data = forms.parse_registration(
        {"channel": channel, **needs}, forms.channels_of(at.meeting.mode)
    )
    registration.register(at, _member(login, session=session), data, session=session, now=now)


def _next_week(state: Chapter, staff: int, *, session: Session) -> None:
    at = _meeting(state, staff, NEXT_WEEK, utcnow() + timedelta(days=7), session=session)
    _register(at, "mitglied", "hall", children="2", children_ages="3, 7", session=session)
    _register(at, "delegiert", "online", session=session)
    _register(
        at, "dortmund", "hall", accessibility="Rollstuhl", interpretation="DGS", session=session
    )
    for title, kind in (("Begrüßung", "other"), ("Leitantrag Wohnen", "discussion")):
        agenda.add_item(at, agenda.parse_item({"title": title, "kind": kind}, []), session=session)


def _running(state: Chapter, staff: int, *, session: Session) -> None:
    """A sitting of the state council, open to all NRW members as guests: the current
    item has a speakers' list and its vote is open in the live room. Its video room can
    be tried at once: the chair, an interpreter, and two members registered online."""
    council, _ = body_by_key("lv-nrw-council", session=session)
    at = _meeting(
        state,
        staff,
        RUNNING,
        utcnow() - timedelta(hours=1),
        session=session,
        body=council,
        audience="both",
    )
    chair = _member("vorsitz", session=session)
    session.add(MeetingRole(meeting_id=at.meeting.id or 0, member_id=chair, role="chair"))
    session.add(MeetingRole(meeting_id=at.meeting.id or 0, member_id=staff, role="desk"))
    interpreter = _member("moderation", session=session)
    session.add(
        MeetingRole(meeting_id=at.meeting.id or 0, member_id=interpreter, role="interpreter")
    )
    before = as_utc(at.meeting.starts_at) - timedelta(days=1)  # registration closes at the start
    for login in ("ersatz", "mitglied2"):  # in the video room at once (docs/meetings.md)
        _register(at, login, "online", session=session, now=before)
    vote = _vote(state, council, staff, session=session)
    agenda.add_item(
        at, agenda.parse_item({"title": "Begrüßung", "kind": "other"}, []), session=session
    )
    links = agenda.links_for(at, session=session)
    values = {
        "title": "Mietendeckel: Aussprache und Abstimmung",
        "kind": "vote",
        "link": f"vote:{vote.id}",
    }
    item = agenda.add_item(at, agenda.parse_item(values, links), session=session)
    agenda.add_item(
        at, agenda.parse_item({"title": "Verschiedenes", "kind": "other"}, []), session=session
    )
    agenda.make_current(at, item, session=session)
    principal = principal_for(staff, session=session)
    paper = one_page_pdf("Mietendeckel - Vorlage zur Abstimmung")
    documents.add(at, item, "Vorlage Mietendeckel.pdf", paper, principal=principal, session=session)
    for login in ("mitglied", "delegiert", "dortmund", "vorstand"):
        presence.check_in_member(at, _member(login, session=session), session=session)
    for login, category in (("vorstand", "open"), ("dortmund", "woman"), ("mitglied", "woman")):
        data = speakers.Ask(
            member_id=_member(login, session=session), category=category, channel="hall"
        )
        speakers.ask(at, item, data, session=session)
    speakers.call(at, item, None, session=session)
    room_votes.open_in_room(at, item, hall_analog=False, principal=principal, session=session)


def _vote(state: Chapter, council: Body, staff: int, *, session: Session) -> Vote:
    values = {
        **vote_forms.DEFAULTS,
        "title": "Mietendeckel für NRW",
        "question": "Der Landesrat fordert einen landesweiten Mietendeckel.",
    }
    data = vote_forms.parse_vote(values, vote_service.kinds_for(council))
    principal = principal_for(staff, session=session)
    return vote_service.create_vote(state, council, data, principal=principal, session=session)


def _past(state: Chapter, staff: int, *, session: Session) -> None:
    at = _meeting(state, staff, PAST, utcnow() - timedelta(days=14), session=session)
    for title, text in (
        (
            "Bericht des Landesvorstands",
            "Der Landesvorstand berichtet über die Kampagne **Wohnen**.",
        ),
        (
            "Aussprache",
            "Zwölf Beiträge, davon sieben von Frauen; drei Fragen kamen aus dem Online-Chat.",
        ),
    ):
        item = agenda.add_item(
            at, agenda.parse_item({"title": title, "kind": "report"}, []), session=session
        )
        minutes.write(at, item, text, session=session)
    for login in ("mitglied", "dortmund"):
        presence.check_in_member(at, _member(login, session=session), session=session)
    presence.seen_online(
        at.meeting.id or 0, [_member("delegiert", session=session)], session=session
    )
    minutes.publish(at, days=28, principal=principal_for(staff, session=session), session=session)


def one_page_pdf(line: str) -> bytes:
    """A PDF of one A4 page with one line of text (ASCII), built by hand for the demo."""
    text = line.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
