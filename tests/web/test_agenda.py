"""The start page ("What needs me"): what waits for the member, nearest deadline first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plenum.agenda.service import agenda
from plenum.clock import utcnow
from plenum.discuss import service as discussion
from tests.support.discuss import comment, topic
from tests.support.factories import claims, structure
from tests.support.motions import make_call, publish, submitted_motion, who
from tests.support.web import english, enrol, log_in_as, page, text

PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="450001"),
    "ole": claims("ole", name="Ole Ortsverband", number="450002"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="450003"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="450004"
    ),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    return org


def test_the_agenda_lists_what_waits_nearest_deadline_first(session, world):
    soon = make_call(
        session,
        world.state_convention,
        title="Bald",
        motion_deadline=utcnow() + timedelta(days=3),
        supporters_required=2,
    )
    make_call(
        session, world.county_board, title="Später", motion_deadline=utcnow() + timedelta(days=10)
    )
    make_call(
        session, world.state_board, title="Fern", motion_deadline=utcnow() + timedelta(days=60)
    )
    make_call(
        session, world.state_board, title="Vorbei", motion_deadline=utcnow() - timedelta(days=1)
    )
    needs_support = submitted_motion(session, soon, world.people["mia"], title="Mehr Kitas")
    thread = topic(session, world.state, world.people["mia"])
    discussion.follow_thread(world.people["ole"], thread.id, session=session)
    comment(session, thread.id, world.people["mia"], "Neu")

    items = agenda(who(session, world.people["ole"]), session=session)
    assert [(i.kind, i.title) for i in items] == [
        ("support", f"{needs_support.number} Mehr Kitas"),
        ("call", "Bald"),
        ("call", "Später"),
        ("thread", "Kinderbetreuung"),
    ]
    assert items[-1].count == 2
    # the proposer is not asked to support her own motion; Saxony sees nothing of NRW
    mine = agenda(who(session, world.people["mia"]), session=session)
    assert ("support", f"{needs_support.number} Mehr Kitas") not in [
        (i.kind, i.title) for i in mine
    ]
    assert agenda(who(session, world.people["sam"]), session=session) == []


def test_proposers_follow_their_motions_discussion(client, provider, session, world):
    call = make_call(session, world.state_convention)
    motion = publish(
        session, submitted_motion(session, call, world.people["mia"]), world.people["gina"]
    )
    log_in_as(client, provider, "ole", PEOPLE["ole"])
    path = client.get(f"/motions/{motion.id}/discussion").headers["location"]
    thread_id = int(path.rsplit("/", 1)[1])
    comment(session, thread_id, world.people["ole"], "Gute Idee")
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    home = page(client.get("/"))
    item = home.select_one(".agenda-thread")
    assert motion.title in text(item)
    assert "1 unread" in text(item)
    motion_page = page(client.get(f"/motions/{motion.id}"))
    assert "1 unread" in text(motion_page.select_one(".discussion-link"))
