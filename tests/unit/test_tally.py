"""Counting votes and elections: yes/no with its majorities, choices, elections with
runoff and lots, seats reserved for women, and checking a ballot before it is cast."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plenum.errors import ValidationFailed
from plenum.orgs.models import Majority
from plenum.votes.tally import (
    SPECIAL,
    Counts,
    Method,
    Option,
    OptionKind,
    Result,
    Rules,
    check_ballot,
    choice_limit,
    decode,
    encode,
    list_place_reserved,
    reserved_seats,
    system_lot,
    tally,
)

NO, ABSTAIN, INVALID = 101, 102, 103
YES = 100
ALICE, BERT, CLARA, DENIZ = 1, 2, 3, 4


def yes_no_options() -> list[Option]:
    return [
        Option(id=YES, kind=OptionKind.YES),
        Option(id=NO, kind=OptionKind.NO),
        Option(id=ABSTAIN, kind=OptionKind.ABSTAIN),
        Option(id=INVALID, kind=OptionKind.INVALID),
    ]


def candidates(*ids: int, no: bool = False, women: Sequence[int] = ()) -> list[Option]:
    """Candidates with the given ids, abstain and invalid, and a "no" if asked for."""
    return [
        *(Option(id=i, kind=OptionKind.CANDIDATE, label=f"C{i}", women=i in women) for i in ids),
        *([Option(id=NO, kind=OptionKind.NO)] if no else []),
        Option(id=ABSTAIN, kind=OptionKind.ABSTAIN),
        Option(id=INVALID, kind=OptionKind.INVALID),
    ]


def choice_options(*ids: int) -> list[Option]:
    return [
        *(Option(id=i, kind=OptionKind.OPTION, label=f"O{i}") for i in ids),
        Option(id=ABSTAIN, kind=OptionKind.ABSTAIN),
        Option(id=INVALID, kind=OptionKind.INVALID),
    ]


def yes_no_counts(yes: int, no: int, abstain: int = 0, invalid: int = 0) -> Counts:
    return {(YES,): yes, (NO,): no, (ABSTAIN,): abstain, (INVALID,): invalid}


def election(seats: int = 1, majority: str = Majority.ABSOLUTE) -> Rules:
    return Rules(method=Method.ELECTION, majority=majority, seats=seats)


class Recorder:
    """A lot that reverses the ids it is given, and remembers every call."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __call__(self, ids: Sequence[int]) -> list[int]:
        self.calls.append(list(ids))
        return list(reversed(ids))


def no_lot(ids: Sequence[int]) -> list[int]:
    raise AssertionError(f"no lot should be drawn, but one was among {ids}")


# --- yes / no -----------------------------------------------------------------------------


def test_a_motion_with_more_yes_than_no_is_adopted_by_simple_majority() -> None:
    result = tally(yes_no_options(), yes_no_counts(12, 3, 1, 2), Rules(method=Method.YES_NO))

    assert result.outcome == "adopted"
    assert result.majority_met is True
    assert (result.ballots, result.invalid, result.abstain, result.valid) == (18, 2, 1, 16)
    assert result.totals == {YES: 12, NO: 3, ABSTAIN: 1, INVALID: 2}
    assert result.elected == []
    assert result.ranking == [[YES], [NO]]


def test_a_tie_between_yes_and_no_is_rejected() -> None:
    result = tally(yes_no_options(), yes_no_counts(10, 10), Rules(method=Method.YES_NO))

    assert result.outcome == "rejected"
    assert result.majority_met is False


def test_abstentions_count_against_an_absolute_majority_only() -> None:
    """10 yes, 5 no, 6 abstentions: a simple majority (10 > 5), but not more than half
    of the 21 valid votes."""
    counts = yes_no_counts(10, 5, 6, 4)

    simple = tally(yes_no_options(), counts, Rules(method=Method.YES_NO))
    absolute = tally(yes_no_options(), counts, Rules(method=Method.YES_NO, majority="absolute"))

    assert simple.outcome == "adopted"
    assert absolute.outcome == "rejected"


