"""No group of fewer than five, also by subtraction: a cross-tab counts those who skipped
its question as hidden; members outside every chapter below are a group of their own, not
everyone; a question answered by fewer than five shows nothing. And a condition can only
name an earlier question; spreadsheets take whatever a member typed; a caller's county
must be one of the list."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from plenum.orgs.models import BodyRole
from plenum.surveys import answering, service
from plenum.surveys.models import SurveyQuestion
from plenum.surveys.results import results
from tests.support.factories import claims, structure
from tests.support.surveys import make_survey, place, question, section
from tests.support.web import english, enrol, log_in_as, post

PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    **{f"k{n}": claims(f"k{n}", name=f"Köln {n}") for n in range(11)},
    "sven": claims("sven", name="Sven Sachsen", chapter="lv-sachsen"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def two_questions(session, world, **fields):
    survey = make_survey(session, world.state, world.people["gina"], anonymous="no", **fields)
    where = section(session, survey)
    by = question(session, survey, where, "single", "Aktiv?", options=("Ja", "Nein"))
    asked = question(session, survey, where, "single", "Zufrieden?", options=("Ja", "Nein"))
    service.open_survey(place(session, survey), session=session)
    session.commit()
    return survey, by, asked


def send(session, survey, member, answers):
    at = place(session, survey)
    first = answering.questionnaire(at, member, session=session).sections[0]
    answering.save_section(at, member, first, answers, session=session)
    answering.submit(at, member, session=session)
    session.commit()


def test_who_skipped_the_cross_tab_question_is_hidden_with_the_small_groups(session, world):
    survey, by, asked = two_questions(session, world)
    for n in range(10):
        send(session, survey, world.people[f"k{n}"], {str(by.id): str(n % 2), str(asked.id): "0"})
    send(session, survey, world.people["k10"], {str(asked.id): "1"})  # skips "Aktiv?"
    found = results(place(session, survey), session=session, by=f"q{by.id}")
    item = next(q for q in found.questions if q.question.id == asked.id)
    assert item.overall.respondents == 11
    assert [g.tally.respondents for g in item.groups] == [5]  # 11 - 5 = 6: nobody alone
    assert item.hidden == 1


def test_a_member_outside_the_chapters_below_is_a_group_not_everyone(session, world):
    survey, _by, asked = two_questions(session, world)
    survey.body_id = world.state_board.id
    for sub in (*(f"k{n}" for n in range(6)), "sven"):
        session.add(
            BodyRole(member_id=world.people[sub], body_id=world.state_board.id, role="delegate")
        )
    session.commit()
    for n in range(6):
        send(session, survey, world.people[f"k{n}"], {str(asked.id): "0"})
    send(session, survey, world.people["sven"], {str(asked.id): "1"})
    found = results(place(session, survey), session=session, by="chapter")
    item = next(q for q in found.questions if q.question.id == asked.id)
    assert item.overall.respondents == 7
    assert item.overall.bars[1].count == 1
    assert item.groups == []  # Köln 6 and Sven 1: Köln alone would tell Sven's answer
    assert item.hidden == 2


def test_a_question_answered_by_fewer_than_five_shows_nothing(session, world):
    survey, _by, asked = two_questions(session, world)
    for n in range(4):
        send(session, survey, world.people[f"k{n}"], {str(asked.id): "0"})
    found = results(place(session, survey), session=session)
    item = next(q for q in found.questions if q.question.id == asked.id)
    assert item.too_few == 4
    assert item.overall.respondents == 0


def test_a_condition_names_only_an_earlier_question(client, provider, session, world):
    survey = make_survey(session, world.state, world.people["gina"])
    where = section(session, survey)
    first = question(session, survey, where, "single", "Erste?", options=("Ja", "Nein"))
    second = question(
        session,
        survey,
        where,
        "single",
        "Zweite?",
        options=("Ja", "Nein"),
        condition=f"{first.id}:0",
    )
    session.commit()
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    path = f"/surveys/{survey.id}/questions/{first.id}"
    looped = post(
        client,
        path,
        {"kind": "single", "text": "Erste?", "options": "Ja\nNein", "condition": f"{second.id}:0"},
    )
    assert looped.status_code == 422
    made_text = post(client, path, {"kind": "text", "text": "Erste?"})
    assert made_text.status_code == 303
    session.expire_all()
    assert session.get(SurveyQuestion, second.id).condition_question_id is None  # no dead condition


def test_a_spreadsheet_takes_control_characters_and_a_bad_county_is_refused(
    client, provider, session, world
):
    survey = make_survey(session, world.state, world.people["gina"], anonymous="no")
    where = section(session, survey)
    wish = question(session, survey, where, "text", "Wunsch?")
    service.open_survey(place(session, survey), session=session)
    session.commit()
    send(session, survey, world.people["k0"], {str(wish.id): "abc\x0bdef\x1b=1+1"})
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    got = client.get(f"/surveys/{survey.id}/export.xlsx?raw=1")
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.content)).active
    assert any("abc def" in str(cell.value) for row in sheet.iter_rows() for cell in row)
    made = post(client, f"/surveys/{survey.id}/campaign", {"script": "Hallo"})
    assert made.status_code == 303
    refused = post(client, f"/surveys/{survey.id}/calls/next", {"county": "abc"})
    assert refused.status_code == 422
    assert "Please choose a county from the list." in refused.text
