"""The speakers' list of one agenda item, ordered by the party's quota rules.

Pure functions on frozen values: no database, no I/O. A ``Queue`` holds the waiting
requests and the turns already called; ``order`` computes who speaks in which order and
why, ``call`` moves a request to the turns (out of order only with the chair's reason).

Points of order always come first (FIFO among themselves) and never count as a turn for
the quota or for "has spoken". Then the chair's rule picks a group, within the group the
stance alternates if asked to, and then the earliest request (by ``asked_at``, then id).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    SPEECH = "speech"
    POINT_OF_ORDER = "point_of_order"  # Geschäftsordnungsantrag: always first
    QUESTION = "question"  # written or from the online room; called like a speech


class Category(StrEnum):
    WOMAN = "woman"  # FINTA*, declared with the request
    OPEN = "open"


class Stance(StrEnum):
    FOR = "for"
    AGAINST = "against"
    NONE = "none"


class Channel(StrEnum):
    HALL = "hall"
    ONLINE = "online"
    WRITTEN = "written"


class Rule(StrEnum):
    """The chair's preset for the order of the list."""

    ZIPPER = "zipper"  # (a) women and others alternate
    ZIPPER_CLOSING = "zipper_closing"  # (b) as (a); no woman waiting closes the debate
    FIRST_TIME = "first_time"  # (c) who has not spoken yet goes first
    NONE = "none"  # (d) first come, first served


class Code(StrEnum):
    """Why a request is placed where it is (the UI translates these)."""

    POINT_OF_ORDER = "point_of_order"
    WOMAN_TURN = "woman_turn"
    OPEN_TURN = "open_turn"
    NO_WOMAN_WAITING = "no_woman_waiting"
    NO_OTHER_WAITING = "no_other_waiting"
    LIST_OPENED = "list_opened"  # rule (b): callable only because the list was opened
    CLOSED_NO_WOMAN = "closed_no_woman"  # rule (b): blocked
    FIRST_TIME = "first_time"
    SPOKEN_BEFORE = "spoken_before"
    ARRIVAL = "arrival"
    STANCE_ALTERNATES = "stance_alternates"


class Problem(StrEnum):
    """Why an operation on the list was refused."""

    KNOWN_ID = "known_id"
    ALREADY_WAITING = "already_waiting"
    NAIVE_TIME = "naive_time"
    UNKNOWN = "unknown"
    WITHDRAWN = "withdrawn"
    ALREADY_CALLED = "already_called"
    REASON_REQUIRED = "reason_required"
    NEGATIVE_OPENING = "negative_opening"


