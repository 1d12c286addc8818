"""Who may open which page and take which step of votes, and who may cast a ballot.

Part one is a table of every vote route × role, as for motions
(``test_motion_permissions.py``): 200 the page, 303 done (or, for the logged-out, sent to
the login), 403 visible but not allowed, 404 not visible (a board's internal vote, a
draft, another state's vote), 409 not possible for this member (not on the roll). For
every step that changes something the table also knows whether it took effect: a
measure read before and after the request must change exactly when the role gets the
success answer, so a 303 that only redirects back with a message does not pass for done.

Part two is the eligibility check at casting, also as a table: kinds of vote × the
situation of the member, each with the ``roll.standing`` the server computes and the
answer of POST /votes/{id}/cast (and whether a ballot was written).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlmodel import func, select

from plenum.votes import roll
from plenum.votes import routes as vote_routes
from plenum.votes.models import Ballot, SubstituteSeat, Vote, VoteCast, VoteLog
from tests.support.factories import Structure, claims, structure
from tests.support.votes import (
    VOTE_FORM,
    close,
    make_vote,
    open_vote,
    option_ids,
    present,
    publish,
)
from tests.support.votes import cast as cast_ballot
from tests.support.web import english, enrol, log_in_as, page, post, text

ROLES = ("anonymous", "staff", "chair", "board", "delegate", "member", "other_state")
PEOPLE = {
    "staff": claims(
        "staff", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="620001"
    ),
    "chair": claims("chair", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="620002"),
    "board": claims("board", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="620003"),
    "delegate": claims(
        "delegate", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="620004"
    ),
    "member": claims("member", name="Mia Mitglied", number="620005"),
    "other_state": claims("other_state", name="Sam Sachsen", chapter="lv-sachsen", number="620006"),
    # not a column: the substitute the seats row seats for the delegate
    "substitute": claims(
        "substitute", name="Ella Ersatz", groups=("lv-nrw-ersatz",), number="620007"
    ),
}

BOARD = "/bodies/lv-nrw-board"
CONVENTION = "/bodies/lv-nrw-convention"
CHAPTER = "/chapters/lv-nrw"
LATER = "2099-01-01T12:00"
SURVEY_FORM = VOTE_FORM | {
    "title": "Sommerfest",
    "kind": "survey",
    "method": "choice",
    "options": "Im Juli\nIm August",
    "closes_at": LATER,
}


# --- the arranged world --------------------------------------------------------------------


@dataclass
class World:
    """Makes votes of the state board, the convention and the state in a given status."""

    session: Any
    org: Structure
    people: dict[str, int]
    shared: dict[str, Any] = field(default_factory=dict)
    made: dict[str, Any] = field(default_factory=dict)

    @property
    def staff(self) -> int:
        return self.people["staff"]

    def get(self, name: str, *, fresh: bool) -> Any:
        if fresh or name not in self.shared:
            thing = getattr(self, f"make_{name}")()
            if fresh:
                self.made[name] = thing
                return thing
            self.shared[name] = thing
        return self.shared[name]

    def fresh_view(self) -> None:
        """Forget what the test's session read: the app has written since."""
        self.session.commit()
        self.session.expire_all()

    def reset(self) -> None:
        """Undo what the attendance rows changed: the delegate present in their own seat."""
        self.fresh_view()
        convention = self.org.state_convention
        for seat in self.session.exec(select(SubstituteSeat)).all():
            roll.release_seat(
                convention, seat.substitute_id, actor=self.staff, session=self.session
            )
        if not roll.is_present(convention.id, self.people["delegate"], session=self.session):
            present(self.session, convention, self.staff, self.people["delegate"])

    def _vote(self, body: Any, **fields: str) -> Vote:
        return make_vote(self.session, self.org.state, body, self.staff, **fields)

    # the state board: internal to the board
    def make_board_draft(self) -> Vote:
        return self._vote(self.org.state_board)

    def make_board_open(self) -> Vote:
        vote = self._vote(self.org.state_board, kind="written", closes_at=LATER)
        return open_vote(self.session, vote, self.staff)

    def make_board_closed(self) -> Vote:
        vote = self.make_board_open()
        cast_ballot(self.session, vote, self.people["chair"], ["yes"])
        return close(self.session, vote, self.staff)

    # the convention: its votes are for all members of the state
    def make_convention_draft(self) -> Vote:
        return self._vote(self.org.state_convention)

    def make_convention_open(self) -> Vote:
        return open_vote(self.session, self.make_convention_draft(), self.staff)

    def make_convention_closed(self) -> Vote:
        vote = self.make_convention_open()
        cast_ballot(self.session, vote, self.people["delegate"], ["no"])
        return close(self.session, vote, self.staff)

    def make_election_published(self) -> Vote:
        """An election with the quota whose women's seat is filled: next, the open seats."""
        vote = self._vote(
            self.org.state_convention,
            title="Wahl des Landesvorstands",
            method="election",
            mode="secret",
            election_of="board",
            seats="2",
            quota="1",
            women="Anna",
            options="Carl",
        )
        open_vote(self.session, vote, self.staff)
        cast_ballot(self.session, vote, self.people["delegate"], ["Anna"])
        close(self.session, vote, self.staff)
        return publish(self.session, vote, self.staff)

    # a survey of the state's members
    def make_survey_draft(self) -> Vote:
        return make_vote(self.session, self.org.state, None, self.staff, **SURVEY_FORM)

    def make_survey_open(self) -> Vote:
        return open_vote(self.session, self.make_survey_draft(), self.staff)

    def make_survey_published(self) -> Vote:
        vote = self.make_survey_open()
        cast_ballot(self.session, vote, self.people["member"], ["Im Juli"])
        close(self.session, vote, self.staff)
        return publish(self.session, vote, self.staff)

    # measures
    def vote(self, name: str) -> Vote | None:
        identity = inspect(self.made[name]).identity  # read without loading: it may be gone
        return self.session.get(Vote, identity[0]) if identity else None

    def count(self, model: Any, *where: Any) -> int:
        return int(self.session.exec(select(func.count()).select_from(model).where(*where)).one())


