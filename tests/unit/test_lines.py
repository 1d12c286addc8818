"""Line numbering of motion text: properties for any text, and worked examples."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plenum.motions.lines import (
    MIN_WIDTH,
    Block,
    Layout,
    Segment,
    layout,
    normalize,
    read_blocks,
    to_markdown,
    width_for,
    word_markdown,
    word_text,
)
from plenum.text.markdown import render

# --- strategies -----------------------------------------------------------------------------

PLAIN = [
    "Antrag", "Partei", "Mitglieder", "Genoss*innen", "Bürger*innen", "Ärger", "Straße",
    "über", "für", "Öffentlichkeit", "z.B.", "§", "3", "2024.", "1)", "-", "+", "#5", "#",
    "a_b", "_x_", "x*y", "*", "100%", "(Klammer)", "„Zitat“", "Ende.", "Komma,", "Frage?",
    "Ausruf!", "Doppel:punkt", "&", "&amp;", "<tag>", "[1]", "~", "\\", "`", "=", ">",
]  # fmt: skip

plain_words = st.one_of(
    st.sampled_from(PLAIN),
    st.text(alphabet="abcdeäöüßÄÖÜxyz", min_size=1, max_size=12),
)
words = st.one_of(
    plain_words,
    plain_words.map(lambda w: f"**{w}**"),
    plain_words.map(lambda w: f"*{w}*"),
    plain_words.map(lambda w: f"~~{w}~~"),
    plain_words.map(lambda w: f"`{w}`"),
    plain_words.map(lambda w: f"[{w}](https://example.org/{len(w)})"),
    st.tuples(plain_words, plain_words).map(lambda p: f"**{p[0]}**{p[1]}"),
)
spans = st.one_of(
    words,
    st.lists(plain_words, min_size=2, max_size=4).map(lambda ws: "**" + " ".join(ws) + "**"),
    st.lists(plain_words, min_size=2, max_size=4).map(lambda ws: "*" + " ".join(ws) + "*"),
)
separators = st.sampled_from([" ", " ", " ", " ", "\\\n", "\n"])


@st.composite
def inline(draw: st.DrawFn) -> str:
    parts = draw(st.lists(spans, min_size=1, max_size=8))
    out = parts[0]
    for part in parts[1:]:
        out += draw(separators) + part
    return out


@st.composite
def list_block(draw: st.DrawFn) -> str:
    items: list[str] = []
    indents = [""]  # content indentation by depth
    depth = 0
    for _ in range(draw(st.integers(1, 5))):
        depth = draw(st.integers(1, depth + 1))
        del indents[depth:]
        marker = f"{draw(st.integers(1, 12))}." if draw(st.booleans()) else "-"
        prefix = indents[depth - 1] + marker + " "
        indents.append(" " * len(prefix))
        items.append(prefix + draw(inline()).replace("\n", "\n" + indents[depth]))
    return draw(st.sampled_from(["\n", "\n\n"])).join(items)


blocks = st.one_of(
    inline(),
    inline(),
    st.tuples(st.integers(1, 6), inline()).map(
        lambda h: "#" * h[0] + " " + re.sub(r"\\?\n", " ", h[1])
    ),
    list_block(),
    inline().map(lambda text: "> " + text.replace("\n", "\n> ")),
)
documents = st.lists(blocks, max_size=5).map("\n\n".join)
line_lengths = st.integers(MIN_WIDTH, 120)
first_lines = st.integers(1, 500)

# Markdown syntax in arbitrary order, to find texts the writer cannot write back.
SYNTAX = [
    *"ab1 \n\\*_#-+=>`[]()~&;.!<:|ä", "  ", "    ", "1. ", "- ", "**", "](http://x)", "&amp;",
    "\\\n", "```", "~~", "\t", "> ", "# ", "1) ", "<http://x>", "***", "---", "\n===", "\n- ",
    "\n   ", "2. ", "Genoss*innen",
]  # fmt: skip
soup = st.lists(st.sampled_from(SYNTAX), max_size=30).map("".join)


# --- properties -----------------------------------------------------------------------------


def assert_layout_properties(text: str, line_length: int, first_line: int) -> None:
    result = layout(text, line_length, first_line)
    expected = [word for block in read_blocks(text) for word in block.words]
    assert [word for line in result.lines for word in line.words] == expected
    for block in result.blocks:
        width = width_for(block, line_length)
        for line in block.lines:
            assert len(line.words) == 1 or len(line.text) <= width
        starts = {0} | {b + 1 for b in block.breaks}
        position = 0
        for line, following in zip(block.lines, block.lines[1:], strict=False):
            position += len(line.words)
            if position not in starts:  # greedy: the next word did not fit
                assert len(line.text) + 1 + len(word_text(following.words[0])) > width
    numbers = [line.number for line in result.lines]
    assert numbers == list(range(first_line, first_line + len(numbers)))
    assert result.line_count == len(numbers)
    again = Layout.from_json(result.to_json())
    assert again == result
    assert list(again.lines) == list(result.lines)
    assert again.to_json() == result.to_json()


@given(documents, line_lengths, first_lines)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_layout_of_structured_documents(text: str, line_length: int, first_line: int) -> None:
    assert_layout_properties(text, line_length, first_line)


@given(st.text(), line_lengths, first_lines)
@settings(deadline=None)
def test_layout_of_any_text(text: str, line_length: int, first_line: int) -> None:
    assert_layout_properties(text, line_length, first_line)


@given(documents)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_normalize_keeps_the_blocks_and_is_idempotent(text: str) -> None:
    normalized = normalize(text)
    assert read_blocks(normalized) == read_blocks(text)
    assert normalize(normalized) == normalized
    assert to_markdown(layout(text).blocks) == normalized


@given(st.one_of(soup, st.text()))
@settings(max_examples=200, deadline=None)
def test_normalize_writes_back_markdown_soup(text: str) -> None:
    normalized = normalize(text)
    assert read_blocks(normalized) == read_blocks(text)
    assert normalize(normalized) == normalized


@given(documents, line_lengths)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_layout_and_normalize_are_deterministic(text: str, line_length: int) -> None:
    assert layout(text, line_length).to_json() == layout(text, line_length).to_json()
    assert normalize(text) == normalize(text)


# --- examples -------------------------------------------------------------------------------


def texts(result: Layout) -> list[str]:
    return [line.text for line in result.lines]


def test_a_hard_break_in_a_paragraph_survives_and_starts_a_line() -> None:
    text = "Der Parteitag möge beschließen:\\\nDie Partei fordert"
    assert normalize(text) == text + "\n"
    assert texts(layout(normalize(text))) == [
        "Der Parteitag möge beschließen:",
        "Die Partei fordert",
    ]


def test_a_hard_break_in_a_list_item_survives_and_starts_a_line() -> None:
    text = "- erster Punkt\\\n  mit Fortsetzung\n- zweiter Punkt"
    normalized = normalize(text)
    assert normalized == "- erster Punkt\\\n  mit Fortsetzung\n\n- zweiter Punkt\n"
    result = layout(normalized)
    assert texts(result) == ["erster Punkt", "mit Fortsetzung", "zweiter Punkt"]
    assert [(b.kind, b.depth, b.marker) for b in result.blocks] == [("li", 1, "-"), ("li", 1, "-")]


def test_a_year_at_the_start_of_a_paragraph_is_escaped_and_stays_a_paragraph() -> None:
    assert read_blocks("2024. war ein gutes Jahr")[0].kind == "li"  # plain Markdown: a list
    text = "2024\\. war ein gutes Jahr"
    normalized = normalize(text)
    assert normalized == "2024\\. war ein gutes Jahr\n"
    [block] = read_blocks(normalized)
    assert block.kind == "p"
    assert word_text(block.words[0]) == "2024."
    after_break = normalize("Im Jahr\\\n2024\\. war es")
    assert after_break == "Im Jahr\\\n2024\\. war es\n"
    assert [b.kind for b in read_blocks(after_break)] == ["p"]


def test_a_javascript_link_is_no_link() -> None:
    text = "[x](javascript:alert(1))"
    marks = {
        m for block in read_blocks(text) for word in block.words for s in word for m in s.marks
    }
    assert "a" not in marks
    normalized = normalize(text)
    assert read_blocks(normalized) == read_blocks(text)
    assert "href" not in render(normalized)
    assert "href" in render(normalize("[x](https://example.org)"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**Wort**teil am Anfang", "**Wort**teil am Anfang\n"),
        ("*kursiv* am Anfang", "*kursiv* am Anfang\n"),
        ("Genoss*innen und Bürger*innen", "Genoss*innen und Bürger*innen\n"),
        ("**a.*b***", "**a.*b***\n"),
        ("a\\\n\\\nb", "a\\\nb\n"),
        ("&amp;amp; Co", "\\&amp; Co\n"),
        ("`a``b`", "```a``b```\n"),
        ("[a](https://x.org/(y))", "[a](https://x.org/\\(y\\))\n"),
        ("# Titel \\#", "# Titel \\#\n"),
        ("- - - tief", "- - - tief\n"),
        ("- a\n\n  # b\n\n  c", "- a\n\n  b\n\n  c\n"),
        ("- a\n\n  ```\n  code\n  ```\n\n  b", "- a\n\n  `code`\n\n  b\n"),
        ("- [](https://x.org)\n\n  b", "- b\n"),
        ("Setext\\\nÜberschrift\n===", "# Setext Überschrift\n"),
        ("Zeile\\\n\\- kein Punkt", "Zeile\\\n\\- kein Punkt\n"),
        ("Zeile\\\n\\=== keine Überschrift", "Zeile\\\n\\=== keine Überschrift\n"),
        ("__a_", "\\__a_\n"),
        ("**z.B.**_x_", "**z.B.**_x_\n"),
        ("a***b***", "a***b***\n"),
        ("a[*b**](https://x.org)", "a[*b*](https://x.org)[\\*](https://x.org)\n"),
    ],
)
def test_canonical_markdown_reads_back_the_same(text: str, expected: str) -> None:
    assert normalize(text) == expected
    assert read_blocks(expected) == read_blocks(text)


def test_long_words_stand_alone_and_lists_lose_width_per_level() -> None:
    long = "Donaudampfschifffahrtsgesellschaftskapitänsmütze"
    assert texts(layout(f"kurz {long} kurz", 20)) == ["kurz", long, "kurz"]
    item = Block("li", (), depth=2, marker="-")
    assert width_for(item, 60) == 52
    assert width_for(Block("li", (), depth=9, marker="-"), 40) == MIN_WIDTH
    assert texts(layout("- a\n  - bb cc dd ee ff gg hh ii jj kk", 28)) == [
        "a",
        "bb cc dd ee ff gg hh",
        "ii jj kk",
    ]


def test_lines_are_numbered_through_all_blocks() -> None:
    result = layout("# Titel\n\neins zwei drei vier\n\n- fünf sechs", 20, first_line=7)
    assert [(line.number, line.text) for line in result.lines] == [
        (7, "Titel"),
        (8, "eins zwei drei vier"),
        (9, "fünf sechs"),
    ]


def test_the_json_form_is_stable() -> None:
    result = layout("**a** b\\\nc", 80)
    assert result.to_json() == (
        '{"n":80,"b":[{"k":"p","d":0,"m":"","br":[1],'
        '"l":[[1,[[["a","strong",""]],["b"]]],[2,[["c"]]]]}]}'
    )
    assert Layout.from_json(result.to_json()) == result


def test_word_markdown_opens_a_mark_once_across_segments() -> None:
    word = (Segment("Wort:", ("strong",)), Segment("teil", ("strong", "em")), Segment("."))
    assert word_markdown(word) == "**Wort:*teil***."
    assert read_blocks(word_markdown(word))[0].words == (word,)
    assert word_markdown((Segment("x*y"),)) == "x*y"
    assert word_markdown((Segment("*x"),)) == "\\*x"
