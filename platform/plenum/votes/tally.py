"""Counting the ballots of a vote or an election.

Pure functions, no database and no I/O. Ballots arrive grouped: ``Counts`` maps each
distinct ballot (the chosen option ids) to how many such ballots were cast, so counting
costs time in the number of distinct ballots, not in the number of voters.

Methods: yes/no/abstain on a motion, an amendment or a question; a choice among options;
an election of persons (with a runoff for a single seat); and a ranked choice decided by
the Schulze method for surveys. Ties in elections are settled by lot, and every lot drawn
is part of the result.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

from plenum.errors import N_, ValidationFailed
from plenum.orgs.models import Majority


class Method(StrEnum):
    """How a vote is decided."""

    YES_NO = "yes_no"
    CHOICE = "choice"
    ELECTION = "election"
    RANKED = "ranked"


class OptionKind(StrEnum):
    """What marking an option on the ballot means."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    INVALID = "invalid"
    OPTION = "option"
    CANDIDATE = "candidate"


class Outcome(StrEnum):
    """What a tally decided; ``Result.outcome`` holds one of these values."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"
    DECIDED = "decided"
    TIE = "tie"
    ELECTED = "elected"
    RUNOFF = "runoff"
    NOT_ELECTED = "not_elected"


SPECIAL = frozenset({OptionKind.NO, OptionKind.ABSTAIN, OptionKind.INVALID})
"""Kinds that must stand alone on a ballot (in a yes/no vote every kind does)."""

MARKABLE = {
    Method.YES_NO: OptionKind.YES,
    Method.CHOICE: OptionKind.OPTION,
    Method.ELECTION: OptionKind.CANDIDATE,
    Method.RANKED: OptionKind.OPTION,
}
"""The kind of option a ballot of each method chooses besides the special ones."""

UNRANKED = frozenset({OptionKind.ABSTAIN, OptionKind.INVALID})
"""Kinds left out of ``Result.ranking``."""

Counts: TypeAlias = Mapping[tuple[int, ...], int]
Draw: TypeAlias = Callable[[Sequence[int]], list[int]]
Lot: TypeAlias = dict[str, list[int]]


def system_lot(ids: Sequence[int]) -> list[int]:
    """The given ids in an order drawn from the operating system's random source."""
    return secrets.SystemRandom().sample(list(ids), len(ids))


@dataclass(frozen=True)
class Option:
    """One box on the ballot."""

    id: int
    kind: str
    label: str = ""
    women: bool = False

    def __post_init__(self) -> None:
        OptionKind(self.kind)


@dataclass(frozen=True)
class Rules:
    """How a vote is decided: method, majority, seats, choices per ballot and quorum."""

    method: str
    majority: str = Majority.SIMPLE
    seats: int = 1
    max_choices: int = 1
    quorum: int = 0

    def __post_init__(self) -> None:
        Method(self.method)
        Majority(self.majority)
        if self.seats < 1 or self.max_choices < 1 or self.quorum < 0:
            raise ValueError("seats and max_choices must be at least 1, quorum at least 0")