class QueueError(ValueError):
    """An operation on the list that cannot be done; ``code`` says why."""

    def __init__(self, code: Problem, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Request:
    """A request to speak (``member_id`` is None for anonymous written questions)."""

    id: int
    member_id: int | None
    asked_at: datetime
    kind: Kind = Kind.SPEECH
    category: Category = Category.OPEN
    stance: Stance = Stance.NONE
    channel: Channel = Channel.HALL


@dataclass(frozen=True)
class Turn:
    """A request that was called; ``override`` is the chair's reason if out of order."""

    request: Request
    called_at: datetime
    override: str | None = None


@dataclass(frozen=True)
class Queue:
    """The speakers' list of one item. ``opened_for``: rule (b), the further OPEN speakers
    the assembly allowed while no woman waits (it stays until the chair changes it)."""

    rule: Rule
    waiting: tuple[Request, ...] = ()
    spoken: tuple[Turn, ...] = ()
    opened_for: int = 0
    alternate_stances: bool = False
    withdrawn: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Reason:
    """Why a request is placed here; ``tiebreak`` is set when the stance decided."""

    code: Code
    waited: timedelta
    tiebreak: Code | None = None


@dataclass(frozen=True)
class Placed:
    request: Request
    position: int  # 1 is next
    reason: Reason
    blocked: bool = False  # rule (b): shown, but callable only with a reason


@dataclass(frozen=True)
class _Tally:
    """What the quota needs to know of the turns so far (points of order left out)."""

    last: Category | None = None
    open_run: int = 0  # OPEN speeches since the last WOMAN speech
    last_stance: Stance | None = None
    members: frozenset[int] = frozenset()  # who has spoken

    def after(self, called: Request) -> _Tally:
        if called.kind is Kind.POINT_OF_ORDER:
            return self
        member = called.member_id
        return _Tally(
            called.category,
            0 if called.category is Category.WOMAN else self.open_run + 1,
            self.last_stance if called.stance is Stance.NONE else called.stance,
            self.members if member is None else self.members | {member},
        )


def _tally(turns: Sequence[Turn]) -> _Tally:
    tally = _Tally()
    for turn in turns:
        tally = tally.after(turn.request)
    return tally


def _fifo(request: Request) -> tuple[datetime, int]:
    return request.asked_at, request.id


_Group = tuple[list[Request], Code]


def _zipper(queue: Queue, tally: _Tally, rule: Rule, speeches: list[Request]) -> _Group:
    women = [r for r in speeches if r.category is Category.WOMAN]
    others = [r for r in speeches if r.category is Category.OPEN]
    if tally.last is Category.WOMAN:
        return (others, Code.OPEN_TURN) if others else (women, Code.NO_OTHER_WAITING)
    if women:
        return women, Code.WOMAN_TURN
    if rule is Rule.ZIPPER_CLOSING and tally.open_run >= 1 + queue.opened_for:
        return [], Code.CLOSED_NO_WOMAN
    opened = rule is Rule.ZIPPER_CLOSING and tally.open_run >= 1
    return others, Code.LIST_OPENED if opened else Code.NO_WOMAN_WAITING


def _group(queue: Queue, tally: _Tally, rule: Rule, speeches: list[Request]) -> _Group:
    """The requests the rule lets go next (empty: blocked), and why."""
    if rule is Rule.FIRST_TIME:
        first = [r for r in speeches if r.member_id is None or r.member_id not in tally.members]
        return (first, Code.FIRST_TIME) if first else (speeches, Code.SPOKEN_BEFORE)
    if rule is Rule.NONE:
        return speeches, Code.ARRIVAL
    return _zipper(queue, tally, rule, speeches)


def _within(queue: Queue, tally: _Tally, group: list[Request]) -> tuple[Request, Code | None]:
    """The earliest of the group, preferring the stance opposite to the last one."""
    stances = {r.stance for r in group}
    both = Stance.FOR in stances and Stance.AGAINST in stances
    if queue.alternate_stances and both and tally.last_stance is not None:
        opposite = Stance.AGAINST if tally.last_stance is Stance.FOR else Stance.FOR
        return min((r for r in group if r.stance is opposite), key=_fifo), Code.STANCE_ALTERNATES
    return min(group, key=_fifo), None


def _choose(
    queue: Queue, tally: _Tally, rule: Rule, waiting: Sequence[Request]
) -> tuple[Request, Code, Code | None] | None:
    """Who goes next among ``waiting`` (None: nobody, all are blocked)."""
    points = [r for r in waiting if r.kind is Kind.POINT_OF_ORDER]
    if points:
        return min(points, key=_fifo), Code.POINT_OF_ORDER, None
    group, code = _group(queue, tally, rule, list(waiting))
    if not group:
        return None
    request, tiebreak = _within(queue, tally, group)
    return request, code, tiebreak


def _placements(queue: Queue, now: datetime) -> Iterator[Placed]:
    """The order by successive calls; once rule (b) blocks, the rest as if opened."""
    tally, rule, waiting = _tally(queue.spoken), queue.rule, list(queue.waiting)
    blocked = False
    while waiting:
        choice = _choose(queue, tally, rule, waiting)
        if choice is None:  # only rule (b) blocks, and never with a woman waiting
            if blocked:  # rule (a) never blocks: this cannot happen
                raise RuntimeError("the speakers' list cannot be ordered")
            rule, blocked = Rule.ZIPPER, True
            continue
        request, code, tiebreak = choice
        waited = max(now - request.asked_at, timedelta(0))
        reason = Reason(Code.CLOSED_NO_WOMAN if blocked else code, waited, tiebreak)
        yield Placed(request, len(queue.waiting) - len(waiting) + 1, reason, blocked)
        waiting.remove(request)
        tally = tally.after(request)


def order(queue: Queue, now: datetime) -> tuple[Placed, ...]:
    """Every waiting request in the order the rule calls them, each with its reason."""
    return tuple(_placements(queue, now))


def next_up(queue: Queue, now: datetime) -> Placed | None:
    """The request to call next, or None if the list is empty or all are blocked."""
    first = next(_placements(queue, now), None)
    return None if first is None or first.blocked else first


def ask(queue: Queue, request: Request) -> Queue:
    """Add a request; a member may have one waiting request of each kind."""
    known = {r.id for r in queue.waiting} | {t.request.id for t in queue.spoken}
    if request.id in known or request.id in queue.withdrawn:
        raise QueueError(Problem.KNOWN_ID, f"request {request.id} is already known")
    if request.asked_at.utcoffset() is None:
        raise QueueError(Problem.NAIVE_TIME, "asked_at must be timezone-aware")
    if request.member_id is not None and any(
        r.member_id == request.member_id and r.kind is request.kind for r in queue.waiting
    ):
        raise QueueError(Problem.ALREADY_WAITING, f"member already waits for a {request.kind}")
    return replace(queue, waiting=(*queue.waiting, request))


def _waiting(queue: Queue, request_id: int) -> Request:
    for request in queue.waiting:
        if request.id == request_id:
            return request
    if request_id in queue.withdrawn:
        raise QueueError(Problem.WITHDRAWN, f"request {request_id} was withdrawn")
    if any(t.request.id == request_id for t in queue.spoken):
        raise QueueError(Problem.ALREADY_CALLED, f"request {request_id} was already called")
    raise QueueError(Problem.UNKNOWN, f"request {request_id} is not on the list")


def _without(queue: Queue, request_id: int) -> tuple[Request, ...]:
    return tuple(r for r in queue.waiting if r.id != request_id)


def withdraw(queue: Queue, request_id: int) -> Queue:
    """Take a waiting request off the list (it can never be called afterwards)."""
    _waiting(queue, request_id)
    withdrawn = queue.withdrawn | {request_id}
    return replace(queue, waiting=_without(queue, request_id), withdrawn=withdrawn)


def call(queue: Queue, request_id: int, *, now: datetime, reason: str | None = None) -> Queue:
    """Give the floor to a waiting request; out of order (or blocked) only with a reason."""
    request = _waiting(queue, request_id)
    up = next_up(queue, now)
    override = None
    if up is None or up.request.id != request_id:
        override = (reason or "").strip()
        if not override:
            raise QueueError(Problem.REASON_REQUIRED, "calling out of order needs a reason")
    turn = Turn(request, now, override)
    return replace(queue, waiting=_without(queue, request_id), spoken=(*queue.spoken, turn))


def open_for(queue: Queue, further: int) -> Queue:
    """Rule (b): the assembly allows ``further`` OPEN speakers while no woman waits."""
    if further < 0:
        raise QueueError(Problem.NEGATIVE_OPENING, "the number of further speakers is >= 0")
    return replace(queue, opened_for=further)


@dataclass(frozen=True)
class Fairness:
    """Speeches and questions called, per category and per channel."""

    by_category: dict[Category, int]
    by_channel: dict[Channel, int]
    points_of_order: int
    overrides: int


def fairness(turns: Sequence[Turn]) -> Fairness:
    """Count the turns of an item for the minutes (points of order apart)."""
    speeches = [t.request for t in turns if t.request.kind is not Kind.POINT_OF_ORDER]
    return Fairness(
        by_category={c: sum(r.category is c for r in speeches) for c in Category},
        by_channel={c: sum(r.channel is c for r in speeches) for c in Channel},
        points_of_order=len(turns) - len(speeches),
        overrides=sum(t.override is not None for t in turns),
    )
