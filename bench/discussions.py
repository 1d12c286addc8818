"""Discussions (issue 9): a thread of 2,000 comments and the unread counts of 500 followed threads.

Builds a fresh database (SQLite in a temporary directory, or with ``--postgres`` a
throwaway PostgreSQL database on 127.0.0.1:5432), migrated, with the demo's party
structure and members, and fills it. The first comment of the long topic is written
with ``service.open_topic``; everything else is inserted in bulk through the models
(executemany inserts of model rows), with the counters the services keep (``last_seq``,
``comment_count``, ``agree_count``) set as the services would set them; on PostgreSQL
the tables are then analysed, as autovacuum would do on a live database:

* 300 more members in NRW chapters;
* a topic of the Landesverband NRW with 2,000 comments by 120 of them (a few write a lot):
  about a third top-level, the others replies, a quarter of those replies to replies;
  Markdown of one to six sentences (emphasis, lists, links, quotes, gender stars), long
  ones now and then, some edited, deleted or hidden; 40 % agreed with by 1 to 12
  members; the viewer wrote some, agrees with some, follows it and has read up to
  comment 1,400. A topic of 20 comments written the same way, read to the end;
* 1,998 more topics in nine spaces with 1 to 300 comments each (about 36,000 comments,
  some agreed with); the viewer follows 498 of them (500 threads with the two above,
  fewer if the demo has him follow some already) and has read them to the end (45 %),
  in part (40 %) or not at all, and has read 300 more that he does not follow; the
  other members follow 20 to 140 topics each and have read most of them, and more:
  about 60,000 subscriptions and read marks in all.

Then it logs in the demo member "mitglied" (a plain member of the Ortsverband
Köln-Ehrenfeld, with a session cookie signed as Plenum's session middleware signs it)
and measures, in one process with Starlette's TestClient, p50 and p95 of

* ``GET /threads/{id}?page=1``, the first page of the thread of 2,000 comments and of
  the thread of 20;
* ``GET /threads/{id}`` of the long thread with the member's read mark set back to
  comment 1,400 before each request (not timed): the page with the first new comment,
  which the request marks read;
* ``GET /healthz`` of Plenum and ``GET /`` and ``GET /chapters`` of the bare Starlette
  app of ``bench/baseline.py``, so that the ratios within one run mean something,

in alternating rounds, counting the SQL statements of each request (a SQLAlchemy event
on the app's engine). Then it calls ``service.followed_unread(member)`` directly, each
time in a fresh session of the app's database, against ``SELECT 1`` in a fresh session,
and checks the rows against the data written. It prints one table and PASS or FAIL for
each target, and exits with 1 on a FAIL.

    .venv/bin/python bench/discussions.py [--runs 60] [--unread-runs 200] [--rounds 4]
    .venv/bin/python bench/discussions.py --postgres          # the same on PostgreSQL
    .venv/bin/python bench/discussions.py --profile thread-2000   # or unread-500
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from common import open_sessions

SECRET = "bench-secret-not-for-production"  # noqa: S105 - a throwaway key for a local run
VIEWER = "mitglied"  # the demo's plain member (Ortsverband Köln-Ehrenfeld, below NRW)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_PAGE_MS = 50.0
TARGET_UNREAD_MS = 20.0
LONG_COMMENTS = 2000
FEW_COMMENTS = 20
READ_UPTO = 1400  # how far the viewer has read the long thread
FOLLOWED = 500  # threads the viewer follows, the two above among them
OTHER_TOPICS = 1500  # topics the viewer does not follow
MEMBERS = 300
WRITERS = 120  # members who write in the long thread
SEED = 20261121
NRW_CHAPTERS = ("ov-koeln-kalk", "ov-koeln-ehrenfeld", "ov-dortmund-nord", "kv-dortmund")
SPACES = (  # where the other topics are; the viewer may read the first four
    "bund",
    "lv-nrw",
    "kv-koeln",
    "ov-koeln-ehrenfeld",
    "ov-koeln-kalk",
    "kv-dortmund",
    "ov-dortmund-nord",
    "lag-nrw-beteiligung",
    "lv-sachsen",
)
VIEWER_SPACES = 4


# --- German-like discussion text --------------------------------------------------------------

OPENERS = (
    "Ich finde,",
    "Ehrlich gesagt glaube ich,",
    "Aus Sicht unseres Ortsverbands",
    "Meiner Erfahrung nach",
    "Guter Punkt, aber",
    "Zur Ergänzung:",
    "Ich bin unsicher, ob",
    "Bei uns in Ehrenfeld",
    "Wie schon beim letzten Treffen gesagt:",
    "Danke für den Vorschlag!",
)
SUBJECTS = (
    "der Landesvorstand",
    "die Geschäftsstelle",
    "jede Ortsgruppe",
    "die Genoss*innen vor Ort",
    "der Kreisverband",
    "die Arbeitsgemeinschaft",
    "unsere Mitstreiter*innen",
    "die Delegierten",
    "das Präsidium",
)
VERBS = (
    "sollte",
    "könnte",
    "müsste",
    "wird",
    "kann",
)
OBJECTS = (
    "die Regionalkonferenz früher ankündigen",
    "eine Kinderbetreuung organisieren",
    "den Antrag noch einmal überarbeiten",
    "die Kosten offenlegen",
    "digitale Abstimmungen ermöglichen",
    "die Ortsgruppen stärker beteiligen",
    "einen barrierefreien Raum suchen",
    "den Haushalt transparent machen",
    "neue Mitglieder besser begleiten",
    "das Protokoll rechtzeitig verschicken",
    "mehr Sprechstunden vor Ort anbieten",
)
CLAUSES = (
    "damit auch Menschen mit wenig Zeit teilnehmen können",
    "wenn der Haushalt es hergibt",
    "bevor der Parteitag darüber abstimmt",
    "ohne dass zusätzliche Kosten entstehen",
    "so wie es die Satzung vorsieht",
    "spätestens bis zum Sommer",
)
EMPHASIS = ("**wichtig**", "*dringend*", "**nicht**", "*gemeinsam*", "**bis Freitag**")
LINKS = (
    "[Protokoll](https://example.org/protokoll/2026-10)",
    "[Haushaltsplan](https://example.org/haushalt.pdf)",
    "<https://example.org/termine>",
    "[Mail an die Geschäftsstelle](mailto:gs@example.org)",
)
TITLES = (
    "Kinderbetreuung bei Regionalkonferenzen",
    "Mitgliederversammlung im Frühjahr",
    "Haushalt 2027",
    "Neue Räume für die Geschäftsstelle",
    "Wahlkampfplanung",
    "Satzungsänderung § 7",
    "Barrierefreiheit unserer Treffen",
    "Digitale Abstimmungen",
    "Infostände im Sommer",
    "Bildungsprogramm für Neumitglieder",
    "Zusammenarbeit mit Initiativen",
    "Mobilität auf dem Land",
)


def sentence(rng: random.Random) -> str:
    words = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.2:
        words = words.replace(" ", f" {rng.choice(EMPHASIS)} ", 1)
    if rng.random() < 0.4:
        words += f", {rng.choice(CLAUSES)}"
    if rng.random() < 0.5:
        return f"{rng.choice(OPENERS)} {words}."
    return words[0].upper() + words[1:] + "."


def comment_body(rng: random.Random) -> str:
    """Markdown as members write it: mostly a few sentences, now and then more."""
    parts: list[str] = []
    if rng.random() < 0.08:
        parts.append(f"> {sentence(rng)}")
    count = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5, 6))
    if rng.random() < 0.05:
        count = rng.randint(10, 18)  # a long contribution, in paragraphs
    text = ""
    for n in range(count):
        text += sentence(rng)
        text += "\n\n" if n % 4 == 3 else " "
    parts.append(text.strip())
    if rng.random() < 0.15:
        parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 4))))
    if rng.random() < 0.1:
        parts.append(f"Mehr dazu: {rng.choice(LINKS)}")
    return "\n\n".join(parts)


# --- the data set -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    viewer_id: int
    long_id: int  # 2,000 comments, read up to READ_UPTO
    few_id: int  # 20 comments, read
    long_page_one: int  # comments (top-level and replies) on the first page
    long_top_level: int
    long_reactions: int
    long_first_new_page: int  # the page with comment READ_UPTO + 1
    followed: int
    unread_threads: int  # followed threads with something unread
    unread_total: int
    expected_unread: dict[str, int]  # thread id -> unread, as followed_unread must say
    topics: int
    comments: int
    reactions: int
    subscriptions: int
    read_marks: int
    seconds: float


MODELS_IN_ORDER = (
    "Member",
    "Membership",
    "Thread",
    "Comment",
    "Reaction",
    "ReadMark",
    "Subscription",
)


class Bulk:
    """Model rows with ids given here, inserted in executemany statements (parents first)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.next_id: dict[type, int] = {}
        self.rows: dict[type, list[dict[str, Any]]] = defaultdict(list)

    def add(self, row: Any) -> int:
        model = type(row)
        if model not in self.next_id:
            self.next_id[model] = self._max_id(model) + 1
        row.id = self.next_id[model]
        self.next_id[model] += 1
        self.rows[model].append(row.model_dump())
        return int(row.id)

    def _max_id(self, model: type) -> int:
        from sqlalchemy import func
        from sqlmodel import select

        return int(self.session.exec(select(func.max(model.id))).one() or 0)  # type: ignore[attr-defined]

    def flush(self) -> None:
        from sqlalchemy import insert

        order = {name: n for n, name in enumerate(MODELS_IN_ORDER)}
        for model in sorted(self.rows, key=lambda m: order.get(m.__name__, len(order))):
            rows = self.rows[model]
            for start in range(0, len(rows), 5000):
                self.session.execute(insert(model), rows[start : start + 5000])
        self.rows.clear()


