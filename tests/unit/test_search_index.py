"""The index follows the tables: every write through the ORM rewrites its document."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from plenum.clock import utcnow
from plenum.discuss import access
from plenum.discuss import service as discuss
from plenum.discuss.models import Thread
from plenum.motions import service
from plenum.search import index
from plenum.search import service as search
from plenum.search.models import SearchDocument
from tests.support import search as world_of
from tests.support.factories import structure
from tests.support.motions import make_call, motion_input
from tests.support.web import enrol


@pytest.fixture
def small(session, settings):
    org = structure(session)
    people = {
        role: enrol(session, settings, role, world_of.PEOPLE[role])
        for role in ("proposer", "staff", "member", "board")
    }
    return world_of.World(session, org, people, make_call(session, org.state_convention))


def document(session, kind, ref):
    session.expire_all()
    return session.exec(
        select(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.ref_id == ref)
    ).first()


def finds(small, words, role="staff"):
    query = search.SearchQuery(text=words)
    hits = search.search(query, principal=small.who(role), session=small.session).hits
    return [(hit.kind, hit.ref_id) for hit in hits]


def check_fts(database):
    """SQLite's FTS table matches search_document row for row (raises if not)."""
    if database.is_sqlite:
        with database.engine.connect() as connection:
            connection.execute(
                text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
            )


@pytest.fixture
def fts_intact(small, database):
    """Before the test (after the tables were emptied by DELETE) and after it."""
    check_fts(database)
    yield
    check_fts(database)


def draft(small, title="Ein Entwurf", body="Der Text zum Wasserwerk."):
    place = service.call_place(small.call.id or 0, session=small.session)
    data = motion_input(title=title, text=body)
    return service.save_draft(place, data, principal=small.who("proposer"), session=small.session)


def test_an_edited_motion_is_found_by_its_new_words_only(small, fts_intact):
    motion = draft(small)
    place = service.call_place(small.call.id or 0, session=small.session)
    service.update_motion(
        motion,
        place,
        motion_input(title="Das Klärwerk", text="Der Text zum Klärwerk."),
        expected_version=motion.lock_version,
        principal=small.who("proposer"),
        session=small.session,
    )
    doc = document(small.session, "motion", motion.id)
    assert doc.title == "Das Klärwerk"
    assert "Klärwerk" in doc.body
    assert doc.chapter_id == small.org.state.id
    assert finds(small, "Klärwerk", "proposer") == [("motion", motion.id)]
    assert finds(small, "Wasserwerk", "proposer") == []


def test_a_deleted_draft_leaves_the_index(small, fts_intact):
    motion = draft(small)
    assert document(small.session, "motion", motion.id) is not None
    service.delete_draft(motion, principal=small.who("proposer"), session=small.session)
    assert document(small.session, "motion", motion.id) is None


def test_a_new_version_of_a_published_motion_replaces_its_text(small, fts_intact):
    motion = small.motion("m", "Wasser", text="Der Text zum Wasserwerk.")
    place = service.call_place(motion.consultation_id, session=small.session)
    service.add_version(motion, "Der Text zum Brunnen.", place, actor=None, session=small.session)
    small.session.commit()
    assert "Brunnen" in document(small.session, "motion", motion.id).body
    assert finds(small, "Wasserwerk") == []


def test_a_hidden_comment_leaves_the_index_and_comes_back_when_restored(small, fts_intact):
    at = access.chapter_space(small.org.state, session=small.session)
    comment = small.topic("c", at, "Ein Thema", "Ein Wort zum Löschteich.", by="member")
    assert finds(small, "Löschteich") == [("comment", comment.id)]
    comment.hidden_at, comment.hidden_reason = utcnow(), "off topic"
    small.session.add(comment)
    small.session.commit()
    assert document(small.session, "comment", comment.id) is None
    assert finds(small, "Löschteich") == []
    comment.hidden_at, comment.hidden_reason = None, ""
    small.session.add(comment)
    small.session.commit()
    assert finds(small, "Löschteich") == [("comment", comment.id)]


