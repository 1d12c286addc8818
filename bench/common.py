"""What the benchmark scripts share (run as ``python bench/NAME.py``, so this folder is on
the import path)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx2


def open_sessions(database_url: str, member_ids: list[int]) -> None:
    """The server-side rows of the benchmark's session cookies (``bench-<member id>``):
    a cookie counts as logged in only while its session row exists."""
    from plenum.auth.models import MemberSession
    from plenum.db import Database

    db = Database(database_url)
    try:
        with db.session() as session:
            for member_id in member_ids:
                session.merge(MemberSession(id=f"bench-{member_id}", member_id=member_id))
            session.commit()
    finally:
        db.dispose()


def wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, seconds: float) -> None:
    """Wait until the server started as ``process`` answers ``GET /healthz`` with 200;
    stop it and exit when it dies or does not answer within ``seconds``."""
    deadline = time.monotonic() + seconds
    with httpx2.Client(base_url=base_url, timeout=2, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}")
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"the server did not start on {base_url}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server, kill it if it does not end within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- added for bench/meetings.py -----------------------------------------------------------


def postgres_database(admin_url: str, prefix: str) -> Any:
    """A context manager: a fresh PostgreSQL database named ``prefix`` + random hex,
    made through ``admin_url`` (a libpq URL) and dropped afterwards (also on errors);
    yields its SQLAlchemy URL."""
    import secrets
    from contextlib import contextmanager

    import psycopg

    @contextmanager
    def made() -> Iterator[str]:
        name = f"{prefix}{secrets.token_hex(4)}"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            yield f"{base}/{name}"
        finally:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return made()


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` (all its threads) so far, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_rss_bytes(pid: int) -> int:
    """The resident set size of process ``pid`` now (VmRSS, from /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def raise_fd_limit() -> int:
    """Raise this process's soft limit of open files to the hard limit; the new limit.
    Also usable as ``preexec_fn`` of a child process."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def thread_schedstat(pid: int, tid: int | None = None) -> tuple[float, float]:
    """Seconds thread ``tid`` of process ``pid`` (default: its main thread) has run on a
    CPU and has waited on a run queue for one, so far (/proc/.../schedstat)."""
    with open(f"/proc/{pid}/task/{tid or pid}/schedstat") as stat:
        ran, waited, _slices = stat.read().split()
    return int(ran) / 1e9, int(waited) / 1e9


# --- added for bench/meetings.py, part roomvote -----------------------------------------------


def stored_ballots(database_url: str, vote_id: int, secret: str) -> tuple[dict[str, int], int, int]:
    """What the database holds for vote ``vote_id``: the stored ballots by their choices
    (a secret ballot unsealed with the server's ``secret``), the has-voted rows and the
    vote's turnout."""
    from collections import Counter

    from sqlalchemy import func
    from sqlmodel import select

    from plenum.db import Database
    from plenum.votes import sealing
    from plenum.votes.models import Ballot, Vote, VoteCast

    sealing.configure(secret)  # the server's: secret ballots are sealed until the close
    db = Database(database_url)
    try:
        with db.session() as session:
            rows = session.exec(
                select(Ballot.choices, Ballot.sealed).where(Ballot.vote_id == vote_id)
            ).all()
            ballots = Counter(
                sealing.unseal(vote_id, sealed)[0] if sealed else choices
                for choices, sealed in rows
            )
            casts = session.exec(
                select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote_id)
            ).one()
            turnout = session.get_one(Vote, vote_id).turnout
    finally:
        db.dispose()
    return dict(ballots), int(casts), int(turnout)


def uniform_moments(n: int, seconds: float, seed: int) -> list[float]:
    """``n`` moments drawn uniformly from ``[0, seconds)``, sorted: when each of ``n``
    people presses, spread over ``seconds`` (reproducible by ``seed``)."""
    import random

    rng = random.Random(seed)
    return sorted(rng.uniform(0, seconds) for _ in range(n))


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds of the whole machine so far, from /proc/stat: (busy, all), summed over
    its cores (busy: everything but idle and iowait)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def processes_cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time so far of the processes ``pids`` (e.g. the PostgreSQL
    backends serving one database), from /proc; a process that has ended counts 0."""
    total = 0.0
    for pid in pids:
        try:
            total += process_cpu_seconds(pid)
        except OSError:  # ended meanwhile
            continue
    return total
