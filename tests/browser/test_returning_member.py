"""A member back after two weeks (care work, shift work) finds everything new in one place:
the start page, on a phone, with what waits for her nearest deadline first, and the
notifications with what happened meanwhile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from plenum.clock import utcnow
from plenum.discuss import service as discussion
from plenum.motions import service as motions
from tests.browser.conftest import check_a11y
from tests.browser.test_browser import log_in
from tests.support.discuss import comment, topic
from tests.support.factories import claims, structure
from tests.support.motions import make_call, publish, submitted_motion, who
from tests.support.oidc import Provider
from tests.support.votes import make_vote, open_vote
from tests.support.web import enrol

pytestmark = pytest.mark.browser

PEOPLE = {
    "clara": claims("clara", name="Clara Care", number="470001"),
    "ole": claims("ole", name="Ole Ortsverband", number="470002"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="470003"
    ),
}


def test_back_after_two_weeks_a_care_worker_sees_everything_new_in_one_place(
    page: Page, live_server: str, provider: Provider, session: Any, settings: Any
) -> None:
    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    for sub, person in PEOPLE.items():
        provider.set_user(sub, person)
    # Before she left: she opened a topic (so she follows it) and supported Ole's motion.
    thread = topic(session, org.state, ids["clara"], title="Kinderbetreuung bei Konferenzen")
    call = make_call(session, org.state_board, title="Anträge im Frühjahr", supporters_required=1)
    motion = submitted_motion(session, call, ids["ole"], title="Mehr Kitas")
    place = motions.motion_place(motion.id or 0, session=session).place
    motions.toggle_support(motion, place, principal=who(session, ids["clara"]), session=session)
    session.commit()
    # While she was away: two replies, her motion published, a member survey opened.
    comment(session, thread.id, ids["ole"], "Gute Idee, ich frage im Kreisverband.")
    comment(session, thread.id, ids["gina"], "Die Geschäftsstelle kann helfen.")
    publish(session, motion, ids["gina"])
    survey = make_vote(
        session, org.state, None, ids["gina"], kind="survey", method="ranked",
        title="Themen der Regionalkonferenzen", options="Mieten\nPflege",
        closes_at=(utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    open_vote(session, survey, ids["gina"])
    session.commit()
    assert discussion.follows(ids["clara"], thread_id=thread.id, session=session)

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, provider, "clara")
    waiting = page.locator("#agenda-title + ul.agenda > li")
    expect(waiting.filter(has_text=survey.title).locator(".kicker")).to_have_text(
        "Offene Abstimmung: gib deine Stimme ab"
    )
    expect(waiting.filter(has_text=call.title)).to_have_count(1)  # the call is still open
    news = waiting.filter(has_text="Kinderbetreuung bei Konferenzen")
    expect(news.locator(".badge")).to_contain_text("2")
    check_a11y(page)

    page.locator(".menu-toggle").click()
    notifications = page.locator(".nav-list a[href='/notifications']")
    expect(notifications.locator(".badge")).to_be_visible()
    notifications.click()
    page.wait_for_url(f"{live_server}/notifications")
    told = page.locator(".notification-list > li", has_text="Mehr Kitas")
    expect(told.locator("a").first).to_contain_text("den du unterstützt: veröffentlicht")
    expect(told.locator("time").first).to_have_text("gerade eben")
    check_a11y(page)
