"""A refused request changes nothing.

Every unsafe route of the route table is driven into refusals: by members who may not
take the step, with an empty form, with every field wrong, with an outdated version, and
into the refusals that come only after a first step succeeded ("save and submit" after the
deadline). For every answer of 400 or more, every table is compared, row by row and column
by column, before and after: nothing may have changed. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from starlette.routing import Route

from plenum.clock import utcnow
from plenum.db import Database
from plenum.discuss.models import Comment, Space, Thread
from plenum.models import metadata
from plenum.motions.models import Consultation, Motion
from plenum.settings import Settings
from tests.support.discuss import comment, topic
from tests.support.factories import Structure, claims, structure
from tests.support.motions import MOTION_TEXT, amend, make_call, publish, submitted_motion
from tests.support.votes import make_vote
from tests.support.web import enrol, log_in_as, page, post, token

PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="490001"),
    "ole": claims("ole", name="Ole Ortsverband", number="490002"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="490003"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="490004"
    ),
}
# Columns that a refused request may touch without changing anything of substance: none.
WRONG = {
    "title": "",
    "text": "",
    "body": "",
    "name": "",
    "lock_version": "99999",
    "motion_deadline": "kein Datum",
    "amendment_deadline": "31.02.",
    "opens_at": "gestern",
    "closes_at": "morgen",
    "type": "nonsense",
    "kind": "nonsense",
    "method": "nonsense",
    "mode": "nonsense",
    "role": "nonsense",
    "member_number": "000000",
    "co_proposers": "999999",
    "reason": "",
    "recommendation": "nonsense",
    "outcome": "nonsense",
    "delivery": "nonsense",
    "locale": "xx",
    "choice": "-1",
    "agree": "1",
    "action": "submit",
}


@dataclass
class World:
    org: Structure
    people: dict[str, int]
    ids: dict[str, int]


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    org = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    call = make_call(session, org.state_convention)
    motion = submitted_motion(session, call, people["mia"])
    publish(session, motion, people["gina"])
    amendment = amend(
        session, motion, people["ole"], MOTION_TEXT.replace("per Video", "am Telefon")
    )
    thread = topic(session, org.state, people["mia"])
    reply = comment(session, thread.id, people["ole"], "Ich bin dabei.")
    vote = make_vote(session, org.state, org.state_board, people["gina"])
    space = session.exec(select(Space.id)).first()
    session.commit()
    ids = {
        "calls": call.id,
        "motions": motion.id,
        "amendments": amendment.id,
        "threads": thread.id,
        "comments": reply.id,
        "spaces": space,
        "votes": vote.id,
    }
    return World(org, people, ids)


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(table.select()).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
        if database.is_sqlite:
            fts = connection.execute(text("SELECT count(*) FROM search_fts")).scalar()
            found["search_fts"] = [(fts,)]
    return found


def changed(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def unsafe_routes(app: Any) -> Iterator[Route]:
    for route in app.routes:
        if isinstance(route, Route) and route.methods and "POST" in route.methods:
            yield route


def fill(route: Route, world: World) -> list[str]:
    """Paths for the route, its parameters filled with things of the world."""
    path = route.path
    first = path.strip("/").split("/")[0]
    path = path.replace("{id:int}", str(world.ids.get(first, 1)))
    path = path.replace("{key}", "lv-nrw" if first == "chapters" else "lv-nrw-board")
    path = path.replace("{token}", "nicht-gueltig")
    if "{step}" in path:
        return [path.replace("{step}", step) for step in ("publish", "hide", "nonsense")]
    return [re.sub(r"\{[^}]+\}", "1", path)]


def test_no_refused_post_changes_any_table(client, provider, database, world):
    routes = list(unsafe_routes(client.app))
    assert len(routes) > 40
    refused = 0
    for name in ("sam", "ole", "mia"):
        log_in_as(client, provider, name, PEOPLE[name])
        csrf = token(client)
        for route in routes:
            for path in fill(route, world):
                for form in ({}, WRONG):
                    before = snapshot(database)
                    response = client.post(path, data={**form, "csrf_token": csrf})
                    if response.status_code < 400:
                        continue
                    refused += 1
                    after = snapshot(database)
                    assert not changed(before, after), (name, path, response.status_code)
    assert refused > 200


def test_save_and_submit_after_the_deadline_keeps_neither_the_edit_nor_its_version(
    client, provider, session, world
):
    call = make_call(session, world.org.state_convention)
    session.commit()
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    new = page(client.get(f"/calls/{call.id}/motions/new")).select_one("#motion-form")
    form = {
        "title": "Entwurf",
        "type": "motion",
        "text": "Erster Text.",
        "action": "save",
    }
    form |= {key["name"]: key["value"] for key in new.select("input[name=key]")}
    assert post(client, f"/calls/{call.id}/motions/new", form).status_code == 303
    draft = session.exec(select(Motion).where(Motion.consultation_id == call.id)).one()
    version = draft.lock_version
    stored = session.get(Consultation, call.id)
    stored.motion_deadline = utcnow() - timedelta(minutes=1)
    session.add(stored)
    session.commit()

    edit = page(client.get(f"/motions/{draft.id}/edit")).select_one("#motion-form")
    assert edit.select_one("input[name=lock_version]")["value"] == str(version)
    changed_form = {
        "title": "Geändert",
        "type": "motion",
        "text": "Zweiter Text.",
        "lock_version": str(version),
        "action": "submit",
    }
    refused = post(client, f"/motions/{draft.id}/edit", changed_form)
    assert refused.status_code == 422
    assert "Der Antragsschluss ist abgelaufen." in refused.text
    session.expire_all()
    kept = session.get(Motion, draft.id)
    assert (kept.title, kept.text.strip(), kept.lock_version, kept.status) == (
        "Entwurf",
        "Erster Text.",
        version,
        "draft",
    )
    # the form shown with the refusal still carries the version the member can save over
    again = page(refused).select_one("#motion-form input[name=lock_version]")
    assert again["value"] == str(version)
    saved = post(client, f"/motions/{draft.id}/edit", changed_form | {"action": "save"})
    assert saved.status_code == 303


def test_a_refused_comment_edit_and_flag_leave_the_thread_as_it_was(
    client, provider, session, database, world
):
    log_in_as(client, provider, "ole", PEOPLE["ole"])
    before = snapshot(database)
    for path, form in (
        (f"/comments/{world.ids['comments']}/edit", {"body": ""}),
        (f"/comments/{world.ids['comments']}/flag", {"reason": "eigener Beitrag"}),
        (f"/threads/{world.ids['threads']}/comments", {"body": ""}),
    ):
        response = post(client, path, form)
        assert response.status_code >= 400, path
    assert not changed(before, snapshot(database))
    thread = session.get(Thread, world.ids["threads"])
    assert session.exec(select(Comment).where(Comment.thread_id == thread.id)).all()
