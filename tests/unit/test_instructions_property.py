"""Amendment instructions say exactly what changes.

A convention reads the German instructions aloud and votes on them, so applying them by
hand to the numbered motion text must give the amended text. ``Reader`` below is that
hand: it knows the German sentences and nothing else of Plenum's diff. It reads the old
text's numbered lines, finds every quote among the words of the lines an instruction
names (exactly once, or the instruction is ambiguous) and edits the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plenum.i18n import current_locale
from plenum.motions.diff import (
    BREAK,
    HARD_BREAK,
    NEW_PARAGRAPH,
    changes,
    instructions,
    tokens,
)
from plenum.motions.forms import parse_amendment
from plenum.motions.lines import (
    Block,
    Layout,
    Segment,
    Word,
    layout,
    read_blocks,
    to_markdown,
    word_markdown,
    word_text,
)
from plenum.motions.wording import instruction_text

NBSP = "\u00a0"

# --- the hand that applies the instructions ---------------------------------------------------

BLOCKS = {
    "Absatz": "p|0|",
    "Zitat": "quote|0|",
    "Überschrift": "h1|0|",
    **{f"Überschrift (Ebene {n})": f"h{n}|0|" for n in range(2, 7)},
    "Listenpunkt": "li|1|-",
    "nummerierter Listenpunkt": "li|1|#.",
    "Absatz im Listenpunkt": "li|1|",
    **{f"Listenpunkt (Ebene {n})": f"li|{n}|-" for n in range(2, 10)},
    **{f"nummerierter Listenpunkt (Ebene {n})": f"li|{n}|#." for n in range(2, 10)},
    **{f"Absatz im Listenpunkt (Ebene {n})": f"li|{n}|" for n in range(2, 10)},
}
LINES = r"Zeilen? (?P<first>\d+)(?:–(?P<last>\d+))?"
NAMES = "|".join(re.escape(name) for name in sorted(BLOCKS, key=len, reverse=True))
KIND = f"(?P<kind>{NAMES})"
FORMS = {
    "insert_after": rf"In {LINES} nach „(?P<a>.+?)“ einfügen: „(?P<b>.*)“",
    "insert_before": rf"In {LINES} vor „(?P<a>.+?)“ einfügen: „(?P<b>.*)“",
    "replace": rf"In {LINES} „(?P<a>.+?)“ ersetzen durch „(?P<b>.*)“\.",
    "delete": rf"In {LINES} „(?P<a>.+)“ streichen\.",
    "unmark": rf"In {LINES} Hervorhebung von „(?P<a>.+)“ entfernen\.",
    "restyle": rf"In {LINES} „(?P<a>.+?)“ formatieren als „(?P<b>.*)“\.",
    "delete_lines": rf"{LINES} streichen\.",
    "replace_lines": rf"{LINES} ersetzen durch: „(?P<b>.*)“",
    "after_line": rf"Nach Zeile (?P<first>\d+) als {KIND} einfügen: „(?P<b>.*)“",
    "before_line": rf"Vor Zeile (?P<first>\d+) als {KIND} einfügen: „(?P<b>.*)“",
    "next": rf"Danach als {KIND} einfügen: „(?P<b>.*)“",
    "replace_blocks": rf"{LINES} durch {KIND} ersetzen: „(?P<b>.*)“",
    "split": (
        rf"{KIND} in {LINES} zwischen „(?P<a>.+?)“ und „(?P<b>.+?)“ teilen"
        rf"(?:, den zweiten Teil als (?P<second>{NAMES}))?\."
    ),
    "join": r"Absätze in Zeilen (?P<first>\d+) und (?P<last>\d+) zusammenführen\.",
    "restyle_block": rf"{KIND} in Zeile (?P<first>\d+) wird (?P<second>{NAMES})\.",
}


@dataclass
class Item:
    key: str  # block code "p|0|", BREAK, or a word's Markdown
    origin: int | None = None  # index of the old text's token; None for new items
    line: int = 0
    word: Word = ()
    is_block: bool = False


def new_items(quote: str) -> list[Item]:
    """The words of a quoted new text: Markdown per word, "↵" a hard break, "¶" a new
    block of the kind of the one it is put in."""
    out = []
    for part in quote.split(" ") if quote else []:
        if part in (HARD_BREAK, NEW_PARAGRAPH):
            out.append(Item(BREAK if part == HARD_BREAK else NEW_PARAGRAPH))
            continue
        [block] = read_blocks("x " + part)
        [_, word] = block.words
        out.append(Item(word_markdown(word), word=word))
    return out


class Reader:
    def __init__(self, old: str, line_length: int) -> None:
        self.origin = tokens(layout(old, line_length))
        self.items: list[Item] = []
        for i, t in enumerate(self.origin):
            key = t.key[1:] if t.is_block else t.key
            self.items.append(Item(key, i, t.line, t.word, t.is_block))
        self.cursor = 0

    def apply(self, sentence: str) -> None:
        uncapitalised = sentence[:1].lower() + sentence[1:]  # "Nummerierter Listenpunkt …"
        for form, pattern in FORMS.items():
            found = re.fullmatch(pattern, sentence) or re.fullmatch(pattern, uncapitalised)
            if found:
                getattr(self, form)(found)
                return
        raise AssertionError(f"not an instruction form: {sentence}")

    # finding things in the numbered text -------------------------------------------------

    def lines(self, m: re.Match[str]) -> range:
        first = int(m["first"])
        return range(first, int(m["last"] or first) + 1)

    def find(self, lines: range, quote: str) -> list[int]:
        """Positions of the quoted old words, which occur once in the lines' words."""
        words = [i for i, t in enumerate(self.origin) if t.is_word and t.line in lines]
        wanted = quote.split(" ")
        hits = [
            words[k : k + len(wanted)]
            for k in range(len(words) - len(wanted) + 1)
            if [self.origin[i].text for i in words[k : k + len(wanted)]] == wanted
        ]
        assert len(hits) == 1, f"„{quote}“ occurs {len(hits)} times in lines {lines}"
        where = [self.position(i) for i in hits[0]]
        assert where == list(range(where[0], where[0] + len(where))), "quote no longer together"
        return where

    def position(self, origin: int) -> int:
        return next(k for k, item in enumerate(self.items) if item.origin == origin)

    def block_at(self, line: int) -> int:
        """Position of the old block starting at ``line``; the end when there is none."""
        return next(
            (k for k, it in enumerate(self.items) if it.is_block and it.line == line),
            len(self.items),
        )

    def put(self, at: int, items: list[Item], *, remove: int = 0) -> None:
        """``items`` in place of ``remove`` items at ``at``; "¶" starts a block of the kind
        of the block it is in."""
        own = next((it.key for it in reversed(self.items[:at]) if it.is_block), "")
        for item in items:
            if item.key == NEW_PARAGRAPH:
                item.key, item.is_block = own, True
        self.items[at : at + remove] = items
        self.cursor = at + len(items)

    # the forms -----------------------------------------------------------------------------

    def insert_after(self, m: re.Match[str]) -> None:
        self.put(self.find(self.lines(m), m["a"])[-1] + 1, new_items(m["b"]))

    def insert_before(self, m: re.Match[str]) -> None:
        self.put(self.find(self.lines(m), m["a"])[0], new_items(m["b"]))

    def replace(self, m: re.Match[str]) -> None:
        where = self.find(self.lines(m), m["a"])
        self.put(where[0], new_items(m["b"]), remove=len(where))

    def delete(self, m: re.Match[str]) -> None:
        where = self.find(self.lines(m), m["a"])
        self.put(where[0], [], remove=len(where))

    def unmark(self, m: re.Match[str]) -> None:
        where = self.find(self.lines(m), m["a"])
        self.put(where[0], new_items(m["a"]), remove=len(where))

    def restyle(self, m: re.Match[str]) -> None:
        where = self.find(self.lines(m), m["a"])
        assert [word_text(i.word) for i in new_items(m["b"])] == m["a"].split(" ")
        self.put(where[0], new_items(m["b"]), remove=len(where))

    def line_items(self, lines: range, *, blocks: bool) -> list[int]:
        return [
            k
            for k, it in enumerate(self.items)
            if it.origin is not None and it.line in lines and (blocks or bool(it.word))
        ]

    def delete_lines(self, m: re.Match[str]) -> None:
        for k in reversed(self.line_items(self.lines(m), blocks=False)):
            del self.items[k]

    def replace_lines(self, m: re.Match[str]) -> None:
        where = self.line_items(self.lines(m), blocks=False)
        assert where == list(range(where[0], where[-1] + 1))
        self.put(where[0], new_items(m["b"]), remove=len(where))

    def blocks(self, kind: str, quote: str) -> list[Item]:
        return [Item(BLOCKS[kind], is_block=True), *new_items(quote)]

    def after_line(self, m: re.Match[str]) -> None:
        self.put(self.block_at(int(m["first"]) + 1), self.blocks(m["kind"], m["b"]))

    def before_line(self, m: re.Match[str]) -> None:
        self.put(self.block_at(int(m["first"])), self.blocks(m["kind"], m["b"]))

    def next(self, m: re.Match[str]) -> None:
        self.put(self.cursor, self.blocks(m["kind"], m["b"]))

    def replace_blocks(self, m: re.Match[str]) -> None:
        where = self.line_items(self.lines(m), blocks=True)
        assert where == list(range(where[0], where[-1] + 1))
        assert self.items[where[0]].is_block
        self.put(where[0], self.blocks(m["kind"], m["b"]), remove=len(where))

    def split(self, m: re.Match[str]) -> None:
        where = self.find(self.lines(m), f"{m['a']} {m['b']}")
        at = where[len(m["a"].split(" "))]
        own = next(it for it in reversed(self.items[:at]) if it.is_block)
        assert own.key == BLOCKS[m["kind"]]
        self.put(at, [Item(BLOCKS[m["second"]] if m["second"] else own.key, is_block=True)])

    def join(self, m: re.Match[str]) -> None:
        at = self.block_at(int(m["last"]))
        assert self.items[at - 1].line == int(m["first"])
        del self.items[at]

    def restyle_block(self, m: re.Match[str]) -> None:
        at = self.block_at(int(m["first"]))
        assert self.items[at].key == BLOCKS[m["kind"]]
        self.items[at].key = BLOCKS[m["second"]]

    # the result -----------------------------------------------------------------------------

    def result(self) -> list[tuple[str, list[str]]]:
        """Blocks as (code, word keys); blocks left without words are gone, hard breaks
        only between words."""
        out: list[tuple[str, list[str]]] = []
        for item in self.items:
            if item.is_block:
                out.append((item.key, []))
            elif item.key != BREAK or (out[-1][1] and out[-1][1][-1] != BREAK):
                out[-1][1].append(item.key)
        for _, keys in out:
            while keys and keys[-1] == BREAK:
                keys.pop()
        return [(code, keys) for code, keys in out if keys]