def test_two_thirds_of_yes_and_no_adopt_and_abstentions_do_not_count() -> None:
    rules = Rules(method=Method.YES_NO, majority=Majority.TWO_THIRDS)

    assert tally(yes_no_options(), yes_no_counts(20, 10, 50), rules).outcome == "adopted"
    assert tally(yes_no_options(), yes_no_counts(19, 10), rules).outcome == "rejected"
    assert tally(yes_no_options(), yes_no_counts(0, 0, 9), rules).outcome == "rejected"


def test_too_few_ballots_for_the_quorum_decide_nothing() -> None:
    rules = Rules(method=Method.YES_NO, quorum=20)

    result = tally(yes_no_options(), yes_no_counts(15, 2, 1, 1), rules)

    assert result.quorum_met is False
    assert result.outcome == "no_quorum"
    assert result.majority_met is True
    assert tally(yes_no_options(), yes_no_counts(15, 2, 1, 2), rules).outcome == "adopted"


def test_100000_ballots_count_by_distinct_ballot() -> None:
    counts = yes_no_counts(60_000, 30_000, 9_000, 1_000)

    started = time.perf_counter()
    result = tally(yes_no_options(), counts, Rules(method=Method.YES_NO))

    assert time.perf_counter() - started < 0.1
    assert (result.ballots, result.valid, result.outcome) == (100_000, 99_000, "adopted")


tallies = st.integers(min_value=0, max_value=10_000)


@given(tallies, tallies, tallies, tallies, st.integers(0, 40_000))
def test_yes_no_outcomes_follow_the_majority_definitions(
    yes: int, no: int, abstain: int, invalid: int, quorum: int
) -> None:
    counts = yes_no_counts(yes, no, abstain, invalid)
    valid = yes + no + abstain
    expected = {
        Majority.SIMPLE: yes > no,
        Majority.ABSOLUTE: yes > valid / 2,
        Majority.TWO_THIRDS: yes > 0 and yes >= (yes + no) * 2 / 3,
    }

    for majority, met in expected.items():
        rules = Rules(method=Method.YES_NO, majority=majority, quorum=quorum)
        result = tally(yes_no_options(), counts, rules)

        assert result.majority_met is met
        assert result.quorum_met is (yes + no + abstain + invalid >= quorum)
        if not result.quorum_met:
            assert result.outcome == "no_quorum"
        else:
            assert result.outcome == ("adopted" if met else "rejected")


@given(tallies, tallies, tallies)
def test_two_thirds_implies_a_simple_majority(yes: int, no: int, abstain: int) -> None:
    counts = yes_no_counts(yes, no, abstain)

    two_thirds = tally(yes_no_options(), counts, Rules(Method.YES_NO, Majority.TWO_THIRDS))
    simple = tally(yes_no_options(), counts, Rules(Method.YES_NO, Majority.SIMPLE))

    if two_thirds.majority_met:
        assert simple.majority_met


# --- choice -------------------------------------------------------------------------------


def test_a_choice_reports_the_options_with_most_votes() -> None:
    rules = Rules(method=Method.CHOICE, seats=2, max_choices=2)
    counts: Counts = {(1, 2): 5, (1, 3): 4, (3,): 2, (4,): 1, (ABSTAIN,): 3}

    result = tally(choice_options(1, 2, 3, 4), counts, rules, draw=no_lot)

    assert result.totals == {1: 9, 2: 5, 3: 6, 4: 1, ABSTAIN: 3, INVALID: 0}
    assert result.outcome == "decided"
    assert result.elected == [1, 3]
    assert result.majority_met is None
    assert result.ranking == [[1], [3], [2], [4]]


