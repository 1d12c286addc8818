"""The party's published documents in ``../shared/seeds``, read at test time only (their
text must never be copied into the repository), and a reader's view of them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
CHROME = "Zum Hauptinhalt springen"  # the web page's skip link, not party text
SOURCE_ITEM = re.compile(r"^\s*(?:\d{1,3}[.)]|[-•*·])\s+(?:[o·•]\s+)?(?P<content>\S.*)$")


def seed(prefix: str) -> str:
    """The text of ``../shared/seeds/<prefix>_*.txt``; skipped when the folder is not
    there, failed instead when PLENUM_TEST_REQUIRE_SEEDS=1 (as in CI)."""
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        message = f"seed document {prefix} not found in {SEEDS}"
        if os.environ.get("PLENUM_TEST_REQUIRE_SEEDS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found[0].read_text(encoding="utf-8")


def norm(value: str) -> str:
    return " ".join(value.split())


def source_units(source: str) -> tuple[list[str], list[str]]:
    """The source's paragraphs and list items, whitespace normalised, without page chrome
    (a test-side reading, independent of the importer)."""
    paragraphs: list[str] = []
    items: list[str] = []
    for block in re.split(r"\n\s*\n", source):
        lines: list[str] = []
        for line in block.splitlines():
            if line.strip() == CHROME:
                continue
            item = SOURCE_ITEM.match(line)
            if item is None:
                lines.append(line)
                continue
            paragraphs.append(norm(" ".join(lines)))
            lines = []
            items.append(norm(item["content"]))
        paragraphs.append(norm(" ".join(lines)))
    return [paragraph for paragraph in paragraphs if paragraph], items
