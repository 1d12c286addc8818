"""Times are what the member typed: every form with a date and time shows it back as typed,
in winter and in summer time, and saving the unchanged edit form leaves it where it was."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.support.factories import claims, structure
from tests.support.motions import CALL_FORM
from tests.support.votes import VOTE_FORM
from tests.support.web import english, enrol, log_in_as, page, post, text

STAFF = claims("sami", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",), number="770001")
# Evening times in Berlin: in winter one hour ahead of UTC, in summer two.
SEASONS = {
    "winter": (("2099-01-15T20:00", "15.01.2099 20:00"), ("2099-01-29T18:30", "29.01.2099 18:30")),
    "summer": (("2099-07-15T20:00", "15.07.2099 20:00"), ("2099-07-29T18:30", "29.07.2099 18:30")),
}


@dataclass(frozen=True)
class TimedForm:
    """A form with date/time fields: where it is created, and where what it holds is shown."""

    create: str
    form: dict[str, str]
    fields: tuple[str, str]  # the first is typed before the second
    period: bool  # True: both are shown as one period, False: each as its own fact
    listing: str  # the list that shows the deadline (calls) or the end (votes)

    def typed(self, first: str, second: str) -> dict[str, str]:
        return {**self.form, self.fields[0]: first, self.fields[1]: second}

    def facts(self, shown: BeautifulSoup) -> tuple[str, ...]:
        if self.period:
            return (fact(shown, "Period"),)
        return (fact(shown, "Deadline for motions"), fact(shown, "Deadline for amendments"))

    def expected(self, first: str, second: str) -> tuple[str, ...]:
        return (f"{first} – {second}",) if self.period else (first, second)

    def listed(self, first: str, second: str) -> str:
        return f"until {second}" if self.period else f"Motions until {first}"


FORMS = {
    "call": TimedForm(
        "/bodies/lv-nrw-convention/calls/new",
        CALL_FORM,
        ("motion_deadline", "amendment_deadline"),
        period=False,
        listing="/bodies/lv-nrw-convention/calls",
    ),
    "body vote": TimedForm(
        "/bodies/lv-nrw-board/votes",
        {**VOTE_FORM, "kind": "written"},
        ("opens_at", "closes_at"),
        period=True,
        listing="/bodies/lv-nrw-board/votes",
    ),
    "member vote": TimedForm(
        "/chapters/lv-nrw/votes",
        {**VOTE_FORM, "kind": "survey", "method": "choice", "options": "Ja\nNein"},
        ("opens_at", "closes_at"),
        period=True,
        listing="/chapters/lv-nrw/votes",
    ),
}


@pytest.fixture
def staff(session, settings, client, provider) -> TestClient:
    structure(session)
    enrol(session, settings, "sami", STAFF)
    log_in_as(client, provider, "sami", STAFF)
    return english(client)


def fact(shown: BeautifulSoup, label: str) -> str:
    """The value shown beside ``label`` in the page's facts."""
    for term in shown.select("dl.facts dt"):
        if text(term) == label:
            return text(term.find_next_sibling("dd"))
    raise AssertionError(f"no fact {label!r}")


def as_submitted(shown: BeautifulSoup, selector: str) -> list[tuple[str, str]]:
    """What the browser sends when the form is submitted as it stands."""
    form = shown.select_one(selector)
    assert form is not None, selector
    pairs: list[tuple[str, str]] = []
    for field in form.select("input[name], textarea[name], select[name]"):
        name = str(field["name"])
        if field.name == "textarea":
            pairs.append((name, field.get_text()))
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            pairs.append((name, str(chosen.get("value", text(chosen))) if chosen else ""))
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                pairs.append((name, str(field.get("value", "on"))))
        elif field.get("type") != "submit" and name != "csrf_token":
            pairs.append((name, str(field.get("value", ""))))
    return pairs


@pytest.mark.parametrize("season", SEASONS)
@pytest.mark.parametrize("kind", FORMS)
def test_a_time_is_shown_and_saved_again_as_it_was_typed(staff, kind: str, season: str):
    timed, ((first, first_shown), (second, second_shown)) = FORMS[kind], SEASONS[season]
    expected = timed.expected(first_shown, second_shown)
    created = post(staff, timed.create, timed.typed(first, second))
    assert created.status_code == 303, created.text
    path = created.headers["location"]
    assert timed.facts(page(staff.get(path))) == expected

    for _ in range(2):  # each save of the unchanged form moved the time once more
        shown = page(staff.get(path + "/edit"))
        for name, value in zip(timed.fields, (first, second), strict=True):
            assert shown.select_one(f"#field-{name}")["value"] == value
        saved = post(staff, path + "/edit", as_submitted(shown, "form[id$=-form]"))
        assert saved.status_code == 303, saved.text
        assert timed.facts(page(staff.get(saved.headers["location"]))) == expected
    listed = page(staff.get(timed.listing)).select_one(".card-list li .muted")
    assert timed.listed(first_shown, second_shown) in text(listed)
