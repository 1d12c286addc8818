"""A series in Chromium: a facilitator records two sessions' results, a member proposes in
the online week on a phone, the synthesis group merges two proposals and splits one, and
members see each demand with its origins. axe on every page, at both widths
(``check_a11y``)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import select

from plenum.series.models import SeriesRole
from plenum.votes.models import Vote
from tests.browser.conftest import check_a11y
from tests.browser.test_browser import log_in
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting
from tests.support.motions import make_call
from tests.support.oidc import Provider
from tests.support.series import channel, make_series, session_of
from tests.support.votes import cast, close, publish
from tests.support.web import enrol

pytestmark = pytest.mark.browser

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="780001"
    ),
    "fred": claims("fred", name="Fred Moderation", number="780002"),
    "mia": claims("mia", name="Mia Mitglied", number="780003"),
    "sina": claims("sina", name="Sina Synthese", number="780004"),
}
# Members of Köln who rank the demands too (a region needs five voters to be shown).
RANKERS = {f"koeln{n}": claims(f"koeln{n}", number=f"78010{n}") for n in range(5)}


def become(page: Page, live_server: str, provider: Provider, sub: str) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, provider, sub)


def unfold(details: Locator) -> None:
    """Open a <details> by its summary (once the page has settled after a swap)."""
    details.page.wait_for_load_state("networkidle")
    details.locator("summary").first.click()
    expect(details).to_have_attribute("open", "")


def record(page: Page, source_id: int, title: str, text: str, dots: str) -> None:
    """Enter one proposal of a session through its form."""
    box = page.locator(f"#source-{source_id}")
    unfold(box.locator("details.proposal-entry"))
    box.locator(f"#field-title-{source_id}").fill(title)
    box.locator(f"#field-text-{source_id}").fill(text)
    box.locator(f"#field-weight-{source_id}").fill(dots)
    listed = box.locator(".proposal-list > li")
    before = listed.count()
    box.get_by_role("button", name="Vorschlag erfassen").click()
    expect(listed).to_have_count(before + 1)  # the flash may still be the last one's
    expect(page.locator(".flash")).to_contain_text("Der Vorschlag wurde aufgenommen.")


def test_results_of_two_sessions_and_the_online_week_are_merged_and_split_with_their_origins(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    org = structure(session)
    ids = {
        sub: enrol(session, settings, sub, person) for sub, person in {**PEOPLE, **RANKERS}.items()
    }
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)
    series = make_series(session, org.state, ids["gina"])
    cologne = session_of(session, series, make_meeting(session, org.county, None, ids["gina"]).id)
    online = make_meeting(session, org.state, None, ids["gina"], title="Abendsitzung online")
    evening = session_of(session, series, online.id)
    week = channel(session, series, "online_week")
    call = make_call(session, org.state_board, title="Anträge an den Landesvorstand")
    for sub, role in (("fred", "facilitator"), ("sina", "synthesis")):
        session.add(SeriesRole(series_id=series.id, member_id=ids[sub], role=role))
    session.commit()
    series_url = f"{live_server}/series/{series.id}"

    # The facilitator records the attendance and the proposals of two sessions.
    become(page, live_server, provider, "fred")
    page.goto(series_url)
    check_a11y(page)
    box = page.locator(f"#source-{cologne.id}")
    unfold(box.locator("details.facilitator"))
    box.locator(f"#field-hall-{cologne.id}").fill("42")
    box.locator(f"#field-online-{cologne.id}").fill("11")
    box.get_by_role("button", name="Teilnahme speichern").click()
    expect(box).to_contain_text("Teilnahme: 42 im Saal, 11 online")
    record(page, cologne.id, "Gebührenfreie Kitas", "Die Kita-Gebühren werden abgeschafft.", "31")
    record(page, cologne.id, "Bus und Miete", "Ein Sozialticket und mehr Sozialwohnungen.", "12")
    record(page, evening.id, "Kitas ohne Gebühren", "Keine Gebühren mehr für Kitas.", "17")
    expect(page.locator(f"#source-{cologne.id} .proposal-list h4").first).to_have_text(
        "Gebührenfreie Kitas"
    )
    check_a11y(page)

    # A member who attended nothing proposes in the online week, on her phone.
    page.set_viewport_size({"width": 390, "height": 844})
    become(page, live_server, provider, "mia")
    page.goto(series_url)
    box = page.locator(f"#source-{week.id}")
    unfold(box.locator("details.proposal-entry"))
    box.locator(f"#field-title-{week.id}").fill("Mehr Lehrkräfte")
    box.locator(f"#field-text-{week.id}").fill("Jede Schule bekommt die Stellen, die sie braucht.")
    box.get_by_role("button", name="Vorschlagen").click()
    expect(page.locator(".flash")).to_contain_text("Der Vorschlag wurde aufgenommen.")
    check_a11y(page)

    # The synthesis group confirms the suggested Kita group and splits the double proposal.
    page.set_viewport_size({"width": 1100, "height": 800})
    become(page, live_server, provider, "sina")
    page.goto(f"{series_url}/synthesis")
    suggestion = page.locator(".suggestion").filter(has_text="Kitas ohne Gebühren")
    expect(suggestion).to_contain_text("Gebührenfreie Kitas")
    check_a11y(page)
    suggestion.locator("input[name=reason]").first.fill("Beide sagen dasselbe.")
    suggestion.get_by_role("button", name="Zu einer Forderung zusammenführen").click()
    expect(page.locator(".flash")).to_contain_text("zusammengeführt")
    double = page.locator("#unassigned li").filter(has_text="Bus und Miete")
    unfold(double.locator("details"))
    double.locator("input[name=title_1]").fill("Sozialticket")
    double.locator("textarea[name=text_1]").fill("Bus und Bahn für 9 Euro.")
    double.locator("input[name=title_2]").fill("Mehr Sozialwohnungen")
    double.locator("textarea[name=text_2]").fill("Das Land baut selbst.")
    double.locator("input[name=reason]").fill("Zwei Forderungen in einem Vorschlag.")
    double.get_by_role("button", name="Teilen").click()
    expect(page.locator(".flash")).to_contain_text("geteilt")
    expect(page.locator("#log li")).to_have_count(2)
    check_a11y(page)

    # Members see each demand with every origin, its own wording and weight.
    become(page, live_server, provider, "mia")
    page.goto(f"{series_url}/synthesis")
    kita = page.locator(".demand").filter(has=page.locator("h3", has_text="Kitas"))
    expect(kita.locator(".origin-list > li")).to_have_count(2)
    expect(kita).to_contain_text("17 Klebepunkte")
    expect(kita).to_contain_text("Kreisverband Köln")
    housing = page.locator(".demand").filter(has=page.locator("h3", has_text="Sozialwohnungen"))
    expect(housing).to_contain_text("Teil: Mehr Sozialwohnungen")
    expect(page.locator("#log")).to_contain_text("Sina Synthese")
    check_a11y(page)

    # Office staff open the members' evaluation; Mia ranks the demands on the vote's page.
    become(page, live_server, provider, "gina")
    page.goto(f"{series_url}/synthesis")
    page.get_by_role("button", name="Bewertung durch die Mitglieder starten").click()
    expect(page.locator(".flash")).to_contain_text("Bewertung durch die Mitglieder ist offen")
    vote = session.exec(select(Vote)).one()
    become(page, live_server, provider, "mia")
    page.goto(f"{series_url}/synthesis")
    page.get_by_role("link", name="Forderungen bewerten").click()
    page.wait_for_url(f"{live_server}/votes/{vote.id}")
    check_a11y(page)
    ballot = page.locator("#ballot")
    ballot.get_by_label("Sozialticket", exact=True).select_option("1")
    ballot.get_by_label("Mehr Sozialwohnungen", exact=True).select_option("2")
    ballot.get_by_role("button", name="Stimmzettel prüfen").click()
    ballot.get_by_role("button", name="Stimme abgeben").click()
    expect(page.locator("#ballot h2")).to_have_text("Deine Stimme ist abgegeben")
    with page.expect_download():  # she keeps her tracker: the page lets her leave
        page.locator("#tracker-file").click()
    session.rollback()  # see what the site wrote: the series now has its evaluation
    for sub in RANKERS:
        cast(session, vote, ids[sub], ["Sozialticket", "Mehr Sozialwohnungen"])
    close(session, vote, ids["gina"])
    publish(session, vote, ids["gina"])
    session.commit()

    # The ranks and the breakdown show; the motion is drafted with the provenance.
    become(page, live_server, provider, "gina")
    page.goto(f"{series_url}/synthesis")
    expect(page.locator(".demand h3", has_text="Sozialticket")).to_contain_text("Rang 1")
    region = page.locator("table.breakdown").first
    expect(region).to_contain_text("Kreisverband Köln")
    expect(region).to_contain_text("100 %")
    check_a11y(page)
    page.locator("#decision select[name=call]").select_option(str(call.id))
    page.get_by_role("button", name="Antrag entwerfen").click()
    page.wait_for_url(re.compile(r"/motions/\d+$"))
    expect(page.locator("main")).to_contain_text("Rang 1 bei 6 Mitgliedern")
    expect(page.locator("main")).to_contain_text("Vorgeschlagen in:")
    check_a11y(page)
