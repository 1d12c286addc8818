"""Votes ("Speed"): 600 delegates casting at once, tallies of 100,000 ballots, and a
tally that must not hold up the other requests.

Builds a fresh database (SQLite in a temporary directory, or with ``--postgres`` a
throwaway PostgreSQL database on 127.0.0.1:5432), migrated, with the demo's party
structure and members, and adds

* 600 delegates of the Landesparteitag NRW (members of NRW chapters, each with the
  delegate role and marked present at the meeting), written through the models;
* three votes set up and opened through ``service.create_vote`` and ``service.open_vote``
  (as office staff would), each with 100,000 ballots inserted directly as ``Ballot`` rows
  (random keys and trackers, executemany) and the turnout set as casting would set it:
  a secret yes/no vote of the convention, a choice of up to 3 of 8 options, and a ranked
  survey of the Landesverband NRW with 8 options (Schulze) whose ballots rank 1 to 8
  options in many different orders (Plackett-Luce draws from three camps).

Then it measures three things.

1. Casting over HTTP. The real app (``create_app`` with the demo settings) runs under
   uvicorn with one worker in a child process on a free loopback port, as ``plenum
   serve`` runs it (keep-alive raised to 60 s so the delegates' connections stay open,
   no access log). The load generator (asyncio streams writing HTTP/1.1 requests as
   bytes, in this process on the same machine: a full HTTP client would spend about a
   millisecond of the two shared cores per request) gives each delegate one connection
   of its own and a session cookie signed as Plenum's session middleware signs it
   (member and CSRF token). Every delegate first opens the ballot page (``GET
   /votes/{id}``) on its connection, as a delegate has it open before casting. Then
   each of the 600 delegates sends ``POST /votes/{id}/cast`` (``csrf_token``,
   ``choice``) as the ballot form sends it through htmx (``HX-Request``, ``HX-Target:
   ballot``) to a fresh open secret yes/no vote: ``burst`` all released at the same
   instant, ``spread`` each at a moment drawn uniformly from a 10 s window. The same two
   patterns of 600 ``GET /healthz`` (all middleware, ``SELECT 1``) on the same server
   are the baseline. Before them, 20 delegates cast in a small vote, not measured (a
   server at a convention has served votes before its big ones). After each cast run it
   checks 600 ``Ballot`` rows, 600 ``VoteCast`` rows, turnout 600 and the choices sent.
   It reports p50, p95 and max latency, the wall time of the run and the server's CPU
   time per request (from /proc), and how the ballot box batched the ballots.
2. Tallies of 100,000 ballots, in this process: ``results.close_vote`` (status update,
   options, the GROUP BY of ``counts_of``, ``tally.tally``, result JSON, log, on
   PostgreSQL ``results.reseal``, commits), ``results.counts_of`` alone and the pure
   ``tally.tally`` on the grouped counts: the first close of each vote, then three more.
   Before each close the vote is set back to open (on PostgreSQL followed by a VACUUM of
   the ballots, so each close finds the table as the first did), not timed.
3. Blocking: GETs at a steady rate (20/s each) against the server, of the ballot page
   of the open yes/no vote as a delegate sees it and of a ping answered on the server's
   event loop, first alone, then while office staff close the ranked vote of 100,000
   ballots with ``POST /votes/{id}/close`` (the count runs in the app's threadpool),
   three times. GETs that overlap a close are compared with those alone; the requests are
   not blocked if every GET during a close took less time than the close itself.

While casting, the server times each cast request in parts (``Phases``: functions of
``plenum.votes`` wrapped in the server process, the platform's code unchanged): the wait
for a threadpool thread, the thread's wall and CPU time, the member's grants, the checks,
the write transaction, the receipt page, the waits for a pooled connection.

It prints the tables and PASS or FAIL for each target, and exits with 1 on a FAIL.

    .venv/bin/python bench/votes.py                  # SQLite
    .venv/bin/python bench/votes.py --postgres       # PostgreSQL on 127.0.0.1:5432
    .venv/bin/python bench/votes.py --parts casting  # only some parts (casting,blocking,tally)
    .venv/bin/python bench/votes.py --profile cast   # casts one by one: parts and cProfile
    .venv/bin/python bench/votes.py --profile close-ranked
    .venv/bin/python bench/votes.py --experiment url-cache   # what-ifs, see EXPERIMENTS
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import math
import os
import platform
import pstats
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx2

from common import open_sessions, stop, wait_until_healthy

HOST = "127.0.0.1"
SECRET = "bench-secret-not-for-production"  # noqa: S105 - a throwaway key for a local run
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
OFFICE = "geschaeftsstelle"  # the demo's office staff of the Landesverband NRW
CONVENTION = "lv-nrw-convention"  # the demo's Landesparteitag NRW
STATE = "lv-nrw"
NRW_CHAPTERS = ("ov-koeln-kalk", "ov-koeln-ehrenfeld", "ov-dortmund-nord", "kv-dortmund")
DELEGATES = 600
BALLOTS = 100_000
WINDOW = 10.0  # seconds over which the spread delegates arrive
WARM_UP = 20  # delegates casting in a small vote before the measured ones
START_SECONDS = 30.0
SEED = 20261121
TARGET_CAST_P95_MS = 200.0
TARGET_TALLY_S = {"yes_no": 1.0, "choice": 1.0, "ranked": 5.0}
OPTIONS = (
    "Kinderbetreuung ausbauen",
    "Bildungsprogramm für Neumitglieder",
    "Mobilität auf dem Land",
    "Digitale Beteiligung",
    "Barrierefreie Treffen",
    "Haushalt offenlegen",
    "Infostände im Sommer",
    "Zusammenarbeit mit Initiativen",
)
# how the 600 delegates answer the yes/no question (yes, no, abstain, invalid)
CAST_SHARES = (0.6, 0.3, 0.08, 0.02)


# --- the data set -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    office_id: int
    delegate_ids: list[int]
    tally_votes: dict[str, int]  # method -> vote id
    distinct: dict[str, int]  # method -> distinct ballots among the 100,000
    expected: dict[str, dict[str, int]]  # method -> encoded ballot -> how many
    seconds: float


def vote_values(method: str, **overrides: str) -> dict[str, str]:
    """The set-up form as office staff fill it in."""
    values = {
        "title": "Zuschuss für die Kinderbetreuung",
        "question": "Der Landesparteitag stellt 30.000 € für Kinderbetreuung bereit.",
        "kind": "meeting",
        "method": method,
        "mode": "secret",
        "election_of": "",
        "majority": "simple",
        "quorum_percent": "0",
        "seats": "1",
        "max_choices": "1",
    }
    if method != "yes_no":
        values["options"] = "\n".join(OPTIONS)
    return values | overrides


def new_vote(session: Any, office_id: int, values: dict[str, str], *, body: bool) -> Any:
    """A vote set up and opened through the services, as office staff would."""
    from plenum.orgs.service import body_by_key, chapter_by_key, principal_for
    from plenum.votes import forms, service

    if body:
        convention, chapter = body_by_key(CONVENTION, session=session)
    else:
        convention, chapter = None, chapter_by_key(STATE, session=session)
    staff = principal_for(office_id, session=session)
    data = forms.parse_vote(values, service.kinds_for(convention))
    vote = service.create_vote(chapter, convention, data, principal=staff, session=session)
    place = service.vote_place(vote.id or 0, session=session)
    opened = service.open_vote(place, principal=staff, session=session)
    session.commit()  # services leave the commit to their caller, as a request does
    return opened


def option_ids(session: Any, vote_id: int) -> dict[str, int]:
    """Option id by label, or by kind for yes/no/abstain/invalid."""
    from plenum.votes import service
    from plenum.votes.models import Vote

    vote = session.get(Vote, vote_id)
    return {o.label or o.kind: o.id or 0 for o in service.options_of(vote, session=session)}


def yes_no_ballots(rng: random.Random, ids: dict[str, int], n: int) -> list[str]:
    kinds = ("yes", "no", "abstain", "invalid")
    picked = rng.choices(kinds, weights=(0.56, 0.37, 0.05, 0.02), k=n)
    return [str(ids[kind]) for kind in picked]


def plackett_luce(rng: random.Random, ids: list[int], weights: list[float]) -> list[int]:
    """An order of ``ids``: each next one drawn with chance in proportion to its weight."""
    keys = [rng.expovariate(w) for w in weights]
    return [i for _key, i in sorted(zip(keys, ids, strict=True))]


CAMPS = (  # three camps with their own favourites, and noise per voter
    (0.45, (3.0, 2.4, 1.9, 1.5, 1.1, 0.8, 0.6, 0.4)),
    (0.35, (1.0, 0.6, 2.8, 2.6, 0.9, 1.8, 0.5, 0.7)),
    (0.20, (0.5, 2.2, 0.8, 1.2, 3.0, 0.6, 2.0, 1.0)),
)


def voter_weights(rng: random.Random) -> list[float]:
    camp = rng.choices(CAMPS, weights=[c[0] for c in CAMPS])[0][1]
    return [w * math.exp(rng.gauss(0, 0.6)) for w in camp]


def choice_ballots(rng: random.Random, ids: dict[str, int], n: int) -> list[str]:
    """Up to 3 of 8 options (stored sorted ascending, as ``check_ballot`` stores them)."""
    options = [ids[label] for label in OPTIONS]
    found = []
    for _ in range(n):
        luck = rng.random()
        if luck < 0.02:
            found.append(str(ids["invalid"]))
        elif luck < 0.06:
            found.append(str(ids["abstain"]))
        else:
            k = rng.choices((1, 2, 3), weights=(0.2, 0.3, 0.5))[0]
            chosen = plackett_luce(rng, options, voter_weights(rng))[:k]
            found.append(",".join(str(i) for i in sorted(chosen)))
    return found


RANK_LENGTHS = {1: 5, 2: 8, 3: 12, 4: 10, 5: 8, 6: 5, 7: 2, 8: 50}  # percent of ballots


def ranked_ballots(rng: random.Random, ids: dict[str, int], n: int) -> list[str]:
    """Rankings of 1 to 8 options in preference order; a few abstain or are invalid."""
    options = [ids[label] for label in OPTIONS]
    lengths, shares = list(RANK_LENGTHS), list(RANK_LENGTHS.values())
    found = []
    for _ in range(n):
        luck = rng.random()
        if luck < 0.01:
            found.append(str(ids["invalid"]))
        elif luck < 0.03:
            found.append(str(ids["abstain"]))
        else:
            k = rng.choices(lengths, weights=shares)[0]
            order = plackett_luce(rng, options, voter_weights(rng))[:k]
            found.append(",".join(str(i) for i in order))
    return found


def prepare(database_url: str, rng: random.Random) -> DataSet:
    """Migrate a fresh database, load the demo, add the delegates and the tally votes."""
    from sqlalchemy import insert, update
    from sqlmodel import col, select

    from plenum import demo
    from plenum.db import Database
    from plenum.migrate import upgrade
    from plenum.orgs.models import BodyRole, Member, Membership, Role, Source
    from plenum.orgs.service import body_by_key, chapter_by_key
    from plenum.settings import Settings
    from plenum.votes.models import Attendance, Ballot, Vote

    began = time.perf_counter()
    upgrade(database_url)
    settings = demo.demo_settings(
        Settings(env="test", database_url=database_url, secret_key=SECRET)
    )
    db = Database(database_url)
    try:
        with db.session() as session:
            demo.load(settings, session=session)
            session.commit()
            office = session.exec(select(Member.id).where(Member.subject == OFFICE)).one()
            assert office is not None
            convention, _state = body_by_key(CONVENTION, session=session)
            chapters = [chapter_by_key(key, session=session) for key in NRW_CHAPTERS]
            members = [
                Member(
                    issuer=settings.oidc_issuer,
                    subject=f"bench-delegate-{n:03d}",
                    display_name=f"Delegierte*r {n:03d}",
                    email=f"bench-delegate-{n:03d}@bench.plenum.invalid",
                    member_number=str(700000 + n),
                )
                for n in range(1, DELEGATES + 1)
            ]
            session.add_all(members)
            session.flush()
            delegates = [m.id or 0 for m in members]
            for member_id in delegates:
                chapter = rng.choice(chapters)
                session.add(Membership(member_id=member_id, chapter_id=chapter.id or 0))
                session.add(
                    BodyRole(
                        member_id=member_id,
                        body_id=convention.id or 0,
                        role=Role.DELEGATE.value,
                        source=Source.IDP.value,
                    )
                )
                session.add(Attendance(body_id=convention.id or 0, member_id=member_id))
            session.commit()

            made = {
                "yes_no": (
                    vote_values("yes_no", title="Änderungsantrag Ä1 zum Haushalt"),
                    True,
                    yes_no_ballots,
                ),
                "choice": (
                    vote_values("choice", title="Schwerpunkte 2027", max_choices="3", seats="3"),
                    True,
                    choice_ballots,
                ),
                "ranked": (
                    vote_values(
                        "ranked",
                        title="Befragung: Was zuerst?",
                        kind="survey",
                        closes_at="2099-12-31T18:00",
                    ),
                    False,
                    ranked_ballots,
                ),
            }
            votes: dict[str, int] = {}
            expected: dict[str, dict[str, int]] = {}
            for method, (values, in_body, generate) in made.items():
                vote = new_vote(session, int(office), values, body=in_body)
                vote_id = vote.id or 0
                ballots = generate(rng, option_ids(session, vote_id), BALLOTS)
                rows = [
                    {
                        "key": secrets.token_hex(16),
                        "vote_id": vote_id,
                        "choices": choices,
                        "tracker": secrets.token_hex(10),
                        "member_id": None,
                    }
                    for choices in ballots
                ]
                for start in range(0, len(rows), 5000):
                    session.execute(insert(Ballot), rows[start : start + 5000])
                session.execute(
                    update(Vote).where(col(Vote.id) == vote_id).values(turnout=len(rows))
                )
                session.commit()
                votes[method] = vote_id
                expected[method] = dict(Counter(ballots))
            _after_bulk(session)
            return DataSet(
                office_id=int(office),
                delegate_ids=delegates,
                tally_votes=votes,
                distinct={method: len(found) for method, found in expected.items()},
                expected=expected,
                seconds=time.perf_counter() - began,
            )
    finally:
        db.dispose()


def _after_bulk(session: Any) -> None:
    """PostgreSQL: the planner gets the statistics autovacuum would gather."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the run, dropped afterwards."""
    import psycopg

    name = f"plenum_bench_votes_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"--postgres: PostgreSQL is not reachable at {admin_url}: {exc}") from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the server ---------------------------------------------------------------------------------


