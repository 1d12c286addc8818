"""Anonymous answers cannot be paired with members: while the survey is open they are
sealed and padded to one length (a long answer looks like a short one), the reply to
sending them is the same for everyone, nothing of them reaches the logs, and after the
count the clear rows share nothing with the who-answered rows — not their transaction
(PostgreSQL ``xmin``) nor their order."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text as sql
from sqlmodel import select

from plenum.clock import utcnow
from plenum.surveys import counting, service
from plenum.surveys.models import SurveyQuestion, SurveyResponse
from tests.support.factories import claims, structure
from tests.support.surveys import catalogue, make_survey, place
from tests.support.web import english, enrol, log_in_as, post

PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    **{f"m{n}": claims(f"m{n}", name=f"Mitglied {n}") for n in range(3)},
}
SECRET = "Mein geheimer Wunsch: Kinderbetreuung"


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def test_anonymous_answers_are_sealed_to_one_length_and_leave_no_trace_in_replies_or_logs(
    client, provider, session, world, caplog
):
    survey = make_survey(session, world.state, world.people["gina"])
    questions = catalogue(session, survey)
    service.open_survey(place(session, survey), session=session)
    session.commit()
    path = f"/surveys/{survey.id}"
    active, wish = questions["active"].id, questions["wish"].id
    given = [
        {f"q{active}": "0", f"q{wish}": SECRET + " " + "x" * 900},
        {f"q{active}": "1"},
        {f"q{active}": "0", f"q{questions['hours'].id}": "12"},
    ]
    replies = []
    caplog.set_level(logging.DEBUG)
    for n, answers in enumerate(given):
        log_in_as(client, provider, f"m{n}", PEOPLE[f"m{n}"])
        english(client)
        assert post(client, f"{path}/answer/1", answers).status_code == 303
        sent = post(client, f"{path}/submit", {})
        assert sent.status_code == 303
        replies.append((len(sent.content), tuple(sorted(sent.headers.keys()))))
    assert len(set(replies)) == 1  # the same reply, whatever was answered
    assert "geheimer" not in caplog.text
    session.expire_all()
    sealed = session.exec(select(SurveyResponse.sealed)).all()
    assert len(sealed) == 3
    assert len({len(box or b"") for box in sealed}) == 1  # 900 characters or none: one length
    assert not any(b"geheim" in (box or b"") for box in sealed)
    assert all(
        row.member_id is None and row.answers == "{}"
        for row in session.exec(select(SurveyResponse))
    )


def test_after_the_count_clear_answers_share_no_transaction_or_order_with_who_answered(
    session, world, settings
):
    from plenum.votes import sealing
    from tests.web.test_survey_answering import answer

    sealing.configure(settings.secret_key)
    survey = make_survey(session, world.state, world.people["gina"])
    questions = catalogue(session, survey)
    service.open_survey(place(session, survey), session=session)
    session.commit()
    for n in (2, 0, 1):
        answer(session, survey, questions, world.people[f"m{n}"], active=str(n % 2))
    survey.closes_at = utcnow() - timedelta(minutes=1)
    session.add(survey)
    session.commit()
    counting.count_due(session=session)
    session.commit()
    if session.get_bind().dialect.name != "postgresql":
        return
    responses = session.execute(
        sql("SELECT xmin::text FROM survey_response WHERE survey_id = :s"), {"s": survey.id}
    ).all()
    answered = session.execute(
        sql("SELECT xmin::text, member_id FROM survey_answered WHERE survey_id = :s ORDER BY ctid"),
        {"s": survey.id},
    ).all()
    assert len({x for (x,) in responses}) == 1  # all written by the count's transaction
    assert len({x for x, _m in answered}) == 1  # and who answered rewritten together
    assert [m for _x, m in answered] == sorted(m for _x, m in answered)  # in member order
    assert session.exec(select(SurveyQuestion)).first() is not None
