"""Who may open which page and take which step of the motions feature, as one table.

Each row is a route with the thing it acts on in a status where the action is possible;
the columns are the answers each role gets:

* 200 the page, 303 done (a redirect to the result), 403 not allowed,
* 404 not visible (a draft of someone else, a motion not yet published, another state's
  motion), 409 not possible for this member (proposers cannot support their own motion),
* anonymous visitors are sent to the login (303 to /auth/login).

One test per role: the world is arranged through the services, the role logs in once
at the real provider and walks the whole table. GET rows share the arranged things,
each POST row acts on a thing made for it, so no row depends on another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from plenum.motions import amendments, attachments, forms, resolutions, service
from plenum.motions.models import Amendment, Attachment, Consultation, Motion, Resolution
from plenum.orgs.models import Body
from tests.support.factories import Structure, claims, structure
from tests.support.motions import CALL_FORM as BASE_CALL_FORM
from tests.support.motions import MOTION_TEXT, make_call, motion_input, publish, who
from tests.support.motions import amend as amend_motion
from tests.support.web import enrol, log_in_as, post

ROLES = ("anonymous", "member", "proposer", "board", "staff", "other_state", "federal")
PEOPLE = {
    "member": claims("member", name="Mia Mitglied", number="410001"),
    "proposer": claims("proposer", name="Pia Antrag", number="410002"),
    "board": claims("board", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="410003"),
    "staff": claims("staff", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",)),
    "other_state": claims("other_state", name="Ola Sachsen", chapter="lv-sachsen"),
    "federal": claims("federal", name="Fe Bund", chapter="bund", groups=("bund-geschaeftsstelle",)),
}

CONVENTION = "/bodies/lv-nrw-convention"
AMENDED = MOTION_TEXT.replace("per Video", "per Video und per Telefon")
CALL_FORM = BASE_CALL_FORM | {"title": "Landesparteitag Herbst"}
MOTION_FORM = {
    "title": "Ein Antrag",
    "type": "motion",
    "group_name": "",
    "text": "Der Landesparteitag möge beschließen:\n\nWir treffen uns öfter.",
    "reasons": "",
    "amount": "",
    "cost_centre": "",
    "co_proposers": "",
}
AMENDMENT_FORM = {
    "title": "Auch per Telefon",
    "group_name": "",
    "text": AMENDED,
    "reasons": "",
    "co_proposers": "",
    "lock_version": "0",
    "mode": "",
    "action": "submit",
}


# --- the arranged world --------------------------------------------------------------------


@dataclass
class World:
    """Makes calls, motions, amendments and resolutions in a given status."""

    session: Any
    org: Structure
    people: dict[str, int]
    shared: dict[str, Any] = field(default_factory=dict)
    made: dict[str, Any] = field(default_factory=dict)
    resolutions_made: int = 0

    @property
    def body(self) -> Body:
        return self.org.state_convention

    def principal(self, role: str) -> Any:
        return who(self.session, self.people[role])

    def get(self, name: str, *, fresh: bool) -> Any:
        """The thing called ``name``: a shared one for reading, a fresh one for a step."""
        if fresh or name not in self.shared:
            thing = getattr(self, f"make_{name}")()
            if fresh:
                self.made[name] = thing
                return thing
            self.shared[name] = thing
        return self.shared[name]

    # calls

    def make_call(self) -> Consultation:
        return make_call(self.session, self.body)

    def make_collecting_call(self) -> Consultation:
        return make_call(self.session, self.body, supporters_required=2)

    # motions

    def _draft(self, call: Consultation) -> Motion:
        place = service.call_place(call.id or 0, session=self.session)
        data = motion_input()
        return service.save_draft(
            place, data, principal=self.principal("proposer"), session=self.session
        )

    def _submit(self, call: Consultation) -> Motion:
        motion = self._draft(call)
        place = service.call_place(call.id or 0, session=self.session)
        return service.submit(
            motion, place, principal=self.principal("proposer"), session=self.session
        )

    def _step(self, motion: Motion, name: str, role: str, **values: Any) -> Motion:
        place = service.call_place(motion.consultation_id, session=self.session)
        data = forms.TransitionInput(**values)
        return service.transition(
            motion, place, name, data, principal=self.principal(role), session=self.session
        )

    def make_draft(self) -> Motion:
        return self._draft(self.get("call", fresh=False))

    def make_invited(self) -> Motion:
        """A draft by the proposer that names the member as co-proposer (not confirmed)."""
        place = service.call_place(self.get("call", fresh=False).id or 0, session=self.session)
        data = motion_input(co_proposers=("410001",))
        return service.save_draft(
            place, data, principal=self.principal("proposer"), session=self.session
        )

    def make_invited_amendment(self) -> Amendment:
        """Submitted by the proposer, naming the member as co-proposer."""
        motion = self.get("published", fresh=False)
        at = service.motion_place(motion.id or 0, session=self.session)
        data = forms.AmendmentInput(
            title="Telefon", group_name="", text=AMENDED, reasons="", co_proposers=("410001",)
        )
        return amendments.create_amendment(
            at, data, principal=self.principal("proposer"), session=self.session
        )

    def make_submitted(self) -> Motion:
        return self._submit(self.get("call", fresh=False))

    def make_collecting(self) -> Motion:
        return self._submit(self.get("collecting_call", fresh=False))

    def make_published(self) -> Motion:
        return publish(self.session, self.make_submitted(), self.people["staff"])

    def make_modified(self) -> Motion:
        """Published, with the board's recommendation to adopt it in modified form."""
        motion = self.make_published()
        text = MOTION_TEXT.replace("abends", "abends oder am Wochenende")
        return self._step(
            motion, "recommend", "board", recommendation="adopt_modified", modified_text=text
        )

    def make_mergeable(self) -> Motion:
        """Published, with one adopted amendment waiting to be merged."""
        motion = self.make_published()
        amendment = self._amend(motion)
        self._amendment_step(amendment, "publish", "board")
        self._amendment_step(amendment, "decide", "staff", outcome="adopted")
        self.made["merge_amendment"] = amendment
        return motion

    def make_attachment(self) -> Attachment:
        """A PDF attached to a submitted motion."""
        motion = self.make_submitted()
        place = service.call_place(motion.consultation_id, session=self.session)
        return attachments.add(
            motion,
            place,
            "plan.pdf",
            b"%PDF-1.4\n",
            principal=self.principal("proposer"),
            session=self.session,
        )

    # amendments

    def _amend(self, motion: Motion) -> Amendment:
        return amend_motion(self.session, motion, self.people["proposer"], AMENDED, "Telefon")

    def _amendment_step(self, amendment: Amendment, name: str, role: str, **values: Any) -> None:
        ap = amendments.amendment_place(amendment.id or 0, session=self.session)
        data = forms.TransitionInput(**values)
        amendments.transition(ap, name, data, principal=self.principal(role), session=self.session)

    def make_amendment(self) -> Amendment:
        """Submitted, not yet published."""
        return self._amend(self.get("published", fresh=False))

    def make_published_amendment(self) -> Amendment:
        amendment = self._amend(self.get("published", fresh=False))
        self._amendment_step(amendment, "publish", "board")
        return amendment

    def make_collecting_amendment(self) -> Amendment:
        motion = self.make_collecting()
        place = service.call_place(motion.consultation_id, session=self.session)
        for role in ("member", "board"):
            service.toggle_support(
                motion, place, principal=self.principal(role), session=self.session
            )
        publish(self.session, motion, self.people["staff"])
        return self._amend(motion)

    def make_modified_amendment(self) -> Amendment:
        amendment = self.make_published_amendment()
        text = AMENDED.replace("per Telefon", "per Telefon oder Chat")
        self._amendment_step(
            amendment, "recommend", "board", recommendation="adopt_modified", modified_text=text
        )
        return amendment

    # resolutions

    def make_resolution(self) -> Resolution:
        self.resolutions_made += 1
        number = self.resolutions_made
        return resolutions.import_text(self.body, resolution_document(number), session=self.session)


