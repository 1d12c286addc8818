"""The video room end to end: two Chromium pages in one meeting's room on a real Janus.

Vera chairs the meeting, Lena is registered and listens. Both join the video room and
enter it; Vera switches her microphone and camera on (the chair always may). Lena's page
shows Vera's picture (it has a size and plays on) and hears the audio bridge (its inbound
audio grows), without ever having asked for Lena's camera or microphone. Then Lena asks
to speak, Vera calls her in the live room, and the roles swap: Lena's page offers
"Switch on microphone and camera", and after her click her picture reaches Vera's page.

Every bit of media stays in a network namespace of the test's own: Janus (ICE on ``v0``
only, 10.99.0.1), the app (uvicorn on the namespace's loopback) and Chromium (launched by
Playwright through ``ip netns exec``; Playwright talks to it over pipes) all run inside
it. Every selected ICE candidate pair must use 10.99.0.x or 127.x addresses only.

Logging in is not under test here: the members' session cookies are made with the app's
secret (and their server-side session rows written), as a login would have left them.
Skipped without janus, Chromium or network namespaces (root), unless
PLENUM_TEST_REQUIRE_JANUS=1; only on SQLite (the app in the namespace opens the same
database file; PostgreSQL on the host's loopback is out of its reach).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeSerializer
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
)
from playwright.sync_api import Response as PageResponse

from plenum.auth import sessions
from plenum.auth.current import SESSION_KEY
from plenum.clock import utcnow
from plenum.meetings import agenda, forms, registration
from plenum.meetings.models import Meeting, MeetingRole
from plenum.settings import Settings
from plenum.video import sync
from plenum.video.janus_server import JanusConfig, JanusProcess, installed
from plenum.web.session import COOKIE_NAME, SESSION_ID
from tests.browser.conftest import CHROMIUM, check_a11y, new_context
from tests.support.factories import claims, structure
from tests.support.janus import missing
from tests.support.meetings import make_meeting, place
from tests.support.netns import Namespace
from tests.support.web import enrol

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="590001"
    ),
    "vera": claims("vera", name="Vera Vorsitz", number="590002"),
    "lena": claims("lena", name="Lena Lauscher", number="590003"),
    "otto": claims("otto", name="Otto Ortsverband", number="590004"),
}
APP_PORT, JANUS_PORT, ADMIN_PORT = 8000, 8088, 7088  # inside the namespace: all free
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
LOG_TAIL = 3_000  # characters of each log in a failure's message
MEDIA = 30_000  # ms: ICE, DTLS and the first frames on a slow machine
# The app with the settings in PLENUM_TEST_SETTINGS (JSON), on the namespace's loopback.
SERVE = """
import json, os, uvicorn
from plenum.app import create_app
from plenum.settings import Settings
settings = Settings(**json.loads(os.environ["PLENUM_TEST_SETTINGS"]))
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(os.environ["PLENUM_TEST_PORT"]),
            log_level="warning", lifespan="on")