def expected(new: str) -> list[tuple[str, list[str]]]:
    result: list[tuple[str, list[str]]] = []
    for t in tokens(layout(unicodedata.normalize("NFC", new))):
        if t.is_block:
            result.append((t.key[1:], []))
        else:
            result[-1][1].append(t.key)
    return result


def german(old: str, new: str, line_length: int) -> list[str]:
    token = current_locale.set("de")
    try:
        found = instructions(changes(layout(old, line_length), new))
        return [instruction_text(item) for item in found]
    finally:
        current_locale.reset(token)


def by_hand(old: str, sentences: list[str], line_length: int) -> list[tuple[str, list[str]]]:
    reader = Reader(old, line_length)
    for sentence in sentences:
        assert "\n" not in sentence, sentence  # no raw line breaks in quotes
        assert "„“" not in sentence, sentence  # no empty quotes or anchors
        reader.apply(sentence)
    return reader.result()


# --- generated Markdown documents and edits ---------------------------------------------------

# Few words, so that they repeat; umlauts composed and decomposed; a no-break space.
WORDS = ["Test", "Testappend", "die", "Partei", "für", "fu\u0308r", "Ärger", f"10{NBSP}km", "Wort"]


@st.composite
def markdown_words(draw: st.DrawFn) -> list[str]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9))
    return [f"**{w}**" if draw(st.integers(0, 5)) == 0 else w for w in words]


