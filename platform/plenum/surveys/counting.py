"""The counts behind a survey's evaluation, kept as answers arrive (named surveys) or
made once at the close (anonymous ones), so a results page reads a few hundred rows, never
the answers themselves.

For each answer a response gives, ``SurveyCount`` gains one in every group the response
belongs to: everyone, its chapter, its channel, and for each single-choice question it
answered, that answer (the cross-tabs). The anonymous count opens the sealed responses,
deletes them and writes them anew in clear without a member, in the order of new random
keys, in a transaction of its own, as ``series.feedback`` and secret ballots do.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from plenum.clock import utcnow
from plenum.db import update_if
from plenum.events import announce
from plenum.surveys.answers import Answers
from plenum.surveys.models import (
    QuestionKind,
    Survey,
    SurveyCount,
    SurveyQuestion,
    SurveyResponse,
    SurveyValue,
)
from plenum.surveys.service import questions_of
from plenum.surveys.smallest import SMALLEST, kept
from plenum.votes import sealing

Key = tuple[int, str, str, str]  # question id, value, dimension, group


def purpose(survey_id: int) -> str:
    return f"plenum anonymous answers of survey {survey_id}"


def tallies(
    questions: Sequence[SurveyQuestion], answers: Answers, group: int | None, channel: str
) -> tuple[Counter[Key], dict[Key, float]]:
    """What one response adds: (counts, sums of numbers) by key."""
    kinds = {str(question.id): question.kind for question in questions}
    groups = [("", ""), ("chapter", str(group) if group else "none"), ("channel", channel)]
    for key, answer in answers.items():
        if kinds.get(key) == QuestionKind.SINGLE and isinstance(answer, str):
            groups.append((f"q{key}", answer))
    counts: Counter[Key] = Counter()
    sums: dict[Key, float] = {}
    for key, answer in answers.items():
        kind = kinds.get(key)
        if kind is None:
            continue
        question = int(key)
        values = ["", *_values(kind, answer)]
        for dimension, grp in groups:
            if dimension == f"q{key}":
                continue  # a question against itself tells nothing
            for value in values:
                counts[(question, value, dimension, grp)] += 1
            if kind == QuestionKind.NUMBER:
                sums[(question, "", dimension, grp)] = sums.get(
                    (question, "", dimension, grp), 0.0
                ) + float(answer)
    return counts, sums


def _values(kind: str, answer: Any) -> list[str]:
    if kind in (QuestionKind.SINGLE, QuestionKind.SCALE, QuestionKind.NUMBER):
        return [str(answer)]
    if kind == QuestionKind.MULTIPLE:
        return [str(value) for value in answer]
    if kind == QuestionKind.RANKING:
        return [f"{index}@{place}" for place, index in enumerate(answer, start=1)]
    return []  # free text: counted only as answered


def bump(
    survey_id: int, counts: Counter[Key], sums: dict[Key, float], sign: int, *, session: Session
) -> None:
    """Add (or with ``sign`` -1 take away) counts, in one statement, in key order (so two
    transactions take the row locks in the same order and never deadlock)."""
    keys = sorted(set(counts) | set(sums))
    if not keys:
        return
    rows = [
        {
            "survey_id": survey_id,
            "question_id": question,
            "value": value,
            "dimension": dimension,
            "grp": grp,
            "n": sign * counts[(question, value, dimension, grp)],
            "total": sign * sums.get((question, value, dimension, grp), 0.0),
        }
        for question, value, dimension, grp in keys
    ]
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SurveyCount)
    statement = insert.on_conflict_do_update(
        index_elements=["survey_id", "question_id", "value", "dimension", "grp"],
        set_={
            "n": col(SurveyCount.n) + insert.excluded.n,
            "total": col(SurveyCount.total) + insert.excluded.total,
        },
    )
    session.execute(statement, rows)


def value_rows(
    response_id: int, questions: Iterable[SurveyQuestion], answers: Answers
) -> list[Any]:
    """The ``SurveyValue`` rows of one response."""
    rows = []
    for question in questions:
        answer = answers.get(str(question.id))
        if answer is None:
            continue
        kind, qid = question.kind, question.id or 0
        if kind == QuestionKind.TEXT:
            rows.append(SurveyValue(response_id=response_id, question_id=qid, text=str(answer)))
        elif kind == QuestionKind.NUMBER:
            rows.append(
                SurveyValue(
                    response_id=response_id,
                    question_id=qid,
                    value=answer,
                    number=float(answer),
                    text="",
                )
            )
        elif kind == QuestionKind.RANKING:
            rows.extend(
                SurveyValue(
                    response_id=response_id, question_id=qid, value=index, number=place, text=""
                )
                for place, index in enumerate(answer, start=1)
            )
        else:
            for value in _values(kind, answer):
                rows.append(
                    SurveyValue(response_id=response_id, question_id=qid, value=value, text="")
                )
    return rows


def record(
    survey: Survey,
    response: SurveyResponse,
    answers: Answers,
    *,
    questions: Sequence[SurveyQuestion],
    session: Session,
    sign: int = 1,
) -> None:
    """Count a clear response's ``answers`` in (sign 1: its value rows written too) or
    out (sign -1: its value rows deleted)."""
    counts, sums = tallies(questions, answers, response.chapter_id, response.channel)
    bump(survey.id or 0, counts, sums, sign, session=session)
    if sign < 0:
        session.execute(delete(SurveyValue).where(col(SurveyValue.response_id) == response.id))
    else:
        session.add_all(value_rows(response.id or 0, questions, answers))
    session.flush()


def without_small_groups(counts: Counter[Key]) -> Counter[Key]:
    """The counts of an anonymous survey as they are kept: no question answered by fewer
    than five, and no group of a breakdown that could not be shown (``smallest``), so
    not even the table holds an aggregate small enough to point at a member."""
    totals = {
        q: n for (q, value, dimension, _grp), n in counts.items() if not value and not dimension
    }
    sizes: dict[tuple[int, str], dict[str, int]] = {}
    for (q, value, dimension, grp), n in counts.items():
        if dimension and not value:
            sizes.setdefault((q, dimension), {})[grp] = n
    shown = {
        (q, dimension): kept(groups, totals.get(q, 0)) for (q, dimension), groups in sizes.items()
    }
    return Counter(
        {
            (q, value, dimension, grp): n
            for (q, value, dimension, grp), n in counts.items()
            if totals.get(q, 0) >= SMALLEST
            and (not dimension or grp in shown.get((q, dimension), set()))
        }
    )


# --- the anonymous count -----------------------------------------------------------------------


def count_due(*, session: Session, now: datetime | None = None) -> int:
    """Count the anonymous surveys that have closed (the clock runs this); how many."""
    moment = now or utcnow()
    due = session.exec(
        select(Survey).where(
            col(Survey.anonymous).is_(True),
            col(Survey.opened_at).is_not(None),
            col(Survey.closes_at) <= moment,
            col(Survey.counted_at).is_(None),
        )
    ).all()
    for survey in due:
        count(survey, moment, session=session)
    return len(due)


def count(survey: Survey, moment: datetime, *, session: Session) -> None:
    if not update_if(session, survey, {"counted_at": None}, counted_at=moment):
        return  # counted by another clock at the same moment
    sealed = session.exec(
        select(SurveyResponse.sealed).where(
            SurveyResponse.survey_id == survey.id, col(SurveyResponse.sealed).is_not(None)
        )
    ).all()
    opened = [
        json.loads(sealing.unseal_text(purpose(survey.id or 0), box)) for box in sealed if box
    ]
    session.execute(
        delete(SurveyResponse).where(
            col(SurveyResponse.survey_id) == survey.id, col(SurveyResponse.sealed).is_not(None)
        )
    )
    questions = questions_of(survey, session=session)
    counts: Counter[Key] = Counter()
    sums: dict[Key, float] = {}
    responses = []
    for key, one in sorted((secrets.token_hex(16), one) for one in opened):
        answers = one.get("answers") or {}
        # the clear row keeps neither chapter nor channel: only the counts made here do
        response = SurveyResponse(
            key=key,
            survey_id=survey.id or 0,
            channel="",
            submitted_at=moment,
            answers=json.dumps(answers, ensure_ascii=False, sort_keys=True),
        )
        session.add(response)
        responses.append((response, answers))
        group, channel = one.get("group"), str(one.get("channel") or "online")
        more, more_sums = tallies(questions, answers, group, channel)
        counts.update(more)
        for key_, amount in more_sums.items():
            sums[key_] = sums.get(key_, 0.0) + amount
    session.flush()
    values = []
    for response, answers in responses:
        values.extend(value_rows(response.id or 0, questions, answers))
    session.add_all(values)
    shown = without_small_groups(counts)
    bump(survey.id or 0, shown, {k: v for k, v in sums.items() if k in shown}, 1, session=session)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(RESEAL_ANSWERED), {"survey": survey.id})
    announce(session, "surveys.counted", survey_id=survey.id)


RESEAL_ANSWERED = (
    "WITH moved AS (DELETE FROM survey_answered WHERE survey_id = :survey RETURNING *) "
    "INSERT INTO survey_answered SELECT * FROM moved ORDER BY member_id"
)
