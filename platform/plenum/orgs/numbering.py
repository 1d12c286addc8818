"""How a body numbers its resolutions: a small template of named tokens.

``{year}`` is the year of the decision, ``{seq}`` the body's running number in that year,
and ``{seq:N}`` the running number with leading zeros to N digits (N from 1 to 6; the
spelling ``{seq:03}`` means the same). Everything else is literal text without braces.
The template is checked when a body is saved, and filled in by ``render`` only: never by
``str.format``, so no stored template can ask for a megabyte of padding or an attribute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT = "{year}/{seq}"
MAX_LENGTH = 60
# The usual formats, offered as examples to choose from; any other is typed as a template.
PRESETS = ("{year}/{seq}", "Nr. {seq} – {year}", "{year}-{seq:3}", "{seq}/{year}")
CUSTOM = "custom"  # the form's choice "another format", with the template typed beside it
_TOKEN = re.compile(r"\{(?:(year)|seq(?::0?([1-6])d?)?)\}")


@dataclass(frozen=True)
class Token:
    name: str  # "year" or "seq"
    width: int = 0  # digits, with leading zeros


Part = str | Token


def parse(template: str) -> tuple[Part, ...] | None:
    """The template's literal texts and tokens; None when it is not a valid template
    (too long, a stray brace, an unknown token, or no ``{seq}``)."""
    if len(template) > MAX_LENGTH:
        return None
    parts: list[Part] = []
    position = 0
    for match in _TOKEN.finditer(template):
        parts.append(template[position : match.start()])
        year, width = match.groups()
        parts.append(Token("year") if year else Token("seq", int(width or 0)))
        position = match.end()
    parts.append(template[position:])
    literals = "".join(part for part in parts if isinstance(part, str))
    has_seq = any(isinstance(part, Token) and part.name == "seq" for part in parts)
    if "{" in literals or "}" in literals or not has_seq:
        return None
    return tuple(part for part in parts if part != "")


def render(template: str, year: int, sequence: int) -> str:
    """The number; a template that is not valid (stored before the check) counts as the
    default ``{year}/{seq}``."""
    parts = parse(template) or parse(DEFAULT) or ()
    return "".join(_fill(part, year, sequence) for part in parts)


def _fill(part: Part, year: int, sequence: int) -> str:
    if isinstance(part, str):
        return part
    if part.name == "year":
        return str(year)
    return str(sequence).zfill(part.width)
