"""Motions as PDF, set with Typst.

The template ``pdf.typ`` next to this module reads everything it shows from one JSON
value passed in ``sys.inputs``; member text is never written into Typst source, so
``#``, ``*``, ``$``, brackets and backslashes print as they were typed. The decision
text is printed exactly as :mod:`plenum.motions.lines` wrapped and numbered it, one
row per line; reasons (Markdown) are printed as paragraphs without numbers.

Fonts are the ones built into Typst (Libertinus Serif, DejaVu Sans Mono for code), so
the output does not depend on the fonts installed on the machine. Compiling is
CPU-bound and blocking: call it from a worker thread in async code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typst

from plenum.motions.lines import Block, Layout, Segment, Word, read_blocks, width_for, word_text
from plenum.text.markdown import SAFE_SCHEMES

log = logging.getLogger(__name__)

TEMPLATE = Path(__file__).with_name("pdf.typ")

DEFAULT_LABELS: Mapping[str, str] = {
    "proposers": "Antragsteller*innen",
    "body": "Gremium",
    "status": "Status",
    "reasons": "Begründung",
    "finances": "Finanzielle Auswirkungen",
    "amendments": "Änderungsanträge",
    "contents": "Inhalt",
    "page": "Seite {page} von {pages}",  # {page} and {pages} are filled in
    "line": "Zeile",
}

# Control characters other than newline would only print as boxes (or not at all).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# A word longer than its whole line gets a break opportunity every this many characters
# (a zero-width space, which the template turns into boxes), so that it can wrap.
_CHUNK = 24
# In reasons, words longer than this get them (the prose column holds about 100).
_PROSE_WORD = 80


@dataclass(frozen=True)
class PdfAmendment:
    number: str
    title: str
    proposers: str
    status: str
    instructions: tuple[str, ...]  # already worded, e.g. "In Zeile 12 nach „Wort“ einfügen: …"
    reasons: str  # Markdown source, printed as paragraphs


@dataclass(frozen=True)
class PdfMotion:
    number: str
    title: str
    body: str
    proposers: str
    status: str
    layout: Layout  # the numbered decision text
    reasons: str  # Markdown source, printed as paragraphs without line numbers
    finances: str  # "" or e.g. "22.000 € · Kostenstelle 4711"
    amendments: tuple[PdfAmendment, ...] = ()


def motion_pdf(motion: PdfMotion, labels: Mapping[str, str]) -> bytes:
    """One motion with its amendments as a PDF."""
    title = _one_line(f"{motion.number} {motion.title}")
    return _compile({"kind": "motion", "title": title, "subtitle": "", "motions": [motion]}, labels)


def motion_book_pdf(
    title: str, subtitle: str, motions: Sequence[PdfMotion], labels: Mapping[str, str]
) -> bytes:
    """A title page, a table of contents and every motion from a new page."""
    return _compile(
        {"kind": "book", "title": _text(title), "subtitle": _text(subtitle), "motions": motions},
        labels,
    )


# --- the data for the template ------------------------------------------------------------


def _compile(document: dict[str, Any], labels: Mapping[str, str]) -> bytes:
    data = {
        **document,
        "labels": {key: _one_line(labels.get(key, value)) for key, value in DEFAULT_LABELS.items()},
        "motions": [_motion_data(m) for m in document["motions"]],
    }
    result, warnings = typst.compile_with_warnings(
        TEMPLATE,
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        ignore_system_fonts=True,
        format="pdf",
    )
    for warning in warnings:
        log.warning("typst: %s", warning.message)
    if not isinstance(result, bytes):  # pragma: no cover - one document gives one PDF
        raise TypeError("typst did not return a PDF")
    return result


def _motion_data(motion: PdfMotion) -> dict[str, Any]:
    return {
        "number": _one_line(motion.number),
        "title": _one_line(motion.title),
        "body": _one_line(motion.body),
        "proposers": _one_line(motion.proposers),
        "status": _one_line(motion.status),
        "n": motion.layout.line_length,
        "blocks": [_numbered_block(b, motion.layout.line_length) for b in motion.layout.blocks],
        "reasons": _prose(motion.reasons),
        "finances": _text(motion.finances),
        "amendments": [_amendment_data(a) for a in motion.amendments],
    }


def _amendment_data(amendment: PdfAmendment) -> dict[str, Any]:
    return {
        "number": _one_line(amendment.number),
        "title": _one_line(amendment.title),
        "proposers": _one_line(amendment.proposers),
        "status": _one_line(amendment.status),
        "instructions": [_text(i) for i in amendment.instructions],
        "reasons": _prose(amendment.reasons),
    }


def _numbered_block(block: Block, line_length: int) -> dict[str, Any]:
    width = width_for(block, line_length)
    return {
        "k": block.kind,
        "d": block.depth,
        "m": block.marker,
        "l": [[line.number, _runs(line.words, width)] for line in block.lines],
    }


def _prose(source: str) -> list[dict[str, Any]]:
    """Markdown as blocks of runs, one list of runs per hard-broken part."""
    out = []
    for block in read_blocks(source):
        parts: list[list[list[Any]]] = []
        start = 0
        for end in (*[b + 1 for b in block.breaks], len(block.words)):
            parts.append(_runs(block.words[start:end], _PROSE_WORD))
            start = end
        out.append({"k": block.kind, "d": block.depth, "m": block.marker, "l": parts})
    return out


def _runs(words: Sequence[Word], longest: int) -> list[list[Any]]:
    """Words as runs ``[text, marks, href]``: neighbours with the same marks merged.

    The space between two words carries the marks both words share, so a struck or
    bold phrase stays continuous. A word longer than ``longest`` characters gets
    zero-width spaces so it may wrap.
    """
    runs: list[list[Any]] = []

    def add(text: str, marks: tuple[str, ...], href: str) -> None:
        if runs and runs[-1][1] == list(marks) and runs[-1][2] == href:
            runs[-1][0] += text
        else:
            runs.append([text, list(marks), href])

    previous: Segment | None = None
    for word in words:
        if previous is not None:
            first = word[0]
            shared = tuple(m for m in previous.marks if m in first.marks and m != "code")
            same_link = "a" in shared and previous.href == first.href
            if "a" in shared and not same_link:
                shared = tuple(m for m in shared if m != "a")
            add(" ", shared, previous.href if "a" in shared else "")
        long = len(word_text(word)) > longest
        for segment in word:
            href = segment.href if "a" in segment.marks and _safe(segment.href) else ""
            add(_word_piece(segment.text, long), segment.marks, href)
        previous = word[-1]
    return runs


def _word_piece(text: str, long: bool) -> str:
    text = _text(text)
    if long and len(text) > _CHUNK:
        text = "\u200b".join(text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK))
    return text


def _safe(href: str) -> bool:
    return href.strip().lower().startswith(SAFE_SCHEMES)


def _text(value: str) -> str:
    """``value`` with newlines only as ``\\n``, without other control characters."""
    value = value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def _one_line(value: str) -> str:
    return _SPACES.sub(" ", _text(value)).strip()
