"""A survey's evaluation: per question the counts and shares of those who answered it,
the mean of a scale or number, a ranking's mean places; broken down by chapter, by
channel or by the answer to a single-choice question (a cross-tab); and the free-text
answers, searched and paged.

Everything but the free texts is read from the counts kept as answers arrive
(``SurveyCount``), never from the answers themselves, so the page costs the same at 50
or 50,000 responses. No group of fewer than ``SMALLEST`` respondents to a question is
shown; when the hidden groups of a question together have fewer than ``SMALLEST``
(so totals minus the shown groups would tell them), the next smallest shown groups are
hidden with them until they have at least that many.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from plenum.errors import N_, NotFound
from plenum.orgs.service import chapters_by_id
from plenum.surveys.access import SurveyPlace
from plenum.surveys.models import (
    QuestionKind,
    Survey,
    SurveyCount,
    SurveyQuestion,
    SurveyResponse,
    SurveyValue,
)
from plenum.surveys.service import options_of, questions_of
from plenum.surveys.smallest import SMALLEST, kept

PER_PAGE = 50
SCALE = ("1", "2", "3", "4", "5")
CHANNELS = {"online": N_("Online"), "phone": N_("Phone")}
NO_CHAPTER = N_("No chapter")
NO_SUCH_BREAKDOWN = N_("There is no such breakdown.")

Counts = dict[str, tuple[int, float]]  # value -> (n, total)


@dataclass(frozen=True)
class Bar:
    label: str  # an option's text, a scale's step
    count: int
    percent: float  # of those in the group who answered the question


@dataclass(frozen=True)
class Tally:
    """One question's answers in one group (or everyone)."""

    respondents: int
    bars: list[Bar]  # options; a scale's steps; a ranking's first places
    mean: float | None = None  # a scale's or a number's
    places: list[tuple[str, float | None]] = field(default_factory=list)  # ranking


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    translate: bool  # the label is a message id (channels), not a name
    tally: Tally


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    overall: Tally
    groups: list[Group]
    hidden: int  # groups of fewer than SMALLEST not shown
    too_few: int = 0  # fewer than SMALLEST answered: nothing of the question is shown


@dataclass(frozen=True)
class Results:
    available: bool  # an anonymous survey only once counted
    by: str
    breakdowns: list[tuple[str, str]]  # (by, label): chapter, channel, q<id>
    questions: list[QuestionResult]
    responses: int | None  # None once the raw answers are deleted


def available(survey: Survey) -> bool:
    return not survey.anonymous or survey.counted_at is not None


def breakdowns(questions: list[SurveyQuestion]) -> list[tuple[str, str]]:
    """The ways to break the results down: the labels of chapter and channel are message
    ids, a single-choice question's its text."""
    found = [("chapter", N_("Chapter")), ("channel", N_("Channel"))]
    found += [(f"q{q.id}", q.text) for q in questions if q.kind == QuestionKind.SINGLE]
    return found


def results(at: SurveyPlace, *, session: Session, by: str = "") -> Results:
    """The survey's results, broken down ``by`` "chapter", "channel", "q<id>" or not."""
    questions = questions_of(at.survey, session=session)
    ways = breakdowns(questions)
    if by and by not in {key for key, _label in ways}:
        raise NotFound(NO_SUCH_BREAKDOWN)
    if not available(at.survey):
        return Results(False, by, ways, [], None)
    counts = _counts(at.survey, questions, by, session=session)
    labels = _labels(by, questions, counts, session=session)
    shown = [_question(q, counts.get((q.id or 0, ""), {}), counts, by, labels) for q in questions]
    return Results(True, by, ways, shown, _responses(at.survey, session=session))


def _responses(survey: Survey, *, session: Session) -> int | None:
    if survey.raw_deleted_at is not None:
        return None
    query = select(func.count(col(SurveyResponse.id))).where(
        SurveyResponse.survey_id == survey.id, col(SurveyResponse.submitted_at).is_not(None)
    )
    return int(session.exec(query).one())


def _counts(
    survey: Survey, questions: list[SurveyQuestion], by: str, *, session: Session
) -> dict[tuple[int, str], Counts]:
    """(question id, group) -> value -> (n, total); group "" is everyone. A number
    question's single values are not read: only how many answered and their sum."""
    numbers = [q.id for q in questions if q.kind == QuestionKind.NUMBER]
    rows = session.execute(
        select_columns(
            col(SurveyCount.question_id),
            col(SurveyCount.value),
            col(SurveyCount.dimension),
            col(SurveyCount.grp),
            col(SurveyCount.n),
            col(SurveyCount.total),
        ).where(
            col(SurveyCount.survey_id) == survey.id,
            col(SurveyCount.dimension).in_(["", by] if by else [""]),
            or_(col(SurveyCount.value) == "", col(SurveyCount.question_id).not_in(numbers)),
        )
    ).all()
    found: dict[tuple[int, str], Counts] = defaultdict(dict)
    for question, value, dimension, grp, n, total in rows:
        found[(question, (grp or "none") if dimension else "")][value] = (n, total)
    return found


