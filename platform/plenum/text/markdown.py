"""The one configured Markdown parser for everything members write.

Raw HTML is off (the ``js-default`` preset), links may only point to http(s) and
mailto, and a star between two letters is a literal character: German gender-fair
forms such as "Genoss*innen" must not turn the text between two of them into italics.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

SAFE_SCHEMES = ("http://", "https://", "mailto:")
_GENDER_STAR = re.compile(r"(?<=\w)\*(?=\w)")


def _validate_link(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(SAFE_SCHEMES)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.disable(["table", "image"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    return md


def protect_stars(text: str) -> str:
    """Escape a star between two word characters, so it stays a star."""
    return _GENDER_STAR.sub(r"\\*", text)


def parse(text: str) -> list[Token]:
    return parser().parse(protect_stars(text))


@lru_cache(maxsize=4096)
def render(text: str) -> Markup:
    """Member Markdown as safe HTML. Remembered for the most recent texts: a discussion page
    shows the same comments to every reader, and rendering is most of its cost."""
    html = parser().renderer.render(parse(text), parser().options, {})
    return Markup(html)  # noqa: S704 # nosec B704


_INLINE_TEXT = frozenset({"text", "code_inline"})
_BREAK = frozenset({"softbreak", "hardbreak"})


def text_of(text: str) -> str:
    """Member Markdown as the words a reader sees: no markers (``#``, ``-``, ``>``,
    ``**``, link targets), one space for a line break, a blank line between blocks. For
    search excerpts, which show text, not markup."""
    blocks: list[str] = []
    for token in parse(text):
        if token.type == "code_block" or token.type == "fence":
            blocks.append(token.content.strip())
        if token.type != "inline":
            continue
        words = "".join(
            child.content if child.type in _INLINE_TEXT else " "
            for child in token.children or ()
            if child.type in _INLINE_TEXT or child.type in _BREAK
        )
        if words.strip():
            blocks.append(" ".join(words.split()))
    return "\n\n".join(blocks)
