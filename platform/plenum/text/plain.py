"""Member text on its way into plain-text outputs: spreadsheet cells and e-mails.

Both are places where a character means more than itself: a cell that starts with ``=``
is a formula to a spreadsheet program, and a line break in a mail body starts a new
line that may pretend to be a header ("Bcc: ...") or a link of ours. What a member
wrote is made harmless on the way out, not changed where it is stored.
"""

from __future__ import annotations

import re

# What spreadsheet programs read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Line and paragraph breaks, tabs and every other control character (C0, DEL, C1).
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def spreadsheet_cell(value: str) -> str:
    """Keep spreadsheet programs from reading member text as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def one_line(value: str) -> str:
    """The text with every line break or control character folded into one space."""
    return _BREAKS.sub(" ", value)
