"""A survey's results as files: the aggregates (every question, overall and broken down
by chapter, channel and each single-choice question, small groups hidden as on the page)
and, for named surveys only, the raw answers, one row per response.

CSV is written for a German spreadsheet: UTF-8 with a byte order mark (so Excel reads
the umlauts), ``;`` between cells and a decimal comma (Excel's list separator and number
format in German). XLSX is written with openpyxl, numbers as numbers. In both, a text
cell that begins like a formula (``= + - @``, a tab or a carriage return) is prefixed
with an apostrophe, so a member's answer never runs as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from sqlmodel import Session, col, select

from plenum.errors import N_, DomainError
from plenum.i18n import gettext
from plenum.orgs.models import Member
from plenum.orgs.service import chapters_by_id
from plenum.surveys.access import SurveyPlace
from plenum.surveys.models import QuestionKind, SurveyQuestion, SurveyResponse
from plenum.surveys.results import CHANNELS, NO_CHAPTER, QuestionResult, Tally, results
from plenum.surveys.service import options_of, questions_of

Cell = str | int | float | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NO_RAW = N_("Raw answers are kept only for named surveys.")
RAW_DELETED = N_("The raw answers of this survey have been deleted.")
AGGREGATE_HEAD = (
    N_("Question"),
    N_("Option"),
    N_("Breakdown"),
    N_("Group"),
    N_("Respondents"),
    N_("Count"),
    N_("Percent"),
    N_("Mean"),
)
RAW_HEAD = (N_("Member number"), N_("Name"), N_("Chapter"), N_("Channel"), N_("Submitted"))


def neutral(cell: Cell) -> Cell:
    """A text cell as data, never a formula: prefixed with ' when it begins like one."""
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_START) else cell


# --- the aggregates ------------------------------------------------------------------------


def aggregate_rows(at: SurveyPlace, *, session: Session) -> list[list[Cell]]:
    rows: list[list[Cell]] = [[gettext(h) for h in AGGREGATE_HEAD]]
    overall = results(at, session=session)
    for way, label in [("", ""), *overall.breakdowns]:
        found = overall if not way else results(at, session=session, by=way)
        name = gettext(label) if way in ("chapter", "channel") else label
        for item in found.questions:
            if not item.too_few:  # fewer than five answered: not shown anywhere
                rows += _question_rows(item, name)
    return rows


def _question_rows(item: QuestionResult, breakdown: str) -> list[list[Cell]]:
    text = item.question.text
    if not breakdown:
        return _tally_rows(item.question, item.overall, [text, "", "", ""])
    found: list[list[Cell]] = []
    for group in item.groups:
        label = gettext(group.label) if group.translate else group.label
        found += _tally_rows(item.question, group.tally, [text, "", breakdown, label])
    return found


def _tally_rows(question: SurveyQuestion, tally: Tally, start: list[Cell]) -> list[list[Cell]]:
    """One row per option (a ranking's first places, with the option's mean place), or
    one row with the mean (scale, number) or just the respondents (free text)."""
    text, _option, breakdown, group = start
    mean = None if tally.mean is None else round(tally.mean, 2)
    if not tally.bars:
        return [[text, "", breakdown, group, tally.respondents, None, None, mean]]
    places = dict(tally.places)
    return [
        [
            text,
            bar.label,
            breakdown,
            group,
            tally.respondents,
            bar.count,
            round(bar.percent, 1),
            _round(places.get(bar.label)) if question.kind == QuestionKind.RANKING else mean,
        ]
        for bar in tally.bars
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- the raw answers -----------------------------------------------------------------------


def raw_rows(at: SurveyPlace, *, session: Session) -> list[list[Cell]]:
    """One row per submitted response of a named survey: who, where, how, when, and an
    answer per question in words. Refused for anonymous surveys."""
    if at.survey.anonymous:
        raise DomainError(NO_RAW)
    if at.survey.raw_deleted_at is not None:
        raise DomainError(RAW_DELETED)
    questions = questions_of(at.survey, session=session)
    found = session.exec(
        select(SurveyResponse, Member)
        .join(Member, col(Member.id) == SurveyResponse.member_id)
        .where(
            SurveyResponse.survey_id == at.survey.id,
            col(SurveyResponse.submitted_at).is_not(None),
        )
        .order_by(col(Member.member_number), col(Member.id))
    ).all()
    ids = {response.chapter_id for response, _member in found if response.chapter_id}
    chapters = chapters_by_id(sorted(ids), session=session)
    head: list[Cell] = [gettext(h) for h in RAW_HEAD]
    rows: list[list[Cell]] = [head + [q.text for q in questions]]
    for response, member in found:
        chapter = chapters.get(response.chapter_id or 0)
        answers = json.loads(response.answers or "{}")
        rows.append(
            [
                member.member_number,
                member.display_name,
                chapter.name if chapter else gettext(NO_CHAPTER),
                gettext(CHANNELS.get(response.channel, response.channel)),
                response.submitted_at.isoformat(timespec="seconds")
                if response.submitted_at
                else None,
                *(words(q, answers.get(str(q.id))) for q in questions),
            ]
        )
    return rows


def words(question: SurveyQuestion, answer: object) -> str:
    """An answer as the member saw it: option texts (a ranking in its order)."""
    if answer is None:
        return ""
    options = options_of(question)

    def option(value: object) -> str:
        text = str(value)
        return options[int(text)] if text.isdigit() and int(text) < len(options) else text

    if question.kind == QuestionKind.SINGLE:
        return option(answer)
    if question.kind == QuestionKind.MULTIPLE and isinstance(answer, list):
        return "; ".join(option(value) for value in answer)
    if question.kind == QuestionKind.RANKING and isinstance(answer, list):
        return "; ".join(f"{place}. {option(v)}" for place, v in enumerate(answer, start=1))
    return str(answer)


# --- the files -----------------------------------------------------------------------------


def as_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:g}".replace(".", ",")
    return str(neutral(cell))


def as_xlsx(rows: Sequence[Sequence[Cell]], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    for row in rows:
        sheet.append([_printable(neutral(cell)) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _printable(cell: Cell) -> Cell:
    """Without the control characters a spreadsheet cell cannot hold (a member may type
    them): each becomes a space."""
    return ILLEGAL_CHARACTERS_RE.sub(" ", cell) if isinstance(cell, str) else cell


def _sheet_title(title: str) -> str:
    """At most 31 characters, none of those Excel forbids in a sheet's name."""
    cleaned = "".join(" " if c in "[]:*?/\\'" else c for c in str(_printable(title))).strip()
    return cleaned[:31] or "Plenum"
