"""Line numbering: motion text as numbered lines, the same for the page and the PDF.

Markdown is read into blocks (paragraphs, headings, list items, quotes). Each block
holds words; a word is one or more *segments* of text with inline marks (bold,
italic, struck, code, link), so "**Wort**teil" stays one word. Blocks are wrapped on
word boundaries at the line length (list items lose a little width per level of
nesting) and lines are numbered continuously through all blocks. A word longer than
the line stands alone on its line. Words are separated by whitespace other than the
no-break spaces (U+00A0, U+2007, U+202F): "10 km" written with one stays one word,
and the space is kept. Text is read in Unicode NFC, so a decomposed "ü" (as pasted
from a Mac or a PDF) is the same word as a typed one.

The layout is plain data (``Layout.to_json``) so it is computed when the text
changes and stored, not computed on every view. ``to_markdown`` writes the blocks
back as canonical Markdown: reading that again gives the same blocks.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it.token import Token

from plenum.text.markdown import parse

DEFAULT_LINE_LENGTH = 80
MIN_WIDTH = 20
INDENT_PER_LEVEL = 4

# Inline marks, written in the order they are opened in Markdown and HTML.
MARKS = ("a", "strong", "em", "s", "code")
_MARK_TOKENS = {"strong_open": "strong", "em_open": "em", "s_open": "s"}
_CLOSE_TOKENS = {"strong_close": "strong", "em_close": "em", "s_close": "s", "link_close": "a"}
# Whitespace between words: any but the no-break spaces, which hold a word together.
_WORD_GAP = re.compile(r"([^\S\u00a0\u2007\u202f]+)")


@dataclass(frozen=True)
class Segment:
    text: str
    marks: tuple[str, ...] = ()  # subset of MARKS, in that order
    href: str = ""  # set when "a" is among the marks


Word = tuple[Segment, ...]


def word_text(word: Word) -> str:
    return "".join(segment.text for segment in word)


@dataclass(frozen=True)
class Line:
    number: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word_text(word) for word in self.words)


@dataclass(frozen=True)
class Block:
    """A paragraph ("p"), heading ("h1"–"h6"), list item ("li") or quote ("quote")."""

    kind: str
    words: tuple[Word, ...]
    depth: int = 0  # list nesting, 1 for a top-level list item
    marker: str = ""  # "-" or "3." on the first paragraph of a list item, else ""
    breaks: tuple[int, ...] = ()  # word indexes after which a hard line break follows
    lines: tuple[Line, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Layout:
    blocks: tuple[Block, ...]
    line_length: int

    @property
    def lines(self) -> Iterator[Line]:
        for block in self.blocks:
            yield from block.lines

    @property
    def line_count(self) -> int:
        return sum(len(block.lines) for block in self.blocks)

    def to_json(self) -> str:
        return json.dumps(
            {"n": self.line_length, "b": [_block_data(b) for b in self.blocks]},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, data: str) -> Layout:
        raw = json.loads(data)
        return cls(blocks=tuple(_block_from(b) for b in raw["b"]), line_length=raw["n"])


# --- reading Markdown into blocks ---------------------------------------------------------


def read_blocks(text: str) -> list[Block]:
    """The blocks of ``text``, without line layout.

    Everything inside a list is a list item: headings, quotes and code there become
    paragraphs of the item, so that ``to_markdown`` can write them back in place.
    """
    blocks: list[Block] = []
    lists: list[bool] = []  # open lists, True when ordered
    marker = ""  # marker of the current list item until its first block is read
    heading = ""
    quote = 0
    text = unicodedata.normalize("NFC", text)

    def add(words: list[Word], breaks: list[int]) -> None:
        nonlocal marker
        if not words:
            return
        if lists:
            blocks.append(Block("li", tuple(words), len(lists), marker, tuple(breaks)))
            marker = ""
        elif heading:  # an ATX heading has no room for a hard break
            blocks.append(Block(heading, tuple(words)))
        else:
            blocks.append(Block("quote" if quote else "p", tuple(words), breaks=tuple(breaks)))

    for token in parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(token.type == "ordered_list_open")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            marker = f"{token.info}." if lists[-1] else "-"
        elif token.type in ("blockquote_open", "blockquote_close"):
            quote += 1 if token.type == "blockquote_open" else -1
        elif token.type in ("heading_open", "heading_close"):
            heading = token.tag if token.type == "heading_open" else ""
        elif token.type == "inline":
            add(*_read_inline(token.children or []))
        elif token.type in ("fence", "code_block"):
            add([(Segment(part, ("code",)),) for part in token.content.split()], [])
    return blocks


def _read_inline(children: Sequence[Token]) -> tuple[list[Word], list[int]]:
    words: list[Word] = []
    breaks: list[int] = []
    current: list[Segment] = []
    marks: list[str] = []
    href = ""

    def end_word() -> None:
        if current:
            words.append(tuple(current))
            current.clear()

    def add_text(text: str, extra: tuple[str, ...] = ()) -> None:
        parts = _WORD_GAP.split(text)
        ordered = tuple(m for m in MARKS if m in marks or m in extra)
        for part in parts:
            if not part:
                continue
            if _WORD_GAP.fullmatch(part):
                end_word()
            elif current and current[-1].marks == ordered and current[-1].href == href:
                current[-1] = Segment(current[-1].text + part, ordered, href)
            else:
                current.append(Segment(part, ordered, href if "a" in ordered else ""))

    for child in children:
        if child.type == "text":
            add_text(child.content)
        elif child.type == "code_inline":
            add_text(child.content, ("code",))
        elif child.type == "softbreak":
            end_word()
        elif child.type == "hardbreak":
            end_word()
            if words:
                breaks.append(len(words) - 1)
        elif child.type in _MARK_TOKENS:
            marks.append(_MARK_TOKENS[child.type])
        elif child.type == "link_open":
            marks.append("a")
            href = str(child.attrGet("href") or "")
        elif child.type in _CLOSE_TOKENS:
            if _CLOSE_TOKENS[child.type] in marks:
                marks.remove(_CLOSE_TOKENS[child.type])
            if child.type == "link_close":
                href = ""
    end_word()
    return words, sorted({b for b in breaks if b < len(words) - 1})


# --- wrapping and numbering ---------------------------------------------------------------


def width_for(block: Block, line_length: int) -> int:
    if block.kind != "li":
        return line_length
    return max(MIN_WIDTH, line_length - INDENT_PER_LEVEL * block.depth)


def wrap(lengths: Sequence[int], width: int) -> list[range]:
    """Greedy wrap: ranges of word indexes whose words, joined by spaces, fit ``width``."""
    rows: list[range] = []
    start, used = 0, -1
    for index, length in enumerate(lengths):
        if index > start and used + 1 + length > width:
            rows.append(range(start, index))
            start, used = index, -1
        used += 1 + length
    if start < len(lengths):
        rows.append(range(start, len(lengths)))
    return rows


def _block_rows(block: Block, width: int) -> list[tuple[Word, ...]]:
    rows: list[tuple[Word, ...]] = []
    start = 0
    for end in (*[b + 1 for b in block.breaks], len(block.words)):
        part = block.words[start:end]
        rows.extend(
            tuple(part[r.start : r.stop]) for r in wrap([len(word_text(w)) for w in part], width)
        )
        start = end
    return rows


def layout(text: str, line_length: int = DEFAULT_LINE_LENGTH, first_line: int = 1) -> Layout:
    """``text`` read, wrapped at ``line_length`` and numbered from ``first_line``."""
    return layout_blocks(read_blocks(text), line_length, first_line)


def layout_blocks(blocks: Sequence[Block], line_length: int, first_line: int = 1) -> Layout:
    number = first_line
    laid: list[Block] = []
    for block in blocks:
        lines = []
        for row in _block_rows(block, width_for(block, line_length)):
            lines.append(Line(number, row))
            number += 1
        laid.append(
            Block(block.kind, block.words, block.depth, block.marker, block.breaks, tuple(lines))
        )
    return Layout(tuple(laid), line_length)


# --- canonical Markdown -------------------------------------------------------------------

_SPECIAL = re.compile(r"[\\`\[\]~<>&*_]")
_ESCAPE = re.compile(r"([\\`\[\]~<>])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# A star or underscore stays bare only between two letters or digits ("Genoss*innen").
_LOOSE_STAR = re.compile(r"(?<![^\W_])\*|\*(?![^\W_])")
_LOOSE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# What would start a heading, list, setext underline or thematic break at a line start.
_LINE_START = re.compile(r"^(?=#{1,6}(?:\s|$)|[-+=])|^(\d{1,9})(?=[.)])")
_HEADING_END = re.compile(r"(?<= )(#+)$")


def escape_text(text: str) -> str:
    if not _SPECIAL.search(text):
        return text
    text = _ESCAPE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _LOOSE_STAR.sub(r"\\*", text)
    return _LOOSE_UNDERSCORE.sub(r"\\_", text)


def _segment_markdown(segment: Segment) -> str:
    """The segment's text as code span or escaped text."""
    if "code" not in segment.marks:
        return escape_text(segment.text)
    fence = "`" * (max(map(len, re.findall("`+", segment.text)), default=0) + 1)
    pad = " " if segment.text.startswith("`") or segment.text.endswith("`") else ""
    return f"{fence}{pad}{segment.text}{pad}{fence}"


