"""The speakers' list: its order under the quota rules, and what the chair may call.

The property tests play random sequences of operations (ask, withdraw, call the next one,
call another one with a reason, open the list) and check every state and every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plenum.meetings.queue import (
    Category,
    Channel,
    Code,
    Kind,
    Placed,
    Problem,
    Queue,
    QueueError,
    Request,
    Rule,
    Stance,
    Turn,
    ask,
    call,
    fairness,
    next_up,
    open_for,
    order,
    withdraw,
)

T0 = datetime(2025, 3, 8, 10, 0, tzinfo=UTC)
SPEAKING = (Kind.SPEECH, Kind.QUESTION)

# --- playing random operations ---------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    member: int | None  # one of a few members (who speak again), or anonymous
    newcomer: bool  # if so, a member who has not asked before instead
    kind: Kind
    category: Category
    stance: Stance
    channel: Channel


@dataclass(frozen=True)
class Withdraw:
    pick: int


@dataclass(frozen=True)
class CallNext:
    pass


@dataclass(frozen=True)
class Override:
    pick: int


@dataclass(frozen=True)
class Open:
    further: int


Op = Ask | Withdraw | CallNext | Override | Open

# Each play draws its own mix, so that some have few women or no opening of the list.
MIXES = [
    (Category.OPEN,),
    (Category.OPEN, Category.OPEN, Category.OPEN, Category.WOMAN),
    (Category.OPEN, Category.WOMAN),
    (Category.WOMAN, Category.WOMAN, Category.OPEN),
]


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[Op, int]]:
    asks = st.builds(
        Ask,
        member=st.sampled_from([None, 1, 2, 3, 4, 5, 6]),
        newcomer=st.sampled_from(
            draw(st.sampled_from([(True,), (True, False), (False, False, True)]))
        ),
        kind=st.sampled_from([Kind.SPEECH, Kind.SPEECH, Kind.QUESTION, Kind.POINT_OF_ORDER]),
        category=st.sampled_from(draw(st.sampled_from(MIXES))),
        stance=st.sampled_from(Stance),
        channel=st.sampled_from(Channel),
    )
    strategies: dict[str, st.SearchStrategy[Op]] = {
        "ask": asks,
        "call": st.builds(CallNext),
        "withdraw": st.builds(Withdraw, st.integers(0, 50)),
        "override": st.builds(Override, st.integers(0, 50)),
        "open": st.builds(Open, st.integers(0, 3)),
    }
    # weights drawn per play: sampled_from counts repeated names, one_of would not
    names = ["ask"] * draw(st.integers(1, 4)) + ["call"] * draw(st.integers(1, 3))
    names += ["withdraw", "override"] + ["open"] * draw(st.integers(0, 1))
    choices = st.sampled_from(names).flatmap(strategies.__getitem__)
    gaps = st.integers(0, 90)  # seconds since the operation before (0: same instant)
    return draw(st.lists(st.tuples(choices, gaps), min_size=10, max_size=50))


@dataclass(frozen=True)
class Step:
    """One operation: the list before and after, and whom it called (if anyone)."""

    before: Queue
    after: Queue
    now: datetime
    called: Turn | None = None


def play(rule: Rule, alternate: bool, ops: list[tuple[Op, int]]) -> list[Step]:
    """Apply the operations, checking what each one must refuse on the way."""
    queue = Queue(rule, alternate_stances=alternate)
    now, steps = T0, []
    for number, (op, gap) in enumerate(ops, start=1):
        now += timedelta(seconds=gap)
        after = apply(queue, op, number, now)
        called = after.spoken[-1] if len(after.spoken) > len(queue.spoken) else None
        steps.append(Step(queue, after, now, called))
        queue = after
    return steps


def apply(queue: Queue, op: Op, number: int, now: datetime) -> Queue:
    waiting = sorted(queue.waiting, key=lambda r: r.id)
    match op:
        case Ask(member, newcomer, kind, category, stance, channel):
            member = 1000 + number if newcomer else member
            request = Request(number, member, now, kind, category, stance, channel)
            mine = [r for r in waiting if member is not None and r.member_id == member]
            if any(r.kind is kind for r in mine):
                with pytest.raises(QueueError) as refused:
                    ask(queue, request)
                assert refused.value.code is Problem.ALREADY_WAITING
                return queue
            return ask(queue, request)
        case Withdraw(pick) if waiting:
            gone = waiting[pick % len(waiting)]
            queue = withdraw(queue, gone.id)
            refuses(queue, gone.id, now, Problem.WITHDRAWN)
            with pytest.raises(QueueError) as refused:
                ask(queue, gone)  # the same request again: a new one needs a new id
            assert refused.value.code is Problem.KNOWN_ID
            return queue
        case CallNext():
            up = next_up(queue, now)
            return queue if up is None else called(queue, up.request.id, now, None)
        case Override(pick) if waiting:
            chosen = waiting[pick % len(waiting)].id
            up = next_up(queue, now)
            if up is None or up.request.id != chosen:
                refuses(queue, chosen, now, Problem.REASON_REQUIRED, reason=" ")
            return called(queue, chosen, now, "the chair's decision")
        case Open(further):
            return open_for(queue, further)
    return queue


def called(queue: Queue, request_id: int, now: datetime, reason: str | None) -> Queue:
    queue = call(queue, request_id, now=now, reason=reason)
    refuses(queue, request_id, now, Problem.ALREADY_CALLED)
    return queue


def refuses(
    queue: Queue, request_id: int, now: datetime, problem: Problem, reason: str = "again"
) -> None:
    with pytest.raises(QueueError) as refused:
        call(queue, request_id, now=now, reason=reason)
    assert refused.value.code is problem


EITHER = st.booleans()


def histories(
    *rules: Rule, alternate: st.SearchStrategy[bool] = EITHER
) -> st.SearchStrategy[list[Step]]:
    """Random plays under one of ``rules`` (stances alternating or not)."""
    return st.builds(play, st.sampled_from(rules), alternate, operations())


ALL_RULES = tuple(Rule)
ZIPPERS = (Rule.ZIPPER, Rule.ZIPPER_CLOSING)


def woman_waits(queue: Queue) -> bool:
    return any(r.category is Category.WOMAN and r.kind in SPEAKING for r in queue.waiting)


def speaking(turns: tuple[Turn, ...] | list[Turn]) -> list[Turn]:
    return [t for t in turns if t.request.kind in SPEAKING]


# --- properties ------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(histories(*ALL_RULES))
def test_points_of_order_go_before_everything_else(steps: list[Step]) -> None:
    for step in steps:
        placed = [p.request for p in order(step.after, step.now)]
        kinds = [r.kind for r in placed]
        points = kinds.count(Kind.POINT_OF_ORDER)
        assert kinds[:points] == [Kind.POINT_OF_ORDER] * points
        assert placed[:points] == sorted(placed[:points], key=lambda r: (r.asked_at, r.id))
        up = next_up(step.after, step.now)
        if points:
            assert up is not None
            assert up.request.kind is Kind.POINT_OF_ORDER
            assert up.reason.code is Code.POINT_OF_ORDER


@PROPERTY
@given(histories(*ALL_RULES))
def test_the_order_is_what_calling_the_next_one_again_and_again_gives(
    steps: list[Step],
) -> None:
    for step in steps:
        placed = order(step.after, step.now)
        assert sorted(p.request.id for p in placed) == sorted(r.id for r in step.after.waiting)
        assert [p.position for p in placed] == list(range(1, len(placed) + 1))
        queue = step.after
        for entry in placed:
            if entry.blocked:
                break
            up = next_up(queue, step.now)
            assert up is not None
            assert (up.request, up.reason) == (entry.request, entry.reason)
            queue = call(queue, entry.request.id, now=step.now)
        assert next_up(queue, step.now) is None
        assert_blocked_only_at_the_end_without_women(step.after, placed)


def assert_blocked_only_at_the_end_without_women(queue: Queue, placed: tuple[Placed, ...]) -> None:
    """Rule (b) blocks only OPEN speeches, once every woman on the list has had her turn."""
    blocked = [p for p in placed if p.blocked]
    assert placed[len(placed) - len(blocked) :] == tuple(blocked)
    if blocked:
        assert queue.rule is Rule.ZIPPER_CLOSING
        assert all(p.request.kind in SPEAKING for p in blocked)
        assert all(p.request.category is Category.OPEN for p in blocked)
        assert all(p.reason.code is Code.CLOSED_NO_WOMAN for p in blocked)


@PROPERTY
@given(histories(*ZIPPERS))
def test_no_two_open_speeches_in_a_row_while_a_woman_waits(steps: list[Step]) -> None:
    last: Turn | None = None
    for step in steps:
        turn = step.called
        if turn is None or turn.request.kind not in SPEAKING:
            continue
        if turn.override is None and turn.request.category is Category.OPEN:
            after_open = last is not None and last.request.category is Category.OPEN
            assert not (after_open and woman_waits(step.before))
        last = turn


@PROPERTY
@given(histories(*ZIPPERS))
def test_women_and_others_take_turns_while_both_wait(steps: list[Step]) -> None:
    for step in steps:
        queue = step.after
        up = next_up(queue, step.now)
        if up is None or up.request.kind not in SPEAKING:
            continue
        turns = speaking(queue.spoken)
        last = turns[-1].request.category if turns else Category.OPEN
        wanted = Category.OPEN if last is Category.WOMAN else Category.WOMAN
        if any(r.category is wanted and r.kind in SPEAKING for r in queue.waiting):
            assert up.request.category is wanted
            assert up.reason.code is (
                Code.OPEN_TURN if wanted is Category.OPEN else Code.WOMAN_TURN
            )


@PROPERTY
@given(histories(Rule.ZIPPER_CLOSING))
def test_without_a_woman_only_one_open_speech_more_than_the_list_was_opened_for(
    steps: list[Step],
) -> None:
    run = 0  # OPEN speeches since the last woman's
    for step in steps:
        turn = step.called
        if turn is None or turn.request.kind not in SPEAKING:
            continue
        run = 0 if turn.request.category is Category.WOMAN else run + 1
        if turn.override is None and turn.request.category is Category.OPEN:
            assert woman_waits(step.before) or run <= 1 + step.before.opened_for


@PROPERTY
@given(histories(Rule.FIRST_TIME))
def test_who_has_not_spoken_yet_goes_first(steps: list[Step]) -> None:
    for step in steps:
        queue = step.after
        spoken = {t.request.member_id for t in speaking(queue.spoken)}
        first = [
            r
            for r in queue.waiting
            if r.kind in SPEAKING and (r.member_id is None or r.member_id not in spoken)
        ]
        up = next_up(queue, step.now)
        if first and up is not None and up.request.kind in SPEAKING:
            assert up.request in first
            assert up.reason.code is Code.FIRST_TIME


@PROPERTY
@given(histories(*ALL_RULES))
def test_nobody_is_called_twice_and_no_withdrawn_request_is_called(steps: list[Step]) -> None:
    if not steps:
        return
    queue = steps[-1].after
    ids = [t.request.id for t in queue.spoken]
    assert len(ids) == len(set(ids))
    assert not queue.withdrawn & set(ids)
    assert not queue.withdrawn & {r.id for r in queue.waiting}
    for step in steps:
        if step.called is not None:
            assert step.called.request.id in {r.id for r in step.before.waiting}


@PROPERTY
@given(histories(Rule.NONE, alternate=st.just(False)))
def test_first_come_first_served_apart_from_points_of_order(steps: list[Step]) -> None:
    for step in steps:
        placed = order(step.after, step.now)
        speeches = [p.request for p in placed if p.request.kind in SPEAKING]
        assert speeches == sorted(speeches, key=lambda r: (r.asked_at, r.id))
        assert all(p.reason.code is Code.ARRIVAL for p in placed if p.request.kind in SPEAKING)


@PROPERTY
@given(histories(Rule.NONE, alternate=st.just(True)))
def test_the_stance_alternates_when_both_wait(steps: list[Step]) -> None:
    for step in steps:
        queue = step.after
        marked = [
            t.request.stance for t in speaking(queue.spoken) if t.request.stance is not Stance.NONE
        ]
        stances = {r.stance for r in queue.waiting if r.kind in SPEAKING}
        up = next_up(queue, step.now)
        both = {Stance.FOR, Stance.AGAINST} <= stances
        if marked and both and up is not None and up.request.kind in SPEAKING:
            assert up.request.stance not in (Stance.NONE, marked[-1])
            assert up.reason.tiebreak is Code.STANCE_ALTERNATES


# --- examples --------------------------------------------------------------------------------


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def asked(queue: Queue, *requests: Request) -> Queue:
    for request in requests:
        queue = ask(queue, request)
    return queue


def man(
    id_: int,
    minutes: int,
    kind: Kind = Kind.SPEECH,
    stance: Stance = Stance.NONE,
    channel: Channel = Channel.HALL,
    category: Category = Category.OPEN,
) -> Request:
    """A request of member ``id_`` (asked ``minutes`` after the start)."""
    return Request(id_, id_, at(minutes), kind, category, stance, channel)


def woman(id_: int, minutes: int) -> Request:
    return man(id_, minutes, category=Category.WOMAN)


def lineup(queue: Queue, now: datetime) -> list[tuple[int, Code, bool]]:
    return [(p.request.id, p.reason.code, p.blocked) for p in order(queue, now)]


def test_rule_b_closes_after_one_man_and_opens_for_three_more() -> None:
    queue = asked(Queue(Rule.ZIPPER_CLOSING), man(1, 0), man(2, 1))
    queue = call(queue, 1, now=at(2))
    assert lineup(queue, at(2)) == [(2, Code.CLOSED_NO_WOMAN, True)]
    assert next_up(queue, at(2)) is None
    with pytest.raises(QueueError) as refused:
        call(queue, 2, now=at(2))
    assert refused.value.code is Problem.REASON_REQUIRED

    queue = open_for(asked(queue, man(3, 3)), 3)
    assert lineup(queue, at(4)) == [(2, Code.LIST_OPENED, False), (3, Code.LIST_OPENED, False)]

    queue = asked(queue, woman(4, 5))
    assert lineup(queue, at(6)) == [
        (4, Code.WOMAN_TURN, False),
        (2, Code.OPEN_TURN, False),
        (3, Code.LIST_OPENED, False),
    ]


def test_rule_b_a_woman_restarts_the_count() -> None:
    queue = asked(Queue(Rule.ZIPPER_CLOSING), man(1, 0), man(2, 1), man(3, 2))
    queue = asked(call(queue, 1, now=at(3)), woman(4, 4))
    expected = [(2, Code.OPEN_TURN, False), (3, Code.CLOSED_NO_WOMAN, True)]
    assert lineup(queue, at(5)) == [(4, Code.WOMAN_TURN, False), *expected]
    assert lineup(call(queue, 4, now=at(5)), at(6)) == expected


def test_zipper_alternates_starting_with_a_woman() -> None:
    queue = asked(Queue(Rule.ZIPPER), man(1, 0), man(2, 1), woman(3, 2), woman(4, 3), man(5, 4))
    assert lineup(queue, at(5)) == [
        (3, Code.WOMAN_TURN, False),
        (1, Code.OPEN_TURN, False),
        (4, Code.WOMAN_TURN, False),
        (2, Code.OPEN_TURN, False),
        (5, Code.NO_WOMAN_WAITING, False),
    ]


def test_points_of_order_go_first_in_turn_and_are_no_turn_for_the_quota() -> None:
    queue = asked(Queue(Rule.ZIPPER), woman(1, 0), man(2, 1), woman(3, 2))
    queue = call(queue, 1, now=at(3))
    point = Kind.POINT_OF_ORDER
    queue = asked(queue, man(7, 6, kind=point), man(6, 4, kind=point), man(4, 4, kind=point))
    assert lineup(queue, at(7))[:4] == [
        (4, Code.POINT_OF_ORDER, False),
        (6, Code.POINT_OF_ORDER, False),
        (7, Code.POINT_OF_ORDER, False),
        (2, Code.OPEN_TURN, False),  # after the woman's speech, points of order not counted
    ]
    for request_id in (4, 6, 7):
        queue = call(queue, request_id, now=at(8))
    assert lineup(queue, at(9)) == [(2, Code.OPEN_TURN, False), (3, Code.WOMAN_TURN, False)]


def test_first_time_speakers_go_before_those_who_have_spoken() -> None:
    queue = asked(Queue(Rule.FIRST_TIME), man(1, 0))
    queue = call(queue, 1, now=at(1))
    again = Request(10, 1, at(2), kind=Kind.QUESTION)
    anonymous = Request(11, None, at(4), kind=Kind.QUESTION, channel=Channel.WRITTEN)
    queue = asked(queue, again, woman(2, 3), anonymous)
    assert lineup(queue, at(5)) == [
        (2, Code.FIRST_TIME, False),
        (11, Code.FIRST_TIME, False),
        (10, Code.SPOKEN_BEFORE, False),
    ]


def test_the_stance_alternates_when_asked_to() -> None:
    queue = asked(Queue(Rule.NONE, alternate_stances=True), man(1, 0, stance=Stance.FOR))
    queue = call(queue, 1, now=at(1))
    queue = asked(queue, man(2, 2, stance=Stance.FOR), man(3, 3), man(4, 4, stance=Stance.AGAINST))
    up = next_up(queue, at(5))
    assert up is not None
    assert (up.request.id, up.reason.code, up.reason.tiebreak) == (
        4,
        Code.ARRIVAL,
        Code.STANCE_ALTERNATES,
    )
    assert [p.request.id for p in order(queue, at(5))] == [4, 2, 3]


def test_the_reason_says_how_long_one_waits() -> None:
    queue = asked(Queue(Rule.ZIPPER), woman(1, 0))
    up = next_up(queue, at(4))
    assert up is not None
    assert up.reason.code is Code.WOMAN_TURN
    assert up.reason.waited == timedelta(minutes=4)


def test_what_the_list_refuses() -> None:
    queue = asked(Queue(Rule.NONE), man(1, 0), man(2, 1, kind=Kind.POINT_OF_ORDER))
    cases = [
        (lambda: ask(queue, Request(3, 1, at(2))), Problem.ALREADY_WAITING),
        (lambda: ask(queue, Request(2, 7, at(2))), Problem.KNOWN_ID),
        (lambda: ask(queue, Request(3, 7, datetime(2025, 3, 8))), Problem.NAIVE_TIME),  # noqa: DTZ001
        (lambda: withdraw(queue, 99), Problem.UNKNOWN),
        (lambda: call(queue, 1, now=at(2)), Problem.REASON_REQUIRED),
        (lambda: call(withdraw(queue, 1), 1, now=at(2), reason="x"), Problem.WITHDRAWN),
        (lambda: open_for(queue, -1), Problem.NEGATIVE_OPENING),
        (lambda: ask(withdraw(queue, 1), man(1, 3)), Problem.KNOWN_ID),
    ]
    for attempt, problem in cases:
        with pytest.raises(QueueError) as refused:
            attempt()
        assert refused.value.code is problem
    with_question = ask(queue, Request(3, 1, at(2), kind=Kind.QUESTION))
    assert len(with_question.waiting) == 3


def test_fairness_counts_speeches_per_category_and_channel() -> None:
    queue = asked(
        Queue(Rule.ZIPPER),
        man(1, 0, channel=Channel.ONLINE),
        woman(2, 1),
        man(3, 2, kind=Kind.POINT_OF_ORDER),
    )
    for _ in range(3):
        up = next_up(queue, at(3))
        assert up is not None
        queue = call(queue, up.request.id, now=at(3))
    summary = fairness(queue.spoken)
    assert summary.by_category == {Category.WOMAN: 1, Category.OPEN: 1}
    assert summary.by_channel == {Channel.HALL: 1, Channel.ONLINE: 1, Channel.WRITTEN: 0}
    assert (summary.points_of_order, summary.overrides) == (1, 0)
