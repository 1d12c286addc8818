"""Ballots against ``plenum serve`` as shipped: new connections, plain forms, a close.

The part ``shipped`` of ``bench/votes.py`` (issue 12, point 12). The server is started
the way an operator starts it: ``python -m plenum.cli serve`` in a process of its own,
production settings (``PLENUM_ENV=production``: secure cookies, a real secret), no
benchmark code inside it, uvicorn's defaults (uvloop and httptools where installed, idle
connections dropped after 5 s, access log on). Each of the 600 delegates has a session
row and a signed session cookie as a login leaves them.

Scenarios, each on a fresh secret yes/no vote of the Landesparteitag:

1. every delegate opens the ballot page (``GET /votes/{id}``, 200 a second, each on a
   connection of its own), then waits until the server has dropped the idle connection
   (more than 5 s), as it usually has when the delegate presses the button;
2. every delegate casts on a **new connection**, opened at a moment drawn uniformly from
   one second: ``new-htmx`` as the page's form sends it through htmx, ``new-plain`` as
   a browser without JavaScript sends it (the answer is the whole receipt page);
3. ``close-during``: as ``new-htmx``, and the office's close (``POST /votes/{id}/close``)
   on a new connection half-way through the second.

A cast's latency runs from opening its connection to the last byte of the answer.
Afterwards the database is checked: the ballots stored, who voted, the turnout and the
result agree with the answers (200 with a receipt: counted; 409 "closed": refused).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import votes
from common import stop, wait_until_healthy

SECRET = "bench-shipped-secret-for-a-local-run-only-0123456789"  # noqa: S105 - throwaway
SPREAD = 1.0  # seconds over which the delegates press
PAGES_PER_SECOND = 200
DROPPED_AFTER = 5.0  # uvicorn's default keep-alive: the server drops idle connections
CLOSE_AT = 0.5  # seconds into the spread when the office presses "close"
SCENARIOS = ("new-htmx", "new-plain", "close-during")
TARGET_P95_MS = 200.0
MARGIN = 0.05  # ballots sent this close to the close (either side) are not judged from outside


@dataclass
class Outcome(votes.Run):
    """One scenario: each delegate's latency (``Run``), and what the answers said."""

    statuses: Counter[int] = field(default_factory=Counter)
    dropped: int = 0  # ballot-page connections the server had closed before the cast
    counted: int = 0  # answered with a receipt
    refused: int = 0  # answered "closed"
    close_sent: float | None = None
    close_status: int = 0
    close_took: float = 0.0
    misjudged: list[str] = field(default_factory=list)  # fairness seen from outside
    stored: str = ""
    by_status: dict[int, list[float]] = field(default_factory=dict)


