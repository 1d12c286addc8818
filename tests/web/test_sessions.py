"""Sessions end on the server: a copied cookie is worth nothing after logout.

Each test copies the session cookie of a logged-in member into a second client, as a
thief would, then ends the session (logout, "log out everywhere", office staff, the
operator, removal from the party) and replays the cookie: it must be logged out, also
for casting a ballot, also on another app instance sharing the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete, event
from sqlmodel import func, select
from starlette.testclient import TestClient

from plenum.app import create_app
from plenum.auth import sessions
from plenum.auth.models import MemberSession
from plenum.cli import main
from plenum.orgs.models import BodyRole, Member
from plenum.votes import casting
from plenum.votes.models import Ballot, VoteCast
from plenum.web.session import COOKIE_NAME
from tests.support.factories import claims, structure
from tests.support.oidc import login
from tests.support.votes import make_vote, open_vote, option_ids, present
from tests.support.web import enrol, log_in_as, page, post, text, token

PEOPLE = {
    "vera": claims("vera", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="710001"),
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="710002"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="710003"
    ),
    "mia": claims("mia", name="Mia Mitglied", number="710004"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", groups=(), number="710005"),
}
HTMX = {"HX-Request": "true", "HX-Target": "ballot"}


@pytest.fixture
def org(session):
    return structure(session)


@contextmanager
def another_client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        yield other


class Thief:
    """Another browser sending a copied session cookie, and the CSRF token read with
    it, exactly as copied at every request (whatever the server answers to set)."""

    def __init__(self, client: TestClient, victim: TestClient) -> None:
        self.client, self.csrf = client, token(victim)
        self.cookie = victim.cookies[COOKIE_NAME]

    def _sending(self) -> TestClient:
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE_NAME, self.cookie)
        return self.client

    def get(self, path: str) -> Any:
        return self._sending().get(path)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        return self._sending().post(path, data={**data, "csrf_token": self.csrf}, **kwargs)

    def sees(self) -> str | None:
        return who_is_logged_in(self._sending())


def who_is_logged_in(client: TestClient) -> str | None:
    """The name in the page header, or None when the page shows nobody logged in."""
    found = page(client.get("/")).select_one(".account .who")
    return text(found) if found is not None else None


def log_out(client: TestClient) -> None:
    assert post(client, "/auth/logout").status_code == 303


def member_id(session, sub: str) -> int:
    return session.exec(select(Member.id).where(Member.subject == sub)).one()


def open_sessions(session, sub: str) -> int:
    query = select(func.count()).select_from(MemberSession)
    return session.exec(query.where(MemberSession.member_id == member_id(session, sub))).one()


def test_a_copied_cookie_is_logged_out_after_logout(client, app, provider, org, session):
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    with another_client(app) as browser:
        thief = Thief(browser, client)
        assert thief.sees() == "Mia Mitglied"  # the copy works until logout
        assert thief.get("/me").status_code == 200

        log_out(client)

        assert thief.sees() is None
        assert thief.get("/me").headers["location"].startswith("/auth/login?next=")
        assert who_is_logged_in(client) is None
        assert thief.post("/language", {"locale": "en", "next": "/"}).status_code == 303
    member = session.exec(select(Member).where(Member.subject == "mia")).one()
    session.refresh(member)
    assert member.locale == ""  # the copy changed nothing of the member's


def test_a_copied_cookie_cannot_cast_a_ballot_after_logout(
    client, app, provider, org, session, settings
):
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    vera = log_in_as(client, provider, "vera", PEOPLE["vera"])
    staff = member_id(session, "gina")
    vote = make_vote(session, org.state, org.state_board, staff)
    present(session, org.state_board, staff, member_id(session, "vera"))
    open_vote(session, vote, staff)
    yes = str(option_ids(session, vote)["yes"])
    with another_client(app) as browser:
        thief = Thief(browser, vera)
        log_out(vera)

        through_htmx = thief.post(f"/votes/{vote.id}/cast", {"choice": yes}, headers=HTMX)
        plain = thief.post(f"/votes/{vote.id}/cast", {"choice": yes})

    assert through_htmx.status_code == 204
    assert through_htmx.headers["HX-Redirect"].startswith("/auth/login?next=")
    assert plain.status_code == 303
    assert plain.headers["location"].startswith("/auth/login?next=")
    assert session.exec(select(func.count()).select_from(VoteCast)).one() == 0
    assert session.exec(select(func.count()).select_from(Ballot)).one() == 0


def test_the_ballot_box_refuses_a_ballot_of_an_ended_session(database, session, settings, org):
    """The fast way of ballots checks the session in the statement that records who has
    voted: a ballot of an ended session is not stored (the route then casts it the
    ordinary way, which sends the logged-out to the login)."""
    staff = enrol(session, settings, "gina", PEOPLE["gina"])
    vera, bo = (enrol(session, settings, sub, PEOPLE[sub]) for sub in ("vera", "bo"))
    vote = make_vote(session, org.state, org.state_board, staff)
    present(session, org.state_board, staff, vera, bo)
    open_vote(session, vote, staff)
    yes = option_ids(session, vote)["yes"]
    hour = timedelta(hours=1)
    for member, session_id in ((vera, "vera-phone"), (vera, "vera-laptop"), (bo, "bo-phone")):
        sessions.begin(member, session_id, max_age=hour, session=session)
    sessions.end("bo-phone", session=session)
    with database.session() as db_session:
        at = casting.open_vote(vote.id, session=db_session)
    assert at is not None

    def write(*ballots: tuple[int, str]) -> list[bool]:
        pending = [casting.Pending(m, (yes,), "", sid) for m, sid in ballots]
        with database.session() as db_session:
            return casting.cast_together(at, pending, session=db_session)

    assert write((bo, "bo-phone")) == [False]  # bo's session was ended
    assert write((bo, "vera-phone")) == [False]  # a session of one member lets no other vote
    # two sessions of one member in one batch: left to the ordinary way
    assert write((vera, "vera-phone"), (vera, "vera-laptop")) == [False, False]
    assert write((vera, "vera-laptop")) == [True]
    assert session.exec(select(func.count()).select_from(VoteCast)).one() == 1


def test_log_out_everywhere_ends_the_sessions_of_both_clients(client, app, provider, org, session):
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    with another_client(app) as laptop, another_client(app) as other_member:
        login(laptop, provider, "mia", PEOPLE["mia"])
        login(other_member, provider, "bo", PEOPLE["bo"])
        assert open_sessions(session, "mia") == 2
        assert len(client.get("/me/export.json").json()["sessions"]) == 2
        form = page(client.get("/me")).select_one("form[action='/me/sessions/end']")
        assert form is not None
        assert text(form.select_one("button")) == "Überall abmelden"

        done = post(client, "/me/sessions/end")

        assert done.status_code == 303
        assert done.headers["location"] == "/"
        home = page(client.get("/"))
        assert (
            text(home.select_one(".flashes .flash"))
            == "Du wurdest überall abgemeldet, auch auf diesem Gerät."
        )
        assert who_is_logged_in(client) is None
        assert who_is_logged_in(laptop) is None
        assert who_is_logged_in(other_member) == "Bo Vorstand"
    assert open_sessions(session, "mia") == 0


def test_office_staff_end_a_members_sessions(client, app, provider, org, session):
    with another_client(app) as mia:
        log_in_as(mia, provider, "mia", PEOPLE["mia"])
        log_in_as(client, provider, "gina", PEOPLE["gina"])
        lookup = page(client.get("/chapters/lv-nrw")).select_one("form#member-lookup")
        assert lookup["action"] == "/chapters/lv-nrw/members"
        assert lookup["method"] == "get"

        found = client.get("/chapters/lv-nrw/members", params={"member_number": "710004"})

        member_path = f"/chapters/lv-nrw/members/{member_id(session, 'mia')}"
        assert (found.status_code, found.headers["location"]) == (303, member_path)
        shown = page(client.get(member_path))
        assert text(shown.select_one("h1")) == "Mia Mitglied"
        assert text(shown.select_one("#open-sessions")) == "1 offene Sitzung"

        ended = post(client, member_path + "/sessions/end")

        assert (ended.status_code, ended.headers["location"]) == (303, member_path)
        shown = page(client.get(member_path))
        assert text(shown.select_one("#open-sessions")) == "0 offene Sitzungen"
        assert who_is_logged_in(mia) is None
        assert who_is_logged_in(client) == "Gina Geschäftsstelle"


def test_office_staff_find_only_members_of_their_chapters(client, app, provider, org, session):
    with another_client(app) as sam:
        log_in_as(sam, provider, "sam", PEOPLE["sam"])
    log_in_as(client, provider, "gina", PEOPLE["gina"])

    answer = client.get("/chapters/lv-nrw/members", params={"member_number": "710005"})

    assert answer.status_code == 422
    error = page(answer).select_one("#lookup-member_number-error")
    assert text(error) == "Kein Mitglied mit dieser Nummer gehört zu dieser Gliederung."
    sam_page = f"/chapters/lv-nrw/members/{member_id(session, 'sam')}"
    assert client.get(sam_page).status_code == 404
    assert post(client, sam_page + "/sessions/end").status_code == 404
    assert open_sessions(session, "sam") == 1


def run_cli(monkeypatch, settings, *args: str) -> int:
    monkeypatch.setenv("PLENUM_ENV", "test")
    monkeypatch.setenv("PLENUM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PLENUM_SECRET_KEY", settings.secret_key)
    return main(list(args))


def test_the_operator_ends_a_members_sessions(
    client, provider, org, session, settings, monkeypatch, capsys
):
    log_in_as(client, provider, "mia", PEOPLE["mia"])

    assert run_cli(monkeypatch, settings, "end-sessions", "--member", "710004") == 0

    assert "Mia Mitglied (710004): Sessions ended: 1." in capsys.readouterr().out
    assert who_is_logged_in(client) is None
    login(client, provider, "mia", PEOPLE["mia"])  # ended, not removed: a new login works
    assert who_is_logged_in(client) == "Mia Mitglied"
    assert run_cli(monkeypatch, settings, "end-sessions", "--member", "nobody") == 1


def test_a_removed_member_loses_every_session_and_cannot_log_in_again(
    client, app, provider, org, session, settings, monkeypatch
):
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    with another_client(app) as laptop:
        login(laptop, provider, "mia", PEOPLE["mia"])

        assert run_cli(monkeypatch, settings, "remove-member", "--member", "mia") == 0

        assert who_is_logged_in(client) is None
        assert who_is_logged_in(laptop) is None
    refused = login_answer(client, provider, "mia")
    assert refused.status_code == 403
    assert "Deine Mitgliedschaft ist beendet" in text(page(refused))
    assert who_is_logged_in(client) is None
    assert open_sessions(session, "mia") == 0


def login_answer(client: TestClient, provider, sub: str):
    """The callback's answer to a login at the provider (the login may be refused)."""
    from tests.support.oidc import finish_login, start_login

    return finish_login(client, provider.authorize(start_login(client), sub))


