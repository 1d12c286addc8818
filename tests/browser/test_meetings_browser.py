"""Meetings in a real Chromium: registering with a childcare need on a phone and the
organiser's overview of the needs, the desk checking a member in by code, the live room
with its real event stream (asking to speak from two tabs, the quota order, a point of
order, the chair calling and timing the speakers), a vote in the room with the hall
counted by hand, and the minutes published and commented on.

Everyone logs in at the real provider in a browser context of their own: Gina (office
staff, the organiser), Chris (chairs the meeting), Dora (the desk), Anna (takes part
online), Hanna (in the hall), Mona (takes the minutes), Mia (was not there), and the
delegates Dana (online) and Dirk (in the hall). The request to speak and the ballot are
done with the keyboard alone. A live update never replaces a part of the room the member
is typing in or has focused: it waits until the focus leaves. axe-core checks every page,
and the live room again after its live updates; no page scrolls sideways on a 390 px
phone (the registration and the needs overview not even at 320 px).

Worlds are arranged through the services (``tests.support.meetings``), as office staff
would have set them up; selectors use ids, form field names and the German text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from plenum.clock import utcnow
from plenum.meetings import agenda, forms, presence, registration, speakers
from plenum.meetings.models import Meeting, MeetingRole, Registration
from plenum.settings import Settings
from plenum.times import LOCAL_TIME
from tests.browser.conftest import check_a11y, new_context
from tests.browser.test_votes_browser import STATUS, confirm_ballot, press, step, tab_to
from tests.support.factories import Structure, claims, structure
from tests.support.meetings import make_meeting, place
from tests.support.oidc import Provider
from tests.support.votes import make_vote
from tests.support.web import enrol

pytestmark = pytest.mark.browser

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="580001"
    ),
    "chris": claims("chris", name="Chris Sitzungsleitung", number="580002"),
    "dora": claims("dora", name="Dora Tagungsbüro", number="580003"),
    "anna": claims("anna", name="Anna Online", number="580004"),
    "hanna": claims("hanna", name="Hanna Saal", number="580005"),
    "mona": claims("mona", name="Mona Protokoll", number="580006"),
    "mia": claims("mia", name="Mia Mitglied", number="580007"),
    "dana": claims("dana", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="580008"),
    "dirk": claims("dirk", name="Dirk Delegiert", groups=("lv-nrw-delegiert",), number="580009"),
}

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROWEST = 320
LIVE = 5_000  # ms: the live room updates "within a second"; allow for a slow machine
FLASH = ".flash"
SPEAKERS = "#region-speakers ol.speakers > li"

# Counts the event streams the live room opened (htmx's SSE extension says so).
COUNT_STREAMS = """
document.addEventListener("htmx:sseOpen", () => {
  window.plenumStreams = (window.plenumStreams || 0) + 1;
});
"""


# --- people and pages -----------------------------------------------------------------------------


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
def member(browser: Browser, live_server: str, provider: Provider) -> Iterator[Callable[..., Page]]:
    """``member(sub, viewport=DESKTOP)``: a page logged in as ``sub``, in a browser
    context of its own (asked again, the same page)."""
    pages: dict[str, Page] = {}

    def logged_in(sub: str, viewport: dict[str, int] = DESKTOP) -> Page:
        if sub not in pages:
            ctx = new_context(browser, viewport)
            ctx.add_init_script(COUNT_STREAMS)
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


def fits(page: Page, width: int = PHONE["width"]) -> None:
    """At ``width`` px the page does not scroll sideways; the viewport is put back."""
    before = page.viewport_size or DESKTOP
    if before["width"] != width:
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    if before["width"] != width:
        page.set_viewport_size(before)
    assert sizes[0] <= sizes[1], f"{page.url} scrolls sideways at {width} px: {sizes}"


def look(page: Page, *widths: int, shot: str | None = None) -> None:
    """axe-core on the page as it is now, and no sideways scrolling on a phone; with
    PLENUM_SCREENSHOTS=1 the page is kept as docs/img/meetings-<shot>.png."""
    check_a11y(page, f"meetings-{shot}" if shot else None)
    for width in (PHONE["width"], *widths):
        fits(page, width)


def streams(page: Page) -> int:
    return int(page.evaluate("() => window.plenumStreams || 0"))


def connected(page: Page, more_than: int = 0) -> None:
    """Wait until the live room's event stream is open (a new one after ``more_than``)."""
    page.wait_for_function(f"() => (window.plenumStreams || 0) > {more_than}")


