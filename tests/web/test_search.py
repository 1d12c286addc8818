"""The search page as members meet it: the box in the header, the form, results that
link to what they found, only what they may read, and hostile text shown as text.

Members read the site in English here, so messages are the catalogue ids.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from plenum.discuss.models import Comment
from plenum.motions.models import Resolution
from plenum.orgs.models import Body
from plenum.search import service as search
from tests.support import search as world_of
from tests.support.search import EXPECTED, PEOPLE, ROLES, WORD
from tests.support.web import english, live_script_problems, log_in_as, page, text

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    "{{7*7}}",
    "%(name)s",
    "'><a href=javascript:alert(1)>x</a>",
    "</mark><script>alert(1)</script><mark>",
)


@pytest.fixture
def world(session, settings):
    return world_of.build(session, settings)


def as_member(client, provider, role):
    log_in_as(client, provider, role, PEOPLE[role])
    return english(client)


def search_page(client, **params):
    return client.get("/search?" + urlencode(params))


def hrefs(response):
    return [a["href"] for a in page(response).select(".search-hit .hit-title a")]


def href_of(world, name):
    kind, ref = world.things[name]
    if kind == "motion":
        return f"/motions/{ref}"
    if kind == "amendment":
        return f"/amendments/{ref}"
    if kind == "resolution":
        found = world.session.get(Resolution, ref)
        body = world.session.get(Body, found.body_id)
        return f"/bodies/{body.key}/resolutions/{found.year}/{found.sequence}"
    comment = world.session.get(Comment, ref)
    return f"/threads/{comment.thread_id}#c{comment.seq}"


def test_search_needs_a_logged_in_member(client):
    response = client.get("/search?q=x")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/login?next=%2Fsearch")


def test_the_header_has_a_labelled_search_box_for_members(client, provider, session, settings):
    assert page(client.get("/")).select("form[role=search]") == []
    as_member(client, provider, "member")
    box = page(client.get("/")).select_one("header form[role=search]")
    assert box["action"] == "/search"
    assert box["method"] == "get"
    field = box.select_one("input[name=q]")
    assert box.select_one(f"label[for={field['id']}]") is not None


def test_an_empty_search_explains_and_shows_the_form(client, provider, world):
    as_member(client, provider, "member")
    response = search_page(client)
    assert response.status_code == 200
    html = page(response)
    assert html.select_one("main form[role=search] label[for=field-q]") is not None
    assert html.select_one("#search-results") is None
    assert "You will only find what you may read." in text(html.select_one("main"))


def test_too_long_a_search_is_refused_beside_the_field_and_kept(client, provider, world):
    as_member(client, provider, "member")
    typed = "Gemeinwohl " * 19  # 209 characters
    response = search_page(client, q=typed)
    assert response.status_code == 422
    html = page(response)
    assert text(html.select_one("#q-error")) == "A search can have at most 200 characters."
    field = html.select_one("main input[name=q]")
    assert field["value"] == typed
    assert field["aria-invalid"] == "true"
    assert html.select_one("#search-results") is None


@pytest.mark.parametrize("role", ROLES)
def test_results_are_exactly_what_the_member_may_read_and_every_link_opens(
    client, provider, world, role
):
    as_member(client, provider, role)
    response = search_page(client, q=WORD.lower())
    assert response.status_code == 200
    expected = {href_of(world, name) for name, readers in EXPECTED.items() if role in readers}
    found = hrefs(response)
    assert sorted(found) == sorted(expected)
    count = len(expected)
    shown = text(page(response).select_one("#search-results [role=status]"))
    assert shown == f"{count} result{'s' if count != 1 else ''} shown."
    for href in found:
        assert client.get(href.split("#")[0]).status_code == 200, href


def test_a_result_shows_its_type_chapter_and_marked_excerpt(client, provider, world):
    as_member(client, provider, "staff")
    response = search_page(client, q=f"Vorstand {WORD}", type="resolution")
    hit = page(response).select_one(".search-hit")
    assert text(hit.select_one(".hit-kind")) == "Resolution"
    assert text(hit.select_one(".hit-chapter")) == "Landesverband NRW"
    assert [text(m) for m in hit.select(".excerpt mark")] == [WORD]
    assert [text(m) for m in hit.select(".hit-title mark")] == ["Vorstand"]


def test_the_filters_are_selects_and_narrow_the_results(client, provider, world):
    as_member(client, provider, "federal")
    response = search_page(client, q=WORD, type="motion", chapter="lv-sachsen")
    html = page(response)
    assert hrefs(response) == [href_of(world, "saxony")]
    assert html.select_one("#search-type option[selected]")["value"] == "motion"
    assert html.select_one("#search-chapter option[selected]")["value"] == "lv-sachsen"
    assert html.select_one("label[for=search-chapter]") is not None


def test_more_results_are_a_link_away(client, provider, world, monkeypatch):
    monkeypatch.setattr(search, "PAGE", 4)
    as_member(client, provider, "federal")
    seen, path = [], "/search?" + urlencode({"q": WORD})
    while path:
        html = page(client.get(path))
        seen += [a["href"] for a in html.select(".search-hit .hit-title a")]
        more = html.select_one("a.more")
        path = more["href"] if more else ""
    assert sorted(seen) == sorted(
        href_of(world, name) for name, readers in EXPECTED.items() if "federal" in readers
    )


def test_nothing_found_says_so(client, provider, world):
    as_member(client, provider, "member")
    html = page(search_page(client, q="Zebrastreifen"))
    assert html.select(".search-hit") == []
    assert "Nothing found." in text(html.select_one("#search-results"))


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_search_is_shown_as_text(client, provider, world, payload):
    as_member(client, provider, "member")
    response = search_page(client, q=payload)
    assert response.status_code == 200
    assert live_script_problems(response.text) == []
    html = page(response)
    assert html.select_one("main input[name=q]")["value"] == payload
    assert payload in html.select_one("title").get_text()
    assert "49" not in text(html.select_one("main"))


def test_hostile_titles_and_comments_are_found_and_shown_as_text(client, provider, world):
    from plenum.discuss import access

    at = access.chapter_space(world.org.state, session=world.session)
    for n, payload in enumerate(PAYLOADS):
        world.motion(f"m{n}", f"{payload} Gefahr", text=f"Text {payload} Gefahr.")
        world.topic(f"t{n}", at, f"{payload} Thema", f"Gefahr: {payload}", by="member")
    as_member(client, provider, "member")
    for words in ("Gefahr", "alert", "script", "onerror", "name"):
        response = search_page(client, q=words)
        assert response.status_code == 200
        assert live_script_problems(response.text) == [], words
        html = page(response)
        assert html.select(".search-hit script, .search-hit img, .search-hit svg") == []
        assert html.select(".search-hit a a") == []
    titles = [text(a) for a in page(search_page(client, q="Gefahr")).select(".hit-title a")]
    for payload in PAYLOADS:
        assert any(payload in title for title in titles), payload