def test_a_shared_last_place_in_a_choice_is_a_tie_and_no_lot() -> None:
    rules = Rules(method=Method.CHOICE, seats=2)
    counts: Counts = {(1,): 7, (2,): 4, (3,): 4}

    result = tally(choice_options(1, 2, 3), counts, rules, draw=no_lot)

    assert result.outcome == "tie"
    assert result.elected == [1]
    assert result.lots == []
    assert result.ranking == [[1], [2, 3]]


def test_a_choice_without_any_vote_for_an_option_has_no_winner() -> None:
    result = tally(choice_options(1, 2), {(ABSTAIN,): 4}, Rules(method=Method.CHOICE))

    assert result.outcome == "tie"
    assert result.elected == []


# --- elections ----------------------------------------------------------------------------


def test_an_absolute_majority_on_the_first_ballot_elects() -> None:
    """11 of 20 valid votes (1 abstention among them); the 2 invalid ones do not count."""
    counts: Counts = {(ALICE,): 11, (BERT,): 5, (CLARA,): 3, (ABSTAIN,): 1, (INVALID,): 2}

    result = tally(candidates(ALICE, BERT, CLARA), counts, election(), draw=no_lot)

    assert result.outcome == "elected"
    assert result.elected == [ALICE]
    assert result.majority_met is True
    assert (result.valid, result.empty_seats, result.runoff) == (20, 0, [])


def test_without_an_absolute_majority_the_two_strongest_go_to_a_runoff() -> None:
    counts: Counts = {(ALICE,): 8, (BERT,): 6, (CLARA,): 5, (ABSTAIN,): 1}

    result = tally(candidates(ALICE, BERT, CLARA), counts, election(), draw=no_lot)

    assert result.outcome == "runoff"
    assert result.runoff == [ALICE, BERT]
    assert result.elected == []
    assert result.majority_met is False
    assert result.empty_seats == 1


def test_a_tie_for_the_second_place_in_the_runoff_is_settled_by_lot() -> None:
    counts: Counts = {(ALICE,): 8, (BERT,): 5, (CLARA,): 5, (DENIZ,): 2}
    lot = Recorder()

    result = tally(candidates(ALICE, BERT, CLARA, DENIZ), counts, election(), draw=lot)

    assert lot.calls == [[BERT, CLARA]]
    assert result.lots == [{"among": [BERT, CLARA], "order": [CLARA, BERT]}]
    assert result.runoff == [ALICE, CLARA]


def test_a_three_way_tie_for_first_sends_the_first_two_drawn_to_the_runoff() -> None:
    counts: Counts = {(ALICE,): 4, (BERT,): 4, (CLARA,): 4}

    result = tally(candidates(ALICE, BERT, CLARA), counts, election(), draw=Recorder())

    assert result.runoff == [CLARA, BERT]
    assert result.lots == [{"among": [ALICE, BERT, CLARA], "order": [CLARA, BERT, ALICE]}]


def test_a_tie_in_the_runoff_round_is_settled_by_lot() -> None:
    """The runoff is counted with a simple majority: most votes win, a tie is drawn."""
    counts: Counts = {(ALICE,): 7, (CLARA,): 7, (ABSTAIN,): 2}

    result = tally(
        candidates(ALICE, CLARA), counts, election(majority=Majority.SIMPLE), draw=Recorder()
    )

    assert result.outcome == "elected"
    assert result.elected == [CLARA]
    assert result.lots == [{"among": [ALICE, CLARA], "order": [CLARA, ALICE]}]


def test_a_single_candidate_with_more_no_than_half_is_not_elected() -> None:
    counts: Counts = {(ALICE,): 4, (NO,): 6}

    result = tally(candidates(ALICE, no=True), counts, election(), draw=no_lot)

    assert result.outcome == "not_elected"
    assert (result.elected, result.runoff, result.empty_seats) == ([], [], 1)
    assert result.majority_met is False


