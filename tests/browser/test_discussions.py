"""Two members discuss a motion in a real Chromium: a comment quoting lines, unread
marks on the start page and the motion page, the "new since your last visit" marker, a
reply, a moderator hiding the comment, and the daily digest at a real SMTP server.

Anna comments, Ben (who proposed the motion, so he follows its discussion) reads and
replies, Mo moderates the Landesverband NRW. Each has a browser context of their own and
logs in at the real provider. axe-core checks every page of Plenum they see.

Selectors use ids and form field names, or German-or-English text, so the test holds
while the German catalogue is still being filled in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from plenum.clock import utcnow
from plenum.i18n import gettext, in_locale, ngettext
from plenum.mail.command import run_digests
from plenum.settings import Settings
from plenum.times import LOCAL_TIME
from tests.browser.conftest import _loopback_only, check_a11y
from tests.browser.test_browser import log_in
from tests.support.factories import claims, structure
from tests.support.motions import make_call, publish, submitted_motion
from tests.support.oidc import Provider
from tests.support.smtp import Inbox, smtp_server
from tests.support.web import enrol

pytestmark = pytest.mark.browser

PEOPLE = {
    "anna": claims("anna", name="Anna Antrag", number="320001"),
    "ben": claims("ben", name="Ben Basis", number="320002"),
    "mo": claims("mo", name="Mo Moderation", chapter="lv-nrw", groups=("lv-nrw-moderation",)),
    "gina": claims(
        "gina", name="Gina Office", chapter="lv-nrw", groups=("lv-nrw-geschaeftsstelle",)
    ),
}

COMMENT = "Die Video-Teilnahme reicht nicht, wir brauchen auch Kinderbetreuung vor Ort."
REPLY = "Guter Punkt, das nehme ich in die Begründung auf."
FOLLOW_UP = "Danke! Dann unterstütze ich den Antrag."
REASON = "Bitte beim Thema bleiben"
NEW_MARKER = re.compile("neu seit deinem letzten Besuch|new since your last visit")
QUOTE_CAPTION = re.compile(r"(Zeilen?|lines) 5–6")  # lines 5-6 of MOTION_TEXT at 80 characters
HIDDEN = re.compile(rf"^(ausgeblendet|hidden): {REASON}$")
FLASH = ".flash"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as found:
        yield found


@pytest.fixture
def settings(settings: Settings, inbox: Inbox) -> Settings:
    """The suite's settings with the loopback SMTP server: the live server uses them too."""
    return settings.with_changes(**inbox.settings(), mail_from="Plenum <plenum@example.org>")


