"""The synthesis of a series through HTTP: suggested groups, merging with provenance,
splitting, minority variants, rejecting a suggestion, the log, and who may do what."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from plenum.orgs.service import principal_for
from plenum.series import forms, service
from plenum.series.access import allowed
from plenum.series.models import (
    Demand,
    DemandOrigin,
    Proposal,
    RejectedSuggestion,
    SeriesRole,
    SynthesisStep,
)
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting
from tests.support.series import make_series, place, session_of
from tests.support.web import english, enrol, log_in_as, page, post, text

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="760001"
    ),
    "sina": claims("sina", name="Sina Synthese", number="760002"),
    "mia": claims("mia", name="Mia Mitglied", number="760003"),
}
PROPOSALS = [
    ("Gebührenfreie Kitas", "Die Kita-Gebühren in NRW werden abgeschafft.", 23),
    ("Kitas ohne Gebühren", "Keine Gebühren mehr für Kitas in ganz NRW.", 17),
    ("Mehr Lehrkräfte", "Wir stellen 10.000 zusätzliche Lehrerinnen und Lehrer ein.", 9),
    ("Bus und Miete", "Ein Sozialticket für 9 Euro und ein Mietendeckel.", 12),
]


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    series = make_series(session, org.state, org.people["gina"], max_proposals="4")
    meeting = make_meeting(session, org.county, None, org.people["gina"])
    source = session_of(session, series, meeting.id)
    at = place(session, series)
    staff = principal_for(org.people["gina"], session=session)
    for title, body, weight in PROPOSALS:
        data = forms.parse_proposal(
            {"title": title, "text": body, "weight": str(weight)}, weighed=True, phoned=False
        )
        service.add_proposal(
            at, source, data, allowed(staff, at, session=session), principal=staff, session=session
        )
    session.add(SeriesRole(series_id=series.id, member_id=org.people["sina"], role="synthesis"))
    session.commit()
    org.series = series
    org.ids = {p.title: p.id for p in session.exec(select(Proposal)).all()}
    return org


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def count(session, model, *where):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_the_synthesis_group_confirms_a_suggested_group_and_the_demand_keeps_every_origin(
    client, provider, session, world
):
    path = f"/series/{world.series.id}/synthesis"
    kita = [world.ids["Gebührenfreie Kitas"], world.ids["Kitas ohne Gebühren"]]
    as_member(client, provider, "sina")
    soup = page(client.get(path))
    suggestion = soup.select_one(f"#suggestion-{kita[0]}-{kita[1]}")
    assert suggestion is not None  # the two Kita proposals are suggested as one
    form = suggestion.select_one("form[action$='/merge']")
    assert form.select_one("input[name^=title]")["value"] == "Gebührenfreie Kitas"  # heaviest
    ticked = [box["value"] for box in form.select("input[name=proposals][checked]")]
    assert ticked == [str(one) for one in kita]
    merge = [
        ("form_id", f"merge-{kita[0]}-{kita[1]}"),
        *[("proposals", str(one)) for one in kita],
        ("title", "Gebührenfreie Kitas in ganz NRW"),
        ("text", "Keine Kita-Gebühren mehr."),
    ]
    refused = post(client, f"{path}/merge", merge)  # no reason
    assert refused.status_code == 422
    assert "Please say why" in text(
        page(refused).select_one(f"#reason-merge-{kita[0]}-{kita[1]}-error")
    )
    assert count(session, Demand) == 0
    assert post(client, f"{path}/merge", [*merge, ("reason", "sagen dasselbe")]).status_code == 303
    again = post(client, f"{path}/merge", [*merge, ("reason", "noch einmal")])
    assert again.status_code == 409  # taken already: nothing twice
    assert count(session, Demand) == 1
    assert count(session, DemandOrigin) == 2

    as_member(client, provider, "mia")  # every member of the chapter sees it
    soup = page(client.get(path))
    demand = soup.select_one("#demands .demand")
    assert "Gebührenfreie Kitas in ganz NRW" in text(demand.select_one("h3"))
    origins = [text(li) for li in demand.select(".origin-list li")]
    assert any(
        "Kitas ohne Gebühren" in o and "17 dots" in o and "Kreisverband Köln" in o for o in origins
    )
    assert any("Die Kita-Gebühren in NRW werden abgeschafft." in o for o in origins)
    assert "Sina Synthese" in text(soup.select_one("#log"))
    assert "sagen dasselbe" in text(soup.select_one("#log"))
    assert not soup.select("form[action$='/merge']")  # members look, the group acts
    assert post(client, f"{path}/merge", [*merge, ("reason", "x")]).status_code == 403


def test_a_proposal_is_split_a_variant_kept_and_a_suggestion_rejected(
    client, provider, session, world
):
    path = f"/series/{world.series.id}/synthesis"
    both = world.ids["Bus und Miete"]
    as_member(client, provider, "sina")
    split = {
        "form_id": f"split-{both}",
        "proposal": str(both),
        "title_1": "Sozialticket",
        "text_1": "9 Euro im Monat.",
        "title_2": "Mietendeckel",
        "text_2": "Mieten deckeln.",
        "reason": "zwei Forderungen in einem Vorschlag",
    }
    assert post(client, f"{path}/split", split).status_code == 303
    parts = session.exec(select(DemandOrigin).where(DemandOrigin.proposal_id == both)).all()
    assert sorted(o.part for o in parts) == ["Mietendeckel", "Sozialticket"]
    assert post(client, f"{path}/split", split).status_code == 409  # split once

    main = session.exec(select(Demand).where(Demand.title == "Sozialticket")).one()
    variant = {
        "form_id": f"variant-{main.id}",
        "target": str(main.id),
        "title": "Kostenloser Nahverkehr",
        "text": "Bus und Bahn ohne Fahrschein.",
        "reason": "Minderheit wollte mehr",
    }
    assert post(client, f"{path}/variant", variant).status_code == 303
    soup = page(client.get(path))
    kept = soup.select_one(f"#demand-{main.id} .variant")
    assert "Kostenloser Nahverkehr" in text(kept)

    kita = sorted([world.ids["Gebührenfreie Kitas"], world.ids["Kitas ohne Gebühren"]])
    key = f"{kita[0]}-{kita[1]}"
    assert post(client, f"{path}/reject", {"key": key, "reason": "x"}).status_code == 303
    assert post(client, f"{path}/reject", {"key": key, "reason": "x"}).status_code == 303
    assert count(session, RejectedSuggestion) == 1
    assert not page(client.get(path)).select(f"#suggestion-{key}")
    assert post(client, f"{path}/reject", {"key": "1-x", "reason": "x"}).status_code == 422
    actions = [s.action for s in session.exec(select(SynthesisStep).order_by(SynthesisStep.id))]
    assert actions == ["split", "variant", "reject"]
