"""Meetings: the live room's Server-Sent-Event fan-out to 2,000 open live rooms, and 600
delegates casting in a live vote while 2,000 watch (issue 10, point 10).

Builds a throwaway PostgreSQL database on 127.0.0.1:5432 (migrated, the demo's party
structure and members, not its motions, threads and votes) and adds 2,000 members of the
Landesverband NRW who watch (members of the NRW chapters, so in the audience of a state
chapter meeting) and 21 more who ask to speak, each with a session row and a signed
session cookie as a login leaves them (signed here, as ``bench/shipped.py`` signs them).
Each part gets a meeting of the Landesverband of its own, made through
``service.create_meeting`` as office staff make it, with one agenda item made current
(``agenda.add_item``, ``agenda.make_current``).

The app runs as an operator starts it: ``python -m plenum.cli serve`` in a child process,
``PLENUM_ENV=production``, no benchmark code inside, its open-files limit raised to the
hard limit. The load generator runs in this process on the same machine: asyncio (uvloop)
protocols on raw connections, a request written as bytes and the stream scanned for its
``event: speakers`` and ``: keep-alive`` lines (no HTTP client: 2,000 of them would cost
the shared cores more than the server).

Parts:

* ``fanout``: one app process. First the baseline: 20 viewers open the live room's stream
  (``GET /meetings/{id}/live/stream``), and 10 changes of the speakers' list are made one
  second apart, each a member's request to speak (``POST /meetings/{id}/live/speak`` on a
  new connection, as the room's form sends it). Then 2,000 viewers open the stream, 200
  every 0.5 s; the server's RSS is read before and with all open, and its CPU over 20 s
  while they are idle (from /proc); ``GET /healthz`` is timed alone and with the streams
  open; then 10 changes as before. For each change and each open stream: the time from
  the POST's answer (its last byte read) to the arrival of ``event: speakers`` at that
  connection; p50/p95/p99/max over all streams and changes (target: p99 <= 1 s). Right
  after each POST's answer a ``GET /healthz`` is sent on a new connection to each app
  process: how long the fan-out holds up other requests.
* ``fanout2``: the same with two app processes on the one database, the viewers split
  1,000/1,000 (the baseline 10/10), every change posted to the first: the change reaches
  the second through ``NOTIFY`` and its listener.
* ``roomvote``: two app processes on the one database. 600 more members, delegates of the
  Landesparteitag NRW (``BodyRole`` delegate rows), with sessions; a sitting of the
  convention for the body and the Landesverband's members as guests (audience ``both``),
  half the delegates checked in at the hall by the desk (``presence.check_in_member``),
  half present online (``presence.seen_online``, written again before each vote). Each
  round: office staff set up a secret yes/no vote of the convention and link it to a new
  agenda item made current (``agenda``), a second later the vote is opened in the room
  (``room_votes.open_in_room``: the roll frozen from who is present, 600); once every
  open stream has the vote's ``event: vote``, the 600 delegates cast (``POST
  /votes/{id}/cast``, ``choice``), each on a new connection at a moment drawn uniformly
  from one second, alternately to the two processes, through htmx (``HX-Request``, the
  CSRF token as header and field) or as a plain form. Per ballot: the time from opening
  the connection to the answer's last byte (target p95 <= 200 ms); afterwards the
  database must hold each ballot once (ballots, has-voted rows and turnout = roll = 600,
  the choices those sent). After a warm-up round, ``--rounds`` rounds of each mode with
  the baseline's 20 streams open (10/10), with the 2,000 viewers' streams open
  (1,000/1,000), and with the 20 again. With ``--follow`` each viewer's "browser" also
  does what the live room's htmx does on ``event: vote``: fetch the vote's panel, then
  the ballot from the vote's page.
* ``heartbeat``: in this process, the presence upsert each app process writes for its
  open streams every 30 s (``presence.seen_online``) for 1,000 and 2,000 members, against
  the baseline of the same upsert as one VALUES row per member (how it was written
  before), 10 times each, alternately: the thread's CPU time and the wall time until
  committed (target: less CPU than the baseline).

It prints the tables and PASS or FAIL for each target, and exits with 1 on a FAIL. When
PostgreSQL is not reachable it says so and exits with 0 (``make bench`` runs without it).

    .venv/bin/python bench/meetings.py                        # all four parts
    .venv/bin/python bench/meetings.py --parts fanout         # one part (or fanout2, ...)
    .venv/bin/python bench/meetings.py --parts roomvote --rounds 3 --follow
    .venv/bin/python bench/meetings.py --viewers 500 --changes 5 --idle-seconds 5
    .venv/bin/python bench/meetings.py --py-spy /tmp/spy      # py-spy record of each app
                                                              # process during the changes
                                                              # (roomvote: the crowd's rounds)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import (
    machine_cpu_seconds,
    open_sessions,
    postgres_database,
    process_cpu_seconds,
    process_rss_bytes,
    processes_cpu_seconds,
    raise_fd_limit,
    stop,
    stored_ballots,
    thread_schedstat,
    uniform_moments,
    wait_until_healthy,
)

HOST = "127.0.0.1"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-meetings-secret-for-a-local-run-only-0123456789"  # noqa: S105 - throwaway
OFFICE = "geschaeftsstelle"  # the demo's office staff of the Landesverband NRW
STATE = "lv-nrw"
NRW_CHAPTERS = ("ov-koeln-kalk", "ov-koeln-ehrenfeld", "ov-dortmund-nord", "kv-dortmund")
VIEWERS = 2000
BASELINE_VIEWERS = 20
SPEAKERS = 21  # who ask to speak: 1 change to warm up, 10 of the baseline, 10 of the fan-out
CHANGES = 10
INTERVAL = 1.0  # seconds between changes
OPEN_BATCH = 200  # streams opened at once ...
OPEN_EVERY = 0.5  # ... every this many seconds
IDLE_SECONDS = 20.0
HEALTHZ_SAMPLES = 20
EVENT_TIMEOUT = 15.0  # a change not seen by a stream within this counts as lost
START_SECONDS = 30.0
PARTS = ("fanout", "fanout2", "roomvote", "heartbeat")
DEFAULT_PARTS = PARTS  # all four take about 4-5 minutes
TARGET_P99_S = 1.0
EVENT = b"event: speakers\n"
KEEPALIVE = b": keep-alive\n"
WELCOME = b": welcome\n"


# --- the data set -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    office_id: int
    viewer_ids: list[int]
    speaker_ids: list[int]
    seconds: float


def prepare(database_url: str) -> DataSet:
    """Migrate, load the demo's structure and members, add the viewers and the speakers
    (members of NRW chapters) with session rows."""
    from sqlmodel import select

    from plenum import demo
    from plenum.db import Database
    from plenum.migrate import upgrade
    from plenum.orgs.models import Member, Membership
    from plenum.orgs.service import chapter_by_key
    from plenum.settings import Settings

    began = time.perf_counter()
    upgrade(database_url)
    settings = demo.demo_settings(
        Settings(env="test", database_url=database_url, secret_key=SECRET)
    )
    db = Database(database_url)
    try:
        with db.session() as session:
            # the party's structure and the demo's members (office staff among them):
            # what a live room needs, without the demo's motions, threads and votes
            demo._load_structure(settings, session=session)
            session.commit()
            office = session.exec(select(Member.id).where(Member.subject == OFFICE)).one()
            chapters = [chapter_by_key(key, session=session) for key in NRW_CHAPTERS]
            people = [("viewer", n) for n in range(VIEWERS)]
            people += [("speaker", n) for n in range(SPEAKERS)]
            members = [
                Member(
                    issuer=settings.oidc_issuer,
                    subject=f"bench-{kind}-{n:04d}",
                    display_name=f"{'Zuschauer*in' if kind == 'viewer' else 'Redner*in'} {n:04d}",
                    email=f"bench-{kind}-{n:04d}@bench.plenum.invalid",
                    member_number=str((800000 if kind == "viewer" else 880000) + n),
                )
                for kind, n in people
            ]
            session.add_all(members)
            session.flush()
            for n, member in enumerate(members):
                chapter = chapters[n % len(chapters)]
                session.add(Membership(member_id=member.id or 0, chapter_id=chapter.id or 0))
            session.commit()
            ids = [m.id or 0 for m in members]
    finally:
        db.dispose()
    open_sessions(database_url, ids)
    return DataSet(int(office or 0), ids[:VIEWERS], ids[VIEWERS:], time.perf_counter() - began)


def new_meeting(database_url: str, office_id: int, title: str) -> int:
    """A meeting of the Landesverband NRW for its members, made through the services as
    office staff make it, with one agenda item being dealt with."""
    from plenum.clock import utcnow
    from plenum.db import Database
    from plenum.meetings import agenda, forms, service
    from plenum.meetings.access import meeting_place
    from plenum.orgs.service import chapter_by_key
    from plenum.times import local_input

    starts = utcnow() + timedelta(minutes=5)
    values = {
        "title": title,
        "description": "Wir beraten den Leitantrag.",
        "mode": "hybrid",
        "audience": "chapter",
        "venue": "Bürgerhaus Kalk",
        "address": "Kalk-Mülheimer Str. 58, Köln",
        "video_url": "https://video.example.org/lv-nrw",
        "speaker_rule": "zipper",
        "starts_at": local_input(starts),
        "ends_at": local_input(starts + timedelta(hours=4)),
    }
    db = Database(database_url)
    try:
        with db.session() as session:
            state = chapter_by_key(STATE, session=session)
            data = forms.parse_meeting(values, has_body=False)
            meeting = service.create_meeting(state, None, data, actor=office_id, session=session)
            at = meeting_place(meeting.id or 0, session=session)
            item_data = agenda.parse_item({"title": "Aussprache", "kind": "discussion"}, [])
            item = agenda.add_item(at, item_data, session=session)
            agenda.make_current(at, item, session=session)
            session.commit()
            return meeting.id or 0
    finally:
        db.dispose()


# --- logins and requests ------------------------------------------------------------------------


def cookie(member_id: int) -> str:
    """The signed session cookie (production's name) of a logged-in member, with the
    CSRF token ``csrf_of(member_id)``."""
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import cookie_name

    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": f"bench-{member_id}", "member_id": member_id}
    data["csrf"] = csrf_of(member_id)
    value = URLSafeSerializer(SECRET, salt="plenum.session").dumps(data)
    return f"{cookie_name(secure=True)}={value}"


def csrf_of(member_id: int) -> str:
    return f"csrf-{member_id:06d}-bench-meetings"


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"host: {HOST}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method == "POST":
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def once(port: int, request: bytes) -> tuple[int, float]:
    """Send ``request`` on a new connection; (status, seconds until the answer's last
    byte). The answer is read to its end (the request asks the server to close)."""
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        if b"content-length:" in lowered:
            length = int(lowered.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            await reader.readexactly(length)
        else:
            await reader.read()
        return status, time.perf_counter() - began
    finally:
        writer.close()


def speak_request(meeting_id: int, member_id: int) -> bytes:
    """A request to speak as the live room's form sends it, boosted by htmx (answered
    with a redirect, 303, or 200 with ``HX-Redirect``)."""
    body = f"kind=speech&category=open&stance=none&text=&csrf_token={csrf_of(member_id)}"
    headers = {
        "cookie": cookie(member_id),
        "content-type": "application/x-www-form-urlencoded",
        "hx-request": "true",
        "hx-boosted": "true",  # the page's forms are boosted (base.html)
        "connection": "close",
    }
    return http_request("POST", f"/meetings/{meeting_id}/live/speak", headers, body.encode())


HEALTHZ = http_request("GET", "/healthz", {"connection": "close"})


# --- the viewers --------------------------------------------------------------------------------


class Crowd:
    """The open streams of a run, and how many of them have seen the change awaited."""

    def __init__(self, event: bytes = EVENT) -> None:
        self.event = event  # the event line counted (the fan-out parts: ``speakers``)
        self.viewers: list[Viewer] = []
        self.expect = 0  # events each stream is to have seen
        self.reached = 0  # streams that have
        self.all_there = asyncio.Event()
        self.welcomed = 0
        self.all_open = asyncio.Event()
        self.size = 0
        # roomvote --follow: what each viewer's browser does when the event arrives
        self.follow: Any = None  # a coroutine function of the viewer, or None
        self.following: set[asyncio.Task[None]] = set()

    def awaiting(self, events: int) -> None:
        self.expect = events
        self.reached = sum(len(v.events) >= events for v in self.viewers)
        self.all_there.clear()
        if self.reached >= len(self.viewers):
            self.all_there.set()


class Viewer(asyncio.Protocol):
    """One member's open live room: the stream's request, then its bytes scanned for
    the events' lines (each stamped with the time its bytes arrived)."""

    def __init__(self, crowd: Crowd, request: bytes, server: int) -> None:
        self.crowd, self.request, self.server = crowd, request, server
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self.status = 0
        self.tails = {crowd.event: b"", KEEPALIVE: b"", WELCOME: b""}
        self.events: list[float] = []
        self.keepalives = 0
        self.sent_at = 0.0
        self.welcomed_at = 0.0
        self.lost = False
        self.received = 0
        self.member_id = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)  # type: ignore[union-attr]

    def _count(self, pattern: bytes, data: bytes) -> int:
        """Occurrences of ``pattern`` in the stream, also across two reads."""
        joined = self.tails[pattern] + data
        self.tails[pattern] = joined[-(len(pattern) - 1) :]
        return joined.count(pattern)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.received += len(data)
        if not self.status:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            self.status = int(self.head[9:12])
            data, self.head = self.head[end + 4 :], b""
        if not self.welcomed_at and self._count(WELCOME, data):
            self.welcomed_at = now
            self.crowd.welcomed += 1
            if self.crowd.welcomed >= self.crowd.size:
                self.crowd.all_open.set()
        found = self._count(self.crowd.event, data)
        if found:
            if self.crowd.follow is not None:
                task = asyncio.ensure_future(self.crowd.follow(self))
                self.crowd.following.add(task)
                task.add_done_callback(self.crowd.following.discard)
            self.events.extend([now] * found)
            if len(self.events) >= self.crowd.expect > len(self.events) - found:
                self.crowd.reached += 1
                if self.crowd.reached >= len(self.crowd.viewers):
                    self.crowd.all_there.set()
        self.keepalives += self._count(KEEPALIVE, data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _same(viewer: Viewer) -> Viewer:
    return viewer


async def open_viewers(
    crowd: Crowd, ports: list[int], meeting_id: int, member_ids: list[int]
) -> float:
    """Open a stream for each member, ``OPEN_BATCH`` every ``OPEN_EVERY`` seconds, the
    members dealt to the servers in turn; wait until every stream has its greeting.
    The seconds it took."""
    loop = asyncio.get_running_loop()
    path = f"/meetings/{meeting_id}/live/stream"
    crowd.size += len(member_ids)
    if crowd.welcomed >= crowd.size:
        crowd.all_open.set()
    else:
        crowd.all_open.clear()
    began = time.perf_counter()
    for start in range(0, len(member_ids), OPEN_BATCH):
        await asyncio.sleep(max(0.0, began + start / OPEN_BATCH * OPEN_EVERY - time.perf_counter()))
        batch = []
        for n, member_id in enumerate(member_ids[start : start + OPEN_BATCH], start):
            server = n % len(ports)
            request = http_request(
                "GET", path, {"cookie": cookie(member_id), "accept": "text/event-stream"}
            )
            viewer = Viewer(crowd, request, server)
            viewer.member_id = member_id
            crowd.viewers.append(viewer)
            batch.append(
                loop.create_connection(functools.partial(_same, viewer), HOST, ports[server])
            )
        await asyncio.gather(*batch)
    try:
        await asyncio.wait_for(crowd.all_open.wait(), 120)
    except TimeoutError:
        bad = [v.status for v in crowd.viewers if not v.welcomed_at]
        raise SystemExit(
            f"{len(bad)} streams did not open within 120 s (statuses {sorted(set(bad))})"
        ) from None
    return time.perf_counter() - began


# --- the servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class AppServer:
    """``plenum serve`` in a child process with production settings, its open-files
    limit raised; its errors go to a log file."""

    def __init__(self, database_url: str, log_dir: Path, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.log = log_dir / f"{name}.log"
        env = {
            **os.environ,
            "PLENUM_ENV": "production",
            "PLENUM_DATABASE_URL": database_url,
            "PLENUM_SECRET_KEY": SECRET,
            "PLENUM_OIDC_CLIENT_SECRET": "bench-client-secret",
            # no provider is needed to watch: an unused loopback port (checked at login)
            "PLENUM_OIDC_ISSUER": f"http://{HOST}:9",
            "PLENUM_BASE_URL": "https://plenum.bench.invalid",
            "PLENUM_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "plenum.cli", "serve"]
        command += ["--host", HOST, "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.DEVNULL,  # the access log
                stderr=log,
                preexec_fn=raise_fd_limit,
            )
        self.pid = self.process.pid

    def __enter__(self) -> AppServer:
        wait_until_healthy(self.process, self.base_url, START_SECONDS)
        return self

    def __exit__(self, *_exc: object) -> None:
        stop(self.process)

    def cpu(self) -> float:
        return process_cpu_seconds(self.pid)

    def rss(self) -> int:
        return process_rss_bytes(self.pid)

    def loop_thread(self) -> tuple[float, float]:
        """Seconds its main thread (the event loop's) ran, and waited for a CPU."""
        return thread_schedstat(self.pid)

    def errors(self) -> list[str]:
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if "ERROR" in line or "Traceback" in line]


class Spy:
    """``py-spy record`` of the servers while the changes are made (if asked for)."""

    def __init__(self, folder: Path | None, servers: list[AppServer], label: str) -> None:
        self.folder, self.servers, self.label = folder, servers, label
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Spy:
        if self.folder is None:
            return self
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.folder.mkdir(parents=True, exist_ok=True)
        for server in self.servers:
            out = self.folder / f"{self.label}-{server.name}.txt"
            command = [spy, "record", "-p", str(server.pid), "-o", str(out), "-f", "raw"]
            command += ["-r", "200", "--threads", "--idle", "--nonblocking"]
            self.processes.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        time.sleep(1.0)  # py-spy attaches
        return self

    def __exit__(self, *_exc: object) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- measuring ------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``, in the values' unit."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class Fanout:
    """The changes made to one crowd of open streams, and what reached them."""

    name: str
    streams: int
    changes: int = 0
    latencies: list[float] = field(default_factory=list)  # after the POST's answer
    since_sent: list[float] = field(default_factory=list)  # after the POST was sent
    by_server: dict[int, list[float]] = field(default_factory=dict)
    lost: int = 0  # (stream, change) pairs without the event within EVENT_TIMEOUT
    posts: list[float] = field(default_factory=list)  # the POSTs' latencies
    statuses: list[int] = field(default_factory=list)
    healthz: list[float] = field(default_factory=list)  # GET /healthz right after the POST
    all_seen: list[float] = field(default_factory=list)  # POST answer -> last stream's event
    server_cpu: list[float] = field(default_factory=list)  # per server, seconds, all changes
    client_cpu: float = 0.0
    extra: int = 0  # events beyond one per change
    dropped: int = 0
    received: int = 0  # bytes the streams received while the changes were made
    first_seen: list[float] = field(default_factory=list)  # POST answer -> first stream's event
    loop_ran: list[float] = field(default_factory=list)  # per server: its loop thread on a CPU
    loop_waited: list[float] = field(default_factory=list)  # ... and waiting for one


@dataclass
class Resources:
    """One app process while the 2,000 streams are open."""

    server: str
    streams: int
    rss_before: int = 0
    rss_open: int = 0
    idle_cpu: float = 0.0  # seconds of CPU over idle_wall
    idle_wall: float = 0.0
    keepalives: int = 0  # keep-alive comments its streams received while idle
    open_cpu: float = 0.0  # CPU seconds it spent while the streams were opened
    open_wall: float = 0.0
    welcome: list[float] = field(default_factory=list)  # connect -> greeting, per stream
    healthz_alone: list[float] = field(default_factory=list)
    healthz_open: list[float] = field(default_factory=list)

    @property
    def per_stream_kib(self) -> float:
        return (self.rss_open - self.rss_before) / max(1, self.streams) / 1024

    @property
    def idle_percent(self) -> float:
        return self.idle_cpu / max(1e-9, self.idle_wall) * 100


async def changes(
    crowd: Crowd,
    servers: list[AppServer],
    meeting_id: int,
    speakers: list[int],
    result: Fanout,
) -> None:
    """Each speaker asks to speak on the first server, ``INTERVAL`` apart; the time until
    each stream has the ``speakers`` event."""
    cpu0 = [s.cpu() for s in servers]
    sched0 = [s.loop_thread() for s in servers]
    client0 = time.process_time()
    received0 = sum(v.received for v in crowd.viewers)
    began = time.perf_counter()
    done = len(crowd.viewers[0].events) if crowd.viewers else 0
    for k, speaker in enumerate(speakers):
        await asyncio.sleep(max(0.0, began + k * INTERVAL - time.perf_counter()))
        expected = done + k + 1
        crowd.awaiting(expected)
        sent = time.perf_counter()
        status, took = await once(servers[0].port, speak_request(meeting_id, speaker))
        answered = time.perf_counter()
        result.statuses.append(status)
        result.posts.append(took)
        checks = [once(s.port, HEALTHZ) for s in servers]
        for _status, seconds in await asyncio.gather(*checks):
            result.healthz.append(seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(crowd.all_there.wait(), EVENT_TIMEOUT)
        last, first = 0.0, float("inf")
        for viewer in crowd.viewers:
            if len(viewer.events) < expected:
                result.lost += 1
                continue
            arrived = viewer.events[expected - 1]
            result.latencies.append(arrived - answered)
            result.since_sent.append(arrived - sent)
            result.by_server.setdefault(viewer.server, []).append(arrived - answered)
            last, first = max(last, arrived - answered), min(first, arrived - answered)
        result.all_seen.append(last)
        result.first_seen.append(first)
        result.changes += 1
    await asyncio.sleep(0.5)  # late duplicates would show now
    result.client_cpu = time.process_time() - client0
    result.server_cpu = [s.cpu() - c for s, c in zip(servers, cpu0, strict=True)]
    sched = [s.loop_thread() for s in servers]
    result.loop_ran = [now[0] - then[0] for now, then in zip(sched, sched0, strict=True)]
    result.loop_waited = [now[1] - then[1] for now, then in zip(sched, sched0, strict=True)]
    final = done + len(speakers)
    result.extra = sum(max(0, len(v.events) - final) for v in crowd.viewers)
    result.dropped = sum(v.lost for v in crowd.viewers)
    result.received = sum(v.received for v in crowd.viewers) - received0


async def healthz_samples(server: AppServer, n: int) -> list[float]:
    found = []
    for _ in range(n):
        status, seconds = await once(server.port, HEALTHZ)
        if status != 200:
            raise SystemExit(f"GET /healthz answered {status}")
        found.append(seconds)
        await asyncio.sleep(0.05)
    return found


async def run_part(
    name: str,
    servers: list[AppServer],
    meeting_id: int,
    data: DataSet,
    args: argparse.Namespace,
) -> tuple[list[Fanout], list[Resources]]:
    ports = [s.port for s in servers]
    resources = [Resources(s.name, args.viewers // len(servers)) for s in servers]
    # warm-up, not measured: a look at the room (its template compiled) on each process,
    # then the baseline's streams see one change (the pushed region rendered once)
    for n, server in enumerate(servers):
        await healthz_samples(server, 3)
        look = http_request(
            "GET", f"/meetings/{meeting_id}/live", {"cookie": cookie(data.viewer_ids[n])}
        )
        status, _seconds = await once(server.port, look)
        if status != 200:
            raise SystemExit(f"the live room answered {status}")
    small = Crowd()
    await open_viewers(small, ports, meeting_id, data.viewer_ids[: args.baseline_viewers])
    await changes(small, servers, meeting_id, data.speaker_ids[:1], Fanout("warm-up", 0))
    # the baseline: a few streams
    baseline = Fanout(f"{name} baseline", len(small.viewers))
    speakers = data.speaker_ids[1 : 1 + args.changes]
    await changes(small, servers, meeting_id, speakers, baseline)
    for viewer in small.viewers:
        viewer.close()
    await asyncio.sleep(1.0)
    for server, r in zip(servers, resources, strict=True):
        r.healthz_alone = await healthz_samples(server, HEALTHZ_SAMPLES)
    # the crowd
    await asyncio.sleep(1.0)
    for server, r in zip(servers, resources, strict=True):
        r.rss_before = server.rss()
    crowd = Crowd()
    cpu0 = [s.cpu() for s in servers]
    opened = await open_viewers(crowd, ports, meeting_id, data.viewer_ids[: args.viewers])
    for server, r, c in zip(servers, resources, cpu0, strict=True):
        r.open_cpu, r.open_wall = server.cpu() - c, opened
    for viewer in crowd.viewers:
        resources[viewer.server].welcome.append(viewer.welcomed_at - viewer.sent_at)
    print(f"  {name}: {len(crowd.viewers)} streams open in {opened:.1f} s", file=sys.stderr)
    await asyncio.sleep(2.0)  # the opening's garbage is collected, the pools settle
    for server, r in zip(servers, resources, strict=True):
        r.rss_open = server.rss()
    keep0 = [0] * len(servers)
    for viewer in crowd.viewers:
        keep0[viewer.server] += viewer.keepalives
    cpu0 = [s.cpu() for s in servers]
    began = time.perf_counter()
    await asyncio.sleep(args.idle_seconds)
    wall = time.perf_counter() - began
    for server, r, c in zip(servers, resources, cpu0, strict=True):
        r.idle_cpu, r.idle_wall = server.cpu() - c, wall
    for viewer in crowd.viewers:
        resources[viewer.server].keepalives += viewer.keepalives
    for n, r in enumerate(resources):
        r.keepalives -= keep0[n]
    for server, r in zip(servers, resources, strict=True):
        r.healthz_open = await healthz_samples(server, HEALTHZ_SAMPLES)
    full = Fanout(f"{name} {len(crowd.viewers)}", len(crowd.viewers))
    speakers = data.speaker_ids[1 + args.changes : 1 + 2 * args.changes]
    with Spy(args.py_spy, servers, name):
        await changes(crowd, servers, meeting_id, speakers, full)
    for viewer in crowd.viewers:
        viewer.close()
    await asyncio.sleep(0.5)
    return [baseline, full], resources


def run_async(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


# --- reporting ------------------------------------------------------------------------------------


def machine_note() -> str:
    load = os.getloadavg()[0]
    return (
        f"Python {platform.python_version()}  {os.cpu_count()} cores  load {load:.1f}  "
        "PostgreSQL  plenum serve (production settings), load generator on the same machine"
    )


def ms(value: float) -> str:
    return f"{value * 1000:.0f}" if value == value else "-"


def report(
    fanouts: list[Fanout], resources: dict[str, list[Resources]], args: argparse.Namespace
) -> bool:
    print()
    header = (
        f"{'run':<18} {'streams':>7} {'chg':>3} {'events':>7} {'lost':>4} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'sent p99':>8} {'POST p50':>8} "
        f"{'healthz p50/max':>15} {'srv cpu/chg ms':>14} {'cli cpu s':>9} {'KiB/event':>9}"
    )
    print(header)
    print("-" * len(header))
    for f in fanouts:
        cpu = "/".join(f"{c / max(1, f.changes) * 1000:.0f}" for c in f.server_cpu)
        print(
            f"{f.name:<18} {f.streams:>7} {f.changes:>3} {len(f.latencies):>7} {f.lost:>4} "
            f"{ms(pct(f.latencies, 50)):>7} {ms(pct(f.latencies, 95)):>7} "
            f"{ms(pct(f.latencies, 99)):>7} {ms(max(f.latencies, default=float('nan'))):>7} "
            f"{ms(pct(f.since_sent, 99)):>8} {ms(pct(f.posts, 50)):>8} "
            f"{ms(pct(f.healthz, 50)) + '/' + ms(max(f.healthz, default=float('nan'))):>15} "
            f"{cpu:>14} {f.client_cpu:>9.2f} {f.received / max(1, len(f.latencies)) / 1024:>9.1f}"
        )
    print(
        "latency: from the POST's answer (its last byte) to the arrival of `event: speakers`"
        " at each stream, over all streams x changes; sent p99: the same from the moment the"
        " POST was sent; healthz: GET /healthz on a new connection to each app process right"
        " after each POST's answer; srv cpu/chg: the app processes' CPU per change; cli cpu: the"
        " load generator's CPU while the changes were made; KiB/event: bytes received per"
        " stream and change (the region's HTML grows by a speaker each change)"
    )
    for f in fanouts:
        if not f.name.endswith("baseline"):
            seen = ", ".join(
                f"{ms(a)}-{ms(b)}" for a, b in zip(f.first_seen, f.all_seen, strict=True)
            )
            print(f"{f.name}: the first and the last stream had each change after (ms): {seen}")
    for f in fanouts:
        n = max(1, f.changes)
        loops = "; ".join(
            f"process {i + 1}: on a CPU {ran / n * 1000:.0f} ms, waiting for one"
            f" {waited / n * 1000:.0f} ms"
            for i, (ran, waited) in enumerate(zip(f.loop_ran, f.loop_waited, strict=True))
        )
        print(f"{f.name}: the event loop's thread per change (the whole second): {loops}")
    split = [f for f in fanouts if len(f.by_server) > 1]
    for f in split:
        parts = []
        for server, found in sorted(f.by_server.items()):
            # both hear the change through NOTIFY and their own listener
            where = "posted to" if server == 0 else "the other"
            parts.append(
                f"process {server + 1} ({where}): {len(found)} events, p50 "
                f"{ms(pct(found, 50))} ms, p99 {ms(pct(found, 99))} ms, max "
                f"{ms(max(found))} ms"
            )
        print(f"{f.name}: " + "; ".join(parts))
    print()
    header = (
        f"{'process':<16} {'streams':>7} {'RSS before MiB':>14} {'RSS open MiB':>12} "
        f"{'KiB/stream':>10} {'idle cpu %':>10} {'keep-alives':>11} {'open s':>6} "
        f"{'open cpu ms/stream':>18} {'greeting p50/max ms':>19} {'healthz alone':>13} "
        f"{'healthz open':>12}"
    )
    print(header)
    print("-" * len(header))
    for part, used in resources.items():
        for r in used:
            print(
                f"{part + ' ' + r.server:<16} {r.streams:>7} {r.rss_before / 2**20:>14.1f} "
                f"{r.rss_open / 2**20:>12.1f} {r.per_stream_kib:>10.1f} "
                f"{r.idle_percent:>10.1f} {r.keepalives:>11} {r.open_wall:>6.1f} "
                f"{r.open_cpu / max(1, r.streams) * 1000:>18.2f} "
                f"{ms(pct(r.welcome, 50)) + '/' + ms(max(r.welcome)):>19} "
                f"{ms(pct(r.healthz_alone, 50)) + '/' + ms(max(r.healthz_alone)):>13} "
                f"{ms(pct(r.healthz_open, 50)) + '/' + ms(max(r.healthz_open)):>12}"
            )
    print(
        f"idle cpu: the process's CPU (user+system, /proc) over {args.idle_seconds:.0f} s with"
        " the streams open and nothing happening, in percent of one core; keep-alives: the"
        " comments its streams received meanwhile; open: opening the streams"
        f" ({OPEN_BATCH} every {OPEN_EVERY} s) until each had its greeting; healthz alone /"
        f" open: {HEALTHZ_SAMPLES} GET /healthz on new connections before the streams and"
        " with them open (p50/max ms)"
    )
    print()
    passed = True
    for f in fanouts:
        if f.name.endswith("baseline"):
            continue
        p99 = pct(f.latencies, 99)
        posts_ok = all(s in (200, 303) for s in f.statuses)
        ok = f.lost == 0 and f.dropped == 0 and posts_ok and p99 <= TARGET_P99_S and f.extra == 0
        passed &= ok
        print(
            f"{'PASS' if ok else 'FAIL'}  {f.name}: p99 {p99 * 1000:.0f} ms <= "
            f"{TARGET_P99_S * 1000:.0f} ms over {f.streams} streams x {f.changes} changes; "
            f"{f.lost} events lost, {f.extra} extra, {f.dropped} streams dropped, "
            f"POSTs answered {sorted(set(f.statuses))}"
        )
    return passed


# --- the part roomvote: 600 delegates cast in a live vote while 2,000 watch --------------------

CONVENTION = "lv-nrw-convention"  # the demo's Landesparteitag NRW
DELEGATES = 600
SPREAD = 1.0  # seconds over which the delegates press
SETTLE = 1.0  # seconds between the chair moving to the vote's item and opening the vote
TARGET_BALLOT_P95_S = 0.2
VOTE_EVENT = b"event: vote\n"
CAST_SHARES = (0.6, 0.3, 0.08, 0.02)  # yes, no, abstain, invalid (as bench/votes.py)
SEED = 20261206
ROUNDS = 2  # rounds of each mode (htmx, plain) per set of streams (before, crowd, after)


def add_delegates(database_url: str, n: int) -> list[int]:
    """``n`` delegates of the Landesparteitag NRW (members of NRW chapters with the
    delegate role, as a login through the identity provider leaves them), each with a
    session row."""
    from plenum.db import Database
    from plenum.orgs.models import BodyRole, Member, Membership, Role, Source
    from plenum.orgs.service import body_by_key, chapter_by_key

    db = Database(database_url)
    try:
        with db.session() as session:
            convention, _state = body_by_key(CONVENTION, session=session)
            chapters = [chapter_by_key(key, session=session) for key in NRW_CHAPTERS]
            members = [
                Member(
                    issuer=f"http://{HOST}:9",
                    subject=f"bench-delegate-{k:03d}",
                    display_name=f"Delegierte*r {k:03d}",
                    email=f"bench-delegate-{k:03d}@bench.plenum.invalid",
                    member_number=str(890000 + k),
                )
                for k in range(n)
            ]
            session.add_all(members)
            session.flush()
            ids = [m.id or 0 for m in members]
            for k, member_id in enumerate(ids):
                chapter = chapters[k % len(chapters)]
                session.add(Membership(member_id=member_id, chapter_id=chapter.id or 0))
                session.add(
                    BodyRole(
                        member_id=member_id,
                        body_id=convention.id or 0,
                        role=Role.DELEGATE.value,
                        source=Source.IDP.value,
                    )
                )
            session.commit()
    finally:
        db.dispose()
    open_sessions(database_url, ids)
    return ids


def new_body_meeting(database_url: str, office_id: int, title: str, hall_ids: list[int]) -> int:
    """A sitting of the Landesparteitag NRW for the body and, as guests, every member of
    the Landesverband (audience ``both``), made as office staff make it, with an item
    being dealt with; ``hall_ids`` checked in at the hall by the desk."""
    from plenum.clock import utcnow
    from plenum.db import Database
    from plenum.meetings import agenda, forms, presence, service
    from plenum.meetings.access import meeting_place
    from plenum.orgs.service import body_by_key
    from plenum.times import local_input

    starts = utcnow() - timedelta(minutes=30)  # under way
    values = {
        "title": title,
        "description": "Wir beraten und beschließen den Leitantrag.",
        "mode": "hybrid",
        "audience": "both",
        "venue": "Stadthalle Mülheim",
        "address": "Theodor-Heuss-Platz 1, Mülheim an der Ruhr",
        "video_url": "https://video.example.org/lpt-nrw",
        "speaker_rule": "zipper",
        "starts_at": local_input(starts),
        "ends_at": local_input(starts + timedelta(hours=8)),
    }
    db = Database(database_url)
    try:
        with db.session() as session:
            convention, state = body_by_key(CONVENTION, session=session)
            data = forms.parse_meeting(values, has_body=True)
            meeting = service.create_meeting(
                state, convention, data, actor=office_id, session=session
            )
            at = meeting_place(meeting.id or 0, session=session)
            item_data = agenda.parse_item({"title": "Aussprache", "kind": "discussion"}, [])
            item = agenda.add_item(at, item_data, session=session)
            agenda.make_current(at, item, session=session)
            for member_id in hall_ids:
                presence.check_in_member(at, member_id, session=session)
            session.commit()
            return meeting.id or 0
    finally:
        db.dispose()


class Chair:
    """The office staff and the chair at the sitting, through the services: a vote set
    up and its item made current, then the vote opened for everyone present (run on a
    worker thread, so the load generator's loop keeps reading the streams)."""

    def __init__(self, database_url: str, office_id: int, meeting_id: int) -> None:
        from plenum.db import Database

        self.db = Database(database_url)
        self.office_id, self.meeting_id = office_id, meeting_id

    def stage(self, title: str) -> tuple[int, dict[str, int]]:
        """A secret yes/no vote of the convention (a draft), linked to a new agenda item
        made current; (vote id, option id by kind)."""
        import votes  # bench/votes.py: the set-up form and the option ids
        from plenum.meetings import agenda
        from plenum.meetings.access import meeting_place
        from plenum.orgs.service import body_by_key, principal_for
        from plenum.votes import forms, service

        with self.db.session() as session:
            convention, chapter = body_by_key(CONVENTION, session=session)
            staff = principal_for(self.office_id, session=session)
            values = votes.vote_values("yes_no", title=title)
            data = forms.parse_vote(values, service.kinds_for(convention))
            vote = service.create_vote(chapter, convention, data, principal=staff, session=session)
            at = meeting_place(self.meeting_id, session=session)
            links = agenda.links_for(at, session=session)
            item_data = agenda.parse_item(
                {"title": title, "kind": "vote", "link": f"vote:{vote.id}"}, links
            )
            item = agenda.add_item(at, item_data, session=session)
            agenda.make_current(at, item, session=session)
            session.commit()
            return vote.id or 0, votes.option_ids(session, vote.id or 0)

    def open(self, vote_id: int, online_ids: list[int]) -> tuple[int, float]:
        """The members in ``online_ids`` have the live room open (present online); then
        the current item's vote is opened in the room (``room_votes.open_in_room``), its
        roll frozen from who is present. (The roll's size, perf_counter after the commit.)"""
        from sqlalchemy import func
        from sqlmodel import select

        from plenum.meetings import agenda, presence, room_votes
        from plenum.meetings.access import meeting_place
        from plenum.orgs.service import principal_for
        from plenum.votes.models import Voter

        with self.db.session() as session:
            presence.seen_online(self.meeting_id, online_ids, session=session)
            session.commit()
            at = meeting_place(self.meeting_id, session=session, lock=True)
            item = agenda.item_of(at, at.meeting.current_item_id or 0, session=session)
            if item.vote_id != vote_id:
                raise SystemExit(f"the current item is about vote {item.vote_id}, not {vote_id}")
            staff = principal_for(self.office_id, session=session)
            room_votes.open_in_room(at, item, hall_analog=False, principal=staff, session=session)
            session.commit()
            opened = time.perf_counter()
            roll = session.exec(
                select(func.count()).select_from(Voter).where(Voter.vote_id == vote_id)
            ).one()
        return int(roll), opened

    def last_seen(self, member_ids: list[int]) -> list[datetime | None]:
        """When the live room last wrote these members as present (``seen_at``: the
        start of the latest presence heartbeat that included them)."""
        from sqlmodel import col, select

        from plenum.clock import as_utc
        from plenum.meetings.models import Presence

        with self.db.session() as session:
            query = select(Presence.member_id, Presence.seen_at).where(
                Presence.meeting_id == self.meeting_id, col(Presence.member_id).in_(member_ids)
            )
            found = dict(session.exec(query).all())
        return [as_utc(found[m]) if m in found else None for m in member_ids]

    def backends(self) -> list[int]:
        """The PostgreSQL backends connected to the database (the app processes' pools),
        but this one."""
        from sqlalchemy import text

        with self.db.session() as session:
            query = text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [int(pid) for pid in session.execute(query).scalars()]

    def close(self) -> None:
        self.db.dispose()


def cast_bytes(meeting_id: int, vote_id: int, member_id: int, choice: int, *, htmx: bool) -> bytes:
    """A ballot as the room's ballot form sends it: through htmx (the block that replaces
    the ballot comes back; plenum.js adds the CSRF header) or as a plain form (the whole
    receipt page comes back). Each on a new connection, closed after the answer."""
    body = f"csrf_token={csrf_of(member_id)}&choice={choice}".encode()
    headers = {"cookie": cookie(member_id), "content-type": "application/x-www-form-urlencoded"}
    if htmx:
        headers |= {
            "hx-request": "true",
            "hx-target": "ballot",
            "hx-current-url": f"https://plenum.bench.invalid/meetings/{meeting_id}/live",
            "x-csrf-token": csrf_of(member_id),
        }
    headers["connection"] = "close"
    return http_request("POST", f"/votes/{vote_id}/cast", headers, body)


async def fetch(port: int, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` on a new connection; (status, body), the body read to its end."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        if b"content-length:" in lowered:
            length = int(lowered.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            return status, await reader.readexactly(length)
        if b"transfer-encoding: chunked" in lowered:
            body = b""
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                body += (await reader.readexactly(size + 2))[:-2]
            return status, body
        return status, await reader.read()
    finally:
        writer.close()


@dataclass
class Ballots:
    """One round: a vote opened in the room, and 600 ballots cast in it."""

    name: str
    viewers: int
    mode: str  # htmx, plain or mixed
    vote_id: int = 0
    roll: int = 0
    latencies: list[float] = field(default_factory=list)  # connect -> the answer's last byte
    by_server: dict[int, list[float]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lag: float = 0.0  # how much later than its moment the latest ballot left the client
    wall: float = 0.0  # the first moment to the last answer
    vote_first: float = float("nan")  # the open's commit -> first stream had `event: vote`
    vote_last: float = float("nan")  # ... the last stream
    missed: int = 0  # streams without the vote's event within EVENT_TIMEOUT
    server_cpu: list[float] = field(default_factory=list)  # per process, while casting
    loop_ran: list[float] = field(default_factory=list)
    loop_waited: list[float] = field(default_factory=list)
    client_cpu: float = 0.0
    postgres_cpu: float = 0.0  # the database's PostgreSQL backends, while the ballots came
    machine_busy: float = 0.0  # the whole machine's busy CPU seconds meanwhile
    heartbeats: list[float | None] = field(default_factory=list)  # per process, see below
    # --follow: the viewers' browsers fetching the vote's panel, then the ballot
    follow_panel: list[float] = field(default_factory=list)
    follow_ballot: list[float] = field(default_factory=list)
    follow_statuses: dict[int, int] = field(default_factory=dict)
    follow_errors: list[str] = field(default_factory=list)
    follow_last: float = 0.0  # perf_counter of the last answer
    follow_done: float = float("nan")  # the open's commit -> the last answer
    group: str = ""  # before, crowd or after
    stored: str = ""
    exact: bool = False  # each ballot stored once, turnout = roll = ballots answered


async def follow_vote(
    servers: list[AppServer], meeting_id: int, result: Ballots, viewer: Viewer
) -> None:
    """What htmx does in a viewer's browser when ``event: vote`` arrives (see
    templates/meetings/live.html): the vote's panel is fetched again (``hx-trigger=
    "sse:vote"``), and as the vote is open, the ballot from the vote's page (``hx-trigger=
    "load"``, ``hx-select="#ballot"``). Each on a new connection to the viewer's process."""
    port = servers[viewer.server].port
    headers = {
        "cookie": cookie(viewer.member_id),
        "hx-request": "true",
        "hx-current-url": f"https://plenum.bench.invalid/meetings/{meeting_id}/live",
        "connection": "close",
    }
    path = f"/meetings/{meeting_id}/live/vote"
    for kind in ("panel", "ballot"):
        began = time.perf_counter()
        try:
            status, body = await fetch(port, http_request("GET", path, headers))
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.follow_errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return
        now = time.perf_counter()
        (result.follow_panel if kind == "panel" else result.follow_ballot).append(now - began)
        result.follow_statuses[status] = result.follow_statuses.get(status, 0) + 1
        result.follow_last = max(result.follow_last, now)
        found = re.search(rb'hx-get="[^"]*?(/votes/\d+)"', body) if kind == "panel" else None
        if found is None:
            return
        path = found.group(1).decode()


async def cast_round(
    crowd: Crowd,
    servers: list[AppServer],
    chair: Chair,
    database_url: str,
    delegates: list[int],
    online: list[int],
    result: Ballots,
    seed: int,
    spread: float,
    probes: list[int],
    follow: bool = False,
) -> None:
    """The chair moves to a new vote's item, opens the vote once the agenda's change has
    gone out; once every stream has the vote's event, the delegates press, each at a
    moment drawn from ``spread`` seconds, on a new connection to the process their
    number gives. Then the database is checked. With ``follow`` each viewer's browser
    fetches what htmx fetches on the vote's event meanwhile (``follow_vote``)."""
    meeting_id = chair.meeting_id
    title = f"Leitantrag L{seed % 1000:03d} annehmen ({result.name})"
    vote_id, ids = await asyncio.to_thread(chair.stage, title)
    result.vote_id = vote_id
    await asyncio.sleep(SETTLE)
    rng = random.Random(seed)
    kinds = rng.choices(("yes", "no", "abstain", "invalid"), CAST_SHARES, k=len(delegates))
    choice_of = {m: ids[k] for m, k in zip(delegates, kinds, strict=True)}
    people = list(enumerate(delegates))  # (n, member): process n % len(servers)
    rng.shuffle(people)
    moments = uniform_moments(len(people), spread, seed)
    requests = [
        cast_bytes(
            meeting_id,
            vote_id,
            m,
            choice_of[m],
            htmx=result.mode == "htmx" or (result.mode == "mixed" and n % 4 < 2),
        )
        for n, m in people
    ]
    backends = await asyncio.to_thread(chair.backends)  # (the pools are filled by now)
    done = len(crowd.viewers[0].events)
    crowd.awaiting(done + 1)
    if follow:
        crowd.follow = functools.partial(follow_vote, servers, meeting_id, result)
    result.roll, opened = await asyncio.to_thread(chair.open, vote_id, online)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(crowd.all_there.wait(), EVENT_TIMEOUT)
    arrivals = [v.events[done] - opened for v in crowd.viewers if len(v.events) > done]
    result.missed = len(crowd.viewers) - len(arrivals)
    if arrivals:
        result.vote_first, result.vote_last = min(arrivals), max(arrivals)

    answered: dict[int, tuple[int, bytes]] = {}
    lags: list[float] = []
    cpu0 = [s.cpu() for s in servers]
    sched0 = [s.loop_thread() for s in servers]
    client0 = time.process_time()
    pg0 = processes_cpu_seconds(backends)
    machine0 = machine_cpu_seconds()[0]
    released_at = datetime.now(UTC)
    released = time.perf_counter()

    async def delegate(n: int, member_id: int, request: bytes, moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - (time.perf_counter() - released)))
        began = time.perf_counter()
        lags.append(began - released - moment)
        server = n % len(servers)
        try:
            status, body = await fetch(servers[server].port, request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            return
        took = time.perf_counter() - began
        result.latencies.append(took)
        result.by_server.setdefault(server, []).append(took)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status == 303 or (status == 200 and b'id="your-choices"' in body):
            answered[member_id] = (status, body)
        else:
            result.errors.append(f"{status}: {body[:200]!r}")

    await asyncio.gather(
        *(delegate(n, m, r, t) for (n, m), r, t in zip(people, requests, moments, strict=True))
    )
    result.wall = time.perf_counter() - released
    result.machine_busy = machine_cpu_seconds()[0] - machine0
    result.client_cpu = time.process_time() - client0
    result.postgres_cpu = processes_cpu_seconds(backends) - pg0
    result.server_cpu = [s.cpu() - c for s, c in zip(servers, cpu0, strict=True)]
    sched = [s.loop_thread() for s in servers]
    result.loop_ran = [now[0] - then[0] for now, then in zip(sched, sched0, strict=True)]
    result.loop_waited = [now[1] - then[1] for now, then in zip(sched, sched0, strict=True)]
    result.lag = max(lags, default=0.0)
    if crowd.following:
        await asyncio.wait(set(crowd.following), timeout=60)
    crowd.follow = None
    if result.follow_last:
        result.follow_done = result.follow_last - opened
    ballots, casts, turnout = await asyncio.to_thread(stored_ballots, database_url, vote_id, SECRET)
    # the latest presence heartbeat of each process (``probes``: a viewer on each), from
    # the first ballot's moment: negative, it began before; from 0 to the wall, meanwhile
    seen = await asyncio.to_thread(chair.last_seen, probes)
    result.heartbeats = [None if at is None else (at - released_at).total_seconds() for at in seen]
    sent: dict[str, int] = {}
    for member_id in answered:
        key = str(choice_of[member_id])
        sent[key] = sent.get(key, 0) + 1
    total = sum(ballots.values())
    result.stored = f"roll {result.roll}, {total} ballots, {casts} has-voted, turnout {turnout}"
    result.exact = (
        result.roll == len(delegates)
        and total == casts == turnout == len(answered) == len(delegates)
        and ballots == sent
    )


async def run_roomvote(
    servers: list[AppServer],
    chair: Chair,
    database_url: str,
    data: DataSet,
    delegates: list[int],
    online: list[int],
    args: argparse.Namespace,
) -> list[Ballots]:
    """A warm-up round, then ``args.rounds`` rounds of each mode with the baseline's few
    streams open, with all the viewers' streams open, and with the few again."""
    ports = [s.port for s in servers]
    meeting_id = chair.meeting_id
    probes = data.viewer_ids[: len(servers)]  # viewer n watches on process n % 2
    rounds: list[Ballots] = []
    seeds = iter(range(SEED, SEED + 1000))

    async def round_(crowd: Crowd, group: str, mode: str) -> Ballots:
        found = Ballots(f"{mode} {group}", len(crowd.viewers), mode, group=group)
        await cast_round(
            crowd,
            servers,
            chair,
            database_url,
            delegates,
            online,
            found,
            next(seeds),
            args.spread,
            probes,
            follow=args.follow,
        )
        print(
            f"  roomvote {found.name} ({found.viewers} streams): p95"
            f" {ms(pct(found.latencies, 95))} ms, {len(found.errors)} errors, {found.stored}",
            file=sys.stderr,
        )
        return found

    async def few(group: str) -> None:
        small = Crowd(VOTE_EVENT)
        await open_viewers(small, ports, meeting_id, data.viewer_ids[: args.baseline_viewers])
        for _ in range(args.rounds):
            for mode in ("htmx", "plain"):
                rounds.append(await round_(small, group, mode))
        for viewer in small.viewers:
            viewer.close()
        await asyncio.sleep(1.0)

    # warm-up, not measured: a look at the room and a healthz on each process, then a
    # whole round (half the ballots through htmx, half plain forms) seen by a few streams
    for n, server in enumerate(servers):
        await healthz_samples(server, 3)
        look = http_request("GET", f"/meetings/{meeting_id}/live", {"cookie": cookie(delegates[n])})
        status, _seconds = await once(server.port, look)
        if status != 200:
            raise SystemExit(f"the live room answered {status}")
    small = Crowd(VOTE_EVENT)
    await open_viewers(small, ports, meeting_id, data.viewer_ids[: args.baseline_viewers])
    await round_(small, "warm-up", "mixed")
    for viewer in small.viewers:
        viewer.close()
    await few("before")
    crowd = Crowd(VOTE_EVENT)
    opened = await open_viewers(crowd, ports, meeting_id, data.viewer_ids[: args.viewers])
    print(f"  roomvote: {len(crowd.viewers)} streams open in {opened:.1f} s", file=sys.stderr)
    await asyncio.sleep(2.0)  # the opening's garbage is collected, the pools settle
    with Spy(args.py_spy, servers, "roomvote"):
        for _ in range(args.rounds):
            for mode in ("htmx", "plain"):
                rounds.append(await round_(crowd, "crowd", mode))
    dropped = sum(v.lost for v in crowd.viewers)
    if dropped:
        print(f"  roomvote: {dropped} streams were dropped", file=sys.stderr)
    for viewer in crowd.viewers:
        viewer.close()
    await asyncio.sleep(1.0)
    await few("after")
    return rounds


def heartbeat_note(r: Ballots) -> str:
    """The processes' latest presence heartbeats from the first ballot's moment, starred
    when one began less than a second before the ballots or while they came."""
    marks = []
    for offset in r.heartbeats:
        if offset is None:
            marks.append("-")
        else:
            near = -1.0 <= offset <= r.wall
            marks.append(f"{offset:+.1f}{'*' if near else ''}")
    return "/".join(marks)


def report_roomvote(rounds: list[Ballots], args: argparse.Namespace, seconds: float) -> bool:
    print()
    header = (
        f"{'run':<13} {'viewers':>7} {'roll':>4} {'ok':>4} {'err':>3} {'p50 ms':>6} "
        f"{'p95 ms':>6} {'p99 ms':>6} {'max ms':>6} {'p95 app1/app2':>13} {'lag ms':>6} "
        f"{'vote evt ms':>11} {'heartbeat s':>13}  stored"
    )
    print(header)
    print("-" * (len(header) + 50))
    for r in rounds:
        per = "/".join(ms(pct(r.by_server.get(k, []), 95)) for k in range(2))
        event = f"{ms(r.vote_first)}-{ms(r.vote_last)}" + (
            f" ({r.missed} missed)" if r.missed else ""
        )
        print(
            f"{r.name:<13} {r.viewers:>7} {r.roll:>4} {len(r.latencies) - len(r.errors):>4} "
            f"{len(r.errors):>3} {ms(pct(r.latencies, 50)):>6} {ms(pct(r.latencies, 95)):>6} "
            f"{ms(pct(r.latencies, 99)):>6} {ms(max(r.latencies, default=float('nan'))):>6} "
            f"{per:>13} {ms(r.lag):>6} {event:>11} {heartbeat_note(r):>13}  {r.stored}"
        )
    print(
        "each round a fresh secret yes/no vote of the Landesparteitag, opened in the live room"
        f" (roll: the {args.delegates} delegates present, half checked in at the hall, half"
        f" online); the delegates press at moments drawn uniformly from {args.spread:g} s,"
        " each POST /votes/{id}/cast on a new connection, alternately to the two processes;"
        " before / crowd / after: with the baseline's streams open, with all the viewers'"
        " streams, with the baseline's again; latency: from opening the connection to the"
        " answer's last byte; lag: how late the latest ballot left the client; vote evt: from"
        " the open's commit to the first and the last stream's `event: vote` (the ballots"
        " start after the last); heartbeat: when each process's latest presence heartbeat"
        " (its upsert of the present viewers) began, in seconds from the first ballot's"
        " moment, * if less than 1 s before or while the ballots came"
    )
    print()
    header = (
        f"{'run':<13} {'wall s':>6} {'app1/app2 cpu ms':>16} {'loop run/wait ms app1; app2':>27} "
        f"{'postgres cpu ms':>15} {'client cpu ms':>13} {'machine busy cores':>18} "
        f"{'others cores':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in rounds:
        cpu = "/".join(f"{c * 1000:.0f}" for c in r.server_cpu)
        loops = "; ".join(
            f"{ran * 1000:.0f}/{waited * 1000:.0f}"
            for ran, waited in zip(r.loop_ran, r.loop_waited, strict=True)
        )
        ours = sum(r.server_cpu) + r.postgres_cpu + r.client_cpu
        wall = max(r.wall, 1e-9)
        print(
            f"{r.name:<13} {r.wall:>6.2f} {cpu:>16} {loops:>27} {r.postgres_cpu * 1000:>15.0f} "
            f"{r.client_cpu * 1000:>13.0f} {r.machine_busy / wall:>18.2f} "
            f"{(r.machine_busy - ours) / wall:>12.2f}"
        )
    print(
        "while the ballots came (the first moment to the last answer): each app process's CPU"
        " (all threads) and its event-loop thread's time on a CPU and waiting for one;"
        " the PostgreSQL backends of the database; the load generator; the whole machine's busy CPU"
        f" (/proc/stat) in cores of {os.cpu_count()}, and of it what none of these used (other"
        " processes on the machine)"
    )
    if args.follow:
        print()
        header = (
            f"{'run':<13} {'panels':>6} {'p50/p95/max ms':>16} {'ballots':>7} "
            f"{'p50/p95/max ms':>16} {'all answered after ms':>21}  statuses"
        )
        print(header)
        print("-" * (len(header) + 20))
        for r in rounds:
            spans = [
                "/".join(ms(v) for v in (pct(got, 50), pct(got, 95), max(got, default=math.nan)))
                for got in (r.follow_panel, r.follow_ballot)
            ]
            print(
                f"{r.name:<13} {len(r.follow_panel):>6} {spans[0]:>16} {len(r.follow_ballot):>7} "
                f"{spans[1]:>16} {ms(r.follow_done):>21}  {dict(sorted(r.follow_statuses.items()))}"
                + (f", {len(r.follow_errors)} errors" if r.follow_errors else "")
            )
        print(
            "--follow: on `event: vote` each viewer's browser fetches the vote's panel (GET"
            " /meetings/{id}/live/vote) and then, the vote being open, the vote's page for its"
            " ballot (GET /votes/{id}), as the live room's htmx attributes ask, each on a new"
            " connection to the viewer's process; all answered after: from the open's commit"
        )
    print()
    groups: dict[tuple[str, str], list[Ballots]] = {}
    for r in rounds:
        groups.setdefault((r.group, r.mode), []).append(r)
    header = (
        f"{'mode':<6} {'streams':<8} {'rounds':>6} {'ballots':>7} {'p50 ms':>6} {'p95 ms':>6} "
        f"{'p99 ms':>6} {'max ms':>6}  exact"
    )
    print(header)
    print("-" * len(header))
    passed = True
    verdicts = []
    order = {"before": 0, "crowd": 1, "after": 2}
    for (group, mode), found in sorted(
        groups.items(), key=lambda kv: (kv[0][1], order.get(kv[0][0], 3))
    ):
        latencies = [t for r in found for t in r.latencies]
        p95 = pct(latencies, 95)
        exact = all(
            r.exact and not r.errors and r.missed == 0 and len(r.latencies) == args.delegates
            for r in found
        )
        print(
            f"{mode:<6} {group:<8} {len(found):>6} {len(latencies):>7} "
            f"{ms(pct(latencies, 50)):>6} {ms(p95):>6} {ms(pct(latencies, 99)):>6} "
            f"{ms(max(latencies, default=float('nan'))):>6}  "
            f"{'yes' if exact else 'NO'}"
        )
        ok = exact and p95 <= TARGET_BALLOT_P95_S
        passed &= ok
        viewers = max(r.viewers for r in found)
        statuses: dict[int, int] = {}
        for r in found:
            for status, n in r.statuses.items():
                statuses[status] = statuses.get(status, 0) + n
        errors = [e for r in found for e in r.errors]
        verdicts.append(
            f"{'PASS' if ok else 'FAIL'}  roomvote {mode} {group} ({viewers} streams):"
            f" ballot p95 {p95 * 1000:.0f} ms <= {TARGET_BALLOT_P95_S * 1000:.0f} ms over"
            f" {len(found)} x {args.delegates} ballots; answered {dict(sorted(statuses.items()))},"
            f" {len(errors)} errors"
            + (f" (e.g. {errors[0]})" if errors else "")
            + "; "
            + ("each ballot stored once, turnout = roll" if exact else "NOT exact: ")
            + ("" if exact else "; ".join(r.stored for r in found))
        )
    print(
        f"over all ballots of the rounds of each mode and set of streams; the part took"
        f" {seconds:.0f} s"
    )
    print()
    for line in verdicts:
        print(line)
    return passed


def roomvote(
    database_url: str, log_dir: Path, data: DataSet, args: argparse.Namespace
) -> tuple[list[Ballots], list[str]]:
    """The part roomvote: delegates, a sitting of the convention, two app processes."""
    began = time.perf_counter()
    delegates = add_delegates(database_url, args.delegates)
    hall, online = delegates[: len(delegates) // 2], delegates[len(delegates) // 2 :]
    meeting_id = new_body_meeting(
        database_url, data.office_id, "Landesparteitag NRW (roomvote)", hall
    )
    print(
        f"  roomvote: {len(delegates)} delegates and the sitting made in"
        f" {time.perf_counter() - began:.0f} s",
        file=sys.stderr,
    )
    chair = Chair(database_url, data.office_id, meeting_id)
    servers = [AppServer(database_url, log_dir, f"rv-app{n + 1}") for n in range(2)]
    try:
        for server in servers:
            server.__enter__()
        rounds = run_async(
            run_roomvote(servers, chair, database_url, data, delegates, online, args)
        )
    finally:
        for server in servers:
            server.__exit__()
        chair.close()
    errors = [f"roomvote {s.name}: {line}" for s in servers for line in s.errors()]
    return rounds, errors


# --- main ---------------------------------------------------------------------------------------


# --- heartbeat: the presence upsert of the open streams ------------------------------------------

HEARTBEAT_SIZES = (1000, 2000)
HEARTBEAT_RUNS = 10


@dataclass
class Beat:
    way: str
    members: int
    cpu_ms: list[float]
    wall_ms: list[float]


def values_rows_upsert(meeting_id: int, ids: list[int], moment: datetime) -> Any:
    """The baseline: the heartbeat as ``presence.seen_online`` wrote it before
    2026-12-06, one VALUES row per member (a statement of a new shape per count)."""
    from sqlalchemy.dialects import postgresql

    from plenum.meetings.models import Presence

    rows = [
        {"meeting_id": meeting_id, "member_id": m, "channel": "online", "seen_at": moment}
        for m in ids
    ]
    statement = postgresql.insert(Presence).values([{**row, "left": False} for row in rows])
    return statement.on_conflict_do_update(
        index_elements=["meeting_id", "member_id"],
        set_={"seen_at": statement.excluded.seen_at, "left": False},
    )


def heartbeat(database_url: str, data: DataSet) -> list[Beat]:
    """One process writes the presence of 1,000 and 2,000 open streams, as each app
    process does every 30 s: ``presence.seen_online`` (one array parameter) against the
    VALUES rows it used before, alternately, each timed in CPU of this thread and wall."""
    from plenum.clock import utcnow
    from plenum.db import Database
    from plenum.meetings import presence

    meeting_id = new_meeting(database_url, data.office_id, "Landesmitgliederversammlung (beat)")
    db = Database(database_url)
    beats = {
        (way, n): Beat(way, n, [], [])
        for n in HEARTBEAT_SIZES
        for way in ("values rows (baseline)", "array (seen_online)")
    }
    try:
        for run in range(HEARTBEAT_RUNS + 1):  # the first run warms up, unmeasured
            for n in HEARTBEAT_SIZES:
                ids = data.viewer_ids[:n]
                for way in ("values rows (baseline)", "array (seen_online)"):
                    cpu, wall = time.thread_time(), time.perf_counter()
                    with db.session() as session:
                        moment = utcnow()
                        if way.startswith("array"):
                            presence.seen_online(meeting_id, ids, session=session, now=moment)
                        else:
                            session.execute(values_rows_upsert(meeting_id, ids, moment))
                        session.commit()
                    if run:
                        beats[(way, n)].cpu_ms.append((time.thread_time() - cpu) * 1000)
                        beats[(way, n)].wall_ms.append((time.perf_counter() - wall) * 1000)
    finally:
        db.dispose()
    return list(beats.values())


def report_heartbeat(beats: list[Beat]) -> bool:
    print()
    print(
        f"{'heartbeat':<24} {'members':>7} {'runs':>4} {'cpu p50':>8} {'cpu max':>8}"
        f" {'wall p50':>9} {'wall max':>9}"
    )
    print("-" * 75)
    for beat in beats:
        print(
            f"{beat.way:<24} {beat.members:>7} {len(beat.cpu_ms):>4}"
            f" {pct(beat.cpu_ms, 50):>8.1f} {max(beat.cpu_ms):>8.1f}"
            f" {pct(beat.wall_ms, 50):>9.1f} {max(beat.wall_ms):>9.1f}"
        )
    print(
        "one upsert of the members' presence in a session of its own, committed; cpu: this"
        " thread's CPU time (building, binding, sending), in ms; wall: until committed"
    )
    by = {(b.way.split()[0], b.members): b for b in beats}
    passed = True
    for n in HEARTBEAT_SIZES:
        old, new = by[("values", n)], by[("array", n)]
        ratio = pct(new.cpu_ms, 50) / max(pct(old.cpu_ms, 50), 1e-9)
        verdict = "PASS" if ratio < 1 else "FAIL"
        passed &= ratio < 1
        print(
            f"{verdict}  heartbeat of {n}: CPU p50 {pct(new.cpu_ms, 50):.1f} ms against"
            f" {pct(old.cpu_ms, 50):.1f} ms for the VALUES rows (ratio {ratio:.2f})"
        )
    return passed


def reachable(admin_url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(admin_url, connect_timeout=5):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=PG_ADMIN, metavar="ADMIN_URL", help=PG_ADMIN)
    parser.add_argument(
        "--parts", default=",".join(DEFAULT_PARTS), help=f"some of {', '.join(PARTS)}"
    )
    parser.add_argument("--viewers", type=int, default=VIEWERS, help="open streams")
    parser.add_argument("--baseline-viewers", type=int, default=BASELINE_VIEWERS)
    parser.add_argument("--changes", type=int, default=CHANGES, help="changes per run")
    parser.add_argument("--idle-seconds", type=float, default=IDLE_SECONDS)
    parser.add_argument(
        "--delegates", type=int, default=DELEGATES, help="roomvote: delegates present and casting"
    )
    parser.add_argument(
        "--spread", type=float, default=SPREAD, help="roomvote: seconds the ballots spread over"
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help="roomvote: the viewers' browsers fetch the vote's panel and ballot on its event",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help="roomvote: rounds of each mode per set of streams",
    )
    parser.add_argument(
        "--py-spy", type=Path, metavar="DIR", help="py-spy record the app processes to DIR"
    )
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    if not parts or not set(parts) <= set(PARTS):
        parser.error(f"--parts: some of {', '.join(PARTS)}")
    if not 1 <= args.delegates <= 9999 or args.spread <= 0 or not 1 <= args.rounds <= 20:
        parser.error("--delegates: 1 to 9999; --spread: more than 0; --rounds: 1 to 20")
    if not 0 < args.viewers <= VIEWERS or not 0 < args.baseline_viewers <= args.viewers:
        parser.error(f"--viewers: 1 to {VIEWERS}; --baseline-viewers: 1 to --viewers")
    if not 0 < args.changes <= SPEAKERS // 2:
        parser.error(f"--changes: 1 to {SPEAKERS // 2}")
    problem = reachable(args.postgres)
    if problem is not None:
        print(f"bench/meetings.py: skipped, PostgreSQL is not reachable at {args.postgres}:")
        print(f"  {problem}")
        return 0
    limit = raise_fd_limit()
    if limit < args.viewers + 200:
        raise SystemExit(f"the open-files limit is {limit}: too low for {args.viewers} streams")
    started = datetime.now(UTC)
    note = machine_note()
    fanouts: list[Fanout] = []
    resources: dict[str, list[Resources]] = {}
    rounds: list[Ballots] = []
    beats: list[Beat] = []
    roomvote_seconds = 0.0
    with (
        postgres_database(args.postgres, "plenum_bench_meetings_") as url,
        tempfile.TemporaryDirectory(prefix="plenum-bench-meetings-") as tmp,
    ):
        data = prepare(url)
        print(f"  data built in {data.seconds:.0f} s", file=sys.stderr)
        errors: list[str] = []
        for part in parts:
            if part == "heartbeat":
                beats = heartbeat(url, data)
                continue
            if part == "roomvote":
                began = time.perf_counter()
                rounds, logged = roomvote(url, Path(tmp), data, args)
                roomvote_seconds = time.perf_counter() - began
                errors += logged
                continue
            meeting_id = new_meeting(url, data.office_id, f"Landesmitgliederversammlung ({part})")
            count = 2 if part == "fanout2" else 1
            servers = [AppServer(url, Path(tmp), f"app{n + 1}") for n in range(count)]
            try:
                for server in servers:
                    server.__enter__()
                found, used = run_async(run_part(part, servers, meeting_id, data, args))
            finally:
                for server in servers:
                    server.__exit__()
            fanouts += found
            resources[part] = used
            for server in servers:
                errors += [f"{part} {server.name}: {line}" for line in server.errors()]
    print(f"Plenum meetings ({', '.join(parts)})  {started:%Y-%m-%d %H:%M} UTC  {note}")
    print(
        f"data: {len(data.viewer_ids)} viewers and {len(data.speaker_ids)} speakers, members of"
        f" NRW chapters, each with a session; built in {data.seconds:.0f} s"
    )
    passed = True
    if fanouts:
        passed &= report(fanouts, resources, args)
    if "roomvote" in parts:
        passed &= report_roomvote(rounds, args, roomvote_seconds)
    if "heartbeat" in parts:
        passed &= report_heartbeat(beats)
    if errors:
        passed = False
        print(f"FAIL  the app processes logged {len(errors)} errors, e.g.:")
        for line in errors[:10]:
            print(f"      {line}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
