"""Word-level changes between a motion's numbered base text and an amended text.

Both texts become *tokens*: one per word (keyed by its canonical Markdown, so a word
that only gains bold counts as changed), one per block start (keyed by kind, depth and
marker type, so renumbering an ordered list is no change) and one per hard line break.
``difflib.SequenceMatcher(autojunk=False)`` aligns the key sequences: first whole blocks,
then the tokens of the unequal blocks, between anchors (keys found once in both) so that
even one long block stays fast. Every non-equal stretch is an *edit* of a base token
range. A pure insertion or deletion that ends in a block start is moved to begin with
one, so a new paragraph is inserted before the next block start, not inside the block
before it.

From the edits come ``Change`` records (base line numbers, removed and inserted plain
text, a few words of context), line-referenced ``Instruction`` s that describe just the
change, an inline diff grouped in base blocks and lines, the collisions between
amendments (sort and sweep over base token ranges) and a three-way merge that rebuilds
blocks from the merged tokens and writes canonical Markdown with ``lines.to_markdown``.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from typing import Any, NamedTuple, TypeVar

from plenum.motions.lines import Block, Layout, Word, layout, to_markdown, word_markdown, word_text

T = TypeVar("T")
BREAK = "\x00br"  # key of a hard line break; block start keys contain "|"
CONTEXT_WORDS = 3


@dataclass(frozen=True)
class Token:
    """One word of a layout, a block start or a hard line break."""

    key: str  # word_markdown(word), or "\x00kind|depth|marker type", or BREAK
    text: str  # plain text of the word, "" otherwise
    line: int  # line number in its layout (a block start: the block's first line)
    word: Word = field(default=(), compare=False, repr=False)
    block: Block | None = field(default=None, compare=False, repr=False)  # on block starts

    @property
    def is_word(self) -> bool:
        return not self.key.startswith("\x00")

    @property
    def is_block(self) -> bool:
        return self.key.startswith("\x00") and self.key != BREAK


def block_key(block: Block) -> str:
    marker = "#." if block.marker[:1].isdigit() else block.marker
    return f"\x00{block.kind}|{block.depth}|{marker}"


def tokens(layout: Layout) -> list[Token]:
    """The layout's block starts, words and hard breaks, in reading order."""
    out: list[Token] = []
    for block in layout.blocks:
        first = block.lines[0].number if block.lines else 0
        out.append(Token(block_key(block), "", first, block=block))
        index = 0
        for line in block.lines:
            for word in line.words:
                key, text = _nfc(word_markdown(word)), _nfc(word_text(word))
                out.append(Token(key, text, line.number, word=word))
                if index in block.breaks:
                    out.append(Token(BREAK, "", line.number))
                index += 1
    return out