"""
# Counts the page's calls of getUserMedia (a listener's page must make none), and keeps
# its uncaught errors and its exchanges with the relay (for a failure's message).
COUNT_GUM = """
(() => {
  window.gumCalls = 0;
  const devices = navigator.mediaDevices;
  if (devices && devices.getUserMedia) {
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (...args) => { window.gumCalls += 1; return original(...args); };
  }
  window.relayLog = [];
  const originalFetch = window.fetch.bind(window);
  window.fetch = async (url, options = {}) => {
    const answer = await originalFetch(url, options);
    if (String(url).includes("/video/janus")) {
      let sent = "";
      try { const b = JSON.parse(options.body); sent = b.janus + (b.body ? ":" + b.body.request : "") + (b.jsep ? "+jsep" : ""); } catch (e) {}
      answer.clone().text().then((text) => window.relayLog.push(
        `${((performance.now()) / 1000).toFixed(2)} ${options.method || "GET"} ${String(url).split("/janus")[1]} ${sent} -> ${answer.status} ${text.slice(0, 300)}`));
    }
    return answer;
  };
  window.pageErrors = [];
  window.addEventListener("error", (e) => window.pageErrors.push(
    `${e.message} (${e.filename}:${e.lineno}:${e.colno})`));
  window.addEventListener("unhandledrejection", (e) => window.pageErrors.push(String(e.reason)));
})();
"""
# A peer connection's inbound audio and its selected candidate pairs with both addresses.
STATS = """async (which) => {
  const pc = window.plenumVideo && window.plenumVideo.pcs[which];
  if (!pc) return null;
  const stats = await pc.getStats();
  const byId = new Map();
  stats.forEach((s) => byId.set(s.id, s));
  const found = { audioBytes: 0, audioPackets: 0, videoBytes: 0, pairs: [], state: pc.connectionState };
  for (const s of byId.values()) {
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      found.audioBytes += s.bytesReceived || 0;
      found.audioPackets += s.packetsReceived || 0;
      found.audioEnergy = (found.audioEnergy || 0) + (s.totalAudioEnergy || 0);
    }
    if (s.type === "inbound-rtp" && s.kind === "video") found.videoBytes += s.bytesReceived || 0;
    if (s.type === "transport" && s.selectedCandidatePairId) {
      const pair = byId.get(s.selectedCandidatePairId);
      const local = pair && byId.get(pair.localCandidateId);
      const remote = pair && byId.get(pair.remoteCandidateId);
      found.pairs.push({
        local: local && (local.address || local.ip), localType: local && local.candidateType,
        remote: remote && (remote.address || remote.ip), remoteType: remote && remote.candidateType,
      });
    }
  }
  return found;
}"""
VIDEO = """(id) => {
  const v = document.getElementById(id);
  return { width: v.videoWidth, height: v.videoHeight, time: v.currentTime, live: !!v.srcObject };
}"""
RELAY_LOG = "() => window.relayLog || []"
# What the page's subscription did: offers answered, m-lines switched, the room's events.
DONE = """() => { const v = window.plenumVideo;
  return { answered: v.answered, switched: v.switched, trail: [...v.trail], at: [...v.trailAt] }; }"""
# Waits until the page's room has told it ``what`` (e.g. "muted 42").
TOLD = "(what) => window.plenumVideo.trail.includes(what)"
# Posts a form of the live room from the page (its CSRF token added), without leaving it:
# "Ask to speak" ({kind: "speech"}), the chair's "Call" ({request_id: ""}: the next).
POST_FORM = """async ([url, fields]) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const body = new URLSearchParams({ csrf_token: csrf, ...fields });
  const answer = await fetch(url, { method: "POST", body, credentials: "same-origin" });
  return answer.status;
}"""
ASKING, CALLING_NEXT = {"kind": "speech"}, {"request_id": ""}


def ours(address: str | None) -> bool:
    """An address of the test's namespace: its veth pair or loopback."""
    return address is not None and address.startswith(("10.99.0.", "127."))


@dataclass(frozen=True)
class Served:
    """The app in the namespace: its base URL (as seen inside) and where it and Janus log."""

    url: str
    app_log: Path
    janus_log: Path

    def logs(self) -> str:
        tails = [
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-LOG_TAIL:]}"
            for path in (self.app_log, self.janus_log)
            if path.exists()
        ]
        return "\n".join(tails)


# --- the namespace and what runs in it -----------------------------------------------------------


@pytest.fixture
def ns() -> Iterator[Namespace]:
    if not installed():
        missing("janus not installed (apt-get install janus): video browser test skipped")
    if not CHROMIUM.exists():
        missing(f"Chromium not found at {CHROMIUM}: video browser test skipped")
    if not Namespace.available():
        missing("network namespaces unavailable (needs root and iproute2): test skipped")
    with Namespace() as made:
        yield made


