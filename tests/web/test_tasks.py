"""The task list on the start page of boards, chairs, office staff, moderators and desks:
each task appears with its count and direct link while something is left to do, and
disappears once it is done through the same step a person takes. Members without such a
role see no task list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plenum.agenda.tasks import tasks
from plenum.clock import utcnow
from plenum.discuss import access as spaces
from plenum.discuss import moderation
from plenum.discuss.models import Flag
from plenum.meetings import agenda, forms, presence, registration
from plenum.meetings.models import MeetingRole
from plenum.motions import amendments as motion_amendments
from plenum.motions import forms as motion_forms
from plenum.motions import service as motions
from plenum.orgs.models import BodyRole, Role
from plenum.orgs.service import grant_chapter_role
from plenum.times import LOCAL_TIME
from tests.support import votes
from tests.support.discuss import comment, topic
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting, place
from tests.support.motions import MOTION_TEXT, amend, make_call, publish, submitted_motion, who
from tests.support.web import enrol, log_in_as, page, text

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="760001"
    ),
    "mia": claims("mia", name="Mia Mitglied", number="760002"),
    "dora": claims("dora", name="Dora Tagungsbüro", number="760003"),
    "ole": claims("ole", name="Ole Ortsverband", number="760004"),
    "sam": claims("sam", name="Sam Sachsenbüro", chapter="lv-sachsen", number="760005"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def listed(session, member_id: int, kind: str) -> list[tuple[str, int]]:
    session.commit()
    return [
        (t.title, t.count)
        for t in tasks(who(session, member_id), session=session)
        if t.kind == kind
    ]


def step(session, target, name: str, gina: int, **data: str) -> None:
    """A board's step on a motion or an amendment, as its page takes it."""
    transition = motion_forms.TransitionInput(**data)
    if hasattr(target, "consultation_id"):
        at = motions.call_place(target.consultation_id, session=session)
        motions.transition(
            target, at, name, transition, principal=who(session, gina), session=session
        )
    else:
        ap = motion_amendments.amendment_place(target.id, session=session)
        motion_amendments.transition(
            ap, name, transition, principal=who(session, gina), session=session
        )
    session.commit()


def test_a_call_shows_what_the_board_has_left_until_all_is_decided(session, world):
    p = world.people
    gina, mia = p["gina"], p["mia"]
    call = make_call(session, world.state_convention, title="Frühjahr")
    motion = submitted_motion(session, call, mia)
    assert listed(session, gina, "screen") == [("Frühjahr", 1)]
    assert tasks(who(session, mia), session=session) == []  # a member has no task list

    publish(session, motion, gina)
    assert listed(session, gina, "screen") == []
    amendment = amend(session, motion, p["ole"], MOTION_TEXT + "\n\nNeu.")
    assert listed(session, gina, "publish_amendments") == [("Frühjahr", 1)]
    step(session, amendment, "publish", gina)
    assert listed(session, gina, "publish_amendments") == []
    assert listed(session, gina, "recommend") == []  # amendments may still come

    call.amendment_deadline = utcnow() - timedelta(hours=1)
    session.add(call)
    assert listed(session, gina, "recommend") == [("Frühjahr", 2)]
    step(session, motion, "recommend", gina, recommendation="adopt")
    step(session, amendment, "recommend", gina, recommendation="adopt")
    assert listed(session, gina, "recommend") == []
    assert listed(session, gina, "decide") == [("Frühjahr", 2)]
    step(session, amendment, "decide", gina, outcome="adopted")
    assert listed(session, gina, "decide") == [("Frühjahr", 1)]
    step(session, motion, "decide", gina, outcome="adopted")
    assert listed(session, gina, "decide") == []


def test_a_vote_is_a_task_to_open_then_to_close_then_to_publish(session, world):
    gina = world.people["gina"]
    survey = {"kind": "survey", "method": "choice", "options": "Im Juli\nIm August"}
    later = (utcnow() + timedelta(days=3)).astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")
    vote = votes.make_vote(
        session, world.state, None, gina, title="Haushalt", **survey, closes_at=later
    )
    session.commit()
    assert listed(session, gina, "open_vote") == [("Haushalt", 0)]
    assert listed(session, world.people["mia"], "open_vote") == []
    votes.open_vote(session, vote, gina)
    assert listed(session, gina, "open_vote") == []
    assert listed(session, gina, "close_vote") == []  # it ends by itself
    vote.closes_at = utcnow() - timedelta(minutes=1)  # the end passed before the clock ran
    session.add(vote)
    assert listed(session, gina, "close_vote") == [("Haushalt", 0)]
    votes.close(session, vote, gina)
    assert listed(session, gina, "publish_vote") == [("Haushalt", 0)]
    votes.publish(session, vote, gina)
    assert [t for t in tasks(who(session, gina), session=session) if "vote" in t.kind] == []


