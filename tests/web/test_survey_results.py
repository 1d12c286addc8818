"""A survey's evaluation through HTTP and the services: shares of those who answered,
cross-tabs, small groups hidden, anonymous results only after the count, free texts for
those allowed, and CSV and XLSX exports that never carry a formula."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from plenum.clock import utcnow
from plenum.surveys import answering, counting, service
from plenum.surveys.answers import read
from plenum.surveys.models import SurveySection
from plenum.surveys.results import results
from plenum.surveys.smallest import kept
from tests.support.factories import claims, structure
from tests.support.surveys import catalogue, form_pairs, make_survey, place, question
from tests.support.web import english, enrol, log_in_as, page, text

HYPERLINK = '=HYPERLINK("http://evil.example","klick")'
PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    "vera": claims("vera", name="Vera Vorstand", groups=("lv-nrw-vorstand",)),
    "sven": claims("sven", name="Sven Sachsen", chapter="lv-sachsen"),
    **{f"m{n}": claims(f"m{n}", name=f"Mitglied {n}") for n in range(11)},
}
AGES = ["0"] * 5 + ["1"] * 3 + ["2"] * 3  # under 30: 5, 30-60: 3, over 60: 3
ACTIVE = ["0"] * 7 + ["1"] * 4  # 7 of 11 active: 63.6 %
WISHES = {0: HYPERLINK, 1: "<script>alert(1)</script>", 2: "Mehr Kinderbetreuung"}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def opened(session, org, **fields):
    survey = make_survey(session, org.state, org.people["gina"], **fields)
    questions = catalogue(session, survey)
    first = session.get(SurveySection, questions["active"].section_id)
    questions["age"] = question(
        session, survey, first, "single", "Wie alt bist du?", options=("<30", "30-60", ">60")
    )
    service.open_survey(place(session, survey), session=session)
    session.commit()
    return survey, questions


def answer(session, survey, questions, member, phone=False, **given):
    at = place(session, survey)
    found, errors = read(questions.values(), form_pairs(questions, **given))
    assert not errors
    if phone:
        answering.answer_by_phone(at, member, found, caller=member, session=session)
    else:
        first = answering.questionnaire(at, member, session=session).sections[0]
        answering.save_section(at, member, first, found, session=session)
        answering.submit(at, member, session=session)
    session.commit()


def everyone_answers(session, org, survey, questions):
    for n in range(11):
        given = {"active": ACTIVE[n], "age": AGES[n], "happy": str(n % 5 + 1), "hours": "4"}
        given["topics"] = ["0", "1"] if n % 2 else ["0"]
        given["order"] = {"2": "1", "0": "2"} if n < 6 else {"0": "1"}
        if n in WISHES:
            given["wish"] = WISHES[n]
        answer(session, survey, questions, org.people[f"m{n}"], phone=n >= 8, **given)


def as_(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


@pytest.fixture
def named(session, world):
    survey, questions = opened(session, world, anonymous="no")
    everyone_answers(session, world, survey, questions)
    return survey, questions


def test_kept_hides_small_groups_and_a_pool_that_would_tell_them():
    assert kept({"a": 5, "b": 3, "c": 3}) == {"a"}
    assert kept({"a": 9, "b": 2}) == set()  # total minus a would tell b
    assert kept({"a": 9, "b": 6, "c": 2}) == {"a"}
    assert kept({"a": 5, "b": 5}) == {"a", "b"}


def test_the_page_shows_shares_of_those_who_answered_and_a_cross_tab(
    client, provider, session, world, named
):
    survey, questions = named
    as_(client, provider, "vera")
    shown = page(client.get(f"/surveys/{survey.id}/results"))
    active = shown.select_one(f"#question-{questions['active'].id}")
    assert active.select_one("svg.bar-chart[role=img]") is not None
    row = active.select_one("table tbody tr")
    assert text(row) == "Ja 7 63.6 %"
    assert shown.select_one(f"#question-{questions['hours'].id}").find(
        string=lambda s: "mean 4.00" in s
    )
    order = text(shown.select_one(f"#question-{questions['order'].id} table"))
    assert "Aktionen 6 54.5 % 1.00" in order  # first six ranked it first
    response = client.get(f"/surveys/{survey.id}/results?by=q{questions['age'].id}")
    topics = page(response).select_one(f"#question-{questions['topics'].id}")
    rows = [text(tr) for tr in topics.select(f"#question-{questions['topics'].id} tbody tr")]
    assert "<30 5 5 (100.0 %) 2 (40.0 %) 0 (0.0 %) 0 (0.0 %)" in rows  # the cross-tab
    assert not any(r.startswith((">60", "30-60")) for r in rows)
    assert "2 groups with fewer than 5 answers hidden." in text(topics)


def test_small_groups_are_hidden_by_chapter_and_channel(session, world, named):
    survey, questions = named
    at = place(session, survey)
    for by in ("chapter", "channel", f"q{questions['active'].id}"):
        for item in results(at, session=session, by=by).questions:
            assert all(group.tally.respondents >= 5 for group in item.groups)
    by_channel = results(at, session=session, by="channel").questions[0]
    assert by_channel.groups == []
    assert by_channel.hidden == 2
    by_chapter = results(at, session=session, by="chapter").questions[0]
    assert [group.label for group in by_chapter.groups] == ["Kreisverband Köln"]


def test_anonymous_results_come_only_after_the_count(client, provider, session, world):
    survey, questions = opened(session, world)
    for n in range(5):
        answer(session, survey, questions, world.people[f"m{n}"], active="0", age="0")
    as_(client, provider, "vera")
    before = page(client.get(f"/surveys/{survey.id}/results"))
    assert "the results come after the close" in text(before)
    assert not results(place(session, survey), session=session).available
    counting.count_due(session=session, now=utcnow() + timedelta(days=15))
    session.commit()
    after = page(client.get(f"/surveys/{survey.id}/results"))
    assert text(after.select_one(f"#question-{questions['active'].id} tbody tr")) == (
        "Ja 5 100.0 %"
    )
    assert client.get(f"/surveys/{survey.id}/export.csv?raw=1").status_code == 403
    as_(client, provider, "gina")
    assert client.get(f"/surveys/{survey.id}/export.xlsx?raw=1").status_code == 403


def test_free_texts_are_searched_escaped_and_only_for_those_allowed(
    client, provider, session, world, named
):
    survey, questions = named
    path = f"/surveys/{survey.id}/results/texts/{questions['wish'].id}"
    as_(client, provider, "gina")
    every = page(client.get(path))
    items = [li.get_text() for li in every.select("li.proposal-text")]
    assert sorted(items) == sorted(WISHES.values())
    assert every.select("li.proposal-text script") == []
    assert "&lt;script&gt;" in client.get(path).text
    found = page(client.get(path, params={"q": "KINDER"}))
    assert [li.get_text() for li in found.select("li.proposal-text")] == ["Mehr Kinderbetreuung"]
    none = page(client.get(path, params={"q": "100%_"}))
    assert none.select("li.proposal-text") == []
    as_(client, provider, "vera")
    assert client.get(path).status_code == 403
    as_(client, provider, "sven")
    assert client.get(path).status_code == 404
    assert client.get(f"/surveys/{survey.id}/results").status_code == 404


def test_members_see_shared_results_only_after_the_close(client, provider, session, world, named):
    survey, _questions = named
    as_(client, provider, "m0")
    assert client.get(f"/surveys/{survey.id}/results").status_code == 403
    survey.share_results = True
    survey.closes_at = utcnow() - timedelta(minutes=1)
    session.add(survey)
    session.commit()
    assert client.get(f"/surveys/{survey.id}/results").status_code == 200
    assert client.get(f"/surveys/{survey.id}/export.csv").status_code == 403


def test_exports_open_and_never_carry_a_formula(client, provider, session, world, named):
    survey, questions = named
    as_(client, provider, "vera")
    csv_file = client.get(f"/surveys/{survey.id}/export.csv")
    assert csv_file.status_code == 200
    assert "attachment;" in csv_file.headers["content-disposition"]
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert "Bist du aktiv?;Ja;;;11;7;63,6;" in csv_file.content.decode("utf-8-sig")
    xlsx = client.get(f"/surveys/{survey.id}/export.xlsx")
    assert xlsx.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["Question", "Option"]
    assert ["Bist du aktiv?", "Ja", None, None, 11, 7, 63.6, None] in rows
    assert client.get(f"/surveys/{survey.id}/export.csv?raw=1").status_code == 403
    as_(client, provider, "gina")
    raw = client.get(f"/surveys/{survey.id}/export.csv?raw=1").content.decode("utf-8-sig")
    assert "'" + HYPERLINK.replace('"', '""') in raw
    book = load_workbook(io.BytesIO(client.get(f"/surveys/{survey.id}/export.xlsx?raw=1").content))
    raw_rows = list(book.active.iter_rows(values_only=True))
    assert len(raw_rows) == 12
    wish = raw_rows[0].index(questions["wish"].text)
    cells = [row[wish] for row in raw_rows[1:] if row[wish]]
    assert "'" + HYPERLINK in cells
    assert all(not str(cell).startswith("=") for row in raw_rows for cell in row if cell)
    assert "Phone" in [row[3] for row in raw_rows]