class Things(dict[str, str]):
    """Fills "{board_open}" in a path with the id of a vote made for the row."""

    def __init__(self, world: World, *, fresh: bool) -> None:
        super().__init__()
        self.world, self.fresh = world, fresh

    def __missing__(self, name: str) -> str:
        return str(self.world.get(name, fresh=self.fresh).id)


# --- the table ------------------------------------------------------------------------------

Data = dict[str, Any] | Callable[[World], Any] | None
Measure = Callable[[World], Any]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    data: Data
    expected: dict[str, int]
    measure: Measure | None
    changes: bool  # a step; not a search that only reads

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def success(self) -> int:
        """The answer of a step that was taken: the receipt page, else a redirect."""
        return 200 if self.path.endswith(("/cast", "/review")) else 303


def row(
    method: str,
    path: str,
    data: Data,
    *codes: int,
    measure: Measure | None = None,
    changes: bool = True,
) -> Row:
    assert len(codes) == len(ROLES), path
    assert (method == "POST") == (measure is not None), path
    return Row(method, path, data, dict(zip(ROLES, codes, strict=True)), measure, changes)


def choose(name: str, label: str) -> Callable[[World], dict[str, str]]:
    """A ballot marking ``label`` on the vote made for the row."""

    def form(world: World) -> dict[str, str]:
        return {"choice": str(option_ids(world.session, world.made[name])[label])}

    return form


def presence_form(world: World) -> dict[str, str]:
    return {"member_id": str(world.people["delegate"]), "present": "0"}


def seat_form(world: World) -> dict[str, str]:
    delegate, substitute = world.people["delegate"], world.people["substitute"]
    return {"delegate_id": str(delegate), "substitute_id": str(substitute), "action": "seat"}


