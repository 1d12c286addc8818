"""Reading and checking the meeting form and the registration form.

The parsers return plain data or raise ``ValidationFailed`` with a message per field;
what the member typed is never changed here, so the form can be shown again as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from plenum.errors import N_, ValidationFailed
from plenum.meetings.models import Audience, Channel, Mode
from plenum.meetings.queue import Rule
from plenum.motions.forms import parse_title
from plenum.parsing import form_choice, form_number
from plenum.times import local_datetime

TEXT_MAX = 20_000
_NEVER = datetime.min.replace(tzinfo=UTC)  # stands in for a time not read (the form fails)
FACILITIES = (
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "quiet_room",
    "childcare",
    "interpreters",
)
MEETING_FIELDS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "mode",
    "audience",
    "venue",
    "address",
    *FACILITIES,
    "childcare_ages",
    "video_url",
    "capacity_hall",
    "capacity_online",
    "registration_deadline",
    "speaker_rule",
    "lock_version",
)
REGISTRATION_FIELDS = (
    "channel",
    "children",
    "children_ages",
    "accessibility",
    "interpretation",
    "note",
)


@dataclass(frozen=True)
class MeetingInput:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    audience: str
    venue: str
    address: str
    facilities: dict[str, bool]
    childcare_ages: str
    video_url: str
    capacity_hall: int | None
    capacity_online: int | None
    registration_deadline: datetime | None
    speaker_rule: str


def parse_meeting(
    values: dict[str, str], *, has_body: bool, needs_link: bool = True
) -> MeetingInput:
    """The meeting form; ``needs_link``: online meetings need a video address (the link
    provider), not when the video room is Plenum's own (``plenum.video``)."""
    errors: dict[str, str] = {}
    title = parse_title(values, errors)
    starts_at = local_datetime(values, "starts_at", errors)
    ends_at = local_datetime(values, "ends_at", errors)
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = N_("The end must be after the start.")
    mode = form_choice(
        values, "mode", tuple(Mode), errors, N_("Please choose how the meeting is held.")
    )
    audiences = tuple(Audience) if has_body else (Audience.CHAPTER.value,)
    audience = form_choice(
        values, "audience", audiences, errors, N_("Please choose who it is for.")
    )
    rule = form_choice(values, "speaker_rule", tuple(Rule), errors, N_("Please choose a rule."))
    deadline = None
    if values.get("registration_deadline", "").strip():
        deadline = local_datetime(values, "registration_deadline", errors)
        if deadline and starts_at and deadline > starts_at:
            errors["registration_deadline"] = N_("The deadline must be before the start.")
    data = MeetingInput(
        title=title,
        description=_text(values, "description", errors),
        starts_at=starts_at or _NEVER,
        ends_at=ends_at or _NEVER,
        mode=mode,
        audience=audience,
        venue=_line(values, "venue", 300, errors),
        address=_line(values, "address", 500, errors),
        facilities={name: bool(values.get(name)) for name in FACILITIES},
        childcare_ages=_line(values, "childcare_ages", 60, errors),
        video_url=_video_url(values, errors),
        capacity_hall=form_number(values, "capacity_hall", 1, 100_000, errors),
        capacity_online=form_number(values, "capacity_online", 1, 100_000, errors),
        registration_deadline=deadline,
        speaker_rule=rule,
    )
    _check_mode(data, errors, needs_link)
    if errors:
        raise ValidationFailed(errors)
    return data


def _check_mode(data: MeetingInput, errors: dict[str, str], needs_link: bool) -> None:
    if data.mode in (Mode.IN_PERSON, Mode.HYBRID) and not data.venue:
        errors.setdefault("venue", N_("Please name the venue."))
    if needs_link and data.mode in (Mode.ONLINE, Mode.HYBRID) and not data.video_url:
        errors.setdefault("video_url", N_("Please enter the video link."))


@dataclass(frozen=True)
class NeedsInput:
    children: int
    children_ages: str
    accessibility: str
    interpretation: str
    note: str

    @property
    def any(self) -> bool:
        return bool(self.children or self.accessibility or self.interpretation or self.note)


@dataclass(frozen=True)
class RegistrationInput:
    channel: str
    needs: NeedsInput


def parse_registration(values: dict[str, str], channels: tuple[str, ...]) -> RegistrationInput:
    errors: dict[str, str] = {}
    channel = form_choice(
        values, "channel", channels, errors, N_("Please choose in the hall or online.")
    )
    children = form_number(values, "children", 0, 20, errors) or 0
    ages = _line(values, "children_ages", 100, errors)
    if children and not ages:
        errors["children_ages"] = N_("Please give the ages of the children.")
    needs = NeedsInput(
        children=children,
        children_ages=ages,
        accessibility=_text(values, "accessibility", errors, limit=2000),
        interpretation=_line(values, "interpretation", 200, errors),
        note=_text(values, "note", errors, limit=2000),
    )
    if errors:
        raise ValidationFailed(errors)
    return RegistrationInput(channel, needs)


def channels_of(mode: str) -> tuple[str, ...]:
    """Where members can take part in a meeting held in ``mode``."""
    return {
        Mode.IN_PERSON: (Channel.HALL.value,),
        Mode.ONLINE: (Channel.ONLINE.value,),
    }.get(Mode(mode), (Channel.HALL.value, Channel.ONLINE.value))


def _line(values: dict[str, str], name: str, limit: int, errors: dict[str, str]) -> str:
    text = " ".join(values.get(name, "").split())
    if len(text) > limit:
        errors[name] = N_("This is too long.")
    return text


def _text(values: dict[str, str], name: str, errors: dict[str, str], limit: int = TEXT_MAX) -> str:
    text = values.get(name, "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        errors[name] = N_("This is too long.")
    return text


def _video_url(values: dict[str, str], errors: dict[str, str]) -> str:
    raw = values.get("video_url", "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(raw) > 500 or " " in raw:
        errors["video_url"] = N_("Please enter a web address beginning with https://.")
    return raw
