"""Reading and checking the forms of calls, motions and amendments.

Each ``parse_*`` returns plain data or raises ``ValidationFailed`` with a message per
field; the member's input is never changed here, so a form can be shown again as typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from plenum.errors import N_, ValidationFailed
from plenum.motions.lines import normalize
from plenum.motions.models import AmendmentNumbering, MotionType, Recommendation, Submitter
from plenum.parsing import parse_int
from plenum.times import local_datetime, parse_date

TITLE_MAX = 300
TEXT_MAX = 200_000
MAX_EUROS = 20_000_000  # amounts are stored in cents in a 32-bit column
NOTE_MAX = 2000

CALL_FIELDS = (
    "title",
    "description",
    "supporters_required",
    "line_length",
    "amendment_numbering",
    "motion_deadline",
    "amendment_deadline",
    *(f"type_{t.value}" for t in MotionType),
    *(f"prefix_{t.value}" for t in MotionType),
    *(f"submitter_{s.value}" for s in Submitter),
)
MOTION_FIELDS = (
    "title",
    "type",
    "group_name",
    "text",
    "reasons",
    "amount",
    "cost_centre",
    "co_proposers",
    "lock_version",
    "action",
    "key",
)
AMENDMENT_FIELDS = (
    "title",
    "group_name",
    "text",
    "reasons",
    "co_proposers",
    "lock_version",
    "action",
    "mode",
    "key",
)
TRANSITION_FIELDS = (
    "note",
    "recommendation",
    "modified_text",
    "outcome",
    "outcome_text",
    "decided_on",
    "lock_version",
)


@dataclass(frozen=True)
class CallInput:
    title: str
    description: str
    motion_types: tuple[str, ...]
    prefixes: tuple[str, ...]  # one per MotionType, in declaration order
    submitters: tuple[str, ...]
    supporters_required: int
    line_length: int
    amendment_numbering: str
    motion_deadline: datetime
    amendment_deadline: datetime


@dataclass(frozen=True)
class MotionInput:
    title: str
    type: str
    group_name: str
    text: str
    reasons: str
    amount_cents: int | None
    cost_centre: str
    co_proposers: tuple[str, ...]  # member numbers
    key: str = ""  # the form's one-time key: the same form sent twice saves once


@dataclass(frozen=True)
class AmendmentInput:
    title: str
    group_name: str
    text: str
    reasons: str
    co_proposers: tuple[str, ...]
    key: str = ""  # the form's one-time key: the same form sent twice saves once


@dataclass(frozen=True)
class TransitionInput:
    note: str = ""
    recommendation: str = ""
    modified_text: str = ""
    outcome: str = ""
    outcome_text: str = ""
    decided_on: date | None = None
    seen_version: int = 0  # the lock_version of what the member saw; 0: not checked


def parse_call(values: dict[str, str]) -> CallInput:
    errors: dict[str, str] = {}
    title = parse_title(values, errors)
    types = tuple(t.value for t in MotionType if values.get(f"type_{t.value}"))
    if not types:
        errors["type_motion"] = N_("Please choose at least one type of motion.")
    prefixes = tuple(values.get(f"prefix_{t.value}", "").strip() for t in MotionType)
    for t, prefix in zip(MotionType, prefixes, strict=True):
        if t.value in types and not re.fullmatch(r"[A-Za-zÄÖÜäöü]{1,5}", prefix):
            errors[f"prefix_{t.value}"] = N_("Please enter one to five letters.")
    submitters = tuple(s.value for s in Submitter if values.get(f"submitter_{s.value}"))
    if not submitters:
        errors["submitter_members"] = N_("Please choose who may submit.")
    supporters = _int(values, "supporters_required", 0, 500, errors)
    if "supporters_required" in errors:
        errors["supporters_required"] = N_("Please enter a whole number from 0 to 500.")
    line_length = _int(values, "line_length", 40, 200, errors)
    if "line_length" in errors:
        errors["line_length"] = N_("Please enter a whole number from 40 to 200.")
    numbering = values.get("amendment_numbering", "")
    if numbering not in {n.value for n in AmendmentNumbering}:
        errors["amendment_numbering"] = N_("Please choose how amendments are numbered.")
    motion_deadline = local_datetime(values, "motion_deadline", errors)
    amendment_deadline = local_datetime(values, "amendment_deadline", errors)
    if motion_deadline and amendment_deadline and amendment_deadline < motion_deadline:
        errors["amendment_deadline"] = N_(
            "The deadline for amendments cannot be before the one for motions."
        )
    if errors or motion_deadline is None or amendment_deadline is None:
        raise ValidationFailed(errors)
    return CallInput(
        title,
        values.get("description", "")[:TEXT_MAX],
        types,
        prefixes,
        submitters,
        supporters,
        line_length,
        numbering,
        motion_deadline,
        amendment_deadline,
    )


def parse_motion(values: dict[str, str], allowed_types: tuple[str, ...]) -> MotionInput:
    errors: dict[str, str] = {}
    title = parse_title(values, errors)
    kind = values.get("type", "") or (allowed_types[0] if len(allowed_types) == 1 else "")
    if kind not in allowed_types:
        errors["type"] = N_("Please choose a type of motion.")
    text = _markdown(values, "text", errors, required=True)
    reasons = _markdown(values, "reasons", errors, required=False)
    amount = _euro(values.get("amount", ""), errors)
    cost_centre = values.get("cost_centre", "").strip()
    if len(cost_centre) > 100:
        errors["cost_centre"] = N_("At most 100 characters.")
    if kind == MotionType.FINANCE and amount is None and "amount" not in errors:
        errors["amount"] = N_("A financial motion needs an amount.")
    group = _group(values, errors)
    if errors:
        raise ValidationFailed(errors)
    return MotionInput(
        title, kind, group, text, reasons, amount, cost_centre, _numbers(values), form_key(values)
    )


def parse_amendment(values: dict[str, str]) -> AmendmentInput:
    errors: dict[str, str] = {}
    title = parse_title(values, errors)
    text = _markdown(values, "text", errors, required=True)
    reasons = _markdown(values, "reasons", errors, required=False)
    group = _group(values, errors)
    if errors:
        raise ValidationFailed(errors)
    return AmendmentInput(title, group, text, reasons, _numbers(values), form_key(values))


def parse_transition(values: dict[str, str]) -> TransitionInput:
    errors: dict[str, str] = {}
    note = values.get("note", "")
    if len(note) > NOTE_MAX:
        errors["note"] = N_("At most 2,000 characters.")
    recommendation = values.get("recommendation", "")
    if recommendation and recommendation not in {r.value for r in Recommendation}:
        errors["recommendation"] = N_("Please choose a recommendation.")
    modified = _markdown(values, "modified_text", errors, required=False)
    if recommendation == Recommendation.ADOPT_MODIFIED and not modified.strip():
        errors["modified_text"] = N_("Please give the modified text.")
    outcome = values.get("outcome", "").strip()
    outcome_text = values.get("outcome_text", "").strip()
    if len(outcome_text) > 300:
        errors["outcome_text"] = N_("At most 300 characters.")
    decided_on = parse_date(values, "decided_on", errors)
    if errors:
        raise ValidationFailed(errors)
    return TransitionInput(
        note.strip(),
        recommendation,
        modified,
        outcome,
        outcome_text,
        decided_on,
        lock_version(values),
    )


_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def form_key(values: dict[str, str]) -> str:
    """The form's one-time key, or "" when it is missing or not one of ours."""
    key = values.get("key", "")
    return key if _KEY.fullmatch(key) else ""


