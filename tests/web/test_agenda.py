"""The start page ("What needs me"): what waits for the member, nearest deadline first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plenum.agenda.service import agenda
from plenum.clock import utcnow
from plenum.discuss import service as discussion
from plenum.meetings.models import Registration, RegistrationStatus
from plenum.motions.models import Proposer, Support
from tests.support.discuss import comment, topic
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting
from tests.support.motions import MOTION_TEXT, amend, make_call, publish, submitted_motion, who
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
        ("amend", "Vorbei"),  # motions closed, amendments open for three weeks
        ("call", "Fern"),  # every open call, not only those closing soon
        ("thread", "Kinderbetreuung"),
    ]
    assert items[-1].count == 2
    # the proposer is not asked to support her own motion: she sees it as hers, with the
    # supporters still missing; Saxony sees nothing of NRW
    mine = agenda(who(session, world.people["mia"]), session=session)
    assert ("support", f"{needs_support.number} Mehr Kitas") not in [
        (i.kind, i.title) for i in mine
    ]
    (own,) = [i for i in mine if i.kind == "mine"]
    assert (own.title, own.status, own.count) == (
        f"{needs_support.number} Mehr Kitas",
        "collecting",
        2,
    )
    assert own.deadline == soon.motion_deadline.replace(tzinfo=own.deadline.tzinfo)
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


HISTORIES = {
    "nothing before": None,
    "proposed a motion": ("proposer", "motion"),
    "supported a motion": ("support", "motion"),
    "proposed an amendment": ("proposer", "amendment"),
    "supported an amendment": ("support", "amendment"),
}


@pytest.mark.parametrize("history", HISTORIES)
def test_what_a_member_did_before_never_hides_what_waits_for_their_support(session, world, history):
    """Ole did something elsewhere before (proposed or supported a motion or an
    amendment): a motion and an amendment collecting supporters still wait for him.
    Rows of one kind have no id of the other kind, and a `NOT IN` over a list with a NULL
    once hid everything."""
    p = world.people
    call = make_call(session, world.state_convention, title="Frühjahr")
    published = publish(session, submitted_motion(session, call, p["mia"]), p["gina"])
    elsewhere = publish(
        session, submitted_motion(session, call, p["mia"], title="Woanders"), p["gina"]
    )
    call.supporters_required = 2
    session.add(call)
    session.commit()
    waiting_motion = submitted_motion(session, call, p["mia"], title="Mehr Kitas")
    waiting_amendment = amend(session, published, p["mia"], MOTION_TEXT + "\n\nNeu.", "Ergänzung")
    other_amendment = amend(session, elsewhere, p["mia"], MOTION_TEXT + "\n\nAnders.", "Anders")
    assert (waiting_motion.status, waiting_amendment.status) == ("collecting", "collecting")
    if HISTORIES[history] is not None:
        table, kind = HISTORIES[history]
        model = Proposer if table == "proposer" else Support
        target = (
            {"motion_id": elsewhere.id}
            if kind == "motion"
            else {"amendment_id": other_amendment.id}
        )
        session.add(model(member_id=p["ole"], **target))
        session.commit()

    titles = [
        i.title for i in agenda(who(session, p["ole"]), session=session) if i.kind == "support"
    ]
    assert f"{waiting_motion.number} Mehr Kitas" in titles
    assert f"{waiting_amendment.number}: Ergänzung" in titles
    # the amendment he proposed or supported waits for him no longer; untouched, it does
    touched = HISTORIES[history] is not None and HISTORIES[history][1] == "amendment"
    assert (f"{other_amendment.number}: Anders" in titles) is not touched


def test_the_start_page_shows_own_motions_calls_and_meetings_in_german(
    client, provider, session, world
):
    """Mia's start page: her motion with its status and the supporters still missing, the
    open call, the meeting she is registered for and the one where a seat is offered."""
    p = world.people
    call = make_call(
        session,
        world.state_convention,
        title="Herbst",
        motion_deadline=utcnow() + timedelta(days=40),
        supporters_required=3,
    )
    motion = submitted_motion(session, call, p["mia"], title="Mehr Kitas")
    supporter = Support(member_id=p["ole"], motion_id=motion.id)
    session.add(supporter)
    going = make_meeting(session, world.state, None, p["gina"], title="Regionalkonferenz")
    offered = make_meeting(session, world.state, None, p["gina"], title="Basiskonferenz")
    cancelled = make_meeting(session, world.state, None, p["gina"], title="Abgesagt")
    session.add_all(
        [
            Registration(meeting_id=going.id, member_id=p["mia"], check_in_code="AAA111"),
            Registration(
                meeting_id=offered.id,
                member_id=p["mia"],
                status=RegistrationStatus.OFFERED,
                offered_until=utcnow() + timedelta(hours=20),
                check_in_code="BBB222",
            ),
            Registration(
                meeting_id=cancelled.id,
                member_id=p["mia"],
                status=RegistrationStatus.CANCELLED,
                check_in_code="CCC333",
            ),
        ]
    )
    session.commit()

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    home = page(client.get("/"))
    rows = {text(li.select_one("a")): text(li) for li in home.select("#agenda-title + ul li")}
    own = rows[f"{motion.number} Mehr Kitas"]
    assert "Von dir: Unterstützung wird gesammelt" in own
    assert "braucht noch 2 Unterstützer:innen" in own
    assert "Antragsfrist läuft" in rows["Herbst"]
    assert "Du bist angemeldet" in rows["Regionalkonferenz"]
    assert "Ein Platz ist für dich frei: bitte bestätigen" in rows["Basiskonferenz"]
    assert "Abgesagt" not in rows
