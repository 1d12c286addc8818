"""From demands to a decision and back to the members, through HTTP: the motion drafted
with each demand's provenance, and each demand's fate told to everyone who proposed or
supported one of its proposals (in-app, and by e-mail as they chose)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from plenum.mail.models import OutgoingMail
from plenum.motions.models import Motion, Status
from plenum.notify.models import Notification
from plenum.orgs.models import Member
from plenum.orgs.service import principal_for
from plenum.series import forms, service, synthesis
from plenum.series.access import allowed
from plenum.series.models import Demand, Series
from plenum.series.synthesis import DemandInput
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting
from tests.support.motions import make_call
from tests.support.series import channel, make_series, place, session_of
from tests.support.web import english, enrol, log_in_as, page, post, text

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="790001"
    ),
    "mia": claims("mia", name="Mia Mitglied", number="790002"),
    "ole": claims("ole", name="Ole Ortsverband", number="790003"),
}


@pytest.fixture
def world(session, settings):
    """A series with one demand merged from a conference's proposal (31 dots) and Mia's
    online-week proposal that Ole supports; an open call of the state board."""
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    series = make_series(session, org.state, org.people["gina"])
    source = session_of(
        session, series, make_meeting(session, org.county, None, org.people["gina"]).id
    )
    week = channel(session, series, "online_week")
    at = place(session, series)
    actors = {name: principal_for(org.people[name], session=session) for name in PEOPLE}
    rights = {name: allowed(actors[name], at, session=session) for name in PEOPLE}

    def propose(name, where, title, body, weight=""):
        data = forms.parse_proposal(
            {"title": title, "text": body, "weight": weight},
            weighed=where.kind == "meeting",
            phoned=False,
        )
        return service.add_proposal(
            at, where, data, rights[name], principal=actors[name], session=session
        )

    first = propose("gina", source, "Gebührenfreie Kitas", "Keine Kita-Gebühren.", "31")
    also = propose("gina", source, "Kita-Beiträge abschaffen", "Beiträge weg.", "12")
    second = propose("mia", week, "Kitas ohne Gebühren", "Kitas kostenlos.")
    service.set_support(at, second, True, rights["ole"], principal=actors["ole"], session=session)
    synthesis.merge(
        at,
        [first.id, also.id, second.id],
        DemandInput("Gebührenfreie Kitas in NRW", "Das Land zahlt die Kita-Beiträge.", ""),
        None,
        "dasselbe",
        rights["gina"],
        principal=actors["gina"],
        session=session,
    )
    org.call = make_call(session, org.state_board, title="Anträge an den Landesvorstand")
    member = session.get(Member, org.people["mia"])
    member.delivery, member.email = "immediate", "mia@example.invalid"
    session.add(member)
    session.commit()
    org.series = series
    return org


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def test_the_board_drafts_the_motion_with_each_demands_provenance(client, provider, session, world):
    path = f"/series/{world.series.id}/synthesis"
    as_member(client, provider, "mia")
    assert post(client, f"{path}/draft", {"call": str(world.call.id)}).status_code == 403
    as_member(client, provider, "gina")
    form = page(client.get(path)).select_one("#decision form")
    assert [o["value"] for o in form.select("select[name=call] option") if o["value"]] == [
        str(world.call.id)
    ]
    assert post(client, f"{path}/draft", {"call": "999999"}).status_code == 422
    drafted = post(client, f"{path}/draft", {"call": str(world.call.id)})
    assert drafted.status_code == 303
    motion = session.exec(select(Motion)).one()
    assert drafted.headers["location"] == f"/motions/{motion.id}"
    assert motion.status == Status.DRAFT
    assert motion.text.startswith("Landesvorstand NRW möge beschließen:")
    assert "1. **Gebührenfreie**" in motion.text  # each demand, in bold, with its text
    assert "Das Land zahlt die Kita-Beiträge." in motion.text
    assert "Regionalkonferenz Rheinland (43 Klebepunkte)" in motion.reasons  # 31 + 12
    assert "Online-Woche (1 Unterstützer:in)" in motion.reasons
    assert post(client, f"{path}/draft", {"call": str(world.call.id)}).status_code == 303
    assert session.exec(select(func.count()).select_from(Motion)).one() == 1  # drafted once
    shown = page(client.get(path)).select_one("#decision")
    assert shown.select_one(f"a[href='/motions/{motion.id}']")
    # Deleting the draft frees the series to draft again.
    assert post(client, f"/motions/{motion.id}/delete").status_code == 303
    session.expire_all()
    assert session.get(Series, world.series.id).motion_id is None
    assert post(client, f"{path}/draft", {"call": str(world.call.id)}).status_code == 303
    assert session.exec(select(func.count()).select_from(Motion)).one() == 1


def test_a_demands_fate_is_told_once_to_everyone_who_proposed_or_supported_it(
    client, provider, session, world
):
    path = f"/series/{world.series.id}/synthesis"
    demand = session.exec(select(Demand)).one()
    fate = {"demand": str(demand.id), "fate": "adopted_changed", "reason": "Beiträge halbiert."}
    as_member(client, provider, "gina")
    post(client, f"{path}/draft", {"call": str(world.call.id)})
    refused = post(client, f"{path}/fate", fate)
    assert refused.status_code == 409  # the body has not decided yet
    assert "has not decided" in text(page(refused).select_one("#form-fate-error, .field-error"))
    motion = session.exec(select(Motion)).one()
    motion.status = Status.ADOPTED_MODIFIED  # the body decided
    session.add(motion)
    session.commit()
    as_member(client, provider, "mia")
    assert post(client, f"{path}/fate", fate).status_code == 403
    mia = session.get(Member, world.people["mia"])
    mia.locale = "de"  # her mail comes in German
    session.add(mia)
    session.commit()
    as_member(client, provider, "gina")
    assert post(client, f"{path}/fate", {**fate, "reason": ""}).status_code == 422
    assert post(client, f"{path}/fate", fate).status_code == 303
    assert post(client, f"{path}/fate", fate).status_code == 303  # the same again: told once
    session.expire_all()
    told = session.exec(select(Notification).order_by(Notification.member_id)).all()
    assert [n.member_id for n in told] == [world.people["mia"], world.people["ole"]]
    mail = session.exec(select(OutgoingMail)).one()  # Mia chose e-mail at once
    assert (
        "Was aus der Forderung „Gebührenfreie Kitas in NRW“ wurde: mit Änderungen beschlossen"
        in mail.body
    )
    as_member(client, provider, "ole")
    note = page(client.get("/notifications"))
    assert "Gebührenfreie Kitas in NRW" in text(note)
    assert "adopted with changes" in text(note)
    soup = page(client.get(path))
    assert "Beiträge halbiert." in text(soup.select_one(f"#demand-{demand.id} .demand-fate"))
    assert session.get(Series, world.series.id).motion_id == motion.id
