"""Series benchmark: suggesting groups of similar proposals, and the synthesis page's
work, for a series of 12 sessions with 3-10 proposals each and 1,500 online-week
proposals.

Measured in one process on a fresh SQLite file (no server: the figures are the work of
the service, not of HTTP):

1. ``similar.suggest`` over all proposals (the issue's target: at most 2 s), against a
   baseline in the same run: only turning the texts into n-gram vectors, the least any
   comparison of the texts must do;
2. ``synthesis.overview`` with suggestions (what the synthesis page computes), and the
   number of SQL statements it runs, at 100 and at all proposals: the count must not
   grow with the proposals;
3. the members' evaluation with 100,000 ballots from 40 regions and 5 channels: the
   aggregation at the count (``breakdown.SeriesGrouping.aggregate``), and what the results
   page reads of it (``breakdown.rows`` for both dimensions: target p50 <= 300 ms), with its
   statements at 1,000 and at 100,000 ballots (they must not grow with the ballots).

Run: ``.venv/bin/python bench/series.py`` (``--runs N``, ``--online N``).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from plenum import models as _models  # noqa: F401  every table
from plenum.db import Database
from plenum.migrate import upgrade
from plenum.orgs.models import ChapterKind, Member
from plenum.orgs.service import create_chapter
from plenum.series import breakdown, similar, synthesis
from plenum.series.access import series_place
from plenum.series.models import Proposal, Series, SeriesSource, SourceKind
from plenum.votes.models import Vote

# Policy topics, each said in several ways: proposals on one topic should be grouped.
TOPICS = [
    ["Gebührenfreie Kitas", "Kitas ohne Gebühren", "Kita-Gebühren abschaffen"],
    ["Sozialticket für 9 Euro", "9-Euro-Sozialticket", "Bus und Bahn für 9 Euro"],
    ["Mietendeckel in NRW", "Mieten deckeln", "Deckel für die Mieten"],
    ["Mehr Lehrkräfte", "Lehrerinnen und Lehrer einstellen", "Mehr Personal an Schulen"],
    ["Krankenhäuser erhalten", "Keine Klinikschließungen", "Kliniken in öffentlicher Hand"],
    ["Öffentlicher Wohnungsbau", "Kommunale Wohnungen bauen", "Sozialwohnungen bauen"],
    ["Kostenloses Schulessen", "Schulessen ohne Kosten", "Gratis Mittagessen in Schulen"],
    ["Tariftreue bei Aufträgen", "Öffentliche Aufträge nur mit Tarif", "Tariftreuegesetz"],
    ["Nahverkehr auf dem Land", "Busse auch im Dorf", "Stündlicher Bus auf dem Land"],
    ["Energiepreise senken", "Strompreise deckeln", "Günstige Energie für alle"],
]
FILLERS = [
    "Das Land muss dafür sorgen, dass",
    "Wir fordern, dass",
    "Unsere Forderung an die Landesregierung:",
    "Für alle Menschen in NRW gilt:",
]
ENDINGS = [
    "auch in kleinen Städten.",
    "ab dem nächsten Haushalt.",
    "bezahlt aus einer Vermögensabgabe.",
    "damit niemand ausgeschlossen wird.",
]


def texts(rng: random.Random, n: int) -> list[tuple[str, str]]:
    made = []
    for _ in range(n):
        topic = rng.choice(TOPICS)
        title = rng.choice(topic)
        body = f"{rng.choice(FILLERS)} {rng.choice(topic).lower()} {rng.choice(ENDINGS)}"
        made.append((title, body))
    return made


def prepare(url: str, online: int, seed: int) -> int:
    """A state chapter with a series: 12 sessions of 3-10 proposals, and ``online``
    online-week proposals. The series' id."""
    rng = random.Random(seed)
    db = Database(url)
    now = datetime.now(UTC)
    with db.transaction() as session:
        state = create_chapter(
            session=session, key="lv", name="Landesverband", kind=ChapterKind.STATE
        )
        member = Member(issuer="bench", subject="m", display_name="Bench")
        session.add(member)
        series = Series(
            chapter_id=state.id or 0,
            title="Drei Forderungen",
            question="Welche bis zu drei Forderungen?",
            max_proposals=10,
            collecting_ends_at=now + timedelta(days=10),
            synthesis_ends_at=now + timedelta(days=20),
            evaluation_ends_at=now + timedelta(days=30),
            decision_ends_at=now + timedelta(days=40),
        )
        session.add(series)
        session.flush()
        for number in range(13):
            kind = SourceKind.ONLINE_WEEK if number == 12 else SourceKind.MEETING
            source = SeriesSource(
                series_id=series.id or 0,
                kind=kind,
                chapter_id=state.id or 0,
                title=f"Quelle {number + 1}",
                starts_at=now - timedelta(days=5),
                ends_at=now + timedelta(days=5),
            )
            session.add(source)
            session.flush()
            count = online if kind == SourceKind.ONLINE_WEEK else rng.randint(3, 10)
            for title, body in texts(rng, count):
                session.add(
                    Proposal(
                        series_id=series.id or 0,
                        source_id=source.id or 0,
                        origin_chapter_id=state.id or 0,
                        origin_date=now,
                        title=title,
                        text=body,
                        reasons="",
                        weight=rng.randint(0, 30) if kind == SourceKind.MEETING else None,
                        support_count=rng.randint(0, 50) if kind == SourceKind.ONLINE_WEEK else 0,
                    )
                )
        series_id = series.id or 0
    db.dispose()
    return series_id


