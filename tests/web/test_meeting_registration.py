"""Registering for meetings, through the services as the routes call them.

- seats per channel: a full hall puts the next on the waiting list; a cancellation
  offers the seat to the one waiting longest, who confirms it within 24 hours, or it
  passes on to the next (each told in-app, and by e-mail as they chose);
- registering again after a cancellation, changing the channel (only into a free seat),
  the deadline and the start;
- needs: kept only while stated, deleted with a cancellation and 30 days after the
  meeting (also by ``plenum meetings-clock``, a real process), counted for organisers;
- the reminder the day before: once, with the check-in code or the meeting page, never
  the video link;
- the calendar file and the private feed, whose token can be renewed;
- twenty members at once for the last seat: exactly one gets it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import event
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.errors import DomainError
from plenum.mail.models import OutgoingMail
from plenum.mail.schedule import Clock
from plenum.meetings import registration as reg
from plenum.meetings.access import meeting_place
from plenum.meetings.calendar import (
    feed_ics,
    feed_token,
    meeting_ics,
    member_by_feed_token,
    renew_feed_token,
)
from plenum.meetings.forms import channels_of, parse_registration
from plenum.meetings.models import Meeting, Registration, RegistrationNeeds
from plenum.meetings.service import cancel_meeting
from plenum.notify.models import Notification
from plenum.orgs.models import Member
from plenum.times import LOCAL_TIME
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting, place, when
from tests.support.web import enrol

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="560001"),
    "ole": claims("ole", name="Ole Ortsverband", number="560002"),
    "ada": claims("ada", name="Ada Aktiv", number="560003"),
    "bea": claims("bea", name="Bea Basis", number="560004"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="560005"
    ),
}
VIDEO = "video.example.org"
CODE = re.compile(r"[A-HJ-NP-Z2-9]{10}")


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def meeting(session: Session, world: Any, **fields: Any) -> Meeting:
    """A meeting of the county (hall only unless told), made by office staff."""
    fields.setdefault("mode", "in_person")
    return make_meeting(session, world.county, None, world.people["gina"], **fields)


def form(at: Meeting, channel: str = "hall", **needs: str) -> Any:
    return parse_registration({"channel": channel, **needs}, channels_of(at.mode))


def register(
    session: Session, at: Meeting, member: int, channel: str = "hall", now=None, **needs: str
) -> Registration:
    locked = meeting_place(at.id or 0, session=session, lock=True)
    return reg.register(locked, member, form(at, channel, **needs), session=session, now=now)


def cancel(session: Session, at: Meeting, member: int, now=None) -> Registration:
    return reg.cancel(
        meeting_place(at.id or 0, session=session, lock=True), member, session=session, now=now
    )


def confirm(session: Session, at: Meeting, member: int, now=None) -> Registration:
    locked = meeting_place(at.id or 0, session=session, lock=True)
    return reg.confirm_offer(locked, member, session=session, now=now)


def status(session: Session, at: Meeting, member: int) -> tuple[str, str] | None:
    session.expire_all()
    row = reg.registration_of(at.id or 0, member, session=session)
    return None if row is None else (row.channel, row.status)


def refused(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.message


def notices(session: Session, member: int) -> list[tuple[str, dict[str, Any], str]]:
    query = (
        select(Notification).where(Notification.member_id == member).order_by(col(Notification.id))
    )
    return [(n.message, json.loads(n.params), n.url) for n in session.exec(query)]


def mails(session: Session, member: int) -> list[OutgoingMail]:
    query = (
        select(OutgoingMail).where(OutgoingMail.member_id == member).order_by(col(OutgoingMail.id))
    )
    return list(session.exec(query))


def immediate(session: Session, member: int) -> None:
    found = session.get(Member, member)
    found.delivery = "immediate"
    session.add(found)
    session.commit()


# --- seats and the waiting list ---------------------------------------------------------


def test_a_full_hall_makes_the_third_wait_and_a_cancel_offers_her_the_seat(session, world):
    mia, ole, ada = (world.people[n] for n in ("mia", "ole", "ada"))
    immediate(session, ada)
    hall = meeting(session, world, capacity_hall="2")

    assert register(session, hall, mia).status == "registered"
    assert register(session, hall, ole).status == "registered"
    waiting = register(session, hall, ada)
    assert (waiting.status, waiting.queued_at is not None) == ("waiting", True)
    seats = reg.counts(place(session, hall), session=session)
    assert list(seats) == ["hall"]
    assert (seats["hall"].registered, seats["hall"].waiting, seats["hall"].free) == (2, 1, 0)

    before = utcnow()
    cancel(session, hall, mia)

    assert status(session, hall, mia) == ("hall", "cancelled")
    offered = reg.registration_of(hall.id, ada, session=session)
    assert offered.status == "offered"
    assert before + reg.OFFER_TIME <= as_utc(offered.offered_until) <= utcnow() + reg.OFFER_TIME
    url = f"/meetings/{hall.id}"
    assert notices(session, ada) == [(reg.SEAT_OFFERED, {"title": hall.title}, url)]
    assert "%(title)s" in reg.SEAT_OFFERED  # filled in when shown, as every notice is
    (mail,) = mails(session, ada)  # she chose e-mail at once
    assert hall.title in mail.subject
    assert "{base_url}" + url in mail.body
    seats = reg.counts(place(session, hall), session=session)
    assert (seats["hall"].registered, seats["hall"].offered, seats["hall"].free) == (1, 1, 0)
    assert register(session, hall, world.people["bea"]).status == "waiting"  # held for Ada

    assert confirm(session, hall, ada).status == "registered"
    assert status(session, hall, ada) == ("hall", "registered")
    assert refused(confirm, session, hall, ada) == reg.NO_OFFER


def test_an_offer_not_confirmed_in_time_passes_to_the_next(session, world):
    mia, ole, ada = (world.people[n] for n in ("mia", "ole", "ada"))
    t0 = utcnow()
    hall = meeting(session, world, capacity_hall="1")
    register(session, hall, mia, now=t0)
    register(session, hall, ole, now=t0 + timedelta(minutes=1))
    register(session, hall, ada, now=t0 + timedelta(minutes=2))
    cancel(session, hall, mia, now=t0 + timedelta(hours=1))
    assert status(session, hall, ole) == ("hall", "offered")

    assert reg.pass_on_expired_offers(session=session, now=t0 + timedelta(hours=24)) == 0
    session.commit()
    later = t0 + timedelta(hours=26)
    assert reg.pass_on_expired_offers(session=session, now=later) == 1
    session.commit()

    assert status(session, hall, ole) == ("hall", "cancelled")
    assert [message for message, _, _ in notices(session, ole)] == [
        reg.SEAT_OFFERED,
        reg.OFFER_LAPSED,
    ]
    assert status(session, hall, ada) == ("hall", "offered")
    offered = reg.registration_of(hall.id, ada, session=session)
    assert as_utc(offered.offered_until) == later + reg.OFFER_TIME
    assert refused(confirm, session, hall, ole, now=later) == reg.NO_OFFER
    too_late = later + reg.OFFER_TIME + timedelta(seconds=1)
    assert refused(confirm, session, hall, ada, now=too_late) == reg.OFFER_EXPIRED
    assert confirm(session, hall, ada, now=later + timedelta(hours=2)).status == "registered"


def test_registering_again_after_a_cancel_reuses_the_registration(session, world):
    mia = world.people["mia"]
    hall = meeting(session, world)
    first = register(session, hall, mia)
    assert CODE.fullmatch(first.check_in_code)
    cancel(session, hall, mia)
    assert refused(cancel, session, hall, mia) == reg.NOT_REGISTERED

    again = register(session, hall, mia)

    assert (again.id, again.status, again.check_in_code) == (
        first.id,
        "registered",
        first.check_in_code,
    )
    assert len(session.exec(select(Registration)).all()) == 1


def test_a_change_of_channel_needs_a_free_seat_and_frees_the_old_one(session, world):
    mia, ole, ada = (world.people[n] for n in ("mia", "ole", "ada"))
    hybrid = meeting(session, world, mode="hybrid", capacity_hall="5", capacity_online="1")
    register(session, hybrid, mia, "online")
    register(session, hybrid, ada, "online")
    register(session, hybrid, ole, "hall", children="1", children_ages="4")
    assert status(session, hybrid, ada) == ("online", "waiting")

    assert refused(register, session, hybrid, ole, "online") == reg.CHANNEL_FULL
    assert status(session, hybrid, ole) == ("hall", "registered")  # kept the seat
    assert reg.needs_of(reg.registration_of(hybrid.id, ole, session=session).id, session=session)

    register(session, hybrid, mia, "hall")

    assert status(session, hybrid, mia) == ("hall", "registered")
    assert status(session, hybrid, ada) == ("online", "offered")  # the online seat is hers
    seats = reg.counts(place(session, hybrid), session=session)
    assert list(seats) == ["hall", "online"]
    assert (seats["hall"].registered, seats["hall"].free) == (2, 3)
    assert (seats["online"].registered, seats["online"].offered, seats["online"].waiting) == (
        0,
        1,
        0,
    )


def test_registration_closes_at_the_deadline_the_start_and_a_cancellation(session, world):
    mia, ole = world.people["mia"], world.people["ole"]
    start = utcnow() + timedelta(days=7)
    hall = meeting(
        session, world, starts=start, registration_deadline=when(start - timedelta(days=2))
    )
    begins = as_utc(hall.starts_at)
    register(session, hall, ole, now=begins - timedelta(days=3))

    assert (
        refused(register, session, hall, mia, now=begins - timedelta(days=1)) == reg.DEADLINE_PASSED
    )
    assert refused(register, session, hall, mia, now=begins) == reg.ALREADY_BEGUN
    assert (
        refused(cancel, session, hall, ole, now=begins + timedelta(minutes=5)) == reg.ALREADY_BEGUN
    )
    assert status(session, hall, mia) is None
    cancel_meeting(place(session, hall), session=session)
    assert (
        refused(register, session, hall, mia, now=begins - timedelta(days=3))
        == reg.MEETING_CANCELLED
    )


# --- needs ------------------------------------------------------------------------------


def test_needs_are_kept_only_while_stated_and_deleted_with_a_cancel(session, world):
    mia = world.people["mia"]
    hall = meeting(session, world)
    row = register(session, hall, mia, children="2", children_ages="3, 7", accessibility="Rampe")
    needs = reg.needs_of(row.id, session=session)
    assert (needs.children, needs.children_ages, needs.accessibility) == (2, "3, 7", "Rampe")

    register(session, hall, mia)  # cleared them
    assert reg.needs_of(row.id, session=session) is None
    assert status(session, hall, mia) == ("hall", "registered")

    register(session, hall, mia, note="Ich komme etwas später.")
    assert reg.needs_of(row.id, session=session).note == "Ich komme etwas später."
    cancel(session, hall, mia)
    session.expire_all()
    assert reg.needs_of(row.id, session=session) is None


def test_the_needs_overview_counts_what_organisers_arrange(session, world):
    people = world.people
    hybrid = meeting(session, world, mode="hybrid")
    register(
        session,
        hybrid,
        people["mia"],
        children="1",
        children_ages="2",
        accessibility="Rampe",
        interpretation="Gebärdensprache",
    )
    register(
        session,
        hybrid,
        people["ole"],
        "online",
        children="3",
        children_ages="4 und 9",
        interpretation=" gebärdensprache ",
    )
    register(session, hybrid, people["ada"], interpretation="Englisch", note="vegetarisch")
    register(session, hybrid, people["bea"], children="5", children_ages="1, 12")
    register(session, hybrid, people["gina"])
    cancel(session, hybrid, people["bea"])

    at = place(session, hybrid)
    overview = reg.needs_overview(at, session=session)

    assert f"{overview.children} children, ages {overview.ages}" == "4 children, ages 2–9"
    assert (overview.registrations, overview.accessibility, overview.notes) == (3, 1, 1)
    assert [(i.language, i.count) for i in overview.interpretation] == [
        ("Gebärdensprache", 2),
        ("Englisch", 1),
    ]
    rows = reg.needs_list(at, session=session)
    assert [(r.name, r.channel, r.children) for r in rows] == [
        ("Ada Aktiv", "hall", 0),
        ("Mia Mitglied", "hall", 1),
        ("Ole Ortsverband", "online", 3),
    ]
    assert reg.stated_ages("Kinderbetreuung: 4 Kinder, 2–9 Jahre") == [4, 2, 9]
    empty = reg.needs_overview(place(session, meeting(session, world)), session=session)
    assert (empty.registrations, empty.children, empty.ages, empty.interpretation) == (0, 0, "", ())


def needs_at(session: Session, world: Any, ended_days_ago: float, member: str = "mia") -> Meeting:
    """A meeting that ended ``ended_days_ago``, with the member's needs."""
    start = utcnow() - timedelta(days=ended_days_ago, hours=3)
    held = meeting(session, world, starts=start, title=f"Vor {ended_days_ago} Tagen")
    register(
        session,
        held,
        world.people[member],
        now=as_utc(held.starts_at) - timedelta(days=1),
        children="1",
        children_ages="5",
    )
    return held


