"""Chapter and body pages show what is happening there: open calls with their deadlines,
running votes, recently active discussions, and only the links the member may follow (the
board's votes are not offered to a member, who would get 403). The member's own chapter
is marked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plenum.clock import utcnow
from tests.support import votes
from tests.support.discuss import topic
from tests.support.factories import claims, structure
from tests.support.motions import make_call
from tests.support.web import english, enrol, log_in_as, page, text

PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="780001"),
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="780002"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="780003"
    ),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="780004"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def happening(client, path: str):
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    found = page(answer).select_one("#happening")
    links = [a["href"] for a in found.select(".happening-links a")]
    return found, links


def test_a_body_page_shows_open_calls_running_votes_and_only_followable_links(
    client, provider, session, world
):
    p = world.people
    make_call(
        session,
        world.state_convention,
        title="Frühjahr",
        motion_deadline=utcnow() + timedelta(days=5),
    )
    make_call(
        session,
        world.state_convention,
        title="Vorbei",
        motion_deadline=utcnow() - timedelta(days=40),
        amendment_deadline=utcnow() - timedelta(days=30),
    )
    board_vote = votes.make_vote(
        session, world.state, world.state_board, p["gina"], title="Haushalt"
    )
    votes.present(session, world.state_board, p["gina"], p["bo"])
    votes.open_vote(session, board_vote, p["gina"])
    session.commit()

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    found, links = happening(client, "/bodies/lv-nrw-convention/now")
    assert [text(a) for a in found.select("ul.agenda a")] == ["Frühjahr"]
    assert "motions until" in text(found)
    assert links == [
        "/bodies/lv-nrw-convention/calls",
        "/bodies/lv-nrw-convention/resolutions",
        "/bodies/lv-nrw-convention/votes",
    ]
    found, links = happening(client, "/bodies/lv-nrw-board/now")
    assert "Haushalt" not in text(found)  # the board's votes are the board's
    assert "/bodies/lv-nrw-board/votes" not in links
    assert "/bodies/lv-nrw-board/discussion" not in links
    for link in links:
        assert client.get(link).status_code == 200, link

    log_in_as(client, provider, "bo", PEOPLE["bo"])
    found, links = happening(client, "/bodies/lv-nrw-board/now")
    assert "Haushalt" in text(found)
    assert {"/bodies/lv-nrw-board/votes", "/bodies/lv-nrw-board/discussion"} <= set(links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_a_chapter_page_marks_the_members_own_chapter_and_shows_its_discussions(
    client, provider, session, world
):
    p = world.people
    topic(session, world.state, p["mia"], title="Wahlkampf planen")
    session.commit()
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    english(client)
    found, links = happening(client, "/chapters/lv-nrw/now")
    assert "Wahlkampf planen" in text(found)
    assert links == ["/chapters/lv-nrw/discussion", "/chapters/lv-nrw/votes"]
    state = page(client.get("/chapters/lv-nrw"))
    assert state.select_one("h1 + p .tag") is None  # her membership is further down
    below = {text(li.select_one("a")): text(li) for li in state.select("#sub-title + ul li")}
    assert "Above your chapter" in below["Kreisverband Köln"]
    own = page(client.get("/chapters/ov-koeln-kalk"))
    assert text(own.select_one("h1 + p .tag")) == "Your chapter"

    log_in_as(client, provider, "sam", PEOPLE["sam"])
    found, links = happening(client, "/chapters/lv-nrw/now")
    assert "Wahlkampf planen" not in text(found)
    assert links == []

    client.cookies.clear()
    assert client.get("/chapters/lv-nrw/now").headers["location"].startswith("/auth/login")
    assert page(client.get("/chapters/lv-nrw")).select_one("#now-title") is None