@dataclass(frozen=True)
class Result:
    """The count of a vote: totals, what was decided, and every lot drawn on the way."""

    ballots: int
    invalid: int
    abstain: int
    valid: int
    totals: dict[int, int]
    quorum_met: bool
    majority_met: bool | None
    outcome: str
    elected: list[int] = field(default_factory=list)
    empty_seats: int = 0
    runoff: list[int] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    ranking: list[list[int]] = field(default_factory=list)
    pairwise: dict[int, dict[int, int]] = field(default_factory=dict)

    def to_json(self) -> str:
        """The result as JSON, read back losslessly by ``Result.from_json``."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, stored: str) -> Result:
        """The result that ``to_json`` wrote."""
        data = json.loads(stored)
        return cls(
            ballots=int(data["ballots"]),
            invalid=int(data["invalid"]),
            abstain=int(data["abstain"]),
            valid=int(data["valid"]),
            totals=_int_map(data["totals"]),
            quorum_met=bool(data["quorum_met"]),
            majority_met=None if data["majority_met"] is None else bool(data["majority_met"]),
            outcome=str(data["outcome"]),
            elected=_ints(data["elected"]),
            empty_seats=int(data["empty_seats"]),
            runoff=_ints(data["runoff"]),
            lots=[{key: _ints(ids) for key, ids in lot.items()} for lot in data["lots"]],
            ranking=[_ints(tier) for tier in data["ranking"]],
            pairwise={int(a): _int_map(row) for a, row in data["pairwise"].items()},
        )


def _ints(values: Sequence[Any]) -> list[int]:
    return [int(value) for value in values]


def _int_map(values: Mapping[str, Any]) -> dict[int, int]:
    return {int(key): int(value) for key, value in values.items()}


def encode(choices: Sequence[int]) -> str:
    """A ballot as it is stored: the chosen ids in ballot order, e.g. ``"3,1,2"``."""
    return ",".join(str(int(choice)) for choice in choices)


def decode(stored: str) -> tuple[int, ...]:
    """The chosen ids of a stored ballot."""
    return tuple(int(part) for part in stored.split(",")) if stored else ()


def choice_limit(rules: Rules) -> int | None:
    """How many options one ballot may mark (``None``: any number, a ranking).

    This is the ``count`` for the "at most %(count)s" messages of ``check_ballot``.
    """
    method = Method(rules.method)
    if method is Method.CHOICE:
        return rules.max_choices
    if method is Method.ELECTION:
        return rules.seats
    if method is Method.YES_NO:
        return 1
    return None


def check_ballot(
    choices: Sequence[int], options: Sequence[Option], rules: Rules
) -> tuple[int, ...]:
    """The ballot as it is counted: ids sorted ascending, or as given for a ranking.

    Raises ``ValidationFailed`` with a message for the ``choice`` field if the ballot
    is not one this vote accepts.
    """
    method = Method(rules.method)
    kinds = option_kinds(options)
    ballot = tuple(choices)
    allowed = SPECIAL | {MARKABLE[method]}
    if not ballot:
        raise _refused(N_("Please make a choice."))
    if any(kinds.get(choice) not in allowed for choice in ballot):
        raise _refused(N_("This option is not on the ballot."))
    if len(set(ballot)) < len(ballot):
        raise _refused(N_("Each option can be chosen only once."))
    if len(ballot) > 1 and method is Method.YES_NO:
        raise _refused(N_("Please choose only one answer."))
    if len(ballot) > 1 and any(kinds[choice] in SPECIAL for choice in ballot):
        raise _refused(N_("“No”, “Abstain” and “Invalid” cannot be combined with other choices."))
    limit = choice_limit(rules)
    if limit is not None and len(ballot) > limit:
        raise _refused(_too_many_message(method, limit))
    return ballot if method is Method.RANKED else tuple(sorted(ballot))


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed({"choice": message})


def _too_many_message(method: Method, limit: int) -> str:
    if method is Method.ELECTION:
        if limit == 1:
            return N_("Please vote for only one candidate.")
        return N_("You may vote for at most %(count)s candidates.")
    if limit == 1:
        return N_("Please choose only one option.")
    return N_("You may choose at most %(count)s options.")


def option_kinds(options: Sequence[Option]) -> dict[int, OptionKind]:
    """Each option's id with its kind; ids must be distinct."""
    kinds = {option.id: OptionKind(option.kind) for option in options}
    if len(kinds) < len(options):
        raise ValueError("option ids must be distinct")
    return kinds


def reserved_seats(seats: int) -> int:
    """Seats reserved for women when ``seats`` are filled: at least half, rounded up."""
    if seats < 0:
        raise ValueError("seats cannot be negative")
    return (seats + 1) // 2


def list_place_reserved(place: int, first_place_woman: bool) -> bool:
    """Whether list place ``place`` (from 1) is reserved for women.

    One of the first two places and every odd place is reserved: place 1 is open to all,
    place 2 is reserved unless a woman won place 1, odd places from 3 are reserved and
    even places from 4 are open.
    """
    if place < 1:
        raise ValueError("list places start at 1")
    if place == 1:
        return False
    if place == 2:
        return not first_place_woman
    return place % 2 == 1