def needs_count(session: Session, held: Meeting) -> int:
    query = (
        select(RegistrationNeeds)
        .join(Registration, col(Registration.id) == col(RegistrationNeeds.registration_id))
        .where(Registration.meeting_id == held.id)
    )
    return len(session.exec(query).all())


def test_needs_are_forgotten_30_days_after_the_meeting(session, world):
    old = needs_at(session, world, 31)
    also_old = needs_at(session, world, 45, "ole")
    recent = needs_at(session, world, 29)
    coming = meeting(session, world)
    register(session, coming, world.people["ada"], children="1", children_ages="3")

    assert reg.forget_needs(session=session) == 2
    session.commit()
    session.expire_all()

    assert [needs_count(session, m) for m in (old, also_old, recent, coming)] == [0, 0, 1, 1]
    forgotten = [
        session.get(Meeting, m.id).needs_forgotten_at is not None
        for m in (old, also_old, recent, coming)
    ]
    assert forgotten == [True, True, False, False]
    assert status(session, old, world.people["mia"]) == ("hall", "registered")  # only the needs go
    assert reg.forget_needs(session=session) == 0


def clock_env(settings) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        "PLENUM_ENV": "test",
        "PLENUM_DATABASE_URL": settings.database_url,
        "PLENUM_SECRET_KEY": settings.secret_key,
        "PLENUM_BASE_URL": settings.base_url,
        "PLENUM_OIDC_ISSUER": settings.oidc_issuer,
    }


