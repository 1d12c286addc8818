"""Small web pieces: the local-path check and the rate limiter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plenum.web.forms import local_path
from plenum.web.ratelimit import RateLimiter


@given(st.text())
def test_local_path_only_ever_returns_a_path_on_this_site(candidate):
    result = local_path(candidate)
    assert result.startswith("/")
    assert not result.startswith("//")
    assert "\\" not in result
    assert result in (candidate, "/")


def test_local_path_examples():
    assert local_path("/chapters?x=1") == "/chapters?x=1"
    for hostile in ("https://elsewhere", "//elsewhere", "/\\elsewhere", "javascript:alert(1)", ""):
        assert local_path(hostile) == "/"


def test_rate_limiter_allows_bursts_then_refills():
    now = [0.0]
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("b") is True  # keys are independent
    assert limiter.retry_after("a") == 20
    now[0] = 20.0
    assert limiter.hit("a") is True
    assert limiter.hit("a") is False


@given(st.lists(st.integers(1, 5), max_size=30))
def test_a_limiter_grants_hits_of_any_cost_only_while_tokens_last(costs):
    limiter = RateLimiter(10, 3600, clock=lambda: 0.0)
    left, expected = 10, []
    for cost in costs:  # a refused hit takes nothing, so a smaller one may still pass
        expected.append(cost <= left)
        left -= cost if cost <= left else 0
    assert [limiter.hit("m", cost) for cost in costs] == expected
