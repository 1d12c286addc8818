"""Minutes and outcomes: written per item by the minute-taker, approved and published by
the chair with the attendance as counts (never names) and the fairness overview, then
commented on by members who were not there, for a set time only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from plenum.clock import utcnow
from plenum.discuss.models import Comment, Thread
from plenum.meetings import agenda, presence, speakers
from plenum.meetings.models import Meeting, MeetingRole
from plenum.motions import forms as motion_forms
from plenum.motions import resolutions
from plenum.motions import service as motions_service
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting, place
from tests.support.motions import make_call, publish, submitted_motion, who
from tests.support.web import english, enrol, log_in_as, page, post, text

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="740001"
    ),
    "mona": claims("mona", name="Mona Protokoll", number="740002"),
    "mia": claims("mia", name="Mia Mitglied", number="740003"),
    "olga": claims("olga", name="Olga Online", number="740004"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="740005"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def held(session, world):
    """A meeting that took place: two items, four speeches (timed), one point of order,
    two members in the hall and one online; Mona takes the minutes."""
    p = world.people
    meeting = make_meeting(session, world.state, None, p["gina"])
    at = place(session, meeting)
    session.add(MeetingRole(meeting_id=meeting.id, member_id=p["mona"], role="minutes"))
    items = [
        agenda.add_item(
            at, agenda.parse_item({"title": t, "kind": "discussion"}, []), session=session
        )
        for t in ("Bericht", "Aussprache")
    ]
    agenda.make_current(at, items[1], session=session)
    presence.check_in_member(at, p["mia"], session=session)
    presence.check_in_member(at, p["gina"], session=session)
    presence.seen_online(meeting.id, [p["olga"]], session=session)
    now = utcnow()
    asks = [
        speakers.Ask(member_id=p["mia"], category="woman", channel="hall"),
        speakers.Ask(member_id=p["olga"], channel="online"),
        speakers.Ask(member_id=p["gina"], kind="point_of_order", channel="hall"),
    ]
    for data in asks:
        speakers.ask(at, items[1], data, session=session)
    for minute in range(3):
        speakers.call(at, items[1], None, session=session, now=now + timedelta(minutes=minute))
        speakers.start_time(at, items[1], 180, session=session, now=now + timedelta(minutes=minute))
        speakers.stop_time(
            at, items[1], session=session, now=now + timedelta(minutes=minute, seconds=120)
        )
    session.commit()
    return meeting, items


def test_the_minute_taker_writes_and_the_chair_publishes_with_counts_not_names(
    client, provider, session, world
):
    meeting, items = held(session, world)
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    before = page(client.get(f"/meetings/{meeting.id}/minutes"))
    assert "not published yet" in text(before)
    refused = post(
        client, f"/meetings/{meeting.id}/minutes/{items[0].id}", {f"minutes-{items[0].id}": "x"}
    )
    assert refused.status_code == 403

    log_in_as(client, provider, "mona", PEOPLE["mona"])
    form = {f"minutes-{items[1].id}": "Die Aussprache war **lebhaft**. <script>x()</script>"}
    assert post(client, f"/meetings/{meeting.id}/minutes/{items[1].id}", form).status_code == 303
    assert (
        post(client, f"/meetings/{meeting.id}/minutes/publish", {"days": "14"}).status_code == 403
    )

    log_in_as(client, provider, "gina", PEOPLE["gina"])
    assert post(client, f"/meetings/{meeting.id}/minutes/publish", {"days": "5"}).status_code == 422
    assert (
        post(client, f"/meetings/{meeting.id}/minutes/publish", {"days": "14"}).status_code == 303
    )
    session.expire_all()
    stored = session.get(Meeting, meeting.id)
    assert (stored.attended_hall, stored.attended_online) == (2, 1)

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    shown = page(client.get(f"/meetings/{meeting.id}/minutes"))
    assert "2 in the hall, 1 online" in text(shown.select_one(".attendance"))
    assert "Mia Mitglied" not in text(shown.select_one("main") or shown)
    assert shown.select_one(".prose strong").get_text() == "lebhaft"
    assert "<script>x()" not in str(shown)
    whole = shown.select(".fairness")[-1]
    cells = {
        tr.select_one("th").get_text(strip=True): [
            td.get_text(strip=True) for td in tr.select("td")
        ]
        for tr in whole.select("tbody tr")
    }
    assert cells["Women (quota)"] == ["1", "2"]
    assert cells["Online"] == ["1", "2"]
    assert "1 point of order" in text(shown)


def test_members_comment_on_published_minutes_until_the_set_time(client, provider, session, world):
    meeting, _items = held(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    post(client, f"/meetings/{meeting.id}/minutes/publish", {"days": "7"})
    session.expire_all()
    thread = session.get(Thread, session.get(Meeting, meeting.id).minutes_thread_id)
    # The chair who published them opened the thread, but it belongs to the minutes.
    assert not page(client.get(f"/threads/{thread.id}")).select("form[action$='/delete']")
    assert post(client, f"/threads/{thread.id}/delete").status_code == 403
    log_in_as(client, provider, "olga", PEOPLE["olga"])
    response = post(client, f"/threads/{thread.id}/comments", {"body": "Danke fürs Protokoll."})
    assert response.status_code == 303, response.text
    thread.closes_at = utcnow() - timedelta(minutes=1)
    session.add(thread)
    session.commit()
    late = post(client, f"/threads/{thread.id}/comments", {"body": "Zu spät?"})
    assert late.status_code in (409, 422)
    assert [c.body for c in session.exec(select(Comment))] == ["Danke fürs Protokoll."]


def test_minutes_of_another_states_meeting_are_not_found(client, provider, session, world):
    meeting, _items = held(session, world)
    log_in_as(client, provider, "sam", PEOPLE["sam"])
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 404


def test_minutes_link_the_motion_and_the_resolution_it_became(client, provider, session, world):
    """An item about a motion names the motion; once the motion is adopted the minutes
    link the resolution (Beschluss) it became, with its number."""
    meeting, items = held(session, world)
    p = world.people
    call = make_call(session, world.state_convention)
    motion = publish(session, submitted_motion(session, call, p["mia"]), p["gina"])
    items[1].motion_id = motion.id
    session.add(items[1])
    session.commit()

    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    before = page(client.get(f"/meetings/{meeting.id}/minutes"))
    decision = before.select(".minutes-item")[1].select_one(".decision")
    assert decision.select_one("a")["href"] == f"/motions/{motion.id}"
    assert motion.title in text(decision)
    assert "Resolution" not in text(decision)

    adopted = motions_service.transition(
        motion,
        motions_service.call_place(call.id, session=session),
        "decide",
        motion_forms.TransitionInput(outcome="adopted"),
        principal=who(session, p["gina"]),
        session=session,
    )
    session.commit()
    resolution = resolutions.resolution_of(adopted, session=session)
    assert (
        post(client, f"/meetings/{meeting.id}/minutes/publish", {"days": "14"}).status_code == 303
    )

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    shown = page(client.get(f"/meetings/{meeting.id}/minutes"))
    links = shown.select(".minutes-item")[1].select(".decision a")
    assert [a["href"] for a in links] == [
        f"/motions/{motion.id}",
        f"/bodies/{world.state_convention.key}/resolutions/{resolution.year}/{resolution.sequence}",
    ]
    assert text(links[1]) == resolution.number
    assert client.get(links[1]["href"]).status_code == 200

    log_in_as(client, provider, "sam", PEOPLE["sam"])
    assert client.get(f"/meetings/{meeting.id}/minutes").status_code == 404


def test_minutes_do_not_name_a_motion_the_reader_may_not_see(client, provider, session, world):
    """A submitted motion is seen by its proposers and the screening board only: the
    minutes name it to the office staff, not to a member of the audience."""
    meeting, items = held(session, world)
    p = world.people
    call = make_call(session, world.state_convention)
    motion = submitted_motion(session, call, p["olga"], title="Noch in Prüfung")
    items[1].motion_id = motion.id
    session.add(items[1])
    session.commit()

    log_in_as(client, provider, "gina", PEOPLE["gina"])
    assert (
        post(client, f"/meetings/{meeting.id}/minutes/publish", {"days": "14"}).status_code == 303
    )
    staff = page(client.get(f"/meetings/{meeting.id}/minutes"))
    assert "Noch in Prüfung" in text(staff.select(".minutes-item")[1])

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    shown = page(client.get(f"/meetings/{meeting.id}/minutes"))
    assert "Noch in Prüfung" not in str(shown)
    assert not shown.select(".minutes-item")[1].select(f'a[href="/motions/{motion.id}"]')