@dataclass(frozen=True)
class _Count:
    """What every method counts the same way."""

    ballots: int
    invalid: int
    abstain: int
    valid: int
    totals: dict[int, int]
    quorum_met: bool


class _Lottery:
    """Draws lots and keeps a record of each one."""

    def __init__(self, draw: Draw) -> None:
        self._draw = draw
        self.lots: list[Lot] = []

    def order(self, ids: Sequence[int]) -> list[int]:
        """The tied ids in the order the lot drew them."""
        among = sorted(ids)
        drawn = list(self._draw(list(among)))
        if sorted(drawn) != among:
            raise ValueError("a lot must return exactly the ids it was given")
        self.lots.append({"among": among, "order": drawn})
        return drawn


def tally(
    options: Sequence[Option], counts: Counts, rules: Rules, *, draw: Draw = system_lot
) -> Result:
    """The result of a vote or an election from its counted ballots.

    ``draw`` settles ties where the rules call for a lot (elections only).
    """
    method = Method(rules.method)
    kinds = option_kinds(options)
    _check_counts(counts, kinds)
    count = _count(kinds, counts, rules)
    if method is Method.YES_NO:
        return _yes_no_result(count, kinds, rules)
    if method is Method.CHOICE:
        return _choice_result(count, kinds, rules)
    if method is Method.ELECTION:
        return _election_result(count, kinds, rules, _Lottery(draw))
    return _ranked_result(count, kinds, counts)


def _check_counts(counts: Counts, kinds: Mapping[int, OptionKind]) -> None:
    for ballot, number in counts.items():
        if number < 0:
            raise ValueError("a ballot cannot be counted a negative number of times")
        if not ballot or any(choice not in kinds for choice in ballot):
            raise ValueError(f"ballot {ballot!r} is not a ballot of this vote")


def _count(kinds: Mapping[int, OptionKind], counts: Counts, rules: Rules) -> _Count:
    ballots = sum(counts.values())
    invalid = _ballots_of_kind(OptionKind.INVALID, kinds, counts)
    return _Count(
        ballots=ballots,
        invalid=invalid,
        abstain=_ballots_of_kind(OptionKind.ABSTAIN, kinds, counts),
        valid=ballots - invalid,
        totals=_totals(kinds, counts, first_only=Method(rules.method) is Method.RANKED),
        quorum_met=ballots >= rules.quorum,
    )


def _ballots_of_kind(kind: OptionKind, kinds: Mapping[int, OptionKind], counts: Counts) -> int:
    return sum(number for ballot, number in counts.items() if kinds[ballot[0]] is kind)


def _totals(kinds: Mapping[int, OptionKind], counts: Counts, *, first_only: bool) -> dict[int, int]:
    totals = dict.fromkeys(kinds, 0)
    for ballot, number in counts.items():
        for choice in ballot[:1] if first_only else ballot:
            totals[choice] += number
    return totals


def _ids_of_kind(kind: OptionKind, kinds: Mapping[int, OptionKind]) -> list[int]:
    return sorted(option for option, its_kind in kinds.items() if its_kind is kind)


def _by_votes(ids: Sequence[int], totals: Mapping[int, int]) -> list[int]:
    return sorted(ids, key=lambda option: (-totals[option], option))


def _tiers_by_votes(kinds: Mapping[int, OptionKind], totals: Mapping[int, int]) -> list[list[int]]:
    tiers: list[list[int]] = []
    ranked = [option for option in kinds if kinds[option] not in UNRANKED]
    for option in _by_votes(ranked, totals):
        if tiers and totals[tiers[-1][0]] == totals[option]:
            tiers[-1].append(option)
        else:
            tiers.append([option])
    return tiers


def _result(count: _Count, outcome: Outcome, **decided: Any) -> Result:
    return Result(
        ballots=count.ballots,
        invalid=count.invalid,
        abstain=count.abstain,
        valid=count.valid,
        totals=count.totals,
        quorum_met=count.quorum_met,
        outcome=str(outcome),
        **decided,
    )


def _votes_of_kind(
    kind: OptionKind, kinds: Mapping[int, OptionKind], totals: Mapping[int, int]
) -> int:
    return sum(totals[option] for option in _ids_of_kind(kind, kinds))


