"""Surveys through HTTP: office staff build one (sections, questions, a condition), a
county adds its own section, members answer page by page, check and send; bad input keeps
what was typed and changes nothing; who may do what; "Meine Daten"."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from plenum.orgs.models import ChapterRole
from plenum.surveys.models import (
    Survey,
    SurveyAnswered,
    SurveyDraft,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from tests.support.factories import claims, structure
from tests.support.surveys import survey_form
from tests.support.web import (
    asked,
    confirm,
    english,
    enrol,
    live_script_problems,
    log_in_as,
    page,
    post,
    text,
)

PEOPLE = {
    "gina": claims("gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",)),
    "kai": claims("kai", name="Kai Kreis", chapter="kv-koeln"),
    "mia": claims("mia", name="Mia Mitglied"),
    "otto": claims("otto", name="Otto Sachsen", chapter="lv-sachsen"),
}


@pytest.fixture
def org(session, settings):
    """The party structure; Kai is the office staff of the county (given on a page)."""
    made = structure(session)
    kai = enrol(session, settings, "kai", PEOPLE["kai"])
    session.add(ChapterRole(member_id=kai, chapter_id=made.county.id, role="office_staff"))
    session.commit()
    return made


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def count(session, model, *where):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def build(client, session, **fields):
    """Gina sets up a survey with a section, a required single choice and a question asked
    only on "Nein"; returns (survey, first question, conditional question)."""
    made = post(client, "/chapters/lv-nrw/surveys", {**survey_form(**fields), "key": "k1"})
    assert made.status_code == 303, made.text
    survey = session.exec(select(Survey)).one()
    path = f"/surveys/{survey.id}"
    assert (
        post(
            client, f"{path}/sections", {"title": "Allgemein", "chapter": "lv-nrw", "key": "s"}
        ).status_code
        == 303
    )
    section = session.exec(select(SurveySection)).one()
    add = f"{path}/sections/{section.id}/questions"
    assert (
        post(
            client,
            add,
            {
                "kind": "single",
                "text": "Bist du aktiv?",
                "options": "Ja\nNein",
                "required": "1",
                "key": "a",
            },
        ).status_code
        == 303
    )
    first = session.exec(select(SurveyQuestion)).one()
    added = post(
        client,
        add,
        {"kind": "text", "text": "Was hält dich ab?", "condition": f"{first.id}:1", "key": "b"},
    )
    assert added.status_code == 303
    session.expire_all()
    second = session.exec(select(SurveyQuestion).where(SurveyQuestion.id != first.id)).one()
    assert second.condition_question_id == first.id
    return survey, first, second


def test_office_staff_build_a_county_adds_and_members_answer(
    client, provider, session, settings, org
):
    as_member(client, provider, "gina")
    refused = post(client, "/chapters/lv-nrw/surveys", {**survey_form(title=""), "key": "k0"})
    assert refused.status_code == 422
    assert "Please enter a title." in text(page(refused))
    assert page(refused).select_one("#field-intro").text.startswith("Wie können")  # kept
    assert count(session, Survey) == 0
    survey, first, second = build(client, session, anonymous="no")
    path = f"/surveys/{survey.id}"
    bad = post(
        client,
        f"{path}/sections/{first.section_id}/questions",
        {"kind": "single", "text": "Nur eine Option", "options": "Ja", "key": "c"},
    )
    assert bad.status_code == 422
    assert count(session, SurveyQuestion) == 2
    assert "Please enter from 2 to 30 options" in text(page(bad))

    as_member(client, provider, "kai")  # the county's office staff add their own section
    soup = page(client.get(path))
    assert soup.select_one("select[name=chapter] option[value=kv-koeln]")
    assert not soup.select_one(f"a[href='{path}/questions/{first.id}']")  # not theirs
    assert (
        post(
            client,
            f"{path}/questions/{first.id}",
            {"kind": "single", "text": "Geändert", "options": "A\nB"},
        ).status_code
        == 403
    )
    assert (
        post(
            client, f"{path}/sections", {"title": "Köln fragt", "chapter": "kv-koeln", "key": "k"}
        ).status_code
        == 303
    )
    county = session.exec(select(SurveySection).where(SurveySection.title == "Köln fragt")).one()
    assert (
        post(
            client,
            f"{path}/sections/{county.id}/questions",
            {"kind": "scale", "text": "Wie gut ist das Büro erreichbar?", "key": "q"},
        ).status_code
        == 303
    )
    assert post(client, f"{path}/open", {}).status_code == 403

    as_member(client, provider, "gina")
    assert "Köln fragt" in text(page(client.get(f"{path}/preview")))
    opened = confirm(client, asked(client, f"{path}/open"))
    assert opened.status_code == 303
    assert post(client, f"{path}/open", {}).status_code == 409

    as_member(client, provider, "otto")  # another state: not asked, does not see it
    assert client.get(path).status_code == 404
    as_member(client, provider, "mia")
    assert "Mitgliederbefragung NRW" in text(page(client.get("/")))  # on the start page
    step = f"{path}/answer/1"
    form = page(client.get(step))
    assert form.select_one(f"[data-show-if='q{first.id}']")
    missing = post(client, step, {f"q{second.id}": "<b>keine Zeit</b>"})
    assert missing.status_code == 422
    assert "Please answer this question." in text(page(missing))
    assert page(missing).select_one(f"#q{second.id}").text == "<b>keine Zeit</b>"  # kept
    assert count(session, SurveyResponse) == 0
    assert (
        post(client, step, {f"q{first.id}": "1", f"q{second.id}": "<b>keine Zeit</b>"}).status_code
        == 303
    )
    assert post(client, f"{path}/answer/2", {}).status_code == 303  # the county's page
    review = page(client.get(f"{path}/review"))
    assert "<b>keine Zeit</b>" in text(review)
    assert not review.select("main b")
    assert not live_script_problems(str(review))
    sent = post(client, f"{path}/submit", {})
    assert sent.status_code == 303
    assert post(client, f"{path}/submit", {}).status_code == 409
    response = session.exec(select(SurveyResponse)).one()
    assert response.submitted_at is not None
    assert response.member_id is not None
    assert "Mitgliederbefragung NRW" not in text(page(client.get("/")))
    mine = page(client.get("/me/surveys"))
    assert "Mitgliederbefragung NRW" in text(mine)
    removed = confirm(client, asked(client, f"/me/surveys/{survey.id}/remove"))
    assert removed.status_code == 303
    assert count(session, SurveyResponse) == 0


def test_an_anonymous_survey_keeps_drafts_sealed_and_cannot_be_changed_after_sending(
    client, provider, session, org
):
    as_member(client, provider, "gina")
    survey, first, _second = build(client, session)
    path = f"/surveys/{survey.id}"
    confirm(client, asked(client, f"{path}/open"))
    as_member(client, provider, "mia")
    assert post(client, f"{path}/answer/1", {f"q{first.id}": "0"}).status_code == 303
    draft = session.exec(select(SurveyDraft)).one()
    assert draft.sealed
    assert count(session, SurveyResponse) == 0
    assert page(client.get(f"{path}/answer/1")).select_one(f"#q{first.id}-0").has_attr("checked")
    first_reply = post(client, f"{path}/submit", {})
    assert first_reply.status_code == 303
    assert count(session, SurveyAnswered) == 1
    assert count(session, SurveyDraft) == 0
    assert post(client, f"{path}/answer/1", {f"q{first.id}": "1"}).status_code == 409
    row = session.exec(select(SurveyResponse)).one()
    assert row.member_id is None
    assert row.sealed
    assert row.answers == "{}"


def test_do_not_call_me_is_a_choice_on_my_data(client, provider, session, org):
    as_member(client, provider, "mia")
    assert post(client, "/me/calls", {"no_calls": "1"}).status_code == 303
    assert page(client.get("/me/surveys")).select_one("#no-calls").has_attr("checked")
    assert post(client, "/me/calls", {}).status_code == 303
    assert not page(client.get("/me/surveys")).select_one("#no-calls").has_attr("checked")


def test_the_data_download_holds_named_answers_calls_and_the_phone_choice(
    client, provider, session, org
):
    as_member(client, provider, "gina")
    survey, first, _second = build(client, session, anonymous="no")
    confirm(client, asked(client, f"/surveys/{survey.id}/open"))
    as_member(client, provider, "mia")
    assert post(client, f"/surveys/{survey.id}/answer/1", {f"q{first.id}": "0"}).status_code == 303
    assert post(client, "/me/calls", {"no_calls": "1"}).status_code == 303
    data = client.get("/me/export.json").json()
    assert data["surveys"][0]["survey"] == "Mitgliederbefragung NRW"
    assert data["surveys"][0]["answers"] == {str(first.id): "0"}
    assert data["survey_calls"] == {"received": [], "made": []}
    assert data["member"]["no_calls_since"]