Doc = list[tuple[str, list[str]]]  # ("p" or "li", Markdown words)
docs = st.lists(
    st.tuples(st.sampled_from(["p", "p", "li"]), markdown_words()), min_size=1, max_size=5
)


def markdown(doc: Doc) -> str:
    return "\n\n".join(("- " if kind == "li" else "") + " ".join(words) for kind, words in doc)


@st.composite
def edited(draw: st.DrawFn, doc: Doc) -> Doc:
    """The document after a few edits of the kinds members make."""
    doc = [(kind, list(words)) for kind, words in doc]
    for _ in range(draw(st.integers(1, 4))):
        b = draw(st.integers(0, len(doc) - 1))
        kind, words = doc[b]
        w = draw(st.integers(0, len(words) - 1))
        what = draw(st.sampled_from(["word", "insert", "delete", "bold", "split", "join", "kind", "block", "drop"]))  # fmt: skip
        if what == "word":
            words[w] = draw(st.sampled_from(WORDS))
        elif what == "insert":
            words.insert(w, draw(st.sampled_from(WORDS)))
        elif what == "delete" and len(words) > 1:
            del words[w]
        elif what == "bold":
            words[w] = words[w].strip("*") if words[w].startswith("**") else f"**{words[w]}**"
        elif what == "split" and w > 0:
            doc[b : b + 1] = [(kind, words[:w]), (draw(st.sampled_from(["p", "li"])), words[w:])]
        elif what == "join" and b + 1 < len(doc):
            doc[b : b + 2] = [(kind, words + doc[b + 1][1])]
        elif what == "kind":
            doc[b] = ("li" if kind == "p" else "p", words)
        elif what == "block":
            doc.insert(b + draw(st.integers(0, 1)), (draw(st.sampled_from(["p", "li"])), draw(markdown_words())))  # fmt: skip
        elif what == "drop" and len(doc) > 1:
            del doc[b]
    return doc