@dataclass
class Written:
    """What was written to one thread."""

    last_seq: int = 0
    count: int = 0  # not deleted
    last_at: datetime | None = None
    tops: list[int] = field(default_factory=list)  # ids of top-level comments, in order
    replies: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # per top
    top_of_seq: dict[int, int] = field(default_factory=dict)  # seq -> its top-level id
    reactions: int = 0


@dataclass
class People:
    viewer: int
    members: list[int]
    cum_weights: list[float]  # a few members write much, most little

    def writer(self, rng: random.Random, among: int) -> int:
        return rng.choices(self.members[:among], cum_weights=self.cum_weights[:among])[0]


def write_comments(
    bulk: Bulk,
    rng: random.Random,
    thread_id: int,
    count: int,
    people: People,
    *,
    start: datetime,
    step: timedelta,
    written: Written | None = None,
    writers: int = WRITERS,
    agree_share: float = 0.4,
) -> Written:
    """Comments ``written.last_seq + 1`` to ``count``: top-level ones, replies to the recent
    top-level ones and replies to replies, with agreements."""
    from plenum.discuss.models import Comment, Reaction

    done = written or Written()
    under: dict[int, list[int]] = defaultdict(list)  # top-level id -> ids of its replies
    at = start
    for seq in range(done.last_seq + 1, count + 1):
        at += step * rng.uniform(0.2, 1.8)
        author = people.viewer if rng.random() < 0.02 else people.writer(rng, writers)
        parent_id = reply_to_id = None
        if done.tops and rng.random() > 0.35:
            back = min(int(rng.expovariate(0.35)), len(done.tops) - 1)
            parent_id = reply_to_id = done.tops[-1 - back]
            if under[parent_id] and rng.random() < 0.25:
                reply_to_id = rng.choice(under[parent_id])
        gone = rng.random()
        row = Comment(
            thread_id=thread_id,
            seq=seq,
            author_id=author,
            parent_id=parent_id,
            reply_to_id=reply_to_id,
            body="" if gone < 0.01 else comment_body(rng),
            created_at=at,
            edited_at=at + timedelta(minutes=rng.randint(1, 25)) if rng.random() < 0.05 else None,
            deleted_at=at + timedelta(hours=1) if gone < 0.01 else None,
            hidden_at=at + timedelta(hours=2) if 0.01 <= gone < 0.015 else None,
            hidden_reason="Beleidigend" if 0.01 <= gone < 0.015 else "",
            hidden_by=people.members[0] if 0.01 <= gone < 0.015 else None,
        )
        if gone >= 0.015 and rng.random() < agree_share:
            fans = set(rng.sample(people.members, min(12, int(rng.expovariate(1 / 3)) + 1)))
            if rng.random() < 0.05:
                fans.add(people.viewer)
            fans.discard(author)
            row.agree_count = len(fans)
        else:
            fans = set()
        comment_id = bulk.add(row)
        for fan in sorted(fans):
            bulk.add(Reaction(comment_id=comment_id, member_id=fan, created_at=at))
        done.reactions += len(fans)
        if parent_id is None:
            done.tops.append(comment_id)
            done.top_of_seq[seq] = comment_id
        else:
            under[parent_id].append(comment_id)
            done.replies[parent_id] += 1
            done.top_of_seq[seq] = parent_id
        done.last_seq, done.last_at = seq, at
        done.count += 0 if gone < 0.01 else 1
    return done