def status_of(name: str) -> Measure:
    return lambda w: (found := w.vote(name)) and found.status


def title_of(name: str) -> Measure:
    return lambda w: (found := w.vote(name)) and found.title


def ballots_of(name: str) -> Measure:
    return lambda w: (
        w.count(Ballot, Ballot.vote_id == w.made[name].id),
        w.count(VoteCast, VoteCast.vote_id == w.made[name].id),
    )


def recounts_of(name: str) -> Measure:
    return lambda w: w.count(
        VoteLog, VoteLog.vote_id == w.made[name].id, VoteLog.action == "recounted"
    )


def all_votes(world: World) -> int:
    return world.count(Vote)


def delegate_present(world: World) -> bool:
    return roll.is_present(
        world.org.state_convention.id, world.people["delegate"], session=world.session
    )


def seats_taken(world: World) -> int:
    return world.count(SubstituteSeat)


EDIT_FORM = VOTE_FORM | {"title": "Zuschuss, geändert"}

# fmt: off
# columns: anonymous, office staff, chair of the board, board member, delegate, member, other state
TABLE = [
    # lists: a board's votes are internal to the board, the convention's and the chapter's
    # are for the state's members
    row("GET",  BOARD + "/votes",                    None,         303, 200, 200, 200, 403, 403, 403),
    row("GET",  CONVENTION + "/votes",               None,         303, 200, 200, 200, 200, 200, 403),
    row("GET",  CHAPTER + "/votes",                  None,         303, 200, 200, 200, 200, 200, 403),
    # setting up: a body's chair and the office staff; member votes only the office staff
    row("GET",  BOARD + "/votes/new",                None,         303, 200, 200, 403, 403, 403, 403),
    row("GET",  CONVENTION + "/votes/new",           None,         303, 200, 403, 403, 403, 403, 403),
    row("GET",  CHAPTER + "/votes/new",              None,         303, 200, 403, 403, 403, 403, 403),
    row("POST", BOARD + "/votes",                    VOTE_FORM,    303, 303, 303, 403, 403, 403, 403,
        measure=all_votes),
    row("POST", CONVENTION + "/votes",               VOTE_FORM,    303, 303, 403, 403, 403, 403, 403,
        measure=all_votes),
    row("POST", CHAPTER + "/votes",                  SURVEY_FORM,  303, 303, 403, 403, 403, 403, 403,
        measure=all_votes),
    # attendance and substitutes: who runs the body's votes
    row("GET",  BOARD + "/attendance",               None,         303, 200, 200, 403, 403, 403, 403),
    row("GET",  CONVENTION + "/attendance",          None,         303, 200, 403, 403, 403, 403, 403),
    row("POST", CONVENTION + "/attendance",          presence_form,
                                                                   303, 303, 403, 403, 403, 403, 403,
        measure=delegate_present),
    row("POST", CONVENTION + "/seats",               seat_form,    303, 303, 403, 403, 403, 403, 403,
        measure=seats_taken),
    # one vote: drafts only for who runs them; anyone on the roll sees the vote
    row("GET",  "/votes/{board_open}",               None,         303, 200, 200, 200, 404, 404, 404),
    row("GET",  "/votes/{convention_open}",          None,         303, 200, 200, 200, 200, 200, 404),
    row("GET",  "/votes/{survey_open}",              None,         303, 200, 200, 200, 200, 200, 404),
    row("GET",  "/votes/{board_open}/turnout",       None,         303, 200, 200, 200, 404, 404, 404),
    row("GET",  "/votes/{convention_open}/turnout",  None,         303, 200, 200, 200, 200, 200, 404),
    row("GET",  "/votes/{board_draft}",              None,         303, 200, 200, 404, 404, 404, 404),
    row("GET",  "/votes/{convention_draft}",         None,         303, 200, 404, 404, 404, 404, 404),
    row("GET",  "/votes/{survey_draft}",             None,         303, 200, 404, 404, 404, 404, 404),
    row("GET",  "/votes/{board_draft}/edit",         None,         303, 200, 200, 404, 404, 404, 404),
    row("GET",  "/votes/{convention_open}/edit",     None,         303, 200, 403, 403, 403, 403, 404),
    row("GET",  "/votes/{survey_draft}/edit",        None,         303, 200, 404, 404, 404, 404, 404),
    row("POST", "/votes/{board_draft}/edit",         EDIT_FORM,    303, 303, 303, 404, 404, 404, 404,
        measure=title_of("board_draft")),
    row("POST", "/votes/{survey_draft}/edit",        SURVEY_FORM | {"title": "Winterfest"},
                                                                   303, 303, 404, 404, 404, 404, 404,
        measure=title_of("survey_draft")),
    # casting: who is on the roll (the board; the convention's present delegate; the state's
    # members); who sees the vote but is not on its roll gets 409
    row("POST", "/votes/{board_open}/cast",          choose("board_open", "yes"),
                                                                   303, 409, 200, 200, 404, 404, 404,
        measure=ballots_of("board_open")),
    row("POST", "/votes/{convention_open}/cast",     choose("convention_open", "yes"),
                                                                   303, 409, 409, 409, 200, 409, 404,
        measure=ballots_of("convention_open")),
    row("POST", "/votes/{survey_open}/cast",         choose("survey_open", "Im August"),
                                                                   303, 200, 200, 200, 200, 200, 404,
        measure=ballots_of("survey_open")),
    row("POST", "/votes/{board_draft}/cast",         choose("board_draft", "yes"),
                                                                   303, 409, 409, 404, 404, 404, 404,
        measure=ballots_of("board_draft")),
    # checking a ballot before casting: the same answers as casting, and nothing is written
    row("POST", "/votes/{board_open}/review",        choose("board_open", "yes"),
                                                                   303, 409, 200, 200, 404, 404, 404,
        measure=ballots_of("board_open"), changes=False),
    row("POST", "/votes/{convention_open}/review",   choose("convention_open", "yes"),
                                                                   303, 409, 409, 409, 200, 409, 404,
        measure=ballots_of("convention_open"), changes=False),
    row("POST", "/votes/{board_draft}/review",       choose("board_draft", "yes"),
                                                                   303, 409, 409, 404, 404, 404, 404,
        measure=ballots_of("board_draft"), changes=False),
    # ballots: the trackers once the vote is closed, for who sees the vote; the ballots'
    # contents once the result is published (before, for who runs the vote)
    row("GET",  "/votes/{board_closed}/ballots",     None,         303, 200, 200, 200, 404, 404, 404),
    row("GET",  "/votes/{board_open}/ballots",       None,         303, 404, 404, 404, 404, 404, 404),
    row("GET",  "/votes/{survey_published}/ballots", None,         303, 200, 200, 200, 200, 200, 404),
    row("POST", "/votes/{survey_published}/ballots", {"tracker": "0123456789abcdef0123"},
                                                                   303, 200, 200, 200, 200, 200, 404,
        measure=lambda w: w.count(Ballot), changes=False),
    row("POST", "/votes/{board_open}/ballots",       {"tracker": "0123456789abcdef0123"},
                                                                   303, 404, 404, 404, 404, 404, 404,
        measure=lambda w: w.count(Ballot), changes=False),
    row("GET",  "/votes/{board_closed}/ballots.csv", None,         303, 200, 200, 404, 404, 404, 404),
    row("GET",  "/votes/{survey_draft}/ballots.csv", None,         303, 404, 404, 404, 404, 404, 404),
    row("GET",  "/votes/{survey_published}/ballots.csv", None,     303, 200, 200, 200, 200, 200, 404),
    # running a vote
    row("POST", "/votes/{board_draft}/open",         {},           303, 303, 303, 404, 404, 404, 404,
        measure=status_of("board_draft")),
    row("POST", "/votes/{convention_draft}/open",    {},           303, 303, 404, 404, 404, 404, 404,
        measure=status_of("convention_draft")),
    row("POST", "/votes/{survey_draft}/open",        {},           303, 303, 404, 404, 404, 404, 404,
        measure=status_of("survey_draft")),
    row("POST", "/votes/{board_open}/close",         {},           303, 303, 303, 403, 404, 404, 404,
        measure=status_of("board_open")),
    row("POST", "/votes/{convention_open}/close",    {},           303, 303, 403, 403, 403, 403, 404,
        measure=status_of("convention_open")),
    row("POST", "/votes/{survey_open}/close",        {},           303, 303, 403, 403, 403, 403, 404,
        measure=status_of("survey_open")),
    row("POST", "/votes/{board_closed}/publish",     {},           303, 303, 303, 403, 404, 404, 404,
        measure=status_of("board_closed")),
    row("POST", "/votes/{convention_closed}/publish", {},          303, 303, 403, 403, 403, 403, 404,
        measure=status_of("convention_closed")),
    row("POST", "/votes/{board_closed}/recount",     {},           303, 303, 303, 403, 404, 404, 404,
        measure=recounts_of("board_closed")),
    row("POST", "/votes/{election_published}/next",  {},           303, 303, 403, 403, 403, 403, 404,
        measure=all_votes),
    row("POST", "/votes/{board_draft}/delete",       {},           303, 303, 303, 404, 404, 404, 404,
        measure=status_of("board_draft")),
    row("POST", "/votes/{survey_draft}/delete",      {},           303, 303, 404, 404, 404, 404, 404,
        measure=status_of("survey_draft")),
]
# fmt: on


