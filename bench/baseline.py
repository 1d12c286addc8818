"""Plenum against a bare Starlette app: requests/s and p50/p95 latency, and their ratio.

Serves each app with uvicorn (one worker, its own process, on a free loopback port) and
drives them one at a time with concurrent keep-alive requests from an asyncio + httpx2
client, in alternating rounds so that drift on a shared machine hits both alike; then
prints one table. Absolute figures drift from machine to machine and run to run; the
ratio Plenum/baseline within one run is the figure to watch.

    .venv/bin/python bench/baseline.py [--requests 3000] [--concurrency 32] [--rounds 4]

Scenarios (the same paths on both apps):

* ``home``     - ``/`` for a logged-out first-time visitor (no cookie): the full layout.
* ``chapters`` - ``/chapters`` logged in as the demo member "mitglied": the chapter tree.
* ``healthz``  - ``/healthz``: a JSON answer after a ``SELECT 1``.

The baseline is Starlette with no middleware, rendering Jinja2 templates of the same
shape (header, nav, main with a list, footer, a fresh token in a meta tag) and, for
``chapters`` and ``healthz``, reading the same SQLite file with the stdlib ``sqlite3``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx2

from common import open_sessions, stop, wait_until_healthy

HOST = "127.0.0.1"
SECRET = "bench-secret-not-for-production"  # noqa: S105 - a throwaway key for a local run
MEMBER_LOGIN = "mitglied"
START_SECONDS = 30.0


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    logged_in: bool


SCENARIOS = (
    Scenario("home", "/", logged_in=False),
    Scenario("chapters", "/chapters", logged_in=True),
    Scenario("healthz", "/healthz", logged_in=False),
)


# --- the baseline app ---------------------------------------------------------------------

BASE_TEMPLATE = """<!doctype html>
<html lang="{{ locale }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="csrf-token" content="{{ token }}">
  <title>{% block title %}{% endblock %} · Plenum</title>
  <link rel="stylesheet" href="/static/css/plenum.css">
  <script src="/static/vendor/htmx.min.js" defer></script>
  <script src="/static/js/plenum.js" defer></script>
</head>
<body hx-boost="true">
  <a class="skip-link" href="#main">Zum Inhalt springen</a>
  <header class="site-header">
    <div class="wrap header-row">
      <a class="brand" href="/">Plenum</a>
      <nav aria-label="Hauptnavigation">
        <ul class="nav-list">
          {% for href, label in nav %}<li><a href="{{ href }}">{{ label }}</a></li>{% endfor %}
        </ul>
      </nav>
      <div class="account">
        {% if member %}
        <span class="who">{{ member }}</span>
        <form method="post" action="/logout" hx-boost="false">
          <input type="hidden" name="csrf_token" value="{{ token }}">
          <button type="submit" class="button-link">Abmelden</button>
        </form>
        {% else %}
        <a class="button" href="/login?next={{ path | urlencode }}" hx-boost="false">Anmelden</a>
        {% endif %}
      </div>
    </div>
  </header>
  <main id="main" class="wrap" tabindex="-1">
    {% block content %}{% endblock %}
  </main>
  <footer class="site-footer">
    <div class="wrap footer-row">
      <form method="post" action="/language" class="language-form">
        <input type="hidden" name="csrf_token" value="{{ token }}">
        <input type="hidden" name="next" value="{{ path }}">
        <label for="language-select">Sprache</label>
        <select id="language-select" name="locale">
          {% for code, label in locales.items() %}
          <option value="{{ code }}" lang="{{ code }}"
            {%- if code == locale %} selected{% endif %}>{{ label }}</option>
          {% endfor %}
        </select>
        <button type="submit">Sprache wechseln</button>
      </form>
      <p class="footnote">Plenum speichert die Daten der Mitglieder auf den Servern der Partei.</p>
    </div>
  </footer>
</body>
</html>
"""

HOME_TEMPLATE = """{% extends "base.html" %}
{% block title %}Willkommen{% endblock %}
{% block content %}
<h1>Willkommen bei Plenum</h1>
<p class="lead">Plenum ist der Ort, an dem Mitglieder Anträge stellen und ändern, diskutieren,
sich treffen und abstimmen, zu jeder Stunde, die ihnen passt.</p>
<ul class="features">{% for item in features %}<li>{{ item }}</li>{% endfor %}</ul>
<p><a class="button" href="/login" hx-boost="false">Mit dem Parteikonto anmelden</a></p>
{% endblock %}
"""

CHAPTERS_TEMPLATE = """{% extends "base.html" %}
{% block title %}Gliederungen{% endblock %}
{% block content %}
<h1>Gliederungen</h1>
<p class="lead">Die Gliederungen und Arbeitsgemeinschaften der Partei, vom Bund abwärts.</p>
<ul class="tree">
  {% for row in rows %}
  <li class="depth-{{ row.depth }}">
    <a href="/chapters/{{ row.key | urlencode }}">{{ row.name }}</a>
    <span class="muted">{{ kinds.get(row.kind, row.kind) }}</span>
  </li>
  {% endfor %}
