"""Keeping ``search_document`` current: one row per motion, amendment, resolution and
readable comment.

No service writes the index itself. A listener on every ORM session's flush notes which
motions, amendments, resolutions, comments and threads the flush wrote, and rewrites
their documents from the tables in the same transaction: a rollback undoes both. A
document is built by one query per kind (``_sources``), so the listener and ``reindex``
build it the same way. A deleted or hidden comment has no document, so its text cannot
be found. Changes made with bulk ``UPDATE`` statements pass the listener by; none of them
touches indexed text, and ``plenum reindex`` rebuilds everything.

The full-text index over the documents is made by the migration (an FTS5 table kept by
triggers on SQLite, a GIN index on PostgreSQL), outside the models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from sqlalchemy import (
    Connection,
    Select,
    Table,
    delete,
    event,
    func,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, UOWTransaction
from sqlmodel import col

from plenum.clock import utcnow
from plenum.discuss.models import Comment, Space, Thread
from plenum.motions.models import Amendment, Consultation, Motion, MotionVersion, Resolution
from plenum.orgs.models import Body
from plenum.search.models import SearchDocument
from plenum.text.markdown import text_of

KINDS = ("motion", "amendment", "resolution", "comment")
TABLE: Table = SearchDocument.__table__  # type: ignore[attr-defined]
CHUNK = 500  # ids per query when many documents are rewritten

# What a flush must change for a document to be rewritten: (kind, indexed attributes).
_WATCHED: dict[type[Any], tuple[str, tuple[str, ...]]] = {
    Motion: ("motion", ("title", "number", "text", "reasons", "current_version_id")),
    Amendment: ("amendment", ("title", "number", "text", "reasons")),
    Resolution: ("resolution", ("title", "number", "text", "reasons", "body_id")),
    Comment: ("comment", ("body", "deleted_at", "hidden_at", "thread_id")),
}
# A comment's document carries its thread's title: the topic's, or the motion's.
_TITLES = ("title", "number")
Query: TypeAlias = Select[*tuple[Any, ...]]  # a query building documents
# Control characters never reach the index: search marks hits with \x02 and \x03.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Document:
    ref_id: int
    chapter_id: int
    title: str
    body: str


# --- building documents from the tables ------------------------------------------------------


def _motions(ids: Sequence[int]) -> Query:
    return (
        select(
            col(Motion.id),
            col(Body.chapter_id),
            col(Motion.number),
            col(Motion.title),
            func.coalesce(col(MotionVersion.text), col(Motion.text)),
            col(Motion.reasons),
        )
        .join(Consultation, col(Consultation.id) == Motion.consultation_id)
        .join(Body, col(Body.id) == Consultation.body_id)
        .outerjoin(MotionVersion, col(MotionVersion.id) == Motion.current_version_id)
        .where(col(Motion.id).in_(ids))
    )


def _amendments(ids: Sequence[int]) -> Query:
    return (
        select(
            col(Amendment.id),
            col(Body.chapter_id),
            col(Amendment.number),
            col(Amendment.title),
            col(Amendment.text),
            col(Amendment.reasons),
        )
        .join(Motion, col(Motion.id) == Amendment.motion_id)
        .join(Consultation, col(Consultation.id) == Motion.consultation_id)
        .join(Body, col(Body.id) == Consultation.body_id)
        .where(col(Amendment.id).in_(ids))
    )


def _resolutions(ids: Sequence[int]) -> Query:
    return (
        select(
            col(Resolution.id),
            col(Body.chapter_id),
            col(Resolution.number),
            col(Resolution.title),
            col(Resolution.text),
            col(Resolution.reasons),
        )
        .join(Body, col(Body.id) == Resolution.body_id)
        .where(col(Resolution.id).in_(ids))
    )


def _comments(ids: Sequence[int]) -> Query:
    """Comments still shown, with the title of what their thread discusses."""
    return (
        select(
            col(Comment.id),
            col(Space.chapter_id),
            col(Comment.body),
            col(Thread.title),
            col(Motion.number),
            col(Motion.title),
            col(Amendment.number),
            col(Amendment.title),
        )
        .join(Thread, col(Thread.id) == Comment.thread_id)
        .join(Space, col(Space.id) == Thread.space_id)
        .outerjoin(Motion, col(Motion.id) == Thread.motion_id)
        .outerjoin(Amendment, col(Amendment.id) == Thread.amendment_id)
        .where(col(Comment.id).in_(ids))
        .where(col(Comment.deleted_at).is_(None), col(Comment.hidden_at).is_(None))
    )


def clean(value: str | None) -> str:
    return _CONTROL.sub("", value or "")


def words_of(markdown: str) -> str:
    """What a member wrote as the words a reader sees (no Markdown markers). A "<" a member
    typed stays text: PostgreSQL's headline parser would take "<i>" for a tag and drop it
    from the excerpt, so an invisible zero-width space keeps it from looking like one."""
    return clean(text_of(markdown)).replace("<", "<\u200b")


def _numbered(number: str | None, title: str, separator: str = " ") -> str:
    return f"{number}{separator}{title}" if number else title


def _document(kind: str, row: Sequence[Any]) -> Document:
    if kind == "comment":
        ref_id, chapter_id, body, thread_title, m_number, m_title, a_number, a_title = row
        if a_title is not None:
            title = _numbered(a_number, a_title, ": ")
        elif m_title is not None:
            title = _numbered(m_number, m_title)
        else:
            title = thread_title
        return Document(ref_id, chapter_id, clean(title)[:300], words_of(body or ""))
    ref_id, chapter_id, number, title, body, reasons = row
    separator = ": " if kind == "amendment" else " "
    # The words without Markdown's markers: excerpts show text, and "##" finds nothing.
    text_ = "\n\n".join(words_of(part) for part in (body, reasons) if part)
    return Document(
        ref_id, chapter_id, clean(_numbered(number, title, separator))[:300], clean(text_)
    )


# kind: (the query building its documents, the id column of its table)
_SOURCES = {
    "motion": (_motions, col(Motion.id)),
    "amendment": (_amendments, col(Amendment.id)),
    "resolution": (_resolutions, col(Resolution.id)),
    "comment": (_comments, col(Comment.id)),
}


def documents(connection: Connection, kind: str, ids: Sequence[int]) -> list[Document]:
    build, _id = _SOURCES[kind]
    return [_document(kind, row) for row in connection.execute(build(ids)).all()]


# --- writing documents -------------------------------------------------------------------------


def refresh(connection: Connection, kind: str, ids: Iterable[int]) -> None:
    """Rewrite the documents of ``kind`` for ``ids``; ids with nothing to find lose theirs."""
    for chunk in _chunks(sorted(set(ids))):
        found = documents(connection, kind, chunk)
        _upsert(connection, kind, found)
        gone = set(chunk) - {doc.ref_id for doc in found}
        if gone:
            connection.execute(
                delete(TABLE).where(TABLE.c.kind == kind, TABLE.c.ref_id.in_(sorted(gone)))
            )


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _upsert(connection: Connection, kind: str, found: Sequence[Document]) -> None:
    if not found:
        return
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    statement = insert(TABLE)
    new = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[TABLE.c.kind, TABLE.c.ref_id],
        set_={
            "chapter_id": new.chapter_id,
            "title": new.title,
            "body": new.body,
            "updated_at": new.updated_at,
        },
        # unchanged documents are left alone (no index churn on SQLite)
        where=or_(
            TABLE.c.chapter_id != new.chapter_id,
            TABLE.c.title != new.title,
            TABLE.c.body != new.body,
        ),
    )
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "ref_id": doc.ref_id,
            "chapter_id": doc.chapter_id,
            "title": doc.title,
            "body": doc.body,
            "updated_at": now,
        }
        for doc in found
    ]
    connection.execute(statement, rows)


def reindex(*, session: Session) -> dict[str, int]:
    """Rebuild every document from the tables and commit; the number of documents per kind."""
    connection = session.connection()
    for kind, (_build, id_column) in _SOURCES.items():
        ids = [ref for ref in connection.execute(select(id_column)).scalars() if ref is not None]
        existing = select(id_column)
        connection.execute(
            delete(TABLE).where(TABLE.c.kind == kind, TABLE.c.ref_id.not_in(existing))
        )
        refresh(connection, kind, ids)
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
    query = select(TABLE.c.kind, func.count()).group_by(TABLE.c.kind)
    counts: dict[str, int] = dict(connection.execute(query).all())
    session.commit()
    return {kind: counts.get(kind, 0) for kind in KINDS}


# --- the flush listener ------------------------------------------------------------------------


@dataclass
class _Touched:
    """What one flush wrote that the index must follow."""

    ids: dict[str, set[int]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    threads: set[int] = field(default_factory=set)  # threads whose title changed
    motions: set[int] = field(default_factory=set)  # ... motions and amendments
    amendments: set[int] = field(default_factory=set)  # whose number or title changed

    def __bool__(self) -> bool:
        return any(self.ids.values()) or bool(self.threads or self.motions or self.amendments)


def _changed(obj: object, names: Sequence[str]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _touched(session: Session) -> _Touched:
    touched = _Touched()
    for obj in (*session.new, *session.deleted):
        if type(obj) in _WATCHED and obj.id is not None:
            touched.ids[_WATCHED[type(obj)][0]].add(obj.id)
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched is not None and _changed(obj, watched[1]):
            touched.ids[watched[0]].add(obj.id)
        if isinstance(obj, Thread) and _changed(obj, ("title",)):
            touched.threads.add(obj.id or 0)
        elif isinstance(obj, Motion) and _changed(obj, _TITLES):
            touched.motions.add(obj.id or 0)
        elif isinstance(obj, Amendment) and _changed(obj, _TITLES):
            touched.amendments.add(obj.id or 0)
    return touched


def _comments_of_threads(connection: Connection, touched: _Touched) -> set[int]:
    """The comments whose document title follows a changed thread, motion or amendment."""
    if not (touched.threads or touched.motions or touched.amendments):
        return set()
    query = (
        select(col(Comment.id))
        .join(Thread, col(Thread.id) == Comment.thread_id)
        .where(
            or_(
                col(Thread.id).in_(sorted(touched.threads)),
                col(Thread.motion_id).in_(sorted(touched.motions)),
                col(Thread.amendment_id).in_(sorted(touched.amendments)),
            )
        )
    )
    return {ref for ref in connection.execute(query).scalars() if ref is not None}


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    touched = _touched(session)
    if not touched:
        return
    connection = session.connection()
    touched.ids["comment"] |= _comments_of_threads(connection, touched)
    for kind, ids in touched.ids.items():
        if ids:
            refresh(connection, kind, ids)


if not event.contains(Session, "after_flush", _after_flush):
    event.listen(Session, "after_flush", _after_flush)


# --- for Alembic -------------------------------------------------------------------------------

# Made by the migration, outside the models: autogenerate must not see them.
_FTS_TABLE = "search_fts"  # and its shadow tables search_fts_data, _idx, _docsize, _config
_FTS_INDEX = "ix_search_document_fts"


def include_in_autogenerate(name: str | None, type_: str, _parents: Mapping[str, Any]) -> bool:
    """Alembic's ``include_name`` hook: leave out the full-text index objects."""
    if name is None:
        return True
    if type_ == "table":
        return not (name == _FTS_TABLE or name.startswith(_FTS_TABLE + "_"))
    return not (type_ == "index" and name == _FTS_INDEX)
