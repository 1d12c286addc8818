"""Login with identity providers as they are configured in the wild: claims only in the
userinfo response, issuers with a trailing slash, tokens for other audiences, secrets
with ``+`` and ``%``, declined consent, reused callbacks, many first logins at once.

Every test runs the real flow against the real provider process (tests/support/
oidc_provider.py), switched to behave like the provider in question.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import select
from starlette.testclient import TestClient

from plenum.app import create_app
from plenum.auth.oidc import IssuerMismatch
from plenum.orgs.models import BodyRole, Chapter, Member, Membership
from tests.support.factories import claims, structure
from tests.support.oidc import finish_login, login, start_login
from tests.support.processes import free_port
from tests.support.web import enrol, page, text

FULL = {
    "name": "Erika Muster",
    "email": "erika@example.invalid",
    "member_number": "123456",
    "chapter": "ov-koeln-kalk",
    "groups": ["lv-nrw-vorstand"],
}


def _member(session: Any, sub: str = "erika") -> Member:
    session.expire_all()
    return session.exec(select(Member).where(Member.subject == sub)).one()


def _message(response: Any) -> str:
    return text(page(response).select_one("main"))


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# -- claims from userinfo ---------------------------------------------------------------


def test_claims_only_in_userinfo_are_read(client, provider, session):
    s = structure(session)
    with provider.switched(userinfo_only=True):
        login(client, provider, "erika", dict(FULL))
    member = _member(session)
    assert (member.display_name, member.email, member.member_number) == (
        "Erika Muster",
        "erika@example.invalid",
        "123456",
    )
    chapters = session.exec(select(Membership.chapter_id).where(Membership.member_id == member.id))
    assert chapters.all() == [s.local.id]
    roles = session.exec(select(BodyRole.body_id).where(BodyRole.member_id == member.id)).all()
    assert roles == [s.state_board.id]
    assert page(client.get("/")).select_one(".account .who").text == "Erika Muster"


def test_a_login_whose_token_has_no_claims_erases_nothing(client, provider, session):
    s = structure(session)
    login(client, provider, "erika", dict(FULL))
    client.cookies.clear()
    provider.set_user("erika", {})  # the provider now sends nothing but the subject
    login(client, provider, "erika")
    member = _member(session)
    assert (member.display_name, member.email, member.member_number) == (
        "Erika Muster",
        "erika@example.invalid",
        "123456",
    )
    chapters = session.exec(select(Membership.chapter_id).where(Membership.member_id == member.id))
    assert chapters.all() == [s.local.id]
    roles = session.exec(select(BodyRole.body_id).where(BodyRole.member_id == member.id)).all()
    assert roles == [s.state_board.id]


def test_a_failing_userinfo_endpoint_leaves_the_id_token_claims(client, provider, session, caplog):
    structure(session)
    with provider.switched(userinfo_fails=True):
        login(client, provider, "erika", dict(FULL))
    assert _member(session).display_name == "Erika Muster"
    assert any("userinfo" in m and provider.url in m for m in _warnings(caplog))


# -- the issuer -------------------------------------------------------------------------


def test_issuer_with_a_trailing_slash_is_the_same_issuer(settings, provider, session):
    structure(session)
    provider.set_user("erika", dict(FULL))
    for issuer in (provider.url, provider.url + "/"):
        app = create_app(settings.with_changes(oidc_issuer=issuer))
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            login(client, provider, "erika")
            assert client.get("/me").status_code == 200
    members = session.exec(select(Member)).all()
    assert [(m.issuer, m.subject) for m in members] == [(provider.url, "erika")]


def test_start_stops_when_the_discovery_document_names_another_issuer(settings, provider, caplog):
    elsewhere = "https://login.example.invalid/realms/party"
    with provider.switched(issuer=elsewhere):
        app = create_app(settings)
        with (
            pytest.raises(IssuerMismatch, match="PLENUM_OIDC_ISSUER") as raised,
            TestClient(app, base_url="http://testserver"),
        ):
            pass  # pragma: no cover - the start fails
    assert elsewhere in str(raised.value)
    assert provider.url in str(raised.value)
    assert any(
        r.levelno == logging.CRITICAL and elsewhere in r.getMessage() for r in caplog.records
    )


def test_plenum_serve_stops_with_a_clear_message_on_another_issuer(settings, provider, tmp_path):
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "PLENUM_DATABASE_URL": settings.database_url,
        "PLENUM_SECRET_KEY": settings.secret_key,
        "PLENUM_OIDC_ISSUER": provider.url + "/",
        "PLENUM_ROOT": str(settings.root),
    }
    command = [sys.executable, "-m", "plenum.cli", "serve", "--port", str(free_port())]
    with provider.switched(issuer="https://login.example.invalid/realms/party"):
        done = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=60, check=False
        )
    assert done.returncode != 0
    assert "names the issuer 'https://login.example.invalid/realms/party'" in done.stderr


def test_a_provider_that_names_another_issuer_later_gets_no_login(client, provider, caplog):
    client.app.state.oidc.server_metadata.clear()  # as when the cached document expires
    with provider.switched(issuer="https://login.example.invalid/realms/party"):
        response = client.get("/auth/login")
    assert response.status_code == 503
    assert "nicht erreichbar" in _message(response)
    assert any(provider.url in message for message in _warnings(caplog))


# -- the ID token's audience ------------------------------------------------------------


def test_token_for_another_audience_authorized_for_plenum_is_refused(client, provider, session):
    provider.set_user("erika", dict(FULL))
    with provider.switched(audience="some-other-app", azp="plenum-test"):
        callback = provider.authorize(start_login(client), "erika")
        response = finish_login(client, callback)
    assert response.status_code == 400
    assert "nicht geprüft werden" in _message(response)
    assert session.exec(select(Member)).all() == []
    assert client.get("/me").status_code == 303


def test_token_naming_plenum_among_several_audiences_is_accepted(client, provider, session):
    provider.set_user("erika", dict(FULL))
    with provider.switched(audience="plenum-test", azp="plenum-test"):
        callback = provider.authorize(start_login(client), "erika")
        assert finish_login(client, callback).status_code == 303


# -- failures, each with its own message and log line -------------------------------------


def test_wrong_client_secret_is_told_apart(settings, provider, session, caplog):
    provider.register_client("plenum-registered", "the-right-secret")
    app = create_app(
        settings.with_changes(
            oidc_client_id="plenum-registered", oidc_client_secret="a-wrong-secret"
        )
    )
    provider.set_user("erika", dict(FULL))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        response = finish_login(client, provider.authorize(start_login(client), "erika"))
    assert response.status_code == 503
    assert "nicht richtig eingerichtet" in _message(response)
    assert any("client id or secret" in m and provider.url in m for m in _warnings(caplog)), (
        _warnings(caplog)
    )
    assert session.exec(select(Member)).all() == []


def test_declined_consent_is_told_apart(client, provider, session, caplog):
    response = finish_login(client, provider.decline(start_login(client)))
    assert response.status_code == 400
    assert "nicht erlaubt" in _message(response)
    assert any("declined" in m and provider.url in m for m in _warnings(caplog))
    assert session.exec(select(Member)).all() == []


def test_expired_login_is_told_apart(client, app, provider, session, caplog):
    provider.set_user("erika", dict(FULL))
    callback = provider.authorize(start_login(client), "erika")
    client.cookies.clear()  # the session with the login in it has ended
    response = finish_login(client, callback)
    assert response.status_code == 400
    assert "zu lange gedauert" in _message(response)
    assert any("expired" in m and provider.url in m for m in _warnings(caplog))


def test_reused_callback_is_told_apart(client, provider, session, caplog):
    provider.set_user("erika", dict(FULL))
    callback = provider.authorize(start_login(client), "erika")
    assert finish_login(client, callback).status_code == 303
    response = finish_login(client, callback)
    assert response.status_code == 400
    assert "schon verwendet" in _message(response)
    assert any("used again" in m and provider.url in m for m in _warnings(caplog))
    assert client.get("/me").status_code == 200  # the first use logged in; it stays


# -- the discovery document ---------------------------------------------------------------


def test_discovery_document_is_kept_for_its_lifetime(settings, provider, session):
    for seconds, downloads in ((3600, 1), (0, 3)):
        app = create_app(settings.with_changes(oidc_discovery_seconds=seconds))
        before = provider.discovery_hits()
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            for _ in range(2):
                client.cookies.clear()
                login(client, provider, "erika", dict(FULL))
        fetched = provider.discovery_hits() - before
        if seconds:
            assert fetched == downloads  # at the start; both logins used it
        else:
            assert fetched > downloads  # fetched again at each use


def test_an_invalid_discovery_document_is_not_kept(client, provider, session):
    client.app.state.oidc.server_metadata.clear()
    with provider.switched(invalid_discovery=True):
        assert client.get("/auth/login").status_code == 503
    provider.set_user("erika", dict(FULL))
    login(client, provider, "erika")
    assert client.get("/me").status_code == 200


# -- client_secret_basic ------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["a+b%2Fc", "p%25ss+w:rd/=~ä&"])
def test_client_secret_with_plus_and_percent_works(settings, provider, session, secret):
    provider.register_client("plenum-basic", secret)
    app = create_app(
        settings.with_changes(oidc_client_id="plenum-basic", oidc_client_secret=secret)
    )
    provider.set_user("erika", dict(FULL))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        login(client, provider, "erika")
        assert client.get("/me").status_code == 200


# -- unknown chapter keys -----------------------------------------------------------------


def test_unknown_chapter_key_is_shown_to_the_member_and_logged(client, provider, session, caplog):
    structure(session)
    login(client, provider, "erika", claims("erika", chapter="ov-nirgendwo"))
    notice = page(client.get("/")).select_one("#unknown-chapters")
    assert notice is not None
    assert "ov-nirgendwo" in text(notice)
    assert any("ov-nirgendwo" in m for m in _warnings(caplog))


def test_known_chapter_keys_give_no_notice(client, provider, session):
    structure(session)
    login(client, provider, "erika", claims("erika", chapter="ov-koeln-kalk"))
    assert page(client.get("/")).select_one("#unknown-chapters") is None


# -- many first logins at once ------------------------------------------------------------


@pytest.mark.parametrize("discovery_seconds", [3600, 0])
def test_twenty_first_logins_at_once_make_one_member(
    settings, provider, session, discovery_seconds
):
    """Twenty browsers of a brand-new member complete their callbacks at the same moment:
    one member row, every callback logs in, none fails. Also while the discovery document
    is fetched again at every use (lifetime 0): a callback keeps the one it started with."""
    structure(session)
    provider.set_user("erika", dict(FULL))
    app = create_app(settings.with_changes(oidc_discovery_seconds=discovery_seconds))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        callbacks = []
        for _ in range(20):
            client.cookies.clear()
            callbacks.append(provider.authorize(start_login(client), "erika"))
            callbacks[-1] = (callbacks[-1], dict(client.cookies))
        client.cookies.clear()
        barrier = threading.Barrier(20)
        results: list[Any] = [None] * 20

        def complete(index: int) -> None:
            url, cookies = callbacks[index]
            barrier.wait()
            path = url.split("testserver", 1)[1]
            header = "; ".join(f"{k}={v}" for k, v in cookies.items())
            try:
                results[index] = client.get(path, headers={"cookie": header})
            except httpx2.HTTPError as exc:  # pragma: no cover - reported below
                results[index] = exc

        threads = [threading.Thread(target=complete, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [getattr(r, "status_code", r) for r in results] == [303] * 20
        for result in results:  # each browser is logged in with its new session
            client.cookies.clear()
            header = "; ".join(f"{k}={v}" for k, v in result.cookies.items())
            assert client.get("/me", headers={"cookie": header}).status_code == 200
    members = session.exec(select(Member)).all()
    assert [(m.subject, m.display_name) for m in members] == [("erika", "Erika Muster")]
    memberships = session.exec(select(Membership).where(Membership.member_id == members[0].id))
    assert len(memberships.all()) == 1
    roles = session.exec(select(BodyRole).where(BodyRole.member_id == members[0].id)).all()
    assert len(roles) == 1


# -- a claim changes the member only when it is present (all combinations) ------------------

GROUP_ROLE = {"lv-nrw-vorstand": "board_member", "lv-nrw-delegiert": "delegate"}
_subjects = iter(range(10**6))
_words = st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=1, max_size=20)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    later=st.fixed_dictionaries(
        {},
        optional={  # each claim absent, null (as good as absent) or with a value
            "name": st.none() | _words,
            "email": st.none() | _words.map(lambda w: f"{w}@example.invalid"),
            "member_number": st.none() | st.integers(min_value=1, max_value=999999).map(str),
            "chapter": st.none() | st.sampled_from(["kv-koeln", "ov-koeln-kalk", "ov-unbekannt"]),
            "groups": st.none()
            | st.lists(st.sampled_from(sorted(GROUP_ROLE)), max_size=2, unique=True),
        },
    )
)
def test_a_claim_changes_the_member_only_when_present(settings, database, later):
    sub = f"member-{next(_subjects)}"
    with database.session() as session:
        if session.exec(select(Chapter).where(Chapter.key == "bund")).first() is None:
            structure(session)
        member_id = enrol(session, settings, sub, FULL)
        enrol(session, settings, sub, later)
        session.expire_all()
        member = session.get(Member, member_id)
        now = {**FULL, **{claim: value for claim, value in later.items() if value is not None}}
        assert (member.display_name, member.email, member.member_number) == (
            now["name"],
            now["email"],
            now["member_number"],
        )
        chapters = session.exec(
            select(Chapter.key)
            .join(Membership, Membership.chapter_id == Chapter.id)
            .where(Membership.member_id == member_id)
        ).all()
        assert set(chapters) == ({now["chapter"]} - {"ov-unbekannt"})
        roles = session.exec(select(BodyRole.role).where(BodyRole.member_id == member_id)).all()
        assert sorted(roles) == sorted(GROUP_ROLE[g] for g in now["groups"])


def test_callbacks_sent_twice_at_once_log_in_once_and_say_reused(app, provider, session):
    """Ten browsers of a brand-new member each send their callback twice at the same moment
    (a double click): one member row, no 500; of each pair at least one logs in, and a
    refused one says the callback was used already."""
    structure(session)
    provider.set_user("erika", dict(FULL))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        browsers = []
        for _ in range(10):
            client.cookies.clear()
            url = provider.authorize(start_login(client), "erika")
            browsers.append((url.split("testserver", 1)[1], dict(client.cookies)))
        client.cookies.clear()
        barrier = threading.Barrier(20)
        results: dict[int, list[Any]] = {i: [] for i in range(10)}

        def complete(index: int) -> None:
            path, cookies = browsers[index]
            header = "; ".join(f"{k}={v}" for k, v in cookies.items())
            barrier.wait()
            results[index].append(client.get(path, headers={"cookie": header}))

        threads = [threading.Thread(target=complete, args=(i // 2,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for pair in results.values():
        statuses = sorted(r.status_code for r in pair)
        assert statuses in ([303, 303], [303, 400]), statuses
        for refused in (r for r in pair if r.status_code == 400):
            assert "schon verwendet" in _message(refused)
    assert len(session.exec(select(Member)).all()) == 1


def test_the_phone_number_and_the_joining_date_come_from_the_real_login(client, provider, session):
    """The standard ``phone_number`` claim (dialled by a phone campaign's caller) and
    ``member_since`` (narrows a survey's audience), through the provider's real flow; an
    unreadable date changes nothing."""
    structure(session)
    claims = {**FULL, "phone_number": "+49 221 555 0199", "member_since": "2024-03-01"}
    login(client, provider, "erika", claims)
    member = _member(session)
    assert member.phone == "+49 221 555 0199"
    assert member.joined_at is not None
    assert member.joined_at.date().isoformat() == "2024-03-01"
    client.cookies.clear()
    login(client, provider, "erika", {**claims, "member_since": "seit Jahren"})
    session.expire_all()
    assert _member(session).joined_at.date().isoformat() == "2024-03-01"
