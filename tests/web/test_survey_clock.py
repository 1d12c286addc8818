"""The survey clock and the audience: invitations and one reminder, an anonymous survey
counted after its close (its answers without members), raw answers deleted when their
time is up while the counts stay — run as the real ``plenum meetings-clock`` process —
and audiences narrowed by body and by joining date."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlmodel import func, select

from plenum.clock import utcnow
from plenum.notify.models import Notification
from plenum.orgs.models import BodyRole, Member
from plenum.surveys import audience, clock, service
from plenum.surveys.models import (
    SurveyAnswered,
    SurveyCount,
    SurveyDraft,
    SurveyResponse,
    SurveyValue,
)
from plenum.votes import sealing
from tests.support.factories import claims, structure
from tests.support.surveys import catalogue, make_survey, place
from tests.support.web import enrol
from tests.web.test_meeting_registration import clock_env
from tests.web.test_survey_answering import answer

PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    **{f"m{n}": claims(f"m{n}", name=f"Mitglied {n}") for n in range(6)},
    "otto": claims("otto", name="Otto Sachsen", chapter="lv-sachsen"),
}


@pytest.fixture
def world(session, settings):
    sealing.configure(settings.secret_key)  # as the app and the clock process do
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def count(session, model, *where):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def run_clock(settings):
    done = subprocess.run(
        [sys.executable, "-m", "plenum.cli", "meetings-clock"],
        env=clock_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_members_are_invited_and_reminded_once(session, world):
    survey = make_survey(session, world.state, world.people["gina"])
    catalogue(session, survey)
    invited = service.open_survey(place(session, survey), session=session)
    session.commit()
    asked = {world.people[f"m{n}"] for n in range(6)}
    assert invited == len(asked) + 1  # and Gina, a member of the state chapter's local
    url = f"/surveys/{survey.id}"
    notified = set(session.exec(select(Notification.member_id).where(Notification.url == url)))
    assert asked <= notified
    assert world.people["otto"] not in notified
    for note in session.exec(select(Notification).where(Notification.url == url)):
        note.read_at = utcnow()
        session.add(note)
    session.commit()
    questions = catalogue_questions(session, survey)
    answer(session, survey, questions, world.people["m0"], active="0")
    late = utcnow() + timedelta(days=12)
    assert clock.run(session=session, now=late).reminded == len(asked)  # not m0: answered
    session.commit()
    assert clock.run(session=session, now=late).reminded == 0  # once


def catalogue_questions(session, survey):
    """The catalogue's questions by the names ``catalogue`` gives them (by their order)."""
    names = ["active", "topics", "happy", "hours", "wish", "order", "why"]
    return dict(zip(names, service.questions_of(survey, session=session), strict=True))


def test_the_clock_counts_an_anonymous_survey_then_deletes_its_raw_answers(
    session, world, settings
):
    survey = make_survey(session, world.state, world.people["gina"], keep_raw_days="30")
    questions = catalogue(session, survey)
    service.open_survey(place(session, survey), session=session)
    session.commit()
    for n in range(5):
        answer(session, survey, questions, world.people[f"m{n}"], active=str(n % 2), why="Zeit")
    survey.closes_at = utcnow() - timedelta(minutes=1)
    session.add(survey)
    session.commit()
    assert run_clock(settings).endswith(
        "Surveys counted: 1. Surveys with raw answers deleted: 0. Video rooms ended: 0. "
        "Counted out of video rooms (gone without a word): 0."
    )
    responses = session.exec(select(SurveyResponse)).all()
    assert len(responses) == 5
    assert all(r.member_id is None and r.sealed is None for r in responses)
    assert count(session, SurveyValue) > 0
    kept = count(session, SurveyCount)
    survey.closes_at = utcnow() - timedelta(days=31)
    session.add(survey)
    session.commit()
    assert run_clock(settings).endswith(
        "Surveys counted: 0. Surveys with raw answers deleted: 1. Video rooms ended: 0. "
        "Counted out of video rooms (gone without a word): 0."
    )
    for model in (SurveyResponse, SurveyValue, SurveyAnswered, SurveyDraft):
        assert count(session, model) == 0
    assert count(session, SurveyCount) == kept  # the results stay
    assert run_clock(settings).endswith(
        "Surveys with raw answers deleted: 0. Video rooms ended: 0. "
        "Counted out of video rooms (gone without a word): 0."
    )


def test_an_audience_is_a_chapter_and_below_or_a_body_and_can_be_narrowed_by_joining(
    session, world
):
    survey = make_survey(session, world.state, world.people["gina"], joined_within_months="12")
    members = {world.people[f"m{n}"] for n in range(6)}
    assert members <= audience.audience(survey, world.state, session=session)
    old = session.get(Member, world.people["m0"])
    old.joined_at = utcnow() - timedelta(days=800)  # the provider's member_since
    session.add(old)
    session.commit()
    found = audience.audience(survey, world.state, session=session)
    assert world.people["m0"] not in found
    assert world.people["m1"] in found
    assert world.people["otto"] not in found
    survey.body_id = world.state_board.id
    survey.joined_within_months = None
    session.add(BodyRole(member_id=world.people["m2"], body_id=world.state_board.id, role="chair"))
    session.commit()
    assert audience.audience(survey, world.state, session=session) == {world.people["m2"]}