@contextmanager
def member_page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context, made like the ``context`` fixture, for a second member."""
    ctx = browser.new_context(
        bypass_csp=True, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    ctx.route("**/*", _loopback_only)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def send_comment(page: Page, body: str, lines: tuple[int, int] | None = None) -> None:
    """Fill the comment form at #write and send it; wait for the comment's anchor."""
    write = page.locator("#write")
    write.locator("#field-body").fill(body)
    if lines is not None:
        write.locator("#field-quote_first").fill(str(lines[0]))
        write.locator("#field-quote_last").fill(str(lines[1]))
    write.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/threads/\d+\?at=\d+(#c\d+)?$"))


def test_two_members_discuss_a_motion_a_moderator_hides_and_the_digest_tells(
    page: Page,
    browser: Browser,
    live_server: str,
    provider: Provider,
    session: Any,
    settings: Settings,
    inbox: Inbox,
) -> None:
    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)
    call = make_call(session, org.state_convention, motion_types=("motion",), line_length=80)
    motion = publish(session, submitted_motion(session, call, ids["ben"]), ids["gina"])
    motion_url = f"{live_server}/motions/{motion.id}"
    title = f"{motion.number} {motion.title}"  # the discussion's title

    # Anna opens the motion, follows the link to its discussion and comments on lines 5-6.
    log_in(page, live_server, provider, "anna")
    page.goto(motion_url)
    link = page.locator(".discussion-link a")
    expect(link).to_have_text(re.compile("Diskussion|Discussion"))
    expect(page.locator(".discussion-link .badge")).to_have_count(0)
    check_a11y(page)
    link.click()
    page.wait_for_url(re.compile(r"/threads/\d+$"))
    thread_url = page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.locator(".discussed-text .line-number").first).to_have_text("1")
    check_a11y(page)
    # The lines are chosen in the text beside: a click on line 5's number, Shift for 6.
    five = page.locator(".discussed-text #line-5 .line-number")
    expect(five).to_have_attribute("title", re.compile("5"))
    five.click()
    page.locator(".discussed-text #line-6 .line-number").click(modifiers=["Shift"])
    expect(page.locator("#field-quote_first")).to_have_value("5")
    expect(page.locator("#field-quote_last")).to_have_value("6")
    expect(page.locator(".discussed-text .line.quoted")).to_have_count(2)
    send_comment(page, COMMENT)
    first = page.locator("#c1")
    expect(first.locator(".author")).to_have_text("Anna Antrag")
    expect(first.locator(".prose")).to_have_text(COMMENT)
    expect(first.locator(".quote figcaption")).to_have_text(QUOTE_CAPTION)
    expect(first.locator(".quote figcaption a")).to_have_attribute("href", "#line-5")
    quote = first.locator(".quote blockquote")
    expect(quote).to_contain_text("Teilnahme per Video")
    expect(quote).to_contain_text("bis zu 3.000 € bereit")
    check_a11y(page)

    with member_page(browser) as ben:
        # Ben sees the discussion unread on his start page and on the motion page ...
        log_in(ben, live_server, provider, "ben")
        unread = ben.locator(".agenda-thread")
        expect(unread).to_have_count(1)
        expect(unread.locator("a")).to_have_text(title)
        expect(unread.locator("a")).to_have_attribute("href", re.compile(r"^/threads/\d+#new$"))
        expect(unread.locator(".badge")).to_contain_text("1")
        ben.goto(motion_url)
        expect(ben.locator(".discussion-link .badge")).to_contain_text("1")
        check_a11y(ben)

        # ... opens it and finds the marker right before Anna's comment ...
        ben.locator(".discussion-link a").click()
        ben.wait_for_url(re.compile(r"/threads/\d+(#new)?$"))
        marker = ben.locator("#new")
        expect(marker).to_have_text(NEW_MARKER)
        expect(ben.locator("#new + article#c1")).to_have_count(1)
        expect(ben.locator("#c1 .new-label")).to_be_visible()
        expect(ben.locator("#c1 .quote figcaption")).to_have_text(QUOTE_CAPTION)
        check_a11y(ben)

        # ... and answers it.
        answer = ben.locator("#c1 .comment-actions a[href^='?reply_to=']")
        expect(answer).to_contain_text(re.compile("Antworten|Reply"))
        href = answer.get_attribute("href") or ""
        comment_id = int(re.fullmatch(r"\?reply_to=(\d+)#write", href).group(1))  # type: ignore[union-attr]
        answer.click()
        ben.wait_for_url(re.compile(rf"\?reply_to={comment_id}#write$"))
        expect(ben.locator("#write input[name=reply_to]")).to_have_value(str(comment_id))
        expect(ben.locator("#write #field-quote_first")).to_have_count(0)  # replies quote no lines
        check_a11y(ben)
        send_comment(ben, REPLY)
        reply = ben.locator("#c2")
        expect(reply).to_have_class(re.compile(r"\breply\b"))
        expect(reply.locator(".prose")).to_have_text(REPLY)
        expect(ben.locator("article#c1 + .replies > article#c2")).to_have_count(1)
        expect(ben.locator("#new")).to_have_count(0)  # all read now
        check_a11y(ben)

        # Mo, moderator of the Landesverband, hides Anna's comment with a reason.
        with member_page(browser) as mo:
            log_in(mo, live_server, provider, "mo")
            mo.goto(thread_url)
            check_a11y(mo)
            hide = mo.locator(f"#c1 a[href='/comments/{comment_id}/hide']")
            expect(hide).to_be_visible()
            hide.click()
            mo.wait_for_url(f"{live_server}/comments/{comment_id}/hide")
            expect(mo.locator(".comment .prose")).to_have_text(COMMENT)
            check_a11y(mo)
            mo.locator("#field-reason").fill(REASON)
            mo.locator(f"form[action='/comments/{comment_id}/hide'] button[type=submit]").click()
            mo.wait_for_url(re.compile(r"/threads/\d+\?at=1(#c1)?$"))
            expect(mo.locator(FLASH)).to_be_visible()
            expect(mo.locator("#c1 .placeholder")).to_have_text(HIDDEN)
            expect(mo.locator("#c1 details .prose")).to_have_text(COMMENT)  # moderators only
            expect(mo.locator(f"#c1 a[href='/comments/{comment_id}/restore']")).to_be_visible()
            check_a11y(mo)

        # Ben sees the reason in place of the comment, and neither its text nor its quote.
        ben.goto(thread_url)
        expect(ben.locator("#c1 .placeholder")).to_have_text(HIDDEN)
        expect(ben.locator("#c1 .prose")).to_have_count(0)
        expect(ben.locator("#c1 .quote")).to_have_count(0)
        expect(ben.locator("#c1 details")).to_have_count(0)
        expect(ben.locator("#c2 .prose")).to_have_text(REPLY)
        check_a11y(ben)

    # Anna writes once more; Ben reads it only in his daily digest.
    page.goto(thread_url)
    expect(page.locator("#c1 .placeholder")).to_have_text(HIDDEN)
    check_a11y(page)
    send_comment(page, FOLLOW_UP)
    expect(page.locator("#c3 .prose")).to_have_text(FOLLOW_UP)
    check_a11y(page)

    at = utcnow() + timedelta(minutes=1)
    outcome = run_digests(settings.with_changes(base_url=live_server), "daily", at=at)
    assert outcome.queued >= 1
    [mail] = inbox.to("ben@example.invalid")
    body = mail.get_content()
    thread_path = thread_url.removeprefix(live_server)
    with in_locale("de"):
        day = at.astimezone(LOCAL_TIME).strftime("%d.%m.%Y")
        assert mail["Subject"] == gettext("Plenum: what is new, %(day)s", day=day)
        assert body.startswith(gettext("Hello %(name)s,", name="Ben Basis"))
        assert gettext("Discussions with new comments") in body
        count = ngettext("%(num)s new comment", "%(num)s new comments", 1)
    assert body.startswith("Hallo Ben Basis,")  # Ben chose no language: German
    assert f"- {title}: {count} (Anna Antrag)" in body
    assert f"{live_server}{thread_path}#c3" in body
    assert COMMENT not in body  # the digest tells, it does not quote
    assert FOLLOW_UP not in body
    assert mail["List-Unsubscribe"].startswith(f"<{live_server}/unsubscribe/")
    [raw] = [r for r, (_, to) in zip(inbox.raw, inbox.envelopes, strict=True) if "ben@" in to[0]]
    assert f"\nList-Unsubscribe: <{live_server}/unsubscribe/".encode() in raw  # as sent: plain
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["From"] == "Plenum <plenum@example.org>"


