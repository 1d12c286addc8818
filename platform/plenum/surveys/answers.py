"""Reading a member's answers from a form, and the rules every answer obeys: which
questions are asked (conditions), what each kind of question accepts, which are required.

An answer set maps a question id (as a string) to: an option index ("0", "1", ...) for a
single choice, a list of indexes for a multiple choice, a list of indexes in ranked order
for a ranking, "1".."5" for a scale, the number (normalised) for a number, the text for
free text.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from plenum.errors import N_
from plenum.surveys.models import QuestionKind, SurveyQuestion
from plenum.surveys.service import options_of

Answers = dict[str, Any]
TEXT_MAX = 1000  # characters of a free-text answer
NUMBER_LIMIT = 1_000_000_000
SCALE = ("1", "2", "3", "4", "5")


def field(question: SurveyQuestion) -> str:
    return f"q{question.id}"


def shown(question: SurveyQuestion, answers: Answers, asked: set[int]) -> bool:
    """Whether the question is asked, given the answers so far: its condition (if any)
    names a question that is asked too and was answered with the option it names."""
    condition = question.condition_question_id
    if condition is None:
        return True
    return condition in asked and answers.get(str(condition)) == question.condition_value


def asked_questions(questions: Sequence[SurveyQuestion], answers: Answers) -> list[SurveyQuestion]:
    """The questions asked of a member with these answers, in order."""
    asked: set[int] = set()
    found = []
    for question in questions:
        if shown(question, answers, asked):
            asked.add(question.id or 0)
            found.append(question)
    return found


def read(
    questions: Iterable[SurveyQuestion], pairs: Sequence[tuple[str, str]]
) -> tuple[Answers, dict[str, str]]:
    """The answers to ``questions`` in the form's (name, value) ``pairs``, and a message
    per field that is not a valid answer. Empty fields are left out."""
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    answers: Answers = {}
    errors: dict[str, str] = {}
    for question in questions:
        name = field(question)
        found, error = _read_one(question, values, name)
        if error:
            errors[name] = error
        elif found not in (None, "", []):
            answers[str(question.id)] = found
    return answers, errors


def _read_one(question: SurveyQuestion, values: dict[str, list[str]], name: str) -> tuple[Any, str]:
    given = [value.strip() for value in values.get(name, []) if value.strip()]
    count = len(options_of(question))
    indexes = tuple(str(i) for i in range(count))
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
        allowed = indexes if kind == QuestionKind.SINGLE else SCALE
        if len(given) > 1 or (given and given[0] not in allowed):
            return None, N_("Please choose one of the answers.")
        return (given[0] if given else None), ""
    if kind == QuestionKind.MULTIPLE:
        if any(value not in indexes for value in given) or len(set(given)) != len(given):
            return None, N_("Please choose from the answers.")
        if question.max_choices and len(given) > question.max_choices:
            return None, N_("Please choose fewer answers: the question says how many at most.")
        return sorted(given, key=int), ""
    if kind == QuestionKind.RANKING:
        return _read_ranking(values, name, count)
    raw = given[0] if given else ""
    if kind == QuestionKind.NUMBER:
        return _read_number(raw)
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n"))
    if len(text) > TEXT_MAX:
        return None, N_("At most 1,000 characters, please.")
    return text, ""


def _read_number(raw: str) -> tuple[Any, str]:
    if not raw:
        return None, ""
    try:
        number = float(raw.replace(",", ".").replace(" ", ""))
    except ValueError:
        return None, N_("Please enter a number, such as 3 or 2,5.")
    if not math.isfinite(number) or abs(number) >= NUMBER_LIMIT:
        return None, N_("Please enter a number, such as 3 or 2,5.")
    return (str(int(number)) if number == int(number) else f"{number:.6g}"), ""


def _read_ranking(values: dict[str, list[str]], name: str, count: int) -> tuple[Any, str]:
    """A place (1..count) per option, from the fields ``<name>-<index>``; places must be
    distinct and start at 1 without gaps; options left out are not ranked."""
    places: dict[int, str] = {}
    for index in range(count):
        raw = (values.get(f"{name}-{index}") or [""])[0].strip()
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= count:
            return None, N_("Please choose each place from the list.")
        if int(raw) in places:
            return None, N_("Each place can be given only once.")
        places[int(raw)] = str(index)
    if places and sorted(places) != list(range(1, len(places) + 1)):
        return None, N_("Please give the places in order, starting at 1, without gaps.")
    return [places[place] for place in sorted(places)], ""


def missing(
    questions: Sequence[SurveyQuestion], answers: Answers, only: Iterable[int] | None = None
) -> dict[str, str]:
    """A message for each required question asked (of ``only``, if given) left unanswered."""
    wanted = set(only) if only is not None else None
    errors = {}
    for question in asked_questions(questions, answers):
        if wanted is not None and question.id not in wanted:
            continue
        if question.required and str(question.id) not in answers:
            errors[field(question)] = N_("Please answer this question.")
    return errors


def kept(questions: Sequence[SurveyQuestion], answers: Answers) -> Answers:
    """Only the answers to questions asked (a changed answer can hide a later question)."""
    asked = {str(question.id) for question in asked_questions(questions, answers)}
    return {key: value for key, value in answers.items() if key in asked}


def form_values(questions: Iterable[SurveyQuestion], answers: Answers) -> dict[str, Any]:
    """The answers as the form's fields show them again (a list for a multiple choice,
    one field per option for a ranking)."""
    values: dict[str, Any] = {}
    for question in questions:
        answer = answers.get(str(question.id))
        if answer is None:
            continue
        if question.kind == QuestionKind.RANKING and isinstance(answer, list):
            for place, index in enumerate(answer, start=1):
                values[f"{field(question)}-{index}"] = str(place)
        else:
            values[field(question)] = answer
    return values


def form_pairs(questions: Iterable[SurveyQuestion], raw: Sequence[tuple[str, str]]) -> Any:
    """The typed fields of these questions, to show again after an error (a list for a
    multiple choice)."""
    kinds = {field(question): question.kind for question in questions}
    values: dict[str, Any] = {}
    for name, value in raw:
        kind = kinds.get(name.split("-", 1)[0])
        if kind == QuestionKind.MULTIPLE:
            values.setdefault(name, []).append(value)
        elif kind is not None:
            values.setdefault(name, value)
    return values
