"""Path parameters: ``{name:int}`` matches only numbers a 32-bit id column can hold.

Starlette's own ``int`` convertor takes any run of digits, so ``/votes/99999999999``
reached the database, which failed (PostgreSQL: integer out of range; SQLite beyond
2^63). Registered here under the same name, before any route is made (every routes
module imports ``plenum.web``), a larger number matches no route and gets the 404 page.
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor

from plenum.parsing import MAX_ID


def at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..``limit`` (leading zeros allowed
    up to ``limit``'s number of digits)."""
    digits = str(limit)
    shorter = f"[0-9]{{1,{len(digits) - 1}}}" if len(digits) > 1 else None
    same_length = [
        f"{digits[:i]}[0-{int(d) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, d in enumerate(digits)
        if d != "0"
    ]
    return "|".join(part for part in (shorter, *same_length, digits) if part)


class IdConvertor(IntegerConvertor):
    regex = f"(?:{at_most(MAX_ID)})"


register_url_convertor("int", IdConvertor())


class BigIdConvertor(IntegerConvertor):
    """``{name:bigid}``: ids another system makes, up to 2**53 - 1 (Janus's session and
    handle ids, which browsers hold as numbers)."""

    regex = f"(?:{at_most(2**53 - 1)})"


register_url_convertor("bigid", BigIdConvertor())