def test_a_single_candidate_needs_more_than_half_of_the_valid_votes() -> None:
    """5 yes against 4 no is not enough when 2 abstain: 5 of 11 valid votes."""
    options = candidates(ALICE, no=True)

    assert tally(options, {(ALICE,): 6, (NO,): 4}, election()).elected == [ALICE]
    assert tally(options, {(ALICE,): 5, (NO,): 4, (ABSTAIN,): 2}, election()).elected == []


def test_a_reserved_ballot_with_one_woman_for_two_seats_leaves_a_seat_empty() -> None:
    """The women's ballot for the two reserved of four seats: only Clara stands."""
    rules = election(seats=reserved_seats(4))
    options = candidates(CLARA, women=[CLARA])

    result = tally(options, {(CLARA,): 9, (ABSTAIN,): 1}, rules, draw=no_lot)

    assert result.outcome == "elected"
    assert result.elected == [CLARA]
    assert result.empty_seats == 1


def test_several_seats_go_to_those_over_half_in_order_of_votes() -> None:
    """10 valid ballots with up to 3 crosses each: Bert 9, Alice 8 and Clara 6 have more
    than half and fill the three seats; Deniz's 4 would not have been enough."""
    counts: Counts = {
        (ALICE, BERT, CLARA): 5,
        (ALICE, BERT, DENIZ): 3,
        (BERT, DENIZ): 1,
        (CLARA,): 1,
    }
    options = candidates(ALICE, BERT, CLARA, DENIZ)

    result = tally(options, counts, election(seats=3), draw=no_lot)

    assert result.totals[DENIZ] == 4
    assert result.elected == [BERT, ALICE, CLARA]
    assert result.empty_seats == 0


def test_seats_stay_empty_when_too_few_reach_an_absolute_majority() -> None:
    counts: Counts = {(ALICE, BERT): 6, (CLARA,): 4}

    result = tally(candidates(ALICE, BERT, CLARA, DENIZ), counts, election(seats=3))

    assert result.elected == [ALICE, BERT]
    assert result.empty_seats == 1
    assert result.outcome == "elected"


def test_a_tie_for_the_last_seat_is_drawn_among_exactly_the_tied() -> None:
    counts: Counts = {
        (ALICE, BERT): 3,
        (ALICE, CLARA): 2,
        (ALICE, DENIZ): 1,
        (DENIZ,): 1,
        (BERT,): 1,
    }
    rules = election(seats=2, majority=Majority.SIMPLE)
    lot = Recorder()

    result = tally(candidates(ALICE, BERT, CLARA, DENIZ), counts, rules, draw=lot)

    assert result.totals[BERT] == 4
    assert result.elected == [ALICE, BERT]
    assert lot.calls == []
    counts = {**counts, (CLARA,): 2}
    result = tally(candidates(ALICE, BERT, CLARA, DENIZ), counts, rules, draw=lot)

    assert lot.calls == [[BERT, CLARA]]
    assert result.elected == [ALICE, CLARA]
    assert result.lots == [{"among": [BERT, CLARA], "order": [CLARA, BERT]}]


def test_nobody_is_elected_when_nobody_gets_a_vote() -> None:
    result = tally(candidates(ALICE, BERT), {(ABSTAIN,): 5}, election(seats=2))

    assert result.outcome == "not_elected"
    assert (result.elected, result.empty_seats, result.majority_met) == ([], 2, False)


def test_an_election_without_quorum_elects_nobody() -> None:
    rules = Rules(method=Method.ELECTION, majority=Majority.ABSOLUTE, quorum=10)

    result = tally(candidates(ALICE, BERT), {(ALICE,): 8}, rules, draw=no_lot)

    assert result.outcome == "no_quorum"
    assert (result.elected, result.empty_seats) == ([], 1)


def test_a_lot_must_return_the_ids_it_was_given() -> None:
    counts: Counts = {(ALICE,): 3, (BERT,): 3}

    with pytest.raises(ValueError, match="lot"):
        tally(candidates(ALICE, BERT), counts, election(majority="simple"), draw=lambda ids: [1])


