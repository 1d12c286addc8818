"""Ranked choice by the Schulze method: worked examples from the literature, the
Condorcet property, strongest paths against brute force, and speed."""

from __future__ import annotations

import time
from itertools import chain, islice, pairwise, permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from plenum.votes.tally import (
    Counts,
    Method,
    Option,
    OptionKind,
    Result,
    Rules,
    check_ballot,
    pairwise_preferences,
    strongest_paths,
    tally,
)

LETTERS = "ABCDEFGH"
ABSTAIN, INVALID = 101, 102
RANKED = Rules(method=Method.RANKED)


def survey(candidates: str) -> list[Option]:
    """Options 1, 2, 3, … for the letters A, B, C, …, with abstain and invalid."""
    return [
        *(Option(id=LETTERS.index(c) + 1, kind=OptionKind.OPTION, label=c) for c in candidates),
        Option(id=ABSTAIN, kind=OptionKind.ABSTAIN),
        Option(id=INVALID, kind=OptionKind.INVALID),
    ]


def profile(*groups: tuple[int, str]) -> dict[tuple[int, ...], int]:
    """Counts from groups such as ``(5, "ACBED")``: 5 voters rank A > C > B > E > D."""
    return {tuple(LETTERS.index(c) + 1 for c in ranking): n for n, ranking in groups}


def ids(letters: str) -> list[int]:
    return [LETTERS.index(c) + 1 for c in letters]


def matrix(rows: dict[str, list[int]]) -> dict[int, dict[int, int]]:
    """A matrix written row by row as in the literature ("-" on the diagonal left out)."""
    names = "".join(rows)
    return {
        LETTERS.index(a) + 1: {
            LETTERS.index(b) + 1: value for b, value in zip(names, row, strict=True) if b != a
        }
        for a, row in ((a, rows[a]) for a in names)
    }


# The 45 voters of the example in Wikipedia's "Schulze method" article, Example 1 of
# Schulze's worked examples of the method.
WIKIPEDIA = profile(
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
)


def test_wikipedia_example_pairwise_preferences() -> None:
    """d[X][Y], the voters who prefer X to Y. For A over B: 5 ACBED + 5 ADECB + 3 CABED
    + 7 CAEBD = 20, and B over A the other 25 (8 BEDAC, 2 CBADE, 7 DCEBA, 8 EBADC)."""
    result = tally(survey("ABCDE"), WIKIPEDIA, RANKED)

    assert result.pairwise == matrix(
        {
            "A": [0, 20, 26, 30, 22],
            "B": [25, 0, 16, 33, 18],
            "C": [19, 29, 0, 17, 24],
            "D": [15, 12, 28, 0, 14],
            "E": [23, 27, 21, 31, 0],
        }
    )


def test_wikipedia_example_strongest_paths() -> None:
    """p[X][Y], the weakest link of the strongest path. A to C is not the direct 26 but
    A-(30)-D-(28)-C = 28; E to A is E-(31)-D-(28)-C-(29)-B-(25)-A = 25; everything into E
    goes through C-(24)-E, so p[*][E] = 24."""
    paths = strongest_paths(tally(survey("ABCDE"), WIKIPEDIA, RANKED).pairwise)

    assert paths == matrix(
        {
            "A": [0, 28, 28, 30, 24],
            "B": [25, 0, 28, 33, 24],
            "C": [25, 29, 0, 29, 24],
            "D": [25, 28, 28, 0, 24],
            "E": [25, 28, 28, 31, 0],
        }
    )


def test_wikipedia_example_order_is_e_a_c_b_d() -> None:
    """E beats everyone (25 > 24, 28 > 24, 28 > 24, 31 > 24), A beats B, C, D (28 > 25,
    28 > 25, 30 > 25), C beats B and D (29 > 28 twice), B beats D (33 > 28)."""
    result = tally(survey("ABCDE"), WIKIPEDIA, RANKED)

    assert result.outcome == "decided"
    assert result.elected == ids("E")
    assert result.ranking == [ids("E"), ids("A"), ids("C"), ids("B"), ids("D")]
    assert result.majority_met is None
    assert result.totals[LETTERS.index("C") + 1] == 3 + 7 + 2
    assert result.ballots == result.valid == 45