def _nfc(text: str) -> str:
    """Layouts stored before text was read in NFC may hold decomposed letters: they are
    the same words as composed ones."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


class _Edit(NamedTuple):
    start: int  # base token range [start, end)
    end: int
    new: tuple[Token, ...]


def apply(items: Sequence[T], edits: Iterable[tuple[int, int, Sequence[T]]]) -> list[T]:
    """``items`` with each range [start, end) replaced; edits sorted, not overlapping."""
    out: list[T] = []
    position = 0
    for start, end, new in edits:
        out += items[position:start]
        out += new
        position = end
    return out + list(items[position:])


def _edits(base: Sequence[Token], other: Sequence[Token]) -> list[_Edit]:
    """The edits from ``base`` to ``other``, sorted. Whole blocks are aligned first and
    only the stretches of unequal blocks are aligned word by word, which keeps a long
    motion with a few changes fast."""
    mine, theirs = _block_starts(base), _block_starts(other)
    matcher = SequenceMatcher(None, _block_keys(base, mine), _block_keys(other, theirs), False)
    edits: list[_Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits += _word_edits(base, other, (mine[i1], mine[i2]), (theirs[j1], theirs[j2]))
    return edits


def _block_starts(items: Sequence[Token]) -> list[int]:
    return [i for i, token in enumerate(items) if token.is_block] + [len(items)]


def _block_keys(items: Sequence[Token], starts: Sequence[int]) -> list[tuple[str, ...]]:
    return [tuple(t.key for t in items[a:b]) for a, b in itertools.pairwise(starts)]


def _word_edits(
    base: Sequence[Token], other: Sequence[Token], mine: tuple[int, int], theirs: tuple[int, int]
) -> Iterator[_Edit]:
    """Token-level edits between base[mine] and other[theirs]; a pure insertion or deletion
    ending in a block start slides to begin with one, as in "new paragraph before"."""
    a, b = base[mine[0] : mine[1]], other[theirs[0] : theirs[1]]
    floor = 0  # start of the equal stretch before the edit
    for tag, i1, i2, j1, j2 in _opcodes([t.key for t in a], [t.key for t in b]):
        if tag == "equal":
            floor = i1
            continue
        moved = a[i1:i2] or b[j1:j2]
        while (i1 == i2 or j1 == j2) and i1 > floor and moved[-1].key == a[i1 - 1].key:
            if not moved[-1].is_block:
                break
            i1, i2, j1, j2 = i1 - 1, i2 - 1, j1 - 1, j2 - 1
            moved = a[i1:i2] or b[j1:j2]
        yield _Edit(mine[0] + i1, mine[0] + i2, tuple(b[j1:j2]))


def _opcodes(a: Sequence[str], b: Sequence[str]) -> Iterator[tuple[str, int, int, int, int]]:
    """``SequenceMatcher(autojunk=False)`` opcodes, found between anchors (keys that occur
    once in each sequence, in a longest common order) so a long block stays fast."""
    i = j = 0
    for anchor_i, anchor_j in [*_anchors(a, b), (len(a), len(b))]:
        matcher = SequenceMatcher(None, a[i:anchor_i], b[j:anchor_j], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            yield tag, i + i1, i + i2, j + j1, j + j2
        if anchor_i < len(a):
            yield "equal", anchor_i, anchor_i + 1, anchor_j, anchor_j + 1
        i, j = anchor_i + 1, anchor_j + 1


def _anchors(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs of keys found once in ``a`` and once in ``b``: the longest run of them
    in the same order in both (patience sorting)."""
    count_a, count_b = Counter(a), Counter(b)
    where = {key: j for j, key in enumerate(b) if count_b[key] == 1}
    pairs = [(i, where[key]) for i, key in enumerate(a) if count_a[key] == 1 and key in where]
    tails: list[int] = []  # smallest last j of an increasing run of each length
    ends: list[int] = []  # index in pairs of that last element
    back = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        back[n] = ends[k - 1] if k else -1
        tails[k : k + 1], ends[k : k + 1] = [j], [n]
    run: list[tuple[int, int]] = []
    n = ends[-1] if ends else -1
    while n >= 0:
        run.append(pairs[n])
        n = back[n]
    return run[::-1]


def _renumbered(
    base: Sequence[Token], other: Sequence[Token], edits: Sequence[_Edit]
) -> dict[int, Token]:
    """Base index -> the other text's token, for block starts left equal but numbered anew."""
    out: dict[int, Token] = {}
    i = j = 0
    for start, end, new in [*edits, _Edit(len(base), len(base), ())]:
        for k in range(start - i):
            mine, theirs = base[i + k].block, other[j + k].block
            if mine and theirs and mine.marker != theirs.marker:
                out[i + k] = other[j + k]
        i, j = end, j + start - i + len(new)
    return out


# --- changes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: str  # "insert" | "delete" | "replace"
    start: int  # base token range [start, end); start == end for a pure insertion
    end: int
    first_line: int  # base lines affected (an insertion: the line where it goes)
    last_line: int
    old: str  # plain text removed: words joined by spaces, block boundaries as "\n"
    new: str  # plain text inserted, the same way
    before: str  # up to 3 base words right before the change, within its block
    after: str  # up to 3 base words right after the change, within its block
    whole_lines: bool  # the removed words are exactly all words of the lines
    new_paragraphs: bool  # the inserted text contains block starts
    new_keys: tuple[str, ...] = ()  # token keys of the inserted tokens
    # the instructions that say this change (several changes close together are said by
    # the first one's, the others have none); None in changes stored before they were
    steps: tuple[Instruction, ...] | None = None


def changes(base: Layout, amended_text: str) -> list[Change]:
    """The changes from ``base`` to ``amended_text`` (laid out at the same line length)."""
    origin = tokens(base)
    per_line: dict[int, int] = defaultdict(int)
    for token in origin:
        per_line[token.line] += token.is_word
    other = tokens(layout(amended_text, base.line_length))
    edits = _edits(origin, other)
    steps = dict(_Writer(origin, other).write(edits))
    return [_change(origin, edit, per_line, steps.get(i, ())) for i, edit in enumerate(edits)]