# Rows whose answer differs from the table for a bug outside this test's reach, with the
# bug. The walk checks every other row; a role that meets a known bug ends as xfail.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


@pytest.fixture
def world(session, settings) -> World:
    org = structure(session)
    people = {role: enrol(session, settings, role, PEOPLE[role]) for role in PEOPLE}
    made = World(session, org, people)
    present(session, org.state_convention, people["staff"], people["delegate"])
    return made


def request(client, method: str, path: str, data: Any) -> tuple[int | str, Any]:
    """The answer's status, or what the app raised (the test client re-raises)."""
    try:
        response = client.get(path) if method == "GET" else post(client, path, data)
    except Exception as exc:  # reported as the row's answer
        return f"raised {type(exc).__name__}", None
    return response.status_code, response


def walk(client, world: World, role: str) -> tuple[list[str], list[str]]:
    """Every row as this role; the rows whose answer (or effect) differs from the table,
    and the rows that differ because of a known bug."""
    wrong: list[str] = []
    known: list[str] = []
    for entry in TABLE:
        world.made.clear()
        fresh = entry.method == "POST"
        path = entry.path.format_map(Things(world, fresh=fresh))
        expected = entry.expected[role]
        found: list[str] = []
        if entry.method == "GET":
            status, response = request(client, "GET", path, None)
        else:
            data = entry.data(world) if callable(entry.data) else entry.data
            assert entry.measure is not None
            world.fresh_view()
            before = entry.measure(world)
            status, response = request(client, "POST", path, data)
            world.fresh_view()
            after = entry.measure(world)
            should = entry.changes and role != "anonymous" and expected == entry.success
            if (before != after) != should:
                found.append(f"{entry.name}: {before!r} → {after!r}, expected a change: {should}")
            world.reset()
        if status != expected:
            found.append(f"{entry.name}: {status}, expected {expected}")
        elif role == "anonymous":
            location = response.headers["location"]
            if not location.startswith("/auth/login?next="):
                found.append(f"{entry.name}: sent to {location}, not to the login")
        bug = KNOWN_BUGS.get((entry.method, entry.path))
        if bug and found:
            known.extend(f"{line} (known bug: {bug})" for line in found)
        else:
            wrong.extend(found)
    return wrong, known


