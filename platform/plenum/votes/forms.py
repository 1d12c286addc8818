"""Reading and checking the form that sets up a vote, and the ballot form.

``parse_vote`` returns plain data or raises ``ValidationFailed`` with a message per field;
what the member typed is never changed here, so the form can be shown again as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from plenum.errors import N_, ValidationFailed
from plenum.motions.forms import parse_title
from plenum.orgs.models import Majority
from plenum.parsing import form_choice, form_number
from plenum.times import local_datetime
from plenum.votes.models import SECRET_ONLY, ElectionOf, VoteKind, VoteMode
from plenum.votes.tally import Method

QUESTION_MAX = 20_000
LABEL_MAX = 200
OPTIONS_MAX = 100

VOTE_FIELDS = (
    "title",
    "question",
    "kind",
    "method",
    "mode",
    "election_of",
    "majority",
    "quorum_percent",
    "seats",
    "max_choices",
    "quota",
    "opens_at",
    "closes_at",
    "options",
    "women",
    "list_place",
    "motion_id",
    "amendment_id",
)
# A plain yes/no vote in a meeting, open, by simple majority: what a form starts from.
DEFAULTS = {
    "kind": "meeting",
    "method": "yes_no",
    "mode": "open",
    "election_of": "",
    "majority": "simple",
    "quorum_percent": "0",
    "seats": "1",
    "max_choices": "1",
}
# Kinds of vote a body holds, and those a chapter holds with all its members.
BODY_KINDS = (VoteKind.MEETING, VoteKind.WRITTEN)
CHAPTER_KINDS = (VoteKind.SURVEY, VoteKind.MEMBER_BALLOT)
PERIOD_KINDS = frozenset({VoteKind.WRITTEN, VoteKind.SURVEY, VoteKind.MEMBER_BALLOT})


@dataclass(frozen=True)
class VoteInput:
    title: str
    question: str
    kind: str
    method: str
    mode: str
    election_of: str
    majority: str
    quorum_percent: int
    seats: int
    max_choices: int
    quota: bool
    opens_at: datetime | None
    closes_at: datetime | None
    options: tuple[str, ...]  # options, or candidates who do not stand for a women's seat
    women: tuple[str, ...]  # candidates who stand for the seats reserved for women
    list_place: int | None
    motion_id: int | None
    amendment_id: int | None


def parse_vote(values: dict[str, str], kinds: tuple[str, ...]) -> VoteInput:
    errors: dict[str, str] = {}
    title = parse_title(values, errors)
    question = values.get("question", "").replace("\r\n", "\n").strip()
    if len(question) > QUESTION_MAX:
        errors["question"] = N_("This is too long.")
    kind = form_choice(
        values, "kind", kinds, errors, N_("Please choose where the vote takes place.")
    )
    method = form_choice(values, "method", tuple(Method), errors, N_("Please choose a method."))
    mode = form_choice(
        values, "mode", tuple(VoteMode), errors, N_("Please choose how votes are cast.")
    )
    election_of = values.get("election_of", "")
    if election_of not in {e.value for e in ElectionOf}:
        errors["election_of"] = N_("Please choose what is elected.")
    majority = form_choice(
        values, "majority", tuple(Majority), errors, N_("Please choose a majority.")
    )
    options, women = _lines(values, "options", errors), _lines(values, "women", errors)
    data = VoteInput(
        title=title,
        question=question,
        kind=kind,
        method=method,
        mode=mode,
        election_of=election_of,
        majority=majority,
        quorum_percent=form_number(values, "quorum_percent", 0, 100, errors) or 0,
        seats=form_number(values, "seats", 1, 99, errors) or 1,
        max_choices=form_number(values, "max_choices", 1, OPTIONS_MAX, errors) or 1,
        quota=bool(values.get("quota")),
        opens_at=_when(values, "opens_at", errors),
        closes_at=_when(values, "closes_at", errors),
        options=options,
        women=women,
        list_place=form_number(values, "list_place", 1, 999, errors),
        motion_id=form_number(values, "motion_id", 1, 2**31 - 1, errors),
        amendment_id=form_number(values, "amendment_id", 1, 2**31 - 1, errors),
    )
    _check_together(data, errors)
    if errors:
        raise ValidationFailed(errors)
    return data


def _when(values: dict[str, str], name: str, errors: dict[str, str]) -> datetime | None:
    return local_datetime(values, name, errors) if values.get(name, "").strip() else None


def _lines(values: dict[str, str], name: str, errors: dict[str, str]) -> tuple[str, ...]:
    found = tuple(line.strip() for line in values.get(name, "").splitlines() if line.strip())
    if len(found) > OPTIONS_MAX:
        errors[name] = N_("There may be at most 100 entries.")
    elif any(len(line) > LABEL_MAX for line in found):
        errors[name] = N_("Each entry may have at most 200 characters.")
    elif len({line.casefold() for line in found}) < len(found):
        errors[name] = N_("Each entry may appear only once.")
    return found


def _check_together(data: VoteInput, errors: dict[str, str]) -> None:
    """The rules that tie fields together: secrecy of elections, options per method, times."""
    if data.method == Method.ELECTION and data.election_of == ElectionOf.NONE:
        errors.setdefault("election_of", N_("Please choose what is elected."))
    if data.election_of in SECRET_ONLY and data.mode != VoteMode.SECRET:
        errors.setdefault(
            "mode", N_("Board members, delegates and lists are elected by secret ballot only.")
        )
    if data.method == Method.RANKED and data.kind != VoteKind.SURVEY:
        errors.setdefault("method", N_("Ranked choice is for surveys only."))
    _check_options(data, errors)
    _check_times(data, errors)


def _check_options(data: VoteInput, errors: dict[str, str]) -> None:
    names = [*data.options, *data.women]
    if len({name.casefold() for name in names}) < len(names):
        errors.setdefault("women", N_("Each candidate may be named only once."))
    if data.method in (Method.CHOICE, Method.RANKED) and len(data.options) < 2:
        errors.setdefault("options", N_("Please enter at least two options, one per line."))
    if data.method == Method.CHOICE and data.max_choices > max(len(data.options), 1):
        errors.setdefault("max_choices", N_("A ballot cannot mark more options than there are."))
    if data.method == Method.ELECTION and not names:
        errors.setdefault("options", N_("Please enter at least one candidate, one per line."))
    if data.quota and data.method != Method.ELECTION:
        errors.setdefault("quota", N_("The quota applies to elections of persons."))
    if data.quota and data.seats < 2:
        errors.setdefault("seats", N_("An election with the quota needs at least two seats."))


def _check_times(data: VoteInput, errors: dict[str, str]) -> None:
    if data.kind in PERIOD_KINDS and data.closes_at is None:
        errors.setdefault("closes_at", N_("Please enter when the vote ends."))
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        errors.setdefault("closes_at", N_("The end must come after the start."))


BALLOT_LIMIT = 100  # more marks than any ballot can hold are refused before parsing


def parse_choices(raw: list[str]) -> tuple[int, ...] | None:
    """The option ids marked on a submitted ballot, in the order sent; None if malformed."""
    if len(raw) > BALLOT_LIMIT:
        return None
    if not all(re.fullmatch(r"\d{1,10}", item.strip()) for item in raw):
        return None
    return tuple(int(item) for item in raw)


def parse_ranking(ranks: dict[str, str]) -> tuple[int, ...] | None:
    """A ranked ballot: ``rank-<option id>`` → the rank given ("" for unranked), as the
    option ids in order of preference; None if malformed (more fields than any ballot has,
    a field that names no option id) or a rank is given twice."""
    if len(ranks) > BALLOT_LIMIT:
        return None
    given: dict[int, int] = {}
    for name, raw in ranks.items():
        match = re.fullmatch(r"rank-(\d{1,10})", name)
        if match is None:
            return None
        if not raw.strip():
            continue
        if not re.fullmatch(r"\d{1,3}", raw.strip()):
            return None
        given[int(match.group(1))] = int(raw.strip())
    if len(set(given.values())) < len(given):
        return None
    return tuple(sorted(given, key=given.__getitem__))


def repeated_ranks(ranks: dict[str, str]) -> list[str]:
    """The rank fields whose rank another field gives too (``rank-<id>`` names)."""
    given = [value.strip() for value in ranks.values() if value.strip()]
    return [
        name for name, value in ranks.items() if value.strip() and given.count(value.strip()) > 1
    ]