def test_agreeing_keeps_the_members_place_and_shows_the_pressed_state(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    """Deep in a long thread, "Zustimmen" by keyboard: the page does not jump, the button
    keeps the focus and shows that it is pressed (bold, with a tick), the count says so in
    the right plural; pressing again takes it back."""
    from tests.support.discuss import comment, topic

    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)
    thread = topic(session, org.state, ids["ben"], title="Kinderbetreuung vor Ort")
    for n in range(2, 16):
        comment(session, thread.id, ids["ben"], f"Beitrag {n}: " + "Mehr dazu. " * 30)
    session.commit()

    log_in(page, live_server, provider, "anna")
    page.goto(f"{live_server}/threads/{thread.id}#c12")
    button = page.locator("#agree-12")
    count = page.locator("#c12 .agree-count")
    expect(count).to_have_text("0 Zustimmungen")
    before = page.evaluate("() => window.scrollY")
    assert before > 0
    button.focus()  # from the comment the link led to, Tab goes on from there
    page.keyboard.press("Enter")
    expect(count).to_have_text("1 Zustimmung")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_be_focused()
    assert button.evaluate("el => getComputedStyle(el).fontWeight") == "700"
    assert abs(page.evaluate("() => window.scrollY") - before) < 200  # still at #c12
    check_a11y(page)
    page.keyboard.press("Enter")
    expect(count).to_have_text("0 Zustimmungen")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()