@pytest.fixture
def served(ns: Namespace, settings: Settings, tmp_path: Path) -> Iterator[Served]:
    """The app inside the namespace, on a Janus inside it too."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the video browser test runs on SQLite only (--db sqlite)")
    events_secret = secrets.token_urlsafe(16)
    base_url = f"http://127.0.0.1:{APP_PORT}"
    values = {
        "env": settings.env,
        "database_url": settings.database_url,
        "secret_key": settings.secret_key,
        "base_url": base_url,
        "oidc_issuer": settings.oidc_issuer,
        "oidc_client_id": settings.oidc_client_id,
        "oidc_client_secret": settings.oidc_client_secret,
        "oidc_group_roles": settings.oidc_group_roles,
        "video_provider": "janus",
        "janus_url": f"http://127.0.0.1:{JANUS_PORT}/janus",
        "janus_events_secret": events_secret,
    }
    env = os.environ | {
        "PLENUM_TEST_SETTINGS": json.dumps(values),
        "PLENUM_TEST_PORT": str(APP_PORT),
        "PYTHONPATH": f"{ROOT / 'platform'}{os.pathsep}{ROOT}",
    }
    log = (tmp_path / "app.log").open("wb")
    app = subprocess.Popen(
        ns.argv([sys.executable, "-c", SERVE]), env=env, stdout=log, stderr=subprocess.STDOUT
    )
    janus = JanusProcess(wrapper=ns.argv([]), probe=ns.fetch)
    try:
        deadline = time.monotonic() + 30
        while ns.fetch(base_url + "/healthz") is None:
            assert app.poll() is None, (tmp_path / "app.log").read_text()
            assert time.monotonic() < deadline, "the app did not start in the namespace"
            time.sleep(0.2)
        config = JanusConfig(
            workdir=tmp_path / "janus",
            http_port=JANUS_PORT,
            admin_port=ADMIN_PORT,
            admin_secret=secrets.token_urlsafe(16),
            events_url=f"{base_url}/video/janus-events",
            events_secret=events_secret,
            ice_interface="v0",
            bind="127.0.0.1",
        )
        janus.start(config)
        yield Served(base_url, tmp_path / "app.log", config.log_path)
    finally:
        janus.stop()
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        log.close()


@pytest.fixture
def ns_browser(playwright: Playwright, ns: Namespace, tmp_path: Path) -> Iterator[Browser]:
    """Chromium inside the namespace (Playwright's pipes cross into it)."""
    wrapper = tmp_path / "chromium-in-ns"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {ns.name} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    chromium = playwright.chromium.launch(
        executable_path=str(wrapper), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


# --- the world --------------------------------------------------------------------------------------


def world(session: Any, settings: Settings) -> tuple[Meeting, dict[str, int]]:
    """A hybrid meeting starting in ten minutes (its room open), Vera chairing, Lena and
    Otto registered online, an item under way."""
    org = structure(session)
    ids = {sub: enrol(session, settings, sub, person) for sub, person in PEOPLE.items()}
    meeting = make_meeting(
        session, org.state, None, ids["gina"], starts=utcnow() + timedelta(minutes=10)
    )
    session.add(MeetingRole(meeting_id=meeting.id or 0, member_id=ids["vera"], role="chair"))
    session.commit()
    at = place(session, meeting)
    data = forms.parse_registration({"channel": "online"}, forms.channels_of(at.meeting.mode))
    for who in ("lena", "otto"):
        registration.register(at, ids[who], data, session=session)
        session.commit()
        at = place(session, meeting)
    at = place(session, meeting)
    item = agenda.add_item(
        at, agenda.parse_item({"title": "Aussprache", "kind": "discussion"}, []), session=session
    )
    agenda.make_current(at, item, session=session)
    session.commit()
    return meeting, ids


def logged_in(
    browser: Browser, session: Any, settings: Settings, base_url: str, member_id: int
) -> BrowserContext:
    """A context holding the member's session cookie, as after a login."""
    session_id = secrets.token_urlsafe(24)
    sessions.begin(member_id, session_id, max_age=timedelta(hours=12), session=session)
    session.commit()
    now = int(time.time())
    data = {"_c": now, "_s": now, SESSION_ID: session_id, SESSION_KEY: member_id}
    value = URLSafeSerializer(settings.secret_key, salt="plenum.session").dumps(data)
    ctx = new_context(browser)
    ctx.set_default_timeout(15_000)
    ctx.add_cookies([{"name": COOKIE_NAME, "value": value, "url": base_url}])
    ctx.add_init_script(COUNT_GUM)
    return ctx


@dataclass(frozen=True)
class Scene:
    """The world of a test: the meeting in the namespace, its members, and how to open a
    browser context logged in as one of them."""

    browser: Browser
    served: Served
    session: Any
    settings: Settings
    meeting_id: int
    ids: dict[str, int]

    def url(self, page: str) -> str:
        """The meeting's ``page``: "video" (the room), "live" (the live room)."""
        return f"{self.served.url}/meetings/{self.meeting_id}/{page}"

    def context(self, who: str) -> BrowserContext:
        return logged_in(self.browser, self.session, self.settings, self.served.url, self.ids[who])


@pytest.fixture
def scene(ns_browser: Browser, served: Served, session: Any, settings: Settings) -> Scene:
    meeting, ids = world(session, settings)
    return Scene(ns_browser, served, session, settings, meeting.id or 0, ids)


def enter(page: Page, room_url: str) -> None:
    """Opens the room page and joins (once the room is prepared, the page is ready at once)."""
    page.goto(room_url)
    join = page.locator("form[action$='/video/join'] button[type=submit]")
    expect(join.or_(page.locator("#video-start"))).to_be_visible()
    if join.count():
        join.click()
    expect(page.locator("#video-start")).to_be_visible()
    # the room's script has run (after a join, the button shows before it may have)
    page.wait_for_function("() => window.plenumVideo !== undefined")


def press(page: Page, selector: str, key: str) -> None:
    """Focus the control as a Tab would and press the key (no mouse)."""
    control = page.locator(selector)
    expect(control).to_be_visible()
    control.focus()
    page.keyboard.press(key)


def shows(page: Page, person: str) -> None:
    """Waits until the page shows the person's picture large (by their name under it)."""
    page.wait_for_function(
        "(name) => document.getElementById('video-speaker-name').textContent === name",
        arg=PEOPLE[person]["name"],
        timeout=MEDIA,
    )


def called(chair: Page, speaker: Page, live_url: str) -> None:
    """The speaker asks to speak from their page; the chair calls the next on the list."""
    assert speaker.evaluate(POST_FORM, [f"{live_url}/speak", ASKING]) in (200, 303)
    assert chair.evaluate(POST_FORM, [f"{live_url}/call", CALLING_NEXT]) in (200, 303)


def stats(page: Page, which: str) -> dict[str, Any]:
    found: dict[str, Any] | None = page.evaluate(STATS, which)
    assert found is not None, f"no {which} peer connection on {page.url}"
    return found


def plays(page: Page, video_id: str) -> dict[str, Any]:
    """Waits until the video has a picture and plays on; its size and time advance."""
    page.wait_for_function(
        f"() => document.getElementById('{video_id}').videoWidth > 0", timeout=MEDIA
    )
    first = page.evaluate(VIDEO, video_id)
    page.wait_for_timeout(2_000)
    second = page.evaluate(VIDEO, video_id)
    assert second["time"] > first["time"], f"{video_id} stands still: {first} {second}"
    return {
        "width": second["width"],
        "height": second["height"],
        "advanced": second["time"] - first["time"],
    }


def check_pairs(page: Page, *which: str) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for name in which:
        found = stats(page, name)
        assert found["pairs"], f"{name} has no selected candidate pair: {found}"
        for pair in found["pairs"]:
            assert ours(pair["local"]), f"{name}: {pair}"
            assert ours(pair["remote"]), f"{name}: {pair}"
        pairs.extend({"pc": name, **pair} for pair in found["pairs"])
    return pairs


def grows(page: Page, which: str = "bridge") -> tuple[int, int, float]:
    """The peer connection's inbound audio grows; its bytes and packets after 2 s."""
    page.wait_for_function(
        "async (w) => { const pc = window.plenumVideo.pcs[w]; if (!pc) return false;"
        " let n = 0; (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp'"
        " && s.kind === 'audio') n += s.packetsReceived || 0; }); return n > 0; }",
        arg=which,
        timeout=MEDIA,
    )
    before = stats(page, which)
    page.wait_for_timeout(2_000)
    after = stats(page, which)
    assert after["audioBytes"] > before["audioBytes"], (before, after)
    assert after["audioPackets"] > before["audioPackets"], (before, after)
    # not just packets of silence: the fake microphone's beeps arrive
    assert after.get("audioEnergy", 0) > 0, (before, after)
    return after["audioBytes"], after["audioPackets"], after.get("audioEnergy", 0)


def errors(page: Page) -> list[str]:
    found: list[str] = page.evaluate("() => window.pageErrors || []")
    return found


def watch(page: Page, who: str, into: list[str]) -> None:
    """Keeps the page's console errors and failed requests in ``into``."""

    def said(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            into.append(f"{who} console: {message.text}")

    def answered(response: PageResponse) -> None:
        if response.status >= 400:
            into.append(f"{who} {response.status} {response.request.method} {response.url}")

    page.on("console", said)
    page.on("response", answered)


def diagnosis(pages: dict[str, list[Page]], console: list[str]) -> str:
    """What the pages said and exchanged with the relay, for a failure's message."""
    lines = console[-40:]
    for who, opened in pages.items():
        for page in opened:
            if page.is_closed() or not page.locator("#video-status").count():
                continue
            lines.append(f"{who} status: {page.locator('#video-status').text_content()}")
            lines.append(f"{who} errors: {errors(page)}")
            lines.extend(f"{who} relay {line}" for line in page.evaluate(RELAY_LOG))
    return "\n".join(lines)


# --- the test ----------------------------------------------------------------------------------------


def test_listener_sees_and_hears_the_chair_then_is_called_and_sends(
    scene: Scene, request: pytest.FixtureRequest
) -> None:
    room_url, live_url, served = scene.url("video"), scene.url("live"), scene.served
    vera_ctx, lena_ctx = scene.context("vera"), scene.context("lena")
    figures: dict[str, Any] = {}
    console: list[str] = []
    try:
        vera, lena = vera_ctx.new_page(), lena_ctx.new_page()
        for who, page in (("vera", vera), ("lena", lena)):
            watch(page, who, console)
        # Both join and enter the room; the chair switches on her camera and microphone.
        enter(vera, room_url)
        enter(lena, room_url)
        check_a11y(lena)
        vera.locator("#video-start").click()
        press(lena, "#video-start", "Enter")  # Lena uses the keyboard throughout
        for page in (vera, lena):
            expect(page.locator("#video-leave")).to_be_visible(timeout=MEDIA)
        expect(lena.locator("#video-send")).to_be_hidden()  # a listener may not send
        expect(vera.locator("#video-send")).to_be_visible()
        vera.locator("#video-send").click()
        expect(vera.locator("#video-self-tile")).to_be_visible(timeout=MEDIA)

        # Lena sees Vera and hears the bridge, without her own camera or microphone.
        figures["lena sees vera"] = plays(lena, "video-speaker")
        expect(lena.locator("#video-speaker-name")).to_have_text(PEOPLE["vera"]["name"])
        figures["lena hears (bytes, packets, energy)"] = grows(lena)
        assert lena.evaluate("() => window.gumCalls") == 0
        figures["pairs before"] = check_pairs(lena, "bridge", "subscriber") + check_pairs(
            vera, "bridge", "publisher"
        )

        # Lena asks to speak; Vera calls her in the live room (another tab).
        status = lena.evaluate(POST_FORM, [f"{live_url}/speak", ASKING])
        assert status in (200, 303), status
        live = vera_ctx.new_page()
        live.goto(live_url)
        call = live.locator("form.call-form button[type=submit]").first
        expect(call).to_be_visible()
        call.click()
        expect(live.locator("#region-speakers .speaking")).to_contain_text(PEOPLE["lena"]["name"])

        # The roles swap: Lena's page offers to send; only her click asks for the devices.
        expect(lena.locator("#video-send")).to_be_visible(timeout=MEDIA)
        assert lena.evaluate("() => window.gumCalls") == 0
        press(lena, "#video-send", "Enter")
        expect(lena.locator("#video-self-tile")).to_be_visible(timeout=MEDIA)
        assert lena.evaluate("() => window.gumCalls") == 1
        shows(vera, "lena")
        figures["vera sees lena"] = plays(vera, "video-speaker")
        figures["vera hears (bytes, packets, energy)"] = grows(vera)
        figures["pairs after"] = check_pairs(lena, "bridge", "publisher") + check_pairs(
            vera, "bridge", "subscriber"
        )
        check_a11y(vera, "video-room")

        # Lena mutes and unmutes by keyboard, switches to audio only and back, and leaves.
        press(lena, "#video-mute", " ")
        expect(lena.locator("#video-mute")).to_have_attribute("aria-pressed", "true")
        press(lena, "#video-mute", " ")
        expect(lena.locator("#video-mute")).to_have_attribute("aria-pressed", "false")
        press(vera, "#video-audio-only", "Enter")
        vera.wait_for_function("() => !window.plenumVideo.pcs.subscriber", timeout=MEDIA)
        expect(vera.locator("#video-status")).not_to_be_empty()
        figures["vera hears in audio only"] = grows(vera)
        press(vera, "#video-audio-only", "Enter")
        shows(vera, "lena")
        figures["vera sees lena again"] = plays(vera, "video-speaker")

        # Vera leaves and comes back: Lena's page keeps its one subscription (the same peer
        # connection), Janus's update puts Vera's new picture on it; no new handshake.
        lena.evaluate("() => { window.plenumVideo.pcs.subscriber.kept = true; }")
        vera.locator("#video-leave").click()
        expect(lena.locator("#video-speaker-name")).to_have_text("", timeout=MEDIA)
        vera.locator("#video-start").click()
        expect(vera.locator("#video-send")).to_be_visible(timeout=MEDIA)
        vera.locator("#video-send").click()
        expect(lena.locator("#video-speaker-name")).to_have_text(
            PEOPLE["vera"]["name"], timeout=MEDIA
        )
        figures["lena sees vera after her return"] = plays(lena, "video-speaker")
        assert lena.evaluate("() => window.plenumVideo.pcs.subscriber.kept === true")
        press(lena, "#video-leave", "Enter")
        expect(lena.locator("#video-start")).to_be_visible(timeout=MEDIA)
        assert not errors(vera), errors(vera)
        assert not errors(lena), errors(lena)
    except Exception as exc:
        pages = {"vera": vera_ctx.pages, "lena": lena_ctx.pages}
        raise AssertionError(
            f"{exc}\n\nfigures: {json.dumps(figures)}\n{diagnosis(pages, console)}\n{served.logs()}"
        ) from exc
    finally:
        request.node.user_properties.append(("video_figures", json.dumps(figures)))
        vera_ctx.close()
        lena_ctx.close()


def test_the_floor_passes_to_the_next_speaker_without_a_new_offer_to_the_listeners(
    scene: Scene, request: pytest.FixtureRequest
) -> None:
    """Lena speaks, then the chair calls Otto. Lena's camera stops at once and her page
    unpublishes two seconds after Otto's picture came (Plenum muted hers at the call);
    Vera, listening, keeps her one subscription: the m-line that carried Lena is switched
    to Otto (Janus's ``switch``, no offer and no answer) when Otto's picture came while
    Lena's was held, which is the order the room told Vera's page; otherwise an
    ``update`` asked for it. Then a hostile page that keeps publishing after its turn is
    muted at the call and put out once its time is up (``sync.PUT_OUT_SECONDS``)."""
    room_url, live_url, served, ids = scene.url("video"), scene.url("live"), scene.served, scene.ids
    contexts = {who: scene.context(who) for who in ("vera", "lena", "otto")}
    figures: dict[str, Any] = {}
    console: list[str] = []
    try:
        vera, lena, otto = (contexts[who].new_page() for who in ("vera", "lena", "otto"))
        for who, page in (("vera", vera), ("lena", lena), ("otto", otto)):
            watch(page, who, console)
            enter(page, room_url)
            page.locator("#video-start").click()
            expect(page.locator("#video-leave")).to_be_visible(timeout=MEDIA)

        # Lena is called and sends; Vera sees her.
        called(vera, lena, live_url)
        press(lena, "#video-send", "Enter")
        expect(lena.locator("#video-self-tile")).to_be_visible(timeout=MEDIA)
        shows(vera, "lena")
        figures["vera sees lena"] = plays(vera, "video-speaker")
        vera.evaluate("() => { window.plenumVideo.pcs.subscriber.kept = true; }")
        before = vera.evaluate(DONE)

        # Otto asks, Vera calls him: Lena's turn ends, her camera stops at once, Plenum
        # mutes her picture, and her page holds it (muted) until Otto's has come.
        called(vera, otto, live_url)
        expect(lena.locator("#video-self-tile")).to_be_hidden(timeout=MEDIA)
        expect(lena.locator("#video-send")).to_be_hidden()
        vera.wait_for_function(TOLD, arg=f"muted {ids['lena']}", timeout=MEDIA)
        held = lena.evaluate(
            "() => { const h = window.plenumVideo.held;"
            " return h && h.pc.getSenders().map((s) => s.track && s.track.readyState); }"
        )
        figures["lena's held picture, its tracks"] = held
        assert held, "Lena's page let go of its picture before Otto's came"
        assert all(state in ("ended", None) for state in held), held
        press(otto, "#video-send", "Enter")
        expect(otto.locator("#video-self-tile")).to_be_visible(timeout=MEDIA)
        shows(vera, "otto")
        figures["vera sees otto"] = plays(vera, "video-speaker")
        # Lena's page has let go of its picture (2 s after Otto's came)
        lena.wait_for_function("() => window.plenumVideo.held === null", timeout=MEDIA)
        assert vera.evaluate("() => window.plenumVideo.pcs.subscriber.kept === true")
        after = vera.evaluate(DONE)
        figures["vera's subscription"] = {"before": before, "after": after}
        trail = after["trail"][len(before["trail"]) :]
        assert trail.index(f"muted {ids['lena']}") < trail.index(f"published {ids['otto']}")
        # Lena's picture was held when Otto's came: its m-line switched, nothing offered
        assert after["switched"] == before["switched"] + 1, figures
        assert after["answered"] == before["answered"], figures

        # Otto's page turns hostile: it never closes its publication, never stops its
        # camera, never unpublishes. Lena is called again: Otto is muted at once and put
        # out of the pictures when his time is up; Lena publishes anew.
        otto.evaluate(
            "() => { RTCPeerConnection.prototype.close = function () {};"
            " MediaStreamTrack.prototype.stop = function () {}; }"
        )
        otto.route(
            "**/video/janus/**",
            lambda route: (
                route.abort()
                if '"unpublish"' in (route.request.post_data or "")
                else route.continue_()
            ),
        )
        called(vera, lena, live_url)
        press(lena, "#video-send", "Enter")
        shows(vera, "lena")
        figures["vera sees lena again"] = plays(vera, "video-speaker")
        out = sync.PUT_OUT_SECONDS
        vera.wait_for_function(TOLD, arg=f"kicked {ids['otto']}", timeout=out * 1000 + MEDIA)
        done = vera.evaluate(DONE)
        trail, at = done["trail"], done["at"]
        figures["vera's trail"] = list(zip(trail, at, strict=True))
        muted, kicked = trail.index(f"muted {ids['otto']}"), trail.index(f"kicked {ids['otto']}")
        # put out when his time was up, not before (nor at the follower's second look)
        assert at[kicked] - at[muted] >= out - 1.0, figures["vera's trail"]
        # Lena let go of her picture herself (more than 10 s ago by now): never put out
        assert f"kicked {ids['lena']}" not in trail
        expect(otto.locator("#video-send")).to_be_hidden()
        for page in (vera, lena, otto):
            assert not errors(page), errors(page)
    except Exception as exc:
        pages = {who: ctx.pages for who, ctx in contexts.items()}
        raise AssertionError(
            f"{exc}\n\nfigures: {json.dumps(figures)}\n{diagnosis(pages, console)}\n{served.logs()}"
        ) from exc
    finally:
        request.node.user_properties.append(("video_figures", json.dumps(figures)))
        for ctx in contexts.values():
            ctx.close()