def prepare(database_url: str, rng: random.Random) -> DataSet:
    """Migrate a fresh database, load the demo and write the data set."""
    from sqlalchemy import func, update
    from sqlmodel import col, select

    from plenum import demo
    from plenum.db import Database
    from plenum.discuss import access, service
    from plenum.discuss.models import Comment, ReadMark, Subscription, Thread, ThreadKind
    from plenum.migrate import upgrade
    from plenum.orgs.models import Member, Membership
    from plenum.orgs.service import chapter_by_key, principal_for
    from plenum.settings import Settings

    began = time.perf_counter()
    upgrade(database_url)
    settings = demo.demo_settings(
        Settings(env="test", database_url=database_url, secret_key=SECRET)
    )
    db = Database(database_url)
    try:
        with db.session() as session:
            demo.load(settings, session=session)
            session.commit()
            viewer = session.exec(select(Member.id).where(Member.subject == VIEWER)).one()
            assert viewer is not None
            chapters = {key: chapter_by_key(key, session=session) for key in SPACES}
            chapters |= {key: chapter_by_key(key, session=session) for key in NRW_CHAPTERS}
            spaces = [
                access.chapter_space(chapters[key], session=session).space.id or 0 for key in SPACES
            ]

            bulk = Bulk(session)
            now = datetime.now(UTC)
            members = []
            for index in range(1, MEMBERS + 1):
                member_id = bulk.add(
                    Member(
                        issuer=settings.oidc_issuer,
                        subject=f"bench-{index:03d}",
                        display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                        email=f"bench-{index:03d}@bench.plenum.invalid",
                        member_number=str(300000 + index),
                        created_at=now - timedelta(days=400),
                        last_login_at=now - timedelta(days=rng.randint(0, 60)),
                    )
                )
                chapter = chapters[rng.choice(NRW_CHAPTERS)]
                bulk.add(Membership(member_id=member_id, chapter_id=chapter.id or 0))
                members.append(member_id)
            bulk.flush()
            session.commit()
            weights = list(accumulate(1 / (n + 1) ** 0.8 for n in range(len(members))))
            people = People(int(viewer), members, weights)

            # the long topic: its first comment through the service, the rest in bulk
            nrw = access.chapter_space(chapters["lv-nrw"], session=session)
            starter = principal_for(members[0], session=session)
            allowed = access.space_access(starter, nrw)
            opening = service.CommentInput(body=comment_body(rng))
            long_thread = service.open_topic(
                nrw, allowed, TITLES[0], opening, principal=starter, session=session
            )
            session.commit()
            first = session.exec(
                select(Comment).where(Comment.thread_id == long_thread.id, Comment.seq == 1)
            ).one()
            begun = now - timedelta(days=60)
            long_written = Written(last_seq=1, count=1, last_at=begun, tops=[first.id or 0])
            long_written.top_of_seq[1] = first.id or 0
            step = timedelta(days=59) / LONG_COMMENTS
            write_comments(
                bulk,
                rng,
                long_thread.id or 0,
                LONG_COMMENTS,
                people,
                start=begun,
                step=step,
                written=long_written,
            )
            few_thread = Thread(
                space_id=nrw.space.id or 0,
                kind=ThreadKind.TOPIC,
                title=TITLES[1],
                created_by=members[1],
                created_at=now - timedelta(days=3),
            )
            few_id = bulk.add(few_thread)
            few_written = write_comments(
                bulk,
                rng,
                few_id,
                FEW_COMMENTS,
                people,
                start=now - timedelta(days=3),
                step=timedelta(hours=2),
                writers=8,
            )
            threads = {long_thread.id or 0: long_written, few_id: few_written}

            # the other topics, in every space, with 1 to 300 comments each
            for index in range(FOLLOWED - 2 + OTHER_TOPICS):
                in_view = index < FOLLOWED - 2
                space = spaces[rng.randrange(VIEWER_SPACES if in_view else len(spaces))]
                size = min(300, int(rng.lognormvariate(2.4, 1.0)) + 1)
                opened = now - timedelta(days=rng.uniform(1, 365))
                thread = Thread(
                    space_id=space,
                    kind=ThreadKind.TOPIC,
                    title=f"{rng.choice(TITLES)} ({index + 1})",
                    created_by=rng.choice(members),
                    created_at=opened,
                )
                thread_id = bulk.add(thread)
                threads[thread_id] = write_comments(
                    bulk,
                    rng,
                    thread_id,
                    size,
                    people,
                    start=opened,
                    step=timedelta(hours=rng.uniform(0.5, 12)),
                    writers=rng.randint(3, 40),
                    agree_share=0.2,
                )
            bulk.flush()
            for thread_id, done in threads.items():
                session.execute(
                    update(Thread)
                    .where(col(Thread.id) == thread_id)
                    .values(
                        last_seq=done.last_seq,
                        comment_count=done.count,
                        last_activity_at=done.last_at,
                    )
                )
            session.commit()

            # who follows what and how far they have read
            follows = set(
                session.exec(
                    select(Subscription.member_id, Subscription.thread_id).where(
                        col(Subscription.thread_id).is_not(None)
                    )
                ).all()
            )
            marks = set(session.exec(select(ReadMark.member_id, ReadMark.thread_id)).all())
            already = sum(1 for member_id, _ in follows if member_id == people.viewer)

            def follow(member_id: int, thread_id: int) -> None:
                if (member_id, thread_id) not in follows:
                    follows.add((member_id, thread_id))
                    bulk.add(Subscription(member_id=member_id, thread_id=thread_id))

            def read(member_id: int, thread_id: int, upto: int) -> None:
                if (member_id, thread_id) not in marks and upto > 0:
                    marks.add((member_id, thread_id))
                    bulk.add(ReadMark(member_id=member_id, thread_id=thread_id, last_seq=upto))

            ids = list(threads)  # the long one, the short one, then the others
            for thread_id in ids[: FOLLOWED - already]:
                last = threads[thread_id].last_seq
                follow(people.viewer, thread_id)
                if thread_id == long_thread.id:
                    upto = READ_UPTO
                elif thread_id == few_id:
                    upto = last
                else:
                    luck = rng.random()
                    upto = last if luck < 0.45 else rng.randint(0, last - 1) if luck < 0.85 else 0
                read(people.viewer, thread_id, upto)
            for thread_id in rng.sample(ids[FOLLOWED:], 300):  # read, not followed
                read(people.viewer, thread_id, threads[thread_id].last_seq)
            for member_id in members:
                for thread_id in rng.sample(ids, rng.randint(20, 140)):
                    follow(member_id, thread_id)
                    last = threads[thread_id].last_seq
                    if rng.random() < 0.9:
                        read(
                            member_id,
                            thread_id,
                            last if rng.random() < 0.6 else rng.randint(1, last),
                        )
                for thread_id in rng.sample(ids, rng.randint(0, 100)):
                    read(member_id, thread_id, rng.randint(1, threads[thread_id].last_seq))
            bulk.flush()
            session.commit()
            _after_bulk(session)
            expected = expected_unread(people.viewer, session=session)
            followed = session.exec(
                select(func.count()).where(
                    Subscription.member_id == people.viewer,
                    col(Subscription.thread_id).is_not(None),
                )
            ).one()

            long_tops = threads[long_thread.id or 0]
            first_page = long_tops.tops[: service.PAGE_SIZE]
            new_top = long_tops.top_of_seq[READ_UPTO + 1]
            counts = {
                name: int(session.exec(select(func.count()).select_from(model)).one())
                for name, model in (
                    ("topics", Thread),
                    ("comments", Comment),
                    ("subscriptions", Subscription),
                    ("read_marks", ReadMark),
                )
            }
            return DataSet(
                viewer_id=people.viewer,
                long_id=long_thread.id or 0,
                few_id=few_id,
                long_page_one=len(first_page) + sum(long_tops.replies[t] for t in first_page),
                long_top_level=len(long_tops.tops),
                long_reactions=long_tops.reactions,
                long_first_new_page=long_tops.tops.index(new_top) // service.PAGE_SIZE + 1,
                followed=int(followed),
                unread_threads=len(expected),
                unread_total=sum(expected.values()),
                expected_unread=expected,
                reactions=sum(t.reactions for t in threads.values()),
                seconds=time.perf_counter() - began,
                **counts,
            )
    finally:
        db.dispose()


