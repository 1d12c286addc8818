"""The answers a delegate gets when casting a ballot, tried in a real Chromium at a phone's
width, by the keyboard alone: the receipt as a whole page when JavaScript is off, the
receipt swapped in place by htmx when it is on, and the refusal when the vote was closed
while the ballot page stood open.

These answers are rendered apart from the vote page (kept per choice and language, with
the tracker and the CSRF token filled in at the last moment, see ``votes.routes._kept``),
so they get their own look: the status, the text, a header that names nobody yet carries
a working logout form, axe-core, and no sideways scrolling on a narrow phone.

The vote (secret, yes/no, of the state convention) is set up, opened and closed by office
staff through the services; the delegates log in at the real provider (``member``, from
the vote test) and take their cookies into a browser context of their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from plenum.clock import utcnow
from plenum.votes import results
from plenum.votes.models import Vote
from tests.browser.conftest import _loopback_only, check_a11y
from tests.browser.test_votes_browser import (
    confirm_ballot,
    ids,
    member,
    org,
    press,
    tab_to,
    vote,
)
from tests.support.factories import Structure
from tests.support.votes import make_vote, open_vote, present

pytestmark = pytest.mark.browser
__all__ = ["ids", "member", "org"]  # fixtures of the vote test, used here by name

PHONE = {"width": 390, "height": 844}
NARROWEST = 320  # the smallest phone width the pages are made for
CAST = "**/votes/*/cast"
RECEIPT = "Deine Stimme ist abgegeben"
REFUSED = "Deine Stimme wurde nicht gezählt"
CLOSED_MEANWHILE = "Diese Abstimmung wurde geschlossen. Deine Stimme wurde nicht gezählt."
CLOSING = "Wird geschlossen: Stimmen, die vor dem Schließen abgegeben wurden, werden noch gezählt"


@pytest.fixture
def secret_vote(session: Any, org: Structure, ids: dict[str, int]) -> Vote:
    """A secret yes/no vote of the state convention, open, the three delegates present."""
    convention = org.state_convention
    present(session, convention, ids["gina"], ids["dana"], ids["dirk"], ids["didi"])
    made = make_vote(session, org.state, convention, ids["gina"], mode="secret")
    return open_vote(session, made, ids["gina"])


@pytest.fixture
def without_js(browser: Browser, member: Callable[[str], Page]) -> Iterator[Callable[[str], Page]]:
    """``without_js(sub)``: a phone-sized page of ``sub`` with JavaScript off, logged in
    (at the provider, through ``member``) with the same cookies."""
    contexts: list[BrowserContext] = []

    def logged_in(sub: str) -> Page:
        cookies = member(sub).context.storage_state()
        ctx = browser.new_context(
            storage_state=cookies,
            java_script_enabled=False,
            bypass_csp=True,
            locale="de-DE",
            viewport=PHONE,
        )
        ctx.set_default_timeout(10_000)
        ctx.route("**/*", _loopback_only)
        contexts.append(ctx)
        return ctx.new_page()

    yield logged_in
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def inspector(browser: Browser) -> Iterator[Page]:
    """A page for axe-core, which needs JavaScript, to look at what a page without it
    shows: the app's own scripts are held back, so the markup stays as it was served."""
    ctx = browser.new_context(bypass_csp=True, locale="de-DE", viewport=PHONE)
    ctx.set_default_timeout(10_000)
    ctx.route("**/*", _loopback_only)
    ctx.route("**/*.js", lambda route: route.abort())
    yield ctx.new_page()
    ctx.close()


def check_a11y_without_js(page: Page, inspector: Page) -> None:
    """axe-core on ``page`` as its member sees it with JavaScript off (axe runs on timers,
    which do not run there): its markup, at its address, in the inspector."""
    html = page.content()
    inspector.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html"))
    inspector.goto(page.url)
    check_a11y(inspector)
    inspector.unroute(page.url)


def assert_no_sideways_scroll(page: Page, width: int) -> None:
    """At ``width`` px the page fits: nothing sticks out to the right."""
    page.set_viewport_size({"width": width, "height": PHONE["height"]})
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1], f"{page.url} scrolls sideways at {width} px: {sizes}"


def cast_yes(page: Page) -> Response:
    """Tab to "Ja", mark it with Space, Tab to the submit button and press Enter; the
    answer to the ballot."""
    ballot = page.locator("#ballot")
    yes = ballot.get_by_label("Ja", exact=True)
    tab_to(page, yes)
    page.keyboard.press("Space")
    expect(yes).to_be_checked()
    press(page, ballot.locator("button[type=submit]"))
    page.wait_for_load_state()
    expect(page.locator("#review-choices")).to_have_text("Ja")
    with page.expect_response(CAST) as answer:
        confirm_ballot(page)
    page.wait_for_load_state()
    return answer.value


def test_without_javascript_the_receipt_is_a_whole_page(
    secret_vote: Vote, without_js: Callable[[str], Page], inspector: Page, live_server: str
) -> None:
    page = without_js("dana")
    page.goto(f"{live_server}/votes/{secret_vote.id}")
    expect(page.locator("#vote-status")).to_have_text("Offen")

    answer = cast_yes(page)
    assert answer.status == 200
    assert "hx-request" not in answer.request.headers
    expect(page.get_by_role("heading", level=2)).to_have_text(RECEIPT)
    expect(page.locator("#your-choices")).to_have_text("Ja")
    expect(page.locator("#tracker")).to_have_text(re.compile(r"^([0-9A-F]{4}-){4}[0-9A-F]{4}$"))
    # The kept page names nobody, yet its logout form carries this member's token.
    expect(page.locator(".account .who")).to_have_count(0)
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    assert token
    logout = page.locator(".account form input[name=csrf_token]")
    expect(logout).to_have_value(token)
    check_a11y_without_js(page, inspector)
    assert_no_sideways_scroll(page, PHONE["width"])
    assert_no_sideways_scroll(page, NARROWEST)


