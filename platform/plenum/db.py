"""Engine, one session per request, SQLite pragmas and transaction helpers."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

# One naming convention for every constraint, so migrations name them the same on
# SQLite and PostgreSQL and batch mode can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
log = logging.getLogger(__name__)
metadata: MetaData = SQLModel.metadata


EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, the same on every database: stored in UTC, read back as an aware UTC datetime.

    SQLite has no time zones: SQLAlchemy writes the wall time of an aware datetime and drops
    its zone, so a deadline typed as 20:00 Berlin time came back as 20:00 UTC (21:00 in
    Berlin). Every moment is therefore turned into UTC before it is written, and whatever is
    read (naive from SQLite, in the session's zone from PostgreSQL) comes back as aware UTC.
    A naive datetime written is taken as UTC, as ``clock.as_utc`` does."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = _in_utc(value)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _in_utc(value)


def _in_utc(value: datetime) -> datetime:
    """``value`` as aware UTC; a moment beyond the years 1 to 9999 in UTC (a zone's offset
    away from the extremes) is held at the nearest extreme."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return EARLIEST if value.year == EARLIEST.year else LATEST


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    Statement parameters never appear in error messages or logs (``hide_parameters``):
    a failed insert of a secret ballot must not write its choices to a log."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


_WRITES = "plenum.writes"  # key in Session.info: the open transaction wrote something


@event.listens_for(OrmSession, "after_flush")
def _flushed(session: OrmSession, _context: object) -> None:
    session.info[_WRITES] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:  # INSERT, UPDATE, DELETE, or a text statement
        state.session.info[_WRITES] = True


@event.listens_for(OrmSession, "after_transaction_end")
def _ended(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITES, None)


def has_writes(session: OrmSession) -> bool:
    """Whether the session's open transaction has written anything (or may have)."""
    return bool(session.info.get(_WRITES)) or bool(session.new or session.dirty or session.deleted)


def insert_or_nothing(session: OrmSession, table: Any, **values: Any) -> bool:
    """INSERT the row unless a unique key already holds it; True when it was inserted.

    One statement, so requests racing each other agree on who inserted (on PostgreSQL
    the loser waits for the winner's commit and then inserts nothing)."""
    target = getattr(table, "__table__", table)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    key = next(iter(target.primary_key.columns))
    statement = insert(target).values(**values).on_conflict_do_nothing().returning(key)
    # RETURNING, not rowcount: psycopg reports no row count for this statement
    return session.execute(statement).first() is not None


def update_if(session: OrmSession, row: Any, expected: dict[str, Any], **values: Any) -> bool:
    """UPDATE ``row`` to ``values`` only if it still holds ``expected``, in one statement;
    True when it did (and ``row`` in memory then holds ``values``).

    Two requests that read the same row and both want to change it cannot both succeed:
    the database decides, not the order in which they read."""
    model = type(row)
    guard = [getattr(model, "id") == row.id]  # noqa: B009 - any model with an id
    guard += [getattr(model, name) == value for name, value in expected.items()]
    result = session.execute(
        update(model).where(*guard).values(**values).execution_options(synchronize_session=False)
    )
    if changed_rows(result) != 1:
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    return True


def begin_writing(session: OrmSession) -> None:
    """SQLite: begin the session's transaction with the write lock (``BEGIN
    IMMEDIATE``), waiting for it as for any lock; nothing on PostgreSQL."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    driver = connection.connection.dbapi_connection
    if driver is not None and not driver.in_transaction:  # reads so far took no lock
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def advance(session: OrmSession, row: Any, target: str) -> bool:
    """Move ``row`` (with ``status`` and ``lock_version``) to the status ``target`` only
    if nobody moved or edited it since it was read; True when it moved."""
    return update_if(
        session,
        row,
        {"status": row.status, "lock_version": row.lock_version},
        status=target,
        lock_version=row.lock_version + 1,
    )


def changed_rows(result: Any) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return int(getattr(result, "rowcount", 0) or 0)


# A commit copies the write-ahead log into the database file (a checkpoint) only when the
# log has grown this long (SQLite's default: 1,000 pages). The web app checkpoints in the
# background (``Database.checkpoint_in_background``), so requests seldom wait for one.
WAL_PAGES = 10_000  # 40 MB with 4 KiB pages
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a connection waits for another's write


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
    cursor.close()


class Database:
    """Holds the engine and hands out sessions."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._checkpoints: tuple[threading.Thread, threading.Event] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def prepare_to_write(self, session: Session) -> None:
        """SQLite: take the write lock now (``BEGIN IMMEDIATE``, waiting for it like for
        any lock), for a request that means to write. Its reads then see the latest
        state and its writes cannot fail on a snapshot that another writer has made
        stale meanwhile: requests that write are done one after another. PostgreSQL
        needs nothing: its row locks and guarded statements decide."""
        begin_writing(session)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on error."""
        with self.session() as session, session.begin():
            yield session

    def ping(self) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1

    def checkpoint_in_background(self, every: float = 1.0) -> None:
        """SQLite: copy the write-ahead log into the database file every ``every``
        seconds on a thread of its own (a passive checkpoint: it waits for nobody and
        nobody waits for it). Otherwise the commit that fills the log does it, and a
        burst of ballots waits about 20 ms for it. Nothing to do on PostgreSQL."""
        if not self.is_sqlite or self._checkpoints is not None:
            return
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(every):
                try:
                    # on the driver's own cursor: nothing of it shows in statement events
                    connection = self.engine.raw_connection()
                    try:
                        connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
                    finally:
                        connection.close()
                except (sqlite3.Error, SQLAlchemyError):
                    log.exception("background checkpoint failed; trying again in a second")

        thread = threading.Thread(target=run, name="sqlite-checkpoint", daemon=True)
        self._checkpoints = (thread, stop)
        thread.start()

    def dispose(self) -> None:
        if self._checkpoints is not None:
            thread, stop = self._checkpoints
            stop.set()
            thread.join(timeout=5)
            self._checkpoints = None
        self.engine.dispose()