def expected_unread(viewer: int, *, session: Any) -> dict[str, int]:
    """What ``followed_unread`` must say, worked out in Python from the plain rows."""
    from sqlmodel import select

    from plenum.discuss.models import ReadMark, Subscription, Thread

    followed = {
        thread_id
        for thread_id in session.exec(
            select(Subscription.thread_id).where(Subscription.member_id == viewer)
        ).all()
        if thread_id is not None
    }
    read = dict(
        session.exec(
            select(ReadMark.thread_id, ReadMark.last_seq).where(ReadMark.member_id == viewer)
        ).all()
    )
    last = dict(session.exec(select(Thread.id, Thread.last_seq)).all())
    return {
        str(thread_id): last[thread_id] - read.get(thread_id, 0)
        for thread_id in sorted(followed)
        if last[thread_id] > read.get(thread_id, 0)
    }


def _after_bulk(session: Any) -> None:
    """PostgreSQL: the id sequences continue after the ids given by ``Bulk``, and the
    planner gets the statistics autovacuum would gather on a live database (without
    them it scans the whole comment table for a page's replies)."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return
    tables = ("member", "membership", "thread", "comment", "reaction", "read_mark", "subscription")
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608 - fixed names
                f' (SELECT max(id) FROM "{table}"))'
            )
        )
    session.execute(text("ANALYZE"))
    session.commit()


FIRST_NAMES = (
    "Anna", "Ben", "Cem", "Dana", "Emil", "Fatma", "Greta", "Hannes", "Ida", "Jonas",
    "Kübra", "Lars", "Mira", "Nils", "Olga", "Piotr", "Rosa", "Sven", "Tanja", "Ugur",
)  # fmt: skip
LAST_NAMES = (
    "Albers", "Brandt", "Çelik", "Dietrich", "Engel", "Fuchs", "Graf", "Hoffmann", "Jansen",
    "Kaya", "Lorenz", "Meyer", "Nowak", "Otto", "Peters", "Roth", "Schäfer", "Vogel", "Wolf",
)  # fmt: skip


# --- a throwaway PostgreSQL database ----------------------------------------------------------


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the run, dropped afterwards."""
    import psycopg

    name = f"plenum_bench_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"--postgres: PostgreSQL is not reachable at {admin_url}: {exc}") from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- measuring --------------------------------------------------------------------------------