def test_flagged_comments_wait_for_the_moderators_until_looked_at(session, world):
    p = world.people
    thread = topic(session, world.state, p["mia"])
    said = comment(session, thread.id, p["mia"], "Das ist Quatsch.")
    session.add(Flag(comment_id=said.id, member_id=p["ole"], reason="unfreundlich"))
    session.commit()
    where = spaces.chapter_space(world.state, session=session)
    assert listed(session, p["gina"], "flags") == [(where.name, 1)]
    assert listed(session, p["ole"], "flags") == []
    gina = who(session, p["gina"])
    allowed = spaces.space_access(gina, where)
    moderation.dismiss(said, "Sachlich genug.", allowed, principal=gina, session=session)
    assert listed(session, p["gina"], "flags") == []


def test_a_meeting_shows_needs_agenda_check_in_and_minutes_until_done(session, world):
    p = world.people
    gina = p["gina"]
    soon = make_meeting(
        session,
        world.state,
        None,
        gina,
        title="Regionalkonferenz",
        starts=utcnow() + timedelta(hours=3),
    )
    session.add(MeetingRole(meeting_id=soon.id, member_id=p["dora"], role="desk"))
    at = place(session, soon)
    values = {"channel": "hall", "children": "1", "children_ages": "4"}
    data = forms.parse_registration(values, forms.channels_of(soon.mode))
    registration.register(at, p["mia"], data, session=session)
    assert listed(session, gina, "needs") == [("Regionalkonferenz", 1)]
    assert listed(session, gina, "agenda") == [("Regionalkonferenz", 0)]
    assert listed(session, p["dora"], "desk") == [("Regionalkonferenz", 1)]
    assert listed(session, p["dora"], "needs") == []  # needs are for the organisers only
    assert listed(session, p["mia"], "desk") == []

    item = agenda.parse_item({"title": "Begrüßung", "kind": "other"}, [])
    agenda.add_item(at, item, session=session)
    presence.check_in_member(at, p["mia"], session=session)
    assert listed(session, gina, "agenda") == []
    assert listed(session, p["dora"], "desk") == []

    soon.starts_at = utcnow() - timedelta(hours=5)
    soon.ends_at = utcnow() - timedelta(hours=2)
    session.add(soon)
    assert listed(session, gina, "minutes") == [("Regionalkonferenz", 0)]
    assert listed(session, gina, "needs") == []  # held: what is left is the minutes
    from plenum.meetings import minutes

    minutes.publish(place(session, soon), days=14, principal=who(session, gina), session=session)
    assert listed(session, gina, "minutes") == []


def test_the_start_page_shows_the_task_list_to_staff_only(client, provider, session, world):
    call = make_call(session, world.state_convention, title="Frühjahr")
    submitted_motion(session, call, world.people["mia"])
    session.commit()
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    home = page(client.get("/"))
    (row,) = home.select(".task-list li")
    assert text(row.select_one(".kicker")) == "Anträge zu prüfen und zu veröffentlichen"
    assert row.select_one("a")["href"] == f"/calls/{call.id}/manage?status=submitted"
    assert client.get(row.select_one("a")["href"]).status_code == 200
    assert text(row.select_one(".badge")).startswith("1")
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    assert page(client.get("/")).select_one(".task-list") is None


def test_another_states_office_and_a_delegate_get_no_tasks_of_nrw(session, world):
    """Tasks are checked with the rules of their steps: the office staff of Saxony and a
    delegate of the NRW convention have none of NRW's, though they hold roles."""
    p = world.people
    grant_chapter_role(
        world.other_state, member_number="760005", role=Role.OFFICE_STAFF.value, session=session
    )
    call = make_call(session, world.state_convention, title="Frühjahr")
    submitted_motion(session, call, p["mia"])
    votes.make_vote(session, world.state, world.state_board, p["gina"], title="Haushalt")
    session.add(BodyRole(member_id=p["ole"], body_id=world.state_convention.id, role="delegate"))
    session.commit()
    assert [t.kind for t in tasks(who(session, p["gina"]), session=session)] == [
        "screen",
        "open_vote",
    ]
    for member_id in (p["sam"], p["ole"]):
        assert tasks(who(session, member_id), session=session) == []
