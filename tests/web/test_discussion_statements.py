"""A discussion costs the same number of SQL statements however long it is.

A thread page with 120 comments (more than one page, with replies, replies to replies
and agreements) must not run more statements than one with 5, and the unread counts of
everything a member follows come from one statement, whether they follow 3 threads or 60.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import select

from plenum.discuss import service
from plenum.discuss.models import Comment, Thread
from tests.support.discuss import comment, topic
from tests.support.factories import claims, structure
from tests.support.motions import who
from tests.support.web import enrol, log_in_as

PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="450001"),
    "ole": claims("ole", name="Ole Ortsverband", number="450002"),
    "ina": claims("ina", name="Ina Initiative", number="450003"),
    "mo": claims("mo", name="Mo Moderation", groups=("lv-nrw-moderation",), number="450004"),
}


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


def long_thread(session, org, people, count: int) -> Thread:
    """A topic of ``count`` comments: top-level ones, replies and replies to replies by
    three members, some agreed with by the others, one deleted."""
    writers = [people["mia"], people["ole"], people["ina"]]
    thread = topic(session, org.state, writers[0], title=f"Thema mit {count} Beiträgen")
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    tops, last_reply = [first], None
    for n in range(2, count + 1):
        author = writers[n % 3]
        body = f"Beitrag {n}: **wichtig** ist *Punkt* {n % 7}.\n\n- eins\n- zwei {n}"
        if n % 8 in (1, 5):  # a reply to the newest top-level comment
            made = comment(session, thread.id, author, body, reply_to=tops[-1].id)
            last_reply = made
        elif n % 8 == 3 and last_reply is not None:  # a reply to a reply
            made = comment(session, thread.id, author, body, reply_to=last_reply.id)
        else:
            made = comment(session, thread.id, author, body)
            tops.append(made)
        for other in writers:
            if other != author and n % (2 + writers.index(other)) == 0:
                service.set_agreement(made, True, principal=who(session, other), session=session)
    victim = tops[len(tops) // 2]
    service.delete_comment(victim, principal=who(session, victim.author_id), session=session)
    return thread


def count_get(client, engine, path: str) -> int:
    with statements(engine) as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(seen)


@pytest.mark.parametrize("viewer", ["ole", "mo"])
def test_a_thread_page_costs_the_same_with_5_or_120_comments(
    app, client, provider, session, world, viewer
):
    org, people = world
    few = long_thread(session, org, people, 5)
    many = long_thread(session, org, people, 120)
    tops = session.exec(
        select(Comment.id).where(Comment.thread_id == many.id, Comment.parent_id.is_(None))
    ).all()
    assert len(tops) > service.PAGE_SIZE  # more than one page
    engine = app.state.database.engine

    log_in_as(client, provider, viewer, PEOPLE[viewer])
    paths = {
        "5": f"/threads/{few.id}?page=1",
        "120, page 1": f"/threads/{many.id}?page=1",
        "120, page 2": f"/threads/{many.id}?page=2",
    }
    for path in paths.values():  # the first visit marks the page read: a write, once
        client.get(path)
    counts = {name: count_get(client, engine, path) for name, path in paths.items()}
    assert counts["5"] == counts["120, page 1"], counts
    assert counts["5"] == counts["120, page 2"], counts


def followed_threads(session, org, people, count: int) -> dict[int, int]:
    """``count`` topics by Mia that Ole follows, read by him to varying degrees; Mo follows
    and reads some of them too. Returns the unread counts Ole should see (not zero)."""
    ole, mia, mo = who(session, people["ole"]), people["mia"], who(session, people["mo"])
    expected: dict[int, int] = {}
    for n in range(count):
        thread = topic(session, org.state, mia, title=f"Thema {n}", body=f"Anfang {n}")
        service.follow_thread(ole.member_id, thread.id, session=session)
        if n % 4 == 0:
            service.follow_thread(mo.member_id, thread.id, session=session)
            service.thread_page(thread, principal=mo, session=session)
        if n % 3 == 0:  # Ole has read the start
            service.thread_page(thread, principal=ole, session=session)
        for k in range(n % 3):  # and more is written afterwards
            comment(session, thread.id, mia, f"Nachtrag {k} zu {n}")
        session.refresh(thread)
        read = 1 if n % 3 == 0 else 0
        if thread.last_seq > read:
            expected[thread.id] = thread.last_seq - read
    return expected


@pytest.mark.parametrize("count", [3, 60])
def test_the_unread_counts_of_followed_threads_are_one_statement(database, session, world, count):
    org, people = world
    expected = followed_threads(session, org, people, count)
    assert 0 < len(expected) < count or count < 6

    with database.session() as fresh, statements(database.engine) as seen:
        found = service.followed_unread(people["ole"], session=fresh)
    assert len(seen) == 1, seen
    assert {row.thread_id: row.unread for row in found} == expected