class ShippedServer:
    """``plenum serve`` in a child process with production settings."""

    def __init__(self, database_url: str) -> None:
        self.port = votes.free_port()
        self.base_url = f"http://{votes.HOST}:{self.port}"
        env = {
            **os.environ,
            "PLENUM_ENV": "production",
            "PLENUM_DATABASE_URL": database_url,
            "PLENUM_SECRET_KEY": SECRET,
            "PLENUM_OIDC_CLIENT_SECRET": "bench-client-secret",
            # no provider is needed to cast: an unused loopback port (checked again at login)
            "PLENUM_OIDC_ISSUER": f"http://{votes.HOST}:9",
            "PLENUM_BASE_URL": "https://plenum.bench.invalid",
            "PLENUM_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "plenum.cli", "serve"]
        command += ["--host", votes.HOST, "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)

    def __enter__(self) -> ShippedServer:
        wait_until_healthy(self.process, self.base_url, votes.START_SECONDS)
        return self

    def __exit__(self, *_exc: object) -> None:
        stop(self.process)


def cookie(member_id: int, csrf: str) -> str:
    """The signed session cookie of a logged-in member, under production's cookie name."""
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import cookie_name

    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": f"bench-{member_id}", "member_id": member_id}
    data["csrf"] = csrf
    value = URLSafeSerializer(SECRET, salt="plenum.session").dumps(data)
    return f"{cookie_name(secure=True)}={value}"


def logins(member_ids: list[int]) -> list[votes.Login]:
    return [
        votes.Login(m, cookie(m, f"csrf-{m:06d}-bench"), f"csrf-{m:06d}-bench") for m in member_ids
    ]


def cast_bytes(vote_id: int, who: votes.Login, choice: int, *, htmx: bool) -> bytes:
    body = f"csrf_token={who.csrf}&choice={choice}".encode()
    headers = {"cookie": who.cookie, "content-type": "application/x-www-form-urlencoded"}
    if htmx:
        headers |= {"hx-request": "true", "hx-target": "ballot"}
    headers["connection"] = "close"
    return votes.http_request("POST", f"/votes/{vote_id}/cast", headers, body)


async def open_pages(port: int, vote_id: int, people: list[votes.Login]) -> list[votes.Connection]:
    """Each delegate opens the ballot page on a connection of their own, paced."""
    connections: list[votes.Connection] = []
    began = time.perf_counter()
    for n, who in enumerate(people):
        await asyncio.sleep(max(0.0, n / PAGES_PER_SECOND - (time.perf_counter() - began)))
        connection = await votes.Connection.open(port)
        status, _ = await connection.send(
            votes.http_request("GET", f"/votes/{vote_id}", {"cookie": who.cookie})
        )
        if status != 200:
            raise SystemExit(f"the ballot page answered {status}")
        connections.append(connection)
    return connections


async def dropped(connections: list[votes.Connection]) -> int:
    """How many of the connections the server has closed (they read as ended)."""
    gone = 0
    for connection in connections:
        try:
            ended = await asyncio.wait_for(connection.reader.read(1), 0.01) == b""
        except TimeoutError:
            ended = False
        gone += ended
        connection.close()
    return gone


async def once(port: int, request: bytes) -> tuple[int, bytes]:
    connection = await votes.Connection.open(port)
    try:
        return await connection.send(request)
    finally:
        connection.close()


async def press(
    server: ShippedServer,
    vote_id: int,
    people: list[votes.Login],
    choice_of: dict[int, int],
    outcome: Outcome,
    *,
    htmx: bool,
    moments: list[float],
    office: votes.Login | None,
) -> dict[int, tuple[float, int, bytes]]:
    """The delegates press, each on a new connection at their moment; the office's close
    at ``CLOSE_AT`` if ``office``. Answers by member: (moment sent, status, body)."""
    answers: dict[int, tuple[float, int, bytes]] = {}
    released = time.perf_counter()

    async def delegate(who: votes.Login, moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - (time.perf_counter() - released)))
        began = time.perf_counter()
        request = cast_bytes(vote_id, who, choice_of[who.member_id], htmx=htmx)
        try:
            status, body = await once(server.port, request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            outcome.errors.append(f"{type(exc).__name__}: {exc}")
            return
        took = time.perf_counter() - began
        outcome.latencies.append(took)
        outcome.statuses[status] += 1
        outcome.by_status.setdefault(status, []).append(took)
        answers[who.member_id] = (began - released, status, body)

    async def close(who: votes.Login) -> None:
        await asyncio.sleep(max(0.0, CLOSE_AT - (time.perf_counter() - released)))
        outcome.close_sent = time.perf_counter() - released
        body = f"csrf_token={who.csrf}".encode()
        headers = {"cookie": who.cookie, "content-type": "application/x-www-form-urlencoded"}
        request = votes.http_request("POST", f"/votes/{vote_id}/close", headers, body)
        status, _ = await once(server.port, request)
        outcome.close_status = status
        outcome.close_took = time.perf_counter() - released - outcome.close_sent

    work = [delegate(who, moment) for who, moment in zip(people, moments, strict=True)]
    if office is not None:
        work.append(close(office))
    await asyncio.gather(*work)
    outcome.wall = time.perf_counter() - released
    return answers


def scenario(server: ShippedServer, db: Any, data: Any, rng: random.Random, name: str) -> Outcome:
    people = logins(data.delegate_ids)
    office = logins([data.office_id])[0]
    with db.session() as session:
        title = f"Antrag A{rng.randrange(100, 999)}: Geschäftsordnung ({name})"
        vote = votes.new_vote(
            session, data.office_id, votes.vote_values("yes_no", title=title), body=True
        )
        vote_id = vote.id or 0
        ids = votes.option_ids(session, vote_id)
    kinds = rng.choices(("yes", "no", "abstain", "invalid"), votes.CAST_SHARES, k=len(people))
    choice_of = {w.member_id: ids[k] for w, k in zip(people, kinds, strict=True)}
    htmx = name != "new-plain"
    what = "POST /votes/{id}/cast on a new connection, " + ("htmx" if htmx else "plain form")
    if name == "close-during":
        what += f"; the close at {CLOSE_AT} s"
    outcome = Outcome(name, what)
    moments = sorted(rng.uniform(0, SPREAD) for _ in people)
    rng.shuffle(people)

    async def run() -> dict[int, tuple[float, int, bytes]]:
        pages = await open_pages(server.port, vote_id, people)
        await asyncio.sleep(DROPPED_AFTER + 1.5)
        outcome.dropped = await dropped(pages)
        return await press(
            server,
            vote_id,
            people,
            choice_of,
            outcome,
            htmx=htmx,
            moments=moments,
            office=office if name == "close-during" else None,
        )

    answers = asyncio.run(run())
    judge(outcome, answers)
    check(db, vote_id, answers, choice_of, outcome)
    return outcome


def judge(outcome: Outcome, answers: dict[int, tuple[float, int, bytes]]) -> None:
    """Counted or refused, and (with a close) whether that fits when the ballot was sent."""
    for member_id, (sent, status, body) in answers.items():
        if status == 200 and b'id="your-choices"' in body:
            outcome.counted += 1
            late = outcome.close_sent is not None and sent > outcome.close_sent + MARGIN
            if late:
                outcome.misjudged.append(
                    f"{member_id}: sent {sent:.3f} s, after the close, counted"
                )
        elif status == 409 and outcome.close_sent is not None:
            outcome.refused += 1
            if sent < outcome.close_sent - MARGIN:
                outcome.misjudged.append(
                    f"{member_id}: sent {sent:.3f} s, before the close, refused"
                )
        else:
            outcome.errors.append(f"{status}: {body[:200]!r}")


def check(
    db: Any,
    vote_id: int,
    answers: dict[int, tuple[float, int, bytes]],
    choice_of: dict[int, int],
    outcome: Outcome,
) -> None:
    """The database agrees with the answers: ballots, who voted, turnout and, after a
    close, the result."""
    from sqlalchemy import func
    from sqlmodel import select

    from plenum.votes import results, sealing
    from plenum.votes.models import Ballot, Vote, VoteCast

    sealing.configure(SECRET)
    counted = {m for m, (_, status, _) in answers.items() if status == 200}
    with db.session() as session:
        rows = session.exec(
            select(Ballot.choices, Ballot.sealed).where(Ballot.vote_id == vote_id)
        ).all()
        stored = Counter(sealing.unseal(vote_id, s)[0] if s else c for c, s in rows)
        casts = session.exec(select(VoteCast.member_id).where(VoteCast.vote_id == vote_id)).all()
        vote = session.get_one(Vote, vote_id)
        result = results.result_of(vote)
        total = session.exec(
            select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)
        ).one()
    expected = Counter(str(choice_of[m]) for m in counted)
    outcome.stored = f"stored {total} ballots, {len(casts)} VoteCast, turnout {vote.turnout}"
    if result is not None:
        outcome.stored += f", result of {result.ballots}"
    agree = set(casts) == counted and vote.turnout == total == len(counted)
    if result is not None:
        agree = agree and result.ballots == len(counted)
    if not agree or stored != expected:
        outcome.errors.append(f"the database disagrees with the answers: {outcome.stored}")


def run_all(database_url: str, data: Any, rng: random.Random) -> list[Outcome]:
    from plenum.db import Database

    votes.open_sessions(database_url, [*data.delegate_ids, data.office_id])
    db = Database(database_url)
    outcomes: list[Outcome] = []
    try:
        with ShippedServer(database_url) as server:
            warm = scenario(server, db, data, rng, "new-htmx")  # not counted: the first vote
            print(f"  warm-up: p95 {warm.p95:.0f} ms", file=sys.stderr)
            for name in SCENARIOS:
                outcome = scenario(server, db, data, rng, name)
                print(
                    f"  {name}: {len(outcome.latencies)} answered, p95 {outcome.p95:.0f} ms,"
                    f" {len(outcome.errors)} errors",
                    file=sys.stderr,
                )
                outcomes.append(outcome)
    finally:
        db.dispose()
    return outcomes


def report(outcomes: list[Outcome]) -> bool:
    """The table and PASS/FAIL lines; whether all passed."""
    print()
    print(
        f"{'run':<14} {'ok':>4} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'dropped':>8} {'counted':>8} {'refused':>8}  what"
    )
    print("-" * 100)
    for o in outcomes:
        print(
            f"{o.name:<14} {len(o.latencies):>4} {len(o.errors):>4} {o.p50:>8.1f} {o.p95:>8.1f}"
            f" {o.max:>8.1f} {o.dropped:>8} {o.counted:>8} {o.refused:>8}  {o.what}; {o.stored}"
        )
    print(
        f"dropped: ballot-page connections the server had closed when the delegate pressed"
        f" (of {votes.DELEGATES}); latency: from opening the new connection to the answer's"
        " last byte"
    )
    passed = True
    for o in outcomes:
        ok = not o.errors and o.p95 <= TARGET_P95_MS and len(o.latencies) == votes.DELEGATES
        passed &= ok
        print(
            f"{'PASS' if ok else 'FAIL'}  {o.name}: p95 {o.p95:.0f} ms <= {TARGET_P95_MS:.0f} ms,"
            f" {len(o.latencies)} of {votes.DELEGATES} answered, {len(o.errors)} errors"
            + (f" (e.g. {o.errors[0]})" if o.errors else "")
        )
        if o.close_sent is not None:
            print(
                f"      {o.name}: "
                + "; ".join(
                    f"answered {status}: {len(found)}, p95"
                    f" {votes.Run('', '', latencies=found).p95:.0f} ms"
                    for status, found in sorted(o.by_status.items())
                )
            )
            fair = not o.misjudged and o.close_status == 303
            passed &= fair
            print(
                f"{'PASS' if fair else 'FAIL'}  {o.name}: the close (sent at {o.close_sent:.2f} s,"
                f" answered {o.close_status} after {o.close_took * 1000:.0f} ms) counted"
                f" {o.counted} and refused {o.refused}; ballots sent more than"
                f" {MARGIN * 1000:.0f} ms before it counted, after it refused"
                + (f"; not so: {o.misjudged[:3]}" if o.misjudged else "")
            )
    return passed
