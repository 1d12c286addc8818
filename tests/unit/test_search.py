"""Search as a member sees it: only what they may read, ranked, marked and filtered."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import event
from sqlmodel import select

from plenum.discuss import access
from plenum.discuss.models import Comment
from plenum.errors import NotFound, ValidationFailed
from plenum.motions import amendments, resolutions, service
from plenum.motions.models import Resolution
from plenum.orgs.models import Body, Chapter
from plenum.search import service as search
from plenum.search.models import SearchDocument
from plenum.search.visibility import Readable
from tests.support import search as world_of
from tests.support.search import EXPECTED, ROLES, WORD


@pytest.fixture
def world(session, settings):
    return world_of.build(session, settings)


def found(world, role, text=WORD, **filters):
    query = search.SearchQuery(text=text, **filters)
    results = search.search(query, principal=world.who(role), session=world.session)
    names = {thing: name for name, thing in world.things.items()}
    return {names.get((hit.kind, hit.ref_id), f"{hit.kind}:{hit.ref_id}") for hit in results.hits}


@pytest.mark.parametrize("role", ROLES)
def test_a_member_finds_exactly_what_they_may_read(world, role):
    expected = {name for name, readers in EXPECTED.items() if role in readers}
    assert found(world, role) == expected


def _page_allows(world, principal, kind, ref):
    """What the page of the thing itself decides (its own check, one thing at a time)."""
    session = world.session
    try:
        if kind == "motion":
            mp = service.motion_place(ref, session=session)
            service.viewer(mp.motion, mp.place, principal=principal, session=session)
        elif kind == "amendment":
            ap = amendments.amendment_place(ref, session=session)
            amendments.viewer(ap, principal=principal, session=session)
        elif kind == "resolution":
            found_ = session.get(Resolution, ref)
            body = session.get(Body, found_.body_id)
            chapter = session.get(Chapter, body.chapter_id)
            return resolutions.may_read(body, chapter, principal)
        else:
            comment = session.get(Comment, ref)
            where = access.thread_place(comment.thread_id, session=session)
            shown = comment.deleted_at is None and comment.hidden_at is None
            return shown and access.thread_access(principal, where, session=session).read
    except NotFound:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_the_batched_check_agrees_with_each_page(world, role):
    principal = world.who(role)
    keys = [(kind, ref) for kind, ref in world.things.values()]
    links = Readable(principal, session=world.session).links(keys)
    for kind, ref in keys:
        assert ((kind, ref) in links) == _page_allows(world, principal, kind, ref), (kind, ref)


def test_hidden_and_deleted_comments_are_not_in_the_index(world):
    texts = world.session.exec(select(SearchDocument.body)).all()
    assert not [t for t in texts if "Beleidigung" in t or "Zurückgezogen" in t]
    assert found(world, "staff", "Beleidigung") == set()
    assert found(world, "proposer", "Zurückgezogen") == set()


def test_too_long_a_search_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        search.parse({"q": "x" * 201})
    assert set(caught.value.errors) == {"q"}
    assert search.parse({"q": "x" * 200}).text == "x" * 200


def test_words_are_cut_from_any_syntax():
    assert search.words('"><img src=x onerror=alert(1)>') == [
        "img",
        "src",
        "x",
        "onerror",
        "alert",
        "1",
    ]
    assert search.words("Anträge OR NEAR(a b) -x* {{7*7}}") == [
        "anträge",
        "or",
        "near",
        "a",
        "b",
        "x",
        "7",
    ]
    assert search.words("%(name)s ' \" ; -- ") == ["name", "s"]
    assert search.words("¿?") == []


def test_unknown_filters_are_ignored():
    query = search.parse({"q": "a", "type": "member", "chapter": "x" * 500, "start": "-3"})
    assert (query.kind, len(query.chapter), query.start) == ("", 80, 0)


# --- ranking, words, marks ---------------------------------------------------------------------


@pytest.fixture
def small(session, settings):
    """A state convention's call with a proposer and the office staff, nothing else."""
    from tests.support.factories import structure
    from tests.support.motions import make_call
    from tests.support.web import enrol

    org = structure(session)
    people = {
        role: enrol(session, settings, role, world_of.PEOPLE[role])
        for role in ("proposer", "staff", "member")
    }
    return world_of.World(session, org, people, make_call(session, org.state_convention))


