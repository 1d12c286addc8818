"""The live room's updates over real Server-Sent-Event connections.

- on both databases: a member's request to speak reaches a live room opened by another
  member, as an ``event: speakers`` with the new list, within a second;
- the pushed HTML is the same for everyone: it carries no member's CSRF token;
- on PostgreSQL: two ``plenum serve`` processes on one database; a change made through
  one reaches a live room opened on the other (``NOTIFY`` and each process's listener).
"""

from __future__ import annotations

import queue as queues
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx2
import pytest

from plenum.app import create_app
from plenum.clock import utcnow
from plenum.meetings import agenda
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting, place
from tests.support.processes import app_process
from tests.support.served import served
from tests.support.web import enrol, log_in_as, token

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="720001"
    ),
    "mia": claims("mia", name="Mia Mitglied", number="720002"),
    "olga": claims("olga", name="Olga Online", number="720003"),
}


@pytest.fixture
def room(session, settings):
    org = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    meeting = make_meeting(
        session, org.state, None, people["gina"], starts=utcnow() + timedelta(hours=1)
    )
    at = place(session, meeting)
    item = agenda.add_item(
        at, agenda.parse_item({"title": "Aussprache", "kind": "discussion"}, []), session=session
    )
    agenda.make_current(at, item, session=session)
    session.commit()
    return meeting


def cookies_of(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    csrf = token(client)
    return dict(client.cookies.items()), csrf


@contextmanager
def listening(url: str, cookies: dict[str, str]) -> Iterator[queues.Queue[tuple[str, str]]]:
    """Open the live room's stream; yields a queue of (event, data) as they arrive."""
    heard: queues.Queue[tuple[str, str]] = queues.Queue()
    opened = threading.Event()
    stop = threading.Event()

    def read() -> None:
        client = httpx2.Client(cookies=cookies, timeout=30)
        with client, client.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            name, data = "", []
            for line in response.iter_lines():
                opened.set()
                if stop.is_set():
                    return
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and name:
                    heard.put((name, "\n".join(data)))
                    name, data = "", []

    def read_until_stopped() -> None:
        try:
            read()
        except httpx2.HTTPError:
            if not stop.is_set():  # the server going away after the test is no failure
                raise

    reader = threading.Thread(target=read_until_stopped, daemon=True)
    reader.start()
    assert opened.wait(10), "the stream did not open"
    try:
        yield heard
    finally:
        stop.set()
        reader.join(timeout=1)


def wait_for_event(heard, name: str, seconds: float, holding: str = "") -> tuple[str, float]:
    """The first ``name`` event whose data holds ``holding``, and how long it took."""
    start = time.monotonic()
    while True:
        left = seconds - (time.monotonic() - start)
        assert left > 0, f"no {name} event with {holding!r} within {seconds} s"
        event, data = heard.get(timeout=left)
        if event == name and holding in data:
            return data, time.monotonic() - start


def ask_to_speak(base_url: str, meeting_id: int, cookies, csrf) -> None:
    with httpx2.Client(cookies=cookies, timeout=30) as client:
        response = client.post(
            f"{base_url}/meetings/{meeting_id}/live/speak",
            data={"kind": "speech", "csrf_token": csrf},
        )
    assert response.status_code == 303, response.text


def test_a_request_to_speak_reaches_an_open_live_room_within_a_second(
    client, provider, settings, room
):
    olga, _ = cookies_of(client, provider, "olga")
    mia, mia_csrf = cookies_of(client, provider, "mia")
    with served(lambda url: create_app(settings.with_changes(base_url=url))) as base_url:
        stream = f"{base_url}/meetings/{room.id}/live/stream"
        with listening(stream, olga) as heard:
            # on opening, the stream sends the regions as they are (a reconnect catches up)
            first, _ = wait_for_event(heard, "speakers", 5)
            assert "Mia Mitglied" not in first
            ask_to_speak(base_url, room.id, mia, mia_csrf)
            data, took = wait_for_event(heard, "speakers", 5, holding="Mia Mitglied")
    assert "Mia Mitglied" in data
    assert took < 1.0, f"the update took {took:.2f} s"
    assert mia_csrf not in data
    assert "csrf" not in data


def test_someone_outside_the_audience_cannot_open_the_stream(client, provider, settings, room):
    sam = claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="720009")
    log_in_as(client, provider, "sam", sam)
    assert client.get(f"/meetings/{room.id}/live/stream").status_code == 404
    client.cookies.clear()
    assert client.get(f"/meetings/{room.id}/live/stream").status_code in (302, 303, 307)


@pytest.mark.postgres_only
def test_a_change_through_one_app_process_reaches_a_live_room_on_another(
    client, provider, settings, room
):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("two app processes share one database only on PostgreSQL")
    olga, _ = cookies_of(client, provider, "olga")
    mia, mia_csrf = cookies_of(client, provider, "mia")
    env = {
        "PLENUM_ENV": "test",
        "PLENUM_DATABASE_URL": settings.database_url,
        "PLENUM_SECRET_KEY": settings.secret_key,
        "PLENUM_BASE_URL": "http://127.0.0.1",
        "PLENUM_OIDC_ISSUER": provider.url,
        "PLENUM_OIDC_CLIENT_ID": "plenum-test",
        "PLENUM_OIDC_CLIENT_SECRET": "plenum-test-secret",
        "PLENUM_LOG_LEVEL": "WARNING",
    }
    with (
        app_process(env) as (_one, first),
        app_process(env) as (_two, second),
        listening(f"{first}/meetings/{room.id}/live/stream", olga) as heard,
    ):
        wait_for_event(heard, "speakers", 5)  # the stream is open and caught up
        ask_to_speak(second, room.id, mia, mia_csrf)
        data, took = wait_for_event(heard, "speakers", 5, holding="Mia Mitglied")
    assert "Mia Mitglied" in data
    assert took < 1.0, f"the update took {took:.2f} s"
