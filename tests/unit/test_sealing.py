"""Sealed ballots and padded answers: one length for every ballot and every answer of a vote."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import HTMLResponse

from plenum.votes import padding, sealing, tally

KEY = "unit-test-secret-key"


@pytest.fixture(autouse=True)
def _server_key() -> Iterator[None]:
    saved = list(sealing._secret)
    sealing.configure(KEY)
    yield
    sealing._secret[:] = saved


@st.composite
def vote_and_ballot(draw: st.DrawFn) -> tuple[list[int], tuple[int, ...]]:
    """A vote's option ids and one ballot of it: any of them, in any order (a ranking)."""
    ids = draw(st.lists(st.integers(1, 10**7), min_size=1, max_size=60, unique=True))
    ballot = draw(st.permutations(ids))
    return ids, tuple(ballot[: draw(st.integers(0, len(ids)))])


@given(vote_and_ballot(), st.integers(1, 10**9), st.sampled_from(["", "0123456789abcdef0123"]))
def test_every_sealed_ballot_of_a_vote_has_one_length_and_opens_to_what_was_sealed(
    found: tuple[list[int], tuple[int, ...]], vote_id: int, tracker: str
) -> None:
    ids, ballot = found
    size = sealing.width(ids)
    sealed = sealing.seal(vote_id, tally.encode(ballot), tracker, size=size)
    assert len(sealed) == sealing.NONCE + size + 16  # the same for every ballot of the vote
    assert sealing.unseal(vote_id, sealed) == (tally.encode(ballot), tracker)


def test_equal_ballots_look_different_and_open_only_with_the_key_of_their_vote() -> None:
    first = sealing.seal(7, "1,2", "abc", size=128)
    assert first != sealing.seal(7, "1,2", "abc", size=128)
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(8, first)
    sealing.configure("another server's key")
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(7, first)


@given(st.binary(max_size=4000), st.integers(1, 8).map(lambda n: n * padding.STEP))
def test_an_answer_is_padded_to_its_size_or_to_the_next_step(body: bytes, size: int) -> None:
    answer = padding.padded(HTMLResponse(body), size)
    length = len(answer.body)
    assert answer.body.startswith(body)
    assert answer.headers["content-length"] == str(length)
    if len(body) + 8 <= size:  # the comment around the padding takes 8 bytes
        assert length == size
    else:
        assert length % padding.STEP == 0