def hits(small, text, role="member"):
    query = search.SearchQuery(text=text)
    return search.search(query, principal=small.who(role), session=small.session).hits


def ranked(small, text, role="member"):
    """The names of what was found, best first."""
    names = {thing: name for name, thing in small.things.items()}
    return [names[hit.kind, hit.ref_id] for hit in hits(small, text, role)]


def body(*sentences):
    return "Der Landesparteitag möge beschließen:\n\n" + " ".join(sentences)


def test_a_hit_in_the_title_ranks_above_a_hit_in_the_text(small):
    small.motion("text", "Anderes Thema", text=body("Mehr Radverkehr in der Stadt."))
    small.motion("title", "Radverkehr stärken", text=body("Mehr Wege in der Stadt bauen."))
    assert ranked(small, "radverkehr") == ["title", "text"]


def test_more_matches_rank_higher(small):
    small.motion("once", "Erster", text=body("Busverkehr hier, Taktung da, Linien dort."))
    small.motion("thrice", "Zweiter", text=body("Busverkehr hier, Busverkehr da, Busverkehr dort."))
    assert ranked(small, "Busverkehr") == ["thrice", "once"]


def test_every_word_must_match_and_a_beginning_is_enough(small):
    small.motion("a", "Regionalkonferenzen", text=body("Konferenzen im ganzen Land."))
    small.motion("b", "Regionalbahn", text=body("Mehr Züge."))
    assert sorted(ranked(small, "Regional")) == ["a", "b"]
    assert ranked(small, "regional ganzen") == ["a"]
    assert ranked(small, "regional nirgendwo") == []


@pytest.mark.postgres_only
def test_german_stems_are_found(small, database):
    if database.is_sqlite:
        pytest.skip("SQLite's FTS5 tokenizer has no German stemmer; PostgreSQL only")
    small.motion("m", "Ein Antrag zur Satzung", text=body("Die Kreisverbände beraten."))
    assert ranked(small, "Anträge Kreisverband") == ["m"]


def test_hits_are_marked_and_everything_else_is_escaped(small):
    small.motion("m", "<b>Radverkehr</b> & Fußwege", text=body("Sichere <i>Radverkehr</i>-Wege."))
    [hit] = hits(small, "radverkehr")
    assert "<mark>Radverkehr</mark>" in hit.title
    assert "&lt;b&gt;" in hit.title
    assert "<b>" not in hit.title
    assert "&amp;" in hit.title
    assert "<mark>Radverkehr</mark>" in hit.excerpt
    assert "<i>" not in hit.excerpt
    assert "&lt;\u200bi&gt;" in hit.excerpt  # as typed (a zero-width space keeps it no tag)


def test_marks_from_the_engine_only_become_mark_elements():
    assert search.marked("a \x02<b>\x03 c") == "a <mark>&lt;b&gt;</mark> c"
    assert search.marked("stray \x03 and \x02 marks") == "stray and marks"
    assert search.marked("<script>x</script>\n\n y") == "&lt;script&gt;x&lt;/script&gt; y"


# --- filters and pages -------------------------------------------------------------------------


def test_the_type_filter(world):
    comments = {n for n, (kind, _) in world.things.items() if kind == "comment"}
    assert found(world, "federal", kind="comment") == comments - {"hidden", "deleted"}
    assert found(world, "federal", kind="resolution") == {"resolution"}


def test_the_chapter_filter_includes_the_chapters_below(world):
    assert found(world, "federal", chapter="lv-sachsen") == {"saxony", "saxony_topic"}
    nrw = found(world, "federal", chapter="lv-nrw")
    assert "saxony" not in nrw
    assert "board_topic" in nrw
    assert "published" in nrw
    assert found(world, "federal", chapter="bund") == found(world, "federal")
    assert found(world, "federal", chapter="kv-koeln") == set()