def session_cookie(member_id: int) -> str:
    """A logged-in session cookie, signed as Plenum's session middleware signs it."""
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import COOKIE_NAME

    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": f"bench-{member_id}", "member_id": member_id}
    value = URLSafeSerializer(SECRET, salt="plenum.session").dumps(data)
    return f"{COOKIE_NAME}={value}"


class StatementCounter:
    """Counts the SQL statements sent through an engine."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


@dataclass
class Scenario:
    name: str
    app: str  # "plenum", "bare" or "call" (a function called in a fresh session)
    path: str
    note: str
    base: str  # the scenario its p50 is compared with
    before: Callable[[], None] | None = None  # run before each request, not timed
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU time of the whole process
    statements: list[int] = field(default_factory=list)
    size: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95(self) -> float:
        if len(self.latencies) < 2:
            return self.p50
        return statistics.quantiles(self.latencies, n=20)[18] * 1000

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu) * 1000

    def add(self, sample: Sample) -> None:
        self.latencies.append(sample.seconds)
        self.cpu.append(sample.cpu)
        self.statements.append(sample.statements)
        self.size = sample.size


@dataclass(frozen=True)
class Sample:
    seconds: float  # wall-clock time of the request (or call)
    cpu: float  # CPU time the process spent on it (client and app threads)
    statements: int  # SQL statements sent through the app's engine
    size: int  # bytes of the page, or rows returned
    text: str
    value: Any = None


def plenum_app(database_url: str) -> Any:
    from plenum import demo
    from plenum.app import create_app
    from plenum.settings import Settings

    settings = Settings(
        env="test", database_url=database_url, secret_key=SECRET, log_level="WARNING"
    )
    return create_app(demo.demo_settings(settings))


def bare_app(database: Path) -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from baseline import bare_app as make

    return make(str(database))


class Clients:
    """One TestClient per app, each request (or call) timed and its statements counted."""

    def __init__(self, database_url: str, bare_database: Path, cookie: str) -> None:
        from starlette.testclient import TestClient

        self.plenum_app = plenum_app(database_url)
        self.database = self.plenum_app.state.database
        self.counter = StatementCounter(self.database.engine)
        self.cookie = cookie
        self.calls: dict[str, Callable[[Any], Any]] = {}
        self.clients = {
            "plenum": TestClient(self.plenum_app, base_url="http://localhost"),
            "bare": TestClient(bare_app(bare_database), base_url="http://localhost"),
        }

    def __enter__(self) -> Clients:
        for client in self.clients.values():
            client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self.clients.values():
            client.__exit__(*exc)
        self.database.dispose()

    def get(self, scenario: Scenario) -> Sample:
        if scenario.before is not None:
            scenario.before()
        if scenario.app == "call":
            return self.call(scenario)
        client = self.clients[scenario.app]
        client.cookies.clear()  # only the cookie given here: the same session every time
        headers = {"cookie": self.cookie} if scenario.app == "plenum" else {}
        before = self.counter.count
        cpu = time.process_time()
        began = time.perf_counter()
        response = client.get(scenario.path, headers=headers)
        took = time.perf_counter() - began
        cpu = time.process_time() - cpu
        if response.status_code != 200:
            raise SystemExit(f"{scenario.path}: {response.status_code}\n{response.text[:2000]}")
        statements = self.counter.count - before
        return Sample(took, cpu, statements, len(response.content), response.text)

    def call(self, scenario: Scenario) -> Sample:
        """The scenario's function in a fresh session, as a request would call it."""
        function = self.calls[scenario.name]
        before = self.counter.count
        cpu = time.process_time()
        began = time.perf_counter()
        with self.database.session() as session:
            value = function(session)
        took = time.perf_counter() - began
        cpu = time.process_time() - cpu
        size = len(value) if isinstance(value, list) else 1
        return Sample(took, cpu, self.counter.count - before, size, "", value)


