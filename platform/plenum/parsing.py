"""Strict readers for numbers typed or sent by anyone: the one place that turns text
into an id, a version or a page number. Plain functions, used by routes and services.

``"²".isdigit()`` is true but ``int("²")`` fails, and ``int()`` also takes digits of
other scripts and numbers no column can hold; so only ASCII digits within a range count.
"""

from __future__ import annotations

from collections.abc import Iterable

from plenum.errors import N_

MAX_ID = 2**31 - 1  # ids and counters are 32-bit columns on PostgreSQL
WHOLE_NUMBER = N_("Please enter a whole number in the allowed range.")


def parse_int(raw: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``raw`` (surrounding spaces aside) as a whole number from ``low`` to ``high``, else
    None. No sign; leading zeros only up to ``high``'s number of digits."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(high)):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_ints(raw: Iterable[str]) -> list[int]:
    """The ids among ``raw``, in order; whatever is not one is left out."""
    return [value for value in map(parse_int, raw) if value is not None]


def form_number(
    values: dict[str, str], name: str, low: int, high: int, errors: dict[str, str]
) -> int | None:
    """The form field ``name`` as a whole number in low..high; None when empty. Anything
    else puts a message beside the field into ``errors`` and gives None."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    found = parse_int(raw, low=low, high=high)
    if found is None:
        errors[name] = WHOLE_NUMBER
    return found


def form_choice(
    values: dict[str, str], name: str, allowed: tuple[str, ...], errors: dict[str, str], msg: str
) -> str:
    """The form field ``name`` if it is one of ``allowed``; otherwise ``msg`` beside it."""
    value = values.get(name, "")
    if value not in allowed:
        errors[name] = msg
    return value