def test_the_meetings_clock_command_does_all_three_as_a_process(session, world, settings):
    people = world.people
    old = needs_at(session, world, 40)
    recent = needs_at(session, world, 5, "ole")
    tomorrow = meeting(session, world, starts=utcnow() + timedelta(hours=12))
    register(session, tomorrow, people["ada"])
    t0 = utcnow() - timedelta(days=3)
    full = meeting(session, world, capacity_hall="1")
    register(session, full, people["mia"], now=t0)
    register(session, full, people["bea"], now=t0)
    cancel(session, full, people["mia"], now=t0 + timedelta(hours=1))  # Bea's offer lapsed
    session.commit()

    done = subprocess.run(
        [sys.executable, "-m", "plenum.cli", "meetings-clock"],
        env=clock_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "Seat offers passed on: 1. Reminders queued: 1. Needs deleted: 1. "
        "Session questionnaires counted: 0. Survey reminders: 0. Surveys counted: 0. "
        "Surveys with raw answers deleted: 0. Video rooms ended: 0. "
        "Counted out of video rooms (gone without a word): 0."
    )
    session.expire_all()
    assert (needs_count(session, old), needs_count(session, recent)) == (0, 1)
    assert status(session, full, people["bea"]) == ("hall", "cancelled")
    assert reg.registration_of(tomorrow.id, people["ada"], session=session).reminded
    assert len(mails(session, people["ada"])) == 1
    again = subprocess.run(
        [sys.executable, "-m", "plenum.cli", "meetings-clock"],
        env=clock_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (
        again.stdout.strip() == "Seat offers passed on: 0. Reminders queued: 0. Needs deleted: 0. "
        "Session questionnaires counted: 0. Survey reminders: 0. Surveys counted: 0. "
        "Surveys with raw answers deleted: 0. Video rooms ended: 0. "
        "Counted out of video rooms (gone without a word): 0."
    )


def test_the_clock_process_runs_the_chores_every_tick(session, world, settings):
    tomorrow = meeting(session, world, starts=utcnow() + timedelta(hours=20))
    register(session, tomorrow, world.people["mia"])
    clock = Clock(settings, hour=6)
    try:
        clock.tick()
    finally:
        clock.close()
    session.expire_all()
    assert reg.registration_of(tomorrow.id, world.people["mia"], session=session).reminded


# --- reminders --------------------------------------------------------------------------


def test_reminders_go_out_once_with_the_code_or_the_page_never_the_video_link(session, world):
    people = world.people
    hybrid = meeting(session, world, mode="hybrid", starts=utcnow() + timedelta(hours=12))
    later = meeting(session, world, starts=utcnow() + timedelta(days=3))
    hall = register(session, hybrid, people["mia"], "hall")
    register(session, hybrid, people["ole"], "online")
    register(session, hybrid, people["bea"], "online")
    register(session, later, people["ada"])
    cancelled = meeting(session, world, starts=utcnow() + timedelta(hours=6))
    register(session, cancelled, people["ada"])
    cancel_meeting(place(session, cancelled), session=session)
    bea = session.get(Member, people["bea"])
    bea.email = ""  # no address: the notice in Plenum only
    session.add(bea)
    session.commit()

    due = reg.due_reminders(session=session)
    assert sorted(row.member_id for row, _ in due) == sorted(
        [people["mia"], people["ole"], people["bea"]]
    )
    assert reg.send_reminders(session=session, base_url="http://testserver") == 3
    session.commit()

    local = as_utc(hybrid.starts_at).astimezone(LOCAL_TIME).strftime("%d.%m.%Y %H:%M")
    url = f"/meetings/{hybrid.id}"
    (in_hall,) = mails(session, people["mia"])
    assert hybrid.title in in_hall.subject
    assert local in in_hall.subject
    assert local in in_hall.body
    assert hall.check_in_code in in_hall.body
    assert "Bürgerhaus Kalk, Kalk-Mülheimer Str. 58, Köln" in in_hall.body
    (online,) = mails(session, people["ole"])
    assert "{base_url}" + url in online.body
    assert hall.check_in_code not in online.body
    for mail in (in_hall, online):
        assert VIDEO not in mail.body
        assert VIDEO not in mail.subject
    assert mails(session, people["bea"]) == []
    message, params, link = notices(session, people["bea"])[-1]
    assert (message, params, link) == (reg.REMINDER, {"title": hybrid.title, "when": local}, url)
    assert mails(session, people["ada"]) == []

    assert reg.due_reminders(session=session) == []
    assert reg.send_reminders(session=session, base_url="http://testserver") == 0
    assert len(session.exec(select(OutgoingMail)).all()) == 2


# --- the calendar -----------------------------------------------------------------------


def one_event(data: bytes) -> Any:
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    return event


def test_the_calendar_file_has_utc_times_and_never_the_video_link(session, world):
    hybrid = meeting(session, world, mode="hybrid")
    data = meeting_ics(hybrid, base_url="http://testserver/", chapter_name=world.county.name)
    assert hybrid.starts_at.utcoffset() != timedelta(0)  # as typed: party time (not UTC)

    event = one_event(data)
    assert event["DTSTART"].dt == as_utc(hybrid.starts_at)
    assert event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert event["DTEND"].dt == as_utc(hybrid.ends_at)
    assert re.search(rb"\nDTSTART:\d{8}T\d{6}Z\r\n", data)
    assert re.search(rb"\nDTEND:\d{8}T\d{6}Z\r\n", data)
    assert str(event["UID"]) == f"meeting-{hybrid.id}@plenum"
    assert str(event["SUMMARY"]) == hybrid.title
    assert str(event["URL"]) == f"http://testserver/meetings/{hybrid.id}"
    assert str(event["LOCATION"]) == "Bürgerhaus Kalk, Kalk-Mülheimer Str. 58, Köln"
    assert "Wir beraten den Leitantrag." in str(event["DESCRIPTION"])
    assert world.county.name in str(event["DESCRIPTION"])
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CONFIRMED", 1)
    assert VIDEO.encode() not in data

    cancel_meeting(place(session, hybrid), session=session)
    event = one_event(meeting_ics(hybrid, base_url="http://testserver", chapter_name="KV"))
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 2)
    online = meeting(session, world, mode="online")
    assert (
        str(one_event(meeting_ics(online, base_url="x", chapter_name="KV"))["LOCATION"]) == "Online"
    )