def open_room(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Live-Raum")
    connected(page)


def names(page: Page) -> Locator:
    return page.locator(f"{SPEAKERS} .speaker-name")


def focus_out_of(page: Page, region: Locator) -> None:
    """Press Tab until the focus has left ``region``."""
    for _ in range(30):
        page.keyboard.press("Tab")
        if not region.evaluate("el => el.contains(document.activeElement)"):
            return
    pytest.fail("Tab never left the region")


def ask_to_speak(page: Page, kind: str = "#kind-speech", *, quota: bool = False) -> None:
    """With the keyboard only: Tab into the kinds, pick ``kind`` with the arrow keys and
    Space, tick the quota with Space if asked, Tab to the button and press Enter; then wait
    for the room to be back with its stream."""
    form = page.locator("#my-request form.speak-form")
    radios = form.locator("input[name=kind]")
    wanted = form.locator(kind)
    tab_to(page, form.locator("input[name=kind]:checked"))
    for _ in range(radios.count()):
        if wanted.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(wanted).to_be_checked()
    if quota:
        tab_to(page, form.locator("#field-category"))
        page.keyboard.press("Space")
        expect(form.locator("#field-category")).to_be_checked()
    before = streams(page)
    press(page, form.locator("button[type=submit]"))
    expect(page.locator("#my-request [role=status]").first).to_be_visible()
    connected(page, before)


# --- worlds -----------------------------------------------------------------------------------------


def conference(session: Any, org: Structure, ids: dict[str, int], **fields: Any) -> Meeting:
    """A hybrid conference of the Landesverband next week, speakers by the zipper; Chris
    chairs it, Dora is the desk, Mona takes the minutes."""
    meeting = make_meeting(session, org.state, None, ids["gina"], **fields)
    for sub, role in (("chris", "chair"), ("dora", "desk"), ("mona", "minutes")):
        session.add(MeetingRole(meeting_id=meeting.id, member_id=ids[sub], role=role))
    session.commit()
    return meeting


def register(session: Any, meeting: Meeting, member_id: int, channel: str) -> Registration:
    at = place(session, meeting)
    data = forms.parse_registration({"channel": channel}, forms.channels_of(at.meeting.mode))
    row = registration.register(at, member_id, data, session=session)
    session.commit()
    return row


def under_way(session: Any, meeting: Meeting, *titles: str, kind: str = "discussion") -> list[Any]:
    """The agenda, its last item current."""
    at = place(session, meeting)
    items = [
        agenda.add_item(at, agenda.parse_item({"title": t, "kind": kind}, []), session=session)
        for t in titles
    ]
    agenda.make_current(at, items[-1], session=session)
    session.commit()
    return items


# --- the tests ---------------------------------------------------------------------------------------


def test_a_member_registers_with_childcare_on_a_phone_and_the_organiser_sees_the_counts(
    ids: dict[str, int],
    org: Structure,
    member: Callable[..., Page],
    live_server: str,
    session: Any,
) -> None:
    meeting = conference(session, org, ids)
    meeting_url = f"{live_server}/meetings/{meeting.id}"

    hanna = member("hanna", PHONE)
    hanna.goto(meeting_url)
    expect(hanna.get_by_role("heading", level=1)).to_have_text(meeting.title)
    look(hanna, NARROWEST, shot="meeting")
    form = hanna.locator("#register-form")
    form.get_by_label("Im Saal").check()
    form.get_by_label("Kinder, die betreut werden sollen").fill("2")
    form.get_by_label("Ihr Alter").fill("3, 7")
    form.get_by_label("Was das Orga-Team sonst wissen sollte").fill("Wir kommen mit dem Zug.")
    with hanna.expect_response(f"**/meetings/{meeting.id}/register"):
        form.locator("button[type=submit]").click()
    register_panel = hanna.locator("#register")
    expect(register_panel.locator(".status-line")).to_contain_text("angemeldet")
    expect(register_panel.locator(".status-line")).to_contain_text("Im Saal")
    code = register_panel.locator(".check-in .code")
    expect(code).to_have_text(re.compile(r"^\s*\S{4,}\s*$"))
    expect(register_panel.locator(".qr svg")).to_have_count(1)
    # What she stated stays in the form, to change it until the start.
    expect(hanna.locator("#field-children")).to_have_value("2")
    expect(hanna.locator("#field-children_ages")).to_have_value("3, 7")
    look(hanna, NARROWEST, shot="registration")

    # Gina, the organiser, opens the overview from the meeting page: counts first.
    gina = member("gina")
    gina.goto(meeting_url)
    look(gina)
    gina.get_by_role("link", name="Bedarfe der Angemeldeten").click()
    gina.wait_for_url(f"{meeting_url}/needs")
    overview = gina.locator(".needs-overview")
    expect(overview).to_contain_text("2 Kinder, 3–7 Jahre")
    expect(gina.locator("main")).not_to_contain_text("Wir kommen mit dem Zug.")
    look(gina, NARROWEST, shot="organiser")
    gina.locator(f"a[href='/meetings/{meeting.id}/needs?show=all']").click()
    gina.wait_for_url(f"{meeting_url}/needs?show=all")
    row = gina.locator(".table-scroll tbody tr", has_text="Hanna Saal")
    expect(row).to_contain_text("2 (3, 7)")
    expect(row).to_contain_text("Wir kommen mit dem Zug.")
    look(gina, NARROWEST)


def test_the_desk_checks_a_member_in_by_her_code(
    ids: dict[str, int],
    org: Structure,
    member: Callable[..., Page],
    live_server: str,
    session: Any,
) -> None:
    meeting = conference(session, org, ids, starts=utcnow() + timedelta(minutes=20))
    code = register(session, meeting, ids["hanna"], "hall").check_in_code
    register(session, meeting, ids["anna"], "online")
    under_way(session, meeting, "Begrüßung")
    desk_url = f"{live_server}/meetings/{meeting.id}/desk"

    dora = member("dora")
    dora.goto(f"{live_server}/meetings/{meeting.id}")
    look(dora)
    dora.goto(desk_url)
    expect(dora.get_by_role("heading", level=1)).to_have_text(f"Tagungsbüro: {meeting.title}")
    present = dora.locator("main > p", has_text="Anwesend:")
    expect(present).to_have_text("Anwesend: 0 im Saal, 0 online")
    look(dora)

    # A wrong code is refused with its reason and counts nobody.
    dora.get_by_label("Check-in-Code").press_sequentially("NOPE")
    dora.get_by_label("Check-in-Code").press("Enter")
    refusal = dora.locator(".error-summary[role=alert]")
    expect(refusal).to_have_text("Keine Anmeldung hat diesen Code.")
    expect(present).to_have_text("Anwesend: 0 im Saal, 0 online")
    look(dora)

    # Hanna tells the letters: case and spaces do not matter.
    spoken = f"{code[:3].lower()} {code[3:].lower()}"
    dora.get_by_label("Check-in-Code").fill("")
    dora.get_by_label("Check-in-Code").press_sequentially(spoken)
    dora.get_by_label("Check-in-Code").press("Enter")
    expect(dora.locator(FLASH)).to_have_text("Das Mitglied ist eingecheckt.")
    expect(present).to_have_text("Anwesend: 1 im Saal, 0 online")
    # She can now be put on the speakers' list from the hall.
    hall = dora.locator("section[aria-labelledby=hall-title]")
    expect(hall.get_by_label("Mitglied (eingecheckt)")).to_contain_text("Hanna Saal")
    look(dora)


def test_two_members_ask_to_speak_live_and_the_chair_calls_and_times_them(
    ids: dict[str, int],
    org: Structure,
    member: Callable[..., Page],
    live_server: str,
    session: Any,
) -> None:
    meeting = conference(session, org, ids, starts=utcnow() + timedelta(hours=1))
    register(session, meeting, ids["anna"], "online")
    register(session, meeting, ids["hanna"], "hall")
    under_way(session, meeting, "Begrüßung", "Aussprache zum Leitantrag")
    presence.check_in_member(place(session, meeting), ids["hanna"], session=session)
    session.commit()
    room_url = f"{live_server}/meetings/{meeting.id}/live"

    chris = member("chris")
    open_room(chris, room_url)
    expect(chris.locator("#region-agenda .current-item")).to_contain_text("Aussprache")
    look(chris)
    anna = member("anna", PHONE)  # online, on her phone
    open_room(anna, room_url)
    look(anna)
    hanna = member("hanna", PHONE)  # in the hall, with her phone
    open_room(hanna, room_url)
    expect(hanna.locator("#region-speakers .empty")).to_have_text(
        "Niemand steht auf der Redeliste."
    )
    look(hanna)
    hanna.evaluate("() => { window.notReloaded = true; }")

    # Anna asks to speak by keyboard; Hanna's room shows her without a reload.
    ask_to_speak(anna)
    expect(anna.locator("#my-request [role=status]")).to_have_text("Du bist als Nächste*r dran.")
    expect(names(hanna)).to_have_text(["Anna Online"], timeout=LIVE)
    expect(hanna.locator(SPEAKERS).first).to_contain_text("Online")
    assert hanna.evaluate("() => window.notReloaded === true")
    look(hanna)

    # A second speech is refused, and she is told why (the room keeps its address).
    ask_to_speak(anna)
    expect(anna.locator(".error-summary[role=alert]")).to_have_text(
        "Du stehst schon auf der Redeliste."
    )
    expect(anna.locator("#my-request [role=status]")).to_have_count(1)
    assert anna.url.split("#")[0] == room_url  # "#main": the skip link the keyboard used
    look(anna)

    # Hanna asks on the quota for women: the zipper puts her first, in every tab.
    ask_to_speak(hanna, quota=True)
    expect(names(hanna)).to_have_text(["Hanna Saal", "Anna Online"])
    expect(hanna.locator(SPEAKERS).first).to_contain_text("Im Saal")
    expect(hanna.locator(SPEAKERS).first).to_contain_text("Quote")
    expect(hanna.locator(SPEAKERS).first.locator(".you")).to_have_text("(du)")
    expect(names(anna)).to_have_text(["Hanna Saal", "Anna Online"], timeout=LIVE)
    expect(anna.locator("#my-request [role=status]")).to_have_text(
        "Du bist Nummer 2 auf der Redeliste.", timeout=LIVE
    )
    look(anna)

    # Anna's point of order goes to the top.
    ask_to_speak(anna, "#kind-order")
    expected = ["Anna Online", "Hanna Saal", "Anna Online"]
    for page in (anna, hanna, chris):
        expect(names(page)).to_have_text(expected, timeout=LIVE)
        expect(page.locator(SPEAKERS).first).to_contain_text("GO-Antrag")
    chair_order = chris.locator("#chair ol.chair-order > li")
    expect(chair_order.locator("strong").first).to_have_text("Anna Online", timeout=LIVE)
    expect(chair_order.first.locator(".reason")).to_contain_text("GO-Antrag")
    look(hanna, shot="room")
    look(chris)

    # Hanna writes a question meanwhile: the live update must not take it away.
    question = "Wer bezahlt die Kinderbetreuung?"
    textarea = hanna.locator("#my-request #field-text")
    tab_to(hanna, textarea)
    hanna.keyboard.type(question)

    # The chair calls the point of order and starts the speaking time.
    before = streams(chris)
    chair_order.first.get_by_role("button", name=re.compile("^Aufrufen")).click()
    connected(chris, before)
    expect(chris.locator("#region-speakers .speaking")).to_contain_text("Anna Online")
    chris.locator("#field-seconds").fill("90")
    before = streams(chris)
    chris.get_by_role("button", name="Redezeit starten").click()
    connected(chris, before)
    look(chris)

    for page in (anna, hanna):
        speaking = page.locator("#region-speakers .speaking")
        expect(speaking).to_contain_text("Es spricht: Anna Online", timeout=LIVE)
        timer = speaking.locator(".timer[role=timer]")
        expect(timer).to_have_attribute("data-running", "yes", timeout=LIVE)
        expect(names(page)).to_have_text(["Hanna Saal", "Anna Online"])
    timer = hanna.locator(".timer")
    start = int(timer.get_attribute("data-remaining") or "0")
    assert 80 <= start <= 90, start
    hanna.wait_for_function(
        f"() => Number(document.querySelector('.timer').dataset.remaining) <= {start - 2}"
    )
    expect(timer).to_have_text(re.compile(r"1:[0-2]\d"))
    expect(anna.locator(".timer")).to_have_text(re.compile(r"1:[0-2]\d"))

    # Hanna's question is still there, her part of the page waits for her.
    expect(textarea).to_have_value(question)
    expect(textarea).to_be_focused()
    expect(hanna.locator("#my-request")).to_have_attribute("data-live-pending", "sse:speakers")
    expect(hanna.locator("#my-request [role=status]")).to_have_text(
        "Du bist Nummer 2 auf der Redeliste."
    )
    # "You are next" is said at once.
    expect(hanna.locator("#live-assertive")).to_have_text(
        "Du bist als Nächste*r auf der Redeliste dran."
    )
    look(hanna, shot="room-speaker")
    look(anna)

    # She drops the question and leaves the form: now it catches up.
    hanna.keyboard.press("Control+A")
    hanna.keyboard.press("Backspace")
    focus_out_of(hanna, hanna.locator("#my-request"))
    expect(hanna.locator("#my-request [role=status]")).to_have_text(
        "Du bist als Nächste*r dran.", timeout=LIVE
    )
    look(hanna)


def test_a_convention_votes_online_and_by_show_of_hands_in_the_hall(
    ids: dict[str, int],
    org: Structure,
    member: Callable[..., Page],
    live_server: str,
    session: Any,
) -> None:
    convention = org.state_convention
    meeting = make_meeting(
        session,
        org.state,
        convention,
        ids["gina"],
        audience="body",
        title="Landesparteitag NRW",
        starts=utcnow() + timedelta(hours=1),
    )
    session.add(MeetingRole(meeting_id=meeting.id, member_id=ids["dora"], role="desk"))
    vote = make_vote(session, org.state, convention, ids["gina"], title="Leitantrag annehmen")
    at = place(session, meeting)
    links = agenda.links_for(at, session=session)
    item = agenda.add_item(
        at,
        agenda.parse_item(
            {"title": "Abstimmung", "kind": "vote", "link": f"vote:{vote.id}"}, links
        ),
        session=session,
    )
    agenda.make_current(at, item, session=session)
    presence.check_in_member(at, ids["dirk"], session=session)  # in the hall
    session.commit()
    room_url = f"{live_server}/meetings/{meeting.id}/live"
    vote_url = f"{live_server}/votes/{vote.id}"

    dana = member("dana", PHONE)  # online: her open room makes her present
    open_room(dana, room_url)
    room_vote = dana.locator("#room-vote")
    expect(room_vote.locator(".vote-state")).to_have_text("noch nicht offen")
    look(dana)
    dora = member("dora")
    open_room(dora, room_url)
    look(dora)

    # Gina opens the vote for everyone present, the hall counted by hand.
    gina = member("gina")
    open_room(gina, room_url)
    expect(gina.locator("#chair")).to_contain_text("Anwesend: 1 im Saal")
    look(gina)
    gina.get_by_label(re.compile("^Der Saal stimmt per Handzeichen")).check()
    before = streams(gina)
    gina.get_by_role("button", name="Abstimmung für alle Anwesenden öffnen").click()
    connected(gina, before)
    expect(gina.locator("#room-vote .vote-state")).to_have_text("offen: gib deine Stimme ab")
    look(gina)

    # Dana's room fetches the ballot by itself; she votes with the keyboard alone.
    ballot = room_vote.locator("#ballot")
    expect(ballot.locator("input[name=choice]")).to_have_count(3, timeout=LIVE)
    expect(room_vote).to_contain_text("Der Saal stimmt per Handzeichen oder auf Papier ab")
    expect(dana.locator("#live-assertive")).to_have_text(
        "Eine Abstimmung ist offen: Leitantrag annehmen"
    )
    look(dana, shot="room-vote")
    yes = ballot.get_by_label("Ja", exact=True)
    tab_to(dana, ballot.locator("input[name=choice]").first)
    expect(yes).to_be_focused()
    dana.keyboard.press("Space")
    expect(yes).to_be_checked()
    press(dana, ballot.locator("button[type=submit]"))
    with dana.expect_response(f"**/votes/{vote.id}/cast") as answer:
        confirm_ballot(dana)
    assert answer.value.status == 200
    receipt = room_vote.locator("#ballot h2")
    expect(receipt).to_have_text("Deine Stimme ist abgegeben")
    expect(receipt).to_be_focused()
    expect(room_vote.locator("#your-choices")).to_have_text("Ja")
    assert dana.url.split("#")[0] == room_url  # the room keeps its address: a reload stays
    look(dana)

    # Dora, at the desk, enters the hall's count in her room.
    count = dora.locator("#room-vote form.hall-count")
    expect(count).to_be_visible(timeout=LIVE)
    look(dora)
    for label, number in (("Ja", "12"), ("Nein", "3"), ("Enthaltung", "1")):
        count.get_by_label(label, exact=True).fill(number)
    before = streams(dora)
    count.get_by_role("button", name="Auszählung im Saal eintragen").click()
    connected(dora, before)
    count = dora.locator("#room-vote form.hall-count")
    expect(count.get_by_label("Ja", exact=True)).to_have_value("12")
    look(dora)

    # Gina closes and publishes on the vote's page.
    gina.goto(vote_url)
    expect(gina.locator("#turnout")).to_contain_text("1 von 1")
    look(gina)
    step(gina, "close", "closed")
    step(gina, "publish", "published")
    expect(gina.locator("#vote-status")).to_have_text(STATUS["published"])
    look(gina)

    # While Dana's focus is on her receipt, her part of the room waits for her ...
    pushed = dana.locator("#region-vote")  # the part pushed to everyone alike
    expect(pushed).to_have_attribute("data-live-pending", "pushed", timeout=LIVE)
    expect(receipt).to_be_focused()
    expect(room_vote.locator(".room-result")).to_have_count(0)
    # ... and once she moves on, the result comes in, the hall and online apart.
    focus_out_of(dana, room_vote)
    result = room_vote.locator("table.room-result")
    expect(result).to_be_visible(timeout=LIVE)
    expect(room_vote.locator(".vote-state")).to_have_text("Ergebnis veröffentlicht")
    expect(result.locator("thead th")).to_have_text(
        ["Antwort", "Insgesamt", "Saal (ausgezählt)", "Online"]
    )
    rows = {
        "Ja": ["13", "12", "1"],
        "Nein": ["3", "3", "0"],
        "Enthaltung": ["1", "1", "0"],
    }
    for label, cells in rows.items():
        row = result.locator("tbody tr", has=dana.locator("th", has_text=label))
        expect(row.locator("td")).to_have_text(cells)
    look(dana)


def test_the_minutes_are_written_published_and_commented_on(
    ids: dict[str, int],
    org: Structure,
    member: Callable[..., Page],
    live_server: str,
    session: Any,
) -> None:
    meeting = conference(session, org, ids, starts=utcnow() - timedelta(hours=4))
    at = place(session, meeting)
    items = under_way(session, meeting, "Bericht", "Aussprache")
    presence.check_in_member(at, ids["hanna"], session=session)
    presence.seen_online(meeting.id or 0, [ids["anna"]], session=session)
    speakers.ask(
        at,
        items[1],
        speakers.Ask(member_id=ids["hanna"], category="woman", channel="hall"),
        session=session,
    )
    speakers.call(at, items[1], None, session=session)
    session.commit()
    minutes_url = f"{live_server}/meetings/{meeting.id}/minutes"
    text = "Die Aussprache war **lebhaft**. Der Leitantrag geht in die Abstimmung."

    # Mona writes the minutes of the second item.
    mona = member("mona")
    mona.goto(minutes_url)
    expect(mona.get_by_role("heading", level=1)).to_have_text(f"Protokoll: {meeting.title}")
    look(mona)
    section = mona.locator(f"section[aria-labelledby='item-{items[1].id}-title']")
    section.get_by_label("Protokoll zu diesem Punkt (Markdown)").fill(text)
    section.get_by_role("button", name=re.compile("^Speichern")).click()
    expect(section.locator("textarea")).to_have_value(text)
    look(mona)

    # Chris, the chair, publishes them with comments open for two weeks.
    chris = member("chris")
    chris.goto(minutes_url)
    expect(chris.locator("#field-days")).to_have_value("14")
    look(chris)
    chris.get_by_role("button", name="Protokoll veröffentlichen").click()
    expect(chris.locator(FLASH)).to_be_visible()
    expect(chris.locator(".attendance")).to_contain_text("1 im Saal, 1 online")
    until = (utcnow() + timedelta(days=14)).astimezone(LOCAL_TIME).strftime("%d.%m.%Y")
    comments = chris.locator("section[aria-labelledby=comments-title]")
    expect(comments).to_contain_text(until)
    look(chris)

    # Mia, who was not there, reads them and comments in their discussion.
    mia = member("mia", PHONE)
    mia.goto(minutes_url)
    expect(mia.locator(".prose strong")).to_have_text("lebhaft")
    expect(mia.locator("main")).not_to_contain_text("Hanna Saal")
    expect(mia.locator("main textarea")).to_have_count(0)
    look(mia)
    mia.get_by_role("link", name="Zur Diskussion des Protokolls").click()
    mia.wait_for_url(re.compile(r"/threads/\d+$"))
    look(mia)
    comment = "Danke fürs Protokoll! Wann kommt die Abstimmung?"
    write = mia.locator("#write")
    write.locator("#field-body").fill(comment)
    write.locator("form button[type=submit]").click()
    mia.wait_for_url(re.compile(r"/threads/\d+\?at=\d+(#c\d+)?$"))
    first = mia.locator("#c1")
    expect(first.locator(".author")).to_have_text("Mia Mitglied")
    expect(first.locator(".prose")).to_have_text(comment)
    look(mia)


def test_the_chair_attaches_a_document_by_keyboard_and_the_room_offers_it(
    ids: dict[str, int],
    org: Structure,
    member: Callable[..., Page],
    live_server: str,
    session: Any,
    tmp_path: Any,
) -> None:
    """On a phone, with the keyboard only: a file that is no PDF is refused with the
    message beside its field; the PDF is attached, listed on the agenda and offered in
    the live room while its item is current, and downloads under its name."""
    meeting = conference(session, org, ids, starts=utcnow() - timedelta(minutes=5))
    (item,) = under_way(session, meeting, "Bericht des Vorstands")
    wrong, right = tmp_path / "bericht.pdf", tmp_path / "Bericht 2026.pdf"
    wrong.write_bytes(b"<html><script>alert(1)</script></html>")
    right.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    chris = member("chris", PHONE)
    chris.goto(f"{live_server}/meetings/{meeting.id}/agenda")
    field = chris.locator(f"#field-file-{item.id}")
    attach = chris.locator("form.attach button[type=submit]")

    def choose(path: Any) -> None:
        """Space on the focused field opens the file chooser. On a loaded machine Chromium
        now and then lets one key press pass without opening it: then press again."""
        for attempt in range(3):
            tab_to(chris, field)
            try:
                with chris.expect_file_chooser(timeout=4_000) as chooser:
                    chris.keyboard.press("Space")
            except PlaywrightTimeoutError:
                assert attempt < 2, "Space on the file field never opened the chooser"
                continue
            chooser.value.set_files(path)
            return

    choose(wrong)
    press(chris, attach)
    expect(chris.locator(f"#file-{item.id}-error")).to_contain_text(
        "Anhängen lassen sich nur PDF-, PNG- und JPEG-Dateien."
    )
    expect(chris.locator(f"#field-file-{item.id}")).to_have_attribute("aria-invalid", "true")
    look(chris)

    choose(right)
    press(chris, attach)
    expect(chris.locator(FLASH)).to_have_text("Das Dokument wurde angehängt.")
    listed = chris.locator(".meeting-agenda .documents a")
    expect(listed).to_have_text("Bericht 2026.pdf")
    look(chris)

    mia = member("mia")
    open_room(mia, f"{live_server}/meetings/{meeting.id}/live")
    offered = mia.locator("#region-agenda .documents a")
    expect(offered).to_have_text("Bericht 2026.pdf")
    look(mia)
    tab_to(mia, offered)
    with mia.expect_download() as download:
        mia.keyboard.press("Enter")
    assert download.value.suggested_filename == "Bericht 2026.pdf"
