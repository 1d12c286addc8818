"""Votes in a real Chromium, driven by the keyboard alone: a board's written decision that
becomes a resolution, a convention's open vote on an amendment, and its secret election
of a two-seat board with the quota, down to a voter finding her tracker.

Office staff (Gina) set up, open, close and publish each vote through the pages; the
board (Vera, chair; Bo and Bea) and the delegates (Dana, Dirk, Didi) each log in at the
real provider in a browser context of their own and cast their ballots. Every step that
matters is done with Tab / Shift+Tab, Enter, Space, the arrow keys and typing, never a
mouse click, and the focused control must show its focus. axe-core checks every distinct
page (and every state of the vote page) on the way.

Only the provider's login form, which stands in for the party's Keycloak, is filled in
the ordinary Playwright way, and pages are opened by their address as a member would
from a link or bookmark. Selectors use ids, form field names and German text (the
members' language here), like the other browser tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from plenum.motions import amendments
from plenum.motions.forms import TransitionInput
from plenum.settings import Settings
from tests.browser.conftest import check_a11y, new_context
from tests.support.factories import Structure, claims, structure
from tests.support.motions import amend, make_call, submitted_motion, who
from tests.support.motions import publish as publish_motion
from tests.support.oidc import Provider
from tests.support.web import enrol

pytestmark = pytest.mark.browser

PEOPLE = {
    "gina": claims(
        "gina",
        name="Gina Geschäftsstelle",
        chapter="lv-nrw",
        groups=("lv-nrw-geschaeftsstelle",),
        number="560001",
    ),
    "vera": claims("vera", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="560002"),
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="560003"),
    "bea": claims("bea", name="Bea Vorstand", groups=("lv-nrw-vorstand",), number="560004"),
    "dana": claims("dana", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="560005"),
    "dirk": claims("dirk", name="Dirk Delegiert", groups=("lv-nrw-delegiert",), number="560006"),
    "didi": claims("didi", name="Didi Delegiert", groups=("lv-nrw-delegiert",), number="560007"),
    "mia": claims("mia", name="Mia Mitglied", number="560008"),
}

TAB_LIMIT = 60  # no control on these pages is further than this from the top
VOTE_URL = re.compile(r"/votes/\d+$")
FLASH = ".flash"
STATUS = {
    "draft": "Entwurf",
    "open": "Offen",
    "closed": "Geschlossen, ausgezählt",
    "published": "Ergebnis veröffentlicht",
}

# Whether ``el`` has the focus (null) or else what has it, for the message when Tab never
# reaches the target.
FOCUS_ELSEWHERE = """el => {
  const active = document.activeElement;
  if (active === el) return null;
  if (!active || active === document.body) return "(body)";
  const text = (active.innerText || active.value || "").trim().slice(0, 30);
  return active.tagName.toLowerCase() + (active.id ? "#" + active.id : "")
    + (active.name ? "[name=" + active.name + "]" : "") + (text ? " '" + text + "'" : "");
}"""
FOCUS_STYLE = """el => {
  const style = getComputedStyle(el);
  return {
    focused: el === document.activeElement,
    focusVisible: el.matches(":focus-visible"),
    focusWithin: el.matches(":focus-within"),  // a date field's calendar button
    outline: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
  };
}"""


# --- the keyboard ------------------------------------------------------------------------------


def tab_to(page: Page, target: str | Locator, *, back: bool = False) -> Locator:
    """Press Tab (Shift+Tab with ``back``) until ``target`` has the focus, and check that
    the focus shows; fails naming the elements passed on the way.

    On a page just loaded nothing has the focus: then the first Tab must reach the skip
    link, and Enter on it moves the focus to the content, where the tabbing goes on."""
    found = page.locator(target) if isinstance(target, str) else target
    expect(found).to_have_count(1)
    if not back and page.evaluate("() => document.activeElement === document.body"):
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        expect(skip).to_be_focused()
        assert_focus_visible(skip)
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
    key = "Shift+Tab" if back else "Tab"
    passed: list[str] = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press(key)
        elsewhere = found.evaluate(FOCUS_ELSEWHERE)
        if elsewhere is None:
            assert_focus_visible(found)
            return found
        passed.append(elsewhere)
    pytest.fail(
        f"{key} pressed {TAB_LIMIT} times on {page.url} never reached {target}; "
        "focus went: " + " → ".join(passed)
    )


def assert_focus_visible(element: Locator) -> None:
    """The focused element shows a focus indicator: an outline or a box shadow."""
    style = element.evaluate(FOCUS_STYLE)
    assert style["focused"], f"not focused: {style}"
    outlined = style["outline"] != "none" and style["outlineWidth"] > 0
    assert outlined or style["boxShadow"] != "none", f"focus is invisible: {style}"


def confirm_ballot(page: Page, *, look: bool = False) -> None:
    """Check your ballot: the review takes the ballot's place with the focus on its
    heading, names what was marked, and casts by its first button."""
    heading = page.locator("#ballot h2")
    expect(heading).to_have_text("Prüfe deinen Stimmzettel")
    expect(heading).to_be_focused()
    expect(page.locator("#review-choices li").first).to_be_visible()
    if look:
        check_a11y(page, "votes-review")
    press(page, page.locator("#ballot").get_by_role("button", name="Stimme abgeben"))


def press(page: Page, target: str | Locator, key: str = "Enter") -> None:
    """Tab to ``target`` and press ``key`` on it (Enter for links and buttons)."""
    tab_to(page, target)
    page.keyboard.press(key)


def type_into(page: Page, target: str | Locator, text: str, *, replace: bool = False) -> None:
    """Tab to a field and type; with ``replace``, select what is there first."""
    tab_to(page, target)
    if replace:
        page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page: Page, select: str, typed: str, value: str) -> None:
    """Tab to a closed <select> and pick an option by typing the start of its label."""
    tab_to(page, select)
    page.keyboard.type(typed)
    expect(page.locator(select)).to_have_value(value)


def type_date(page: Page, field: str) -> None:
    """Type 1 January 2099, 12:00 into a datetime-local field, segment by segment.

    Day and month are both 01, so the order of the segments does not matter; after the
    (up to six digit) year, ArrowRight moves on to the time; "P" answers a 12-hour clock's
    AM/PM segment and is ignored by a 24-hour one."""
    tab_to(page, field)
    page.keyboard.type("01012099")
    page.keyboard.press("ArrowRight")
    page.keyboard.type("1200P")
    expect(page.locator(field)).to_have_value("2099-01-01T12:00")


def step(page: Page, action: str, status: str) -> None:
    """Take a lifecycle step with its button in the "Run this vote" panel."""
    press(page, f"#manage form[action$='/{action}'] button")
    expect(page.locator("#vote-status")).to_have_text(STATUS[status])
    expect(page.locator(FLASH)).to_be_visible()


def vote(
    page: Page,
    vote_url: str,
    label: str | re.Pattern[str],
    *,
    look: bool = False,
    blank_first: bool = False,
) -> str:
    """Open the vote, mark ``label`` on the ballot by keyboard and cast it; the receipt's
    tracker, or "" for a ballot that is not secret. With ``blank_first``, first cast
    the ballot unmarked and find the error tied to the choices."""
    page.goto(vote_url)
    if look:
        check_a11y(page, "votes-ballot")
    ballot = page.locator("#ballot")
    if blank_first:
        press(page, ballot.locator("button[type=submit]"))
        error = ballot.locator("#choice-error[role=alert]")
        expect(error).to_have_text("Bitte triff eine Wahl.")
        expect(ballot.locator("fieldset")).to_have_attribute("aria-describedby", "choice-error")
        check_a11y(page)
    radios = ballot.locator("input[name=choice]")
    wanted = ballot.get_by_label(label)
    expect(wanted).to_have_count(1)
    # Tab enters a radio group at its first radio; the arrow keys move and mark.
    tab_to(page, radios.first)
    for _ in range(radios.count()):
        if wanted.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(wanted).to_be_checked()
    expect(wanted).to_be_focused()
    assert_focus_visible(wanted)
    press(page, ballot.locator("button[type=submit]"))
    confirm_ballot(page, look=look)
    # The receipt takes the ballot's place on the page, and the focus moves to it.
    receipt = page.locator("#ballot h2")
    expect(receipt).to_have_text("Deine Stimme ist abgegeben")
    expect(receipt).to_be_focused()
    if look:
        check_a11y(page, "votes-receipt")
    tracker = page.locator("#tracker")
    return tracker.inner_text().strip() if tracker.count() else ""


# --- people --------------------------------------------------------------------------------------


@pytest.fixture
def org(session: Any) -> Structure:
    return structure(session)


@pytest.fixture
def ids(org: Structure, session: Any, settings: Settings, provider: Provider) -> dict[str, int]:
    """The people, known to Plenum (as after a first login) and to the provider."""
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)
    return {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}


@pytest.fixture
def member(
    browser: Browser, live_server: str, provider: Provider
) -> Iterator[Callable[[str], Page]]:
    """``member(sub)``: a page logged in as ``sub``, in a browser context of its own."""
    pages: dict[str, Page] = {}

    def logged_in(sub: str) -> Page:
        if sub not in pages:
            ctx = new_context(browser)
            page = pages[sub] = ctx.new_page()
            page.goto(f"{live_server}/auth/login?next=/")
            page.wait_for_url(provider.url + "/oauth2/authorize**")
            page.locator("input[name=sub]").fill(sub)
            page.get_by_role("button", name="Authorize").click()
            page.wait_for_url(live_server + "/")
            expect(page.locator(".account .who")).to_have_text(PEOPLE[sub]["name"])
        return pages[sub]

    yield logged_in
    for page in pages.values():
        page.context.close()


# --- the tests -----------------------------------------------------------------------------------


def test_a_board_decides_in_writing_and_the_resolution_is_published(
    ids: dict[str, int], member: Callable[[str], Page], live_server: str
) -> None:
    title = "Zuschuss für die Kinderbetreuung"
    question = "Der Landesvorstand stellt **3.000 €** für Kinderbetreuung bereit."

    # Gina sets the written decision up from the board's vote list.
    gina = member("gina")
    gina.goto(f"{live_server}/bodies/lv-nrw-board/votes")
    expect(gina.get_by_role("heading", level=1)).to_have_text("Abstimmungen: Landesvorstand NRW")
    check_a11y(gina)
    press(gina, "a[href='/bodies/lv-nrw-board/votes/new']")
    gina.wait_for_url("**/bodies/lv-nrw-board/votes/new")
    expect(gina.get_by_role("heading", level=1)).to_have_text("Abstimmung anlegen")
    check_a11y(gina)
    type_into(gina, "#field-title", title)
    type_into(gina, "#field-question", question)
    choose(gina, "#field-kind", "Umlauf", "written")
    type_date(gina, "#field-closes_at")
    submit = tab_to(gina, "#vote-form button[type=submit]")
    tab_to(gina, "#field-closes_at", back=True)  # the end time comes right before the button
    tab_to(gina, submit)
    gina.keyboard.press("Enter")
    gina.wait_for_url(VOTE_URL)
    vote_url = gina.url
    expect(gina.locator(FLASH)).to_be_visible()
    expect(gina.get_by_role("heading", level=1)).to_have_text(title)
    expect(gina.locator("#vote-status")).to_have_text(STATUS["draft"])
    expect(gina.locator(".prose strong")).to_have_text("3.000 €")
    check_a11y(gina)

    step(gina, "open", "open")
    expect(gina.locator("#turnout")).to_contain_text("0 von 3")
    check_a11y(gina)

    # The chair and both board members vote; each sees the ballot and a receipt.
    for sub, choice in (("vera", "Ja"), ("bo", "Ja"), ("bea", "Nein")):
        tracker = vote(member(sub), vote_url, choice, look=sub == "vera", blank_first=sub == "bea")
        assert tracker == ""  # an open vote has no trackers
        expect(member(sub).locator("#your-choices")).to_have_text(choice)

    # Gina closes and publishes.
    gina.goto(vote_url)
    expect(gina.locator("#turnout")).to_contain_text("3 von 3")
    step(gina, "close", "closed")
    expect(gina.locator("#outcome")).to_contain_text("beschlossen")
    check_a11y(gina)
    step(gina, "publish", "published")
    outcome = "Angenommen (Ja: 2, Nein: 1, Enthaltungen: 0)."
    expect(gina.locator("#outcome")).to_contain_text(outcome)
    check_a11y(gina)

    # The board member sees the published result and the ballots.
    bea = member("bea")
    bea.goto(vote_url)
    expect(bea.locator("#outcome")).to_contain_text(outcome)
    expect(bea.locator("#manage")).to_have_count(0)
    check_a11y(bea)
    press(bea, f"a[href='{_path(vote_url)}/ballots']")
    bea.wait_for_url(f"{vote_url}/ballots")
    expect(bea.locator(".anonymous-ballots li")).to_have_count(3)
    expect(bea.locator("#trackers")).to_have_count(0)
    check_a11y(bea)

    # The list shows it published; the resolution is among the board's resolutions.
    gina.goto(f"{live_server}/bodies/lv-nrw-board/votes")
    expect(gina.locator(".vote-list li")).to_contain_text(STATUS["published"])
    check_a11y(gina)
    gina.goto(f"{live_server}/bodies/lv-nrw-board/resolutions")
    link = gina.locator("#resolution-list a", has_text=title)
    check_a11y(gina)
    press(gina, link)
    gina.wait_for_url(re.compile(r"/bodies/lv-nrw-board/resolutions/\d{4}/1$"))
    expect(gina.get_by_role("heading", level=1)).to_have_text(title)
    expect(gina.locator(".resolution .facts")).to_contain_text(outcome)
    expect(gina.locator(".resolution-text strong")).to_have_text("3.000 €")
    check_a11y(gina)


def test_a_convention_votes_on_an_amendment_and_elects_a_board_with_the_quota(
    org: Structure,
    ids: dict[str, int],
    member: Callable[[str], Page],
    live_server: str,
    session: Any,
) -> None:
    convention_votes = f"{live_server}/bodies/lv-nrw-convention/votes"
    amendment_url = live_server + _published_amendment(session, org, ids)

    # Gina marks the three delegates present, from the convention's vote list.
    gina = member("gina")
    gina.goto(convention_votes)
    check_a11y(gina)
    press(gina, "a[href='/bodies/lv-nrw-convention/attendance']")
    gina.wait_for_url("**/bodies/lv-nrw-convention/attendance")
    check_a11y(gina)
    for sub in ("dana", "dirk", "didi"):
        row = gina.locator("#attendance tbody tr", has_text=PEOPLE[sub]["name"])
        expect(row).to_contain_text("abwesend")
        press(gina, row.locator(f"form:has(input[name=member_id][value='{ids[sub]}']) button"))
        expect(row).to_contain_text("anwesend")
        expect(row.locator("button")).to_contain_text("Abwesend melden")
    check_a11y(gina)

    # The vote on the amendment, set up from the amendment's page.
    gina.goto(amendment_url)
    check_a11y(gina)
    press(gina, gina.get_by_role("link", name="Abstimmung dazu anlegen"))
    gina.wait_for_url("**/bodies/lv-nrw-convention/votes/new?**")
    form = gina.locator("#vote-form")
    expect(form.locator("input[name=amendment_id]")).to_have_value(re.compile(r"^\d+$"))
    expect(form.locator("#field-title")).to_have_value("A1-Ä1")
    expect(form.locator("#field-kind")).to_have_value("meeting")
    expect(form.locator("#field-mode")).to_have_value("open")
    check_a11y(gina)
    press(gina, "#vote-form button[type=submit]")
    gina.wait_for_url(VOTE_URL)
    amendment_vote = gina.url
    expect(gina.locator(".facts a[href^='/amendments/']")).to_have_text("A1-Ä1")
    step(gina, "open", "open")
    expect(gina.locator("#turnout")).to_contain_text("0 von 3")

    for sub, choice in (("dana", "Ja"), ("dirk", "Ja"), ("didi", "Nein")):
        vote(member(sub), amendment_vote, choice)

    gina.goto(amendment_vote)
    step(gina, "close", "closed")
    step(gina, "publish", "published")
    expect(gina.locator("#outcome")).to_contain_text("Angenommen (Ja: 2, Nein: 1")
    press(gina, ".facts a[href^='/amendments/']")
    gina.wait_for_url(amendment_url)
    expect(gina.locator("dl.facts dd").first).to_have_text(re.compile("Beschlossen|Angenommen"))
    check_a11y(gina)

    # The election: two seats with the quota, by secret ballot.
    gina.goto(convention_votes)
    press(gina, "a[href='/bodies/lv-nrw-convention/votes/new']")
    gina.wait_for_url("**/bodies/lv-nrw-convention/votes/new")
    type_into(gina, "#field-title", "Wahl des Landesvorstands")
    # The form asks only what applies: the fields of an election show once it is chosen
    # (without JavaScript all groups show, each under its legend).
    expect(gina.locator("#field-seats")).to_be_hidden()
    expect(gina.locator("#field-majority")).to_be_visible()
    choose(gina, "#field-method", "Person", "election")
    expect(gina.locator("#field-seats")).to_be_visible()
    expect(gina.locator("#field-max_choices")).to_be_hidden()
    expect(gina.locator("#field-closes_at")).to_be_hidden()  # a meeting's vote: by hand
    choose(gina, "#field-mode", "Geh", "secret")
    type_into(gina, "#field-options", "Carl")
    choose(gina, "#field-election_of", "Vorst", "board")
    type_into(gina, "#field-seats", "2", replace=True)
    type_into(gina, "#field-women", "Anna\nBirgit")
    press(gina, "#field-quota", "Space")
    expect(gina.locator("#field-quota")).to_be_checked()
    press(gina, "#vote-form button[type=submit]")
    gina.wait_for_url(VOTE_URL)
    first_ballot = gina.url
    expect(gina.locator("dl.facts")).to_contain_text("1 Sitz · Frauenplatz")
    check_a11y(gina)
    step(gina, "open", "open")

    # The first ballot is for the women's seat: Carl is not on it.
    dana = member("dana")
    dana.goto(first_ballot)
    expect(dana.locator("#ballot label")).to_have_count(4)  # Anna, Birgit, abstain, invalid
    expect(dana.locator("#ballot")).not_to_contain_text("Carl")
    for sub, choice in (("dana", "Anna"), ("dirk", "Anna"), ("didi", "Birgit")):
        tracker = vote(member(sub), first_ballot, re.compile(f"^{choice}"), look=sub == "dana")
        assert re.fullmatch(r"([0-9A-F]{4}-){4}[0-9A-F]{4}", tracker), tracker

    gina.goto(first_ballot)
    step(gina, "close", "closed")
    step(gina, "publish", "published")
    expect(gina.locator("#seats")).to_contain_text("Anna")
    check_a11y(gina, "votes-result")
    press(gina, "#manage form[action$='/next'] button")
    expect(gina.locator(FLASH)).to_contain_text("nächste Wahlgang")
    expect(gina).not_to_have_url(first_ballot)
    second_ballot = gina.url
    assert VOTE_URL.search(second_ballot), second_ballot
    expect(gina.locator("#vote-status")).to_have_text(STATUS["draft"])
    step(gina, "open", "open")

    # The seat open to all: Birgit and Carl stand, Anna is elected already.
    dana.goto(second_ballot)
    expect(dana.locator("#ballot")).not_to_contain_text("Anna")
    noted = ""
    for sub, choice in (("dana", "Carl"), ("dirk", "Carl"), ("didi", "Birgit")):
        tracker = vote(member(sub), second_ballot, re.compile(f"^{choice}"))
        noted = noted or tracker  # Dana writes hers down

    gina.goto(second_ballot)
    step(gina, "close", "closed")
    check_a11y(gina)
    step(gina, "publish", "published")
    expect(gina.locator("#seats")).to_contain_text("Carl")

    # Dana finds her tracker among the published ones.
    dana.goto(second_ballot)
    expect(dana.locator("#seats")).to_contain_text("Carl")
    check_a11y(dana)
    press(dana, f"a[href='{_path(second_ballot)}/ballots']")
    dana.wait_for_url(f"{second_ballot}/ballots")
    check_a11y(dana)
    type_into(dana, "#tracker-search", noted)
    dana.keyboard.press("Enter")
    expect(dana.locator("#tracker-found")).to_contain_text(
        "Dein Prüfcode steht in der Liste: deine Stimme wurde gezählt."
    )
    press(dana, dana.locator("#tracker-found a"))
    expect(dana.locator("#my-tracker code")).to_have_text(noted)
    expect(dana.locator("#my-tracker")).to_be_in_viewport()
    expect(dana.locator("#trackers code")).to_have_count(3)
    expect(dana.locator("#tracker-search")).to_have_value(noted)
    check_a11y(dana, "votes-tracker-found")


def _published_amendment(session: Any, org: Structure, ids: dict[str, int]) -> str:
    """A published motion to the convention with a published amendment; its path."""
    call = make_call(session, org.state_convention)
    motion = publish_motion(session, submitted_motion(session, call, ids["mia"]), ids["gina"])
    changed = motion.text.replace("per Video", "per Video und Telefon")
    amendment = amend(session, motion, ids["mia"], changed, title="Auch per Telefon")
    at = amendments.amendment_place(amendment.id or 0, session=session)
    amendments.transition(
        at, "publish", TransitionInput(), principal=who(session, ids["gina"]), session=session
    )
    return f"/amendments/{amendment.id}"


def _path(url: str) -> str:
    """The path of a URL on the live server."""
    return "/" + url.split("/", 3)[3]