@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what_with_votes(client, provider, world, role):
    if role != "anonymous":
        log_in_as(client, provider, role, PEOPLE[role])
    wrong, known = walk(client, world, role)
    assert not wrong, "\n".join(wrong)
    if known:
        pytest.xfail("\n".join(known))


def test_the_table_covers_every_route_of_votes():
    """A new route of votes must get a row; a row must name a route that exists."""
    routes = {
        (method, normalise(route.path))
        for route in vote_routes.routes
        for method in (route.methods or ()) - {"HEAD"}
    }
    covered = {(entry.method, normalise(entry.path)) for entry in TABLE}
    assert routes - covered == set()
    assert covered - routes == set()


def normalise(path: str) -> str:
    """A route pattern or a table path in one shape: every key and "{...}" becomes "{}"."""
    for known in (BOARD, CONVENTION):
        path = path.replace(known, "/bodies/{}")
    path = path.replace(CHAPTER + "/", "/chapters/{}/")
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_unsafe_steps_are_refused_without_the_form_token(client, provider, world):
    log_in_as(client, provider, "staff", PEOPLE["staff"])
    vote = world.make_board_open()
    refused = client.post(f"/votes/{vote.id}/close", data={})
    assert refused.status_code == 403
    forged = client.post(f"/votes/{vote.id}/close", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    world.fresh_view()
    assert world.session.get(Vote, vote.id).status == "open"
    done = post(client, f"/votes/{vote.id}/close", {})
    assert done.status_code == 303
    world.fresh_view()
    assert world.session.get(Vote, vote.id).status == "closed"


# --- eligibility at casting -----------------------------------------------------------------

VOTERS = {
    "dana": claims("dana", name="Dana Da", groups=("lv-nrw-delegiert",), number="630001"),
    "dora": claims("dora", name="Dora Doppelt", groups=("lv-nrw-delegiert",), number="630002"),
    "dirk": claims("dirk", name="Dirk Fehlt", groups=("lv-nrw-delegiert",), number="630003"),
    "didi": claims("didi", name="Didi Vertreten", groups=("lv-nrw-delegiert",), number="630004"),
    "ella": claims("ella", name="Ella Ersatz", groups=("lv-nrw-ersatz",), number="630005"),
    "mia": claims("mia", name="Mia Mitglied", number="630006"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="630007"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="630008"
    ),
}
# joins the state and becomes a delegate after the votes opened
LATE = claims("late", name="Lea Spät", groups=("lv-nrw-delegiert",), number="630009")

MAY, OPEN, ROLL, PRESENT, VOTED = (
    roll.Standing.MAY_VOTE,
    roll.Standing.NOT_OPEN,
    roll.Standing.NOT_ON_ROLL,
    roll.Standing.NOT_PRESENT,
    roll.Standing.HAS_VOTED,
)
KINDS = ("meeting", "written", "survey", "member_ballot")

# situation: who casts, on which vote, and the expected (standing, answer) per kind
# fmt: off
ELIGIBILITY = {
    # situation                                   person  vote      meeting         written         survey          member_ballot
    "on the roll, present":                      ("dana", "main",  (MAY, 200),     (MAY, 200),     (MAY, 200),     (MAY, 200)),
    "on the roll, absent":                       ("dirk", "main",  (PRESENT, 409), (MAY, 200),     (MAY, 200),     (MAY, 200)),
    "a member, not a delegate":                  ("mia",  "main",  (ROLL, 409),    (ROLL, 409),    (MAY, 200),     (MAY, 200)),
    "substitute seated for an absent delegate":  ("ella", "main",  (MAY, 200),     (ROLL, 409),    (MAY, 200),     (MAY, 200)),
    "the delegate after the substitute sat":     ("didi", "main",  (ROLL, 409),    (MAY, 200),     (MAY, 200),     (MAY, 200)),
    "has voted already":                         ("dora", "main",  (VOTED, 409),   (VOTED, 409),   (VOTED, 409),   (VOTED, 409)),
    "joined after the vote opened":              ("late", "main",  (ROLL, 409),    (ROLL, 409),    (ROLL, 409),    (ROLL, 409)),
    "of another state (cannot see the vote)":    ("sam",  "main",  (ROLL, 404),    (ROLL, 404),    (ROLL, 404),    (ROLL, 404)),
    "the vote is not open yet":                  ("dana", "later", (OPEN, 409),    (OPEN, 409),    (OPEN, 409),    (OPEN, 409)),
    "the vote is closed":                        ("dana", "closed", (OPEN, 409),   (OPEN, 409),    (OPEN, 409),    (OPEN, 409)),
}
# fmt: on


@dataclass
class Casting:
    """A convention (or the state) with delegates present and absent, a substitute seated
    for an absent delegate, and three votes of one kind: open, open later, closed."""

    session: Any
    settings: Any
    org: Structure
    kind: str
    people: dict[str, int]
    votes: dict[str, Vote] = field(default_factory=dict)

    def set_up(self) -> None:
        p, convention = self.people, self.org.state_convention
        present(self.session, convention, p["gina"], p["dana"], p["dora"], p["didi"])
        roll.set_presence(convention, p["dirk"], False, actor=p["gina"], session=self.session)
        roll.seat_substitute(
            convention, p["didi"], p["ella"], actor=p["gina"], session=self.session
        )
        present(self.session, convention, p["gina"], p["ella"])
        body = convention if self.kind in ("meeting", "written") else None
        fields = {"kind": self.kind, "closes_at": LATER}
        self.votes["main"] = self._open(body, **fields)
        self.votes["later"] = self._open(body, **fields, opens_at="2098-12-31T12:00")
        self.votes["closed"] = self._open(body, **fields)
        close(self.session, self.votes["closed"], p["gina"])
        cast_ballot(self.session, self.votes["main"], p["dora"], ["yes"])
        # after the roll was frozen: a new member of the state, and delegate of the convention
        p["late"] = enrol(self.session, self.settings, "late", LATE)
        present(self.session, convention, p["gina"], p["late"])

    def _open(self, body: Any, **fields: str) -> Vote:
        vote = make_vote(self.session, self.org.state, body, self.people["gina"], **fields)
        return open_vote(self.session, vote, self.people["gina"])

    def written(self, vote: Vote) -> tuple[int, int]:
        """Ballots and "has voted" rows of the vote."""
        self.session.commit()
        self.session.expire_all()
        ballots = select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id)
        casts = select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote.id)
        return int(self.session.exec(ballots).one()), int(self.session.exec(casts).one())