def scenarios(data: DataSet, clients: Clients, postgres: bool) -> list[Scenario]:
    from sqlalchemy import text, update
    from sqlmodel import col

    from plenum.discuss import service
    from plenum.discuss.models import ReadMark

    def set_back() -> None:
        with clients.database.engine.begin() as connection:
            connection.execute(
                update(ReadMark)
                .where(
                    col(ReadMark.member_id) == data.viewer_id,
                    col(ReadMark.thread_id) == data.long_id,
                )
                .values(last_seq=READ_UPTO)
            )

    clients.calls["unread-500"] = lambda session: service.followed_unread(
        data.viewer_id, session=session
    )
    clients.calls["select-1"] = lambda session: session.execute(text("SELECT 1")).scalar_one()
    found = [
        Scenario(
            "thread-2000",
            "plenum",
            f"/threads/{data.long_id}?page=1",
            f"first page: {data.long_page_one} of {LONG_COMMENTS} comments",
            "bare-home",
        ),
        Scenario(
            "thread-20",
            "plenum",
            f"/threads/{data.few_id}?page=1",
            f"first page: {FEW_COMMENTS} of {FEW_COMMENTS} comments",
            "bare-home",
        ),
        Scenario(
            "thread-2000-new",
            "plenum",
            f"/threads/{data.long_id}",
            f"page {data.long_first_new_page} (first new comment), marked read",
            "bare-home",
            before=set_back,
        ),
        Scenario("healthz", "plenum", "/healthz", "JSON after SELECT 1", "bare-home"),
        Scenario("bare-home", "bare", "/", "bare Starlette: layout only", "bare-home"),
        Scenario(
            "bare-chapters",
            "bare",
            "/chapters",
            "bare Starlette: sqlite3 + list",
            "bare-home",
        ),
    ]
    if postgres:  # the bare app reads SQLite only
        found = [s for s in found if s.name != "bare-chapters"]
    return found