def _change(
    base: Sequence[Token],
    edit: _Edit,
    per_line: Mapping[int, int],
    steps: tuple[Instruction, ...],
) -> Change:
    removed = base[edit.start : edit.end]
    kind = "replace" if removed and edit.new else ("delete" if removed else "insert")
    first, last = _lines(base, edit.start, edit.end)
    words = sum(t.is_word for t in removed)
    whole = words > 0 and words == sum(per_line.get(n, 0) for n in range(first, last + 1))
    return Change(
        kind=kind,
        start=edit.start,
        end=edit.end,
        first_line=first,
        last_line=last,
        old=plain(removed),
        new=plain(edit.new),
        before=_context(base, edit.start - 1, -1),
        after=_context(base, edit.end, 1),
        whole_lines=whole,
        new_paragraphs=any(t.is_block for t in edit.new),
        new_keys=tuple(t.key for t in edit.new),
        steps=steps,
    )


def _lines(base: Sequence[Token], start: int, end: int) -> tuple[int, int]:
    """Base lines of the range; for an empty range the line of the token before it."""
    if start < end:
        return base[start].line, base[end - 1].line
    line = base[start - 1].line if start > 0 else (base[0].line if base else 1)
    return line, line


def _context(base: Sequence[Token], index: int, step: int) -> str:
    words: list[str] = []
    while 0 <= index < len(base) and len(words) < CONTEXT_WORDS and not base[index].is_block:
        if base[index].is_word:
            words.append(base[index].text)
        index += step
    return " ".join(reversed(words) if step < 0 else words)


def plain(items: Iterable[Token]) -> str:
    """Words joined by spaces, block starts and line breaks between them as "\\n"; just
    "\\n" when there are no words, as for a paragraph split in two."""
    out = ""
    for token in items:
        if token.is_word:
            out += (" " if out and out[-1] != "\n" else "") + token.text
        else:
            out += "\n"
    return out.strip("\n") or out[:1]


def changes_to_json(items: Sequence[Change]) -> str:
    return json.dumps([asdict(c) for c in items], ensure_ascii=False, separators=(",", ":"))


def changes_from_json(data: str) -> list[Change]:
    return [_change_from(raw) for raw in json.loads(data)]


def _change_from(raw: dict[str, Any]) -> Change:
    steps = raw.get("steps")
    return Change(
        **{
            **raw,
            "new_keys": tuple(raw["new_keys"]),
            "steps": None if steps is None else tuple(Instruction(**i) for i in steps),
        }
    )


# --- instructions ---------------------------------------------------------------------------

HARD_BREAK = "↵"  # a hard line break inside a quoted new text
NEW_PARAGRAPH = "¶"  # in a quoted new text: a new block of the same kind starts here


@dataclass(frozen=True)
class Instruction:
    """A line-referenced instruction, one of a small closed set of forms; wording.py
    writes the sentence. Quotes are plain words joined by spaces; a new text writes a
    word with marks as Markdown ("**Wort**"), a hard break as "↵" and the start of a new
    block of the same kind as "¶". Every quote of
    base words occurs exactly once in the words of the lines it names, and the quotes
    of different instructions never overlap, so they can be applied one after another.

    insert_after   In Zeile N nach „anchor“ einfügen: „new“
    insert_before  In Zeile N vor „anchor“ einfügen: „new“ (at a block start)
    delete_words   In Zeile N „old“ streichen
    replace_words  In Zeile N „old“ ersetzen durch „new“
    unmark         In Zeile N Hervorhebung von „old“ entfernen
    restyle_words  In Zeile N „old“ formatieren als „new“
    delete_lines   Zeile N–M streichen (blocks left without words go too)
    replace_lines  Zeile N–M ersetzen durch: „new“ (all words of the lines)
    insert_blocks  Nach Zeile N als <block> einfügen: „new“
    blocks_before  Vor Zeile N als <block> einfügen: „new“
    insert_next    Danach als <block> einfügen: „new“ (after the blocks just inserted)
    replace_blocks Zeile N–M durch <block> ersetzen: „new“ (whole blocks)
    split          <new> in Zeile N zwischen „anchor“ und „old“ teilen[, den zweiten Teil
                   als <block>]
    join           Absätze in Zeilen N und M zusammenführen
    restyle_block  <old> in Zeile N wird <new>

    <block>, and ``old``/``new`` of split and restyle_block, are block codes as
    "kind|depth|marker type" ("p|0|", "li|1|-", "li|2|#.").
    """

    kind: str
    first_line: int
    last_line: int
    anchor: str = ""
    old: str = ""
    new: str = ""
    block: str = ""