def test_pages_skip_what_the_member_may_not_read(small, monkeypatch):
    monkeypatch.setattr(search, "PAGE", 5)
    monkeypatch.setattr(search, "BATCH", 4)
    place = service.call_place(small.call.id or 0, session=small.session)
    for n in range(12):
        small.motion(f"shown{n}", f"Sichtbar {n}", text=body(f"Zeile {WORD}."))
        if n % 2:
            service.save_draft(
                place,
                world_of.motion_input(title=f"Entwurf {n}", text=body(WORD)),
                principal=small.who("proposer"),
                session=small.session,
            )
    seen, start, pages = [], 0, []
    while start is not None:
        results = search.search(
            search.SearchQuery(text=WORD, start=start),
            principal=small.who("member"),
            session=small.session,
        )
        pages.append(len(results.hits))
        seen += [hit.title.striptags().split(" ", 1)[1] for hit in results.hits]
        start = results.next_start
    assert pages == [5, 5, 2]
    assert sorted(seen) == sorted(f"Sichtbar {n}" for n in range(12))


def test_a_page_stops_looking_after_many_unreadable_hits(small, monkeypatch):
    monkeypatch.setattr(search, "BATCH", 4)
    monkeypatch.setattr(search, "MAX_SCANNED", 8)
    place = service.call_place(small.call.id or 0, session=small.session)
    for n in range(10):
        service.save_draft(
            place,
            world_of.motion_input(title=f"Entwurf {n}", text=body(WORD)),
            principal=small.who("proposer"),
            session=small.session,
        )
    long_text = body(WORD, *["Und noch ein Satz."] * 60)  # ranks low: a long text
    small.motion("late", "Ganz hinten", text=long_text)
    first = search.search(
        search.SearchQuery(text=WORD), principal=small.who("member"), session=small.session
    )
    assert first.hits == []
    assert first.next_start == 8
    second = search.search(
        search.SearchQuery(text=WORD, start=8), principal=small.who("member"), session=small.session
    )
    assert [h.ref_id for h in second.hits] == [small.things["late"][1]]
    assert second.next_start is None


SYNTAX = st.sampled_from(
    [
        '"',
        "*",
        "NEAR(",
        "AND",
        "OR",
        "NOT",
        "^",
        ":",
        "&",
        "|",
        "!",
        "<->",
        "'",
        "(",
        ")",
        "-",
        "\\",
    ]
)


@examples(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.lists(st.one_of(st.text(max_size=12), SYNTAX), max_size=12).map(" ".join))
def test_whatever_a_member_types_is_a_safe_query(small_with_a_motion, typed):
    small = small_with_a_motion
    query = search.parse({"q": typed[: search.MAX_LENGTH]})
    results = search.search(query, principal=small.who("member"), session=small.session)
    assert len(results.hits) <= 1


@pytest.fixture
def small_with_a_motion(small):
    small.motion("m", "Wasser für alle", text=body("Brunnen: ein Wort, das * und „Zitate“ trägt."))
    return small


def statements_for(small, database, role="member"):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        hits(small, WORD, role)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    return len(seen)


def test_a_page_costs_the_same_statements_with_3_or_18_hits(small, database):
    from plenum.discuss import access as places

    at = places.chapter_space(small.org.state, session=small.session)

    def add(n):
        for i in range(n):
            motion = small.motion(f"m{n}{i}", f"Antrag {i}", text=body(WORD))
            small.comment_on(f"c{n}{i}", motion, f"{WORD} {i}", by="member")
            small.topic(f"t{n}{i}", at, f"Thema {i}", f"{WORD} {i}", by="member")

    add(1)
    few = statements_for(small, database)
    add(5)
    assert len(hits(small, WORD)) == 18
    assert statements_for(small, database) == few
