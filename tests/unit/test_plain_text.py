"""Member text on its way into spreadsheets and e-mails: no formula, no extra line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plenum.text.plain import FORMULA_STARTS, one_line, spreadsheet_cell


@given(st.text())
def test_no_cell_starts_a_formula_and_nothing_is_lost(value):
    cell = spreadsheet_cell(value)
    assert not cell.startswith(FORMULA_STARTS)
    assert cell in (value, "'" + value)


@given(st.text())
def test_one_line_has_no_break_or_control_character(value):
    folded = one_line(value)
    assert len(folded.splitlines()) <= 1
    assert all(ch.isprintable() or ch == " " for ch in folded if ord(ch) < 0xA0)
    assert "\u2028" not in folded
    assert "\u2029" not in folded
