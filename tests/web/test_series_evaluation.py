"""The members' evaluation of a series' demands, through HTTP and the vote machinery that
exists: started by office staff, ranked secretly by the chapter's members, the ranks shown
by demand and by where the demands came from, and used in the drafted motion."""

from __future__ import annotations

import pytest
from sqlmodel import select

from plenum.motions.models import Motion
from plenum.notify.models import Notification
from plenum.orgs.service import principal_for
from plenum.series import synthesis
from plenum.series.access import allowed
from plenum.series.models import Demand, Series
from plenum.series.synthesis import DemandInput
from plenum.votes.models import Vote, VoteStatus
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting
from tests.support.motions import make_call
from tests.support.series import make_series, place, session_of
from tests.support.votes import cast, close, publish
from tests.support.web import english, enrol, log_in_as, page, post, text
from tests.web.test_series_synthesis import PROPOSALS

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="810001"
    ),
    "vera": claims("vera", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="810002"),
    "mia": claims("mia", name="Mia Mitglied", number="810003"),
    "ole": claims("ole", name="Ole Ortsverband", number="810004"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="810005"),
}


@pytest.fixture
def world(session, settings):
    from plenum.series import forms, service

    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    series = make_series(session, org.state, org.people["gina"])
    source = session_of(
        session, series, make_meeting(session, org.county, None, org.people["gina"]).id
    )
    at = place(session, series)
    staff = principal_for(org.people["gina"], session=session)
    rights = allowed(staff, at, session=session)
    made = []
    for title, body, weight in PROPOSALS[:3]:
        data = forms.parse_proposal(
            {"title": title, "text": body, "weight": str(weight)}, weighed=True, phoned=False
        )
        made.append(
            service.add_proposal(at, source, data, rights, principal=staff, session=session)
        )
    for proposal in made:
        synthesis.merge(
            at,
            [proposal.id],
            DemandInput(proposal.title, proposal.text, ""),
            None,
            "steht allein",
            rights,
            principal=staff,
            session=session,
        )
    org.call = make_call(session, org.state_board, title="Anträge an den Landesvorstand")
    session.commit()
    org.series = series
    return org


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def test_the_members_rank_the_demands_and_the_ranks_reach_the_motion(
    client, provider, session, world
):
    path = f"/series/{world.series.id}/synthesis"
    as_member(client, provider, "vera")  # a chair runs the series, not the member votes
    assert post(client, f"{path}/evaluate", {}).status_code == 403
    assert session.exec(select(Vote)).first() is None
    as_member(client, provider, "gina")
    assert post(client, f"{path}/evaluate", {}).status_code == 303
    assert post(client, f"{path}/evaluate", {}).status_code == 303  # the same vote again
    vote = session.exec(select(Vote)).one()
    assert (vote.kind, vote.method, vote.mode, vote.status) == (
        "survey",
        "ranked",
        "secret",
        "open",
    )
    assert all(d.option_id for d in session.exec(select(Demand)).all())
    link = page(client.get(path)).select_one("#evaluation a")
    assert link["href"] == f"/votes/{vote.id}"

    ids = world.people
    cast(session, vote, ids["mia"], ["Mehr Lehrkräfte", "Gebührenfreie Kitas"])
    cast(session, vote, ids["ole"], ["Mehr Lehrkräfte", "Kitas ohne Gebühren"])
    with pytest.raises(Exception, match="roll"):
        cast(session, vote, ids["sam"], ["Mehr Lehrkräfte"])  # another state
    close(session, vote, ids["gina"])
    publish(session, vote, ids["gina"])
    session.commit()
    assert session.get(Vote, vote.id).status == VoteStatus.PUBLISHED

    soup = page(client.get(path))
    teachers = session.exec(select(Demand).where(Demand.title == "Mehr Lehrkräfte")).one()
    assert "Rank 1" in text(soup.select_one(f"#demand-{teachers.id} h3"))
    assert "2 members ranked the demands." in text(soup.select_one("#evaluation"))
    regions = text(soup.select_one("#evaluation table"))
    assert "Kreisverband Köln" in regions
    assert "1. Mehr Lehrkräfte" in regions

    assert post(client, f"{path}/draft", {"call": str(world.call.id)}).status_code == 303
    motion = session.exec(select(Motion)).one()
    assert "1. **Mehr**" in motion.text  # the first ranked demand comes first
    assert "Rang 1 bei 2 Mitgliedern." in motion.reasons
    motion.status = "adopted"
    session.add(motion)
    session.commit()
    fate = {"demand": str(teachers.id), "fate": "adopted", "reason": "Beschlossen."}
    assert post(client, f"{path}/fate", fate).status_code == 303
    told = set(session.exec(select(Notification.member_id)).all())
    assert {ids["mia"], ids["ole"]} <= told  # they ranked it
    session.expire_all()
    assert session.get(Series, world.series.id).vote_id == vote.id
