"""Who may submit to a call follows the call's choice: members of the chapter,
delegates of the body, working groups (named as proposer), boards of lower chapters."""

from __future__ import annotations

import pytest
from sqlmodel import select

from plenum.motions.models import Motion
from plenum.orgs.models import ChapterKind, Membership
from plenum.orgs.service import create_chapter
from tests.support.factories import claims, structure
from tests.support.motions import make_call
from tests.support.web import english, enrol, log_in_as, page, post

PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="430001"),
    "lena": claims("lena", name="Lena LAG", number="430002"),
    "kai": claims("kai", name="Kai Kreisvorstand", groups=("kv-koeln-vorstand",), number="430003"),
    "bo": claims("bo", name="Bo Landesvorstand", groups=("lv-nrw-vorstand",), number="430004"),
}
FORM = {
    "title": "Ein Antrag",
    "type": "motion",
    "text": "Der Parteitag möge beschließen: mehr.",
    "reasons": "",
    "amount": "",
    "cost_centre": "",
    "co_proposers": "",
    "lock_version": "0",
    "action": "draft",
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    group = create_chapter(
        session=session,
        key="lag-nrw-digital",
        name="LAG Digitales NRW",
        kind=ChapterKind.WORKING_GROUP,
        parent=org.state,
    )
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.add(Membership(member_id=people["lena"], chapter_id=group.id, source="manual"))
    session.commit()
    return org


@pytest.mark.parametrize(
    ("submitters", "allowed"),
    [
        (("members",), {"mia", "lena", "kai", "bo"}),
        (("working_groups",), {"lena"}),
        (("lower_boards",), {"kai"}),
        (("delegates",), set()),
    ],
)
def test_who_may_write_a_motion_follows_the_call(
    client, provider, session, world, submitters, allowed
):
    call = make_call(session, world.state_convention, submitters=submitters)
    for name in PEOPLE:
        log_in_as(client, provider, name, PEOPLE[name])
        english(client)
        form = client.get(f"/calls/{call.id}/motions/new")
        assert (form.status_code == 200) == (name in allowed), (name, form.status_code)


def test_a_working_group_submits_only_under_its_own_name(client, provider, session, world):
    call = make_call(session, world.state_convention, submitters=("working_groups",))
    log_in_as(client, provider, "lena", PEOPLE["lena"])
    english(client)
    form = page(client.get(f"/calls/{call.id}/motions/new"))
    assert [o["value"] for o in form.select("#working-groups option")] == ["LAG Digitales NRW"]
    assert form.select_one("#field-group_name")["list"] == "working-groups"

    unnamed = post(client, f"/calls/{call.id}/motions/new", FORM | {"group_name": ""})
    assert unnamed.status_code == 422
    assert page(unnamed).select_one(".has-error #field-group_name") is not None
    assert session.exec(select(Motion)).first() is None

    named = post(
        client, f"/calls/{call.id}/motions/new", FORM | {"group_name": "LAG Digitales NRW"}
    )
    assert named.status_code == 303
    assert session.exec(select(Motion)).one().group_name == "LAG Digitales NRW"
