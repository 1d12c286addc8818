"""Small factories for series, written through the services as office staff would."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from plenum.clock import utcnow
from plenum.orgs.models import Chapter
from plenum.series import forms, service
from plenum.series.access import SeriesPlace, series_place
from plenum.series.models import Series, SeriesSource
from plenum.times import local_input

QUESTION = "Welche bis zu drei landespolitischen Forderungen?"


def series_form(collecting_days: int = 30, **fields: str) -> dict[str, str]:
    """The series form as office staff fill it in: phases of 30 days, collecting first."""
    now = utcnow()
    ends = [now + timedelta(days=collecting_days + 30 * step) for step in range(4)]
    return {
        "title": "Drei Forderungen für NRW",
        "question": QUESTION,
        "max_proposals": "3",
        **{name: local_input(end) for name, end in zip(forms.PHASE_ENDS, ends, strict=True)},
        **fields,
    }


def make_series(session: Session, chapter: Chapter, staff_id: int, **fields: str) -> Series:
    data = forms.parse_series(series_form(**fields))
    return service.create_series(chapter, data, actor=staff_id, session=session)


def place(session: Session, series: Series) -> SeriesPlace:
    return series_place(series.id or 0, session=session)


def channel(
    session: Session,
    series: Series,
    kind: str,
    *,
    starts: datetime | None = None,
    days: int = 7,
) -> SeriesSource:
    """The online week or the phone channel, open from ``starts`` (default: an hour ago)."""
    start = starts or utcnow() - timedelta(hours=1)
    values = {
        "kind": kind,
        "title": "Online-Woche" if kind == "online_week" else "Telefonaktion",
        "starts_at": local_input(start),
        "ends_at": local_input(start + timedelta(days=days)),
        "weight_kind": "dots",
    }
    return service.add_source(place(session, series), forms.parse_source(values), session=session)


def session_of(
    session: Session, series: Series, meeting_id: int, weight: str = "dots"
) -> SeriesSource:
    values = {"kind": "meeting", "meeting_id": str(meeting_id), "weight_kind": weight}
    return service.add_source(place(session, series), forms.parse_source(values), session=session)
