"""Phone campaign benchmark (issue 16, point 7): 50 callers working at once (target:
next-member claim p95 <= 100 ms, and no member given to two callers).

A state with 40 counties and 5,000 members of the survey's audience (one in ten without a
phone number, one in twenty asked not to be called); a campaign with 50 callers, its call
list made as opening the survey makes it. Each caller is a thread with its own database
session that calls ``campaign.claim_next`` as the caller's request does (SQLite: after
taking the write lock, as ``Database.prepare_to_write``) and commits; the time per claim
is measured from the start of the request to the commit. Two ways of working:

- *working*: each caller claims, talks (a call of 0.2 to 1 s here: real ones take
  minutes, so this is far busier than a real evening), ends the call and claims again,
  ``rounds`` times; the 50 callers run side by side, not in step. This is the target.
- *alone*: the baseline, in the same database first: one caller claiming 100 times.
- *burst*: the worst case, not a target: all 50 callers released at one instant by a
  barrier, round after round. On 2 cores the fiftieth claim waits for the 49 before it,
  so its time is about 50 times one claim's.

Every member given must be given once, in both.

Runs on a fresh SQLite file and, when reachable, on a fresh PostgreSQL database (dropped
afterwards). Used by ``bench/surveys.py``; alone: ``.venv/bin/python bench/survey_calls.py``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_P95_MS = 100.0


@dataclass(frozen=True)
class Claims:
    """One database's figures."""

    database: str
    claims: int
    p50_ms: float
    p95_ms: float
    given_twice: int  # members given to more than one caller (must be 0)
    empty: int  # claims that found nobody (must be 0 while members are left)

    @property
    def ok(self) -> bool:
        return self.p95_ms <= TARGET_P95_MS and self.given_twice == 0 and self.empty == 0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def prepare(url: str, *, callers: int, members: int, counties: int = 40) -> tuple[int, list[int]]:
    """The state, counties, members, an open survey and its campaign with ``callers``
    callers: (survey id, caller ids)."""
    from sqlalchemy import insert

    from plenum.db import Database
    from plenum.orgs.models import ChapterKind, Member, Membership
    from plenum.orgs.service import create_chapter
    from plenum.surveys import call_list
    from plenum.surveys.models import Campaign, CampaignCaller, Survey

    now = datetime.now(UTC)
    db = Database(url)
    with db.transaction() as session:
        state = create_chapter(session=session, key="lv", name="Land", kind=ChapterKind.STATE)
        below = [
            create_chapter(
                session=session,
                key=f"kv{n}",
                name=f"Kreis {n}",
                kind=ChapterKind.COUNTY,
                parent=state,
            ).id
            for n in range(counties)
        ]
        rows = [
            {
                "issuer": "bench",
                "subject": f"m{n}",
                "display_name": f"Mitglied {n}",
                "member_number": str(100000 + n),
                "phone": "" if n % 10 == 9 else f"0221 {n}",
                "no_calls_since": now if n % 20 == 3 else None,
                "created_at": now,
                "last_login_at": now,
            }
            for n in range(members + callers)
        ]
        session.execute(insert(Member), rows)
        ids = [m.id or 0 for m in session.exec(Member.__table__.select()).all()]  # type: ignore[attr-defined]
        session.execute(
            insert(Membership),
            [
                {"member_id": m, "chapter_id": below[i % counties], "source": "idp"}
                for i, m in enumerate(ids)
            ],
        )
        survey = Survey(
            chapter_id=state.id or 0,
            title="Befragung",
            intro="",
            closes_at=now + timedelta(days=10),
            opened_at=now - timedelta(days=1),
        )
        session.add(survey)
        session.flush()
        campaign = Campaign(survey_id=survey.id or 0, script="Hallo!")
        session.add(campaign)
        session.flush()
        caller_ids = ids[members:]
        session.add_all(
            CampaignCaller(campaign_id=campaign.id or 0, member_id=c) for c in caller_ids
        )
        session.flush()
        call_list.make(survey, state, campaign, session=session)  # as opening the survey does
        survey_id = survey.id or 0
    db.dispose()
    return survey_id, caller_ids


