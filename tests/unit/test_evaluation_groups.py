"""Which groups of voters an evaluation may show: a rule for all inputs (no kept group
under five, and nothing hidden that the totals would give away)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plenum.series.breakdown import OTHER, SMALLEST, kept_groups


def test_small_groups_are_pooled_and_a_small_pool_takes_the_next_smallest_group():
    ballots = [("a", "1")] * 6 + [("b", "2")] * 5 + [("c", "3")] * 2
    kept = kept_groups(ballots)
    assert {k: len(v) for k, v in kept.items()} == {"a": 6, OTHER: 7}


@given(st.lists(st.tuples(st.sampled_from("abcdefg"), st.sampled_from(["1", "2,1", "3"]))))
def test_no_group_under_five_is_kept_and_the_rest_cannot_be_worked_out(ballots):
    kept = kept_groups(ballots)
    assert all(len(members) >= SMALLEST for members in kept.values())
    kept_total = sum(len(members) for members in kept.values())
    dropped = len(ballots) - kept_total
    # Either everything is kept, or nothing could be (fewer than five in all).
    assert dropped == 0 or (kept_total == 0 and len(ballots) < SMALLEST)