@pytest.fixture
def casting_world(request, session, settings) -> Casting:
    org = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in VOTERS.items()}
    made = Casting(session, settings, org, request.param, people)
    made.set_up()
    return made


@pytest.mark.parametrize("casting_world", KINDS, indirect=True)
def test_eligibility_is_checked_at_casting(client, provider, casting_world):
    world, kind = casting_world, casting_world.kind
    column = 2 + KINDS.index(kind)
    wrong = []
    current = ""
    by_person = sorted(ELIGIBILITY.items(), key=lambda item: item[1][0])
    for situation, entry in by_person:
        person, which = entry[0], entry[1]
        standing, status = entry[column]
        vote = world.votes[which]
        member_id = world.people[person]
        world.session.commit()
        world.session.expire_all()
        found = roll.standing(world.session.get(Vote, vote.id), member_id, session=world.session)
        if found != standing:
            wrong.append(f"{situation}: standing {found}, expected {standing}")
        if person != current:
            english(log_in_as(client, provider, person, {**VOTERS, "late": LATE}[person]))
            current = person
        yes = option_ids(world.session, vote)["yes"]
        before = world.written(vote)
        response = post(client, f"/votes/{vote.id}/cast", {"choice": str(yes)})
        after = world.written(vote)
        if response.status_code != status:
            wrong.append(f"{situation}: {response.status_code}, expected {status}")
        added = (after[0] - before[0], after[1] - before[1])
        if added != ((1, 1) if status == 200 else (0, 0)):
            wrong.append(f"{situation}: ballots and casts written {added}")
        shown = page(response)
        if status == 200:
            heading = text(shown.select_one("#ballot h2") or shown)
            if heading != "Your ballot has been cast":
                wrong.append(f"{situation}: receipt says {heading!r}")
        elif status == 409 and which != "closed":
            error = shown.select_one("#choice-error")
            message = roll.STANDING_MESSAGES[standing]
            if error is None or text(error) != message:
                wrong.append(f"{situation}: message {error and text(error)!r}, not {message!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("casting_world", ["written"], indirect=True)
def test_a_second_ballot_through_the_form_is_refused(client, provider, casting_world):
    """The first ballot of a member through HTTP is taken; the second one is not."""
    world = casting_world
    vote = world.votes["main"]
    english(log_in_as(client, provider, "dana", VOTERS["dana"]))
    ids = option_ids(world.session, vote)
    assert post(client, f"/votes/{vote.id}/cast", {"choice": str(ids["yes"])}).status_code == 200
    again = post(client, f"/votes/{vote.id}/cast", {"choice": str(ids["no"])})
    assert again.status_code == 409
    assert text(page(again).select_one("#choice-error")) == roll.STANDING_MESSAGES[VOTED]
    assert world.written(vote) == (2, 2)  # dora's and dana's first
    shown = page(client.get(f"/votes/{vote.id}"))
    assert text(shown.select_one("#standing")) == roll.STANDING_MESSAGES[VOTED]
    assert shown.select_one("#ballot form") is None


@pytest.mark.parametrize("casting_world", ["survey"], indirect=True)
def test_the_roll_is_frozen_when_the_vote_opens(casting_world):
    """Members who join after the vote opened are not on its roll; a vote opened after
    they joined has them."""
    world = casting_world
    p = world.people
    main = world.votes["main"]
    assert roll.standing(main, p["late"], session=world.session) == ROLL
    assert roll.standing(main, p["mia"], session=world.session) == MAY
    later = make_vote(
        world.session, world.org.state, None, p["gina"], kind="survey", closes_at=LATER
    )
    open_vote(world.session, later, p["gina"])
    assert roll.standing(later, p["late"], session=world.session) == MAY
    assert later.roll_size == main.roll_size + 1


@pytest.mark.parametrize("casting_world", ["meeting"], indirect=True)
def test_the_convention_roll_is_frozen_with_the_seats_as_they_were(casting_world):
    """The roll of an open meeting vote stays as it was frozen: the delegate who comes
    back is not on it, the substitute who gave the seat back is on it but no longer
    present, and a delegate who joined later is not on it."""
    world = casting_world
    p, convention = world.people, world.org.state_convention
    main = world.votes["main"]
    roll.release_seat(convention, p["ella"], actor=p["gina"], session=world.session)
    present(world.session, convention, p["gina"], p["didi"])
    assert roll.standing(main, p["didi"], session=world.session) == ROLL
    assert roll.standing(main, p["ella"], session=world.session) == PRESENT
    assert roll.standing(main, p["late"], session=world.session) == ROLL


@pytest.mark.parametrize("casting_world", ["written"], indirect=True)
def test_a_ballot_for_a_closed_vote_says_why(client, provider, casting_world):
    world = casting_world
    vote = world.votes["closed"]
    english(log_in_as(client, provider, "dana", VOTERS["dana"]))
    yes = option_ids(world.session, vote)["yes"]
    response = post(client, f"/votes/{vote.id}/cast", {"choice": str(yes)})
    assert response.status_code == 409
    assert roll.STANDING_MESSAGES[OPEN] in text(page(response))