def majority_reached(majority: str, yes: int, no: int, valid: int) -> bool:
    """Whether ``yes`` votes carry a motion under ``majority``.

    Simple: more yes than no. Absolute: more than half of the valid votes, abstentions
    included. Two thirds: at least two thirds of the yes and no votes, and some yes.
    """
    rule = Majority(majority)
    if rule is Majority.SIMPLE:
        return yes > no
    if rule is Majority.ABSOLUTE:
        return 2 * yes > valid
    return yes > 0 and 3 * yes >= 2 * (yes + no)


def _yes_no_result(count: _Count, kinds: Mapping[int, OptionKind], rules: Rules) -> Result:
    yes = _votes_of_kind(OptionKind.YES, kinds, count.totals)
    no = _votes_of_kind(OptionKind.NO, kinds, count.totals)
    met = majority_reached(rules.majority, yes, no, count.valid)
    return _result(
        count,
        _yes_no_outcome(count.quorum_met, met),
        majority_met=met,
        ranking=_tiers_by_votes(kinds, count.totals),
    )


def _yes_no_outcome(quorum_met: bool, majority_met: bool) -> Outcome:
    if not quorum_met:
        return Outcome.NO_QUORUM
    return Outcome.ADOPTED if majority_met else Outcome.REJECTED


def _choice_result(count: _Count, kinds: Mapping[int, OptionKind], rules: Rules) -> Result:
    ranking = _tiers_by_votes(kinds, count.totals)
    if not count.quorum_met:
        return _result(count, Outcome.NO_QUORUM, majority_met=None, ranking=ranking)
    chosen = [o for o in _ids_of_kind(OptionKind.OPTION, kinds) if count.totals[o] > 0]
    leading = _by_votes(chosen, count.totals)
    places = rules.seats
    if _tied_at_cut(leading, count.totals, places):
        cut = count.totals[leading[places - 1]]
        clear = [option for option in leading if count.totals[option] > cut]
        return _result(count, Outcome.TIE, majority_met=None, elected=clear, ranking=ranking)
    elected = leading[:places]
    outcome = Outcome.DECIDED if elected else Outcome.TIE
    return _result(count, outcome, majority_met=None, elected=elected, ranking=ranking)


def _tied_at_cut(leading: Sequence[int], totals: Mapping[int, int], places: int) -> bool:
    """Whether the last of ``places`` is shared with the first one left out."""
    return len(leading) > places and totals[leading[places - 1]] == totals[leading[places]]


def _threshold_met(majority: Majority, votes: int, valid: int) -> bool:
    if majority is Majority.SIMPLE:
        return votes > 0
    if majority is Majority.ABSOLUTE:
        return 2 * votes > valid
    return votes > 0 and 3 * votes >= 2 * valid


def _strongest(
    ids: Sequence[int], totals: Mapping[int, int], places: int, lottery: _Lottery
) -> list[int]:
    """Up to ``places`` ids by votes; those tied for the last places in drawn order."""
    leading = _by_votes(ids, totals)
    if not _tied_at_cut(leading, totals, places):
        return leading[:places]
    cut = totals[leading[places - 1]]
    clear = [option for option in leading if totals[option] > cut]
    tied = [option for option in leading if totals[option] == cut]
    return clear + lottery.order(tied)[: places - len(clear)]


def _election_result(
    count: _Count, kinds: Mapping[int, OptionKind], rules: Rules, lottery: _Lottery
) -> Result:
    ranking = _tiers_by_votes(kinds, count.totals)
    if not count.quorum_met:
        return _result(
            count, Outcome.NO_QUORUM, majority_met=False, empty_seats=rules.seats, ranking=ranking
        )
    majority = Majority(rules.majority)
    candidates = _ids_of_kind(OptionKind.CANDIDATE, kinds)
    # A lone candidate also needs more yes than no: "no" is a vote against them.
    against = sum(count.totals[o] for o in _ids_of_kind(OptionKind.NO, kinds))
    qualified = [
        c
        for c in candidates
        if _threshold_met(majority, count.totals[c], count.valid) and count.totals[c] > against
    ]
    if rules.seats == 1 and majority is not Majority.SIMPLE and not qualified:
        pair = _runoff_pair(candidates, count.totals, lottery)
        outcome = Outcome.RUNOFF if pair else Outcome.NOT_ELECTED
        return _result(
            count,
            outcome,
            majority_met=False,
            empty_seats=1,
            runoff=pair,
            lots=lottery.lots,
            ranking=ranking,
        )
    elected = _strongest(qualified, count.totals, rules.seats, lottery)
    return _result(
        count,
        Outcome.ELECTED if elected else Outcome.NOT_ELECTED,
        majority_met=bool(elected),
        elected=elected,
        empty_seats=rules.seats - len(elected),
        lots=lottery.lots,
        ranking=ranking,
    )


