"""A series of meetings with one question, through HTTP: setting it up, its sessions and
channels, the results of a session with their origin, the online week and the phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from plenum.clock import utcnow
from plenum.series.models import Proposal, ProposalSupport, Series, SeriesRole, SeriesSource
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting
from tests.support.series import channel, make_series, series_form
from tests.support.web import asked, confirm, english, enrol, log_in_as, page, post, text

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="750001"
    ),
    "fred": claims("fred", name="Fred Moderation", number="750002"),
    "mia": claims("mia", name="Mia Mitglied", number="750003"),
    "ole": claims("ole", name="Ole Ortsverband", number="750004"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="750005"),
    "cara": claims("cara", name="Cara Telefon", number="750006"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def count(session, model, *where):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def proposal_form(soup, source_id, **fields):
    """The proposal form of one source, filled in; its action and values."""
    form = soup.select_one(f"#source-{source_id} form[action$='/proposals']")
    values = {"key": form.select_one("input[name=key]")["value"]}
    return form["action"], {**values, **fields}


def test_office_staff_set_up_a_series_and_a_bad_date_keeps_what_was_typed(
    client, provider, session, world
):
    as_member(client, provider, "mia")
    assert client.get("/chapters/lv-nrw/series/new").status_code == 403
    assert post(client, "/chapters/lv-nrw/series", series_form()).status_code == 403
    as_member(client, provider, "gina")
    listing = page(client.get("/chapters/lv-nrw/series"))
    assert listing.select_one("a[href='/chapters/lv-nrw/series/new']")
    bad = series_form(question="Welche <b>drei</b> Forderungen?")
    bad["evaluation_ends_at"] = bad["collecting_ends_at"]
    refused = post(client, "/chapters/lv-nrw/series", bad)
    assert refused.status_code == 422
    soup = page(refused)
    assert "Each phase must end after the one before it." in text(
        soup.select_one("#evaluation_ends_at-error")
    )
    assert soup.select_one("#field-question").get_text() == "Welche <b>drei</b> Forderungen?"
    assert count(session, Series) == 0
    made = post(client, "/chapters/lv-nrw/series", series_form(question=bad["question"]))
    assert made.status_code == 303
    path = made.headers["location"]
    soup = page(client.get(path))
    assert "Welche <b>drei</b> Forderungen?" in text(soup.select_one(".series-question"))
    assert not soup.select(".series-question b")  # member text never becomes markup
    current = soup.select_one(".phase-list [aria-current=step]")
    assert "Collecting proposals" in text(current)
    as_member(client, provider, "mia")  # a member of the chapter below sees it
    assert client.get(path).status_code == 200
    as_member(client, provider, "sam")  # another state's member does not
    assert client.get(path).status_code == 404
    assert path not in client.get("/chapters/lv-nrw/series").text  # nor in the list


def test_a_facilitator_records_a_sessions_results_which_keep_their_origin(
    client, provider, session, world
):
    series = make_series(session, world.state, world.people["gina"], max_proposals="2")
    meeting = make_meeting(session, world.county, None, world.people["gina"])
    session.commit()
    path = f"/series/{series.id}"
    as_member(client, provider, "gina")
    added = post(
        client,
        f"{path}/sources",
        {"kind": "meeting", "meeting_id": str(meeting.id), "weight_kind": "dots"},
    )
    assert added.status_code == 303
    again = post(
        client,
        f"{path}/sources",
        {"kind": "meeting", "meeting_id": str(meeting.id), "weight_kind": "dots"},
    )
    assert again.status_code == 422  # a meeting is a session once
    assert count(session, SeriesSource) == 1
    assert (
        post(
            client, f"{path}/roles", {"member_number": "750002", "role": "facilitator"}
        ).status_code
        == 303
    )
    source = session.exec(select(SeriesSource)).one()

    as_member(client, provider, "mia")  # no function: may not record
    assert (
        post(
            client,
            f"{path}/sources/{source.id}/proposals",
            {"title": "x", "text": "y", "weight": "3"},
        ).status_code
        == 403
    )
    assert (
        post(client, f"{path}/sources/{source.id}/attendance", {"hall_count": "40"}).status_code
        == 403
    )

    as_member(client, provider, "fred")
    assert (
        post(
            client,
            f"{path}/sources/{source.id}/attendance",
            {"hall_count": "40", "online_count": "-1"},
        ).status_code
        == 422
    )
    assert (
        post(
            client,
            f"{path}/sources/{source.id}/attendance",
            {"hall_count": "40", "online_count": "12"},
        ).status_code
        == 303
    )
    soup = page(client.get(path))
    action, values = proposal_form(
        soup, source.id, title="Gebührenfreie Kitas", text="Kitas ohne Gebühren."
    )
    refused = post(client, action, values)  # no weight
    assert refused.status_code == 422
    assert (
        page(refused).select_one("#field-title-" + str(source.id))["value"] == "Gebührenfreie Kitas"
    )
    assert count(session, Proposal) == 0
    assert post(client, action, {**values, "weight": "23"}).status_code == 303
    assert post(client, action, {**values, "weight": "23"}).status_code == 303  # sent twice
    for title, weight in (("Sozialticket", "17"), ("Mehr Lehrkräfte", "9")):
        action, values = proposal_form(
            page(client.get(path)), source.id, title=title, text="Text", weight=weight
        )
        last = post(client, action, values)
    assert last.status_code == 409  # the third of at most two
    assert "all the proposals it may have" in last.text
    assert count(session, Proposal) == 2

    soup = page(client.get(path))
    box = soup.select_one(f"#source-{source.id}")
    assert "Kreisverband Köln" in text(box)
    assert "Attendance: 40 in the hall, 12 online" in text(box)
    titles = [text(h) for h in box.select(".proposal-list h4")]
    assert titles == ["Gebührenfreie Kitas", "Sozialticket"]  # the heaviest first
    assert "23 dots" in text(box.select_one(".proposal-list li"))
    kita = session.exec(select(Proposal).where(Proposal.title == "Gebührenfreie Kitas")).one()
    assert kita.origin_chapter_id == world.county.id
    assert kita.origin_date == meeting.starts_at
    assert kita.entered_by == world.people["fred"]


def test_members_propose_and_support_in_the_online_week(client, provider, session, world):
    series = make_series(session, world.state, world.people["gina"], max_proposals="1")
    week = channel(session, series, "online_week")
    session.commit()
    path = f"/series/{series.id}"
    as_member(client, provider, "mia")
    action, values = proposal_form(
        page(client.get(path)), week.id, title="Bus & Bahn <3", text="Ein Ticket für alle."
    )
    assert post(client, action, values).status_code == 303
    action, values = proposal_form(
        page(client.get(path)), week.id, title="Zweiter", text="Noch einer."
    )
    second = post(client, action, values)
    assert second.status_code == 409
    assert "You have made all the proposals you may make here." in text(page(second))
    assert page(second).select_one(f"#field-title-{week.id}")["value"] == "Zweiter"  # kept
    mine = session.exec(select(Proposal)).one()
    assert mine.member_id == world.people["mia"]
    support = f"{path}/proposals/{mine.id}/support"
    assert post(client, support, {"support": "1"}).status_code == 409  # not one's own

    as_member(client, provider, "ole")
    soup = page(client.get(path))
    assert "Bus & Bahn <3" in text(soup.select_one(f"#p{mine.id} h4"))
    assert post(client, support, {"support": "1"}).status_code == 303
    assert post(client, support, {"support": "1"}).status_code == 303
    session.refresh(mine)
    assert mine.support_count == 1
    button = page(client.get(path)).select_one(f"#p{mine.id} button")
    assert button["aria-pressed"] == "true"
    assert post(client, support, {"support": "0"}).status_code == 303
    assert post(client, support, {"support": "0"}).status_code == 303
    session.refresh(mine)
    assert mine.support_count == 0
    assert count(session, ProposalSupport) == 0

    week.ends_at = utcnow() - timedelta(minutes=1)  # the week is over
    session.add(week)
    session.commit()
    assert post(client, support, {"support": "1"}).status_code == 409
    assert count(session, ProposalSupport) == 0
    assert not page(client.get(path)).select(f"#source-{week.id} form")
    late = post(client, f"{path}/sources/{week.id}/proposals", {"title": "Spät", "text": "x"})
    assert late.status_code == 409  # the form is gone: the page says why at its top
    assert "This channel takes no proposals now." in text(page(late).select_one("#refused"))


def test_a_caller_enters_an_answer_only_for_a_member_who_agreed(client, provider, session, world):
    series = make_series(session, world.state, world.people["gina"])
    phone = channel(session, series, "phone")
    session.add(SeriesRole(series_id=series.id, member_id=world.people["cara"], role="caller"))
    session.commit()
    path = f"/series/{series.id}"
    as_member(client, provider, "mia")
    assert not page(client.get(path)).select(f"#source-{phone.id} form")
    assert (
        post(
            client,
            f"{path}/sources/{phone.id}/proposals",
            {"title": "x", "text": "y", "member_number": "750004", "consent": "1"},
        ).status_code
        == 403
    )
    as_member(client, provider, "cara")
    fields = {"title": "Mehr Busse auf dem Land", "text": "Stündlich, auch abends."}
    action, values = proposal_form(
        page(client.get(path)), phone.id, member_number="750004", **fields
    )
    refused = post(client, action, values)
    assert refused.status_code == 422
    assert "only if the member agreed" in text(
        page(refused).select_one(f"#consent-{phone.id}-error")
    )
    stranger = post(client, action, {**values, "member_number": "750005", "consent": "1"})
    assert stranger.status_code == 422  # not a member of the series' chapter
    assert count(session, Proposal) == 0
    assert post(client, action, {**values, "consent": "1"}).status_code == 303
    answer = session.exec(select(Proposal)).one()
    assert (answer.member_id, answer.entered_by, answer.consent) == (
        world.people["ole"],
        world.people["cara"],
        True,
    )
    assert "Entered by a caller" in text(page(client.get(path)).select_one(f"#p{answer.id}"))


def test_a_function_is_removed_after_a_question(client, provider, session, world):
    series = make_series(session, world.state, world.people["gina"])
    session.add(SeriesRole(series_id=series.id, member_id=world.people["fred"], role="synthesis"))
    session.commit()
    role = session.exec(select(SeriesRole)).one()
    path = f"/series/{series.id}/roles/{role.id}/delete"
    as_member(client, provider, "fred")
    assert post(client, path, {"ask": "1"}).status_code == 403
    as_member(client, provider, "gina")
    assert (
        post(
            client, f"/series/{series.id}/roles", {"member_number": "750005", "role": "caller"}
        ).status_code
        == 422
    )
    assert text(asked(client, path).select_one("h1")) == "Remove this function in the series?"
    assert count(session, SeriesRole) == 1
    assert post(client, path).status_code == 303
    assert count(session, SeriesRole) == 0


def test_a_member_sees_and_removes_what_a_caller_entered_for_them(client, provider, session, world):
    series = make_series(session, world.state, world.people["gina"])
    phone = channel(session, series, "phone")
    session.add(SeriesRole(series_id=series.id, member_id=world.people["cara"], role="caller"))
    session.commit()
    as_member(client, provider, "cara")
    action, values = proposal_form(
        page(client.get(f"/series/{series.id}")),
        phone.id,
        member_number="750004",
        consent="1",
        title="Nachtbusse",
        text="Auch am Wochenende.",
    )
    assert post(client, action, values).status_code == 303
    answer = session.exec(select(Proposal)).one()
    path = f"/me/phone-answers/{answer.id}/delete"
    as_member(client, provider, "mia")  # not hers
    assert "Nachtbusse" not in client.get("/me/phone-answers").text
    assert post(client, path, {"ask": "1"}).status_code == 404
    assert post(client, path).status_code == 404
    as_member(client, provider, "ole")
    assert page(client.get("/me")).select_one("a[href='/me/phone-answers']")
    listed = page(client.get("/me/phone-answers"))
    assert "Auch am Wochenende." in text(listed.select_one(f"#answer-{answer.id}"))
    exported = client.get("/me/export.json").json()["series"]["proposals"]
    assert [(row["title"], row["entered_by_caller"]) for row in exported] == [("Nachtbusse", True)]
    question = asked(client, path)
    assert text(question.select_one("h1")) == "Remove the answer “Nachtbusse”?"
    assert count(session, Proposal) == 1
    assert confirm(client, question).status_code == 303
    assert count(session, Proposal) == 0
    assert post(client, path).status_code == 404  # gone