def test_an_ended_session_is_logged_out_on_every_instance(provider, org, settings):
    """Two app instances on one database, as behind a load balancer: a session ended on
    one is logged out on the other at its next request."""
    first, second = create_app(settings), create_app(settings)
    with another_client(first) as on_first, another_client(second) as on_second:
        login(on_first, provider, "mia", PEOPLE["mia"])
        thief = Thief(on_second, on_first)
        assert thief.sees() == "Mia Mitglied"

        log_out(on_first)

        assert thief.sees() is None


def test_a_session_needs_its_row_even_with_a_valid_signature(client, provider, org, session):
    """The signed cookie alone is not enough: the row must be there."""
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    session.exec(delete(MemberSession))
    session.commit()
    assert who_is_logged_in(client) is None


def statements_of(app, client, path: str) -> list[str]:
    """The SQL statements that a GET of ``path`` runs, whitespace folded."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    engine = app.state.database.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_checking_the_session_costs_no_statement_of_its_own(client, app, provider, org):
    """The member is loaded on every page: the session row is read in that statement."""
    log_in_as(client, provider, "mia", PEOPLE["mia"])
    seen = statements_of(app, client, "/me")

    with_sessions = [s for s in seen if "member_session" in s]
    assert len(with_sessions) == 1, seen
    assert with_sessions[0].startswith("SELECT member.id")
    assert "JOIN member_session ON member_session.member_id = member.id" in with_sessions[0]
    members = [s for s in seen if s.startswith("SELECT member.") and "FROM member" in s]
    assert members == with_sessions  # the member is not read a second time


SESSION_KINDS = ("own", "own-too", "ended", "another's")


@pytest.fixture
def board(session, settings, org):
    """Gina (office staff) and the three seats of the state board, each logged in twice
    (two valid sessions) and with a session that was ended."""
    staff = enrol(session, settings, "gina", PEOPLE["gina"])
    members = [
        enrol(session, settings, sub, claims(sub, groups=(group,)))
        for sub, group in (
            ("vera", "lv-nrw-vorsitz"),
            ("bo", "lv-nrw-vorstand"),
            ("bea", "lv-nrw-vorstand"),
        )
    ]
    for member in members:
        for kind in SESSION_KINDS[:3]:
            sessions.begin(member, f"{kind}-{member}", max_age=timedelta(hours=1), session=session)
        sessions.end(f"ended-{member}", session=session)
    return staff, members


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batch=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(SESSION_KINDS)), min_size=1, max_size=6
    )
)
def test_the_ballot_box_stores_only_ballots_of_a_valid_session_of_their_member(
    database, session, org, board, batch
):
    """For every batch: a member's first ballot is stored exactly when all their ballots
    in it came with one session and that session is theirs and valid."""
    staff, members = board
    vote = make_vote(
        session, org.state, org.state_board, staff, kind="written", closes_at="2099-01-01T12:00"
    )
    open_vote(session, vote, staff)
    yes = option_ids(session, vote)["yes"]
    with database.session() as db_session:
        at = casting.open_vote(vote.id, session=db_session)
    assert at is not None

    def session_id(seat: int, kind: str) -> str:
        if kind == "another's":
            return f"own-{members[(seat + 1) % 3]}"
        return f"{kind}-{members[seat]}"

    pending = [
        casting.Pending(members[seat], (yes,), "", session_id(seat, kind)) for seat, kind in batch
    ]
    with database.session() as db_session:
        outcomes = casting.cast_together(at, pending, session=db_session)

    expected = [False] * len(batch)
    for seat in {seat for seat, _ in batch}:
        used = {kind for s, kind in batch if s == seat}
        if len(used) == 1 and used <= {"own", "own-too"}:
            expected[[s for s, _ in batch].index(seat)] = True
    assert outcomes == expected
    casts = select(func.count()).select_from(VoteCast).where(VoteCast.vote_id == vote.id)
    assert session.exec(casts).one() == sum(expected)


def test_a_logged_in_page_loads_the_member_and_every_role_in_two_statements(
    client, app, provider, session, settings, org
):
    """Member and session in one statement, memberships and chapter and body roles in
    another, however many roles the member holds."""
    staff = enrol(session, settings, "gina", PEOPLE["gina"])
    session.add(BodyRole(member_id=staff, body_id=org.state_board.id, role="board_member"))
    session.add(BodyRole(member_id=staff, body_id=org.county_board.id, role="board_member"))
    session.commit()
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    seen = statements_of(app, client, "/chapters")

    tables = ("member_session", "membership", "chapter_role", "body_role")
    loading = [s for s in seen if any(f"FROM {t}" in s or f"JOIN {t}" in s for t in tables)]
    assert len(loading) == 2, loading