def test_the_system_lot_returns_the_same_ids() -> None:
    assert sorted(system_lot([5, 3, 9, 1])) == [1, 3, 5, 9]


# --- seats reserved for women -------------------------------------------------------------


@pytest.mark.parametrize(
    ("seats", "reserved"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4)]
)
def test_at_least_half_the_seats_are_reserved_for_women(seats: int, reserved: int) -> None:
    assert reserved_seats(seats) == reserved


@pytest.mark.parametrize(
    ("place", "after_a_woman", "after_a_man"),
    [
        (1, False, False),
        (2, False, True),
        (3, True, True),
        (4, False, False),
        (5, True, True),
        (6, False, False),
        (7, True, True),
        (8, False, False),
    ],
)
def test_one_of_the_first_two_list_places_and_every_odd_one_is_reserved(
    place: int, after_a_woman: bool, after_a_man: bool
) -> None:
    assert list_place_reserved(place, first_place_woman=True) is after_a_woman
    assert list_place_reserved(place, first_place_woman=False) is after_a_man


# --- ballots ------------------------------------------------------------------------------


def refusal(choices: Sequence[int], options: Sequence[Option], rules: Rules) -> str:
    with pytest.raises(ValidationFailed) as refused:
        check_ballot(choices, options, rules)
    return refused.value.errors["choice"]


def test_ballot_messages_tell_the_member_what_is_wrong() -> None:
    choice = Rules(method=Method.CHOICE, max_choices=2)
    options = choice_options(1, 2, 3)

    assert refusal([], options, choice) == "Please make a choice."
    assert refusal([9], options, choice) == "This option is not on the ballot."
    assert refusal([1, 1], options, choice) == "Each option can be chosen only once."
    assert refusal([1, 2, 3], options, choice) == "You may choose at most %(count)s options."
    assert refusal([1, ABSTAIN], options, choice).startswith("“No”, “Abstain” and “Invalid”")
    assert refusal([YES, NO], yes_no_options(), Rules(method=Method.YES_NO)) == (
        "Please choose only one answer."
    )
    assert refusal([1, 2], candidates(1, 2), election()) == "Please vote for only one candidate."
    assert refusal([1, 2, 3], candidates(1, 2, 3), election(seats=2)) == (
        "You may vote for at most %(count)s candidates."
    )
    assert choice_limit(choice) == 2
    assert choice_limit(election(seats=3)) == 3


def test_a_ballot_is_sorted_except_a_ranking() -> None:
    assert check_ballot([3, 1], choice_options(1, 2, 3), Rules(Method.CHOICE, max_choices=2)) == (
        1,
        3,
    )
    assert check_ballot([3, 1], choice_options(1, 2, 3), Rules(Method.RANKED)) == (3, 1)


def test_a_candidate_cannot_be_chosen_in_a_choice_vote() -> None:
    options = [*choice_options(1), Option(id=2, kind=OptionKind.CANDIDATE)]

    assert refusal([2], options, Rules(method=Method.CHOICE)) == (
        "This option is not on the ballot."
    )


@given(st.lists(st.integers(min_value=0, max_value=10**9)))
def test_a_stored_ballot_reads_back(choices: list[int]) -> None:
    assert decode(encode(choices)) == tuple(choices)


# --- properties of any vote ---------------------------------------------------------------