def lock_version(values: dict[str, str]) -> int:
    return parse_int(values.get("lock_version")) or 0


# --- pieces -------------------------------------------------------------------------------


def parse_title(values: dict[str, str], errors: dict[str, str]) -> str:
    title = values.get("title", "").strip()
    if not title:
        errors["title"] = N_("Please enter a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = N_("The title may have at most 300 characters.")
    return title


def _markdown(values: dict[str, str], name: str, errors: dict[str, str], *, required: bool) -> str:
    # NFC: text pasted from a Mac or a PDF (decomposed "ü") is stored like typed text
    text = unicodedata.normalize("NFC", values.get(name, "").replace("\r\n", "\n"))
    if required and not normalize(text).strip():  # nothing left once read as Markdown
        errors[name] = N_("Please enter the text.")
    elif len(text) > TEXT_MAX:
        errors[name] = N_("The text is too long (at most 200,000 characters).")
    return text


def _group(values: dict[str, str], errors: dict[str, str]) -> str:
    group = values.get("group_name", "").strip()
    if len(group) > 200:
        errors["group_name"] = N_("At most 200 characters.")
    return group


def _numbers(values: dict[str, str]) -> tuple[str, ...]:
    raw = re.split(r"[\s,;]+", values.get("co_proposers", ""))
    return tuple(dict.fromkeys(part for part in raw if part))


def _int(values: dict[str, str], name: str, low: int, high: int, errors: dict[str, str]) -> int:
    raw = values.get(name, "").strip()
    if not re.fullmatch(r"\d{1,4}", raw) or not low <= int(raw) <= high:
        errors[name] = "invalid"
        return low
    return int(raw)


_EURO = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?")


def _euro(raw: str, errors: dict[str, str]) -> int | None:
    """ "22.000 €", "2500", "1.234,50" → cents; "" → None."""
    text = raw.replace("€", "").replace("EUR", "").strip()
    if not text:
        return None
    match = _EURO.fullmatch(text)
    if match is None:
        errors["amount"] = N_("Please enter an amount in euro, e.g. 2.500 or 1.234,50.")
        return None
    euros = int(match.group(1).replace(".", ""))
    cents = int((match.group(2) or "0").ljust(2, "0"))
    if euros > MAX_EUROS:
        errors["amount"] = N_("The amount may be at most 20.000.000 €.")
        return None
    return euros * 100 + cents


RESOLUTION_FIELDS = ("title", "topic", "outcome", "responsible", "coordinated_with", "attachments")


@dataclass(frozen=True)
class ResolutionInput:
    title: str
    topic: str
    outcome: str
    responsible: str
    coordinated_with: str
    attachments: str


def parse_resolution(values: dict[str, str]) -> ResolutionInput:
    errors: dict[str, str] = {}
    title = parse_title(values, errors)
    limits = {"topic": 100, "outcome": 300, "responsible": 300, "coordinated_with": 500}
    limits["attachments"] = 1000
    for name, limit in limits.items():
        if len(values.get(name, "")) > limit:
            errors[name] = N_("This is too long.")
    if errors:
        raise ValidationFailed(errors)
    return ResolutionInput(
        title,
        values.get("topic", "").strip(),
        values.get("outcome", "").strip(),
        values.get("responsible", "").strip(),
        values.get("coordinated_with", "").strip(),
        values.get("attachments", "").strip(),
    )
