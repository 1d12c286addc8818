"""Reading and checking the forms of a series: the series itself, a source, the
attendance of a session and a proposal. Each parser returns plain data or raises
``ValidationFailed`` with a message per field; what was typed is shown again as typed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from plenum.errors import N_, ValidationFailed
from plenum.parsing import form_choice, form_number, parse_int
from plenum.series.models import SourceKind, WeightKind
from plenum.times import local_datetime

TITLE_MAX = 300
TEXT_MAX = 20_000
COST_MAX = 200
_NEVER = datetime.min.replace(tzinfo=UTC)  # stands in for a time not read (the form fails)
PHASE_ENDS = ("collecting_ends_at", "synthesis_ends_at", "evaluation_ends_at", "decision_ends_at")
SERIES_FIELDS = ("title", "question", "max_proposals", "with_costs", *PHASE_ENDS)
SOURCE_FIELDS = ("kind", "meeting_id", "title", "starts_at", "ends_at", "weight_kind")
ATTENDANCE_FIELDS = ("hall_count", "online_count")
PROPOSAL_FIELDS = ("title", "text", "reasons", "cost", "weight", "member_number", "consent", "key")


def _text(values: dict[str, str], name: str, limit: int, errors: dict[str, str]) -> str:
    text = unicodedata.normalize("NFC", values.get(name, "").replace("\r\n", "\n")).strip()
    if len(text) > limit:
        errors[name] = N_("This is too long.")
    return text


def _required(
    values: dict[str, str], name: str, limit: int, errors: dict[str, str], msg: str
) -> str:
    text = _text(values, name, limit, errors)
    if not text:
        errors[name] = msg
    return text


@dataclass(frozen=True)
class SeriesInput:
    title: str
    question: str
    max_proposals: int
    with_costs: bool
    ends: tuple[datetime, datetime, datetime, datetime]  # collecting … decision


def parse_series(values: dict[str, str]) -> SeriesInput:
    errors: dict[str, str] = {}
    title = _required(values, "title", TITLE_MAX, errors, N_("Please enter a title."))
    question = _required(
        values, "question", TEXT_MAX, errors, N_("Please enter the guiding question.")
    )
    max_proposals = form_number(values, "max_proposals", 1, 20, errors)
    if max_proposals is None and "max_proposals" not in errors:
        errors["max_proposals"] = N_("Please enter a whole number from 1 to 20.")
    ends = [local_datetime(values, name, errors) for name in PHASE_ENDS]
    for earlier, later, name in zip(ends, ends[1:], PHASE_ENDS[1:], strict=False):
        if earlier and later and later <= earlier:
            errors.setdefault(name, N_("Each phase must end after the one before it."))
    if errors:
        raise ValidationFailed(errors)
    first, second, third, fourth = (end or _NEVER for end in ends)
    return SeriesInput(
        title,
        question,
        max_proposals or 3,
        bool(values.get("with_costs")),
        (first, second, third, fourth),
    )


@dataclass(frozen=True)
class SourceInput:
    kind: str
    meeting_id: int | None
    title: str
    starts_at: datetime  # the window of a channel; a session takes its meeting's times
    ends_at: datetime
    weight_kind: str


def parse_source(values: dict[str, str]) -> SourceInput:
    errors: dict[str, str] = {}
    kind = form_choice(
        values, "kind", tuple(SourceKind), errors, N_("Please choose what kind of source it is.")
    )
    weight_kind = form_choice(
        values, "weight_kind", tuple(WeightKind), errors, N_("Please choose how the room weighs.")
    )
    meeting_id = parse_int(values.get("meeting_id"))
    title, starts_at, ends_at = "", None, None
    if kind == SourceKind.MEETING and meeting_id is None:
        errors["meeting_id"] = N_("Please choose a meeting.")
    elif kind in (SourceKind.ONLINE_WEEK, SourceKind.PHONE):
        title = _required(values, "title", TITLE_MAX, errors, N_("Please enter a title."))
        starts_at = local_datetime(values, "starts_at", errors)
        ends_at = local_datetime(values, "ends_at", errors)
        if starts_at and ends_at and ends_at <= starts_at:
            errors["ends_at"] = N_("The end must be after the start.")
    if errors:
        raise ValidationFailed(errors)
    return SourceInput(kind, meeting_id, title, starts_at or _NEVER, ends_at or _NEVER, weight_kind)


def parse_attendance(values: dict[str, str]) -> tuple[int, int]:
    errors: dict[str, str] = {}
    counts = [form_number(values, name, 0, 100_000, errors) for name in ATTENDANCE_FIELDS]
    if errors:
        raise ValidationFailed(errors)
    return counts[0] or 0, counts[1] or 0


@dataclass(frozen=True)
class ProposalInput:
    title: str
    text: str
    reasons: str
    cost: str
    weight: int | None
    member_number: str
    consent: bool
    key: str


def parse_proposal(values: dict[str, str], *, weighed: bool, phoned: bool) -> ProposalInput:
    """``weighed``: a session's proposal, with the dots or hands it got; ``phoned``: an
    answer entered by a caller, for a member who agreed to it."""
    errors: dict[str, str] = {}
    title = _required(values, "title", TITLE_MAX, errors, N_("Please enter a title."))
    text = _required(values, "text", TEXT_MAX, errors, N_("Please enter the text."))
    reasons = _text(values, "reasons", TEXT_MAX, errors)
    cost = _text(values, "cost", COST_MAX, errors)
    weight = form_number(values, "weight", 0, 100_000, errors) if weighed else None
    if weighed and weight is None and "weight" not in errors:
        errors["weight"] = N_("Please enter how many dots or hands it got.")
    number = values.get("member_number", "").strip()
    consent = bool(values.get("consent"))
    if phoned and not number:
        errors["member_number"] = N_("Please enter the member number of the member you called.")
    if phoned and not consent:
        errors["consent"] = N_("Enter an answer only if the member agreed to it.")
    if errors:
        raise ValidationFailed(errors)
    return ProposalInput(
        title, text, reasons, cost, weight, number, consent, values.get("key", "")[:64]
    )


REASON_MAX = 1000


def parse_reason(values: dict[str, str], errors: dict[str, str]) -> str:
    """Why a synthesis step is taken: asked every time, kept in the log."""
    return _required(values, "reason", REASON_MAX, errors, N_("Please say why, for the log."))


def parse_demand(
    values: dict[str, str], errors: dict[str, str], suffix: str = ""
) -> tuple[str, str, str]:
    """A demand's wording from the fields ``title``, ``text`` and ``reasons`` (each with
    ``suffix``, for the parts of a split): title, text, reasons."""
    title = _required(values, f"title{suffix}", TITLE_MAX, errors, N_("Please enter a title."))
    text = _required(values, f"text{suffix}", TEXT_MAX, errors, N_("Please enter the text."))
    reasons = _text(values, f"reasons{suffix}", TEXT_MAX, errors)
    return title, text, reasons


def chosen_ids(items: list[tuple[str, str]], name: str) -> list[int]:
    """The ids ticked in the checkboxes ``name``, each once, in the order sent."""
    found: list[int] = []
    for key, value in items:
        number = parse_int(value) if key == name else None
        if number is not None and number not in found:
            found.append(number)
    return found