def instructions(items: Sequence[Change]) -> list[Instruction]:
    """The instructions of the changes; changes stored before instructions were stored
    with them get the old one-per-change wording."""
    out: list[Instruction] = []
    for change in items:
        out += change.steps if change.steps is not None else [_legacy_instruction(change)]
    return out


def _legacy_instruction(c: Change) -> Instruction:
    anchor = ""
    if c.kind == "insert":
        if c.new_paragraphs and not c.after and c.start > 0:
            kind = "insert_lines"
        elif not c.before:
            kind, anchor = "insert_before", c.after
        else:
            kind, anchor = "insert_after", c.before
    else:
        kind = c.kind + ("_lines" if c.whole_lines else "_words")
    return Instruction(kind, c.first_line, c.last_line, anchor, c.old, c.new)


def block_code(token: Token) -> str:
    """A block start as "kind|depth|marker type", e.g. "li|1|-"."""
    return token.key[1:]


def quote_old(items: Iterable[Token]) -> str:
    return " ".join(token.text for token in items if token.is_word)


def quote_new(items: Iterable[Token]) -> str:
    parts: list[str] = []
    for token in items:
        if token.is_word:
            marked = any(segment.marks for segment in token.word)
            parts.append(word_markdown(token.word) if marked else token.text)
        elif token.key == BREAK:
            parts.append(HARD_BREAK)
        else:
            parts.append(NEW_PARAGRAPH)
    return " ".join(parts)


_Op = tuple[int, int, tuple[Token, ...]]  # base range [start, end) and what replaces it
_MERGE_LEFT, _MERGE_RIGHT = -1, 1


