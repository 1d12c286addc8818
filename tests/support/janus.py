"""A real Janus (Debian's ``janus``) on free loopback ports, and a stand-in for Plenum's
event receiver collecting what Janus's event handler posts.

    def test_something(janus: JanusProcess, janus_events: EventSink) -> None:
        api = JanusApi(janus.config.api_url)
        session = api.create_session()
        ...
        janus_events.wait_for(lambda e: e["type"] == 1 and e["session_id"] == session)

The fixtures are session-scoped: one Janus for the whole run, its events going to one
sink (pick your own events by session id). They are defined as ``janus_fixture`` and
``janus_events_fixture`` and register as ``janus`` and ``janus_events`` in a test module
that imports them (``# noqa: F401``), or everywhere once tests/conftest.py has
``pytest_plugins = ["tests.support.janus"]``. Without ``janus`` installed the tests are skipped, unless
PLENUM_TEST_REQUIRE_JANUS=1 (as in CI): then they fail.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest

from plenum.video.janus_server import EVENT_USER, JanusConfig, JanusProcess, installed
from tests.support.processes import free_port

Event = dict[str, Any]


def missing(message: str) -> None:
    """Skip, or fail when PLENUM_TEST_REQUIRE_JANUS=1."""
    if os.environ.get("PLENUM_TEST_REQUIRE_JANUS") == "1":
        pytest.fail(f"{message} (PLENUM_TEST_REQUIRE_JANUS=1)")
    pytest.skip(message)


def janus_config(workdir: Path, sink: EventSink | None = None, **changes: Any) -> JanusConfig:
    """A configuration on free loopback ports, posting its events to ``sink``, if any."""
    values: dict[str, Any] = {
        "workdir": workdir,
        "http_port": free_port(),
        "admin_port": free_port(),
        "admin_secret": secrets.token_urlsafe(16),
        "events_url": sink.url if sink else "",
        "events_secret": sink.secret if sink else "",
    }
    return JanusConfig(**(values | changes))


@dataclass
class EventSink:
    """What Janus's event handler posted: ``posts`` as they came (parsed JSON bodies),
    ``events`` one by one; ``refused`` counts posts without the right basic auth."""

    url: str
    secret: str
    posts: list[Any] = field(default_factory=list)
    refused: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def events(self) -> list[Event]:
        with self.arrived:
            return self._events()

    def _events(self) -> list[Event]:
        return [
            event for post in self.posts for event in (post if isinstance(post, list) else [post])
        ]

    def wait_for(self, wanted: Callable[[Event], bool], seconds: float = 10.0) -> Event:
        """The first event ``wanted`` picks, waiting for it to arrive."""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while not (found := [event for event in self._events() if wanted(event)]):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such event in {seconds:g} s among {self._events()}")
                self.arrived.wait(left)
            return found[0]

    def receive(self, authorization: str, body: bytes) -> bool:
        expected = base64.b64encode(f"{EVENT_USER}:{self.secret}".encode()).decode()
        with self.arrived:
            if not secrets.compare_digest(authorization, f"Basic {expected}"):
                self.refused += 1
                return False
            self.posts.append(json.loads(body))
            self.arrived.notify_all()
        return True


class _SinkServer(ThreadingHTTPServer):
    sink: EventSink


class _Receiver(BaseHTTPRequestHandler):
    server: _SinkServer
    protocol_version = "HTTP/1.1"  # so that curl's "Expect: 100-continue" is answered at once

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        accepted = self.server.sink.receive(self.headers.get("Authorization", ""), body)
        self.send_response(200 if accepted else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet


@contextmanager
def event_sink(secret: str | None = None) -> Iterator[EventSink]:
    """A loopback HTTP server on a free port taking the event handler's posts."""
    server = _SinkServer(("127.0.0.1", 0), _Receiver)
    port = server.server_address[1]
    server.sink = EventSink(
        f"http://127.0.0.1:{port}/janus-events", secret or secrets.token_urlsafe(16)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class JanusApi:
    """The few Janus API calls the tests make, over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx2.post(
            self.url + path, json={**body, "transaction": secrets.token_hex(6)}, timeout=10
        )
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data

    def create_session(self) -> int:
        return int(self.post("", {"janus": "create"})["data"]["id"])

    def attach(self, session: int, plugin: str) -> int:
        return int(self.post(f"/{session}", {"janus": "attach", "plugin": plugin})["data"]["id"])

    def message(self, session: int, handle: int, body: dict[str, Any]) -> dict[str, Any]:
        return self.post(f"/{session}/{handle}", {"janus": "message", "body": body})

    def detach(self, session: int, handle: int) -> dict[str, Any]:
        return self.post(f"/{session}/{handle}", {"janus": "detach"})

    def destroy(self, session: int) -> dict[str, Any]:
        return self.post(f"/{session}", {"janus": "destroy"})

    def poll(self, session: int) -> list[dict[str, Any]]:
        """Events waiting for the session (a long poll of up to 30 s, maxev=10)."""
        answer = httpx2.get(f"{self.url}/{session}", params={"maxev": 10}, timeout=40)
        answer.raise_for_status()
        data = answer.json()
        return data if isinstance(data, list) else [data]


@pytest.fixture(scope="session", name="janus_events")
def janus_events_fixture() -> Iterator[EventSink]:
    """Where the session's Janus posts its events."""
    with event_sink() as sink:
        yield sink


@pytest.fixture(scope="session", name="janus")
def janus_fixture(
    tmp_path_factory: pytest.TempPathFactory, janus_events: EventSink
) -> Iterator[JanusProcess]:
    """A running Janus for the whole test session; its settings in ``janus.config``."""
    if not installed():
        missing("janus not installed (apt-get install janus): Janus tests skipped")
    config = janus_config(tmp_path_factory.mktemp("janus"), janus_events)
    with JanusProcess().start(config) as process:
        yield process
