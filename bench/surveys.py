"""Surveys benchmark (issue 16, point 7): the results page of a survey of 30 questions
with 50,000 answers, broken down by a single-choice question (a cross-tab).

Measured in one process on a fresh SQLite file. The survey (10 single-choice, 5 multiple
choice, 5 scale, 4 number, 3 free-text and 3 ranking questions) gets 50,000 named
responses from members of 40 counties, online and by phone, written in bulk: the
responses, their values and the counts, the counts made by ``counting.tallies`` as the
answers would have made them one by one. Then, p50 and p95 over ``--runs`` runs:

1. the baseline: the same cross-tab worked out from the raw answers at each view (one
   GROUP BY over ``survey_value`` joined with itself), what a page without the kept
   counts would cost;
2. ``results.results`` with the cross-tab (what the page computes; target p50 <= 300 ms);
3. the page itself through the ASGI app (Starlette's TestClient, logged in as office
   staff), with its SQL statements at 1,000 and at 50,000 responses (must be equal).

Then the 50-callers claim benchmark of ``bench/survey_calls.py`` (``bench_claims``).
Run: ``.venv/bin/python bench/surveys.py`` (``--runs N``, ``--responses N``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event, insert, text

from plenum import models as _models  # noqa: F401  every table
from plenum.db import Database
from plenum.migrate import upgrade
from plenum.orgs.models import ChapterKind, ChapterRole, Member
from plenum.orgs.service import create_chapter
from plenum.surveys import counting, results
from plenum.surveys.access import survey_place
from plenum.surveys.models import (
    CHOICE_KINDS,
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
    SurveyValue,
)

SECRET = "bench-secret-not-for-production"  # noqa: S105 - a throwaway key for a local run
KINDS = (
    [QuestionKind.SINGLE] * 10
    + [QuestionKind.MULTIPLE] * 5
    + [QuestionKind.SCALE] * 5
    + [QuestionKind.NUMBER] * 4
    + [QuestionKind.TEXT] * 3
    + [QuestionKind.RANKING] * 3
)
WORDS = ["Miete", "Klima", "Bus", "Kita", "Schule", "Pflege", "Lohn", "Frieden", "Wohnen"]


def build(session: Any, counties: int) -> tuple[int, list[SurveyQuestion], list[int], int]:
    """A state chapter with ``counties`` counties, a staff member, a named survey of 30
    questions. (survey id, questions, county ids, staff member id)"""
    state = create_chapter(session=session, key="lv", name="Landesverband", kind=ChapterKind.STATE)
    below = [
        create_chapter(
            session=session, key=f"kv{n}", name=f"Kreis {n}", kind=ChapterKind.COUNTY, parent=state
        ).id
        or 0
        for n in range(counties)
    ]
    staff = Member(issuer="bench", subject="staff", display_name="Staff")
    session.add(staff)
    session.flush()
    session.add(ChapterRole(member_id=staff.id or 0, chapter_id=state.id or 0, role="office_staff"))
    now = datetime.now(UTC)
    survey = Survey(
        chapter_id=state.id or 0,
        title="Mitgliederbefragung",
        intro="",
        anonymous=False,
        closes_at=now + timedelta(days=10),
        opened_at=now - timedelta(days=10),
    )
    session.add(survey)
    session.flush()
    section = SurveySection(survey_id=survey.id or 0, chapter_id=state.id or 0, title="A", intro="")
    session.add(section)
    session.flush()
    questions = []
    for position, kind in enumerate(KINDS):
        count = 3 + position % 4 if kind in CHOICE_KINDS else 0  # type: ignore[attr-defined]
        options = [f"Option {position}.{index}" for index in range(count)]
        questions.append(
            SurveyQuestion(
                survey_id=survey.id or 0,
                section_id=section.id or 0,
                position=position,
                kind=kind,
                text=f"Frage {position + 1} ({kind})",
                options=json.dumps(options),
            )
        )
    session.add_all(questions)
    session.flush()
    return survey.id or 0, questions, below, staff.id or 0


def answers_of(rng: random.Random, questions: list[SurveyQuestion]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for question in questions:
        if rng.random() < 0.1:
            continue  # not every question is answered
        options = json.loads(question.options)
        key, kind = str(question.id), question.kind
        if kind == QuestionKind.SINGLE:
            found[key] = str(rng.randrange(len(options)))
        elif kind == QuestionKind.MULTIPLE:
            found[key] = sorted(str(i) for i in rng.sample(range(len(options)), 2))
        elif kind == QuestionKind.SCALE:
            found[key] = str(rng.randint(1, 5))
        elif kind == QuestionKind.NUMBER:
            found[key] = str(rng.randint(0, 40))
        elif kind == QuestionKind.TEXT:
            found[key] = " ".join(rng.choices(WORDS, k=6))
        else:
            found[key] = [str(i) for i in rng.sample(range(len(options)), len(options))]
    return found


def fill(db: Database, survey_id: int, responses: int, seed: int) -> None:
    """``responses`` named responses with their values and counts, in bulk."""
    rng = random.Random(seed)
    with db.transaction() as session:
        questions = list(session.exec(SurveyQuestion.__table__.select()).all())  # type: ignore[attr-defined]
        questions = [session.get(SurveyQuestion, row.id) for row in questions]
        counties = [
            row[0] for row in session.execute(text("SELECT id FROM chapter WHERE kind = 'county'"))
        ]
        start = session.execute(text("SELECT COALESCE(MAX(id), 0) FROM member")).scalar_one()
        now = datetime.now(UTC)
        people = [
            {"issuer": "bench", "subject": f"m{start + n}", "display_name": f"M {n}"}
            for n in range(responses)
        ]
        for person in people:
            person.update(created_at=now, last_login_at=now, member_number=person["subject"])
        session.execute(insert(Member), people)
        first_response = session.execute(
            text("SELECT COALESCE(MAX(id), 0) FROM survey_response")
        ).scalar_one()
        now = datetime.now(UTC)
        counts: Counter[counting.Key] = Counter()
        sums: dict[counting.Key, float] = {}
        rows, values = [], []
        for n in range(responses):
            given = answers_of(rng, questions)
            group, channel = rng.choice(counties), "phone" if rng.random() < 0.2 else "online"
            rows.append(
                {
                    "key": f"{seed}-{first_response + n}",
                    "survey_id": survey_id,
                    "member_id": start + 1 + n,
                    "chapter_id": group,
                    "channel": channel,
                    "submitted_at": now,
                    "answers": json.dumps(given),
                }
            )
            more, more_sums = counting.tallies(questions, given, group, channel)
            counts.update(more)
            for key, amount in more_sums.items():
                sums[key] = sums.get(key, 0.0) + amount
            response_id = first_response + 1 + n
            for value in counting.value_rows(response_id, questions, given):
                values.append(
                    {
                        "response_id": response_id,
                        "question_id": value.question_id,
                        "value": value.value,
                        "number": value.number,
                        "text": value.text,
                    }
                )
        session.execute(insert(SurveyResponse), rows)
        for chunk in range(0, len(values), 50_000):
            session.execute(insert(SurveyValue), values[chunk : chunk + 50_000])
        counting.bump(survey_id, counts, sums, 1, session=session)


CROSS_TAB_FROM_RAW = """
SELECT v.question_id, v.value, c.value AS grp, COUNT(*) FROM survey_value v
JOIN survey_value c ON c.response_id = v.response_id AND c.question_id = :by
JOIN survey_response r ON r.id = v.response_id
WHERE r.survey_id = :survey GROUP BY v.question_id, v.value, c.value
"""


def timed(work: Callable[[], object], runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        begin = time.perf_counter()
        work()
        found.append(time.perf_counter() - begin)
    return found


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def session_cookie(member_id: int) -> str:
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import COOKIE_NAME

    moment = int(time.time())
    data = {"_c": moment, "_s": moment, "_id": f"bench-{member_id}", "member_id": member_id}
    return f"{COOKIE_NAME}={URLSafeSerializer(SECRET, salt='plenum.session').dumps(data)}"


def page_timer(url: str, survey_id: int, staff: int, by: str) -> tuple[Callable[[], object], Any]:
    """A function that fetches the results page through the app, and its engine."""
    from starlette.testclient import TestClient

    from common import open_sessions
    from plenum import demo
    from plenum.app import create_app
    from plenum.settings import Settings

    open_sessions(url, [staff])
    settings = Settings(env="test", database_url=url, secret_key=SECRET, log_level="WARNING")
    app = create_app(demo.demo_settings(settings))
    client = TestClient(app, base_url="http://localhost")
    client.__enter__()
    cookie = session_cookie(staff)

    def fetch() -> object:
        response = client.get(f"/surveys/{survey_id}/results?by={by}", headers={"cookie": cookie})
        assert response.status_code == 200, response.status_code
        return response

    return fetch, app.state.database.engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        db = Database(url)
        with db.transaction() as session:
            survey_id, questions, _counties, staff = build(session, 40)
        by = f"q{questions[0].id}"
        fill(db, survey_id, 1000, args.seed)
        fetch, engine = page_timer(url, survey_id, staff, by)
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        fetch()
        small = len(statements)
        begin = time.perf_counter()
        fill(db, survey_id, args.responses - 1000, args.seed + 1)
        fill_s = time.perf_counter() - begin
        statements.clear()
        fetch()
        large = len(statements)
        with db.session() as session:
            at = survey_place(survey_id, session=session)
            raw = timed(
                lambda: session.execute(
                    text(CROSS_TAB_FROM_RAW), {"by": questions[0].id, "survey": survey_id}
                ).all(),
                max(3, args.runs // 4),
            )
            service = timed(lambda: results.results(at, session=session, by=by), args.runs)
            plain = timed(lambda: results.results(at, session=session), args.runs)
            counts = session.execute(text("SELECT COUNT(*) FROM survey_count")).scalar_one()
            values = session.execute(text("SELECT COUNT(*) FROM survey_value")).scalar_one()
        pages = timed(fetch, args.runs)
        db.dispose()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"Python {platform.python_version()}  {os.cpu_count()} cores  load {os.getloadavg()[0]:.1f}"
    )
    print(f"Survey results  {stamp}  {machine}")
    print(
        f"{args.responses} responses, 30 questions, 40 counties; {values} values, {counts} counts"
    )
    print(f"written in bulk in {fill_s:.1f} s; runs {args.runs}")
    print(f"{'what':44} {'p50 s':>8} {'p95 s':>8}")
    label = "baseline: one cross-tab from the raw answers"
    print(f"{label:44} {pct(raw, 50):8.3f} {pct(raw, 95):8.3f}")
    print(f"{'results() without a breakdown':44} {pct(plain, 50):8.3f} {pct(plain, 95):8.3f}")
    print(f"{'results() with a cross-tab':44} {pct(service, 50):8.3f} {pct(service, 95):8.3f}")
    label = "page with a cross-tab (target p50 <= 0.3 s)"
    print(f"{label:44} {pct(pages, 50):8.3f} {pct(pages, 95):8.3f}")
    print(f"ratio page p50 / baseline p50: {pct(pages, 50) / pct(raw, 50):.3f}")
    print(f"SQL statements per page: {small} at 1,000 responses, {large} at {args.responses}")
    ok = pct(pages, 50) <= 0.3 and small == large
    print("target met" if ok else "TARGET MISSED")
    print()
    calls_ok = claims()
    if not (ok and calls_ok):
        raise SystemExit(1)


def claims() -> bool:
    """The 50-callers claim benchmark (point 7's phone campaign), kept in its own file:
    SQLite and, when reachable, PostgreSQL. Whether its targets were met."""
    from survey_calls import bench_claims, passed

    return all(passed(found) for found in bench_claims())


if __name__ == "__main__":
    main()