class _Writer:
    """Writes the instructions for the edits between two token sequences.

    Each edit is described with as little quoted context as makes it unique in its
    lines. An edit whose quote would reach into another edit's (or its quote's) tokens
    is merged with it; a structural edit that is not a plain split, join, change of
    block kind or insertion or deletion of whole blocks becomes the replacement of
    the whole blocks it touches."""

    def __init__(self, base: Sequence[Token], other: Sequence[Token]) -> None:
        self.base, self.other = base, other
        self.line_words: dict[int, list[str]] = defaultdict(list)
        for token in base:
            if token.is_word:
                self.line_words[token.line].append(token.text)

    def write(self, edits: Sequence[_Edit]) -> list[tuple[int, tuple[Instruction, ...]]]:
        """(index of the first edit, its instructions) per group of merged edits."""
        ops: list[_Op] = []
        owners: list[int] = []
        for index, edit in enumerate(edits):
            pieces = self._pieces(edit)
            ops += pieces
            owners += [index] * len(pieces)
        done: list[tuple[tuple[Instruction, ...], int]] = []  # instructions, claimed end
        k = 0
        while k < len(ops):
            low = max(ops[k - 1][1], done[k - 1][1]) if k else 0
            high = ops[k + 1][0] if k + 1 < len(ops) else len(self.base)
            shift = sum(len(new) - (end - start) for start, end, new in ops[:k])
            found = self.describe(ops[k], low, high, ops[k][0] + shift)
            if isinstance(found, int):
                j = k - 1 if found == _MERGE_LEFT else k
                ops[j : j + 2] = [self._joined(ops[j], ops[j + 1])]
                del owners[j + 1]
                del done[j:]
                k = j
                continue
            done.append(found)
            k += 1
        said: dict[int, tuple[Instruction, ...]] = {}
        for owner, (steps, _) in zip(owners, done, strict=True):
            said[owner] = said.get(owner, ()) + steps
        return list(said.items())

    def _pieces(self, edit: _Edit) -> list[_Op]:
        """Words that continue a paragraph and new blocks after it are said apart: the
        words with a quote, the blocks after the paragraph's last line."""
        start, end, new = edit
        at_end = end == len(self.base) or self.base[end].is_block
        cut = next((i for i, token in enumerate(new) if token.is_block), 0)
        removed = self.base[start:end]
        continues = start > 0 and self.base[start - 1].is_word
        words = all(token.is_word for token in (*removed, *new[:cut]))
        if cut and at_end and continues and words:
            return [(start, end, new[:cut]), (end, end, new[cut:])]
        return [(start, end, new)]

    def _joined(self, first: _Op, second: _Op) -> _Op:
        return first[0], second[1], first[2] + tuple(self.base[first[1] : second[0]]) + second[2]

    def describe(
        self, op: _Op, low: int, high: int, at: int
    ) -> tuple[tuple[Instruction, ...], int] | int:
        """The op's instructions and the end of the base tokens they claim, or the side
        to merge with. ``at`` is where the op's new tokens start in the other text."""
        start, end, new = op
        if any(not t.is_word for t in (*self.base[start:end], *new)):
            return self._structure(op, low, high, at)
        return self._words(op, low, high)

    # words within one stretch of a block ----------------------------------------------------

    def _words(self, op: _Op, low: int, high: int) -> tuple[tuple[Instruction, ...], int] | int:
        start, end, new = op
        removed = self.base[start:end]
        if removed and self._whole_lines(start, end):
            first, last = removed[0].line, removed[-1].line
            if new:
                step = Instruction(
                    "replace_lines", first, last, old=quote_old(removed), new=quote_new(new)
                )
                return (step,), end
            return (Instruction("delete_lines", first, last, old=quote_old(removed)),), end
        if start == end:
            for left, right in ((True, False), (False, True)):
                span = self._grow(start, end, low, high, left, right)
                if isinstance(span, tuple):
                    a, b = span
                    kind = "insert_after" if b == end else "insert_before"
                    lines = self.base[a].line, self.base[b - 1].line
                    anchor = quote_old(self.base[a:b])
                    return (Instruction(kind, *lines, anchor, new=quote_new(new)),), max(b, end)
        span = self._grow(start, end, low, high, True, True)
        if not isinstance(span, tuple):
            return span if span is not None else self._blocks(op, low, high)
        return (self._quoted(op, *span),), span[1]

    def _quoted(self, op: _Op, a: int, b: int) -> Instruction:
        start, end, new = op
        base = self.base
        lines = base[a].line, base[b - 1].line
        old = quote_old(base[a:b])
        after = (*base[a:start], *new, *base[end:b])
        if not new and (a, b) == (start, end):
            return Instruction("delete_words", *lines, old=old)
        if [t.text for t in base[start:end]] == [t.text for t in new]:  # marks only
            if not any(segment.marks for token in after for segment in token.word):
                return Instruction("unmark", *lines, old=old)
            return Instruction("restyle_words", *lines, old=old, new=quote_new(after))
        return Instruction("replace_words", *lines, old=old, new=quote_new(after))

    def _whole_lines(self, start: int, end: int) -> bool:
        first, last = self.base[start].line, self.base[end - 1].line
        return end - start == sum(len(self.line_words[n]) for n in range(first, last + 1))

    def _grow(
        self, start: int, end: int, low: int, high: int, left: bool, right: bool
    ) -> tuple[int, int] | int | None:
        """The smallest quote [a, b) around [start, end), growing a word at a time on the
        allowed sides within the stretch of words, that occurs once in its lines; else the
        side of another edit it ran into, or None at the stretch's ends."""
        a, b = start, end
        if not left and not right:
            return None
        blocked: int | None = None
        while True:
            if a < b and self._unique(a, b):
                return a, b
            grown = False
            if left and a > 0 and self.base[a - 1].is_word:
                if a - 1 >= low:
                    a, grown = a - 1, True
                else:
                    blocked = _MERGE_LEFT
            if not grown and right and b < len(self.base) and self.base[b].is_word:
                if b < high:
                    b, grown = b + 1, True
                else:
                    blocked = blocked or _MERGE_RIGHT
            if not grown:
                return blocked

    def _unique(self, a: int, b: int) -> bool:
        wanted = [t.text for t in self.base[a:b]]
        words = [
            w
            for n in range(self.base[a].line, self.base[b - 1].line + 1)
            for w in self.line_words[n]
        ]
        size = len(wanted)
        return sum(words[i : i + size] == wanted for i in range(len(words) - size + 1)) == 1

    # block structure ------------------------------------------------------------------------

    def _structure(
        self, op: _Op, low: int, high: int, at: int
    ) -> tuple[tuple[Instruction, ...], int] | int:
        start, end, new = op
        base = self.base
        removed = base[start:end]
        if len(removed) == 1 and len(new) == 1 and removed[0].is_block and new[0].is_block:
            line = removed[0].line
            step = Instruction(
                "restyle_block", line, line, old=block_code(removed[0]), new=block_code(new[0])
            )
            return (step,), end
        inside = 0 < start < len(base) and base[start - 1].is_word
        if not removed and len(new) == 1 and new[0].is_block and inside and base[start].is_word:
            return self._split(op, low, high, at)
        joins = end < len(base) and base[end].is_word
        if len(removed) == 1 and removed[0].is_block and not new and inside and joins:
            if start - 1 < low:  # the line before was rewritten by the instruction before
                return _MERGE_LEFT
            step = Instruction("join", base[start - 1].line, removed[0].line)
            return (step,), end
        if self._inline(op, at):
            return self._words(op, low, high)
        return self._blocks(op, low, high)

    def _inline(self, op: _Op, at: int) -> bool:
        """Whether the op changes words within one block and starts new blocks of that
        block's kind among them, the block going on after it: said as words, with "¶"
        where a block starts. (New blocks at a block's end are said as blocks.)"""
        start, end, new = op
        if end == len(self.base) or not self.base[end].is_word:
            return False
        if any(not t.is_word for t in self.base[start:end]) or any(t.key == BREAK for t in new):
            return False
        own = next((t.key for t in reversed(self.other[:at]) if t.is_block), None)
        return own is not None and all(t.key == own for t in new if t.is_block)

    def _split(
        self, op: _Op, low: int, high: int, at: int
    ) -> tuple[tuple[Instruction, ...], int] | int:
        """Quoted with at least a word on either side of the split."""
        start, _, new = op
        if start - 1 < low:
            return _MERGE_LEFT
        if start >= high:
            return _MERGE_RIGHT
        span = self._grow(start - 1, start + 1, low, high, True, True)
        if not isinstance(span, tuple):
            return span if span is not None else self._blocks(op, low, high)
        a, b = span
        first = block_code(next(t for t in reversed(self.other[:at]) if t.is_block))
        second = block_code(new[0])
        step = Instruction(
            "split",
            self.base[a].line,
            self.base[b - 1].line,
            anchor=quote_old(self.base[a:start]),
            old=quote_old(self.base[start:b]),
            new=first,
            block="" if second == first else second,
        )
        return (step,), b

    def _blocks(self, op: _Op, low: int, high: int) -> tuple[tuple[Instruction, ...], int] | int:
        """Whole blocks inserted, deleted or replaced; any other structural edit is
        widened to the whole blocks it touches."""
        start, end, new = op
        base = self.base
        boundary = end == len(base) or base[end].is_block
        at_block = start == len(base) or base[start].is_block
        if at_block and (new[0].is_block if new else boundary):
            first = start
        else:
            first = max((i for i in range(start) if base[i].is_block), default=0)
        last = (
            end
            if boundary
            else next((i for i in range(end, len(base)) if base[i].is_block), len(base))
        )
        if first < low:
            return _MERGE_LEFT
        if last > high:
            return _MERGE_RIGHT
        new = (*base[first:start], *new, *base[end:last])
        groups = _block_groups(new)
        if first == last:  # pure insertion before base[first]
            if first == 0:
                lead = Instruction(
                    "blocks_before",
                    base[0].line if base else 1,
                    base[0].line if base else 1,
                    new=groups[0][1],
                    block=groups[0][0],
                )
            else:
                line = base[first - 1].line
                lead = Instruction(
                    "insert_blocks", line, line, new=groups[0][1], block=groups[0][0]
                )
        else:
            lines = base[first].line, base[last - 1].line
            if not groups:
                return (Instruction("delete_lines", *lines, old=quote_old(base[first:last])),), last
            lead = Instruction("replace_blocks", *lines, new=groups[0][1], block=groups[0][0])
        rest = [
            Instruction("insert_next", lead.last_line, lead.last_line, new=text, block=code)
            for code, text in groups[1:]
        ]
        return (lead, *rest), last