def test_a_comment_deleted_by_its_author_leaves_the_index(small, fts_intact):
    at = access.chapter_space(small.org.state, session=small.session)
    comment = small.topic("c", at, "Ein Thema", "Ein Wort zum Löschteich.", by="member")
    discuss.delete_comment(comment, principal=small.who("member"), session=small.session)
    small.session.commit()  # as the request would
    assert document(small.session, "comment", comment.id) is None


def test_comments_carry_the_title_of_their_thread_as_it_changes(small, fts_intact):
    at = access.chapter_space(small.org.state, session=small.session)
    comment = small.topic("c", at, "Altes Thema", "Ein Kommentar.", by="member")
    thread = small.session.get(Thread, comment.thread_id)
    thread.title = "Neues Thema"
    small.session.add(thread)
    small.session.commit()
    assert document(small.session, "comment", comment.id).title == "Neues Thema"

    motion = world_of.submitted_motion(
        small.session, small.call, small.people["proposer"], title="Alter Titel", text="Text."
    )
    on_motion = small.comment_on("m", motion, "Zum Antrag.", by="board")
    assert document(small.session, "comment", on_motion.id).title == f"{motion.number} Alter Titel"
    place = service.call_place(motion.consultation_id, session=small.session)
    service.update_motion(
        motion,
        place,
        motion_input(title="Neuer Titel", text="Text."),
        expected_version=motion.lock_version,
        principal=small.who("proposer"),
        session=small.session,
    )
    assert document(small.session, "comment", on_motion.id).title == f"{motion.number} Neuer Titel"


def test_a_rollback_takes_the_document_back_too(small, fts_intact):
    motion = draft(small, title="Vorher")
    motion.title = "Nachher"
    small.session.add(motion)  # flushed, not committed, by the query that follows
    assert document_in_transaction(small.session, motion.id).title == "Nachher"
    small.session.rollback()
    assert document(small.session, "motion", motion.id).title == "Vorher"


def document_in_transaction(session, ref):
    return session.exec(
        select(SearchDocument).where(SearchDocument.kind == "motion", SearchDocument.ref_id == ref)
    ).one()


def test_control_characters_never_reach_the_index(small, fts_intact):
    motion = draft(small, title="Mit\x02 Marke\x03", body="Text\x02 mit\x07 Zeichen\x03.")
    doc = document(small.session, "motion", motion.id)
    assert doc.title == "Mit Marke"
    assert "\x02" not in doc.body
    assert "\x07" not in doc.body


def test_reindex_rebuilds_the_index_from_the_tables(small, fts_intact):
    motion = small.motion("m", "Wasser", text="Der Text zum Wasserwerk.")
    at = access.chapter_space(small.org.state, session=small.session)
    small.topic("c", at, "Thema", "Zum Wasserwerk.", by="member")
    connection = small.session.connection()
    connection.execute(text("DELETE FROM search_document"))
    stray = {"kind": "motion", "ref_id": 999999, "chapter_id": small.org.state.id}
    connection.execute(
        SearchDocument.__table__.insert().values(**stray, title="weg", body="", updated_at=utcnow())
    )
    small.session.commit()
    assert finds(small, "Wasserwerk") == []
    counts = index.reindex(session=small.session)
    assert counts == {"motion": 1, "amendment": 0, "resolution": 0, "comment": 1}
    assert sorted(kind for kind, _ in finds(small, "Wasserwerk")) == ["comment", "motion"]
    assert document(small.session, "motion", 999999) is None
    assert document(small.session, "motion", motion.id).title.endswith("Wasser")


def test_alembic_leaves_out_only_the_full_text_objects():
    include = index.include_in_autogenerate
    assert not include("search_fts", "table", {})
    assert not include("search_fts_data", "table", {})
    assert not include("ix_search_document_fts", "index", {})
    assert include("search_document", "table", {})
    assert include("ix_search_document_chapter_id", "index", {})
    assert include(None, "schema", {})
