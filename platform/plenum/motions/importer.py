"""Import a published resolution (Beschluss) from plain text into structured fields.

Resolutions are published as web pages and PDFs. Their extracted text has a header
(a number such as "Beschluss 2024/108" or "Beschluss Nr. 16 – 2023", a title and a line
"Beschluss des Parteivorstandes vom 18. August 2024"), the resolution text, often a
"Begründung:" section and a tail of labelled form fields ("Anlagen:", "Verantwortlich:",
"Finanzen:", "Die Vorlage wurde abgestimmt mit:", "Abstimmungsergebnis:", ...).

How ``parse_resolution`` reads it:

* The text is cut into blocks at blank lines. A line of only non-breaking spaces (or
  several blank lines) is a section break; a leading "Zum Hauptinhalt springen" is page
  chrome and dropped.
* Labels are matched case-insensitively at the start of a line, with or without a colon;
  the value stands on the same line or on the next non-empty line. A colon directly
  followed by a letter ("Antragsteller:in") belongs to the word and is no label colon.
  In the resolution text only known labels end the text; once the form fields have
  begun, any "Label: value" line is a field.
* The header is everything before the first block that is neither the number, the
  body-and-date line, a known label nor the (first) title line.
* The resolution text and the reasons become Markdown: paragraphs, ordered lists for
  "1." items, bullet lists for "-", "•", "*" items (nested by indentation), "## "
  headings for short title-like lines, and every character of the source escaped so
  that it renders literally. A paragraph split by a page break (ending in an article,
  preposition or comma, or followed by a lowercase continuation) is joined.
* Nothing is dropped silently: fields without a field of their own and unlabelled lines
  after the form fields go to ``notes``. Dropped are only page chrome, blank and
  non-breaking-space lines, placeholder values ("-", "--") and a bullet glyph doubled
  after a list marker ("- · Text").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Literal, TypeAlias

DEFAULT_OUTCOME = "beschlossen"
HEADING_MAX = 90  # a longer line is never taken for a heading
TITLE_MAX = 200

Kind = Literal[
    "text",
    "reasons",
    "outcome",
    "attachments",
    "responsible",
    "finances",
    "cost_centre",
    "coordinated_with",
    "decided_on",
    "note",
]
_SECTIONS: frozenset[Kind] = frozenset({"text", "reasons"})
_PLAIN_FIELDS: tuple[Kind, ...] = (
    "attachments",
    "responsible",
    "cost_centre",
    "coordinated_with",
)


@dataclass(frozen=True)
class ImportedResolution:
    """A resolution read from plain text; Markdown in ``text``, ``reasons``, ``notes``."""

    number: str
    year: int | None
    sequence: int | None
    title: str
    body_name: str
    decided_on: date | None
    outcome: str
    text: str
    reasons: str
    finances: str
    amount_cents: int | None
    cost_centre: str
    responsible: str
    coordinated_with: str
    attachments: str
    notes: str


# --------------------------------------------------------------------------- blocks

_CHROME = frozenset(
    {"zum hauptinhalt springen", "zum inhalt springen", "skip to main content", "skip to content"}
)


@dataclass(frozen=True)
class _Block:
    """Consecutive non-blank lines (right-stripped, indentation kept)."""

    lines: tuple[str, ...]
    after_break: bool = False

    @property
    def first(self) -> str:
        return self.lines[0].strip()

    @property
    def flat(self) -> str:
        return " ".join(line.strip() for line in self.lines)


def _split_blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lines: list[str] = []
    pending_break = False
    blanks = 0
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw.strip():
            if not blocks and not lines and raw.strip().casefold() in _CHROME:
                continue
            lines.append(raw.rstrip())
            blanks = 0
            continue
        if lines:
            blocks.append(_Block(tuple(lines), pending_break))
            lines, pending_break = [], False
        blanks += 1
        pending_break = pending_break or blanks >= 2 or bool(raw.strip(" \t"))
    if lines:
        blocks.append(_Block(tuple(lines), pending_break))
    return [part for block in blocks for part in _split_at_labels(block)]


def _split_at_labels(block: _Block) -> list[_Block]:
    """Start a new block at every line (after the first) that is a known label."""
    starts = [0] + [
        index
        for index, line in enumerate(block.lines)
        if index and _known_label(line.strip()) is not None
    ]
    ends = [*starts[1:], len(block.lines)]
    return [
        _Block(block.lines[start:end], block.after_break and start == 0)
        for start, end in zip(starts, ends, strict=True)
    ]


# --------------------------------------------------------------------------- labels

_LABEL_PATTERNS: tuple[tuple[Kind, str], ...] = (
    ("text", r"beschlusstext|beschlussvorlage|beschluss|antragstext"),
    ("reasons", r"begründung"),
    ("outcome", r"abstimmung"),
    ("attachments", r"anlage\(n\)|anlagen|anlage"),
    ("responsible", r"verantwortlich(?:e[rn]?)?(?:\s+(?:für|im|in|beim|seitens)\s[^:.]{0,40})?"),
    (
        "finances",
        r"finanzielle\s+mittel(?:\s*/\s*kostenstelle)?|finanzen|kostenrahmen|kosten|haushaltsmittel",
    ),
    ("cost_centre", r"kostenstelle|kst\."),
    ("coordinated_with", r"(?:die\s+vorlage\s+wurde\s+)?abgestimmt\s+mit"),
    ("decided_on", r"beschlussdatum|datum|beschlossen\s+am"),
    (
        "note",
        r"abstimmungsergebnis|den\s+beschluss\s+(?:sollen|soll)\s+erhalten|verteiler"
        r"|antragsteller(?::innen|:in|\*innen|\*in|innen|in)?|einreicher(?::in|\*in|in)?",
    ),
)
_LABELS = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _LABEL_PATTERNS)
_COLON = re.compile(r"\s*:(?=\s|$)\s*")
_GENERIC = re.compile(r"(?P<name>(?:[^:.!?]|:(?=\S)){1,60}?)\s*:(?:\s+(?P<value>.*))?")
_GENERIC_MAX_WORDS = 6
_PLACEHOLDER = re.compile(r"[-–—/.\s]*")


@dataclass(frozen=True)
class _Label:
    kind: Kind
    name: str
    value: str


def _known_label(line: str, *, loose: bool = False) -> _Label | None:
    """A known label at the start of ``line``; ``loose`` allows "Label value" (no colon)."""
    for kind, pattern in _LABELS:
        found = pattern.match(line)
        if found is None:
            continue
        name, rest = line[: found.end()], line[found.end() :]
        colon = _COLON.match(rest)
        if colon is not None:
            return _Label(kind, name, rest[colon.end() :].strip())
        if not rest.strip():
            return _Label(kind, name, "")
        if loose and kind not in _SECTIONS and rest[0].isspace():
            return _Label(kind, name, rest.strip())
    return None


def _generic_label(line: str) -> _Label | None:
    found = _GENERIC.fullmatch(line)
    if found is None or len(found["name"].split()) > _GENERIC_MAX_WORDS:
        return None
    return _Label("note", found["name"], (found["value"] or "").strip())


def _field_label(line: str) -> _Label | None:
    return _known_label(line, loose=True) or _generic_label(line)


def _starts_field(line: str) -> bool:
    """Whether a line after an empty label starts a new field rather than being its value."""
    if _known_label(line, loose=True) is not None:
        return True
    generic = _generic_label(line)
    return generic is not None and not generic.value


def _is_placeholder(value: str) -> bool:
    return _PLACEHOLDER.fullmatch(value) is not None


# --------------------------------------------------------------------------- header values

_NUMBER_LINE = re.compile(
    r"beschluss(?:\s*:\s*|\s+|-(?=nr))"
    r"(?P<number>(?:nr\.?\s*:?\s*)?\d{1,4}(?:\s*[/–—-]\s*\d{1,4})*)",
    re.IGNORECASE,
)
_BODY_LINE = re.compile(
    r"beschluss\s+(?P<article>des|der)\s+(?P<body>.+?)(?:\s+(?:vom|am)\s+(?P<date>.+))?"
    r"|beschlossen\s+(?:vom|von\s+der|von\s+dem|durch\s+den|durch\s+die)\s+(?P<body2>.+?)"
    r"\s+am\s+(?P<date2>.+)",
    re.IGNORECASE,
)
_MONTH_NAMES = (
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
)
_MONTH_ALIASES = {"jänner": 1, "maerz": 3, "mrz": 3}
_WORD_DATE = re.compile(r"\b(?P<day>\d{1,2})\.\s*(?P<month>[^\W\d_]+)\.?\s+(?P<year>\d{4})\b")
_NUMERIC_DATE = re.compile(r"\b(?P<day>\d{1,2})\.\s?(?P<month>\d{1,2})\.\s?(?P<year>\d{4}|\d{2})\b")
_YEAR_RANGE = range(1900, 2101)


def _month_number(word: str) -> int | None:
    """1–12 for a German month name or its abbreviation ("Aug", "Sept")."""
    word = word.casefold()
    if word in _MONTH_ALIASES:
        return _MONTH_ALIASES[word]
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if len(word) >= 3 and name.startswith(word):
            return number
    return None


def parse_german_date(text: str) -> date | None:
    """The first date in ``text``: "18. August 2024", "18. Aug. 2024" or "18.08.2024"."""
    found = sorted(
        (match for pattern in (_WORD_DATE, _NUMERIC_DATE) for match in pattern.finditer(text)),
        key=lambda match: match.start(),
    )
    for match in found:
        month_text = match["month"]
        month = int(month_text) if month_text.isdigit() else _month_number(month_text)
        year = int(match["year"])
        year += 2000 if year < 100 else 0
        if month is None:
            continue
        try:
            return date(year, month, int(match["day"]))
        except ValueError:
            continue
    return None


def _year_and_sequence(number: str) -> tuple[int | None, int | None]:
    digits = [int(part) for part in re.findall(r"\d+", number)]
    if len(digits) == 1:
        return None, digits[0]
    if len(digits) != 2:
        return None, None
    first, second = digits
    if first in _YEAR_RANGE:
        return first, second
    if second in _YEAR_RANGE:
        return second, first
    return None, None


def _undo_genitive(noun: str) -> str:
    """ "Parteivorstandes" → "Parteivorstand", "Präsidiums" → "Präsidium"."""
    if noun.isupper() or len(noun) <= 3:
        return noun
    if noun.endswith("sses"):
        return noun[:-2]
    if noun.endswith("es") and len(noun) > 4 and noun[-3].lower() not in "aeiouäöüy":
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun


def body_name_from_genitive(phrase: str) -> str:
    """The nominative of "[adjective] noun[ rest]" after "des": the head noun loses its
    genitive ending, a preceding adjective "-en" becomes "-er" (or "-es" for a neuter
    noun in "-um"); anything after the head noun stays as printed."""
    words = phrase.split()
    for index, word in enumerate(words):
        if word.endswith("en") and index + 1 < len(words):
            continue
        head = _undo_genitive(word)
        ending = "es" if head.endswith("um") else "er"
        adjectives = [adjective[:-2] + ending for adjective in words[:index]]
        return " ".join([*adjectives, head, *words[index + 1 :]])
    return phrase


# --------------------------------------------------------------------------- money

_UNITS = r"\d{1,3}(?:[.\u00a0\u202f ]\d{3})+|\d+"
_AMOUNT = re.compile(
    rf"(?P<units>{_UNITS})(?:,(?P<cents>\d{{1,2}}|-{{1,2}}))?\s*(?:€|EUR\b|Euro\b)"
    rf"|(?:€|EUR\b)\s*(?P<units2>{_UNITS})(?:,(?P<cents2>\d{{1,2}}|-{{1,2}}))?",
)


def amount_cents(text: str) -> int | None:
    """The first euro amount in ``text`` in cents: "22.000 €" → 2200000."""
    found = _AMOUNT.search(text)
    if found is None:
        return None
    units = re.sub(r"\D", "", found["units"] or found["units2"])
    cents = found["cents"] or found["cents2"] or ""
    cents = cents.ljust(2, "0") if cents.isdigit() else "00"
    value = int(units) * 100 + int(cents)
    return value if value < 2**31 else None  # the text keeps what does not fit the column


# --------------------------------------------------------------------------- Markdown

_SPECIAL = re.compile(
    r"[\\`\[\]<~]"  # code, links, autolinks, strikethrough, escapes
    r"|(?<!\w)\*|\*(?!\w)"  # a star between two word characters stays literal on its own
    r"|(?<![^\W_])_|_(?![^\W_])"  # so does an underscore between letters or digits
    r"|&(?=#?\w+;)"  # entity references
)
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def escape_markdown(text: str) -> str:
    """Escape ``text`` so that, as a paragraph, list item or heading, it renders literally."""
    escaped = _SPECIAL.sub(lambda found: "\\" + found.group(), text.strip())
    if escaped[:1] in ("#", ">", "+", "-", "=", "|"):
        escaped = "\\" + escaped
    else:
        escaped = _ORDERED_START.sub(r"\1\\\2", escaped, count=1)
    if escaped.endswith("#") and not escaped.endswith("\\#"):
        escaped = escaped[:-1] + "\\#"
    return escaped


@dataclass
class _Para:
    text: str
    after_break: bool
    single_line: bool = True


@dataclass
class _Item:
    level: int
    number: int | None  # None for a bullet
    text: str


@dataclass
class _List:
    items: list[_Item] = field(default_factory=list)


_Piece: TypeAlias = _Para | _List

_ITEM = re.compile(
    r"(?P<indent>[ \t\u00a0]*)(?:(?P<number>\d{1,3})[.)]|(?P<bullet>[-•*·▪◦‣]))"
    r"[ \t\u00a0]+(?P<text>\S.*)"
)
_SUB_BULLET = re.compile(r"(?P<glyph>[o◦·•▪])[ \t\u00a0]+(?=\S)")
# Words a German sentence cannot end on: a paragraph ending on one was cut off.
_OPEN_WORD = re.compile(
    r"der|die|das|de[mns]|ein(?:e[mnrs]?)?|und|oder|sowie|aber|dass|weil|wenn|als|wie|an|auf"
    r"|aus|bei|bis|durch|für|gegen|in|im|mit|nach|ohne|über|um|unter|vo[mnr]|zu[mr]?|zwischen"
)
_CLOSERS = "\"'“”„«»‹›‚‘’)]"


@dataclass(frozen=True)
class _ItemLine:
    indent: int
    extra_level: int
    number: int | None
    text: str


def _item_line(line: str) -> _ItemLine | None:
    found = _ITEM.fullmatch(line)
    if found is None:
        return None
    indent = len(found["indent"].replace("\t", "    "))
    if found["number"] is not None:
        return _ItemLine(indent, 0, int(found["number"]), found["text"])
    sub = _SUB_BULLET.match(found["text"])
    if sub is None:
        return _ItemLine(indent, 0, None, found["text"])
    extra = 1 if sub["glyph"] in "o◦" else 0
    return _ItemLine(indent, extra, None, found["text"][sub.end() :])


def _numbers_are_items(lines: Sequence[str], last_number: int | None) -> bool:
    """Numbered lines are list items when they count from 1, continue the list before,
    or count up by one; a lone "18. August ..." stays a paragraph."""
    numbers = [item.number for line in lines if (item := _item_line(line)) and item.number]
    if not numbers:
        return False
    if numbers[0] == 1 or (last_number is not None and numbers[0] == last_number + 1):
        return True
    return len(numbers) > 1 and all(b == a + 1 for a, b in pairwise(numbers))


def _append_text(pieces: list[_Piece], text: str, after_break: bool) -> None:
    last = pieces[-1] if pieces else None
    if isinstance(last, _List):
        last.items[-1].text += " " + text
    elif isinstance(last, _Para):
        last.text += " " + text
        last.single_line = False
    else:
        pieces.append(_Para(text, after_break))


def _append_item(pieces: list[_Piece], item: _ItemLine, indents: list[int]) -> None:
    last = pieces[-1] if pieces else None
    if not isinstance(last, _List):
        last = _List()
        pieces.append(last)
        indents.clear()
    items = last.items
    while indents and item.indent < indents[-1]:
        indents.pop()
    if not indents or item.indent > indents[-1]:
        indents.append(item.indent)
    level = len(indents) - 1 + item.extra_level
    level = min(level, items[-1].level + 1) if items else 0
    items.append(_Item(level, item.number, item.text))


def _block_pieces(block: _Block, last_number: int | None) -> list[_Piece]:
    numbered = _numbers_are_items(block.lines, last_number)
    pieces: list[_Piece] = []
    indents: list[int] = []
    for line in block.lines:
        item = _item_line(line)
        if item is None or (item.number is not None and not numbered):
            _append_text(pieces, line.strip(), block.after_break)
        else:
            _append_item(pieces, item, indents)
    return pieces


def _last_text(piece: _Piece) -> str:
    return piece.items[-1].text if isinstance(piece, _List) else piece.text


def _breaks_off(before: str, after: str) -> bool:
    """Whether a paragraph ending in ``before`` was cut off and continues with ``after``."""
    before = before.rstrip()
    if not before or not after:
        return False
    if before.endswith(","):
        return True
    if not before[-1].isalpha():
        return False
    if _OPEN_WORD.fullmatch(before.rsplit(maxsplit=1)[-1]):
        return True
    return after[0].islower() and len(before) > HEADING_MAX


def _pieces(blocks: Sequence[_Block]) -> list[_Piece]:
    pieces: list[_Piece] = []
    for block in blocks:
        last = pieces[-1] if pieces else None
        last_number = last.items[-1].number if isinstance(last, _List) else None
        new = _block_pieces(block, last_number)
        first = new[0] if new else None
        if (
            last is not None
            and isinstance(first, _Para)
            and not first.after_break
            and _breaks_off(_last_text(last), first.text)
        ):
            _append_text(pieces, first.text, after_break=False)
            new = new[1:]
        pieces.extend(new)
    return pieces


def _is_heading(para: _Para, following: _Piece | None) -> bool:
    text = para.text
    if following is None or not para.single_line or len(text) > HEADING_MAX:
        return False
    if text[0].islower() or not any(char.isalpha() for char in text):
        return False
    end = text.rstrip(_CLOSERS)[-1:]
    if end in (".", ",", ";", ":"):
        return False
    return end not in ("!", "?") or para.after_break


def _list_markdown(items: Sequence[_Item]) -> str:
    lines: list[str] = []
    columns: list[int] = []  # content column of the open item on each level
    for item in items:
        del columns[item.level :]
        pad = columns[-1] if columns else 0
        marker = "-" if item.number is None else f"{item.number}."
        lines.append(" " * pad + marker + " " + escape_markdown(item.text))
        columns.append(pad + len(marker) + 1)
    return "\n".join(lines)


def _piece_markdown(piece: _Piece, following: _Piece | None) -> str:
    if isinstance(piece, _List):
        return _list_markdown(piece.items)
    if _is_heading(piece, following):
        return "## " + escape_markdown(piece.text)
    return escape_markdown(piece.text)


def _markdown(blocks: Sequence[_Block]) -> str:
    pieces: list[_Piece | None] = [*_pieces(blocks), None]
    return "\n\n".join(
        _piece_markdown(piece, following)
        for piece, following in pairwise(pieces)
        if piece is not None
    )


# --------------------------------------------------------------------------- reading


@dataclass
class _Draft:
    number: str = ""
    title: str = ""
    body_name: str = ""
    decided_on: date | None = None
    outcome: str = ""
    finances: list[str] = field(default_factory=list)
    fields: dict[Kind, list[str]] = field(default_factory=dict)
    text: list[_Block] = field(default_factory=list)
    reasons: list[_Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_note(self, name: str, value: str) -> None:
        self.notes.append(f"**{escape_markdown(name)}:** {escape_markdown(value)}")


def _store_finances(label: _Label, draft: _Draft) -> None:
    parts = [label.value]
    if "kostenstelle" in label.name.casefold():
        parts = [part for part in re.split(r"\s*[/;]\s*", label.value) if part]
    money = [part for part in parts if _AMOUNT.search(part)]
    if len(parts) > 1 and money:
        draft.fields.setdefault("cost_centre", []).extend(p for p in parts if p not in money)
        parts = money
    draft.finances.append(" / ".join(parts))


def _store(label: _Label, draft: _Draft) -> None:
    if not label.value or _is_placeholder(label.value):
        return
    decided = parse_german_date(label.value) if label.kind == "decided_on" else None
    if label.kind == "outcome":
        draft.outcome = label.value
    elif label.kind == "finances":
        _store_finances(label, draft)
    elif label.kind in _PLAIN_FIELDS:
        draft.fields.setdefault(label.kind, []).append(label.value)
    elif decided is not None and draft.decided_on is None:
        draft.decided_on = decided
    else:
        draft.add_note(label.name, label.value)


def _value_lines(lines: Sequence[str]) -> list[str]:
    taken: list[str] = []
    for line in lines:
        if _starts_field(line.strip()):
            break
        taken.append(line.strip())
    return taken


def _read_fields(
    block: _Block,
    following: _Block | None,
    draft: _Draft,
    find: Callable[[str], _Label | None] = _field_label,
) -> int:
    """Read the labelled lines of ``block``; return how many following blocks were used."""
    lines = [line.strip() for line in block.lines]
    used = 0
    loose: list[str] = []
    index = 0
    while index < len(lines):
        label = find(lines[index])
        index += 1
        if label is None:
            loose.append(lines[index - 1])
            continue
        _flush_loose(loose, draft)
        value = label.value
        if not value:
            taken = _value_lines(lines[index:])
            index += len(taken)
            value = "; ".join(taken)
        if not value and index == len(lines) and following and not _starts_field(following.first):
            value = "; ".join(line.strip() for line in following.lines)
            used = 1
        _store(_Label(label.kind, label.name, value), draft)
    _flush_loose(loose, draft)
    return used


def _flush_loose(loose: list[str], draft: _Draft) -> None:
    if loose:
        draft.notes.append(_markdown([_Block(tuple(loose))]))
        loose.clear()


def _header_line(line: str, draft: _Draft) -> bool:
    """Take ``line`` as number, body-and-date line or title; False when it is none."""
    number = _NUMBER_LINE.fullmatch(line)
    if number is not None and not draft.number:
        draft.number = number["number"]
        return True
    body = _BODY_LINE.fullmatch(line)
    if body is not None and not draft.body_name:
        if body["body2"]:
            draft.body_name = body["body2"]
        else:
            article = body["article"].casefold()
            phrase = body["body"]
            draft.body_name = body_name_from_genitive(phrase) if article == "des" else phrase
        draft.decided_on = parse_german_date(body["date"] or body["date2"] or "")
        return True
    if draft.title or len(line) > TITLE_MAX or line[0].islower():
        return False
    if line.rstrip(_CLOSERS)[-1:] in (".", ",", ";", ":"):
        return False
    draft.title = line
    return True


def _read_header(blocks: Sequence[_Block], draft: _Draft) -> int:
    """Read the header; return the index of the first block after it."""
    index = 0
    while index < len(blocks):
        block = blocks[index]
        label = _known_label(block.first)
        if label is not None and label.kind in _SECTIONS:
            break
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if label is not None:
            index += 1 + _read_fields(block, following, draft, _known_label)
            continue
        if len(block.lines) > 1 or not _header_line(block.first, draft):
            break
        index += 1
    return index


def _read_body(blocks: Sequence[_Block], draft: _Draft) -> None:
    """Read text, reasons and form fields after the header."""
    section: list[_Block] = draft.text
    in_fields = False
    index = 0
    while index < len(blocks):
        block = blocks[index]
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        label = _known_label(block.first, loose=in_fields)
        if label is not None and label.kind in _SECTIONS:
            section = draft.text if label.kind == "text" else draft.reasons
            in_fields = False
            rest = ([label.value] if label.value else []) + list(block.lines[1:])
            if rest:
                section.append(_Block(tuple(rest), block.after_break))
        elif label is not None or in_fields:
            in_fields = True
            index += _read_fields(block, following, draft)
        else:
            section.append(block)
        index += 1


def _without_title(blocks: list[_Block], title: str) -> list[_Block]:
    """The text without a first block that only repeats the title."""
    if blocks and title and len(blocks[0].lines) == 1 and blocks[0].first == title:
        return blocks[1:]
    return blocks


def _joined(draft: _Draft, kind: Kind) -> str:
    return "; ".join(draft.fields.get(kind, []))


def parse_resolution(text: str) -> ImportedResolution:
    """Read a resolution from its plain text (see the module docstring)."""
    blocks = _split_blocks(text)
    draft = _Draft()
    start = _read_header(blocks, draft)
    _read_body(blocks[start:], draft)
    year, sequence = _year_and_sequence(draft.number)
    finances = "; ".join(draft.finances)
    return ImportedResolution(
        number=draft.number,
        year=year,
        sequence=sequence,
        title=draft.title,
        body_name=draft.body_name,
        decided_on=draft.decided_on,
        outcome=draft.outcome or DEFAULT_OUTCOME,
        text=_markdown(_without_title(draft.text, draft.title)),
        reasons=_markdown(draft.reasons),
        finances=finances,
        amount_cents=amount_cents(finances),
        cost_centre=_joined(draft, "cost_centre"),
        responsible=_joined(draft, "responsible"),
        coordinated_with=_joined(draft, "coordinated_with"),
        attachments=_joined(draft, "attachments"),
        notes="\n\n".join(draft.notes),
    )