def test_the_feed_lists_the_members_meetings_and_a_new_token_revokes_the_old(session, world):
    mia, ole = world.people["mia"], world.people["ole"]
    token = feed_token(mia, session=session)
    assert feed_token(mia, session=session) == token
    assert member_by_feed_token(token, session=session) == mia
    assert feed_token(ole, session=session) != token

    renewed = renew_feed_token(mia, session=session)

    assert renewed != token
    assert member_by_feed_token(token, session=session) is None
    assert member_by_feed_token(renewed, session=session) == mia
    for bad in ("", "abc", renewed + "x", "' OR 1=1 --" + "a" * 32, renewed[:-1] + "/"):
        assert member_by_feed_token(bad, session=session) is None

    coming = meeting(session, world, mode="hybrid", title="Kommt")
    dropped = meeting(session, world, title="Abgemeldet")
    called_off = meeting(session, world, title="Abgesagt")
    full = meeting(session, world, title="Voll", capacity_hall="1")
    long_ago = needs_at(session, world, 40)
    for m in (coming, dropped, called_off):
        register(session, m, mia)
    cancel(session, dropped, mia)
    cancel_meeting(place(session, called_off), session=session)
    register(session, full, ole)
    register(session, full, mia)  # waits: not in her calendar

    events = Calendar.from_ical(feed_ics(mia, session=session, base_url="http://testserver")).walk(
        "VEVENT"
    )

    assert {str(e["SUMMARY"]): str(e["STATUS"]) for e in events} == {
        "Kommt": "CONFIRMED",
        "Abgesagt": "CANCELLED",
    }
    assert long_ago.id not in [int(str(e["UID"]).split("-")[1].split("@")[0]) for e in events]
    assert VIDEO.encode() not in feed_ics(mia, session=session, base_url="http://testserver")


