"""Searching: from what a member typed to a page of ranked hits they may read.

The member's text never reaches the full-text engine as syntax: it is cut into words
(letters and digits only), and the query is built from those. SQLite matches each word
as a prefix (FTS5, ranked by bm25 with the title weighing ten times the body);
PostgreSQL matches German stems (``to_tsquery('german', …)``, ranked by ``ts_rank``
with the title weighted A and the body D). Hits come in rank order in batches; each
batch keeps only what the member may read (``visibility.Readable``), until a page is
full. Excerpts are marked with control characters by the engine, then escaped, and
only then are the marks turned into ``<mark>``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import ColumnClause, ColumnElement, bindparam, column, func, literal_column, table
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from plenum.auth.permissions import Principal
from plenum.errors import N_, ValidationFailed
from plenum.orgs.models import Chapter
from plenum.parsing import parse_int
from plenum.search.index import KINDS, TABLE, Query
from plenum.search.visibility import Link, Readable

MAX_LENGTH = 200  # characters a member may type
MAX_WORDS = 12
PAGE = 20  # hits per page
BATCH = 50  # candidates checked at a time
MAX_SCANNED = 1000  # candidates checked for one page at most
PREFIX_FROM = 3  # shorter words must match whole
START, STOP = "\x02", "\x03"  # marks around a hit in titles and excerpts

_WORD = re.compile(r"[^\W_]+")
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    chapter: str = ""  # a chapter's key: it and the chapters below it
    kind: str = ""  # one of KINDS, or all
    start: int = 0  # where in the ranked candidates this page begins

    @property
    def words(self) -> list[str]:
        return words(self.text)


def parse(values: Mapping[str, str]) -> SearchQuery:
    """The search as typed; too long a text is refused (and shown again)."""
    text = values.get("q", "").strip()
    if len(text) > MAX_LENGTH:
        raise ValidationFailed({"q": N_("A search can have at most 200 characters.")})
    kind = values.get("type", "")
    start = values.get("start", "")
    return SearchQuery(
        text=text,
        chapter=values.get("chapter", "")[:80],
        kind=kind if kind in KINDS else "",
        start=parse_int(start, high=10**6) or 0,
    )


def words(text: str) -> list[str]:
    """The distinct words of ``text``, lower case, without any punctuation or syntax."""
    found = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    return list(dict.fromkeys(word[:50] for word in found))[:MAX_WORDS]


@dataclass(frozen=True)
class Hit:
    kind: str
    ref_id: int
    title: Markup
    excerpt: Markup
    chapter: str
    link: Link


@dataclass(frozen=True)
class Results:
    hits: list[Hit] = field(default_factory=list)
    start: int = 0
    next_start: int | None = None  # where the next page begins, if there may be one


@dataclass(frozen=True)
class _Candidate:
    doc_id: int
    kind: str
    ref_id: int
    chapter: str


def search(query: SearchQuery, *, principal: Principal, session: Session) -> Results:
    """One page of hits the member may read, best first."""
    if not query.words:
        return Results(start=query.start)
    engine = _engine(session)
    kept, next_start = _collect(query, engine, Readable(principal, session=session), session)
    marks = engine.highlights(query.words, [c.doc_id for c, _ in kept], session=session)
    hits = [
        Hit(c.kind, c.ref_id, *_marked(*marks.get(c.doc_id, ("", ""))), c.chapter, link)
        for c, link in kept
    ]
    return Results(hits, query.start, next_start)


def _collect(
    query: SearchQuery, engine: _Engine, readable: Readable, session: Session
) -> tuple[list[tuple[_Candidate, Link]], int | None]:
    """Up to a page of readable candidates from ``query.start`` on, and where the next
    page begins (None when every candidate has been seen)."""
    where = _filters(query, session=session)
    kept: list[tuple[_Candidate, Link]] = []
    position = query.start
    while len(kept) < PAGE and position - query.start < MAX_SCANNED:
        batch = engine.candidates(query.words, where, position, BATCH, session=session)
        end = position + len(batch)
        links = readable.links((c.kind, c.ref_id) for c in batch)
        for candidate in batch:
            position += 1
            link = links.get((candidate.kind, candidate.ref_id))
            if link is not None:
                kept.append((candidate, link))
                if len(kept) == PAGE:
                    break
        if len(batch) < BATCH and position == end:
            return kept, None
    return kept, position


def _filters(query: SearchQuery, *, session: Session) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.kind:
        where.append(TABLE.c.kind == query.kind)
    if query.chapter:
        chapter = session.exec(select(Chapter).where(Chapter.key == query.chapter)).first()
        if chapter is not None:
            where.append(col(Chapter.path).startswith(chapter.path, autoescape=True))
    return where


def chapter_choices(*, session: Session) -> list[tuple[str, str]]:
    """(key, name) of every chapter, for the filter."""
    rows = session.exec(select(Chapter.key, Chapter.name).order_by(col(Chapter.name))).all()
    return [(key, name) for key, name in rows]


# --- marks ---------------------------------------------------------------------------------------


def marked(value: str) -> Markup:
    """``value`` escaped, with the engine's marks turned into ``<mark>`` (and stray ones
    dropped): nothing a member wrote becomes markup."""
    parts: list[Markup] = []
    position = 0
    for match in _MARKED.finditer(value):
        parts.append(escape(_unmarked(value[position : match.start()])))
        parts.append(Markup("<mark>%s</mark>") % _unmarked(match.group(1)))
        position = match.end()
    parts.append(escape(_unmarked(value[position:])))
    return Markup(" ").join(Markup("").join(parts).split())


def _unmarked(value: str) -> str:
    return value.replace(START, "").replace(STOP, "")


def _marked(title: str, excerpt: str) -> tuple[Markup, Markup]:
    return marked(title), marked(excerpt)


# --- the two engines -----------------------------------------------------------------------------

_DOCUMENT_CHAPTER = col(Chapter.id) == TABLE.c.chapter_id
_CANDIDATE_COLUMNS = (TABLE.c.id, TABLE.c.kind, TABLE.c.ref_id, col(Chapter.name))


class _Engine:
    def candidates(
        self,
        words: Sequence[str],
        where: Sequence[ColumnElement[bool]],
        offset: int,
        limit: int,
        *,
        session: Session,
    ) -> list[_Candidate]:
        query = self.ranked(words).where(*where).offset(offset).limit(limit)
        return [_Candidate(*row) for row in session.connection().execute(query).all()]

    def ranked(self, words: Sequence[str]) -> Query:
        raise NotImplementedError

    def highlights(
        self, words: Sequence[str], doc_ids: Sequence[int], *, session: Session
    ) -> dict[int, tuple[str, str]]:
        """(title, excerpt) of each document, hits between START and STOP."""
        if not doc_ids:
            return {}
        query = self.marked(words).where(TABLE.c.id.in_(doc_ids))
        return {
            doc_id: (title, excerpt)
            for doc_id, title, excerpt in session.connection().execute(query)
        }

    def marked(self, words: Sequence[str]) -> Query:
        raise NotImplementedError


class _SQLite(_Engine):
    """FTS5: every word a quoted string (a prefix from three letters on), all required."""

    fts = table("search_fts", column("rowid"))
    name: ColumnClause[Any] = literal_column("search_fts")

    def match(self, words: Sequence[str]) -> ColumnElement[bool]:
        expression = " ".join(f'"{w}"*' if len(w) >= PREFIX_FROM else f'"{w}"' for w in words)
        return self.name.op("MATCH")(bindparam("match", expression))

    def joined(self, *columns: Any) -> Query:
        documents = self.fts.join(TABLE, TABLE.c.id == self.fts.c.rowid)
        return core_select(*columns).select_from(documents)

    def ranked(self, words: Sequence[str]) -> Query:
        return (
            self.joined(*_CANDIDATE_COLUMNS)
            .join(Chapter, _DOCUMENT_CHAPTER)
            .where(self.match(words))
            .order_by(func.bm25(self.name, 10.0, 1.0), TABLE.c.id)
        )

    def marked(self, words: Sequence[str]) -> Query:
        return self.joined(
            TABLE.c.id,
            func.highlight(self.name, 0, START, STOP),
            func.snippet(self.name, 1, START, STOP, "…", 24),
        ).where(self.match(words))


class _PostgreSQL(_Engine):
    """German stems, each word also as a prefix from three letters on, all required.
    ``vector`` is the expression of the GIN index the migration made, so the index is used."""

    vector: ColumnClause[Any] = literal_column(
        "to_tsvector('german', search_document.title || ' ' || search_document.body)"
    )
    weighted: ColumnClause[Any] = literal_column(
        "setweight(to_tsvector('german', search_document.title), 'A')"
        " || setweight(to_tsvector('german', search_document.body), 'D')"
    )
    german: ColumnClause[Any] = literal_column("'german'")
    title_options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
    excerpt_options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12,"
        ' MaxFragments=2, FragmentDelimiter=" … "'
    )

    def tsquery(self, words: Sequence[str]) -> ColumnElement[Any]:
        terms = " & ".join(f"{w}:*" if len(w) >= PREFIX_FROM else w for w in words)
        return func.to_tsquery(self.german, bindparam("terms", terms))

    def ranked(self, words: Sequence[str]) -> Query:
        tsquery = self.tsquery(words)
        return (
            core_select(*_CANDIDATE_COLUMNS)
            .select_from(TABLE)
            .join(Chapter, _DOCUMENT_CHAPTER)
            .where(self.vector.op("@@")(tsquery))
            .order_by(func.ts_rank(self.weighted, tsquery).desc(), TABLE.c.id)
        )

    def marked(self, words: Sequence[str]) -> Query:
        tsquery = self.tsquery(words)
        return core_select(
            TABLE.c.id,
            func.ts_headline(self.german, TABLE.c.title, tsquery, self.title_options),
            func.ts_headline(self.german, TABLE.c.body, tsquery, self.excerpt_options),
        )


def _engine(session: Session) -> _Engine:
    return _SQLite() if session.connection().dialect.name == "sqlite" else _PostgreSQL()
