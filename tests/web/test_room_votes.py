"""Votes in the live room: the roll is who is present at this meeting when the chair opens
the vote (not a body's attendance), a substitute takes an absent delegate's seat, and
the desk's hand count of the hall joins the ballots cast online, with the breakdown shown
and the count logged with who entered it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from plenum.clock import utcnow
from plenum.meetings import agenda, presence
from plenum.meetings.models import Presence
from plenum.orgs.models import Member
from plenum.votes.models import HallCount, VoteLog, Voter
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting, place
from tests.support.votes import close, make_vote, option_ids, publish
from tests.support.web import english, enrol, log_in_as, page, post, text

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="730001"
    ),
    "dana": claims("dana", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="730002"),
    "dirk": claims("dirk", name="Dirk Delegiert", groups=("lv-nrw-delegiert",), number="730003"),
    "didi": claims("didi", name="Didi Delegiert", groups=("lv-nrw-delegiert",), number="730004"),
    "ella": claims("ella", name="Ella Ersatz", groups=("lv-nrw-ersatz",), number="730005"),
    "mia": claims("mia", name="Mia Mitglied", number="730006"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def convention_vote(session, world):
    """A sitting of the state convention with a yes/no vote as its current item."""
    p = world.people
    convention = world.state_convention
    meeting = make_meeting(session, world.state, convention, p["gina"], audience="body")
    vote = make_vote(session, world.state, convention, p["gina"], title="Leitantrag annehmen")
    at = place(session, meeting)
    links = agenda.links_for(at, session=session)
    data = agenda.parse_item(
        {"title": "Abstimmung", "kind": "vote", "link": f"vote:{vote.id}"}, links
    )
    item = agenda.add_item(at, data, session=session)
    agenda.make_current(at, item, session=session)
    session.commit()
    return meeting, vote


def test_the_roll_is_who_is_present_with_a_substitute_in_an_absent_delegates_seat(
    client, provider, session, world
):
    p = world.people
    meeting, vote = convention_vote(session, world)
    at = place(session, meeting)
    presence.check_in_member(at, p["dana"], session=session)  # in the hall
    presence.seen_online(meeting.id, [p["dirk"], p["ella"], p["mia"]], session=session)
    session.commit()  # didi is absent; mia is present but holds no seat
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    response = post(client, f"/meetings/{meeting.id}/live/vote")
    assert response.status_code == 303, response.text
    session.expire_all()
    voters = {
        v.member_id: v.seat_of for v in session.exec(select(Voter).where(Voter.vote_id == vote.id))
    }
    assert voters == {p["dana"]: None, p["dirk"]: None, p["ella"]: p["didi"]}

    # a present delegate casts through the usual ballot, without any body attendance
    log_in_as(client, provider, "dirk", PEOPLE["dirk"])
    ids = option_ids(session, vote)
    cast = post(client, f"/votes/{vote.id}/cast", {"choice": str(ids["yes"])})
    assert cast.status_code in (200, 303), cast.text
    log_in_as(client, provider, "didi", PEOPLE["didi"])
    refused = post(client, f"/votes/{vote.id}/cast", {"choice": str(ids["yes"])})
    assert refused.status_code == 409
    session.expire_all()
    session.refresh(vote)
    assert vote.turnout == 1


def test_the_hall_counts_by_hand_and_the_result_shows_both_channels(
    client, provider, session, world
):
    p = world.people
    meeting, vote = convention_vote(session, world)
    at = place(session, meeting)
    presence.check_in_member(at, p["dana"], session=session)
    presence.seen_online(meeting.id, [p["dirk"]], session=session)
    session.commit()
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    assert (
        post(client, f"/meetings/{meeting.id}/live/vote", {"hall_analog": "1"}).status_code == 303
    )
    session.expire_all()
    roll = [v.member_id for v in session.exec(select(Voter).where(Voter.vote_id == vote.id))]
    assert roll == [p["dirk"]]  # the hall is counted by hand, not by ballot

    ids = option_ids(session, vote)
    bad = post(client, f"/meetings/{meeting.id}/desk/hall-count", {f"count-{ids['yes']}": "-3"})
    assert bad.status_code == 409
    assert session.exec(select(HallCount)).all() == []
    form = {f"count-{ids['yes']}": "12", f"count-{ids['no']}": "3", f"count-{ids['abstain']}": "1"}
    assert post(client, f"/meetings/{meeting.id}/desk/hall-count", form).status_code == 303
    log_in_as(client, provider, "dirk", PEOPLE["dirk"])
    post(client, f"/votes/{vote.id}/cast", {"choice": str(ids["no"])})

    close(session, vote, p["gina"])
    publish(session, vote, p["gina"])
    session.commit()
    logged = session.exec(select(VoteLog).where(VoteLog.action == "hall_count")).one()
    assert logged.actor_id == p["gina"]
    assert "12" in logged.note

    log_in_as(client, provider, "dirk", PEOPLE["dirk"])
    english(client)
    room = page(client.get(f"/meetings/{meeting.id}/live"))
    rows = {
        tr.select_one("th").get_text(strip=True): [
            td.get_text(strip=True) for td in tr.select("td")
        ]
        for tr in room.select(".room-result tbody tr")
    }
    assert rows["Yes"] == ["12", "12", "0"]
    assert rows["No"] == ["4", "3", "1"]
    assert "result published" in text(room.select_one("#room-vote"))


def test_only_the_chair_opens_and_only_the_desk_counts(client, provider, session, world):
    meeting, vote = convention_vote(session, world)
    log_in_as(client, provider, "dana", PEOPLE["dana"])
    assert post(client, f"/meetings/{meeting.id}/live/vote").status_code == 403
    ids = option_ids(session, vote)
    count = post(client, f"/meetings/{meeting.id}/desk/hall-count", {f"count-{ids['yes']}": "1"})
    assert count.status_code == 403
    session.expire_all()
    session.refresh(vote)
    assert vote.status == "draft"


def test_only_who_may_hold_a_seat_fetches_the_ballot_when_a_vote_opens(
    client, provider, session, world
):
    """The vote is pushed to every open room alike; the ballot is fetched only by those
    who could be on the roll, so a vote opening before many viewers costs no request
    per viewer (see bench/meetings.py)."""
    meeting, _vote = convention_vote(session, world)
    seats = {}
    for name in ("gina", "dirk", "ella"):
        log_in_as(client, provider, name, PEOPLE[name])
        room = page(client.get(f"/meetings/{meeting.id}/live"))
        seats[name] = room.select_one(".live-room")["data-may-vote"]
    assert seats == {"gina": "no", "dirk": "yes", "ella": "yes"}


def test_presence_online_keeps_the_hall_and_ends_after_the_grace(session, world):
    """A heartbeat marks members present online (one statement for any number of them);
    a member checked in at the hall stays in the hall; who is not heard of again is gone
    once GRACE has passed; a member checked out at the desk is back when seen again."""
    p = world.people
    meeting, _ = convention_vote(session, world)
    at = place(session, meeting)
    start = utcnow()
    presence.check_in_member(at, p["dana"], session=session)
    presence.seen_online(meeting.id, [p["dana"], p["dirk"], p["dirk"]], session=session, now=start)
    session.commit()
    assert presence.counts(meeting.id, session=session, now=start) == {"hall": 1, "online": 1}

    members = [
        Member(issuer="https://idp.test", subject=f"watcher-{n}", display_name=f"W {n}")
        for n in range(1000)
    ]
    session.add_all(members)
    session.commit()
    later = start + presence.HEARTBEAT
    watchers = [m.id for m in members]
    presence.seen_online(meeting.id, [*watchers, p["dirk"]], session=session, now=later)
    session.commit()
    assert presence.counts(meeting.id, session=session, now=later) == {"hall": 1, "online": 1001}

    gone = start + presence.GRACE + timedelta(seconds=1)  # dirk last heard of at `later`
    assert presence.counts(meeting.id, session=session, now=gone) == {"hall": 1, "online": 1001}
    after_grace = later + presence.GRACE + timedelta(seconds=1)
    assert presence.counts(meeting.id, session=session, now=after_grace) == {"hall": 1, "online": 0}
    assert presence.present_ids(meeting.id, session=session, now=after_grace) == {p["dana"]}

    presence.check_out(at, p["dana"], session=session)
    session.commit()
    assert presence.present_ids(meeting.id, session=session, now=after_grace) == set()
    presence.seen_online(meeting.id, [p["dana"]], session=session, now=after_grace)
    session.commit()
    row = session.get(Presence, (meeting.id, p["dana"]))
    assert (row.channel, row.left) == ("hall", False)
