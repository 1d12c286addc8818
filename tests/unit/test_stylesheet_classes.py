"""One visual language: every class a page is given is defined by the stylesheet.

A class without a rule is either a leftover or a component that silently looks like
something else (a "secondary" button that looked primary). The templates and the HTML
written in Python are read as text; a class put together from a prefix and a value
(``status-{{ motion.status }}``) needs a rule for at least one class with that prefix, and
the words quoted inside an expression (``{{ 'a' if x else 'b' }}``) count as classes too.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = sorted((ROOT / "static" / "css").glob("*.css"))
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
VALUE = re.compile(r"\{\{.*?\}\}|\{[a-z_.()]+\}")  # Jinja's {{ }}, Python's f-string {}
STATEMENT = re.compile(r"\{%.*?%\}")
QUOTED_WORDS = re.compile(r"'([\w -]+)'")
CSS_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
COMMENT = re.compile(r"/\*.*?\*/", re.S)


def defined_classes(css: str) -> set[str]:
    without_comments = COMMENT.sub("", css)
    # Only selectors: drop the declarations (a value such as "0.5rem" is not a class).
    selectors = re.sub(r"\{[^{}]*\}", "{}", without_comments)
    return set(CSS_CLASS.findall(selectors))


def used_classes(markup: str) -> set[str]:
    """The classes in class attributes; a name cut short by an expression ends in "-"."""
    used: set[str] = set()
    for value in CLASS_ATTRIBUTE.findall(markup):
        for expression in VALUE.findall(value) + STATEMENT.findall(value):
            for words in QUOTED_WORDS.findall(expression):
                used.update(words.split())
        for token in VALUE.sub("\0", STATEMENT.sub(" ", value)).split():
            name = token.split("\0")[0]
            if name:
                used.add(name if name == token else name.rstrip("-") + "-")
    return used


def is_defined(name: str, defined: set[str]) -> bool:
    if name.endswith("-"):
        return any(other.startswith(name) for other in defined)
    return name in defined


def _sources() -> list[Path]:
    templates = sorted((ROOT / "templates").rglob("*.html"))
    python = [p for p in (ROOT / "platform" / "plenum").rglob("*.py") if 'class="' in p.read_text()]
    return templates + sorted(python)


def test_the_reader_finds_static_prefixed_and_quoted_classes():
    markup = (
        "<p class=\"a b-{{ x }} {% if y %}c{% endif %} {{ 'd e' if z else 'f' }}\">"
        '<span class="g-{status}">'
    )
    assert used_classes(markup) == {"a", "b-", "c", "d", "e", "f", "g-"}
    assert defined_classes(".a, p > .b-ok:hover { margin: 0.5rem; } /* .x */") == {"a", "b-ok"}
    assert is_defined("b-", {"b-ok"})
    assert not is_defined("c-", {"b-ok"})


def test_every_class_used_in_a_page_has_a_rule_in_the_stylesheet():
    assert STYLESHEETS, "no stylesheet in static/css"
    defined = set().union(*(defined_classes(path.read_text()) for path in STYLESHEETS))
    missing: dict[str, list[str]] = {}
    for source in _sources():
        for name in used_classes(source.read_text()):
            if not is_defined(name, defined):
                missing.setdefault(name, []).append(str(source.relative_to(ROOT)))
    assert not missing, "classes without a rule in static/css:\n" + "\n".join(
        f"- {name}: {', '.join(sorted(set(files)))}" for name, files in sorted(missing.items())
    )