def _block_groups(items: Sequence[Token]) -> list[tuple[str, str]]:
    """(block code, quoted new text) of each block in ``items``, which start with one."""
    out: list[tuple[str, str]] = []
    words: list[Token] = []
    for token in items:
        if token.is_block:
            if out:
                out[-1] = (out[-1][0], quote_new(words))
            out.append((block_code(token), ""))
            words = []
        else:
            words.append(token)
    if out:
        out[-1] = (out[-1][0], quote_new(words))
    return out


# --- inline diff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffPart:
    op: str  # "equal" | "ins" | "del"
    text: str  # plain words joined by spaces; a hard line break is a part "\n"


@dataclass(frozen=True)
class DiffLine:
    number: int | None  # base line number; None for lines only in the new text
    parts: tuple[DiffPart, ...]


@dataclass(frozen=True)
class DiffBlock:
    kind: str
    depth: int
    marker: str
    lines: tuple[DiffLine, ...]


def inline_diff(base: Layout, amended_text: str, *, only_changed: bool = False) -> list[DiffBlock]:
    """The base text with deletions and insertions inline, in base blocks and lines;
    inserted words join the line where they go, inserted blocks have unnumbered lines.
    A block whose start changed (a paragraph split off, a heading made a paragraph) has
    the amended kind and counts as changed."""
    origin = tokens(base)
    builder = _DiffBuilder()
    for op, token in _stream(
        origin, _edits(origin, tokens(layout(amended_text, base.line_length)))
    ):
        builder.add(op, token)
    return builder.finish(only_changed)


