"""End to end in a real Chromium: login at the real provider, the member's pages, the
language switch, logout, a form with errors, and the keyboard. axe-core checks every
page of the app the tests see.

The provider's own pages (oidc-provider-mock's login form and end-session page) are
driven but not checked with axe: they stand in for the party's Keycloak and are not
part of Plenum.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y
from tests.support.factories import claims, structure
from tests.support.oidc import Provider

pytestmark = pytest.mark.browser


def log_in(page: Page, live_server: str, provider: Provider, sub: str) -> None:
    """From the start page through the provider's login form, back to the start page."""
    page.goto(live_server + "/")
    check_a11y(page)
    page.locator(".account").get_by_role("link", name="Anmelden").click()
    page.wait_for_url(provider.url + "/oauth2/authorize**")
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(live_server + "/")
    expect(page.locator(".account .who")).to_have_count(1)  # on a phone behind "Menü"
    check_a11y(page)


def test_member_logs_in_looks_around_switches_language_and_logs_out(
    page: Page, live_server: str, provider: Provider, session: Any
) -> None:
    structure(session)
    provider.set_user("anna", claims("anna", name="Anna Beispiel", chapter="ov-koeln-kalk"))

    log_in(page, live_server, provider, "anna")
    expect(page.locator(".account .who")).to_have_text("Anna Beispiel")
    nav = page.get_by_role("navigation", name=re.compile("Hauptnavigation|Main navigation"))
    expect(nav.get_by_role("link", name="Was steht an")).to_be_visible()
    expect(nav.get_by_role("link", name="Gliederungen")).to_be_visible()

    nav.get_by_role("link", name="Gliederungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gliederungen")
    check_a11y(page)

    page.get_by_role("link", name="Landesverband NRW", exact=True).click()
    page.wait_for_url(live_server + "/chapters/lv-nrw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Landesverband NRW")
    check_a11y(page)

    page.get_by_role("link", name="Landesvorstand NRW").click()
    page.wait_for_url(live_server + "/bodies/lv-nrw-board")
    expect(page.get_by_role("heading", level=1)).to_have_text("Landesvorstand NRW")
    check_a11y(page)

    nav.get_by_role("link", name="Meine Daten").click()
    page.wait_for_url(live_server + "/me")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Daten")
    chapters = page.locator("section[aria-labelledby=chapters-title]")
    expect(chapters.get_by_role("link", name="Ortsverband Köln-Kalk")).to_be_visible()
    expect(page.locator("a[href='/me/export.json'][download]")).to_be_visible()
    check_a11y(page)

    page.locator("#language-select").select_option("en")
    page.get_by_role("button", name="Sprache wechseln").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Switch language")).to_be_visible()
    assert page.url == live_server + "/me"
    check_a11y(page)

    page.locator(".account").get_by_role("button", name="Log out").click()
    page.wait_for_url(provider.url + "/oauth2/end_session**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(live_server + "/**")
    assert page.url.split("?")[0] == live_server + "/"
    expect(page.locator(".account").get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator(".account .who")).to_have_count(0)
    check_a11y(page)

    page.goto(live_server + "/me")
    expect(page.locator(".account .who")).to_have_count(0)


def test_office_staff_creates_a_body_after_fixing_the_form(
    page: Page, live_server: str, provider: Provider, session: Any
) -> None:
    structure(session)
    provider.set_user(
        "otto",
        claims("otto", name="Otto Office", chapter="lv-nrw", groups=("lv-nrw-geschaeftsstelle",)),
    )
    log_in(page, live_server, provider, "otto")

    page.goto(live_server + "/chapters/lv-nrw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Landesverband NRW")
    check_a11y(page)
    page.get_by_role("link", name="Gremium anlegen").click()
    page.wait_for_url(live_server + "/chapters/lv-nrw/bodies/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gremium anlegen")
    check_a11y(page)

    form = page.locator("#body-form")
    submit = form.get_by_role("button", name="Gremium anlegen")

    # "Empty": name and quorum are required in the browser too, so blanks get past that.
    form.get_by_label("Name").fill("   ")
    form.locator("#field-quorum_percent").fill(" ")
    submit.click()
    expect(form.locator(".error-summary")).to_be_visible()
    for field in ("name", "kind", "quorum_percent", "default_majority"):
        error = form.locator(f".field:has(#field-{field}) > .field-error")
        expect(error).to_be_visible()
        expect(form.locator(f"#field-{field}")).to_have_attribute("aria-invalid", "true")
        expect(form.locator(f"#field-{field}")).to_have_attribute(
            "aria-describedby", re.compile(rf"\b{field}-error\b")
        )
    check_a11y(page)

    # Partly right: what was typed stays, only the wrong fields are marked.
    form.get_by_label("Name").fill("Landesschiedsgericht NRW")
    form.locator("#field-quorum_percent").fill("fünfzig")
    submit = form.get_by_role("button", name="Gremium anlegen")
    submit.click()
    expect(form.locator("#field-quorum_percent")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field:has(#field-quorum_percent) > .field-error")).to_be_visible()
    expect(form.locator(".field:has(#field-kind) > .field-error")).to_be_visible()
    expect(form.locator(".field:has(#field-name) > .field-error")).to_have_count(0)
    expect(form.get_by_label("Name")).to_have_value("Landesschiedsgericht NRW")
    expect(form.locator("#field-quorum_percent")).to_have_value("fünfzig")
    check_a11y(page)

    form.locator("#field-kind").select_option("council")
    form.locator("#field-quorum_percent").fill("40")
    form.locator("#field-default_majority").select_option("absolute")
    form.get_by_role("button", name="Gremium anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Landesschiedsgericht NRW")
    expect(page.locator(".flash")).to_be_visible()
    check_a11y(page)

    page.goto(live_server + "/chapters/lv-nrw")
    bodies = page.locator("section[aria-labelledby=bodies-title]")
    expect(bodies.get_by_role("link", name="Landesschiedsgericht NRW")).to_be_visible()
    check_a11y(page)


def test_first_tab_reaches_the_visible_skip_link(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    check_a11y(page)
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["width"] > 0
    assert box["height"] > 0

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