def resolution_document(number: int) -> str:
    return (
        f"Beschluss 2099/{number}\n\n"
        f"Fahrradständer Nummer {number}\n\n"
        "Beschluss des Landesparteitages vom 1. März 2099\n\n"
        "Der Landesparteitag beschließt, vor der Geschäftsstelle Fahrradständer aufzustellen.\n"
    )


def as_path(thing: Any) -> str:
    if isinstance(thing, Resolution):
        return f"{thing.year}/{thing.sequence}"
    return str(thing.id)


class Things(dict[str, str]):
    """Fills "{published}" in a path with the id of a motion made for the row."""

    def __init__(self, world: World, *, fresh: bool) -> None:
        super().__init__()
        self.world, self.fresh = world, fresh

    def __missing__(self, name: str) -> str:
        return as_path(self.world.get(name, fresh=self.fresh))


# --- the table ------------------------------------------------------------------------------

Data = dict[str, Any] | Callable[[World], Any] | None


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    data: Data
    expected: dict[str, int]

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def row(method: str, path: str, data: Data, *codes: int) -> Row:
    assert len(codes) == len(ROLES), path
    return Row(method, path, data, dict(zip(ROLES, codes, strict=True)))


def merge_form(action: str) -> Callable[[World], list[tuple[str, str]]]:
    def form(world: World) -> list[tuple[str, str]]:
        motion = world.made["mergeable"]
        amendment = world.made["merge_amendment"]
        return [
            ("amendment", str(amendment.id)),
            ("action", action),
            ("text", AMENDED),
            ("expected_version", str(motion.current_version_id)),
        ]

    return form