def _stream(base: Sequence[Token], edits: Sequence[_Edit]) -> Iterator[tuple[str, Token]]:
    position = 0
    for edit in edits:
        yield from (("equal", t) for t in base[position : edit.start])
        yield from (("del", t) for t in base[edit.start : edit.end])
        yield from (("ins", t) for t in edit.new)
        position = edit.end
    yield from (("equal", t) for t in base[position:])


class _DiffBuilder:
    def __init__(self) -> None:
        self.blocks: list[tuple[Block, list[tuple[int | None, list[DiffPart]]], bool]] = []
        self.new_line = -1  # line of the last inserted word in the amended layout

    def add(self, op: str, token: Token) -> None:
        if token.block is not None:
            number = None if op == "ins" else token.line
            self.blocks.append((token.block, [(number, [])], op != "equal"))
            return
        if not self.blocks:
            self.blocks.append((Block("p", ()), [(None, [])], True))
        lines = self.blocks[-1][1]
        if op != "ins":
            if lines[-1][0] != token.line:
                lines.append((token.line, []))
        else:
            if lines[-1][0] is None and lines[-1][1] and token.line != self.new_line:
                lines.append((None, []))  # the next line of an inserted block
            self.new_line = token.line
        self._part(lines[-1][1], op, token.text if token.is_word else "\n")

    @staticmethod
    def _part(parts: list[DiffPart], op: str, text: str) -> None:
        if text == "\n" and op == "equal":
            return
        if parts and parts[-1].op == op and "\n" not in (text, parts[-1].text):
            parts[-1] = DiffPart(op, f"{parts[-1].text} {text}")
        else:
            parts.append(DiffPart(op, text))

    def finish(self, only_changed: bool) -> list[DiffBlock]:
        out = []
        for block, lines, started_anew in self.blocks:
            kept = tuple(DiffLine(number, tuple(parts)) for number, parts in lines if parts)
            changed = started_anew or any(p.op != "equal" for _, parts in lines for p in parts)
            if kept and (changed or not only_changed):
                out.append(DiffBlock(block.kind, block.depth, block.marker, kept))
        return out


# --- collisions -----------------------------------------------------------------------------


class _Span(NamedTuple):
    owner: int
    start: int
    end: int
    new: tuple[str, ...]


