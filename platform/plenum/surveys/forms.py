"""Reading and checking the forms of a survey: the survey, a section, a question. Each
parser returns plain data or raises ``ValidationFailed`` with a message per field; what
was typed is shown again as typed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from plenum.errors import N_, ValidationFailed
from plenum.parsing import form_choice, form_number
from plenum.surveys.models import CHOICE_KINDS, QuestionKind
from plenum.times import local_datetime

TITLE_MAX = 300
TEXT_MAX = 20_000
OPTION_MAX = 200
OPTIONS_MAX = 30
_NEVER = datetime.min.replace(tzinfo=UTC)
SURVEY_FIELDS = (
    "title",
    "intro",
    "anonymous",
    "closes_at",
    "audience",
    "joined_within_months",
    "share_results",
    "keep_raw_days",
)
SECTION_FIELDS = ("title", "intro", "chapter")
QUESTION_FIELDS = (
    "kind",
    "text",
    "hint",
    "required",
    "options",
    "max_choices",
    "low_label",
    "high_label",
    "condition",
)


def clean(values: dict[str, str], name: str, limit: int, errors: dict[str, str]) -> str:
    text = unicodedata.normalize("NFC", values.get(name, "").replace("\r\n", "\n")).strip()
    if len(text) > limit:
        errors[name] = N_("This is too long.")
    return text


def _required(
    values: dict[str, str], name: str, limit: int, errors: dict[str, str], msg: str
) -> str:
    text = clean(values, name, limit, errors)
    if not text:
        errors.setdefault(name, msg)
    return text


@dataclass(frozen=True)
class SurveyInput:
    title: str
    intro: str
    anonymous: bool
    closes_at: datetime
    body_id: int | None  # None: all members of the chapter and below
    joined_within_months: int | None
    share_results: bool
    keep_raw_days: int


def parse_survey(values: dict[str, str], body_ids: tuple[int, ...]) -> SurveyInput:
    """``audience`` is "chapter" or "body-<id>" of one of the chapter's ``body_ids``."""
    errors: dict[str, str] = {}
    title = _required(values, "title", TITLE_MAX, errors, N_("Please enter a title."))
    intro = clean(values, "intro", TEXT_MAX, errors)
    anonymous = form_choice(
        values, "anonymous", ("yes", "no"), errors, N_("Please choose anonymous or named.")
    )
    closes_at = local_datetime(values, "closes_at", errors)
    audiences = ("chapter", *(f"body-{ident}" for ident in body_ids))
    audience = form_choice(values, "audience", audiences, errors, N_("Please choose who is asked."))
    months = form_number(values, "joined_within_months", 1, 600, errors)
    keep = form_number(values, "keep_raw_days", 1, 3650, errors)
    if "keep_raw_days" not in errors and keep is None:
        errors["keep_raw_days"] = N_("Please enter a whole number from 1 to 3650.")
    if errors:
        raise ValidationFailed(errors)
    return SurveyInput(
        title=title,
        intro=intro,
        anonymous=anonymous == "yes",
        closes_at=closes_at or _NEVER,
        body_id=int(audience.removeprefix("body-")) if audience != "chapter" else None,
        joined_within_months=months,
        share_results=bool(values.get("share_results")),
        keep_raw_days=keep or 180,
    )


@dataclass(frozen=True)
class SectionInput:
    title: str
    intro: str


def parse_section(values: dict[str, str]) -> SectionInput:
    errors: dict[str, str] = {}
    title = _required(values, "title", TITLE_MAX, errors, N_("Please enter a title."))
    intro = clean(values, "intro", TEXT_MAX, errors)
    if errors:
        raise ValidationFailed(errors)
    return SectionInput(title, intro)


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    text: str
    hint: str
    required: bool
    options: tuple[str, ...]
    max_choices: int | None
    low_label: str
    high_label: str
    condition: tuple[int, str] | None  # (question id, option index)


def parse_question(values: dict[str, str], conditions: tuple[str, ...]) -> QuestionInput:
    """``condition`` is "" or "<question id>:<option index>", one of ``conditions``."""
    errors: dict[str, str] = {}
    kind = form_choice(
        values, "kind", tuple(QuestionKind), errors, N_("Please choose the kind of question.")
    )
    text = _required(values, "text", 2000, errors, N_("Please enter the question."))
    hint = clean(values, "hint", 500, errors)
    raw_options = clean(values, "options", OPTIONS_MAX * (OPTION_MAX + 1), errors)
    options = tuple(line.strip() for line in raw_options.split("\n") if line.strip())
    if kind in CHOICE_KINDS:
        if len(options) < 2 or len(options) > OPTIONS_MAX:
            errors["options"] = N_("Please enter from 2 to 30 options, one per line.")
        elif any(len(option) > OPTION_MAX for option in options):
            errors["options"] = N_("An option may have at most 200 characters.")
        elif len(set(options)) != len(options):
            errors["options"] = N_("Every option must be different.")
    else:
        options = ()
    max_choices = form_number(values, "max_choices", 1, OPTIONS_MAX, errors)
    if kind != QuestionKind.MULTIPLE:
        max_choices = None
    elif max_choices is not None and "options" not in errors and max_choices > len(options):
        errors["max_choices"] = N_("At most as many as there are options.")
    low = clean(values, "low_label", 100, errors) if kind == QuestionKind.SCALE else ""
    high = clean(values, "high_label", 100, errors) if kind == QuestionKind.SCALE else ""
    condition = form_choice(
        values, "condition", ("", *conditions), errors, N_("Please choose a condition.")
    )
    if errors:
        raise ValidationFailed(errors)
    found = None
    if condition:
        question, _, option = condition.partition(":")
        found = (int(question), option)
    return QuestionInput(
        kind=kind,
        text=text,
        hint=hint,
        required=bool(values.get("required")),
        options=options,
        max_choices=max_choices,
        low_label=low,
        high_label=high,
        condition=found,
    )
