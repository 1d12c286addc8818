"""A poll passes on a full check for one second, for the same login, meeting and Janus
session only; the table stays bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plenum.video import poll_passes
from plenum.video.poll_passes import PollPasses


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_pass_holds_for_its_second_and_for_its_own_key_only() -> None:
    clock = Clock()
    passes = PollPasses(seconds=1.0, clock=clock)
    key = ("login-a", 7, 123456789)
    assert not passes.holds(key)
    passes.grant(key)
    assert passes.holds(key)
    for other in (("login-b", 7, 123456789), ("login-a", 8, 123456789), ("login-a", 7, 1)):
        assert not passes.holds(other)
    clock.now += 0.99
    assert passes.holds(key)
    clock.now += 0.02
    assert not passes.holds(key)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=300))
def test_the_table_stays_bounded_and_keeps_the_newest(sessions: list[int]) -> None:
    clock = Clock()
    passes = PollPasses(seconds=60.0, clock=clock)
    limit = 50
    original = poll_passes.MAX_PASSES
    poll_passes.MAX_PASSES = limit
    try:
        for n, janus_session in enumerate(sessions):
            clock.now = 100.0 + n * 0.001
            passes.grant(("login", 1, janus_session))
            assert len(passes._until) <= limit
        assert passes.holds(("login", 1, sessions[-1]))
    finally:
        poll_passes.MAX_PASSES = original