</ul>
{% endblock %}
"""

LOCALES = {"de": "Deutsch", "en": "English"}
KINDS = {
    "federal": "Bundesverband",
    "state": "Landesverband",
    "county": "Kreisverband",
    "local": "Ortsverband",
    "working_group": "Arbeitsgemeinschaft",
}
FEATURES = ("Anträge", "Diskussionen", "Sitzungen", "Abstimmungen")


def bare_app(database_path: str) -> Any:
    """Starlette with no middleware; Jinja2 renders each page per request."""
    from jinja2 import DictLoader, Environment, select_autoescape
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    env = Environment(
        loader=DictLoader(
            {
                "base.html": BASE_TEMPLATE,
                "home.html": HOME_TEMPLATE,
                "chapters.html": CHAPTERS_TEMPLATE,
            }
        ),
        autoescape=select_autoescape(default=True),
    )
    local = threading.local()

    def connection() -> sqlite3.Connection:
        # One connection per threadpool thread, as a pool would hand out.
        if not hasattr(local, "connection"):
            local.connection = sqlite3.connect(database_path)
        conn: sqlite3.Connection = local.connection
        return conn

    def render(request: Request, name: str, **context: Any) -> Response:
        page = env.get_template(name).render(
            locale="de",
            locales=LOCALES,
            token=secrets.token_urlsafe(32),
            path=request.url.path,
            **context,
        )
        return HTMLResponse(page)

    def home(request: Request) -> Response:
        return render(request, "home.html", nav=[], member=None, features=FEATURES)

    def chapters(request: Request) -> Response:
        found = connection().execute("SELECT id, key, name, kind, parent_id FROM chapter")
        children: dict[int | None, list[tuple[Any, ...]]] = {}
        for row in found.fetchall():
            children.setdefault(row[4], []).append(row)
        rows: list[dict[str, Any]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for row in sorted(children.get(parent_id, []), key=lambda r: r[2]):
                rows.append({"key": row[1], "name": row[2], "kind": row[3], "depth": depth})
                walk(row[0], depth + 1)

        walk(None, 0)
        nav = [("/", "Was mich braucht"), ("/chapters", "Gliederungen"), ("/me", "Meine Daten")]
        return render(
            request, "chapters.html", nav=nav, member="Anna Berger", rows=rows, kinds=KINDS
        )

    def healthz(_request: Request) -> Response:
        ok = connection().execute("SELECT 1").fetchone() == (1,)
        return JSONResponse({"status": "ok" if ok else "error", "database": ok})

    return Starlette(
        routes=[Route("/", home), Route("/chapters", chapters), Route("/healthz", healthz)]
    )


def plenum_app(database_url: str, port: int) -> Any:
    from plenum import demo
    from plenum.app import create_app
    from plenum.settings import Settings

    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key=SECRET,
        base_url=f"http://{HOST}:{port}",
        log_level="WARNING",
    )
    return create_app(demo.demo_settings(settings))


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.serve == "plenum":
        app = plenum_app(f"sqlite:///{args.database}", args.port)
    else:
        app = bare_app(args.database)
    uvicorn.run(app, host=HOST, port=args.port, log_level="warning", access_log=False)
    return 0


# --- set-up -------------------------------------------------------------------------------


def prepare_database(database: Path) -> int:
    """Migrate a fresh SQLite file, load the demo and return the demo member's id."""
    from sqlmodel import select

    from plenum import demo
    from plenum.db import Database
    from plenum.migrate import upgrade
    from plenum.orgs.models import Member
    from plenum.settings import Settings

    url = f"sqlite:///{database}"
    upgrade(url)
    settings = demo.demo_settings(Settings(env="test", database_url=url, secret_key=SECRET))
    db = Database(url)
    try:
        with db.session() as session:
            demo.load(settings, session=session)
            session.commit()
            member = session.exec(select(Member).where(Member.subject == MEMBER_LOGIN)).one()
            assert member.id is not None
            return member.id
    finally:
        db.dispose()


