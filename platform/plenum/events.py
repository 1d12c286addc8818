"""Domain events: services announce what happened; subscribers hear of it after the commit.

A service calls ``announce(session, "motion.published", motion_id=7)``. The event waits
in the session until its transaction ends: committed, it is delivered to every
subscriber of the process; rolled back, it is dropped, so nobody hears of a change that
never happened. Subscribers run on the thread that committed (or, on PostgreSQL, on the
listener's thread): they must be quick and must not raise (an error is logged and the
next subscriber runs). They never use the session that announced the event.

On PostgreSQL every event goes out through ``NOTIFY`` inside the transaction that made
it, which the server delivers only when that transaction commits. One listener per
process (``Listener``) receives the events of every instance on the database and
delivers them to that process's subscribers, the process's own events included, so
every instance hears every event exactly once. On SQLite there is one instance; the
event is delivered in-process right after the commit.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

CHANNEL = "plenum_events"
_PENDING = "plenum.events"  # key in Session.info
ALL = "*"  # subscribe to every event


@dataclass(frozen=True)
class Event:
    name: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "data": dict(self.data)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Event:
        parsed = json.loads(raw)
        return cls(str(parsed["name"]), dict(parsed.get("data") or {}))


Subscriber = Callable[[Event], None]


class Bus:
    """The subscribers of one process, by event name (``ALL`` hears every event)."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Subscriber]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, name: str, subscriber: Subscriber) -> Callable[[], None]:
        """Add ``subscriber``; returns a function that removes it again."""
        with self._lock:
            self._subscribers[name].append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers[name]:
                    self._subscribers[name].remove(subscriber)

        return unsubscribe

    def deliver(self, happened: Event) -> None:
        with self._lock:
            found = [*self._subscribers.get(happened.name, ()), *self._subscribers.get(ALL, ())]
        for subscriber in found:
            try:
                subscriber(happened)
            except Exception:  # one failing subscriber must not stop the others
                log.exception("subscriber of %s failed", happened.name)


bus = Bus()


def announce(session: Session, name: str, **data: Any) -> None:
    """Announce ``name`` once the session's transaction commits; ``data`` is JSON-able."""
    session.info.setdefault(_PENDING, []).append(Event(name, data))


def _is_postgres(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


@event.listens_for(Session, "before_commit")
def _notify_in_transaction(session: Session) -> None:
    waiting: list[Event] = session.info.get(_PENDING, [])
    if not waiting or not _is_postgres(session):
        return
    for happened in waiting:
        session.execute(select(func.pg_notify(CHANNEL, happened.to_json())))
    session.info[_PENDING] = []  # the listener delivers them, after the commit
    session.info["plenum.notified"] = True


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    waiting: list[Event] = session.info.pop(_PENDING, [])
    session.info.pop("plenum.notified", None)
    for happened in waiting:
        bus.deliver(happened)


@event.listens_for(Session, "after_transaction_end")
def _drop_unless_committed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_PENDING, None)
        session.info.pop("plenum.notified", None)


class Listener:
    """PostgreSQL: one thread per process that ``LISTEN``s and delivers to ``bus``."""

    def __init__(self, dsn: str, *, target: Bus = bus) -> None:
        self.dsn = dsn
        self.target = target
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="plenum-events", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        self._ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error:
                log.exception("event listener lost its connection; reconnecting")
                self._stop.wait(1.0)

    def _listen(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._ready.set()
            while not self._stop.is_set():
                for notice in connection.notifies(timeout=0.5):
                    try:
                        happened = Event.from_json(notice.payload)
                    except (ValueError, KeyError, TypeError):
                        log.warning("ignored a malformed event on %s", CHANNEL)
                        continue
                    self.target.deliver(happened)


def psycopg_dsn(url: str) -> str:
    """The libpq address of an SQLAlchemy ``postgresql+psycopg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