# --- at the same moment -----------------------------------------------------------------


def slow_seat_count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """Widen the race: between counting the seats and taking one, every registration
    dawdles, so without the meeting's lock all twenty would count the same free seat."""
    if "count(" in statement.lower() and "registration.status in" in statement.lower():
        time.sleep(0.05)


def test_twenty_members_at_once_for_the_last_seat_one_gets_it(session, world, database):
    hall = meeting(session, world, capacity_hall="2")
    register(session, hall, world.people["gina"])
    members = [
        Member(
            issuer="https://idp.test",
            subject=f"racer-{i}",
            display_name=f"Racer {i:02d}",
            email=f"racer{i}@example.invalid",
        )
        for i in range(20)
    ]
    session.add_all(members)
    session.commit()
    ids = [m.id for m in members]
    barrier = threading.Barrier(len(ids))
    outcomes: dict[int, Any] = {}

    def one(member_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            with database.session() as own:
                database.prepare_to_write(own)
                at = meeting_place(hall.id, session=own, lock=True)
                data = parse_registration({"channel": "hall"}, ("hall",))
                outcomes[member_id] = reg.register(at, member_id, data, session=own).status
                own.commit()
        except Exception as exc:  # shows in the assertion below
            outcomes[member_id] = exc

    threads = [threading.Thread(target=one, args=(m,)) for m in ids]
    event.listen(database.engine, "after_cursor_execute", slow_seat_count)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
    finally:
        event.remove(database.engine, "after_cursor_execute", slow_seat_count)

    assert sorted(map(str, outcomes.values())) == ["registered"] + ["waiting"] * 19
    session.expire_all()
    stored = session.exec(
        select(Registration.status).where(col(Registration.member_id).in_(ids))
    ).all()
    assert sorted(stored) == ["registered"] + ["waiting"] * 19
    seats = reg.counts(place(session, hall), session=session)["hall"]
    assert (seats.registered, seats.waiting, seats.free) == (2, 19, 0)
    codes = session.exec(select(Registration.check_in_code)).all()
    assert len(set(codes)) == len(codes) == 21


def test_check_in_codes_avoid_letters_read_wrong(session):
    codes = {reg.new_check_in_code(session=session) for _ in range(200)}
    assert len(codes) == 200
    assert all(CODE.fullmatch(code) for code in codes)
    assert not set("".join(codes)) & set("0O1I")