@st.composite
def votes(draw: st.DrawFn, methods: Sequence[Method] = tuple(Method)) -> tuple[list[Option], Rules]:
    """A vote: its options (some of the specials among them) and its rules."""
    method = draw(st.sampled_from(methods))
    size = 1 if method is Method.YES_NO else draw(st.integers(min_value=1, max_value=6))
    kind = {
        Method.CHOICE: OptionKind.OPTION,
        Method.RANKED: OptionKind.OPTION,
        Method.ELECTION: OptionKind.CANDIDATE,
        Method.YES_NO: OptionKind.YES,
    }[method]
    markable = [Option(id=i, kind=kind) for i in range(1, size + 1)]
    specials = draw(st.sets(st.sampled_from(sorted(SPECIAL))))
    if method is Method.YES_NO:
        specials |= {OptionKind.NO}
    others = [
        Option(id={"no": NO, "abstain": ABSTAIN, "invalid": INVALID}[k], kind=k)
        for k in sorted(specials)
    ]
    rules = Rules(
        method=method,
        majority=draw(st.sampled_from(list(Majority))),
        seats=draw(st.integers(min_value=1, max_value=4)),
        max_choices=draw(st.integers(min_value=1, max_value=size)),
    )
    return markable + others, rules


def ballots(options: Sequence[Option], rules: Rules) -> st.SearchStrategy[list[int]]:
    """Ballots a member may cast in this vote."""
    specials = [o.id for o in options if o.kind in SPECIAL]
    markable = [o.id for o in options if o.kind not in SPECIAL]
    limit = choice_limit(rules) or len(markable)
    crosses = st.permutations(markable).flatmap(
        lambda order: st.integers(1, min(limit, len(order))).map(lambda n: list(order[:n]))
    )
    alone = [st.sampled_from(specials).map(lambda special: [special])] if specials else []
    return st.one_of(crosses, crosses, crosses, *alone)


@st.composite
def counted(
    draw: st.DrawFn, methods: Sequence[Method] = tuple(Method), most: int = 25, weight: int = 3
) -> tuple[list[Option], Rules, dict[tuple[int, ...], int]]:
    """A vote with its ballots counted the way they are stored: by checked ballot. Few
    ballots of low weight make ties likely."""
    options, rules = draw(votes(methods))
    counts: dict[tuple[int, ...], int] = {}
    for ballot in draw(st.lists(ballots(options, rules), max_size=most)):
        key = check_ballot(ballot, options, rules)
        counts[key] = counts.get(key, 0) + draw(st.integers(min_value=1, max_value=weight))
    return options, rules, counts


@given(votes().flatmap(lambda vote: st.tuples(st.just(vote), ballots(*vote))))
def test_every_valid_ballot_is_accepted(case: tuple[tuple[list[Option], Rules], list[int]]) -> None:
    (options, rules), ballot = case

    checked = check_ballot(ballot, options, rules)

    if rules.method == Method.RANKED:
        assert checked == tuple(ballot)
    else:
        assert checked == tuple(sorted(ballot))
    assert check_ballot(checked, options, rules) == checked


@given(votes().flatmap(lambda vote: st.tuples(st.just(vote), ballots(*vote))), st.data())
def test_every_mutated_ballot_is_refused(
    case: tuple[tuple[list[Option], Rules], list[int]], data: st.DataObject
) -> None:
    (options, rules), ballot = case
    markable = [o.id for o in options if o.kind not in SPECIAL]
    specials = [o.id for o in options if o.kind in SPECIAL]
    limit = choice_limit(rules)
    mutants = [[], [*ballot, 999], [*ballot, ballot[0]]]
    if limit is not None and len(markable) > limit:
        mutants.append(markable[: limit + 1])
    if specials and markable:
        mutants.append(data.draw(st.permutations([specials[0], markable[0]])))

    for mutant in mutants:
        with pytest.raises(ValidationFailed):
            check_ballot(mutant, options, rules)


@given(counted())
def test_totals_count_every_choice_of_the_valid_non_abstaining_ballots(
    case: tuple[list[Option], Rules, Counts],
) -> None:
    options, rules, counts = case
    kinds = {o.id: o.kind for o in options}
    choices = sum(
        n * (1 if rules.method == Method.RANKED else len(ballot))
        for ballot, n in counts.items()
        if kinds[ballot[0]] not in (OptionKind.ABSTAIN, OptionKind.INVALID)
    )

    result = tally(options, counts, rules, draw=Recorder())

    assert set(result.totals) == set(kinds)
    assert choices == sum(
        n
        for i, n in result.totals.items()
        if kinds[i] not in (OptionKind.ABSTAIN, OptionKind.INVALID)
    )
    assert result.abstain == result.totals.get(ABSTAIN, 0)
    assert result.invalid == result.totals.get(INVALID, 0)
    assert result.valid == result.ballots - result.invalid