def unread_scenarios(data: DataSet) -> list[Scenario]:
    return [
        Scenario(
            "unread-500",
            "call",
            "followed_unread()",
            f"{data.followed} followed, {data.unread_threads} with unread",
            "select-1",
        ),
        Scenario("select-1", "call", "SELECT 1", "a fresh session, SELECT 1", "select-1"),
    ]


def check_pages(clients: Clients, found: list[Scenario], data: DataSet) -> dict[str, int]:
    """The pages show what they should: every comment of the page, the first new one."""
    pages = {s.name: clients.get(s).text for s in found if s.app == "plenum"}
    shown = {
        "long": pages["thread-2000"].count('<article class="comment'),
        "few": pages["thread-20"].count('<article class="comment'),
        "new": pages["thread-2000-new"].count('id="new"'),
        "new page": int(
            'aria-current="page">' + str(data.long_first_new_page) in pages["thread-2000-new"]
        ),
    }
    assert shown["long"] == data.long_page_one, (shown, data.long_page_one)
    assert shown["few"] == FEW_COMMENTS, shown
    assert shown["new"] == 1, shown
    assert shown["new page"] == 1, shown
    return shown


def check_unread(clients: Clients, data: DataSet) -> None:
    unread = unread_scenarios(data)[0]
    rows = clients.get(unread).value
    got = {str(row.thread_id): row.unread for row in rows}
    assert got == data.expected_unread, "followed_unread disagrees with the data written"
    times = [row.last_activity_at for row in rows]
    assert times == sorted(times, reverse=True), "followed_unread: not newest first"


def measure(clients: Clients, found: list[Scenario], runs: int, args: argparse.Namespace) -> None:
    """Warm-up, then ``runs`` requests each in ``--rounds`` alternating slices (ABBA...)."""
    for scenario in found:
        for _ in range(args.warmup):
            clients.get(scenario)
    share, extra = divmod(runs, args.rounds)
    for round_number in range(args.rounds):
        order = found if round_number % 2 == 0 else list(reversed(found))
        count = share + (1 if round_number < extra else 0)
        for scenario in order:
            for _ in range(count):
                scenario.add(clients.get(scenario))


def profile(clients: Clients, scenario: Scenario, runs: int) -> None:
    """cProfile of the page's endpoint (or of the function). A sync endpoint runs in a
    worker thread, where a profiler of the main thread sees nothing: the endpoint is
    wrapped to profile itself."""
    from starlette.routing import Route, request_response

    profiler = cProfile.Profile()
    if scenario.app == "plenum":
        route = next(
            (
                r
                for r in clients.plenum_app.routes
                if isinstance(r, Route)
                and "GET" in (r.methods or ())
                and r.path_regex.match(scenario.path.split("?")[0])
            ),
            None,
        )
        if route is None:
            raise SystemExit(f"--profile: no Plenum route for {scenario.path}")
        endpoint = route.endpoint

        def profiled(request: Any) -> Any:
            profiler.enable()
            try:
                return endpoint(request)
            finally:
                profiler.disable()

        route.app = request_response(profiled)
    elif scenario.app == "call":
        function = clients.calls[scenario.name]

        def profiled_call(session: Any) -> Any:
            profiler.enable()
            try:
                return function(session)
            finally:
                profiler.disable()

        clients.calls[scenario.name] = profiled_call
    else:
        raise SystemExit("--profile: a Plenum scenario")
    for _ in range(3):
        clients.get(scenario)
    profiler.disable()
    profiler = cProfile.Profile()  # the warm-up is not counted
    began = time.perf_counter()
    for _ in range(runs):
        clients.get(scenario)
    print(f"{scenario.name}: {runs} runs in {time.perf_counter() - began:.2f} s")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(50)
    stats.sort_stats("tottime").print_stats(30)


