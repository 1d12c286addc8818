"""Answering a survey through the services: conditions, required questions, named
answers counted as they come and recounted when changed, anonymous answers sealed until
the close and then counted without a member."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import func, select

from plenum.clock import utcnow
from plenum.errors import DomainError, ValidationFailed
from plenum.surveys import answering, counting, service
from plenum.surveys.answers import read
from plenum.surveys.models import SurveyAnswered, SurveyCount, SurveyDraft, SurveyResponse
from tests.support.factories import claims, structure
from tests.support.surveys import catalogue, form_pairs, make_survey, place
from tests.support.web import enrol

PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    **{f"m{n}": claims(f"m{n}", name=f"Mitglied {n}") for n in range(6)},
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def opened(session, org, **fields):
    survey = make_survey(session, org.state, org.people["gina"], **fields)
    questions = catalogue(session, survey)
    service.open_survey(place(session, survey), session=session)
    session.commit()
    return survey, questions


def answer(session, survey, questions, member, **given):
    at = place(session, survey)
    found, errors = read(questions.values(), form_pairs(questions, **given))
    assert not errors
    first = answering.questionnaire(at, member, session=session).sections[0]
    answering.save_section(at, member, first, found, session=session)
    answering.submit(at, member, session=session)
    session.commit()


def counted(session, survey, question, value="", dimension="", grp=""):
    session.expire_all()
    row = session.exec(
        select(SurveyCount.n).where(
            SurveyCount.survey_id == survey.id,
            SurveyCount.question_id == question.id,
            SurveyCount.value == value,
            SurveyCount.dimension == dimension,
            SurveyCount.grp == grp,
        )
    ).first()
    return row or 0


def test_a_required_question_must_be_answered_and_a_condition_hides_its_question(session, world):
    survey, questions = opened(session, world, anonymous="no")
    at = place(session, survey)
    member = world.people["m0"]
    first = answering.questionnaire(at, member, session=session).sections[0]
    found, _ = read(questions.values(), form_pairs(questions, wish="Mehr Treffen"))
    with pytest.raises(ValidationFailed) as refused:
        answering.save_section(at, member, first, found, session=session)
    assert f"q{questions['active'].id}" in refused.value.errors
    session.rollback()
    found, _ = read(questions.values(), form_pairs(questions, active="0", why="nur so"))
    kept = answering.save_section(at, member, first, found, session=session)
    assert str(questions["why"].id) not in kept  # asked only of those who said "Nein"


def test_named_answers_count_at_once_and_move_when_changed(session, world):
    survey, questions = opened(session, world, anonymous="no")
    member = world.people["m0"]
    answer(
        session,
        survey,
        questions,
        member,
        active="1",
        why="Keine Zeit",
        topics=["0", "2"],
        hours="3,5",
        order={"2": "1", "0": "2"},
    )
    assert counted(session, survey, questions["active"], "1") == 1
    assert counted(session, survey, questions["topics"], "2") == 1
    assert counted(session, survey, questions["order"], "2@1") == 1
    assert (
        counted(session, survey, questions["topics"], "0", f"q{questions['active'].id}", "1") == 1
    )
    at = place(session, survey)
    first = answering.questionnaire(at, member, session=session).sections[0]
    found, _ = read(questions.values(), form_pairs(questions, active="0", topics=["1"]))
    answering.save_section(at, member, first, found, session=session)
    session.commit()
    assert counted(session, survey, questions["active"], "1") == 0
    assert counted(session, survey, questions["active"], "0") == 1
    assert counted(session, survey, questions["topics"], "2") == 0
    assert counted(session, survey, questions["why"]) == 0
    with pytest.raises(DomainError):
        answering.submit(place(session, survey), member, session=session)


def test_anonymous_answers_are_sealed_until_the_close_then_counted_without_a_member(session, world):
    survey, questions = opened(session, world)
    at = place(session, survey)
    member = world.people["m1"]
    first = answering.questionnaire(at, member, session=session).sections[0]
    found, _ = read(questions.values(), form_pairs(questions, active="1", wish="Kinderbetreuung"))
    answering.save_section(at, member, first, found, session=session)
    session.commit()
    draft = session.exec(select(SurveyDraft)).one()
    assert b"Kinderbetreuung" not in draft.sealed
    assert answering.saved(at, member, session=session)[0][str(questions["wish"].id)]
    answering.submit(at, member, session=session)
    session.commit()
    with pytest.raises(DomainError):
        answering.submit(place(session, survey), member, session=session)
    session.rollback()
    rows = session.exec(select(SurveyResponse)).all()
    assert len(rows) == 1
    assert rows[0].member_id is None
    assert rows[0].sealed
    assert session.exec(select(func.count()).select_from(SurveyDraft)).one() == 0
    assert counted(session, survey, questions["active"], "1") == 0
    for n in (2, 3, 4, 5):  # five answers in all: fewer would not be kept
        answer(session, survey, questions, world.people[f"m{n}"], active=str(n % 2))
    survey.closes_at = utcnow() - timedelta(minutes=1)
    session.add(survey)
    session.commit()
    assert counting.count_due(session=session) == 1
    session.commit()
    assert counting.count_due(session=session) == 0
    assert counted(session, survey, questions["active"], "1") == 3  # m1, m3, m5
    assert counted(session, survey, questions["active"]) == 5
    assert counted(session, survey, questions["wish"]) == 0  # one answer: not kept
    clear = session.exec(select(SurveyResponse)).all()
    assert all(row.sealed is None and row.member_id is None for row in clear)
    assert all(row.chapter_id is None and row.channel == "" for row in clear)  # counted only
    wishes = [json.loads(row.answers).get(str(questions["wish"].id)) for row in clear]
    assert "Kinderbetreuung" in wishes
    assert session.exec(select(func.count()).select_from(SurveyAnswered)).one() == 5