def test_schulze_paper_example_with_30_voters_and_4_candidates() -> None:
    """Markus Schulze, "A new monotonic, clone-independent, reversal symmetric, and
    Condorcet-consistent single-winner election method", Social Choice and Welfare 36
    (2011), section 3, the example with 30 voters and 4 candidates (also Example 2 of
    Schulze's worked examples of the method): 5 ACBD, 2 ACDB, 3 ADCB, 4 BACD, 3 CBDA,
    3 CDBA, 1 DACB, 5 DBAC, 4 DCBA. Result: D > A > C > B.

    By hand: A over C on ACBD, ACDB, ADCB, BACD, DACB, DBAC = 5+2+3+4+1+5 = 20, and so on
    (matrix below). The links are A-(20)-C, B-(19)-A, C-(21)-B, C-(17)-D, D-(16)-A and
    D-(18)-B. The only link into D is C-(17)-D, so p[X][D] = 17 for every X; D reaches
    everyone with 18: D-(18)-B, D-(18)-B-(19)-A, D-(18)-B-(19)-A-(20)-C. So D beats all
    (18 > 17). A beats B (A-(20)-C-(21)-B = 20 against B-(19)-A = 19) and C (20 against
    C-(21)-B-(19)-A = 19); C beats B (21 against B-(19)-A-(20)-C = 19).
    """
    counts = profile(
        (5, "ACBD"),
        (2, "ACDB"),
        (3, "ADCB"),
        (4, "BACD"),
        (3, "CBDA"),
        (3, "CDBA"),
        (1, "DACB"),
        (5, "DBAC"),
        (4, "DCBA"),
    )
    result = tally(survey("ABCD"), counts, RANKED)

    assert result.pairwise == matrix(
        {
            "A": [0, 11, 20, 14],
            "B": [19, 0, 9, 12],
            "C": [10, 21, 0, 17],
            "D": [16, 18, 13, 0],
        }
    )
    assert strongest_paths(result.pairwise) == matrix(
        {
            "A": [0, 20, 20, 17],
            "B": [19, 0, 19, 17],
            "C": [19, 21, 0, 17],
            "D": [18, 18, 18, 0],
        }
    )
    assert result.ranking == [ids("D"), ids("A"), ids("C"), ids("B")]
    assert result.elected == ids("D")


def test_schulze_paper_example_with_30_voters_and_5_candidates() -> None:
    """Schulze (2011), section 3, the example with 30 voters and 5 candidates (also
    Example 3 of Schulze's worked examples): 3 ABDEC, 5 ADEBC, 1 ADECB, 2 BADEC, 2 BDECA,
    4 CABDE, 6 CBADE, 2 DBECA, 5 DECAB. Result: B > A > D > E > C.

    By hand: A beats B directly, 18 to 12 (B over A only on 2 BADEC, 2 BDECA, 6 CBADE,
    2 DBECA), and the only other link into B is C-(16)-B, so p[A][B] = 18. But B reaches
    A by B-(19)-E-(20)-C-(19)-A, strength 19 > 18: B beats A, and the same 19 beats the
    18 that every other candidate has towards B. Then A-(21)-D and A-(21)-E beat the 19
    back to A, D-(30)-E, and D-(20)-C and E-(20)-C beat the 19 back from C.
    """
    counts = profile(
        (3, "ABDEC"),
        (5, "ADEBC"),
        (1, "ADECB"),
        (2, "BADEC"),
        (2, "BDECA"),
        (4, "CABDE"),
        (6, "CBADE"),
        (2, "DBECA"),
        (5, "DECAB"),
    )
    result = tally(survey("ABCDE"), counts, RANKED)
    paths = strongest_paths(result.pairwise)

    assert (result.pairwise[1][2], result.pairwise[2][1]) == (18, 12)
    assert (paths[1][2], paths[2][1]) == (18, 19)
    assert paths == matrix(
        {
            "A": [0, 18, 20, 21, 21],
            "B": [19, 0, 19, 19, 19],
            "C": [19, 18, 0, 19, 19],
            "D": [19, 18, 20, 0, 30],
            "E": [19, 18, 20, 19, 0],
        }
    )
    assert result.ranking == [ids("B"), ids("A"), ids("D"), ids("E"), ids("C")]
    assert result.outcome == "decided"


def test_schulze_paper_example_with_two_potential_winners_is_a_tie() -> None:
    """Schulze (2011), section 3, the example with 9 voters and 4 candidates (also
    Example 4 of Schulze's worked examples): 3 ABCD, 2 DABC, 2 DBCA, 2 CBDA. B and D are
    both potential winners.

    By hand: the links are A-(5)-B, A-(5)-C, B-(7)-C, B-(5)-D, C-(5)-D and D-(6)-A.
    p[B][D] = 5 (B-(5)-D) and p[D][B] = 5 (D-(6)-A-(5)-B): neither beats the other. D
    beats A (6 against A-(5)-B-(5)-D = 5) and B beats C (7 against C-(5)-D-(6)-A-(5)-B
    = 5). A and C tie at 5 both ways. Tiers: {B, D}, then {A, C}.
    """
    counts = profile((3, "ABCD"), (2, "DABC"), (2, "DBCA"), (2, "CBDA"))
    result = tally(survey("ABCD"), counts, RANKED)

    assert result.outcome == "tie"
    assert result.elected == ids("BD")
    assert result.ranking == [ids("BD"), ids("AC")]


def test_abstentions_and_invalid_ballots_take_no_part_in_the_pairwise_counts() -> None:
    counts = {**WIKIPEDIA, (ABSTAIN,): 7, (INVALID,): 3}

    result = tally(survey("ABCDE"), counts, RANKED)

    assert result.pairwise == tally(survey("ABCDE"), WIKIPEDIA, RANKED).pairwise
    assert (result.ballots, result.valid, result.abstain, result.invalid) == (55, 52, 7, 3)
    assert result.totals[ABSTAIN] == 7
    assert result.elected == ids("E")


