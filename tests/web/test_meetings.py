"""Meetings through HTTP: setting one up (with bad input kept beside the fields), finding
it, registering with needs, the organisers' needs overview, calendar files, the agenda,
and the live room's speakers' list by members, the desk and the chair."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from plenum.clock import utcnow
from plenum.meetings import agenda, forms
from plenum.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingRole,
    Registration,
    RegistrationNeeds,
    SpeakerRequest,
)
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting, meeting_form, place
from tests.support.web import english, enrol, log_in_as, page, post, text

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="710001"
    ),
    "vera": claims("vera", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="710002"),
    "mia": claims("mia", name="Mia Mitglied", number="710003"),
    "olga": claims("olga", name="Olga Online", number="710004"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="710005"),
    "dana": claims("dana", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="710006"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def conference(session, world, **fields):
    meeting = make_meeting(session, world.state, None, world.people["gina"], **fields)
    session.commit()
    return meeting


def running(session, world):
    """A conference under way: an item about a motion is current."""
    meeting = conference(session, world, starts=utcnow() + timedelta(hours=1))
    at = place(session, meeting)
    values = {"title": "Leitantrag", "kind": "motion"}
    item = agenda.add_item(at, agenda.parse_item(values, []), session=session)
    agenda.make_current(at, item, session=session)
    session.commit()
    return meeting, item


def test_office_staff_set_up_a_hybrid_conference_and_members_find_it(
    client, provider, session, world
):
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    form = meeting_form(title="Regionalkonferenz Ruhr")
    response = post(client, "/chapters/lv-nrw/meetings", form)
    assert response.status_code == 303, response.text
    meeting = session.exec(select(Meeting).where(Meeting.title == "Regionalkonferenz Ruhr")).one()
    assert (meeting.mode, meeting.childcare, meeting.step_free) == ("hybrid", True, True)
    assert meeting.starts_at.utcoffset() == timedelta(0)  # stored in UTC

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    listed = page(client.get("/meetings"))
    assert "Regionalkonferenz Ruhr" in [a.get_text() for a in listed.select(".meeting-list a")]
    filtered = page(client.get("/meetings?mode=online"))
    assert filtered.select(".meeting-list a") == []
    shown = page(client.get(f"/meetings/{meeting.id}"))
    assert shown.select_one("h1").get_text() == "Regionalkonferenz Ruhr"
    # the video link is for the registered, from 30 minutes before the start
    assert "video.example.org" not in str(shown)


def test_a_meeting_form_with_bad_input_keeps_what_was_typed_and_stores_nothing(
    client, provider, session, world
):
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    form = meeting_form(title="Basiskonferenz", video_url="javascript:alert(1)")
    form["ends_at"] = form["starts_at"]
    response = post(client, "/chapters/lv-nrw/meetings", form)
    assert response.status_code == 422
    shown = page(response)
    assert shown.select_one("#field-title")["value"] == "Basiskonferenz"
    assert "end must be after" in text(shown.select_one("#ends_at-error"))
    assert shown.select_one("#video_url-error") is not None
    assert session.exec(select(Meeting)).all() == []


def test_members_outside_the_audience_and_plain_members_are_kept_out(
    client, provider, session, world
):
    meeting = conference(session, world)
    log_in_as(client, provider, "sam", PEOPLE["sam"])  # another state
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/live").status_code == 404
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    assert client.get(f"/meetings/{meeting.id}/needs").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert post(client, f"/meetings/{meeting.id}/cancel").status_code == 403
    assert post(client, f"/meetings/{meeting.id}/cancel", {"ask": "1"}).status_code == 403
    assert client.get("/chapters/lv-nrw/meetings/new").status_code == 403
    client.cookies.clear()
    assert client.get(f"/meetings/{meeting.id}").status_code in (302, 303, 307)


def test_a_member_registers_with_childcare_and_the_organisers_see_counts_first(
    client, provider, session, world
):
    meeting = conference(session, world)
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    form = {"channel": "hall", "children": "2", "children_ages": "3, 7", "note": "vegan"}
    response = post(client, f"/meetings/{meeting.id}/register", form)
    assert response.status_code == 303, response.text
    mine = session.exec(select(Registration)).one()
    assert (mine.status, mine.channel) == ("registered", "hall")
    shown = page(client.get(f"/meetings/{meeting.id}"))
    assert shown.select_one(".check-in .code").get_text(strip=True) == mine.check_in_code
    assert shown.select_one(".qr svg") is not None

    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    overview = page(client.get(f"/meetings/{meeting.id}/needs"))
    assert "2 children, 3–7 years" in text(overview.select_one(".needs-overview"))
    assert "vegan" not in str(overview)  # the single answers only on request
    detail = page(client.get(f"/meetings/{meeting.id}/needs?show=all"))
    assert "vegan" in text(detail.select_one("table"))


def test_bad_registration_input_is_refused_beside_the_field_and_changes_nothing(
    client, provider, session, world
):
    meeting = conference(session, world)
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    response = post(
        client, f"/meetings/{meeting.id}/register", {"channel": "moon", "children": "2"}
    )
    assert response.status_code == 422
    shown = page(response)
    assert shown.select_one("#channel-error") is not None
    assert shown.select_one("#children_ages-error") is not None
    assert shown.select_one("#field-children")["value"] == "2"
    assert session.exec(select(Registration)).all() == []
    assert session.exec(select(RegistrationNeeds)).all() == []


def test_every_meeting_has_an_ics_file_without_the_video_link(client, provider, session, world):
    meeting = conference(session, world)
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    response = client.get(f"/meetings/{meeting.id}/meeting.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    assert str(event["SUMMARY"]) == meeting.title
    assert event.decoded("DTSTART") == meeting.starts_at.replace(second=0, microsecond=0)
    assert b"video.example.org" not in response.content


def test_the_private_calendar_feed_shows_registered_meetings_and_can_be_revoked(
    client, provider, session, world
):
    meeting = conference(session, world)
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    post(client, f"/meetings/{meeting.id}/register", {"channel": "online"})
    assert post(client, "/meetings/calendar/renew").status_code == 303
    url = page(client.get("/meetings")).select_one(".feed-url code").get_text()
    path = url[url.index("/calendar/") :]
    client.cookies.clear()  # calendar apps send no cookies
    feed = client.get(path)
    assert feed.status_code == 200
    assert meeting.title in feed.text
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    post(client, "/meetings/calendar/renew")
    client.cookies.clear()
    assert client.get(path).status_code == 404


def test_the_chair_builds_and_moves_through_the_agenda(client, provider, session, world):
    meeting = conference(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    for title in ("Begrüßung", "Bericht", "Aussprache"):
        response = post(
            client, f"/meetings/{meeting.id}/agenda", {"title": title, "kind": "discussion"}
        )
        assert response.status_code == 303, response.text
    items = agenda.items_of(meeting.id, session=session)
    assert [item.position for item in items] == [1, 2, 3]
    post(client, f"/meetings/{meeting.id}/agenda/{items[2].id}/move", {"step": "up"})
    session.expire_all()
    assert [i.title for i in agenda.items_of(meeting.id, session=session)] == [
        "Begrüßung",
        "Aussprache",
        "Bericht",
    ]
    post(client, f"/meetings/{meeting.id}/agenda/{items[2].id}/current")
    session.expire_all()
    statuses = [i.status for i in agenda.items_of(meeting.id, session=session)]
    assert statuses == ["done", "current", "pending"]
    bad = post(client, f"/meetings/{meeting.id}/agenda", {"title": "", "kind": "x"})
    assert bad.status_code == 422
    assert len(agenda.items_of(meeting.id, session=session)) == 3
    shown = page(client.get(f"/meetings/{meeting.id}"))
    assert shown.select_one('[aria-current="step"] .item-title').get_text() == "Aussprache"


def test_the_speakers_list_follows_the_zipper_and_points_of_order_go_first(
    client, provider, session, world
):
    meeting, _item = running(session, world)
    asks = [
        ("mia", {"kind": "speech"}),
        ("olga", {"kind": "speech"}),
        ("dana", {"kind": "speech", "category": "woman"}),
    ]
    for who, form in asks:
        log_in_as(client, provider, who, PEOPLE[who])
        assert post(client, f"/meetings/{meeting.id}/live/speak", form).status_code == 303
    # asking twice is refused and stores nothing more
    again = post(client, f"/meetings/{meeting.id}/live/speak", {"kind": "speech"})
    assert again.status_code == 409
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    post(client, f"/meetings/{meeting.id}/live/speak", {"kind": "point_of_order"})

    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    room = page(client.get(f"/meetings/{meeting.id}/live"))
    order = [li.select_one(".speaker-name").get_text() for li in room.select("#region-speakers li")]
    assert order == ["Mia Mitglied", "Dana Delegiert", "Mia Mitglied", "Olga Online"]
    assert "point of order" in text(room.select_one(".chair-order li .reason"))
    # call out of order needs a reason
    olga = session.exec(
        select(SpeakerRequest).where(SpeakerRequest.member_id == world.people["olga"])
    ).one()
    refused = post(client, f"/meetings/{meeting.id}/live/call", {"request_id": str(olga.id)})
    assert refused.status_code == 409
    for _ in range(2):
        assert post(client, f"/meetings/{meeting.id}/live/call").status_code == 303
    called = session.exec(select(SpeakerRequest).where(SpeakerRequest.status == "called")).all()
    assert [(r.member_id, r.kind) for r in sorted(called, key=lambda r: r.called_at)] == [
        (world.people["mia"], "point_of_order"),
        (world.people["dana"], "speech"),
    ]
    assert (
        post(
            client, f"/meetings/{meeting.id}/live/time", {"action": "start", "seconds": "120"}
        ).status_code
        == 303
    )
    room = page(client.get(f"/meetings/{meeting.id}/live"))
    assert room.select_one(".timer")["data-running"] == "yes"


def test_the_desk_checks_in_by_code_and_enters_hall_requests(client, provider, session, world):
    meeting, _item = running(session, world)
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    post(client, f"/meetings/{meeting.id}/register", {"channel": "hall"})
    code = session.exec(select(Registration)).one().check_in_code
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    wrong = post(client, f"/meetings/{meeting.id}/desk/check-in", {"code": "NOPE"})
    assert wrong.status_code == 409
    done = post(client, f"/meetings/{meeting.id}/desk/check-in", {"code": code.lower()})
    assert done.status_code == 303
    desk = page(client.get(f"/meetings/{meeting.id}/desk"))
    assert "1 in the hall" in text(desk)
    response = post(
        client,
        f"/meetings/{meeting.id}/desk/request",
        {"member_id": str(world.people["mia"]), "kind": "speech", "category": "woman"},
    )
    assert response.status_code == 303
    row = session.exec(select(SpeakerRequest)).one()
    assert (row.channel, row.category, row.entered_by) == ("hall", "woman", world.people["gina"])


def test_member_text_in_the_live_room_never_becomes_markup(client, provider, session, world):
    meeting, _item = running(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    post(client, f"/meetings/{meeting.id}/live/announce", {"announcement": "<script>x()</script>"})
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    post(
        client,
        f"/meetings/{meeting.id}/live/speak",
        {"kind": "question", "text": "<img src=x onerror=alert(1)>"},
    )
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    html = client.get(f"/meetings/{meeting.id}/live").text
    assert "<script>x()" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_forms_module_offers_both_channels_only_for_hybrid_meetings():
    assert forms.channels_of("hybrid") == ("hall", "online")
    assert forms.channels_of("online") == ("online",)
    assert forms.channels_of("in_person") == ("hall",)


def test_agenda_items_are_numbered_without_gaps_after_removal(session, world):
    meeting = conference(session, world)
    at = place(session, meeting)
    made = [
        agenda.add_item(at, agenda.parse_item({"title": t, "kind": "other"}, []), session=session)
        for t in "ABC"
    ]
    agenda.remove_item(at, made[1], session=session)
    session.flush()
    rows = session.exec(select(AgendaItem).order_by(AgendaItem.position)).all()
    assert [(r.title, r.position) for r in rows] == [("A", 1), ("C", 2)]


def test_the_demo_has_a_conference_next_week_one_running_and_one_with_minutes(settings, session):
    from plenum import demo
    from plenum.meetings import demo as meetings_demo
    from plenum.meetings import live, registration
    from plenum.votes.models import Vote

    demo.load(demo.demo_settings(settings), session=session)
    by_title = {m.title: m for m in session.exec(select(Meeting)).all()}
    soon = place(session, by_title[meetings_demo.NEXT_WEEK])
    assert soon.meeting.mode == "hybrid"
    assert registration.needs_overview(soon, session=session).children == 2
    running = place(session, by_title[meetings_demo.RUNNING])
    room = live.room(running, session=session)
    assert room.current is not None
    assert len(room.waiting) == 2
    assert room.speaking is not None
    assert session.get(Vote, room.current.vote_id).status == "open"
    past = by_title[meetings_demo.PAST]
    assert past.minutes_published_at is not None
    assert past.attended_hall == 2


def test_a_question_sent_in_beforehand_waits_on_the_items_list_as_written(
    client, provider, session, world
):
    meeting = conference(session, world)
    at = place(session, meeting)
    item = agenda.add_item(
        at, agenda.parse_item({"title": "Aussprache", "kind": "discussion"}, []), session=session
    )
    session.commit()
    log_in_as(client, provider, "olga", PEOPLE["olga"])
    form = {"item_id": str(item.id), "text": "Wie finanzieren wir das?", "category": "woman"}
    assert post(client, f"/meetings/{meeting.id}/questions", form).status_code == 303
    empty = post(client, f"/meetings/{meeting.id}/questions", {"item_id": str(item.id)})
    assert empty.status_code == 303  # back to the page with a message; nothing stored
    row = session.exec(select(SpeakerRequest)).one()
    assert (row.kind, row.channel, row.category, row.item_id) == (
        "question",
        "written",
        "woman",
        item.id,
    )
    log_in_as(client, provider, "sam", PEOPLE["sam"])
    assert post(client, f"/meetings/{meeting.id}/questions", form).status_code == 404


def test_organisers_give_a_member_the_desk_of_one_meeting(client, provider, session, world):
    meeting, _item = running(session, world)
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    assert client.get(f"/meetings/{meeting.id}/desk").status_code == 403
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    wrong = post(client, f"/meetings/{meeting.id}/roles", {"member_number": "999", "role": "desk"})
    assert wrong.status_code == 422
    assert page(wrong).select_one("#member_number-error") is not None
    given = post(
        client, f"/meetings/{meeting.id}/roles", {"member_number": "710003", "role": "desk"}
    )
    assert given.status_code == 303
    again = post(
        client, f"/meetings/{meeting.id}/roles", {"member_number": "710003", "role": "desk"}
    )
    assert again.status_code == 303  # given once
    assert len(session.exec(select(MeetingRole)).all()) == 1
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    assert client.get(f"/meetings/{meeting.id}/desk").status_code == 200
    assert client.get(f"/meetings/{meeting.id}/needs").status_code == 403  # the desk sees no needs