@st.composite
def amendments(draw: st.DrawFn) -> tuple[str, str, int]:
    old = draw(docs)
    new = draw(st.one_of(edited(old), docs))
    return markdown(old), markdown(new), draw(st.integers(20, 50))


@given(amendments())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_applying_the_instructions_by_hand_gives_the_amended_text(
    case: tuple[str, str, int],
) -> None:
    old, new, line_length = case
    assert by_hand(old, german(old, new, line_length), line_length) == expected(new)


# --- the same for headings, quotes, nested and numbered lists, hard breaks, more marks ----------

CODES = ["p|0|", "p|0|", "quote|0|", "h1|0|", "h2|0|", "li|1|-", "li|1|#.", "li|2|-", "li|2|#."]
MARKED = ["*kursiv*", "~~alt~~", "`code`", "[Link](https://example.org/a)", "**fett**teil"]


def as_word(markdown: str) -> Word:
    [block] = read_blocks("x " + markdown)
    return block.words[1]


@st.composite
def rich_block(draw: st.DrawFn) -> Block:
    code = draw(st.sampled_from(CODES))
    kind, depth, marker = code.split("|")
    words = draw(st.lists(st.sampled_from(WORDS + MARKED), min_size=1, max_size=9))
    gaps = st.sets(st.integers(0, max(len(words) - 2, 0)))
    breaks = () if kind.startswith("h") or len(words) < 2 else tuple(sorted(draw(gaps)))
    marker = "1." if marker == "#." else marker
    return Block(kind, tuple(as_word(w) for w in words), int(depth), marker, breaks)


rich_docs = st.lists(rich_block(), min_size=1, max_size=5)


@st.composite
def rich_edited(draw: st.DrawFn, doc: list[Block]) -> list[Block]:
    doc = list(doc)
    for _ in range(draw(st.integers(1, 4))):
        b = draw(st.integers(0, len(doc) - 1))
        block = doc[b]
        words = list(block.words)
        w = draw(st.integers(0, len(words) - 1))
        what = draw(st.sampled_from(["word", "delete", "split", "join", "kind", "block", "drop", "break"]))  # fmt: skip
        if what == "word":
            words[w] = as_word(draw(st.sampled_from(WORDS + MARKED)))
            doc[b] = Block(block.kind, tuple(words), block.depth, block.marker, block.breaks)
        elif what == "delete" and len(words) > 1:
            del words[w]
            breaks = tuple(x for x in block.breaks if x < len(words) - 1)
            doc[b] = Block(block.kind, tuple(words), block.depth, block.marker, breaks)
        elif what == "split" and w > 0:
            other = draw(rich_block())
            first = Block(block.kind, tuple(words[:w]), block.depth, block.marker)
            doc[b : b + 1] = [first, Block(other.kind, tuple(words[w:]), other.depth, other.marker)]
        elif what == "join" and b + 1 < len(doc):
            joined = tuple(words) + doc[b + 1].words
            doc[b : b + 2] = [Block(block.kind, joined, block.depth, block.marker, block.breaks)]
        elif what == "kind":
            other = draw(rich_block())
            breaks = () if other.kind.startswith("h") else block.breaks
            doc[b] = Block(other.kind, block.words, other.depth, other.marker, breaks)
        elif what == "block":
            doc.insert(b + draw(st.integers(0, 1)), draw(rich_block()))
        elif what == "drop" and len(doc) > 1:
            del doc[b]
        elif what == "break" and not block.kind.startswith("h") and len(words) > 1:
            breaks = tuple(sorted(set(block.breaks) ^ {min(w, len(words) - 2)}))
            doc[b] = Block(block.kind, block.words, block.depth, block.marker, breaks)
    return doc


@st.composite
def rich_amendments(draw: st.DrawFn) -> tuple[str, str, int]:
    old = draw(rich_docs)
    new = draw(st.one_of(rich_edited(old), rich_docs))
    return to_markdown(old), to_markdown(new), draw(st.integers(20, 50))