@lru_cache(maxsize=8192)
def word_markdown(word: Word) -> str:
    """The word as Markdown. A mark spanning several segments is opened once, and of
    marks opened together the longest-running one is the outermost; a linked segment
    is a link of its own with its marks inside. Where a star for emphasis would not
    read back (as in "**z.B.**_x_"), the emphasis takes underscores."""
    if len(word) == 1 and not word[0].marks:
        return escape_text(word[0].text)
    text = _marked(word, "*")
    if len(word) > 1 and not _reads_back(text, word):
        other = _marked(word, "_")
        if _reads_back(other, word):
            return other
    return text


def _marked(word: Word, emphasis: str) -> str:
    delimiters = {"strong": "**", "em": emphasis, "s": "~~"}
    out: list[str] = []
    opened: list[str] = []
    for index, segment in enumerate(word):
        link = "a" in segment.marks
        wanted = [] if link else [mark for mark in segment.marks if mark in delimiters]
        while any(mark not in wanted for mark in opened):
            out.append(delimiters[opened.pop()])
        if link:
            inner = Segment(segment.text, tuple(m for m in segment.marks if m != "a"))
            href = segment.href.replace(" ", "%20").replace("(", "\\(").replace(")", "\\)")
            out.append(f"[{_marked((inner,), emphasis)}]({href})")
            continue
        new = sorted((m for m in wanted if m not in opened), key=lambda m: -_run(word, index, m))
        opened += new
        out += [delimiters[mark] for mark in new]
        out.append(_segment_markdown(segment))
    out += [delimiters[mark] for mark in reversed(opened)]
    return "".join(out)


