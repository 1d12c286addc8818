"""A survey in Chromium: office staff build a named survey with a condition, a county
adds its own question, a member answers on a phone with the keyboard alone, a caller works
through three calls with three outcomes, and the evaluation shows both channels and
downloads an export. axe on every page, at both widths (``check_a11y``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import select

from plenum.clock import utcnow
from plenum.orgs.models import ChapterRole
from plenum.surveys import answering
from plenum.surveys.access import survey_place
from plenum.surveys.models import Survey, SurveyQuestion
from plenum.times import local_input
from tests.browser.conftest import check_a11y
from tests.browser.test_browser import log_in
from tests.browser.test_votes_browser import press, tab_to, type_into
from tests.support.factories import claims, structure
from tests.support.oidc import Provider
from tests.support.web import enrol

pytestmark = pytest.mark.browser

PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    "kai": claims("kai", name="Kai Kreis", chapter="kv-koeln", number="790002"),
    "mia": claims("mia", name="Mia Mitglied", number="790003"),
    "vera": claims("vera", name="Vera Volunteer", number="790004"),
    **{
        sub: {**claims(sub, name=name, number=f"79010{n}"), "phone_number": f"0221 55501{n}"}
        for n, (sub, name) in enumerate(
            (("anna", "Anna Anruf"), ("bert", "Bert Besetzt"), ("cem", "Cem Falsch"))
        )
    },
}
# Members whose answers are entered beforehand: five online and four on the phone, so each
# channel has five and shows in the breakdown (no group under five is shown).
ONLINE = {f"on{n}": claims(f"on{n}", number=f"79020{n}") for n in range(5)}
PHONED = {f"ph{n}": claims(f"ph{n}", number=f"79030{n}") for n in range(4)}


def become(page: Page, live_server: str, provider: Provider, sub: str) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, provider, sub)


def unfold(details: Locator) -> None:
    details.page.wait_for_load_state("networkidle")
    details.locator("summary").first.click()
    expect(details).to_have_attribute("open", "")


def add_question(page: Page, section: Locator, kind: str, text: str, **fields: str) -> None:
    unfold(section.locator("details"))
    form = section.locator("details form")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("textarea[name=text]").fill(text)
    if "options" in fields:
        form.locator("textarea[name=options]").fill(fields["options"])
    if "condition" in fields:
        form.locator("select[name=condition]").select_option(label=fields["condition"])
    if fields.get("required"):
        form.locator("input[name=required]").check()
    form.get_by_role("button", name="Frage hinzufügen").click()
    expect(page.locator(".flash")).to_contain_text("Die Frage ist hinzugefügt.")


def test_a_survey_is_built_answered_online_and_by_phone_and_evaluated(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    org = structure(session)
    people = {
        sub: enrol(session, settings, sub, person)
        for sub, person in {**PEOPLE, **ONLINE, **PHONED}.items()
    }
    session.add(ChapterRole(member_id=people["kai"], chapter_id=org.county.id, role="office_staff"))
    session.commit()
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)

    # Office staff set up a named survey with a section, a question and one with a condition.
    become(page, live_server, provider, "gina")
    page.goto(f"{live_server}/chapters/lv-nrw/surveys/new")
    check_a11y(page)
    page.locator("#field-title").fill("Wie arbeiten wir zusammen?")
    page.locator("#anonymous-no").check()
    page.locator("#field-closes_at").fill(local_input(utcnow() + timedelta(days=14)))
    page.get_by_role("button", name="Befragung anlegen").click()
    expect(page.locator(".flash")).to_contain_text("Die Befragung ist angelegt.")
    survey_url = page.url
    unfold(page.locator("#build > details"))
    page.locator("#field-section-title").fill("Allgemein")
    page.get_by_role("button", name="Abschnitt hinzufügen").click()
    expect(page.locator(".flash")).to_contain_text("Der Abschnitt ist hinzugefügt.")
    first = page.locator(".survey-section").first
    add_question(
        page, first, "single", "Bist du in einer Gruppe aktiv?", options="Ja\nNein", required="1"
    )
    add_question(
        page,
        first,
        "text",
        "Was hält dich davon ab?",
        condition="Bist du in einer Gruppe aktiv? = Nein",
    )
    expect(first.locator(".question-list > li")).to_have_count(2)
    check_a11y(page, "surveys-build")

    # The county adds its own section and question; the state's stay as they are.
    become(page, live_server, provider, "kai")
    page.goto(survey_url)
    unfold(page.locator("#build > details"))
    page.locator("#field-section-chapter").select_option("kv-koeln")
    page.locator("#field-section-title").fill("Fragen aus Köln")
    page.get_by_role("button", name="Abschnitt hinzufügen").click()
    county = page.locator(".survey-section").nth(1)
    expect(county).to_contain_text("Fragen aus Köln")
    add_question(page, county, "scale", "Wie gut erreichst du die Geschäftsstelle?")
    expect(page.locator(".survey-section").first.locator("a", has_text="Ändern")).to_have_count(0)
    check_a11y(page)

    # Office staff look at the preview, open the survey and set up the phone campaign.
    become(page, live_server, provider, "gina")
    page.goto(survey_url + "/preview")
    expect(page.locator("main")).to_contain_text("Fragen aus Köln")
    check_a11y(page)
    page.goto(survey_url)
    page.get_by_role("button", name="Befragung öffnen").click()
    check_a11y(page)
    page.get_by_role("button", name="Öffnen und einladen").click()
    expect(page.locator(".flash")).to_contain_text("Die Befragung ist offen")
    page.get_by_role("link", name="Telefonaktion").click()
    page.locator("#field-script").fill("## Begrüßung\n\nHallo, hier ist die Linke NRW.")
    page.get_by_role("button", name="Telefonaktion anlegen").click()
    expect(page.locator(".flash")).to_contain_text("Die Telefonaktion ist angelegt.")
    page.locator("#caller-form #field-member_number").fill("790004")
    page.get_by_role("button", name="Anrufer:in hinzufügen").click()
    expect(page.locator("#callers")).to_contain_text("Vera Volunteer")
    check_a11y(page)

    survey = session.exec(select(Survey)).one()
    questions = {q.text: q for q in session.exec(select(SurveyQuestion))}
    at = survey_place(survey.id or 0, session=session)
    active = questions["Bist du in einer Gruppe aktiv?"]
    for n, sub in enumerate(ONLINE):
        member = people[sub]
        first_section = answering.questionnaire(at, member, session=session).sections[0]
        answering.save_section(
            at, member, first_section, {str(active.id): str(n % 2)}, session=session
        )
        answering.submit(at, member, session=session)
    for sub in PHONED:
        answering.answer_by_phone(
            at, people[sub], {str(active.id): "0"}, caller=people["gina"], session=session
        )
    session.commit()

    # A member answers on her phone with the keyboard alone.
    page.set_viewport_size({"width": 390, "height": 844})
    become(page, live_server, provider, "mia")
    expect(page.locator("main")).to_contain_text("Wie arbeiten wir zusammen?")  # start page
    page.goto(survey_url)
    check_a11y(page)
    press(page, page.get_by_role("link", name="Befragung beginnen"))
    expect(page.locator("h1")).to_have_text("Allgemein")
    tab_to(page, page.locator(f"#q{active.id}-0"))
    page.keyboard.press("ArrowDown")  # to "Nein": the question that depends on it shows
    expect(page.locator(f"#q{active.id}-1")).to_be_checked()
    why = questions["Was hält dich davon ab?"]
    expect(page.locator(f"#question-{why.id}")).to_be_visible()
    type_into(page, page.locator(f"#q{why.id}"), "Die Treffen sind abends, <b>ich arbeite</b>.")
    check_a11y(page, "surveys-answer")
    press(page, page.get_by_role("button", name="Speichern und weiter"))
    expect(page.locator("h1")).to_have_text("Fragen aus Köln")
    scale = questions["Wie gut erreichst du die Geschäftsstelle?"]
    tab_to(page, page.locator(f"#q{scale.id}-1"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#q{scale.id}-3")).to_be_checked()
    check_a11y(page)
    press(page, page.get_by_role("button", name="Speichern und Antworten prüfen"))
    expect(page.locator("h1")).to_have_text("Prüfe deine Antworten")
    expect(page.locator("main")).to_contain_text("<b>ich arbeite</b>")  # as text, not markup
    check_a11y(page)
    press(page, page.get_by_role("button", name="Antworten absenden"))
    expect(page.locator(".flash")).to_contain_text("Danke! Deine Antworten sind abgeschickt.")
    check_a11y(page)

    # The volunteer caller works through three calls with three outcomes.
    become(page, live_server, provider, "vera")
    page.goto(survey_url + "/calls")
    check_a11y(page)
    outcomes = []
    for outcome in ("answered", "not_reached", "wrong_number"):
        page.get_by_role("button", name="Nächstes Mitglied").click()
        expect(page.locator("#phone")).to_have_attribute("href", re.compile(r"^tel:0221"))
        outcomes.append(page.locator("#member-title").inner_text())
        check_a11y(page, "surveys-call" if not outcomes[1:] else None)
        if outcome == "answered":
            page.locator(f"#answers-form #q{active.id}-0").check()
            page.get_by_role("button", name="Antworten speichern").click()
        else:
            page.locator(f"#outcome-{outcome}").check()
            if outcome == "not_reached":
                later = local_input(utcnow() + timedelta(days=1))
                page.locator("#field-call_again_at").fill(later)
            page.get_by_role("button", name="Anruf festhalten").click()
        expect(page.locator("#own-calls li")).to_have_count(len(outcomes))
    assert sorted(outcomes) == ["Anna Anruf", "Bert Besetzt", "Cem Falsch"]
    expect(page.locator("#own-calls")).to_contain_text("Falsche Nummer")
    check_a11y(page)

    # The evaluation shows both channels, and the results download.
    page.set_viewport_size({"width": 1100, "height": 800})
    become(page, live_server, provider, "gina")
    page.goto(survey_url + "/results")
    check_a11y(page)
    page.locator("#results-by").select_option("channel")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator("main")).to_contain_text("Online")
    expect(page.locator("main")).to_contain_text("Telefon")
    check_a11y(page, "surveys-results")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ergebnisse als CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    page.goto(survey_url + "/campaign")
    expect(page.locator("#progress")).to_contain_text("Kreisverband Köln")
    check_a11y(page)
