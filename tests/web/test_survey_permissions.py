"""Who may open which page of surveys and take which step, as one table (as for motions,
votes and meetings): every survey route × role. 200 the page (or a confirmation page),
303 done, 403 visible but not allowed, 404 not visible (a draft, a survey that does not ask
the member), 409 not possible now; the logged-out are sent to the login.

The world: a draft survey of the NRW state, an open named survey without a campaign, and
an open named survey whose campaign has a volunteer caller who is calling a member now.
Each role walks the whole table in a fresh world, in the table's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from plenum.orgs.models import ChapterRole
from plenum.surveys import campaign, campaign_routes, results_routes, service
from plenum.surveys import routes as survey_routes
from plenum.surveys.models import CampaignCaller
from tests.support.factories import claims, structure
from tests.support.surveys import make_survey, place, question, section, survey_form
from tests.support.web import enrol, log_in_as, post

ROLES = ("anonymous", "member", "other_state", "county", "caller", "board", "staff")
PEOPLE = {
    "member": claims("member", name="Mia Mitglied", number="850001"),
    "other_state": claims("other_state", name="Sam Sachsen", chapter="lv-sachsen"),
    "county": claims("county", name="Kai Kreis", chapter="kv-koeln", number="850003"),
    "caller": claims("caller", name="Vera Volunteer", number="850004"),
    "board": claims("board", name="Bo Vorstand", groups=("lv-nrw-vorstand",)),
    "staff": claims("staff", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",)),
    # not a column: the member the caller is calling
    "called": {
        **claims("called", name="Carl Angerufen", number="850009"),
        "phone_number": "0221 1",
    },
}
QUESTION = {"kind": "single", "text": "Ja?", "options": "Ja\nNein"}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    data: dict[str, str] | None
    expected: dict[str, int]


def row(method: str, path: str, data: dict[str, str] | None, *codes: int) -> Row:
    assert len(codes) == len(ROLES) - 1, path
    return Row(method, path, data, dict(zip(ROLES, (303, *codes), strict=True)))


DRAFT, OPEN, CALLING = "/surveys/{draft}", "/surveys/{open}", "/surveys/{calling}"
# columns:                                                        member other county caller board staff
TABLE = [
    row("GET", "/chapters/lv-nrw/surveys", None, 200, 200, 200, 200, 200, 200),
    row("GET", "/chapters/lv-nrw/surveys/new", None, 403, 403, 403, 403, 403, 200),
    row(
        "POST",
        "/chapters/lv-nrw/surveys",
        {**survey_form(), "key": "k"},
        403,
        403,
        403,
        403,
        403,
        303,
    ),
    row("GET", DRAFT, None, 404, 404, 200, 404, 200, 200),
    row("GET", DRAFT + "/edit", None, 404, 404, 403, 404, 403, 200),
    row("POST", DRAFT + "/edit", survey_form(), 404, 404, 403, 404, 403, 303),
    row("GET", DRAFT + "/preview", None, 404, 404, 200, 404, 403, 200),
    row(
        "POST",
        DRAFT + "/sections",
        {"title": "Mehr", "chapter": "lv-nrw", "key": "s"},
        404,
        404,
        403,
        404,
        403,
        303,
    ),
    row(
        "POST",
        DRAFT + "/sections/{section}/questions",
        {**QUESTION, "key": "q"},
        404,
        404,
        403,
        404,
        403,
        303,
    ),
    row("GET", DRAFT + "/questions/{question}", None, 404, 404, 403, 404, 403, 200),
    row("POST", DRAFT + "/questions/{question}", QUESTION, 404, 404, 403, 404, 403, 303),
    row("POST", DRAFT + "/questions/{question}/delete", {"ask": "1"}, 404, 404, 403, 404, 403, 200),
    row("POST", DRAFT + "/open", {"ask": "1"}, 404, 404, 403, 404, 403, 200),
    row("POST", DRAFT + "/copy", {"key": "c"}, 404, 404, 403, 404, 403, 303),
    row("GET", OPEN, None, 200, 404, 200, 200, 200, 200),
    row("GET", OPEN + "/answer/{step}", None, 200, 404, 200, 200, 200, 200),
    row("POST", OPEN + "/answer/{step}", {"q{open_question}": "0"}, 303, 404, 303, 303, 303, 303),
    row("GET", OPEN + "/review", None, 200, 404, 200, 200, 200, 200),
    row("POST", OPEN + "/submit", {}, 303, 404, 303, 303, 303, 303),
    row("GET", OPEN + "/results", None, 403, 404, 403, 403, 200, 200),
    row("GET", OPEN + "/results/texts/{open_text}", None, 403, 404, 403, 403, 403, 200),
    row("GET", OPEN + "/export.csv", None, 403, 404, 403, 403, 200, 200),
    row("GET", OPEN + "/export.xlsx", None, 403, 404, 403, 403, 200, 200),
    row("GET", OPEN + "/export.csv?raw=1", None, 403, 404, 403, 403, 403, 200),
    row("POST", OPEN + "/campaign", {"script": "Hallo"}, 403, 404, 403, 403, 403, 303),
    row("GET", CALLING + "/campaign", None, 403, 404, 403, 403, 403, 200),
    row("POST", CALLING + "/campaign/script", {"script": "Neu"}, 403, 404, 403, 403, 403, 303),
    row(
        "POST",
        CALLING + "/campaign/callers",
        {"member_number": "850001"},
        403,
        404,
        403,
        403,
        403,
        303,
    ),
    row(
        "POST",
        CALLING + "/campaign/callers/{caller}/delete",
        {"ask": "1"},
        403,
        404,
        403,
        403,
        403,
        200,
    ),
    row("GET", CALLING + "/calls", None, 403, 404, 403, 200, 403, 200),
    row("POST", CALLING + "/calls/next", {}, 403, 404, 403, 303, 403, 303),
    row(
        "POST",
        CALLING + "/calls/{called}/outcome",
        {"outcome": "declined"},
        403,
        404,
        403,
        303,
        403,
        409,
    ),
    row(
        "POST",
        CALLING + "/calls/{called}/answers",
        {"q{calling_question}": "0"},
        403,
        404,
        403,
        409,
        403,
        409,
    ),
    row("GET", "/me/surveys", None, 200, 200, 200, 200, 200, 200),
    row("POST", "/me/calls", {"no_calls": "1"}, 303, 303, 303, 303, 303, 303),
    row("POST", "/me/surveys/{open}/remove", {"ask": "1"}, 200, 200, 200, 200, 200, 200),
]


@pytest.fixture
def world(session, settings) -> dict[str, int]:
    org = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.add(
        ChapterRole(member_id=people["county"], chapter_id=org.county.id, role="office_staff")
    )
    staff = people["staff"]
    draft = make_survey(session, org.state, staff)
    first = section(session, draft)
    asked = question(session, draft, first, "single", "Aktiv?", options=("Ja", "Nein"))
    opened = make_survey(session, org.state, staff, anonymous="no")
    where = section(session, opened)
    open_question = question(session, opened, where, "single", "Gut?", options=("Ja", "Nein"))
    open_text = question(session, opened, where, "text", "Warum?")
    service.open_survey(place(session, opened), session=session)
    calling = make_survey(session, org.state, staff, anonymous="no")
    there = section(session, calling)
    calling_question = question(session, calling, there, "single", "Gut?", options=("Ja", "Nein"))
    at = place(session, calling)
    service.open_survey(at, session=session)
    made = campaign.create_campaign(at, "Hallo", actor=staff, session=session)
    session.add(CampaignCaller(campaign_id=made.id, member_id=people["caller"]))
    session.flush()
    held = campaign.claim_next(at, made, people["caller"], session=session)
    assert held is not None
    assert held.id == people["called"]
    session.commit()
    return {
        "draft": draft.id,
        "section": first.id,
        "question": asked.id,
        "open": opened.id,
        "open_question": open_question.id,
        "open_text": open_text.id,
        "calling": calling.id,
        "calling_question": calling_question.id,
        "caller": people["caller"],
        "step": 1,
        "called": people["called"],
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what_with_surveys(client, provider, world, role):
    if role != "anonymous":
        log_in_as(client, provider, role, PEOPLE[role])
    wrong = []
    for entry in TABLE:
        path = entry.path.format(**world)
        if entry.method == "GET":
            response = client.get(path)
        else:
            data = {name.format(**world): value for name, value in (entry.data or {}).items()}
            response = post(client, path, data)
        expected = entry.expected[role]
        if response.status_code != expected:
            wrong.append(
                f"{entry.method} {entry.path}: {response.status_code}, expected {expected}"
            )
        elif role == "anonymous" and not response.headers["location"].startswith("/auth/login"):
            wrong.append(f"{entry.method} {entry.path}: not sent to the login")
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_route_of_surveys():
    """A new survey route must get a row; a row must name a route that exists."""
    routes = {
        (method, normalise(route.path))
        for module in (survey_routes, campaign_routes, results_routes)
        for route in module.routes
        for method in (getattr(route, "methods", None) or ()) - {"HEAD"}
    }
    covered = {(entry.method, normalise(entry.path)) for entry in TABLE}
    assert routes - covered == set()
    assert covered - routes == set()


def normalise(path: str) -> str:
    path = path.split("?")[0].replace("/chapters/lv-nrw/", "/chapters/{}/")
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_row_names_a_thing_of_the_world():
    names = {"draft", "section", "question", "open", "open_question", "open_text", "calling"}
    names |= {"calling_question", "caller", "called", "step"}
    for entry in TABLE:
        used = set(re.findall(r"\{(\w+)\}", entry.path + "".join(entry.data or {})))
        assert used <= names, entry.path