def _runoff_pair(
    candidates: Sequence[int], totals: Mapping[int, int], lottery: _Lottery
) -> list[int]:
    """The two strongest candidates with votes, ties settled by lot; empty if fewer."""
    with_votes = [candidate for candidate in candidates if totals[candidate] > 0]
    if len(with_votes) < 2:
        return []
    return _strongest(with_votes, totals, 2, lottery)


def pairwise_preferences(ids: Sequence[int], rankings: Counts) -> dict[int, dict[int, int]]:
    """``d[a][b]``: how many ballots rank ``a`` above ``b``.

    A ranked option is above every unranked one; unranked options are tied.
    """
    index = {option: place for place, option in enumerate(ids)}
    size = len(ids)
    matrix = [[0] * size for _ in ids]
    for ranking, number in rankings.items():
        ranked = [index[option] for option in ranking]
        below = set(range(size)).difference(ranked)
        for place, above in enumerate(ranked):
            row = matrix[above]
            for other in ranked[place + 1 :]:
                row[other] += number
            for other in below:
                row[other] += number
    return {a: {b: matrix[i][j] for j, b in enumerate(ids) if j != i} for i, a in enumerate(ids)}


def strongest_paths(pairwise: Mapping[int, Mapping[int, int]]) -> dict[int, dict[int, int]]:
    """``p[a][b]``: the strength of the strongest path from ``a`` to ``b`` (Schulze).

    A link ``a → b`` exists where ``d[a][b] > d[b][a]`` and is as strong as ``d[a][b]``;
    a path is as strong as its weakest link (0 where there is no path).
    """
    ids = list(pairwise)
    paths = {
        a: {b: row[b] if row[b] > pairwise[b][a] else 0 for b in ids if b != a}
        for a, row in pairwise.items()
    }
    for via in ids:
        for a in ids:
            if a == via:
                continue
            to_via = paths[a][via]
            for b in ids:
                if b not in (a, via):
                    paths[a][b] = max(paths[a][b], min(to_via, paths[via][b]))
    return paths


def schulze_ranking(paths: Mapping[int, Mapping[int, int]]) -> list[list[int]]:
    """The Schulze order as tiers: each tier the options no remaining option beats.

    ``a`` beats ``b`` where ``p[a][b] > p[b][a]``; ids ascending within a tier.
    """
    remaining = sorted(paths)
    tiers: list[list[int]] = []
    while remaining:
        unbeaten = [
            b for b in remaining if not any(paths[a][b] > paths[b][a] for a in remaining if a != b)
        ]
        tier = unbeaten or remaining
        tiers.append(tier)
        remaining = [option for option in remaining if option not in tier]
    return tiers


def _ranked_result(count: _Count, kinds: Mapping[int, OptionKind], counts: Counts) -> Result:
    ids = _ids_of_kind(OptionKind.OPTION, kinds)
    rankings = {ballot: n for ballot, n in counts.items() if kinds[ballot[0]] is OptionKind.OPTION}
    pairwise = pairwise_preferences(ids, rankings)
    ranking = schulze_ranking(strongest_paths(pairwise))
    if not count.quorum_met:
        return _result(
            count, Outcome.NO_QUORUM, majority_met=None, ranking=ranking, pairwise=pairwise
        )
    winners = ranking[0] if ranking else []
    return _result(
        count,
        Outcome.DECIDED if len(winners) == 1 else Outcome.TIE,
        majority_met=None,
        elected=list(winners),
        ranking=ranking,
        pairwise=pairwise,
    )