def _overlapping(spans: Sequence[_Span]) -> Iterator[tuple[int, int]]:
    """Index pairs of spans of different owners that overlap: ranges sharing a token, an
    insertion inside a range or touching it (at its start or end: where it lands is then
    ambiguous), different insertions at one place. Sort and sweep."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end > spans[i].start))
    active: list[tuple[int, int]] = []  # heap of (end, index) of ranges begun so far
    point: list[int] = []  # insertions at the current place
    for i in order:
        span = spans[i]
        insertion = span.start == span.end
        while active and (
            active[0][0] < span.start or (active[0][0] == span.start and not insertion)
        ):
            heapq.heappop(active)
        others = [j for _, j in active]
        point = [j for j in point if spans[j].start == span.start]
        if insertion:
            others += [j for j in point if spans[j].new != span.new]
            point.append(i)
        else:
            others += point
            heapq.heappush(active, (span.end, i))
        yield from ((j, i) for j in others if spans[j].owner != span.owner)


def collisions(items: Mapping[int, Sequence[Change]]) -> dict[int, set[int]]:
    """Amendment id -> ids of the other amendments whose changes overlap its changes."""
    spans = [_Span(o, c.start, c.end, c.new_keys) for o, cs in items.items() for c in cs]
    result: dict[int, set[int]] = {owner: set() for owner in items}
    for i, j in _overlapping(spans):
        result[spans[i].owner].add(spans[j].owner)
        result[spans[j].owner].add(spans[i].owner)
    return result


# --- three-way merge ------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    first_line: int  # base lines
    last_line: int
    base: str  # base plain text of the contested range
    current: str  # what the current version has there
    proposed: str  # what the amendment wants there


@dataclass(frozen=True)
class MergeResult:
    text: str | None  # canonical Markdown when merged, None when there are conflicts
    conflicts: tuple[Conflict, ...]


def merge3(base: str, current: str, amended: str, line_length: int) -> MergeResult:
    """Apply the amendment's edits (base -> amended) to ``current`` when they overlap none
    of the edits base -> current; otherwise merge nothing and report the conflicts."""
    origin = tokens(layout(base, line_length))
    now, wanted = tokens(layout(current, line_length)), tokens(layout(amended, line_length))
    ours, proposed = _edits(origin, now), _edits(origin, wanted)
    same = {_span(0, e) for e in ours}
    theirs = [e for e in proposed if _span(0, e) not in same]  # those made already are fine
    spans = [_span(0, e) for e in ours] + [_span(1, e) for e in theirs]
    clashes: dict[int, list[_Edit]] = defaultdict(list)
    for i, j in _overlapping(spans):
        mine, other = (i, j) if spans[i].owner == 0 else (j, i)
        clashes[other - len(ours)].append(ours[mine])
    if clashes:
        found = (_conflict(origin, theirs[t], clashes[t]) for t in sorted(clashes))
        return MergeResult(None, tuple(found))
    # a list renumbered on both sides keeps the current numbers
    numbers = {**_renumbered(origin, wanted, proposed), **_renumbered(origin, now, ours)}
    renumbered = [numbers.get(i, t) for i, t in enumerate(origin)]
    edits: list[_Edit] = sorted([*ours, *theirs], key=_place)
    merged = apply(renumbered, edits)
    return MergeResult(to_markdown(rebuild(merged)), ())


def _place(edit: _Edit) -> tuple[int, int]:
    return edit.start, edit.end


def _span(owner: int, edit: _Edit) -> _Span:
    return _Span(owner, edit.start, edit.end, tuple(t.key for t in edit.new))


def _conflict(base: Sequence[Token], proposed: _Edit, current: Sequence[_Edit]) -> Conflict:
    low = min(e.start for e in (proposed, *current))
    high = max(e.end for e in (proposed, *current))
    part = base[low:high]

    def shifted(edits: Iterable[_Edit]) -> list[tuple[int, int, tuple[Token, ...]]]:
        return [(e.start - low, e.end - low, e.new) for e in sorted(edits, key=_place)]

    first, last = _lines(base, low, high)
    return Conflict(
        first_line=first,
        last_line=last,
        base=plain(part),
        current=plain(apply(part, shifted(current))),
        proposed=plain(apply(part, shifted([proposed]))),
    )


def rebuild(items: Iterable[Token]) -> list[Block]:
    """Blocks from a token sequence (words before any block start form a paragraph)."""
    blocks: list[Block] = []
    shape = Block("p", ())
    words: list[Word] = []
    breaks: list[int] = []

    def close() -> None:
        if words:
            kept = (
                () if shape.kind.startswith("h") else tuple(b for b in breaks if b < len(words) - 1)
            )
            blocks.append(Block(shape.kind, tuple(words), shape.depth, shape.marker, kept))
        words.clear()
        breaks.clear()

    for token in items:
        if token.block is not None:
            close()
            shape = token.block
        elif token.is_word:
            words.append(token.word)
        elif words and (not breaks or breaks[-1] != len(words) - 1):
            breaks.append(len(words) - 1)
    close()
    return blocks