@given(rich_amendments())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_by_hand_also_with_headings_quotes_nested_lists_and_hard_breaks(
    case: tuple[str, str, int],
) -> None:
    old, new, line_length = case
    assert by_hand(old, german(old, new, line_length), line_length) == expected(new)


# --- examples: how they read --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "sentences"),
    [
        ("Test Test", "Test Testappend", ["In Zeile 1 „Test Test“ ersetzen durch „Test Testappend“."]),
        ("Ein Satz. Noch einer.", "Ein Satz.\n\nNoch einer.", ["Absatz in Zeile 1 zwischen „Satz.“ und „Noch“ teilen."]),
        ("Ein Satz.\n\nNoch einer.", "Ein Satz. Noch einer.", ["Absätze in Zeilen 1 und 2 zusammenführen."]),
        ("Ein Satz.\n\nNoch einer.", "Ein Satz.\n\n- Noch einer.", ["Absatz in Zeile 2 wird Listenpunkt."]),
        ("Ein **Wort** hier.", "Ein Wort hier.", ["In Zeile 1 Hervorhebung von „Wort“ entfernen."]),
        ("Ein Wort hier.", "Ein **Wort** hier.", ["In Zeile 1 „Wort“ formatieren als „**Wort**“."]),
        ("Am Anfang.", "Am Anfang. Und weiter.", ["In Zeile 1 nach „Anfang.“ einfügen: „Und weiter.“"]),
        ("Am Anfang.", "Neu: Am Anfang.", ["In Zeile 1 vor „Am“ einfügen: „Neu:“"]),
        ("Erster.\n\nZweiter.", "Erster.\n\nNeu.\n\n- Punkt\n\nZweiter.", ["Nach Zeile 1 als Absatz einfügen: „Neu.“", "Danach als Listenpunkt einfügen: „Punkt“"]),
        ("Erster.", "Davor.\n\nErster.", ["Vor Zeile 1 als Absatz einfügen: „Davor.“"]),
        ("Erster.\n\nZweiter.", "Erster. Weiter.\n\nNeu.\n\nZweiter.", ["In Zeile 1 nach „Erster.“ einfügen: „Weiter.“", "Nach Zeile 1 als Absatz einfügen: „Neu.“"]),
        ("a b a b", "a b\n\na b", ["Absatz in Zeile 1 zwischen „b“ und „a“ teilen."]),
        ("Wir wollen A, und wir wollen B.", "Wir wollen A.\n\nWir wollen B.", ["In Zeile 1 „A, und wir“ ersetzen durch „A. ¶ Wir“."]),
        ("Die Partei die Partei", "Die Partei die", ["In Zeile 1 „die Partei“ ersetzen durch „die“."]),
        ("Die Partei für alle", "Die Partei alle", ["In Zeile 1 „für“ streichen."]),
    ],
)  # fmt: skip
def test_instructions_read_like_this(old: str, new: str, sentences: list[str]) -> None:
    assert german(old, new, 80) == sentences
    assert by_hand(old, sentences, 80) == expected(new)


def test_no_break_spaces_hold_words_together_and_are_kept() -> None:
    text = f"Höchstens 10{NBSP}km bis zur nächsten Haltestelle für alle Menschen im Land"
    result = layout(text, 20)
    lines = [line.text for line in result.lines]
    assert f"10{NBSP}km" in " ".join(lines).split(" ")
    assert not any(line.endswith("10") for line in lines)
    assert german(text, text.replace(f"10{NBSP}km", f"5{NBSP}km"), 20) == [
        f"In Zeile 1 „10{NBSP}km“ ersetzen durch „5{NBSP}km“."
    ]


def test_decomposed_umlauts_are_the_same_words_and_stored_composed() -> None:
    decomposed = "Gru\u0308ne Wa\u0308lder fu\u0308r alle"
    assert german("Grüne Wälder für alle", decomposed, 80) == []
    assert read_blocks(decomposed) == [
        Block("p", tuple((Segment(w),) for w in ("Grüne", "Wälder", "für", "alle")))
    ]
    stored_decomposed = Layout.from_json(layout("Grüne Wälder").to_json().replace("ü", "u\u0308"))
    assert changes(stored_decomposed, "Grüne Wälder") == []
    data = parse_amendment({"title": "Wälder", "text": decomposed, "reasons": "Gru\u0308nde"})
    assert data.text == unicodedata.normalize("NFC", decomposed) != decomposed
    assert data.reasons == "Gründe"