def run_rounds(
    url: str, survey_id: int, caller_ids: list[int], rounds: int, *, burst: bool, label: str = ""
) -> Claims:
    from plenum.db import Database
    from plenum.surveys import campaign as calls
    from plenum.surveys.access import campaign_of, survey_place
    from plenum.surveys.models import Outcome

    db = Database(url, pool_size=len(caller_ids) + 5) if "postgresql" in url else Database(url)
    times: list[float] = []
    given: dict[int, int] = {}
    twice = empty = 0
    lock = threading.Lock()

    def one(caller: int, barrier: threading.Barrier | None) -> None:
        nonlocal twice, empty
        with db.session() as session:
            if barrier is not None:
                barrier.wait(timeout=60)
            start = time.perf_counter()
            db.prepare_to_write(session)
            at = survey_place(survey_id, session=session)
            campaign = campaign_of(survey_id, session=session)
            assert campaign is not None
            member = calls.claim_next(at, campaign, caller, session=session)
            session.commit()
            spent = time.perf_counter() - start
            if member is not None:
                if barrier is None:
                    time.sleep(talk.uniform(0.2, 1.0))  # the call itself
                db.prepare_to_write(session)
                calls.finish_call(
                    at, campaign, caller, member.id or 0, Outcome.DECLINED, session=session
                )
                session.commit()
        with lock:
            times.append(spent)
            if member is None:
                empty += 1
            elif given.get(member.id or 0, caller) != caller:
                twice += 1
            else:
                given[member.id or 0] = caller

    def working(caller: int) -> None:
        time.sleep(talk.uniform(0, 1.0))  # callers start at different moments
        for _ in range(rounds):
            one(caller, None)

    talk = random.Random(16)
    try:
        if burst:
            for _ in range(rounds):
                barrier = threading.Barrier(len(caller_ids))
                threads = [threading.Thread(target=one, args=(c, barrier)) for c in caller_ids]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=120)
        else:
            threads = [threading.Thread(target=working, args=(c,)) for c in caller_ids]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=600)
    finally:
        db.dispose()
    ms = [t * 1000 for t in times]
    name = ("postgresql" if "postgresql" in url else "sqlite") + (
        label or (" burst" if burst else "")
    )
    return Claims(name, len(ms), pct(ms, 50), pct(ms, 95), twice, empty)


def measure(url: str, *, callers: int, rounds: int, members: int, burst: bool) -> list[Claims]:
    """The figures of ``callers`` working (or in a burst), and first the baseline: one
    caller alone claiming 100 times in the same database."""
    from plenum.migrate import upgrade

    upgrade(url)
    survey_id, caller_ids = prepare(url, callers=callers, members=members)
    alone = run_rounds(url, survey_id, caller_ids[:1], 100, burst=True, label=" alone")
    return [alone, run_rounds(url, survey_id, caller_ids, rounds, burst=burst)]


@contextmanager
def _sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/calls.db"


def bench_claims(
    *,
    callers: int = 50,
    rounds: int = 10,
    members: int = 5000,
    postgres_admin: str | None = PG_ADMIN,
    show: bool = True,
) -> list[Claims]:
    """50 callers claiming at once, ``rounds`` times, on SQLite and (when ``postgres_admin``
    is reachable) PostgreSQL, each in a database of its own; the figures per database."""
    from plenum import models as _models  # noqa: F401  every table

    found = []
    for burst in (False, True):
        with _sqlite() as url:
            found.extend(measure(url, callers=callers, rounds=rounds, members=members, burst=burst))
        if postgres_admin and _reachable(postgres_admin):
            from common import postgres_database

            with postgres_database(postgres_admin, "plenum_bench_calls_") as url:
                found.extend(
                    measure(url, callers=callers, rounds=rounds, members=members, burst=burst)
                )
    if show:
        print(
            f"Phone campaign claims: {callers} callers, {rounds} claims each, {members} members"
            " (burst: all at one instant, the worst case, not the target)"
        )
        print(f"{'database':12} {'claims':>7} {'p50 ms':>8} {'p95 ms':>8} {'twice':>6} {'none':>5}")
        for c in found:
            verdict = (
                ("ok" if c.ok else "TARGET MISSED")
                if not c.database.endswith(("burst", "alone"))
                else ("no member twice" if c.given_twice == 0 and c.empty == 0 else "WRONG")
            )
            print(
                f"{c.database:12} {c.claims:7} {c.p50_ms:8.1f} {c.p95_ms:8.1f}"
                f" {c.given_twice:6} {c.empty:5}  {verdict}"
            )
    return found


def passed(found: Claims) -> bool:
    """The target for callers working; for the burst, only that nobody is given twice."""
    if found.database.endswith(("burst", "alone")):
        return found.given_twice == 0 and found.empty == 0
    return found.ok


def _reachable(admin_url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=5):
            return True
    except Exception:  # no PostgreSQL here: SQLite alone
        return False


if __name__ == "__main__":
    results = bench_claims()
    raise SystemExit(0 if all(passed(c) for c in results) else 1)