def seen_version(name: str) -> Callable[[World], dict[str, str]]:
    """The accept form as the page gives it: with the version of what was read."""

    def form(world: World) -> dict[str, str]:
        return {"lock_version": str(world.made[name].lock_version)}

    return form


def bulk_publish(world: World) -> dict[str, str]:
    """Publish a motion submitted to the call the row made (made here, after the path)."""
    call = world.made["call"]
    motion = world._submit(call)
    world.session.commit()
    return {"step": "publish", "selected": f"motion:{motion.id}"}


def import_form(world: World) -> dict[str, str]:
    world.resolutions_made += 1
    return {"document": resolution_document(world.resolutions_made)}


RESOLUTION_FORM = {"title": "Fahrradständer", "topic": "Verkehr", "outcome": "beschlossen"}
RESOLUTION_FORM |= {"responsible": "", "coordinated_with": "", "attachments": ""}

# fmt: off
# columns: anonymous, member, proposer, board member, office staff, other state, federal staff
TABLE = [
    # calls for motions
    row("GET",  CONVENTION + "/calls",                  None,          303, 200, 200, 200, 200, 403, 200),
    row("GET",  CONVENTION + "/calls/new",              None,          303, 403, 403, 403, 200, 403, 200),
    row("POST", CONVENTION + "/calls/new",              CALL_FORM,     303, 403, 403, 403, 303, 403, 303),
    row("GET",  "/calls/{call}",                        None,          303, 200, 200, 200, 200, 403, 200),
    row("GET",  "/calls/{call}/edit",                   None,          303, 403, 403, 403, 200, 403, 200),
    row("POST", "/calls/{call}/edit",                   CALL_FORM,     303, 403, 403, 403, 303, 403, 303),
    row("GET",  "/calls/{call}/motions.csv",            None,          303, 200, 200, 200, 200, 403, 200),
    row("GET",  "/calls/{call}/book.pdf",               None,          303, 200, 200, 200, 200, 403, 200),
    # the management table of a call: its board (screening, recommending, deciding)
    row("GET",  "/calls/{call}/manage",                 None,          303, 403, 403, 200, 200, 403, 200),
    row("POST", "/calls/{call}/manage",                 bulk_publish,  303, 403, 403, 303, 303, 403, 303),
    # writing a motion
    row("GET",  "/calls/{call}/motions/new",            None,          303, 200, 200, 200, 200, 403, 403),
    row("POST", "/calls/{call}/motions/new",            MOTION_FORM | {"action": "preview"},
                                                                       303, 200, 200, 200, 200, 403, 403),
    row("POST", "/calls/{call}/motions/new",            MOTION_FORM | {"action": "draft"},
                                                                       303, 303, 303, 303, 303, 403, 403),
    # reading motions: drafts only for the proposer, unpublished ones also for the board
    row("GET",  "/motions/{draft}",                     None,          303, 404, 200, 404, 404, 404, 404),
    row("GET",  "/motions/{submitted}",                 None,          303, 404, 200, 200, 200, 404, 200),
    row("GET",  "/motions/{collecting}",                None,          303, 200, 200, 200, 200, 404, 200),
    row("GET",  "/motions/{published}",                 None,          303, 200, 200, 200, 200, 404, 200),
    row("GET",  "/motions/{published}/versions",        None,          303, 200, 200, 200, 200, 404, 200),
    row("GET",  "/motions/{draft}/pdf",                 None,          303, 404, 200, 404, 404, 404, 404),
    row("GET",  "/motions/{published}/pdf",             None,          303, 200, 200, 200, 200, 404, 200),
    # a discussion opens for exactly those who see the motion (303 to the thread)
    row("GET",  "/motions/{draft}/discussion",          None,          303, 404, 303, 404, 404, 404, 404),
    row("GET",  "/motions/{published}/discussion",      None,          303, 303, 303, 303, 303, 404, 303),
    # attachments: the proposers add and remove them; who sees the motion downloads them
    row("POST", "/motions/{draft}/attachments",         {},            303, 404, 303, 404, 404, 404, 404),
    row("GET",  "/attachments/{attachment}",            None,          303, 404, 200, 200, 200, 404, 200),
    row("POST", "/attachments/{attachment}/delete",     {},            303, 404, 303, 403, 403, 404, 403),
    # the proposer's own actions
    row("GET",  "/motions/{draft}/edit",                None,          303, 404, 200, 404, 404, 404, 404),
    row("GET",  "/motions/{submitted}/edit",            None,          303, 404, 200, 403, 403, 404, 403),
    row("POST", "/motions/{draft}/edit",                MOTION_FORM | {"action": "draft", "lock_version": "1"},
                                                                       303, 404, 303, 404, 404, 404, 404),
    row("POST", "/motions/{draft}/submit",              {},            303, 404, 303, 404, 404, 404, 404),
    # co-proposers named by someone else confirm (or decline) before they are named
    row("GET",  "/motions/{invited}",                   None,          303, 200, 200, 404, 404, 404, 404),
    row("POST", "/motions/{invited}/invitation",        {"answer": "accept"},
                                                                       303, 303, 409, 404, 404, 404, 404),
    row("POST", "/amendments/{invited_amendment}/invitation", {"answer": "decline"},
                                                                       303, 303, 409, 409, 409, 404, 409),
    row("POST", "/motions/{draft}/delete",              {},            303, 404, 303, 404, 404, 404, 404),
    row("POST", "/motions/{submitted}/delete",          {},            303, 404, 409, 403, 403, 404, 403),
    row("POST", "/motions/{collecting}/support",        {},            303, 303, 409, 303, 303, 404, 403),
    row("POST", "/motions/{published}/steps/withdraw",  {},            303, 403, 303, 403, 403, 404, 403),
    row("POST", "/motions/{modified}/accept",           seen_version("modified"),
                                                                       303, 403, 303, 403, 403, 404, 403),
    # screening and recommending: the chapter's board and office; deciding: the body's office
    row("POST", "/motions/{submitted}/steps/screen",    {},            303, 404, 403, 303, 303, 404, 303),
    row("POST", "/motions/{submitted}/steps/inadmissible", {"note": "Nicht zuständig"},
                                                                       303, 404, 403, 303, 303, 404, 303),
    row("POST", "/motions/{submitted}/steps/publish",   {},            303, 404, 403, 303, 303, 404, 303),
    row("POST", "/motions/{published}/steps/recommend", {"recommendation": "adopt"},
                                                                       303, 403, 403, 303, 303, 404, 303),
    row("POST", "/motions/{published}/steps/decide",    {"outcome": "rejected"},
                                                                       303, 403, 403, 403, 303, 404, 303),
    # merging adopted amendments: the body's office (who must also see the motion)
    row("GET",  "/motions/{mergeable}/merge",           None,          303, 403, 403, 403, 200, 404, 200),
    row("GET",  "/motions/{draft}/merge",               None,          303, 404, 403, 404, 404, 404, 404),
    row("POST", "/motions/{mergeable}/merge",           merge_form("preview"),
                                                                       303, 403, 403, 403, 200, 404, 200),
    row("POST", "/motions/{mergeable}/merge",           merge_form("commit"),
                                                                       303, 403, 403, 403, 303, 404, 303),
    # amendments
    row("GET",  "/motions/{published}/amendments/new",  None,          303, 200, 200, 200, 200, 404, 403),
    row("POST", "/motions/{published}/amendments/new",  AMENDMENT_FORM | {"action": "preview"},
                                                                       303, 200, 200, 200, 200, 404, 403),
    row("POST", "/motions/{published}/amendments/new",  AMENDMENT_FORM,
                                                                       303, 303, 303, 303, 303, 404, 403),
    row("GET",  "/amendments/{amendment}",              None,          303, 404, 200, 200, 200, 404, 200),
    row("GET",  "/amendments/{published_amendment}",    None,          303, 200, 200, 200, 200, 404, 200),
    row("GET",  "/amendments/{amendment}/discussion",   None,          303, 404, 303, 303, 303, 404, 303),
    row("GET",  "/amendments/{published_amendment}/discussion", None,  303, 303, 303, 303, 303, 404, 303),
    row("GET",  "/amendments/{amendment}/edit",         None,          303, 404, 200, 403, 403, 404, 403),
    row("POST", "/amendments/{amendment}/edit",         AMENDMENT_FORM | {"lock_version": "1"},
                                                                       303, 404, 303, 403, 403, 404, 403),
    row("POST", "/amendments/{collecting_amendment}/support", {},      303, 303, 409, 303, 303, 404, 403),
    row("POST", "/amendments/{amendment}/steps/screen", {},            303, 404, 403, 303, 303, 404, 303),
    row("POST", "/amendments/{amendment}/steps/inadmissible", {"note": "Nicht zuständig"},
                                                                       303, 404, 403, 303, 303, 404, 303),
    row("POST", "/amendments/{amendment}/steps/publish", {},           303, 404, 403, 303, 303, 404, 303),
    row("POST", "/amendments/{published_amendment}/steps/recommend", {"recommendation": "adopt"},
                                                                       303, 403, 403, 303, 303, 404, 303),
    row("POST", "/amendments/{published_amendment}/steps/decide", {"outcome": "adopted"},
                                                                       303, 403, 403, 403, 303, 404, 303),
    row("POST", "/amendments/{published_amendment}/steps/withdraw", {},
                                                                       303, 403, 303, 403, 403, 404, 403),
    row("POST", "/amendments/{modified_amendment}/accept", seen_version("modified_amendment"),
                                                                       303, 403, 303, 403, 403, 404, 403),
    # resolutions of a body whose resolutions are not public
    row("GET",  CONVENTION + "/resolutions",            None,          303, 200, 200, 200, 200, 404, 200),
    row("GET",  CONVENTION + "/resolutions/{resolution}", None,        303, 200, 200, 200, 200, 404, 200),
    row("GET",  CONVENTION + "/resolutions/import",     None,          303, 403, 403, 403, 200, 403, 200),
    row("POST", CONVENTION + "/resolutions/import",     import_form,   303, 403, 403, 403, 303, 403, 303),
    row("GET",  CONVENTION + "/resolutions/{resolution}/edit", None,   303, 403, 403, 403, 200, 403, 200),
    row("POST", CONVENTION + "/resolutions/{resolution}/edit", RESOLUTION_FORM,
                                                                       303, 403, 403, 403, 303, 403, 303),
    # notifications
    row("GET",  "/notifications",                       None,          303, 200, 200, 200, 200, 200, 200),
    row("POST", "/notifications/read",                  {},            303, 303, 303, 303, 303, 303, 303),
]
# fmt: on


