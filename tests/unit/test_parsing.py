"""The strict number reader and the bounded path convertor, for all inputs."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from plenum.parsing import MAX_ID, parse_int
from plenum.web.paths import IdConvertor, at_most


def reference(raw: str, high: int) -> int | None:
    """What ``parse_int`` should answer: ASCII digits only, within 0..high."""
    text = raw.strip()
    if not re.fullmatch(r"[0-9]+", text, flags=re.ASCII) or len(text) > len(str(high)):
        return None
    return int(text) if int(text) <= high else None


@given(st.one_of(st.text(max_size=14), st.integers(-(2**70), 2**70).map(str)))
def test_parse_int_takes_ascii_digits_within_the_range_and_never_raises(raw):
    assert parse_int(raw) == reference(raw, MAX_ID)


@given(st.text(alphabet=st.characters(categories=("Nd", "No")), min_size=1, max_size=5))
def test_digits_of_other_scripts_and_superscripts_are_no_number(raw):
    if not raw.isascii():
        assert parse_int(raw) is None


@given(st.integers(0, 10**12), st.integers(1, 10**11))
def test_the_path_pattern_matches_exactly_the_numbers_up_to_the_limit(number, limit):
    assert (re.fullmatch(f"(?:{at_most(limit)})", str(number)) is not None) == (number <= limit)


def test_the_id_convertor_stops_at_the_column_range():
    pattern = re.compile(IdConvertor.regex)
    assert pattern.fullmatch(str(MAX_ID))
    assert not pattern.fullmatch(str(MAX_ID + 1))
    assert not pattern.fullmatch("²")