def plenum_app(database_url: str, base_url: str = "http://localhost") -> Any:
    from plenum import demo
    from plenum.app import create_app
    from plenum.settings import Settings

    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key=SECRET,
        base_url=base_url,
        log_level="WARNING",
    )
    return create_app(demo.demo_settings(settings))


EXPERIMENTS = {
    "serial-write": "casting._write under one process-wide lock (writers queue in Python)",
    "pool-40": "a connection pool of 40 (one per threadpool thread) instead of 5 + 10",
    "no-pre-ping": "no pool_pre_ping (PostgreSQL pings on every checkout by default)",
    "url-cache": "templates' url_for finds its route by name in a dict, not by trying all",
    "threads-10": "a threadpool of 10 threads instead of anyio's 40",
}


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    os.environ["BENCH_VOTES_SERVE"] = json.dumps(
        {"url": args.database_url, "port": args.port, "experiments": args.experiment or []}
    )
    options: dict[str, Any] = {
        "host": HOST,
        "port": args.port,
        "proxy_headers": False,
        "log_level": "warning",
        "access_log": False,
        "timeout_keep_alive": 60,  # the delegates' connections stay open through the window
    }
    if args.workers > 1:
        uvicorn.run("votes:served_app", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(served_app(), **options)
    return 0


def served_app() -> Any:
    """The app as the server runs it: Plenum, timed by ``Phases``, with the experiments."""
    served = json.loads(os.environ["BENCH_VOTES_SERVE"])
    apply_experiments(served["experiments"])
    app = Phases(plenum_app(served["url"], f"http://{HOST}:{served['port']}"))
    if "threads-10" in served["experiments"]:
        app.threads = 10
    return app


def apply_experiments(experiments: list[str]) -> None:
    """What-ifs for the analysis, patched in this process only; the platform's code is
    not changed."""
    engine_options: dict[str, Any] = {}
    if "pool-40" in experiments:
        engine_options |= {"pool_size": 40, "max_overflow": 0}
    if "no-pre-ping" in experiments:
        engine_options["pool_pre_ping"] = False
    if engine_options:
        import plenum.app
        from plenum.db import Database

        class Tuned(Database):
            def __init__(self, url: str, **kwargs: Any) -> None:
                super().__init__(url, **(engine_options | kwargs))

        plenum.app.Database = Tuned  # type: ignore[misc]
    if "serial-write" in experiments:
        import threading

        from plenum.votes import casting

        lock, write = threading.Lock(), casting._write

        def serial_write(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return write(*args, **kwargs)

        casting._write = serial_write
    if "url-cache" in experiments:
        from starlette.routing import NoMatchFound

        from plenum.web import templating

        found: dict[tuple[int, str], Any] = {}

        def path_for(request: Any, name: str, /, **path_params: Any) -> str:
            key = (id(request.app), name)
            route = found.get(key)
            if route is None:
                for candidate in request.app.routes:
                    try:
                        candidate.url_path_for(name, **path_params)
                    except NoMatchFound:
                        continue
                    route = found[key] = candidate
                    break
                else:
                    raise NoMatchFound(name, path_params)
            return str(route.url_path_for(name, **path_params))

        templating.path_for = path_for


PHASE_PATH = "/__bench/phases"
PING_PATH = "/__bench/ping"  # answered on the event loop: how soon the loop gets to it
CURRENT: Any = None  # the contextvar of the request being timed, made in Phases


class Phases:
    """Times where each cast request spends its time, in the server process: the whole
    request from the app's first call to the end of the response, the wait for a
    threadpool thread, the thread's wall and CPU time, and within it the parts of
    ``routes._cast`` (wrapped here; the platform's code is not changed). ``GET
    /__bench/phases`` answers the records so far as JSON and forgets them. The wrappers
    cost a few microseconds per call."""

    def __init__(self, app: Any) -> None:
        import contextvars

        from plenum.votes import casting, routes

        global CURRENT
        CURRENT = contextvars.ContextVar("bench_phases", default=None)
        self.app = app
        self.records: list[dict[str, float]] = []
        self.threads = 0  # if set: the size of the threadpool, set on the first request
        original = routes.run_in_threadpool

        async def run_in_threadpool(function: Callable[..., Any], *args: Any) -> Any:
            record = CURRENT.get()
            if record is None:
                return await original(function, *args)
            submitted = time.perf_counter()

            def timed_call() -> Any:
                started, cpu = time.perf_counter(), time.thread_time()
                record["queue"] = started - submitted
                try:
                    return function(*args)
                finally:
                    record["thread"] = time.perf_counter() - started
                    record["thread_cpu"] = time.thread_time() - cpu

            return await original(timed_call)

        routes.run_in_threadpool = run_in_threadpool
        from plenum.auth import current
        from plenum.votes import service
        from plenum.votes.box import BallotBox
        from plenum.web.templating import Templates

        _timed_attr(routes, "_visible", "visible")
        _timed_attr(current, "principal_of", "principal")
        _timed_attr(service, "vote_place", "place")
        _timed_attr(casting, "cast", "cast")
        _timed_attr(casting, "_write", "write")
        _timed_attr(routes, "render", "render")
        _timed_attr(Templates, "fragment", "fragment")
        _timed_attr_async(BallotBox, "open_vote", "facts")
        _timed_attr_async(BallotBox, "cast", "box")
        pool = app.state.database.engine.pool
        _timed_attr(pool, "_do_get", "pool")
        # (ballots, seconds, where) of each batch written (always on a thread of the box)
        self.batches: list[tuple[int, float, str]] = []
        self._time_batches(BallotBox, "_store", "thread")

    def _time_batches(self, box: Any, name: str, where: str) -> None:
        store = getattr(box, name)

        def timed_store(self_: Any, at: Any, batch: Any) -> Any:
            began = time.perf_counter()
            try:
                return store(self_, at, batch)
            finally:
                self.batches.append((len(batch), time.perf_counter() - began, where))

        setattr(box, name, timed_store)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.threads and scope["type"] == "http":
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
            self.threads = 0
        if scope["type"] == "http" and scope["path"] == PHASE_PATH:
            body = json.dumps({"records": self.records, "batches": self.batches}).encode()
            self.records, self.batches = [], []
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and scope["path"] == PING_PATH:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        if scope["type"] != "http" or not scope["path"].endswith("/cast"):
            await self.app(scope, receive, send)
            return
        record: dict[str, float] = {}
        token = CURRENT.set(record)
        began = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            record["total"] = time.perf_counter() - began
            CURRENT.reset(token)
            self.records.append(record)


def _timed_attr(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper that adds its wall time to the request's record."""
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        record = CURRENT.get()
        if record is None:
            return original(*args, **kwargs)
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            record[label] = record.get(label, 0.0) + time.perf_counter() - began

    setattr(owner, name, timed)


def _timed_attr_async(owner: Any, name: str, label: str) -> None:
    """``_timed_attr`` for a coroutine function: the wall time until it returns."""
    original = getattr(owner, name)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        record = CURRENT.get()
        if record is None:
            return await original(*args, **kwargs)
        began = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            record[label] = record.get(label, 0.0) + time.perf_counter() - began

    setattr(owner, name, timed)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """Plenum under uvicorn (one worker) in a child process, stopped on exit."""

    def __init__(self, database_url: str, experiments: list[str], workers: int) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        command = [sys.executable, __file__, "--serve", "--port", str(self.port)]
        command += ["--database-url", database_url, "--workers", str(workers)]
        for experiment in experiments:
            command += ["--experiment", experiment]
        self.process = subprocess.Popen(command)

    def __enter__(self) -> Server:
        wait_until_healthy(self.process, self.base_url, START_SECONDS)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process and its workers so far (/proc)."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat.parent.name == str(self.process.pid) or fields[1] == str(self.process.pid):
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        stop(self.process)


def session_cookie(member_id: int, csrf: str) -> str:
    """A logged-in session cookie with its CSRF token, signed as Plenum's session
    middleware signs it."""
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import COOKIE_NAME

    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": f"bench-{member_id}", "member_id": member_id}
    data["csrf"] = csrf
    value = URLSafeSerializer(SECRET, salt="plenum.session").dumps(data)
    return f"{COOKIE_NAME}={value}"


@dataclass(frozen=True)
class Login:
    member_id: int
    cookie: str
    csrf: str


def login(member_id: int) -> Login:
    csrf = secrets.token_urlsafe(32)
    return Login(member_id, session_cookie(member_id, csrf), csrf)


def no_cookies() -> CookieJar:
    # The jar accepts no cookie: every request carries only the headers given here.
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


# --- 1. casting over HTTP -----------------------------------------------------------------------


@dataclass
class Run:
    """One pattern (burst or spread) of 600 requests."""

    name: str
    what: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    lag: float = 0.0  # how much later than planned the latest request left the client
    phases: list[dict[str, float]] = field(default_factory=list)  # server side, per cast
    batches: list[tuple[int, float, str]] = field(default_factory=list)  # the box's writes

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        if len(self.latencies) < 2:
            return self.p50
        return statistics.quantiles(self.latencies, n=20)[18] * 1000

    @property
    def max(self) -> float:
        return max(self.latencies) * 1000 if self.latencies else float("nan")


class Connection:
    """One delegate's keep-alive HTTP/1.1 connection: requests written as bytes, the
    answer read by its Content-Length (or chunks). A load generator this small costs the
    shared CPU a few microseconds a request; a full HTTP client costs about a
    millisecond, which on two cores would be measured as the server's latency."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = head.lower()
        if b"transfer-encoding: chunked" in headers:
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readexactly(2)
            return status, body
        length = headers.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0]
        return status, await self.reader.readexactly(int(length))

    def close(self) -> None:
        self.writer.close()


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"host: {HOST}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def load(
    server: Server,
    logins: list[Login],
    *,
    delays: list[float],
    request: Callable[[Login], bytes],
    check: Callable[[int, bytes], bool],
    run: Run,
    first: Callable[[Login], bytes] = lambda _who: http_request("GET", "/healthz", {}),
) -> None:
    """One connection per delegate, opened first with the request ``first`` (``GET
    /healthz``, or the ballot page a delegate has open before casting); then each
    delegate's request at its moment after the common release (0 for all: a burst)."""
    gate = asyncio.Semaphore(50)

    async def connect(who: Login) -> Connection:
        async with gate:
            connection = await Connection.open(server.port)
            status, _ = await connection.send(first(who))
            if status != 200:
                raise SystemExit(f"the first request of a delegate answered {status}")
            return connection

    connections = await asyncio.gather(*(connect(who) for who in logins))
    requests = [request(who) for who in logins]
    try:
        await asyncio.sleep(0.5)
        lags: list[float] = []

        async def delegate(connection: Connection, sent: bytes, delay: float) -> None:
            if delay:
                await asyncio.sleep(delay - (time.perf_counter() - released))
            began = time.perf_counter()
            lags.append(began - released - delay)
            try:
                status, body = await connection.send(sent)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                run.errors.append(f"{type(exc).__name__}: {exc}")
                return
            took = time.perf_counter() - began
            if check(status, body):
                run.latencies.append(took)
            else:
                run.errors.append(f"{status}: {body[:300]!r}")

        cpu, server_cpu = time.process_time(), server.cpu_seconds()
        released = time.perf_counter()
        await asyncio.gather(
            *(delegate(c, r, d) for c, r, d in zip(connections, requests, delays, strict=True))
        )
        run.wall = time.perf_counter() - released
        run.server_cpu = server.cpu_seconds() - server_cpu
        run.client_cpu = time.process_time() - cpu
        run.lag = max(lags)
    finally:
        for connection in connections:
            connection.close()


def cast_request(vote_id: int, choice_of: dict[int, int]) -> Callable[[Login], bytes]:
    """The ballot as the vote page's form sends it through htmx (the answer replaces
    the ballot on the page)."""

    def request(who: Login) -> bytes:
        body = f"csrf_token={who.csrf}&choice={choice_of[who.member_id]}".encode()
        headers = {
            "cookie": who.cookie,
            "content-type": "application/x-www-form-urlencoded",
            "hx-request": "true",
            "hx-target": "ballot",
            "hx-current-url": f"http://{HOST}/votes/{vote_id}",
        }
        return http_request("POST", f"/votes/{vote_id}/cast", headers, body)

    return request


def ballot_page(vote_id: int) -> Callable[[Login], bytes]:
    def request(who: Login) -> bytes:
        return http_request("GET", f"/votes/{vote_id}", {"cookie": who.cookie})

    return request


def healthz_request(_who: Login) -> bytes:
    return http_request("GET", "/healthz", {})


def warm_up(server: Server, db: Any, data: DataSet, logins: list[Login]) -> None:
    """A small vote first, not measured: the server has served a vote before, as it has
    at a convention before its big votes (the first ballots after a start compile the
    statements and fill the caches)."""
    with db.session() as session:
        vote = new_vote(session, data.office_id, vote_values("yes_no", title="Warm-up"), body=True)
        yes = option_ids(session, vote.id or 0)["yes"]
    run = Run("warm-up", f"POST /votes/{vote.id}/cast")
    asyncio.run(
        load(
            server,
            logins,
            delays=[n * 0.05 for n in range(len(logins))],
            request=cast_request(vote.id or 0, dict.fromkeys((w.member_id for w in logins), yes)),
            first=ballot_page(vote.id or 0),
            check=lambda status, body: status == 200 and b'id="your-choices"' in body,
            run=run,
        )
    )
    if run.errors:
        raise SystemExit(f"warm-up failed: {run.errors[0]}")
    server_phases(server)  # forget its records


def casting(
    server: Server, database_url: str, data: DataSet, rng: random.Random, args: argparse.Namespace
) -> list[Run]:
    """The four runs: healthz and cast, each as a burst and spread over the window."""
    from plenum.db import Database

    open_sessions(database_url, data.delegate_ids)
    logins = [login(member_id) for member_id in data.delegate_ids]
    runs: list[Run] = []
    votes: dict[str, int] = {}
    db = Database(database_url)
    try:
        warm_up(server, db, data, logins[:WARM_UP])
        for pattern in ("burst", "spread"):
            delays = (
                [0.0] * len(logins)
                if pattern == "burst"
                else [rng.uniform(0, args.window) for _ in logins]
            )
            base = Run(f"healthz-{pattern}", "GET /healthz (all middleware, SELECT 1)")
            asyncio.run(
                load(
                    server,
                    logins,
                    delays=delays,
                    request=healthz_request,
                    check=lambda status, _body: status == 200,
                    run=base,
                )
            )
            runs.append(base)
            progress(base)
            with db.session() as session:
                title = f"Antrag A{len(votes) + 1}: Geschäftsordnung ({pattern})"
                vote = new_vote(
                    session, data.office_id, vote_values("yes_no", title=title), body=True
                )
                ids = option_ids(session, vote.id or 0)
            kinds = rng.choices(("yes", "no", "abstain", "invalid"), CAST_SHARES, k=len(logins))
            choice_of = {w.member_id: ids[k] for w, k in zip(logins, kinds, strict=True)}
            cast = Run(f"cast-{pattern}", f"POST /votes/{vote.id}/cast (secret yes/no)")
            server_phases(server)  # forget earlier records
            asyncio.run(
                load(
                    server,
                    logins,
                    delays=delays,
                    request=cast_request(vote.id or 0, choice_of),
                    first=ballot_page(vote.id or 0),
                    check=lambda status, body: status == 200 and b'id="your-choices"' in body,
                    run=cast,
                )
            )
            if args.workers == 1:  # with more, each worker keeps its own records
                found = server_phases(server)
                cast.phases, cast.batches = found["records"], found["batches"]
            runs.append(cast)
            progress(cast)
            votes[pattern] = vote.id or 0
            check_stored(db, vote.id or 0, Counter(str(c) for c in choice_of.values()), cast)
    finally:
        db.dispose()
    return runs


def server_phases(server: Server) -> dict[str, Any]:
    """The server's records of the casts so far ("records") and of the batches the ballot
    box wrote ("batches": ballots, seconds), forgotten there once read."""
    with httpx2.Client(base_url=server.base_url, timeout=10, trust_env=False) as client:
        found: dict[str, Any] = client.get(PHASE_PATH).raise_for_status().json()
        return found


PHASE_ROWS = (  # (label, how it is worked out from a record), in order of the request
    ("whole request in the app", lambda r: r["total"]),
    (
        "  event loop: middleware, form, checks, answer",
        lambda r: (
            r["total"]
            - sum(r.get(k, 0.0) for k in ("facts", "box", "fragment", "thread"))
            - r.get("queue", 0.0)
        ),
    ),
    ("  the vote's facts (BallotBox.open_vote)", lambda r: r.get("facts", 0.0)),
    ("  in the ballot box until written (cast)", lambda r: r.get("box", 0.0)),
    ("  the receipt (Templates.fragment)", lambda r: r.get("fragment", 0.0)),
    ("  cast alone (routes._cast): thread wait", lambda r: r.get("queue", 0.0)),
    ("  cast alone (routes._cast): in the thread", lambda r: r.get("thread", 0.0)),
)


def progress(run: Run) -> None:
    print(
        f"  {run.name}: {len(run.latencies)} ok, {len(run.errors)} failed, p50 {run.p50:.0f} ms,"
        f" p95 {run.p95:.0f} ms, max {run.max:.0f} ms, wall {run.wall:.1f} s",
        file=sys.stderr,
    )


def check_stored(db: Any, vote_id: int, sent: Counter[str], run: Run) -> None:
    """Every ballot stored once: ballots, who voted, turnout, and the choices sent."""
    from sqlalchemy import func
    from sqlmodel import select

    from plenum.votes import sealing
    from plenum.votes.models import Ballot, Vote, VoteCast

    sealing.configure(SECRET)  # the server's: secret ballots are sealed until the close
    with db.session() as session:
        stored_rows = session.exec(
            select(Ballot.choices, Ballot.sealed).where(Ballot.vote_id == vote_id)
        ).all()
        ballots = Counter(
            sealing.unseal(vote_id, sealed)[0] if sealed else choices
            for choices, sealed in stored_rows
        )
        casts = session.exec(
            select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote_id)
        ).one()
        turnout = session.get_one(Vote, vote_id).turnout
    stored = sum(ballots.values())
    run.what += f"; stored {stored} ballots, {casts} VoteCast, turnout {turnout}"
    if run.errors:
        print(f"  {run.name}: {len(run.errors)} failed, e.g. {run.errors[0]}", file=sys.stderr)
    assert stored == casts == turnout == sum(sent.values()) == DELEGATES, (stored, casts, turnout)
    assert ballots == sent, "the stored choices differ from those sent"


# --- 2. tallies of 100,000 ballots ---------------------------------------------------------------


@dataclass
class Timed:
    name: str
    method: str
    what: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    first: float = 0.0  # the first run, not counted in the others

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def worst(self) -> float:
        return max(self.seconds)

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu)


def timed(sample: Timed, function: Callable[[], Any]) -> Any:
    cpu = time.process_time()
    began = time.perf_counter()
    value = function()
    sample.seconds.append(time.perf_counter() - began)
    sample.cpu.append(time.process_time() - cpu)
    return value


@contextmanager
def timing(owner: Any, name: str, sample: Timed) -> Iterator[None]:
    """While inside, each call of ``owner.name`` (if it exists) is timed into ``sample``."""
    original = getattr(owner, name, None)
    if original is None:
        yield
        return

    def timed_call(*args: Any, **kwargs: Any) -> Any:
        return timed(sample, lambda: original(*args, **kwargs))

    setattr(owner, name, timed_call)
    try:
        yield
    finally:
        setattr(owner, name, original)


def reopen(db: Any, vote_id: int) -> None:
    """Set a closed vote back to open (not timed), so it can be closed again. On
    PostgreSQL the close rewrites the vote's ballots (``results.reseal``): VACUUM then
    clears the dead rows the last close left, so that each close finds the tables as
    the first one did."""
    from sqlalchemy import text, update
    from sqlmodel import col

    from plenum.votes.models import Vote

    with db.engine.begin() as connection:
        connection.execute(
            update(Vote)
            .where(col(Vote.id) == vote_id)
            .values(status="open", result="", closed_at=None)
        )
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE ballot, vote_cast"))


def tallies(database_url: str, data: DataSet, runs: int) -> list[Timed]:
    from plenum.db import Database
    from plenum.votes import results, service, tally
    from plenum.votes.models import Vote

    db = Database(database_url)
    found: list[Timed] = []
    try:
        for method, vote_id in data.tally_votes.items():
            distinct = data.distinct[method]
            close = Timed(f"close-{method}", method, "results.close_vote (all of it)")
            resealed = Timed(f"reseal-{method}", method, "  of it results.reseal (PostgreSQL)")
            group = Timed(f"counts-{method}", method, f"counts_of: GROUP BY, {distinct} rows")
            pure = Timed(f"tally-{method}", method, "tally.tally on the grouped counts")
            for n in range(runs + 1):  # the first of each is the warm-up
                reopen(db, vote_id)
                with db.session() as session, timing(results, "reseal", resealed):
                    at = service.vote_place(vote_id, session=session)
                    timed(
                        close,
                        lambda at=at, s=session: results.close_vote(
                            at, actor=data.office_id, session=s
                        ),
                    )
                with db.session() as session:
                    vote = session.get_one(Vote, vote_id)
                    counts = timed(group, lambda v=vote, s=session: results.counts_of(v, session=s))
                    options = service.tally_options(vote, service.options_of(vote, session=session))
                    rules = service.rules_of(vote)
                timed(pure, lambda o=options, c=counts, r=rules: tally.tally(o, c, r))
                if n == 0:
                    for sample in (close, resealed, group, pure):
                        sample.first = sample.seconds[0] if sample.seconds else 0.0
                        sample.seconds.clear()
                        sample.cpu.clear()
                    expected = {tally.decode(k): v for k, v in data.expected[method].items()}
                    assert counts == expected, f"{method}: the counts differ from the ballots"
                    with db.session() as session:
                        result = results.result_of(session.get_one(Vote, vote_id))
                    assert result is not None
                    assert result.ballots == BALLOTS, result
            postgres = db.engine.dialect.name == "postgresql"
            counted = Timed(
                f"counted-{method}", method, "  of it until the result is committed (the tally)"
            )
            counted.first = close.first - resealed.first
            counted.seconds = [c - r for c, r in zip(close.seconds, resealed.seconds, strict=True)]
            counted.cpu = [c - r for c, r in zip(close.cpu, resealed.cpu, strict=True)]
            found += [close, counted] + ([resealed] if postgres else []) + [group, pure]
            print(
                f"  {method}: close_vote p50 {close.p50:.3f} s, counts_of {group.p50:.3f} s,"
                f" tally {pure.p50:.3f} s",
                file=sys.stderr,
            )
    finally:
        db.dispose()
    return found


# --- 3. a tally does not block other requests ---------------------------------------------------


@dataclass
class Blocking:
    quiet: dict[str, list[float]] = field(default_factory=dict)  # kind -> latencies
    during: dict[str, list[float]] = field(default_factory=dict)
    closes: list[float] = field(default_factory=list)
    errors: int = 0
    page: str = ""

    @staticmethod
    def pct(values: list[float], n: int) -> float:
        if not values:
            return float("nan")
        if len(values) < 2:
            return values[0] * 1000
        return statistics.quantiles(values, n=100)[n - 1] * 1000


async def blocking(
    server: Server,
    database_url: str,
    data: DataSet,
    *,
    rate: float,
    quiet_seconds: float,
    closes: int,
) -> Blocking:
    """GETs at a steady rate alone, then while the ranked vote is closed over HTTP: the
    ballot page of the open yes/no vote as a delegate sees it, and a ping answered on the
    server's event loop."""
    from plenum.db import Database

    open_sessions(database_url, [data.delegate_ids[0], data.office_id])
    viewer, office = login(data.delegate_ids[0]), login(data.office_id)
    ranked = data.tally_votes["ranked"]
    found = Blocking(page=f"/votes/{data.tally_votes['yes_no']}")  # open, not cast yet
    windows: list[tuple[float, float]] = []
    samples: list[tuple[str, float, float]] = []
    limits = httpx2.Limits(max_connections=64, max_keepalive_connections=64)
    db = Database(database_url)
    reopen(db, data.tally_votes["yes_no"])  # open, as built (a kept database may differ)
    async with (
        httpx2.AsyncClient(
            base_url=server.base_url,
            limits=limits,
            timeout=60,
            cookies=no_cookies(),
            trust_env=False,
        ) as client,
        httpx2.AsyncClient(
            base_url=server.base_url, timeout=120, cookies=no_cookies(), trust_env=False
        ) as staff,
    ):
        paths = {"page": found.page, "loop": PING_PATH}
        headers = {"page": {"cookie": viewer.cookie}, "loop": {}}

        async def get(kind: str) -> None:
            began = time.perf_counter()
            response = await client.get(paths[kind], headers=headers[kind])
            if response.status_code == 200:
                samples.append((kind, began, time.perf_counter()))
            else:
                found.errors += 1

        async def stream(stop: asyncio.Event) -> None:
            tasks = []
            due = time.perf_counter()
            while not stop.is_set():
                tasks += [asyncio.create_task(get("page")), asyncio.create_task(get("loop"))]
                due += 1 / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await asyncio.gather(*tasks)

        for _ in range(20):  # warm-up: the connections and the page
            await asyncio.gather(get("page"), get("loop"))
        samples.clear()
        stop = asyncio.Event()
        streaming = asyncio.create_task(stream(stop))
        await asyncio.sleep(quiet_seconds / 2)
        for _ in range(closes):
            await asyncio.to_thread(reopen, db, ranked)
            await asyncio.sleep(0.3)
            began = time.perf_counter()
            response = await staff.post(
                f"/votes/{ranked}/close",
                data={"csrf_token": office.csrf},
                headers={"cookie": office.cookie},
            )
            ended = time.perf_counter()
            assert response.status_code == 303, (response.status_code, response.text[:500])
            windows.append((began, ended))
            found.closes.append(ended - began)
            print(f"  POST /votes/{ranked}/close: {ended - began:.2f} s", file=sys.stderr)
            await asyncio.sleep(0.5)
        await asyncio.sleep(quiet_seconds / 2)
        stop.set()
        await streaming
    db.dispose()
    with Database(database_url).session() as session:
        from plenum.votes import results
        from plenum.votes.models import Vote

        result = results.result_of(session.get_one(Vote, ranked))
        assert result is not None
        assert result.ballots == BALLOTS, result
    margin = 0.25  # a GET ending this soon after a close counts as neither
    for kind, began, ended in samples:
        overlaps = any(began < end and ended > start for start, end in windows)
        near = any(start - margin < ended and began < end + margin for start, end in windows)
        if overlaps:
            found.during.setdefault(kind, []).append(ended - began)
        elif not near:
            found.quiet.setdefault(kind, []).append(ended - began)
    return found


# --- the report -------------------------------------------------------------------------------


def report(
    name: str,
    data: DataSet,
    runs: list[Run],
    tallied: list[Timed],
    blocked: Blocking | None,
    args: argparse.Namespace,
) -> bool:
    extra = "".join(f" + {e}" for e in args.experiment or [])
    print(
        f"Plenum votes (Speed)  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  "
        f"Python {platform.python_version()}  {os.cpu_count()} cores  "
        f"load {os.getloadavg()[0]:.1f}  {name}  uvicorn {args.workers} worker(s){extra}, "
        "load generator on the same machine"
    )
    print(
        f"data: {DELEGATES} delegates present; 3 votes of {BALLOTS} ballots (distinct: "
        + ", ".join(f"{m} {n}" for m, n in data.distinct.items())
        + f"); built in {data.seconds:.0f} s"
    )
    checks: list[tuple[str, bool]] = []
    if runs:
        report_casting(runs, args)
        by_name = {r.name: r for r in runs}
        for pattern in ("burst", "spread"):
            r = by_name[f"cast-{pattern}"]
            checks.append(
                (
                    f"cast {pattern}: p95 {r.p95:.0f} ms <= {TARGET_CAST_P95_MS:.0f} ms "
                    f"({len(r.latencies)} of {DELEGATES} answered 200)",
                    r.p95 <= TARGET_CAST_P95_MS and not r.errors,
                )
            )
    if blocked is not None:
        report_blocking(blocked, args)
        during = blocked.during.get("page", []) + blocked.during.get("loop", [])
        longest = max(during, default=float("nan")) * 1000
        shortest = min(blocked.closes, default=float("nan")) * 1000
        quiet95 = Blocking.pct(blocked.quiet.get("page", []), 95)
        during95 = Blocking.pct(blocked.during.get("page", []), 95)
        checks.append(
            (
                f"GETs not blocked by a ranked close: the longest GET during a close took "
                f"{longest:.0f} ms < the shortest close {shortest:.0f} ms (page p95 "
                f"{during95:.0f} ms during, {quiet95:.0f} ms alone)",
                longest < shortest and not blocked.errors,
            )
        )
    if tallied:
        report_tallies(tallied)
        closes = {t.method: t for t in tallied if t.name.startswith("close-")}
        for t in tallied:
            if t.name.startswith("counted-"):
                # The target is the tally: until the result is committed and shown. On
                # PostgreSQL the close then re-seals the ballots in a transaction of its own.
                target = TARGET_TALLY_S[t.method]
                slowest = max(t.first, t.worst)
                whole = closes[t.method]
                checks.append(
                    (
                        f"tally {t.method} of {BALLOTS} ballots (close_vote until the result is "
                        f"committed): slowest {slowest:.2f} s <= {target:.0f} s; the whole "
                        f"close with re-sealing {max(whole.first, whole.worst):.2f} s",
                        slowest <= target,
                    )
                )
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return all(ok for _text, ok in checks)


def report_casting(runs: list[Run], args: argparse.Namespace) -> None:
    print()
    header = (
        f"{'run':<15} {'ok':>4} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'wall s':>7} {'srv cpu ms/req':>14} {'cli cpu s':>9} {'lag ms':>7}  what"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        per = r.server_cpu / max(1, len(r.latencies) + len(r.errors)) * 1000
        print(
            f"{r.name:<15} {len(r.latencies):>4} {len(r.errors):>4} {r.p50:>8.1f} {r.p95:>8.1f}"
            f" {r.max:>8.1f} {r.wall:>7.2f} {per:>14.2f} {r.client_cpu:>9.2f}"
            f" {r.lag * 1000:>7.1f}  {r.what}"
        )
    print(
        f"burst: all {DELEGATES} released at once; spread: uniformly over {args.window:.0f} s. "
        "lag: how late the last request left the client (the load generator's own delay)"
    )
    casts = [r for r in runs if r.phases]
    if not casts:
        return
    print()
    title = "where a cast's time goes, server side, ms"
    header = f"{title:<42}" + "".join(f" {r.name + ' mean':>17} {'p95':>7}" for r in casts)
    print(header)
    print("-" * len(header))
    for label, value in PHASE_ROWS:
        line = f"{label:<42}"
        for r in casts:
            values = [value(p) for p in r.phases]
            mean = statistics.fmean(values) * 1000 if values else float("nan")
            line += f" {mean:>17.1f} {Blocking.pct(values, 95):>7.1f}"
        print(line)
    for r in casts:
        sizes = sorted(n for n, _, _ in r.batches)
        alone = sum(1 for p in r.phases if "thread" in p)
        on_threads = sum(1 for _, _, where in r.batches if where == "thread")
        if sizes:
            took = [t * 1000 for _, t, _ in r.batches]
            print(
                f"{r.name}: the ballot box wrote {sum(sizes)} ballots in {len(sizes)} batches "
                f"({on_threads} on a thread; ballots per batch: median "
                f"{statistics.median(sizes):.0f}, largest {sizes[-1]}; a batch took "
                f"{statistics.median(took):.1f} ms median, {max(took):.1f} ms at most); "
                f"{alone} cast alone"
            )


def report_blocking(blocked: Blocking, args: argparse.Namespace) -> None:
    print()
    header = (
        f"{'GETs, ' + str(round(args.rate)) + '/s of each':<50} {'n':>4} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'max ms':>7}"
    )
    print(header)
    print("-" * len(header))
    names = {
        "page": f"GET {blocked.page} (a delegate's ballot page)",
        "loop": "GET /__bench/ping (on the event loop)",
    }
    for kind, name in names.items():
        for label, values in (
            ("alone", blocked.quiet.get(kind, [])),
            ("during a close", blocked.during.get(kind, [])),
        ):
            print(
                f"{name + ', ' + label:<50} {len(values):>4} {Blocking.pct(values, 50):>7.1f}"
                f" {Blocking.pct(values, 95):>7.1f} {max(values, default=0) * 1000:>7.1f}"
            )
    print(
        "POST /votes/{id}/close of the ranked vote (100,000 ballots) took "
        + ", ".join(f"{s:.2f} s" for s in blocked.closes)
        + (f"; {blocked.errors} GETs failed" if blocked.errors else "")
    )


def report_tallies(tallied: list[Timed]) -> None:
    print()
    header = (
        f"{'tally':<16} {'first s':>7} {'runs':>4} {'p50 s':>7} {'max s':>7} {'cpu s':>7}  what"
    )
    print(header)
    print("-" * len(header))
    for t in tallied:
        print(
            f"{t.name:<16} {t.first:>7.3f} {len(t.seconds):>4} {t.p50:>7.3f} {t.worst:>7.3f}"
            f" {t.cpu_p50:>7.3f}  {t.what}"
        )
    print("first: the first close of the vote (cold); then runs after it (p50, max, CPU p50)")


# --- profiling ----------------------------------------------------------------------------------


class StatementCounter:
    """Counts the SQL statements sent through an engine."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


def profile(what: str, database_url: str, data: DataSet, casts: int) -> None:
    """cProfile in this process, in one thread: casting through the app (the threadpool
    call made inline, over an ASGI transport), or closing the ranked vote."""
    from plenum.db import Database
    from plenum.votes import results, service

    profiler = cProfile.Profile()
    if what == "close-ranked":
        db = Database(database_url)
        vote_id = data.tally_votes["ranked"]
        for n in range(3):
            reopen(db, vote_id)
            with db.session() as session:
                at = service.vote_place(vote_id, session=session)
                if n:
                    profiler.enable()
                began = time.perf_counter()
                results.close_vote(at, actor=data.office_id, session=session)
                profiler.disable()
                print(f"close_vote: {time.perf_counter() - began:.3f} s")
        db.dispose()
    else:
        asyncio.run(_profile_casts(profiler, database_url, data, casts))
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


async def _profile_casts(
    profiler: cProfile.Profile, database_url: str, data: DataSet, casts: int
) -> None:
    """Two passes of sequential casts in one thread: first timed by ``Phases`` (no
    profiler), then under cProfile."""
    from sqlalchemy import event

    from plenum.db import Database
    from plenum.votes import routes

    async def inline(function: Callable[..., Any], *args: Any) -> Any:
        return function(*args)

    routes.run_in_threadpool = inline  # type: ignore[assignment]
    plenum = plenum_app(database_url)
    app = Phases(plenum)  # wraps the inline call: "thread" is _cast in this thread
    engine = plenum.state.database.engine
    counter = StatementCounter(engine)
    checkouts = StatementCounter(engine)
    event.remove(engine, "before_cursor_execute", checkouts._seen)
    event.listen(engine.pool, "checkout", checkouts._seen)
    casts = min(casts, (DELEGATES - 10) // 2)
    db = Database(database_url)
    votes = []
    with db.session() as session:
        for n in (1, 2):
            values = vote_values("yes_no", title=f"Profil {n}")
            vote = new_vote(session, data.office_id, values, body=True)
            votes.append((vote.id or 0, option_ids(session, vote.id or 0)["yes"]))
    db.dispose()
    open_sessions(database_url, data.delegate_ids)
    people = [login(member_id) for member_id in data.delegate_ids]
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://localhost", cookies=no_cookies()
    ) as client:
        for (vote_id, yes), profiled in zip(votes, (False, True), strict=True):
            logins = people[: casts + 5] if not profiled else people[casts + 5 : 2 * casts + 10]
            cpu, wall, statements, pooled = [], [], [], []
            app.records = []
            for n, who in enumerate(logins):
                form = {"csrf_token": who.csrf, "choice": str(yes)}
                before, began, cpu0 = counter.count, time.perf_counter(), time.process_time()
                taken = checkouts.count
                if n == 5:
                    app.records = []
                if n >= 5 and profiled:
                    profiler.enable()
                headers = {"cookie": who.cookie, "hx-request": "true", "hx-target": "ballot"}
                response = await client.post(f"/votes/{vote_id}/cast", data=form, headers=headers)
                profiler.disable()
                assert response.status_code == 200, response.text[:500]
                if n >= 5:
                    wall.append(time.perf_counter() - began)
                    cpu.append(time.process_time() - cpu0)
                    statements.append(counter.count - before)
                    pooled.append(checkouts.count - taken)
            wall_ms, cpu_ms = statistics.median(wall) * 1000, statistics.median(cpu) * 1000
            print(
                f"{casts} casts one after another in one thread (5 before not counted), "
                f"{'with' if profiled else 'without'} the profiler: p50 {wall_ms:.2f} ms wall, "
                f"{cpu_ms:.2f} ms CPU; SQL statements per cast {sorted(set(statements))}, "
                f"pool checkouts per cast {sorted(set(pooled))}"
            )
            if not profiled:
                for label, value in PHASE_ROWS:
                    values = [value(r) for r in app.records]
                    print(f"  {label:<42} mean {statistics.fmean(values) * 1000:6.2f} ms")
                print()


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=PG_ADMIN,
        metavar="ADMIN_URL",
        help=f"run on a throwaway PostgreSQL database made through ADMIN_URL ({PG_ADMIN})",
    )
    parser.add_argument("--window", type=float, default=WINDOW, help="spread window, seconds")
    parser.add_argument("--tally-runs", type=int, default=3, help="measured closes per method")
    parser.add_argument("--rate", type=float, default=20, help="GETs per second (blocking)")
    parser.add_argument("--closes", type=int, default=3, help="ranked closes while GETs run")
    parser.add_argument("--quiet-seconds", type=float, default=4, help="GETs alone, seconds")
    parser.add_argument(
        "--profile", choices=["cast", "close-ranked"], help="cProfile one part instead"
    )
    parser.add_argument("--casts", type=int, default=200, help="casts for --profile cast")
    parser.add_argument(
        "--keep",
        metavar="FILE",
        type=Path,
        help="SQLite only: build the database in FILE, or reuse FILE when it exists",
    )
    parser.add_argument(
        "--parts",
        default="casting,blocking,tally,shipped",
        help="which parts to run, comma-separated (casting, blocking, tally, shipped)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn workers (the issue's setting: 1)"
    )
    parser.add_argument(
        "--experiment",
        action="append",
        choices=sorted(EXPERIMENTS),
        help="what-if, in the server only (repeatable): "
        + "; ".join(f"{k}: {v}" for k, v in EXPERIMENTS.items()),
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args)
    if args.keep and args.postgres:
        parser.error("--keep works with SQLite only")
    if min(args.window, args.tally_runs, args.rate, args.closes, args.casts, args.workers) <= 0:
        parser.error("--window, --tally-runs, --rate, --closes, --casts, --workers: positive")
    parts = set(args.parts.split(","))
    if not parts or not parts <= {"casting", "blocking", "tally", "shipped"}:
        parser.error("--parts: casting, blocking, tally and/or shipped")

    with tempfile.TemporaryDirectory(prefix="plenum-bench-votes-") as tmp:
        sqlite_file = args.keep or Path(tmp) / "bench.db"
        with _database(args, sqlite_file) as url:
            facts = sqlite_file.with_suffix(".json")
            if args.keep and sqlite_file.exists() and facts.exists():
                data = DataSet(**json.loads(facts.read_text()))
            else:
                sqlite_file.unlink(missing_ok=True)
                data = prepare(url, random.Random(SEED))
                facts.write_text(json.dumps(asdict(data)))
            if args.profile:
                apply_experiments(args.experiment or [])
                profile(args.profile, url, data, args.casts)
                return 0
            rng = random.Random(SEED + 1)
            runs: list[Run] = []
            blocked: Blocking | None = None
            tallied: list[Timed] = []
            if parts & {"casting", "blocking"}:
                with Server(url, args.experiment or [], args.workers) as server:
                    if "casting" in parts:
                        runs = casting(server, url, data, rng, args)
                    if "blocking" in parts:
                        blocked = asyncio.run(
                            blocking(
                                server,
                                url,
                                data,
                                rate=args.rate,
                                quiet_seconds=args.quiet_seconds,
                                closes=args.closes,
                            )
                        )
            if "tally" in parts:
                tallied = tallies(url, data, args.tally_runs)
            outcomes = []
            if "shipped" in parts:
                import shipped

                outcomes = shipped.run_all(url, data, random.Random(SEED + 2))
        name = "PostgreSQL" if args.postgres else "SQLite"
        passed = report(name, data, runs, tallied, blocked, args)
        if outcomes:
            print(f"\nplenum serve as shipped (production settings, one process), {name}")
            passed = shipped.report(outcomes) and passed
        return 0 if passed else 1


@contextmanager
def _database(args: argparse.Namespace, sqlite_file: Path) -> Iterator[str]:
    if args.postgres:
        with postgres_database(args.postgres) as url:
            yield url
    else:
        yield f"sqlite:///{sqlite_file}"


if __name__ == "__main__":
    sys.exit(main())