def _run(word: Word, start: int, mark: str) -> int:
    """How many segments from ``start`` on carry ``mark`` (a link ends the run)."""
    end = start
    while end < len(word) and mark in word[end].marks and "a" not in word[end].marks:
        end += 1
    return end - start


def _reads_back(text: str, word: Word) -> bool:
    return read_blocks("x " + text) == [Block("p", ((Segment("x"),), word))]


def _inline_markdown(block: Block) -> str:
    out: list[str] = []
    for index, word in enumerate(block.words):
        text = word_markdown(word)
        if index == 0 or index - 1 in block.breaks:
            text = _LINE_START.sub(lambda m: (m.group(1) or "") + "\\", text, count=1)
        out.append(text)
        if index < len(block.words) - 1:
            out.append("\\\n" if index in block.breaks else " ")
    return "".join(out)


def to_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as canonical Markdown (one paragraph per block, blank lines between)."""
    parts: list[str] = []
    indents: list[str] = []  # content indentation of each open list level
    for block in blocks:
        body = _inline_markdown(block)
        if block.kind == "li":
            body = _list_item_markdown(block, body, indents)
        else:
            indents.clear()
            if block.kind.startswith("h"):
                body = "#" * int(block.kind[1]) + " " + _HEADING_END.sub(r"\\\1", body)
            elif block.kind == "quote":
                body = "> " + body.replace("\\\n", "\\\n> ")
        parts.append(body)
    return "\n\n".join(parts) + ("\n" if parts else "")


def _list_item_markdown(block: Block, body: str, indents: list[str]) -> str:
    """The item indented under its open parents; levels not open yet (as in "- - item",
    or a continuation without its item) are opened with markers on the same line."""
    del indents[block.depth - (1 if block.marker else 0) :]
    prefix = indents[-1] if indents else ""
    while len(indents) < block.depth:
        last = len(indents) == block.depth - 1
        prefix += (block.marker if last and block.marker else "-") + " "
        indents.append(" " * len(prefix))
    return prefix + body.replace("\\\n", "\\\n" + indents[-1])


def normalize(text: str) -> str:
    """``text`` as canonical Markdown."""
    return to_markdown(read_blocks(text))


# --- JSON form ----------------------------------------------------------------------------


def _word_data(word: Word) -> list[Any]:
    return [[s.text, " ".join(s.marks), s.href] if s.marks else s.text for s in word]


def _word_from(data: list[Any]) -> Word:
    return tuple(
        Segment(item)
        if isinstance(item, str)
        else Segment(item[0], tuple(item[1].split()), item[2])
        for item in data
    )


def _block_data(block: Block) -> dict[str, Any]:
    return {
        "k": block.kind,
        "d": block.depth,
        "m": block.marker,
        "br": list(block.breaks),
        "l": [[line.number, [_word_data(w) for w in line.words]] for line in block.lines],
    }


def _block_from(data: dict[str, Any]) -> Block:
    lines = tuple(Line(n, tuple(_word_from(w) for w in words)) for n, words in data["l"])
    words = tuple(word for line in lines for word in line.words)
    return Block(data["k"], words, data["d"], data["m"], tuple(data["br"]), lines)
