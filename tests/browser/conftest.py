"""Browser fixtures: the app served by uvicorn on loopback, Debian's Chromium through
Playwright, and axe-core for the accessibility checks.

The browser tests are skipped when Chromium or axe-core is missing, unless
PLENUM_TEST_REQUIRE_BROWSER=1 (then they fail).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from plenum.app import create_app
from plenum.settings import Settings
from tests.support.served import served

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
]
LOOPBACK = {"127.0.0.1", "localhost"}
BLOCKING_IMPACTS = {"serious", "critical"}
IMG = ROOT / "docs" / "img"
SCREENSHOTS = os.environ.get("PLENUM_SCREENSHOTS") == "1"


def _missing(message: str) -> None:
    if os.environ.get("PLENUM_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message} (PLENUM_TEST_REQUIRE_BROWSER=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        _missing(f"Chromium not found at {CHROMIUM}: browser tests skipped")
    if not AXE.exists():
        _missing(f"axe-core not found at {AXE} (run `npm ci`): browser tests skipped")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The app on a free loopback port; yields its base URL (no trailing slash)."""
    with served(lambda base_url: create_app(settings.with_changes(base_url=base_url))) as url:
        yield url


def _loopback_only(route: Route) -> None:
    """No request leaves the machine (the provider's pages link a CDN stylesheet)."""
    if urlsplit(route.request.url).hostname in LOOPBACK:
        route.continue_()
    else:
        route.abort()


def new_context(browser: Browser, viewport: dict[str, int] | None = None) -> BrowserContext:
    """A German browser context that reaches only loopback. bypass_csp: axe is injected
    as a script tag, which the app's strict CSP forbids."""
    ctx = browser.new_context(
        bypass_csp=True, locale="de-DE", viewport=viewport or {"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    ctx.route("**/*", _loopback_only)
    # A member leaving a receipt whose tracker is unsaved is asked first; the tests go on.
    ctx.on("page", lambda opened: opened.on("dialog", lambda dialog: dialog.accept()))
    return ctx


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} (${n}x)`);
}"""


PHONE_WIDTHS = (320, 390)
# What sticks out to the right of the viewport: the page's excess, and the outermost
# elements that cause it (their descendants stick out with them and are not named).
SIDEWAYS = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const excess = root.scrollWidth - width;
  if (excess <= 0) return [excess, []];
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.getBoundingClientRect().right <= width + 0.5) continue;
    if (culprits.some((outer) => outer.contains(el))) continue;
    let inScroller = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === "auto" || s.overflowX === "scroll" || s.overflowX === "hidden") {
        inScroller = true; break;
      }
    }
    if (!inScroller) culprits.push(el);
  }
  return [excess, culprits.slice(0, 5).map((el) =>
    el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
    ` (${Math.round(el.getBoundingClientRect().right)} px)`)];
}"""


def check_phone_widths(page: Page) -> None:
    """The page does not scroll sideways on a 320 px or a 390 px wide phone, and axe finds
    nothing at 390 px either (the menu folds there, tables turn)."""
    size = page.viewport_size or {"width": 1280, "height": 900}
    try:
        for width in PHONE_WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            excess, culprits = page.evaluate(SIDEWAYS)
            assert excess <= 0, (
                f"{page.url} scrolls sideways by {excess} px at {width} px: {', '.join(culprits)}"
            )
        if size["width"] != PHONE_WIDTHS[-1]:
            run_axe(page)
    finally:
        page.set_viewport_size(size)


def run_axe(page: Page) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = page.evaluate("async () => await window.axe.run(document)")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    width = (page.viewport_size or {}).get("width")
    assert not blocking, f"accessibility violations on {page.url} at {width} px:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n  nodes: "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in blocking
    )


def check_a11y(page: Page, shot: str | None = None) -> None:
    """Run axe-core on the page as it is now and at 390 px; fail on serious or critical
    violations, on an id given twice (a label or a link to it would reach the wrong
    element), and on a page that scrolls sideways on a phone (320 and 390 px). With
    PLENUM_SCREENSHOTS=1, keep the page as docs/img/<shot>.png and <shot>-phone.png."""
    page.wait_for_load_state("load")
    twice = page.evaluate(DUPLICATE_IDS)
    assert not twice, f"ids used more than once on {page.url}: {', '.join(twice)}"
    check_phone_widths(page)
    run_axe(page)
    if shot and SCREENSHOTS:
        screenshot(page, shot)


def screenshot(page: Page, name: str) -> None:
    """The page as it is now, at 1100 px and as on a 390 px phone, for the docs."""
    size = page.viewport_size
    for suffix, width, height in (("", 1100, 800), ("-phone", 390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(IMG / f"{name}{suffix}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)