def session_cookie(member_id: int) -> str:
    """A logged-in session cookie, signed as Plenum's session middleware signs it."""
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import COOKIE_NAME

    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": f"bench-{member_id}", "member_id": member_id}
    # As a browser holds it after the first page: with the session's CSRF token (without
    # it, every answer would sign and send a new cookie, which a browser does only once).
    data["csrf"] = secrets.token_urlsafe(32)
    value = URLSafeSerializer(SECRET, salt="plenum.session").dumps(data)
    return f"{COOKIE_NAME}={value}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """One app under uvicorn in a child process, stopped on exit."""

    def __init__(self, kind: str, database: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        command = [sys.executable, __file__, "--serve", kind, "--port", str(self.port)]
        command += ["--database", str(database)]
        self.process = subprocess.Popen(command)

    def __enter__(self) -> Server:
        wait_until_healthy(self.process, self.base_url, START_SECONDS)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        stop(self.process)


# --- the load -----------------------------------------------------------------------------


@dataclass
class Result:
    app: str
    scenario: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    size: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        if len(self.latencies) < 2:
            return self.p50
        return statistics.quantiles(self.latencies, n=20)[18] * 1000


async def drive(
    base_url: str,
    *,
    path: str,
    headers: dict[str, str],
    requests: int,
    concurrency: int,
    seconds: float,
) -> tuple[list[float], int, float, int]:
    """``requests`` GETs over ``concurrency`` connections, stopping early after ``seconds``."""
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # The jar accepts no cookie: every request carries only the headers given here.
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    latencies: list[float] = []
    errors = 0
    size = 0
    remaining = requests
    deadline = time.monotonic() + seconds
    async with httpx2.AsyncClient(
        base_url=base_url, limits=limits, timeout=10, cookies=jar, trust_env=False
    ) as client:

        async def worker() -> None:
            nonlocal remaining, errors, size
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                began = time.perf_counter()
                try:
                    response = await client.get(path, headers=headers)
                except httpx2.HTTPError:
                    errors += 1
                    continue
                took = time.perf_counter() - began
                if response.status_code == 200:
                    latencies.append(took)
                    size = len(response.content)
                else:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return latencies, errors, elapsed, size


def measure(
    servers: dict[str, Server], cookie: str, args: argparse.Namespace, scenarios: list[Scenario]
) -> list[Result]:
    """Each scenario in ``--rounds`` alternating slices (ABBA...), so drift hits both apps."""
    results = []
    share, extra = divmod(args.requests, args.rounds)
    for scenario in scenarios:
        headers = {"cookie": cookie} if scenario.logged_in else {}
        run = {
            "path": scenario.path,
            "headers": headers,
            "concurrency": args.concurrency,
            "seconds": args.seconds / args.rounds,
        }
        found = {app: Result(app, scenario.name, 0, 0, 0.0, [], 0) for app in servers}
        for server in servers.values():
            asyncio.run(drive(server.base_url, requests=args.warmup, **run))
        for round_number in range(args.rounds):
            order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
            count = share + (1 if round_number < extra else 0)
            for app in order:
                if count == 0:
                    continue
                latencies, errors, elapsed, size = asyncio.run(
                    drive(servers[app].base_url, requests=count, **run)
                )
                result = found[app]
                result.latencies += latencies
                result.requests += len(latencies)
                result.errors += errors
                result.seconds += elapsed
                result.size = size or result.size
        for result in found.values():
            if result.errors:
                print(f"  {result.app} {result.scenario}: {result.errors} failed", file=sys.stderr)
            results.append(result)
    return results


def report(results: list[Result], args: argparse.Namespace) -> None:
    cores = os.cpu_count()
    print(
        f"Plenum vs bare Starlette  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  "
        f"Python {platform.python_version()}  {cores} cores  "
        f"concurrency {args.concurrency}  requests {args.requests} in {args.rounds} rounds "
        f"(warm-up {args.warmup})"
    )
    header = (
        f"{'scenario':<10} {'app':<9} {'requests':>8} {'errors':>6} {'bytes':>6} "
        f"{'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    by_key = {(r.scenario, r.app): r for r in results}
    names = [s.name for s in SCENARIOS if (s.name, "plenum") in by_key]
    for name in names:
        for app in ("plenum", "baseline"):
            r = by_key[(name, app)]
            print(
                f"{name:<10} {app:<9} {r.requests:>8} {r.errors:>6} {r.size:>6} "
                f"{r.per_second:>8.0f} {r.p50:>8.1f} {r.p95:>8.1f}"
            )
    print()
    print("Plenum/baseline  req/s    p50    p95   (req/s < 1 or latency > 1: Plenum is slower)")
    for name in names:
        ours, bare = by_key[(name, "plenum")], by_key[(name, "baseline")]
        print(
            f"{name:<15} {ours.per_second / bare.per_second:>6.2f} {ours.p50 / bare.p50:>6.2f}"
            f" {ours.p95 / bare.p95:>6.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="measured requests each")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured requests first")
    parser.add_argument("--seconds", type=float, default=30, help="time limit per scenario")
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices per scenario")
    parser.add_argument(
        "--scenario", action="append", choices=[s.name for s in SCENARIOS], help="repeatable"
    )
    parser.add_argument("--serve", choices=["plenum", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args)
    if min(args.requests, args.concurrency, args.rounds) < 1 or args.seconds <= 0:
        parser.error("--requests, --concurrency, --rounds and --seconds must be positive")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    scenarios = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]

    with tempfile.TemporaryDirectory(prefix="plenum-bench-") as tmp:
        database = Path(tmp) / "bench.db"
        viewer_id = prepare_database(database)
        open_sessions(f"sqlite:///{database}", [viewer_id])
        cookie = session_cookie(viewer_id)
        # Both servers run, but only one is under load at any moment: they never compete.
        with Server("plenum", database) as plenum, Server("bare", database) as bare:
            results = measure({"plenum": plenum, "baseline": bare}, cookie, args, scenarios)
    report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
