"""Party time: times are typed and shown in Berlin time and stored in UTC.

Every form with a date or time field reads it here, and every page shows stored times
through ``local_input`` (form fields) or the ``localtime`` filter.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from plenum.clock import as_utc
from plenum.errors import N_

LOCAL_TIME = ZoneInfo("Europe/Berlin")  # deadlines are typed and shown in party time
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999  # dates typed into any form
OUT_OF_RANGE = N_("Please enter a date between the years 1900 and 2999.")


def local_input(value: datetime) -> str:
    """A stored time as a datetime-local field shows it, in party time."""
    return as_utc(value).astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")


def local_datetime(values: dict[str, str], name: str, errors: dict[str, str]) -> datetime | None:
    raw = values.get(name, "").strip()
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = N_("Please enter a date and time.")
        return None
    if not _sane(local):
        errors[name] = OUT_OF_RANGE
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=LOCAL_TIME)
    return local


def parse_date(values: dict[str, str], name: str, errors: dict[str, str]) -> date | None:
    """The ``name`` field as a date (None when empty); a message beside it when not one."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        found = date.fromisoformat(raw)
    except ValueError:
        errors[name] = N_("Please enter a date.")
        return None
    if not _sane(found):
        errors[name] = OUT_OF_RANGE
        return None
    return found


def _sane(moment: date) -> bool:
    """Within the years a date typed here can mean. Far-off years are typing slips, and
    near the ends of the calendar converting between party time and UTC overflows."""
    return EARLIEST_YEAR <= moment.year <= LATEST_YEAR
