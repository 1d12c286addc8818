"""Unsubscribe tokens: signed per member and purpose, refused when anything is off."""

from __future__ import annotations

import pytest

from plenum.mail.tokens import make_token, member_of

KEY = "test-secret-key-not-for-production"


def test_a_token_names_its_member():
    token = make_token(KEY, 42)
    assert token.startswith("42.")
    assert member_of(KEY, token) == 42


def test_a_token_is_url_safe_and_stable():
    token = make_token(KEY, 7)
    assert token == make_token(KEY, 7)
    assert all(ch.isalnum() or ch in "._-" for ch in token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "42",
        "42.",
        "abc.def",
        "-1.abc",
        "٤٢.abc",  # non-ASCII digits
        "1" * 13 + ".abc",
        make_token(KEY, 42)[:-1],
        make_token(KEY, 42) + "A",
        make_token(KEY, 42).replace("42.", "43.", 1),  # another member, same signature
        make_token("another key", 42),
        make_token(KEY, 42, purpose="something else"),
    ],
)
def test_anything_else_is_refused(token):
    assert member_of(KEY, token) is None
