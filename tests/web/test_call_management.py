"""A call's management table for the board: every motion and amendment with status,
recommendation and decision, filterable; publishing and recording recommendations for
many at once, permission-checked per item and refused as a whole, naming each item that
cannot take the step, while nothing changes. Twenty identical bulk steps at once move
each item once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, col, func, select

from plenum.app import create_app
from plenum.motions.models import Amendment, Motion, StatusChange
from tests.support.factories import claims, structure
from tests.support.motions import MOTION_TEXT, amend, make_call, publish, submitted_motion
from tests.support.served import race, served
from tests.support.web import english, enrol, log_in_as, page, post, text, token

PEOPLE = {
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="770001"),
    "pia": claims("pia", name="Pia Antrag", number="770002"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="770003"
    ),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def statuses(session: Session, *items) -> list[str]:
    session.rollback()
    session.expire_all()
    return [session.get(type(item), item.id).status for item in items]


def arranged(session, world):
    """A call with two submitted motions, a published one with a submitted amendment."""
    p = world.people
    call = make_call(session, world.state_convention, title="Frühjahr")
    first = submitted_motion(session, call, p["pia"], title="Kitas")
    second = submitted_motion(session, call, p["pia"], title="Busse")
    shown = publish(session, submitted_motion(session, call, p["pia"], title="Mieten"), p["gina"])
    amendment = amend(session, shown, p["pia"], MOTION_TEXT + "\n\nNeu.", "Ergänzung")
    session.commit()
    return call, first, second, shown, amendment


def test_the_board_sees_every_item_and_filters_them(client, provider, session, world):
    call, first, second, shown, amendment = arranged(session, world)
    log_in_as(client, provider, "bo", PEOPLE["bo"])
    english(client)
    table = page(client.get(f"/calls/{call.id}/manage"))
    rows = [[text(td) for td in tr.select("td")[1:4]] for tr in table.select("tbody tr")]
    assert rows == [
        [first.number, "Kitas", "Submitted"],
        [second.number, "Busse", "Submitted"],
        [shown.number, "Mieten", "Published"],
        [amendment.number, f"Ergänzung (amendment to {shown.number})", "Submitted"],
    ]
    only = page(client.get(f"/calls/{call.id}/manage?kind=amendment&status=submitted"))
    assert [tr.select_one("input")["value"] for tr in only.select("tbody tr")] == [
        f"amendment:{amendment.id}"
    ]
    assert page(client.get(f"/calls/{call.id}")).select_one(f'a[href="/calls/{call.id}/manage"]')
    log_in_as(client, provider, "pia", PEOPLE["pia"])
    assert client.get(f"/calls/{call.id}/manage").status_code == 403
    assert not page(client.get(f"/calls/{call.id}")).select_one(
        f'a[href="/calls/{call.id}/manage"]'
    )


def test_publishing_the_selected_items_is_all_or_nothing(client, provider, session, world):
    call, first, second, shown, amendment = arranged(session, world)
    log_in_as(client, provider, "bo", PEOPLE["bo"])
    english(client)
    path = f"/calls/{call.id}/manage"
    chosen = [f"motion:{first.id}", f"motion:{shown.id}", f"amendment:{amendment.id}"]
    refused = post(client, path, [("step", "publish"), *[("selected", k) for k in chosen]])
    assert refused.status_code == 409
    shown_page = page(refused)
    summary = text(shown_page.select_one("#refusal"))
    assert "Nothing was changed" in summary
    assert f"{shown.number}: Not possible in its current status." in summary
    assert first.number not in summary.split("Nothing was changed")[1]
    kept = {i["value"] for i in shown_page.select("input[name=selected][checked]")}
    assert kept == set(chosen)  # what the member chose stays chosen
    assert shown_page.select_one("#step-publish")["checked"] is not None
    assert statuses(session, first, shown, amendment) == ["submitted", "published", "submitted"]

    chosen = [f"motion:{first.id}", f"motion:{second.id}", f"amendment:{amendment.id}"]
    done = post(client, path, [("step", "publish"), *[("selected", k) for k in chosen]])
    assert done.status_code == 303
    assert "3 items have taken the step." in text(page(client.get(done.headers["location"])))
    assert statuses(session, first, second, amendment) == ["published"] * 3


def test_recording_a_recommendation_for_many(client, provider, session, world):
    call, _first, _second, shown, _amendment = arranged(session, world)
    log_in_as(client, provider, "bo", PEOPLE["bo"])
    english(client)
    path = f"/calls/{call.id}/manage"
    selected = [("selected", f"motion:{shown.id}")]
    missing = post(client, path, [("step", "recommend"), ("recommendation", ""), *selected])
    assert missing.status_code == 422
    assert (
        text(page(missing).select_one("#recommendation-error")) == "Please choose a recommendation."
    )
    modified = post(
        client, path, [("step", "recommend"), ("recommendation", "adopt_modified"), *selected]
    )
    assert modified.status_code == 422  # needs its modified text: on the item's own page
    nothing = post(client, path, [("step", "publish"), ("selected", "motion:999999")])
    assert nothing.status_code == 422
    assert "select at least one" in text(page(nothing))
    none = post(client, path, [("selected", f"motion:{shown.id}")])
    assert none.status_code == 422
    assert statuses(session, shown) == ["published"]

    done = post(client, path, [("step", "recommend"), ("recommendation", "reject"), *selected])
    assert done.status_code == 303
    session.expire_all()
    stored = session.get(Motion, shown.id)
    assert (stored.status, stored.recommendation) == ("recommended", "reject")


def test_a_motion_of_another_call_is_not_touched(client, provider, session, world):
    call, first, *_ = arranged(session, world)
    other = make_call(session, world.state_convention, title="Herbst")
    foreign = submitted_motion(session, other, world.people["pia"])
    session.commit()
    log_in_as(client, provider, "bo", PEOPLE["bo"])
    path = f"/calls/{call.id}/manage"
    answer = post(client, path, [("step", "publish"), ("selected", f"motion:{foreign.id}"),
                                 ("selected", f"motion:{first.id}")])  # fmt: skip
    assert answer.status_code == 303
    assert statuses(session, first, foreign) == ["published", "submitted"]


def test_twenty_identical_bulk_steps_at_once_move_each_item_once(
    client, provider, session, world, settings
):
    call, first, second, shown, amendment = arranged(session, world)
    log_in_as(client, provider, "bo", PEOPLE["bo"])
    csrf = token(client)
    cookies = dict(client.cookies.items())
    chosen = [f"motion:{first.id}", f"motion:{second.id}", f"amendment:{amendment.id}"]
    form = {"csrf_token": csrf, "step": "publish", "selected": chosen}
    with served(lambda url: create_app(settings.with_changes(base_url=url))) as base_url:

        def send(one):
            return one.post(f"{base_url}/calls/{call.id}/manage", data=form)

        answers = Counter(r.status_code for r in race(20, send, cookies=cookies))
    assert answers[303] == 1, answers
    assert set(answers) <= {303, 409}, answers
    assert statuses(session, first, second, amendment) == ["published"] * 3
    changes = session.exec(
        select(func.count())
        .select_from(StatusChange)
        .where(StatusChange.to_status == "published")
        .where(col(StatusChange.motion_id).in_([first.id, second.id, shown.id]))
    ).one()
    assert changes == 4  # the three of the race once each, and the arranged one
    assert session.get(Amendment, amendment.id).published_at is not None
