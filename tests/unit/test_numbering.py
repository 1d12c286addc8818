"""Numbers of resolutions come from a small template of named tokens, never a format string."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plenum.orgs import numbering

LITERAL = st.text(
    alphabet=st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=8
)
TOKENS = {"{year}": "2026", "{seq}": "7", "{seq:3}": "007", "{seq:03}": "007", "{seq:6}": "000007"}


@given(st.text(max_size=80), st.integers(1, 9999), st.integers(1, 10**6))
def test_any_template_gives_a_short_number_and_never_fails(template, year, sequence):
    number = numbering.render(template, year, sequence)
    assert len(number) <= numbering.MAX_LENGTH * 7
    assert str(sequence) in number
    if numbering.parse(template) is None:
        assert number == f"{year}/{sequence}"


@given(st.lists(st.tuples(LITERAL, st.sampled_from(sorted(TOKENS))), min_size=1, max_size=4))
def test_a_template_of_tokens_and_text_is_filled_in_token_by_token(pieces):
    template = "".join(text + token for text, token in pieces)
    expected = "".join(text + TOKENS[token] for text, token in pieces)
    valid = numbering.parse(template) is not None
    has_seq = any(token != "{year}" for _text, token in pieces)
    assert valid == (has_seq and len(template) <= numbering.MAX_LENGTH)
    if valid:
        assert numbering.render(template, 2026, 7) == expected


@pytest.mark.parametrize(
    "template",
    [
        "{seq}{seq:>1000000}",
        "{seq.x}",
        "{seq[0]}",
        "{seq:7}",
        "{year:3}/{seq}",
        "{{seq}}",
        "{x}{seq}",
    ],
)
def test_format_strings_beyond_the_tokens_are_not_templates(template):
    assert numbering.parse(template) is None