def test_with_htmx_the_receipt_takes_the_ballots_place(
    secret_vote: Vote, member: Callable[[str], Page], live_server: str
) -> None:
    page = member("didi")
    page.set_viewport_size(PHONE)
    with page.expect_response(CAST) as answer:
        # Looks at the ballot and the receipt, and checks the focus is on its heading.
        tracker = vote(page, f"{live_server}/votes/{secret_vote.id}", "Ja", look=True)
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"
    assert re.fullmatch(r"([0-9A-F]{4}-){4}[0-9A-F]{4}", tracker), tracker
    # No page was loaded: the document is still the vote page, at its address.
    loaded = page.evaluate("() => performance.getEntriesByType('navigation')[0].name")
    assert loaded == page.url.split("#")[0] == f"{live_server}/votes/{secret_vote.id}"
    expect(page.locator("#ballot")).to_have_count(1)
    expect(page.locator("#ballot h2")).to_have_text(RECEIPT)
    expect(page.locator("#vote-status")).to_have_text("Offen")  # the rest of the page stayed
    # ... and counts the ballot: the turnout is read again once the receipt is in.
    expect(page.locator("#turnout")).to_have_text("1 von 3 Stimmberechtigten hat abgestimmt")


def test_a_ballot_sent_after_the_close_is_refused(
    secret_vote: Vote,
    without_js: Callable[[str], Page],
    inspector: Page,
    live_server: str,
    session: Any,
) -> None:
    vote_url = f"{live_server}/votes/{secret_vote.id}"
    page = without_js("dirk")
    page.goto(vote_url)
    expect(page.locator("#ballot form")).to_have_count(1)
    # Office staff close the vote while the ballot page stands open: it takes no more.
    results.stop_taking(secret_vote, utcnow() - timedelta(seconds=1), session=session)
    session.commit()

    answer = cast_yes(page)
    assert answer.status == 409
    expect(page.get_by_role("heading", level=2)).to_have_text(REFUSED)
    expect(page.locator("#choice-error")).to_have_text(CLOSED_MEANWHILE)
    check_a11y_without_js(page, inspector)
    assert_no_sideways_scroll(page, NARROWEST)

    page.goto(vote_url)
    expect(page.locator("#vote-status")).to_have_text(CLOSING)
    expect(page.locator("#ballot form")).to_have_count(0)
    check_a11y_without_js(page, inspector)


def test_leaving_an_unsaved_tracker_asks_first_and_saving_it_settles_that(
    secret_vote: Vote, member: Callable[[str], Page], live_server: str
) -> None:
    """The tracker cannot be shown again: with it unsaved, a link away asks first; once
    it is saved as a file (or copied, or printed), nothing is asked."""
    vote_url = f"{live_server}/votes/{secret_vote.id}"
    asked: list[str] = []
    dana = member("dana")
    dana.on("dialog", lambda dialog: asked.append(dialog.message))  # accepted by the context
    vote(dana, vote_url, "Ja")
    expect(dana.locator("#ballot [data-copy]")).to_be_visible()  # with JavaScript: copy
    expect(dana.locator("#ballot [data-print]")).to_be_visible()
    dana.locator("#ballot").get_by_role("link", name="Zurück zur Abstimmung").click()
    expect(dana.locator("#vote-status")).to_be_visible()
    assert asked == [
        "Du hast deinen Prüfcode noch nicht gesichert. Plenum kann ihn nicht noch einmal"
        " zeigen. Trotzdem verlassen?"
    ]

    dirk = member("dirk")
    dirk.on("dialog", lambda dialog: asked.append(dialog.message))
    shown = vote(dirk, vote_url, "Nein")
    with dirk.expect_download() as saved:
        press(dirk, "#tracker-file")
    path = saved.value.path()
    assert path.read_bytes().decode().endswith(f": {shown}\r\n")
    assert saved.value.suggested_filename == f"pruefcode-{secret_vote.id}.txt"
    dirk.locator("#ballot").get_by_role("link", name="Zurück zur Abstimmung").click()
    expect(dirk.locator("#vote-status")).to_be_visible()
    assert len(asked) == 1  # only Dana was asked


def test_changing_the_ballot_after_the_review_keeps_the_marks_and_the_focus(
    secret_vote: Vote, member: Callable[[str], Page], live_server: str
) -> None:
    """Check, then "Stimmzettel ändern": the ballot is back with "Ja" still marked, and
    the focus is on it (not at the top of the page), so the keyboard goes on from there."""
    page = member("dirk")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/votes/{secret_vote.id}")
    ballot = page.locator("#ballot")
    yes = ballot.get_by_label("Ja", exact=True)
    yes.focus()  # the way there by Tab is tested by the vote journeys
    page.keyboard.press("Space")
    ballot.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#review-choices")).to_have_text("Ja")
    # the review is swapped in first and its heading takes the focus a moment later:
    # tabbing before that would start from a focus about to move
    expect(ballot.locator("h2")).to_be_focused()
    press(page, ballot.get_by_role("button", name="Stimmzettel ändern"))
    expect(ballot.get_by_label("Ja", exact=True)).to_be_checked()
    expect(ballot).to_be_focused()
    check_a11y(page)
