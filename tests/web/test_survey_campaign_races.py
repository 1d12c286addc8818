"""Twenty callers ask for their next member at one instant: twenty distinct members, one
each, never a 500; one caller asking twenty times at once still holds one member.

As ``test_races``: the app runs under a real uvicorn on loopback with its request threads;
each racer is its own HTTP connection, released by a barrier. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from sqlmodel import Session, col, select

from plenum.app import create_app
from plenum.settings import Settings
from plenum.surveys import campaign, service
from plenum.surveys.models import CallListEntry
from tests.support.factories import claims, structure
from tests.support.served import race, served
from tests.support.surveys import make_survey, place, question, section
from tests.support.web import enrol, log_in_as, token

RACERS = 20
CALLERS = {f"caller{n}": claims(f"caller{n}", number=f"77{n:04d}") for n in range(RACERS)}
CALLED = {
    f"called{n}": {**claims(f"called{n}", number=f"78{n:04d}"), "phone_number": f"0221 {n}"}
    for n in range(RACERS + 5)
}
GINA = claims("gina", groups=("lv-nrw-geschaeftsstelle",), number="779999")


@pytest.fixture
def survey_id(session: Session, settings: Settings) -> int:
    org = structure(session)
    gina = enrol(session, settings, "gina", GINA)
    callers = [enrol(session, settings, name, values) for name, values in CALLERS.items()]
    for name, values in CALLED.items():
        enrol(session, settings, name, values)
    survey = make_survey(session, org.state, gina)
    question(session, survey, section(session, survey), "text", "Was wünschst du dir?")
    at = place(session, survey)
    service.open_survey(at, session=session)
    found = campaign.create_campaign(at, "Hallo!", actor=gina, session=session)
    for caller in callers:
        campaign.add_caller(at, found, caller, session=session)
    session.commit()
    return survey.id or 0


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with served(lambda url: create_app(settings.with_changes(base_url=url))) as url:
        yield url


def logged_in(client: Any, provider: Any, name: str) -> tuple[dict[str, str], str]:
    log_in_as(client, provider, name, CALLERS[name])
    csrf = token(client)
    return dict(client.cookies.items()), csrf


def claims_now(session: Session) -> list[CallListEntry]:
    session.rollback()
    session.expire_all()
    held = select(CallListEntry).where(col(CallListEntry.caller_id).is_not(None))
    return list(session.exec(held).all())


def test_twenty_callers_at_once_get_twenty_distinct_members(
    client, provider, session, survey_id, base_url
):
    racers = [logged_in(client, provider, name) for name in CALLERS]
    barrier = threading.Barrier(RACERS)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def one(cookies: dict[str, str], csrf: str) -> None:
        with httpx2.Client(cookies=cookies, timeout=60, follow_redirects=False) as http:
            barrier.wait(timeout=30)
            answer = http.post(
                f"{base_url}/surveys/{survey_id}/calls/next", data={"csrf_token": csrf}
            )
        with lock:
            statuses[answer.status_code] += 1

    threads = [threading.Thread(target=one, args=racer) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == {303: RACERS}
    held = claims_now(session)
    assert len(held) == RACERS
    assert len({c.member_id for c in held}) == RACERS
    assert len({c.caller_id for c in held}) == RACERS


def test_one_caller_asking_twenty_times_at_once_holds_one_member(
    client, provider, session, survey_id, base_url
):
    cookies, csrf = logged_in(client, provider, "caller0")
    path = f"{base_url}/surveys/{survey_id}/calls/next"

    def send(http: httpx2.Client) -> httpx2.Response:
        return http.post(path, data={"csrf_token": csrf})

    statuses = Counter(r.status_code for r in race(RACERS, send, cookies=cookies))
    assert statuses == {303: RACERS}
    assert len(claims_now(session)) == 1