def timed(work, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        found.append(time.perf_counter() - start)
    return found


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def evaluate(db: Database, session, series_id: int, ballots: int, runs: int):  # type: ignore[no-untyped-def]
    """Aggregate ``ballots`` ranked ballots of 40 regions and 5 channels as the count does,
    then time the results page's reads; also the statements at 1,000 ballots."""
    rng = random.Random(100)
    series = session.get(Series, series_id)
    options = list(range(1, 11))

    def counted(n: int) -> int:
        vote = Vote(chapter_id=series.chapter_id, title=f"Bewertung {n}")
        session.add(vote)
        session.flush()
        series.vote_id = vote.id
        session.add(series)
        pairs = []
        for _ in range(n):
            order = rng.sample(options, 5)
            group = f"{rng.randrange(40) + 1000}|{rng.choice(breakdown.CHANNELS)}"
            pairs.append((",".join(map(str, order)), group))
        breakdown.SeriesGrouping(series).aggregate(vote, pairs, session=session)
        return vote.id or 0

    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def reads() -> None:
        for dimension in breakdown.DIMENSIONS:
            breakdown.rows(series, dimension, session=session)

    counted(1000)
    statements.clear()
    reads()
    small = len(statements)
    start = time.perf_counter()
    counted(ballots)
    aggregate_s = time.perf_counter() - start
    statements.clear()
    reads()
    large = len(statements)
    page_times = timed(reads, runs * 3)
    session.rollback()
    return aggregate_s, page_times, small, large


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--online", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--ballots", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        series_id = prepare(url, args.online, args.seed)
        db = Database(url)
        with db.session() as session:
            rows = session.exec(
                Proposal.__table__.select().where(Proposal.__table__.c.series_id == series_id)  # type: ignore[attr-defined]
            ).all()
            proposals = [(row.id, row.title, row.text) for row in rows]
            small = proposals[:100]
            from sklearn.feature_extraction.text import TfidfVectorizer

            docs = [f"{t} {t} {x}".casefold() for _i, t, x in proposals]

            def vectors_only() -> None:
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True
                ).fit_transform(docs)

            base = timed(vectors_only, args.runs)
            full = timed(lambda: similar.suggest(proposals), args.runs)
            groups = similar.suggest(proposals)
            at = series_place(series_id, session=session)
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            page = timed(
                lambda: synthesis.overview(at, with_suggestions=True, session=session), args.runs
            )
            per_page_all = len(statements) // args.runs
            statements.clear()
            # the same page over a series cut to 100 proposals: delete the rest in a copy
            session.exec(
                Proposal.__table__.delete().where(
                    Proposal.__table__.c.id.not_in([p[0] for p in small])
                )  # type: ignore[attr-defined]
            )
            statements.clear()
            timed(lambda: synthesis.overview(at, with_suggestions=True, session=session), 1)
            per_page_small = len(statements)
            session.rollback()
            evaluation = evaluate(db, session, series_id, args.ballots, args.runs)
        db.dispose()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    machine = f"Python {platform.python_version()}  {os.cpu_count()} cores  load {load:.1f}"
    print(f"Series synthesis  {stamp}  {machine}")
    print(f"proposals {len(proposals)} (12 sessions, {args.online} online-week), runs {args.runs}")
    print(f"{'what':40} {'p50 s':>8} {'p95 s':>8}")
    print(f"{'baseline: n-gram vectors only':40} {pct(base, 50):8.3f} {pct(base, 95):8.3f}")
    print(f"{'suggest groups (target <= 2 s)':40} {pct(full, 50):8.3f} {pct(full, 95):8.3f}")
    print(f"{'synthesis overview with suggestions':40} {pct(page, 50):8.3f} {pct(page, 95):8.3f}")
    print(f"ratio suggest/baseline p50: {pct(full, 50) / pct(base, 50):.2f}")
    print(
        f"groups suggested: {len(groups)}, largest {max((len(g.ids) for g in groups), default=0)}"
    )
    counts = f"{per_page_small} at 100 proposals, {per_page_all} at {len(proposals)}"
    print(f"SQL statements per overview: {counts}")
    aggregate_s, page_times, statements_small, statements_all = evaluation
    print(f"evaluation: {args.ballots} ballots, 40 regions, 5 channels")
    print(f"{'aggregate at the count (once)':40} {aggregate_s:8.3f}")
    label = "results page reads (target p50 <= 0.3 s)"
    print(f"{label:40} {pct(page_times, 50):8.3f} {pct(page_times, 95):8.3f}")
    counts = f"{statements_small} at 1,000 ballots, {statements_all} at {args.ballots}"
    print(f"SQL statements per results read: {counts}")
    ratio = pct(page_times, 50) / aggregate_s
    print(f"ratio results read p50 / aggregating at each view (the baseline): {ratio:.4f}")
    ok = pct(full, 95) <= 2.0 and per_page_small == per_page_all
    ok = ok and pct(page_times, 50) <= 0.3 and statements_small == statements_all
    print("target met" if ok else "TARGET MISSED")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