def _labels(
    by: str,
    questions: list[SurveyQuestion],
    counts: dict[tuple[int, str], Counts],
    *,
    session: Session,
) -> dict[str, tuple[str, bool]]:
    """Each group's label, and whether it is a message id."""
    groups = {grp for _question, grp in counts if grp}
    if by == "channel":
        return {g: (CHANNELS.get(g, g), g in CHANNELS) for g in groups}
    if by == "chapter":
        names = chapters_by_id([int(g) for g in groups if g.isdigit()], session=session)
        return {
            g: (names[int(g)].name, False)
            if g.isdigit() and int(g) in names
            else (NO_CHAPTER, True)
            for g in groups
        }
    question = next((q for q in questions if f"q{q.id}" == by), None)
    options = options_of(question) if question else []
    return {g: (_option(options, g), False) for g in groups}


def _option(options: list[str], value: str) -> str:
    return options[int(value)] if value.isdigit() and int(value) < len(options) else value


def _question(
    question: SurveyQuestion,
    everyone: Counts,
    counts: dict[tuple[int, str], Counts],
    by: str,
    labels: dict[str, tuple[str, bool]],
) -> QuestionResult:
    overall = tally(question, everyone)
    if overall.respondents < SMALLEST:
        return QuestionResult(question, tally(question, {}), [], 0, too_few=overall.respondents)
    if not by:
        return QuestionResult(question, overall, [], 0)
    sizes = {
        grp: found.get("", (0, 0.0))[0]
        for (qid, grp), found in counts.items()
        if qid == question.id and grp
    }
    shown = kept(sizes, overall.respondents)
    groups = [
        Group(grp, *labels.get(grp, (grp, False)), tally(question, counts[(question.id or 0, grp)]))
        for grp in sorted(shown, key=lambda g: (-sizes[g], labels.get(g, (g, False))[0]))
    ]
    return QuestionResult(question, overall, groups, len(sizes) - len(shown))


def tally(question: SurveyQuestion, counts: Counts) -> Tally:
    """The counts of one question in one group as bars, shares and means."""
    respondents = counts.get("", (0, 0.0))[0]

    def bar(label: str, value: str) -> Bar:
        n = counts.get(value, (0, 0.0))[0]
        return Bar(label, n, 100 * n / respondents if respondents else 0.0)

    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return Tally(respondents, [bar(o, str(i)) for i, o in enumerate(options_of(question))])
    if kind == QuestionKind.SCALE:
        bars = [bar(step, step) for step in SCALE]
        weighted = sum(int(b.label) * b.count for b in bars)
        return Tally(respondents, bars, weighted / respondents if respondents else None)
    if kind == QuestionKind.NUMBER:
        total = counts.get("", (0, 0.0))[1]
        return Tally(respondents, [], total / respondents if respondents else None)
    if kind == QuestionKind.RANKING:
        return _ranking(question, counts, respondents)
    return Tally(respondents, [])


def _ranking(question: SurveyQuestion, counts: Counts, respondents: int) -> Tally:
    options = options_of(question)
    placed: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for value, (n, _total) in counts.items():
        option_key, _at, place = value.partition("@")
        if option_key.isdigit() and place.isdigit():
            placed[int(option_key)].append((int(place), n))
    places = []
    for index, option in enumerate(options):
        ranked = sum(n for _place, n in placed[index])
        mean = sum(p * n for p, n in placed[index]) / ranked if ranked else None
        places.append((option, mean))
    firsts = [
        Bar(o, n, 100 * n / respondents if respondents else 0.0)
        for o, n in ((o, counts.get(f"{i}@1", (0, 0.0))[0]) for i, o in enumerate(options))
    ]
    return Tally(respondents, firsts, None, places)


# --- free texts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Texts:
    question: SurveyQuestion
    items: list[str]
    total: int
    page: int
    pages: int
    search: str


def texts(
    at: SurveyPlace, question: SurveyQuestion, *, session: Session, search: str = "", page: int = 1
) -> Texts:
    """The free-text answers to ``question`` containing ``search`` (any case), a page of
    ``PER_PAGE`` at a time, in the order they were written (random for anonymous ones)."""
    query = (
        select(SurveyValue.text)
        .join(SurveyResponse, col(SurveyResponse.id) == SurveyValue.response_id)
        .where(
            SurveyValue.question_id == question.id,
            SurveyResponse.survey_id == at.survey.id,
            col(SurveyResponse.submitted_at).is_not(None),
            SurveyValue.text != "",
        )
    )
    search = search.strip()[:200]
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(SurveyValue.text).ilike(f"%{escaped}%", escape="\\"))
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    rows = session.exec(
        query.order_by(col(SurveyValue.id)).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return Texts(question, list(rows), total, page, pages, search)
