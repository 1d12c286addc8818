"""A motion's whole path in a real Chromium: call, draft with preview, support, screening,
amendment with line references, recommendation, decision, merge, resolution and PDF.

Two members (Anna and Ben, Ortsverband Köln-Kalk) and Bo, who chairs the state board
that decides. axe-core checks every page of the app on the way.

With PLENUM_SCREENSHOTS=1 the test also writes the screenshots of docs/motions.md
(docs/img/motions-*.png); without it nothing is written, so CI never changes them.

Selectors use ids and form field names, or German-or-English text, so the test holds
while the German catalogue is still being filled in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import check_a11y
from tests.browser.test_browser import log_in
from tests.support.factories import claims, structure
from tests.support.motions import make_call
from tests.support.oidc import Provider

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1100, "height": 800}

PEOPLE = {
    "anna": claims("anna", name="Anna Antrag", number="310001"),
    "ben": claims("ben", name="Ben Basis", number="310002"),
    "bo": claims("bo", name="Bo Vorsitz", groups=("lv-nrw-vorsitz",), number="310003"),
}

TITLE = "Regionalkonferenzen für alle"
TEXT = (
    "Der Landesvorstand möge beschließen:\n\n"
    "Der Landesverband lädt alle Mitglieder zu regionalen Konferenzen ein, damit auch "
    "Genoss*innen mit Kindern oder im Schichtdienst mitreden können.\n\n"
    "- Jede Konferenz wird auch online übertragen.\n"
    "- Der Landesverband zahlt die Kinderbetreuung bis 3.000 €.\n\n"
    "Die Ergebnisse werden allen Mitgliedern zugänglich gemacht."
)
REASONS = "Viele Mitglieder können abends oder am Wochenende nicht reisen."
OLD_WORDS = "auch online übertragen"
NEW_WORDS = "auch online und barrierefrei übertragen"

LINE_REFERENCE = re.compile(r"(Zeile|line) 4\b", re.IGNORECASE)  # the list item changed
FLASH = ".flash"


def look(page: Page, step: str | None = None) -> None:
    """Check the page with axe; with PLENUM_SCREENSHOTS=1 keep it as
    docs/img/motions-<step>.png, and as on a 390 px phone as motions-<step>-phone.png."""
    check_a11y(page, f"motions-{step}" if step else None)


def become(page: Page, live_server: str, provider: Provider, sub: str) -> None:
    """Drop the current login and log in as ``sub`` through the provider's pages."""
    page.context.clear_cookies()
    log_in(page, live_server, provider, sub)


