"""The pages of long lists cost the same number of SQL statements however long they are.

A motion page with 30 amendments and a call page with 30 motions must not run more
statements than with 3: a statement per row (an N+1) would show up here first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from plenum.motions import amendments, forms
from tests.support.factories import claims, structure
from tests.support.motions import MOTION_TEXT, amend, make_call, publish, submitted_motion, who
from tests.support.web import enrol, log_in_as

PEOPLE = {
    "pia": claims("pia", name="Pia Antrag", number="430001"),
    "mia": claims("mia", name="Mia Mitglied", number="430002"),
    "max": claims("max", name="Max Mitglied", number="430003"),
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="430004"),
    "sami": claims("sami", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",)),
}
# Changes at different places of the motion, so the list has collisions and clean ones.
CHANGES = [
    ("3.000 €", "{n}.000 €"),
    ("abends Kinder", "abends ({n}) Kinder"),
    ("online zugänglich", "online ({n}) zugänglich"),
]


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def world(session, settings):
    org = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    return org, people


def published_motion(session, call, people, proposer: str = "pia"):
    return publish(session, submitted_motion(session, call, people[proposer]), people["sami"])


def with_amendments(session, motion, people, how_many: int):
    """``how_many`` amendments by alternating members; every other one published, a few
    supported, so the page shows a mix."""
    for n in range(how_many):
        old, new = CHANGES[n % len(CHANGES)]
        author = people["mia"] if n % 2 else people["max"]
        amendment = amend(session, motion, author, MOTION_TEXT.replace(old, new.format(n=n + 4)))
        if n % 2:
            ap = amendments.amendment_place(amendment.id or 0, session=session)
            amendments.transition(
                ap,
                "publish",
                forms.TransitionInput(),
                principal=who(session, people["bo"]),
                session=session,
            )
    return motion


def count_get(client, engine, path: str) -> int:
    with statements(engine) as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(seen)


@pytest.mark.parametrize("viewer", ["mia", "bo"])
def test_a_motion_page_costs_the_same_with_3_or_30_amendments(
    app, client, provider, session, world, viewer
):
    org, people = world
    call = make_call(session, org.state_convention)
    few = with_amendments(session, published_motion(session, call, people), people, 3)
    many = with_amendments(session, published_motion(session, call, people), people, 30)
    engine = app.state.database.engine

    log_in_as(client, provider, viewer, PEOPLE[viewer])
    client.get(f"/motions/{few.id}")  # warm up: the first request loads what is cached
    counts = {n: count_get(client, engine, f"/motions/{m.id}") for n, m in ((3, few), (30, many))}
    assert counts[3] == counts[30], counts


@pytest.mark.parametrize("viewer", ["mia", "bo"])
def test_a_call_page_and_its_exports_cost_the_same_with_3_or_30_motions(
    app, client, provider, session, world, viewer
):
    org, people = world
    small = make_call(session, org.state_convention, title="Klein")
    large = make_call(session, org.state_convention, title="Groß")
    proposers = ["pia", "mia", "max"]
    for n in range(3):
        motion = published_motion(session, small, people, proposers[n % 3])
        if n == 0:
            with_amendments(session, motion, people, 2)
    for n in range(30):
        motion = published_motion(session, large, people, proposers[n % 3])
        if n % 5 == 0:
            with_amendments(session, motion, people, 2)
    engine = app.state.database.engine

    log_in_as(client, provider, viewer, PEOPLE[viewer])
    for suffix in ("", "/motions.csv", "/book.pdf"):
        client.get(f"/calls/{small.id}{suffix}")
        counts = {
            n: count_get(client, engine, f"/calls/{c.id}{suffix}")
            for n, c in ((3, small), (30, large))
        }
        assert counts[3] == counts[30], (suffix, counts)