@pytest.fixture
def world(session, settings) -> World:
    org = structure(session)
    people = {role: enrol(session, settings, role, PEOPLE[role]) for role in PEOPLE}
    return World(session, org, people)


def walk(client, world: World, role: str) -> list[str]:
    """Every row as this role; the rows whose answer differs from the table."""
    wrong = []
    for entry in TABLE:
        world.made.clear()
        fresh = entry.method == "POST"
        path = entry.path.format_map(Things(world, fresh=fresh))
        if entry.method == "GET":
            response = client.get(path)
        else:
            data = entry.data(world) if callable(entry.data) else entry.data
            response = post(client, path, data)
        expected = entry.expected[role]
        if response.status_code != expected:
            wrong.append(f"{entry.name}: {response.status_code}, expected {expected}")
        elif role == "anonymous":
            location = response.headers["location"]
            if not location.startswith("/auth/login?next="):
                wrong.append(f"{entry.name}: sent to {location}, not to the login")
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what_with_motions(client, provider, world, role):
    if role != "anonymous":
        log_in_as(client, provider, role, PEOPLE[role])
    wrong = walk(client, world, role)
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_route_of_the_feature(app):
    """A new route of the feature must get a row (or be named here as covered elsewhere)."""
    feature = ("/bodies/{key}/calls", "/calls/", "/motions/", "/amendments/", "/resolutions")
    feature += ("/attachments/",)
    paths = {
        (method, route.path)
        for route in app.routes
        if any(part in getattr(route, "path", "") for part in feature)
        # a survey's phone calls are another feature, with their own table
        and not getattr(route, "path", "").startswith("/surveys/")
        for method in (route.methods or ()) - {"HEAD"}
    }
    paths |= {("GET", "/notifications"), ("POST", "/notifications/read")}
    covered = {(entry.method, normalise(entry.path)) for entry in TABLE}
    assert {(m, normalise(p)) for m, p in paths} - covered == set()


def normalise(path: str) -> str:
    """A route pattern or a table path in one shape: every "{...}" becomes "{}"."""
    path = path.replace("/bodies/lv-nrw-convention", "/bodies/{}")
    path = re.sub(r"\{[^}]*\}", "{}", path)
    path = path.replace("{}/{}", "{}")  # a resolution's year/sequence is one thing in the table
    return path.replace("/steps/screen", "/steps/{}").replace("/steps/publish", "/steps/{}")
