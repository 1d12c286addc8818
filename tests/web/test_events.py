"""Domain events after the commit, across processes, and the mail sender they wake.

- an announced event is delivered once its transaction commits, and never when it is
  rolled back (both databases);
- on PostgreSQL every event goes out through ``NOTIFY``: two separate processes, each
  with its one listener, both receive an event committed by a third;
- the clock process (``plenum schedule``, a real process) sends a mail queued by a request
  within seconds, woken by ``NOTIFY`` on PostgreSQL (it would otherwise look only every
  minute) and by its short poll on SQLite;
- a relay that answers slowly never slows the page that queued the mail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from plenum import events
from plenum.db import Database
from plenum.discuss.models import Comment
from plenum.orgs.models import Member
from plenum.settings import Settings
from tests.support.discuss import topic
from tests.support.factories import claims, structure
from tests.support.smtp import smtp_server
from tests.support.web import enrol, log_in_as, post

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {
    "ada": claims("ada", name="Ada Antrag", number="480001"),
    "bea": claims("bea", name="Bea Beispiel", number="480002"),
}


def test_an_event_is_heard_after_the_commit_and_never_after_a_rollback(database: Database):
    heard: list[events.Event] = []
    done = threading.Event()

    def hear(event: events.Event) -> None:
        heard.append(event)
        done.set()

    unsubscribe = events.bus.subscribe("test.happened", hear)
    listener = None
    if not database.is_sqlite:
        listener = events.Listener(events.psycopg_dsn(database.url))
        listener.start()
    try:
        with database.session() as session:
            session.connection()
            events.announce(session, "test.happened", n=1)
            assert heard == []  # not before the commit
            session.rollback()
            events.announce(session, "test.happened", n=2)
            session.commit()
        assert done.wait(10)
        time.sleep(0.3)  # anything else that might arrive late
        assert [e.data for e in heard] == [{"n": 2}]
    finally:
        unsubscribe()
        if listener is not None:
            listener.stop()


LISTENING = """
import sys, time
from plenum import events
seen = []
events.bus.subscribe(events.ALL, lambda e: (print(e.name, dict(e.data), flush=True)))
listener = events.Listener(sys.argv[1])
listener.start()
print("listening", flush=True)
time.sleep(30)
"""


@contextmanager
def listening_process(dsn: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", LISTENING, dsn],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"},
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "listening"
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def test_every_process_hears_every_instances_events_through_notify(database: Database):
    if database.is_sqlite:
        pytest.skip("NOTIFY is PostgreSQL's; on SQLite there is one process")
    dsn = events.psycopg_dsn(database.url)
    with listening_process(dsn) as first, listening_process(dsn) as second:
        with database.session() as session:
            session.connection()
            events.announce(session, "motion.published", motion_id=7)
            session.commit()
        for process in (first, second):
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "motion.published {'motion_id': 7}"


@pytest.fixture
def people(session, settings):
    org = structure(session)
    found = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org, found


@contextmanager
def clock_process(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """``plenum schedule`` as operators run it, on the test's database and relay."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        "PLENUM_ENV": "test",
        "PLENUM_DATABASE_URL": settings.database_url,
        "PLENUM_SECRET_KEY": settings.secret_key,
        "PLENUM_BASE_URL": settings.base_url,
        "PLENUM_OIDC_ISSUER": settings.oidc_issuer,
        "PLENUM_SMTP_HOST": settings.smtp_host,
        "PLENUM_SMTP_PORT": str(settings.smtp_port),
        "PLENUM_SMTP_SECURITY": "none",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "plenum.cli", "schedule", "--hour", "23"], env=env
    )
    try:
        time.sleep(2)  # connected and listening
        assert process.poll() is None
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def followed_thread(session, people) -> Any:
    """Ada's topic; Ada wants an e-mail at once for every reply."""
    org, found = people
    thread = topic(session, org.county, found["ada"], title="Kita-Plätze")
    ada = session.get(Member, found["ada"])
    ada.delivery = "immediate"
    session.add(ada)
    session.commit()
    return thread


def test_the_clock_process_sends_a_queued_mail_within_seconds(
    client, provider, session, settings, people
):
    thread = followed_thread(session, people)
    with smtp_server() as inbox, clock_process(settings.with_changes(**inbox.settings())):
        log_in_as(client, provider, "bea", PEOPLE["bea"])
        path = f"/threads/{thread.id}/comments"
        posted = post(client, path, {"body": "Ich kümmere mich.", "key": "k" * 20})
        assert posted.status_code == 303
        deadline = time.monotonic() + 15  # PostgreSQL: NOTIFY; SQLite: a 5-second poll
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [m["To"] for m in inbox.messages] == ["ada@example.invalid"]


@contextmanager
def slow_relay(seconds: float) -> Iterator[tuple[str, int]]:
    """A relay that accepts connections and says nothing for ``seconds``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        held: list[socket.socket] = []
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            held.append(connection)
        for connection in held:
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def test_a_slow_relay_never_slows_the_page_that_queued_the_mail(
    client, provider, session, settings, people
):
    thread = followed_thread(session, people)
    with slow_relay(30) as (host, port):
        relayed = settings.with_changes(smtp_host=host, smtp_port=port, smtp_security="none")
        client.app.state.settings = relayed
        log_in_as(client, provider, "bea", PEOPLE["bea"])
        path = f"/threads/{thread.id}/comments"
        started = time.monotonic()
        posted = post(client, path, {"body": "Schnell da.", "key": "s" * 20})
        assert posted.status_code == 303
        assert time.monotonic() - started < 2.0
    stored = session.exec(select(Comment).where(Comment.body == "Schnell da.")).one()
    assert stored.thread_id == thread.id