def report(
    data: DataSet,
    found: list[Scenario],
    shown: dict[str, int],
    database: str,
    args: argparse.Namespace,
) -> bool:
    print(
        f"Plenum discussions (issue 9)  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  "
        f"Python {platform.python_version()}  {os.cpu_count()} cores  "
        f"load {os.getloadavg()[0]:.1f}  {database}  in-process TestClient  "
        f"runs {args.runs} / {args.unread_runs} in {args.rounds} rounds (warm-up {args.warmup})"
    )
    print(
        f"data: thread of {LONG_COMMENTS} comments ({data.long_top_level} top-level, "
        f"{data.long_reactions} agreements, {shown['long']} on page 1); {data.followed} "
        f"followed threads ({data.unread_threads} with {data.unread_total} unread); in all "
        f"{data.topics} topics, {data.comments} comments, {data.reactions} agreements, "
        f"{data.subscriptions} subscriptions, {data.read_marks} read marks; "
        f"built in {data.seconds:.0f} s"
    )
    by_name = {s.name: s for s in found}
    header = (
        f"{'scenario':<16} {'path':<20} {'runs':>4} {'bytes':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p50/base':>8} {'cpu ms':>7} {'SQL':>4}  what"
    )
    print(header)
    print("-" * len(header))
    for s in found:
        sql = str(max(s.statements)) if s.app != "bare" else "-"
        size = f"{s.size} rows" if s.app == "call" else str(s.size)
        ratio = s.p50 / by_name[s.base].p50
        print(
            f"{s.name:<16} {s.path:<20} {len(s.latencies):>4} {size:>7} {s.p50:>7.2f} "
            f"{s.p95:>7.2f} {ratio:>8.1f} {s.cpu_p50:>7.2f} {sql:>4}  {s.note}"
        )
    print("p50/base: pages against bare-home, followed_unread against select-1")
    long, few, unread = by_name["thread-2000"], by_name["thread-20"], by_name["unread-500"]
    checks = [
        (
            f"first page of a thread of {LONG_COMMENTS} comments p50 {long.p50:.1f} ms "
            f"<= {TARGET_PAGE_MS:.0f} ms",
            long.p50 <= TARGET_PAGE_MS,
        ),
        (
            f"unread counts of {data.followed} followed threads p50 {unread.p50:.2f} ms "
            f"<= {TARGET_UNREAD_MS:.0f} ms",
            unread.p50 <= TARGET_UNREAD_MS,
        ),
        (
            f"unread counts in one statement: {sorted(set(unread.statements))}",
            set(unread.statements) == {1},
        ),
        (
            f"SQL statements of the thread page, {FEW_COMMENTS} vs {LONG_COMMENTS} "
            f"comments: {max(few.statements)} = {max(long.statements)}",
            set(few.statements) == set(long.statements) and len(set(long.statements)) == 1,
        ),
    ]
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return all(ok for _text, ok in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="measured requests per page")
    parser.add_argument(
        "--unread-runs", type=int, default=200, help="measured calls of followed_unread"
    )
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests first")
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices")
    parser.add_argument("--profile", metavar="SCENARIO", help="cProfile one scenario instead")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=PG_ADMIN,
        metavar="ADMIN_URL",
        help=f"run on a throwaway PostgreSQL database made through ADMIN_URL ({PG_ADMIN})",
    )
    parser.add_argument(
        "--keep",
        metavar="FILE",
        type=Path,
        help="SQLite only: build the database in FILE, or reuse FILE when it exists (for"
        " repeated profiling; rebuild after changing what is stored)",
    )
    args = parser.parse_args(argv)
    if min(args.runs, args.unread_runs, args.rounds) < 1 or args.warmup < 0:
        parser.error("--runs, --unread-runs and --rounds must be positive, --warmup not negative")
    if args.keep and args.postgres:
        parser.error("--keep works with SQLite only")

    with tempfile.TemporaryDirectory(prefix="plenum-bench-discuss-") as tmp:
        sqlite_file = args.keep or Path(tmp) / "bench.db"
        with _database(args, sqlite_file) as url:
            facts = sqlite_file.with_suffix(".json")
            if args.keep and sqlite_file.exists() and facts.exists():
                data = DataSet(**json.loads(facts.read_text()))
            else:
                sqlite_file.unlink(missing_ok=True)
                data = prepare(url, random.Random(SEED))
                facts.write_text(json.dumps(asdict(data)))
            open_sessions(url, [data.viewer_id])
            with Clients(url, sqlite_file, session_cookie(data.viewer_id)) as clients:
                pages = scenarios(data, clients, postgres=bool(args.postgres))
                calls = unread_scenarios(data)
                if args.profile:
                    chosen = {s.name: s for s in pages + calls}.get(args.profile)
                    if chosen is None:
                        names = ", ".join(s.name for s in pages + calls if s.app != "bare")
                        parser.error(f"--profile: one of {names}")
                    runs = args.unread_runs if chosen.app == "call" else args.runs
                    profile(clients, chosen, runs)
                    return 0
                shown = check_pages(clients, pages, data)
                for scenario in pages:  # the read mark as written, for the unread counts
                    if scenario.before is not None:
                        scenario.before()
                check_unread(clients, data)
                measure(clients, pages, args.runs, args)
                measure(clients, calls, args.unread_runs, args)
        name = "PostgreSQL" if args.postgres else "SQLite"
        return 0 if report(data, pages + calls, shown, name, args) else 1


@contextmanager
def _database(args: argparse.Namespace, sqlite_file: Path) -> Iterator[str]:
    if args.postgres:
        with postgres_database(args.postgres) as url:
            yield url
    else:
        yield f"sqlite:///{sqlite_file}"


if __name__ == "__main__":
    sys.exit(main())
