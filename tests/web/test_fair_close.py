"""The close is fair: a ballot whose request reached the server before the chair's close
is counted, however long it then waits to be written; one that arrives after the close
is refused with a clear message. Through HTTP against the app under a real uvicorn, on
SQLite and PostgreSQL (``--db``); not timed.

The ballot box is slowed down (each batch waits 0.3 s before it is written), so that
when the close arrives, most ballots sent before it are still queued in the box: the
situation of a burst in which the chair presses "close". Which requests arrived before
the close is not guessed from the order they were sent: the app's own arrival stamps
(``web.arrivals``) are recorded and the answers checked against them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2
import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import insert
from sqlmodel import select
from starlette.types import ASGIApp, Receive, Scope, Send

from plenum.app import create_app
from plenum.auth.models import MemberSession
from plenum.clock import as_utc, utcnow
from plenum.db import Database
from plenum.settings import Settings
from plenum.votes import results, roll
from plenum.votes.box import BallotBox
from plenum.votes.models import Ballot, Vote, VoteCast, VoteStatus
from plenum.web.session import COOKIE_NAME
from tests.support.served import served
from tests.web.test_vote_concurrency import Convention, build_convention, new_vote, session_of

BEFORE, AFTER = 40, 20  # ballots sent before the close, and after it arrived
CLOSED_ANSWERS = (  # refused while the count is waiting, or after it
    "This vote has been closed. Your ballot was not counted.",
    roll.STANDING_MESSAGES[roll.Standing.NOT_OPEN],
)


@dataclass
class Arrival:
    path: str
    member_id: int
    arrived: datetime


class Recorder:
    """Inside the app: each request's arrival stamp as the app gave it, by member."""

    def __init__(self, app: ASGIApp, *, into: list[Arrival], secret: str) -> None:
        self.app, self.into = app, into
        self.serializer = URLSafeSerializer(secret, salt="plenum.session")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            self.into.append(Arrival(scope["path"], self._member(scope), scope["arrived"]))
        await self.app(scope, receive, send)

    def _member(self, scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"cookie":
                raw = value.decode().partition(f"{COOKIE_NAME}=")[2].partition(";")[0]
                return int(self.serializer.loads(raw)["member_id"])
        return 0


def cookie(settings: Settings, member_id: int, session_id: str, csrf: str) -> dict[str, str]:
    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": session_id, "member_id": member_id, "csrf": csrf}
    data["locale"] = "en"
    value = URLSafeSerializer(settings.secret_key, salt="plenum.session").dumps(data)
    return {COOKIE_NAME: value}


@pytest.fixture
def convention(database: Database) -> Convention:
    return build_convention(database)


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.005)


def test_the_close_counts_every_ballot_that_arrived_before_it_and_refuses_the_rest(
    database: Database, convention: Convention, settings: Settings, monkeypatch: Any
) -> None:
    vote_id, options = new_vote(database, convention, mode="secret")
    with database.session() as session:
        session.execute(
            insert(MemberSession),
            [{"id": "test-session-staff", "member_id": convention.staff, "created_at": utcnow()}],
        )
        session.commit()
    real = BallotBox._store

    def slow(self: BallotBox, *args: Any) -> Any:
        time.sleep(0.3)
        return real(self, *args)

    monkeypatch.setattr(BallotBox, "_store", slow)
    arrivals: list[Arrival] = []
    app = create_app(settings)
    app.add_middleware(Recorder, into=arrivals, secret=settings.secret_key)
    answers: dict[int, httpx2.Response] = {}
    closing: list[httpx2.Response] = []
    lock = threading.Lock()

    def cast(base: str, member_id: int, *, htmx: bool) -> None:
        jar = cookie(settings, member_id, session_of(member_id), "t" * 20)
        headers = {"HX-Request": "true", "HX-Target": "ballot"} if htmx else {}
        choice = options["yes"] if member_id % 2 else options["no"]
        with httpx2.Client(cookies=jar, timeout=60) as client:
            response = client.post(
                f"{base}/votes/{vote_id}/cast",
                data={"csrf_token": "t" * 20, "choice": str(choice)},
                headers=headers,
            )
        with lock:
            answers[member_id] = response

    def close(base: str) -> None:
        jar = cookie(settings, convention.staff, "test-session-staff", "s" * 20)
        with httpx2.Client(cookies=jar, timeout=60) as client:
            closing.append(
                client.post(f"{base}/votes/{vote_id}/close", data={"csrf_token": "s" * 20})
            )

    def run_all(targets: list[Callable[[], None]]) -> list[threading.Thread]:
        threads = [threading.Thread(target=target) for target in targets]
        for thread in threads:
            thread.start()
        return threads

    early, late = convention.delegates[:BEFORE], convention.delegates[BEFORE : BEFORE + AFTER]
    cast_path = f"/votes/{vote_id}/cast"
    with served(lambda _url: app) as base:
        threads = run_all(
            [lambda m=m: cast(base, m, htmx=m % 3 != 0) for m in early]  # some plain forms
        )
        wait_until(lambda: sum(a.path == cast_path for a in arrivals) == BEFORE)
        threads += run_all([lambda: close(base)])
        wait_until(lambda: any(a.path.endswith("/close") for a in arrivals))
        threads += run_all([lambda m=m: cast(base, m, htmx=m % 3 != 0) for m in late])
        for thread in threads:
            thread.join(timeout=60)

    (closed,) = closing
    assert closed.status_code == 303, closed.text
    (close_arrival,) = [a.arrived for a in arrivals if a.path.endswith("/close")]
    arrived = {a.member_id: a.arrived for a in arrivals if a.path == cast_path}
    before = {m for m, stamp in arrived.items() if stamp < close_arrival}
    after = set(arrived) - before
    assert before == set(early)  # as sent: the test waited for each group's arrival
    assert after == set(late)

    for member_id in before:
        answer = answers[member_id]
        assert answer.status_code == 200, (member_id, answer.status_code, answer.text[:300])
        assert "tracker" in answer.text
    for member_id in after:
        answer = answers[member_id]
        assert answer.status_code == 409, (member_id, answer.status_code)
        assert any(text in answer.text for text in CLOSED_ANSWERS), answer.text

    with database.session() as session:
        vote = session.get(Vote, vote_id)
        assert vote is not None
        assert vote.status == VoteStatus.CLOSED
        assert as_utc(vote.closed_at or utcnow()) == close_arrival
        found = results.result_of(vote)
        assert found is not None
        ballots = session.exec(select(Ballot).where(Ballot.vote_id == vote_id)).all()
        casts = session.exec(select(VoteCast).where(VoteCast.vote_id == vote_id)).all()
        assert found.ballots == vote.turnout == len(ballots) == len(casts) == BEFORE
        assert {c.member_id for c in casts} == before
        yes = sum(1 for m in before if m % 2)
        assert found.totals[options["yes"]] == yes
        assert found.totals[options["no"]] == BEFORE - yes