def support(page: Page, within: str) -> None:
    """Click the support button and wait until the server has taken the support."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/support")
    ) as answer:
        page.locator(f"{within} form[action$='/support'] button").click()
    assert answer.value.status == 303


def step(page: Page, name: str, **choices: str) -> None:
    """Take one lifecycle step from the "Next steps" panel (form id step-<name>)."""
    history = page.locator("ol.history > li")
    before = history.count()
    form = page.locator(f"#step-{name}")
    for field, value in choices.items():
        form.locator(f"select[name={field}]").select_option(value)
    form.locator("button[type=submit]").click()
    expect(history).to_have_count(before + 1)
    expect(page.locator(FLASH)).to_be_visible()
    look(page)


def test_motion_from_call_to_resolution_pdf(
    page: Page, live_server: str, provider: Provider, session: Any
) -> None:
    org = structure(session)
    call = make_call(
        session,
        org.state_board,
        title="Landesvorstand: Anträge im Frühjahr",
        motion_types=("motion",),
        supporters_required=1,
        line_length=80,
    )
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)
    page.set_viewport_size(VIEWPORT)
    call_url = f"{live_server}/calls/{call.id}"

    # Anna writes a motion, previews it with line numbers and submits it.
    become(page, live_server, provider, "anna")
    page.goto(call_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(call.title)
    look(page)
    page.locator(f"a[href='/calls/{call.id}/motions/new']").click()
    page.wait_for_url(f"{call_url}/motions/new")
    look(page)
    form = page.locator("#motion-form")
    form.locator("#field-title").fill(TITLE)
    form.locator("#field-text").fill(TEXT)
    form.locator("#field-reasons").fill(REASONS)
    form.locator("button[name=action][value=preview]").click()
    preview = page.locator("#preview-title + .motion-text")
    expect(preview).to_be_visible()
    numbers = preview.locator(".line-number")
    expect(numbers.first).to_have_text("1")
    expect(numbers).to_have_count(6)
    expect(preview.locator(".block-li")).to_have_count(2)
    expect(page.locator("#field-title")).to_have_value(TITLE)
    look(page, "form-preview")
    page.locator("#motion-form button[name=action][value=submit]").click()
    page.wait_for_url(re.compile(r"/motions/\d+$"))
    motion_url = page.url
    expect(page.locator(FLASH)).to_be_visible()
    expect(page.locator("h1 .number")).to_have_text("A1")
    expect(page.locator(".status")).to_have_text(re.compile("Unterstütz|Collecting supporters"))
    look(page)

    # Ben supports it; one supporter is enough, so it counts as submitted.
    become(page, live_server, provider, "ben")
    page.goto(motion_url)
    look(page)
    support(page, "#support")
    look(page)
    # With its one supporter the motion counts as submitted, which only its proposers
    # and the board see until it is published: Bo checks the support below.

    # Bo, who chairs the state board, screens and publishes it.
    become(page, live_server, provider, "bo")
    page.goto(motion_url)
    expect(page.locator(".status")).to_have_text(re.compile("Eingereicht|Submitted"))
    expect(page.locator("#support")).to_contain_text("Ben Basis")
    expect(page.locator(".motion-text .line-number").first).to_have_text("1")
    look(page, "motion")
    step(page, "screen")
    expect(page.locator(".status")).to_have_text(re.compile("Geprüft|Screened", re.IGNORECASE))
    step(page, "publish")
    expect(page.locator(".status")).to_have_text(re.compile("Veröffentlicht|Published"))

    # Ben writes an amendment that changes a few words and sees its line reference.
    become(page, live_server, provider, "ben")
    page.goto(motion_url)
    look(page)
    page.locator(f"a[href='{_path(motion_url)}/amendments/new']").click()
    page.wait_for_url(f"{motion_url}/amendments/new")
    look(page)
    form = page.locator("#amendment-form")
    text = form.locator("#field-text").input_value()
    assert OLD_WORDS in text
    form.locator("#field-title").fill("Barrierefreie Übertragung")
    form.locator("#field-text").fill(text.replace(OLD_WORDS, NEW_WORDS))
    form.locator("#field-reasons").fill("Alle sollen folgen können.")
    form.locator("button[name=action][value=submit]").click()
    page.wait_for_url(re.compile(r"/amendments/\d+$"))
    amendment_url = page.url
    expect(page.locator(FLASH)).to_be_visible()
    expect(page.locator("h1 .number")).to_have_text("A1-Ä1")
    instruction = page.locator("ol.instructions li").first
    expect(instruction).to_contain_text("barrierefrei")
    expect(instruction).to_have_text(LINE_REFERENCE)
    expect(page.locator(".motion-text.diff ins").first).to_contain_text("barrierefrei")
    look(page, "amendment")

    # Anna supports the amendment (the call asks for one supporter).
    become(page, live_server, provider, "anna")
    page.goto(motion_url)
    amendments = page.locator("#amendment-list")
    expect(amendments.locator("ul.instructions li").first).to_have_text(LINE_REFERENCE)
    look(page)
    amendments.locator(f"a[href='{_path(amendment_url)}']").click()
    page.wait_for_url(amendment_url)
    look(page)
    support(page, "main")
    look(page)

    # Bo publishes the amendment, recommends adopting both, records both decisions.
    become(page, live_server, provider, "bo")
    page.goto(amendment_url)
    look(page)
    step(page, "publish")
    step(page, "recommend", recommendation="adopt")
    page.goto(motion_url)
    look(page)
    step(page, "recommend", recommendation="adopt")
    page.goto(amendment_url)
    look(page)
    step(page, "decide", outcome="adopted")
    page.goto(motion_url)
    look(page)
    step(page, "decide", outcome="adopted")
    expect(page.locator(".status")).to_have_text(re.compile("Angenommen|Beschlossen|Adopted"))

    # ... merges the adopted amendment into a new version ...
    page.locator(f"a[href='{_path(motion_url)}/merge']").click()
    page.wait_for_url(f"{motion_url}/merge")
    look(page)
    merge = page.locator("#merge-form")
    expect(merge.locator("input[name=amendment]")).to_be_checked()
    merge.locator("button[name=action][value=preview]").click()
    expect(page.locator("#merge-form .motion-text.diff ins").first).to_contain_text("barrierefrei")
    expect(page.locator("#merge-form #field-text")).to_have_value(re.compile(NEW_WORDS))
    look(page, "merge")
    page.locator("#merge-form button[name=action][value=commit]").click()
    page.wait_for_url(motion_url)
    expect(page.locator(FLASH)).to_be_visible()
    expect(page.locator(".motion-text")).to_contain_text("barrierefrei")
    look(page)

    page.locator(f"a[href='{_path(motion_url)}/versions']").click()
    page.wait_for_url(f"{motion_url}/versions")
    expect(page.locator(".motion-text.diff ins").first).to_contain_text("barrierefrei")
    look(page)
    page.locator("nav.breadcrumbs a").click()
    page.wait_for_url(motion_url)
    look(page)

    # ... opens the resolution from the motion page ...
    page.locator("dl.facts a[href*='/resolutions/']").click()
    page.wait_for_url(re.compile(r"/bodies/lv-nrw-board/resolutions/\d{4}/1$"))
    expect(page.locator(".resolution .number")).to_have_text(re.compile(r"^\d{4}/1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".resolution-text")).to_contain_text(NEW_WORDS)
    look(page, "resolution")

    # ... and downloads the motion as PDF.
    page.locator(f".resolution a[href='{_path(motion_url)}']").click()
    page.wait_for_url(motion_url)
    look(page)
    with page.expect_download() as download:
        page.locator(f"a[href='{_path(motion_url)}/pdf']").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download.value.suggested_filename == "A1.pdf"

    # The call page lists the motion with its outcome and its amendment.
    page.goto(call_url)
    row = page.locator("#motion-list tbody tr").first
    expect(row).to_contain_text("A1")
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text(re.compile("Beschlossen|Adopted"))
    look(page, "call")


def _path(url: str) -> str:
    """The path of a URL on the live server."""
    return "/" + url.split("/", 3)[3]


def test_the_board_publishes_selected_motions_with_the_keyboard_on_a_phone(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    """The management table at 320 and 390 px: axe finds nothing, nothing scrolls the
    page sideways (the table scrolls in its own box); two motions are ticked, "publish"
    chosen and applied by keyboard; a refusal names the item and keeps the ticks."""
    from tests.browser.test_meetings_browser import fits
    from tests.browser.test_votes_browser import press, tab_to
    from tests.support.motions import publish, submitted_motion
    from tests.support.web import enrol

    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    call = make_call(session, org.state_board, title="Frühjahr")
    first = submitted_motion(session, call, ids["anna"], title="Kitas")
    second = submitted_motion(session, call, ids["anna"], title="Busse")
    done = publish(session, submitted_motion(session, call, ids["anna"], title="Mieten"), ids["bo"])
    session.commit()
    page.set_viewport_size({"width": 390, "height": 800})
    become(page, live_server, provider, "bo")
    page.goto(f"{live_server}/calls/{call.id}/manage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anträge verwalten")
    look(page)
    fits(page, 320)
    fits(page, 390)

    for motion in (first, done):
        tab_to(page, f"#select-motion-{motion.id}")
        page.keyboard.press("Space")
    tab_to(page, "#step-publish")
    page.keyboard.press("Space")
    press(page, ".bulk-actions button[type=submit]")
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Nichts wurde geändert")
    expect(refusal).to_contain_text(f"{done.number}: In seinem jetzigen Status nicht möglich.")
    expect(page.locator(f"#select-motion-{first.id}")).to_be_checked()
    look(page)
    fits(page, 320)

    tab_to(page, f"#select-motion-{done.id}")
    page.keyboard.press("Space")
    tab_to(page, f"#select-motion-{second.id}")
    page.keyboard.press("Space")
    press(page, ".bulk-actions button[type=submit]")
    expect(page.locator(FLASH)).to_have_text("2 Einträge sind den Schritt gegangen.")
    rows = page.locator(".manage-table tbody tr td:nth-child(4)")
    expect(rows).to_have_text(["Veröffentlicht"] * 3)
    look(page)


def test_withdrawing_a_motion_asks_first_and_going_back_changes_nothing(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    """By keyboard on a phone: "Zurückziehen" opens a page that says what will happen;
    "Nein, zurück" returns with the motion unchanged; the red button withdraws it."""
    from tests.browser.test_votes_browser import press
    from tests.support.motions import publish, submitted_motion
    from tests.support.web import enrol

    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    call = make_call(session, org.state_board, title="Frühjahr")
    motion = publish(
        session, submitted_motion(session, call, ids["anna"], title="Kitas"), ids["bo"]
    )
    session.commit()
    page.set_viewport_size({"width": 390, "height": 800})
    become(page, live_server, provider, "anna")
    motion_url = f"{live_server}/motions/{motion.id}"
    page.goto(motion_url)

    press(page, "#step-withdraw button[type=submit]")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Den Antrag „{motion.title}“ zurückziehen?")
    expect(heading).to_be_focused()
    look(page)
    press(page, page.get_by_role("link", name="Nein, zurück"))
    page.wait_for_url(motion_url)
    expect(page.locator("dd.status")).to_have_text("Veröffentlicht")

    press(page, "#step-withdraw button[type=submit]")
    expect(heading).to_be_focused()  # the question has arrived and holds the focus
    press(page, page.locator("#confirm-form button.danger"))
    page.wait_for_url(motion_url)
    expect(page.locator("dd.status")).to_have_text("Zurückgezogen")
    look(page)


def test_a_member_amends_a_line_from_the_motion_page_on_a_phone(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    """By keyboard at 390 px: the line number typed on the motion page opens the form at
    its paragraph (the focus in it); one changed word becomes the amendment to that line."""
    from tests.browser.test_votes_browser import press, type_into
    from tests.support.motions import publish, submitted_motion
    from tests.support.web import enrol

    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    call = make_call(session, org.state_board, title="Frühjahr", line_length=80)
    motion = publish(session, submitted_motion(session, call, ids["anna"]), ids["bo"])
    session.commit()
    page.set_viewport_size({"width": 390, "height": 800})
    become(page, live_server, provider, "ben")
    page.goto(f"{live_server}/motions/{motion.id}")
    look(page)
    # With a mouse or a finger, a line number is the way in (the keyboard has the field).
    page.locator("#line-3 .line-number").click()
    page.wait_for_url(re.compile(r"/amendments/new\?line=3$"))
    expect(page.locator("textarea[autofocus]")).to_have_attribute("name", "para_1")
    page.go_back()

    type_into(page, "#amend-line", "5")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/amendments/new\?line=5$"))
    chosen = page.locator("textarea[autofocus]")
    expect(chosen).to_be_focused()
    expect(chosen).to_have_value(re.compile(r"per Video an\.$"))
    look(page)
    page.keyboard.press("Control+End")
    page.keyboard.press("Backspace")  # the full stop
    page.keyboard.type(" und Telefon.")
    type_into(page, "#field-title", "Auch per Telefon")
    press(page, "#amendment-form button[value=submit]")
    page.wait_for_url(re.compile(r"/amendments/\d+$"))
    expect(page.locator(".instructions li")).to_have_text(
        "In Zeile 5 „an.“ ersetzen durch „an und Telefon.“."
    )
    look(page)


def test_a_new_member_submits_a_motion_in_three_clicks_from_the_start_page(
    page: Page, live_server: str, provider: Provider, session: Any
) -> None:
    """On a phone: the open call is on "Was steht an"; its link (1), "Antrag schreiben"
    (2) and "Antrag einreichen" (3) make the motion. Typing is not clicking."""
    org = structure(session)
    call = make_call(session, org.state_board, title="Anträge im Frühjahr", supporters_required=0)
    session.commit()
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)
    page.set_viewport_size({"width": 390, "height": 844})
    become(page, live_server, provider, "anna")  # her first login: a new member
    clicks = 0

    def click(target: Any) -> None:
        nonlocal clicks
        clicks += 1
        target.click()

    waiting = page.locator(".agenda-call a", has_text=call.title)
    expect(waiting).to_be_visible()
    look(page, "start")
    click(waiting)
    page.wait_for_url(f"{live_server}/calls/{call.id}")
    click(page.get_by_role("link", name="Antrag schreiben"))
    page.wait_for_url(f"{live_server}/calls/{call.id}/motions/new")
    expect(page.locator("#field-type")).to_have_value("motion")  # the first type, chosen
    page.locator("#field-title").fill(TITLE)
    page.locator("#field-text").fill(TEXT)
    click(page.locator("#motion-form button[name=action][value=submit]"))
    page.wait_for_url(re.compile(r"/motions/\d+$"))
    expect(page.locator("h1 .number")).to_have_text("A1")
    assert clicks <= 3
    look(page)


def test_a_board_member_clears_the_task_list_of_a_call_by_publishing_in_bulk(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    """The start page counts the motions to screen and publish; its link opens the call's
    management table, where ticking both and "Veröffentlichen" publishes them; back on
    the start page the task is gone."""
    from tests.browser.test_votes_browser import press, tab_to
    from tests.support.motions import submitted_motion
    from tests.support.web import enrol

    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    call = make_call(session, org.state_board, title="Frühjahr")
    waiting = [submitted_motion(session, call, ids["anna"], title=t) for t in ("Kitas", "Busse")]
    session.commit()
    become(page, live_server, provider, "bo")
    task = page.locator(".task-list li", has_text="Frühjahr")
    expect(task.locator(".kicker")).to_have_text("Anträge zu prüfen und zu veröffentlichen")
    expect(task.locator(".badge")).to_contain_text("2")
    look(page)

    press(page, task.locator("a"))
    page.wait_for_url(re.compile(rf"/calls/{call.id}/manage"))
    for motion in waiting:
        tab_to(page, f"#select-motion-{motion.id}")
        page.keyboard.press("Space")
    tab_to(page, "#step-publish")
    page.keyboard.press("Space")
    press(page, ".bulk-actions button[type=submit]")
    expect(page.locator(FLASH)).to_have_text("2 Einträge sind den Schritt gegangen.")
    look(page)

    page.goto(f"{live_server}/")
    expect(page.locator(".task-list li", has_text="Frühjahr")).to_have_count(0)