@given(counted())
def test_a_result_reads_back_from_json(case: tuple[list[Option], Rules, Counts]) -> None:
    options, rules, counts = case

    result = tally(options, counts, rules, draw=Recorder())

    assert Result.from_json(result.to_json()) == result


def lot_needed(options: Sequence[Option], rules: Rules, totals: dict[int, int], valid: int) -> bool:
    """Whether the rules leave a tie that only a lot can break, worked out from the
    statute's wording rather than from the code under test."""
    people = sorted((totals[o.id] for o in options if o.kind == OptionKind.CANDIDATE), reverse=True)
    against = sum(totals[o.id] for o in options if o.kind == OptionKind.NO)
    if rules.majority == Majority.SIMPLE:
        over = [v for v in people if v > 0 and v > against]
    elif rules.majority == Majority.ABSOLUTE:
        over = [v for v in people if v > valid / 2]
    else:
        over = [v for v in people if v > 0 and v >= valid * 2 / 3]
    if rules.seats == 1 and rules.majority != Majority.SIMPLE and not over:
        runners = [v for v in people if v > 0]
        return len(runners) > 2 and runners[1] == runners[2]
    return len(over) > rules.seats and over[rules.seats - 1] == over[rules.seats]


@given(
    st.one_of(
        counted(methods=[Method.ELECTION]), counted(methods=[Method.ELECTION], most=6, weight=1)
    )
)
@settings(max_examples=300)
def test_elections_fill_at_most_their_seats_with_candidates_and_draw_only_for_ties(
    case: tuple[list[Option], Rules, Counts],
) -> None:
    options, rules, counts = case
    people = {o.id for o in options if o.kind == OptionKind.CANDIDATE}
    lot = Recorder()

    result = tally(options, counts, rules, draw=lot)

    assert len(result.elected) <= rules.seats
    assert set(result.elected) <= people
    assert len(set(result.elected)) == len(result.elected)
    assert result.empty_seats + len(result.elected) == rules.seats
    assert (result.lots != []) is lot_needed(options, rules, result.totals, result.valid)
    assert [lot_["among"] for lot_ in result.lots] == lot.calls
    for drawn in result.lots:
        assert len({result.totals[i] for i in drawn["among"]}) == 1
    if result.outcome == "runoff":
        assert rules.seats == 1
        assert len(result.runoff) == 2
        assert set(result.runoff) <= people
        assert result.elected == []
    else:
        assert result.runoff == []
        assert result.outcome == ("elected" if result.elected else "not_elected")


@given(counted(methods=[Method.CHOICE, Method.YES_NO, Method.RANKED]))
def test_no_lot_is_drawn_outside_elections(case: tuple[list[Option], Rules, Counts]) -> None:
    options, rules, counts = case

    result = tally(options, counts, rules, draw=no_lot)

    assert result.lots == []
    if rules.method == Method.CHOICE:
        assert len(result.elected) <= rules.seats


def test_a_lone_candidate_needs_more_yes_than_no_also_by_simple_majority() -> None:
    options = [Option(1, OptionKind.CANDIDATE, "Anna"), Option(2, OptionKind.NO)]
    options += [Option(3, OptionKind.ABSTAIN)]
    rules = Rules(Method.ELECTION, majority=Majority.SIMPLE)
    assert tally(options, {(1,): 4, (2,): 5}, rules).elected == []
    assert tally(options, {(1,): 5, (2,): 4, (3,): 9}, rules).elected == [1]
