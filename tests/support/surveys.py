"""Small factories for surveys, written through the services as office staff would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from plenum.clock import utcnow
from plenum.orgs.models import Chapter
from plenum.surveys import forms, service
from plenum.surveys.access import SurveyPlace, survey_place
from plenum.surveys.models import Survey, SurveyQuestion, SurveySection
from plenum.times import local_input


def survey_form(days: int = 14, **fields: str) -> dict[str, str]:
    return {
        "title": "Mitgliederbefragung NRW",
        "intro": "Wie können wir die Parteiarbeit besser machen?",
        "anonymous": "yes",
        "closes_at": local_input(utcnow() + timedelta(days=days)),
        "audience": "chapter",
        "joined_within_months": "",
        "keep_raw_days": "180",
        **fields,
    }


def make_survey(session: Session, chapter: Chapter, staff_id: int, **fields: str) -> Survey:
    data = forms.parse_survey(survey_form(**fields), ())
    return service.create_survey(chapter, data, actor=staff_id, session=session)


def place(session: Session, survey: Survey) -> SurveyPlace:
    return survey_place(survey.id or 0, session=session)


def section(
    session: Session, survey: Survey, title: str = "Allgemein", owner: Chapter | None = None
) -> SurveySection:
    at = place(session, survey)
    data = forms.parse_section({"title": title, "intro": ""})
    return service.add_section(at, owner or at.chapter, data, session=session)


def question(
    session: Session, survey: Survey, where: SurveySection, kind: str, text: str, **fields: Any
) -> SurveyQuestion:
    at = place(session, survey)
    options = fields.pop("options", ())
    values = {"kind": kind, "text": text, "options": "\n".join(options), **fields}
    if values.get("required") is True:
        values["required"] = "on"
    condition = str(values.get("condition", ""))
    data = forms.parse_question(values, (condition,) if condition else ())
    return service.add_question(at, where, data, session=session)


def catalogue(session: Session, survey: Survey) -> dict[str, SurveyQuestion]:
    """A section with one question of every kind, and a question with a condition."""
    first = section(session, survey)
    found = {
        "active": question(
            session,
            survey,
            first,
            "single",
            "Bist du aktiv?",
            options=("Ja", "Nein"),
            required=True,
        ),
        "topics": question(
            session,
            survey,
            first,
            "multiple",
            "Welche Themen?",
            options=("Miete", "Klima", "Arbeit", "Frieden"),
            max_choices="2",
        ),
        "happy": question(
            session,
            survey,
            first,
            "scale",
            "Wie zufrieden bist du?",
            low_label="gar nicht",
            high_label="sehr",
        ),
        "hours": question(session, survey, first, "number", "Wie viele Stunden im Monat?"),
        "wish": question(session, survey, first, "text", "Was wünschst du dir?"),
        "order": question(
            session,
            survey,
            first,
            "ranking",
            "Was ist am wichtigsten?",
            options=("Treffen", "Schulungen", "Aktionen"),
        ),
    }
    found["why"] = question(
        session,
        survey,
        first,
        "text",
        "Warum bist du nicht aktiv?",
        condition=f"{found['active'].id}:1",
    )
    return found


def form_pairs(questions: dict[str, SurveyQuestion], **answers: Any) -> list[tuple[str, str]]:
    """The (name, value) pairs of an answer form, by the questions' names: a list for a
    multiple choice, {index: place} for a ranking."""
    pairs: list[tuple[str, str]] = []
    for name, value in answers.items():
        asked = questions[name]
        if isinstance(value, dict):
            pairs += [(f"q{asked.id}-{index}", place) for index, place in value.items()]
        else:
            pairs += [
                (f"q{asked.id}", one) for one in (value if isinstance(value, list) else [value])
            ]
    return pairs