def test_ranked_options_beat_unranked_ones_which_are_tied() -> None:
    """One voter ranks only C: C is above A and B, and A and B are tied for her."""
    result = tally(survey("ABC"), {(3,): 1}, RANKED)

    assert result.pairwise == {1: {2: 0, 3: 0}, 2: {1: 0, 3: 0}, 3: {1: 1, 2: 1}}
    assert result.ranking == [[3], [1, 2]]


def test_no_ballots_leave_every_option_tied() -> None:
    result = tally(survey("ABC"), {}, RANKED)

    assert result.outcome == "tie"
    assert result.ranking == [[1, 2, 3]]
    assert result.totals == {1: 0, 2: 0, 3: 0, ABSTAIN: 0, INVALID: 0}


def test_a_ranking_keeps_its_order_when_checked() -> None:
    assert check_ballot([3, 1, 2], survey("ABC"), RANKED) == (3, 1, 2)
    assert check_ballot([2], survey("ABC"), RANKED) == (2,)


@st.composite
def ranked_profiles(draw: st.DrawFn, size: int = 5) -> tuple[int, Counts]:
    """Up to ``size`` options and a few distinct rankings, each cast one or more times."""
    options = draw(st.integers(min_value=1, max_value=size))
    rankings = st.permutations(range(1, options + 1)).flatmap(
        lambda order: st.integers(min_value=1, max_value=options).map(lambda n: order[:n])
    )
    counts = draw(st.dictionaries(rankings.map(tuple), st.integers(1, 30), max_size=12))
    return options, counts


def condorcet_winner(pairwise: dict[int, dict[int, int]]) -> int | None:
    return next(
        (a for a, row in pairwise.items() if all(n > pairwise[b][a] for b, n in row.items())),
        None,
    )


@given(ranked_profiles())
def test_a_condorcet_winner_is_always_the_schulze_winner(case: tuple[int, Counts]) -> None:
    options, counts = case
    result = tally(survey(LETTERS[:options]), counts, RANKED)

    winner = condorcet_winner(result.pairwise)

    if winner is not None:
        assert result.elected == [winner]
        assert result.outcome == "decided"


def widest_path(d: dict[int, dict[int, int]], a: int, b: int) -> int:
    """The strongest path from a to b, by trying every simple path."""
    others = [x for x in d if x not in (a, b)]
    best = 0
    for length in range(len(others) + 1):
        for middle in permutations(others, length):
            links = [d[x][y] if d[x][y] > d[y][x] else 0 for x, y in pairwise((a, *middle, b))]
            best = max(best, min(links))
    return best


@given(ranked_profiles())
def test_strongest_paths_match_every_simple_path_tried(case: tuple[int, Counts]) -> None:
    options, counts = case
    d = pairwise_preferences(list(range(1, options + 1)), counts)

    paths = strongest_paths(d)

    assert paths == {a: {b: widest_path(d, a, b) for b in d if b != a} for a in d}


@given(ranked_profiles())
def test_no_option_beats_one_of_its_own_or_an_earlier_tier(case: tuple[int, Counts]) -> None:
    options, counts = case
    result = tally(survey(LETTERS[:options]), counts, RANKED)
    paths = strongest_paths(result.pairwise)

    assert sorted(chain.from_iterable(result.ranking)) == list(range(1, options + 1))
    assert result.elected == result.ranking[0]
    for place, tier in enumerate(result.ranking):
        not_earlier = list(chain.from_iterable(result.ranking[place:]))
        for a in tier:
            assert all(paths[b][a] <= paths[a][b] for b in not_earlier if b != a)


@given(ranked_profiles())
@settings(max_examples=50)
def test_a_ranked_result_reads_back_from_json(case: tuple[int, Counts]) -> None:
    options, counts = case
    result = tally(survey(LETTERS[:options]), counts, RANKED)

    assert Result.from_json(result.to_json()) == result


def test_100000_distinct_rankings_of_8_options_count_fast() -> None:
    """Every ballot different: all 40,320 full rankings of 8 options, all 40,320 of 7 of
    them and 19,360 rankings of 6, each cast once. The bound is generous on purpose: it
    counts in about 0.6 s on a developer machine; 5 s would mean something went quadratic."""
    rankings = islice(chain(*(permutations(range(1, 9), length) for length in (8, 7, 6))), 100_000)
    counts = dict.fromkeys(rankings, 1)
    options = survey(LETTERS)

    started = time.perf_counter()
    result = tally(options, counts, RANKED)
    elapsed = time.perf_counter() - started

    assert result.ballots == len(counts) == 100_000
    assert elapsed < 5.0


def test_many_ballots_of_few_rankings_count_by_ranking() -> None:
    counts: Counts = {(1, 2, 3): 40_000, (2, 3, 1): 25_000, (3, 1, 2): 20_000, (1, 3, 2): 15_000}

    result = tally(survey("ABC"), counts, RANKED)

    assert result.ballots == 100_000
    assert result.pairwise[1][2] == 75_000
    assert result.elected == [1]
