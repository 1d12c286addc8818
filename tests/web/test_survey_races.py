"""Twenty identical survey requests at once (a real uvicorn, twenty connections, one
instant): one survey per form, one section and question per form, one opening with one
invitation each, one set of saved answers with counts that agree, one sent response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, func, select

from plenum.app import create_app
from plenum.notify.models import Notification
from plenum.surveys import service
from plenum.surveys.models import (
    Survey,
    SurveyAnswered,
    SurveyCount,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from tests.support.factories import claims, structure
from tests.support.served import served
from tests.support.surveys import catalogue, make_survey, place, survey_form
from tests.support.web import enrol, log_in_as, token
from tests.web.test_races import RACERS, Member, fire

PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    "mia": claims("mia", name="Mia Mitglied"),
}


@pytest.fixture
def world(session: Session, settings: Any) -> Any:
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def count(session: Session, model: Any, *where: Any) -> int:
    session.rollback()
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


@pytest.fixture
def base_url(settings: Any) -> Iterator[str]:
    with served(lambda url: create_app(settings.with_changes(base_url=url))) as url:
        yield url


def racer(client: Any, provider: Any, name: str) -> Member:
    """The cookies and CSRF token every racer sends, as ``name``."""
    log_in_as(client, provider, name, PEOPLE[name])
    csrf = token(client)
    return Member(dict(client.cookies.items()), csrf)


def test_one_survey_section_and_question_per_form_and_one_opening(
    client, provider, session, world, base_url
):
    gina = racer(client, provider, "gina")
    made = fire(base_url, gina, "/chapters/lv-nrw/surveys", {**survey_form(), "key": "once"})
    assert made == {303: RACERS}
    assert count(session, Survey) == 1
    survey = session.exec(select(Survey)).one()
    path = f"/surveys/{survey.id}"
    form = {"title": "Allgemein", "chapter": "lv-nrw", "key": "s1"}
    assert fire(base_url, gina, f"{path}/sections", form) == {303: RACERS}
    assert count(session, SurveySection) == 1
    section = session.exec(select(SurveySection)).one()
    question = {"kind": "single", "text": "Ja?", "options": "Ja\nNein", "key": "q1"}
    assert fire(base_url, gina, f"{path}/sections/{section.id}/questions", question) == {
        303: RACERS
    }
    assert count(session, SurveyQuestion) == 1
    opened = fire(base_url, gina, f"{path}/open", {})
    assert opened[303] == 1, opened
    assert set(opened) <= {303, 409}, opened
    url = f"/surveys/{survey.id}"
    assert count(session, Notification, Notification.url == url) == len(PEOPLE)


@pytest.mark.parametrize("anonymous", ["no", "yes"])
def test_answers_saved_and_sent_twenty_times_at_once_count_once(
    client, provider, session, world, base_url, anonymous
):
    survey = make_survey(session, world.state, world.people["gina"], anonymous=anonymous)
    questions = catalogue(session, survey)
    service.open_survey(place(session, survey), session=session)
    session.commit()
    survey_id, active = survey.id, questions["active"]
    mia = racer(client, provider, "mia")
    saved = fire(base_url, mia, f"/surveys/{survey_id}/answer/1", {f"q{active.id}": "0"})
    assert saved == {303: RACERS}
    sent = fire(base_url, mia, f"/surveys/{survey_id}/submit", {})
    assert sent[303] == 1, sent
    assert set(sent) <= {303, 409}, sent
    assert count(session, SurveyResponse, SurveyResponse.survey_id == survey_id) == 1
    if anonymous == "yes":
        assert count(session, SurveyAnswered) == 1
        return
    again = fire(base_url, mia, f"/surveys/{survey_id}/answer/1", {f"q{active.id}": "1"})
    assert again == {303: RACERS}
    rows = session.exec(
        select(SurveyCount.value, SurveyCount.n).where(
            SurveyCount.question_id == active.id, SurveyCount.dimension == ""
        )
    ).all()
    assert dict(rows) == {"": 1, "0": 0, "1": 1}  # moved once, never negative
