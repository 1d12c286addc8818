"""The OpenID Connect login against a real provider process on loopback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup
from sqlmodel import select

from plenum.orgs.models import BodyRole, Member, Membership
from tests.support.factories import claims, structure
from tests.support.oidc import finish_login, login, start_login


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_login_uses_pkce_state_and_nonce(client, provider):
    query = parse_qs(urlsplit(start_login(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["redirect_uri"] == ["http://testserver/auth/callback"]
    assert query["client_id"] == ["plenum-test"]


def test_first_login_creates_the_member_with_chapter_and_roles(client, provider, session):
    s = structure(session)
    login(
        client,
        provider,
        "erika",
        claims(
            "erika",
            name="Erika Muster",
            chapter="ov-koeln-kalk",
            groups=("lv-nrw-vorstand",),
            number="123456",
        ),
    )
    member = session.exec(select(Member).where(Member.subject == "erika")).one()
    assert (member.issuer, member.display_name, member.member_number) == (
        provider.url,
        "Erika Muster",
        "123456",
    )
    chapters = session.exec(
        select(Membership.chapter_id).where(Membership.member_id == member.id)
    ).all()
    assert chapters == [s.local.id]
    roles = session.exec(
        select(BodyRole.body_id, BodyRole.role).where(BodyRole.member_id == member.id)
    ).all()
    assert roles == [(s.state_board.id, "board_member")]
    page = _page(client.get("/"))
    assert page.select_one(".account .who").text == "Erika Muster"


def test_second_login_updates_name_and_roles_but_keeps_manual_roles(client, provider, session):
    s = structure(session)
    login(
        client, provider, "erika", claims("erika", name="Erika Muster", groups=("lv-nrw-vorstand",))
    )
    member = session.exec(select(Member).where(Member.subject == "erika")).one()
    session.add(
        BodyRole(member_id=member.id, body_id=s.county_board.id, role="chair", source="manual")
    )
    session.commit()
    client.post(
        "/auth/logout",
        data={"csrf_token": _page(client.get("/")).select_one("meta[name=csrf-token]")["content"]},
    )
    login(
        client,
        provider,
        "erika",
        claims("erika", name="Erika Beispiel", chapter="kv-koeln", groups=("lv-nrw-delegiert",)),
    )
    session.expire_all()
    members = session.exec(select(Member).where(Member.subject == "erika")).all()
    assert [m.display_name for m in members] == ["Erika Beispiel"]
    roles = set(
        session.exec(
            select(BodyRole.body_id, BodyRole.role).where(BodyRole.member_id == member.id)
        ).all()
    )
    assert roles == {(s.state_convention.id, "delegate"), (s.county_board.id, "chair")}
    chapters = session.exec(
        select(Membership.chapter_id).where(Membership.member_id == member.id)
    ).all()
    assert chapters == [s.county.id]


def test_members_are_keyed_on_subject_not_email(client, provider, session):
    structure(session)
    login(client, provider, "a-sub", claims("a-sub", name="First"))
    client.cookies.clear()
    shared = claims("b-sub", name="Second")
    shared["email"] = "a-sub@example.invalid"
    login(client, provider, "b-sub", shared)
    assert len(session.exec(select(Member)).all()) == 2


def test_wrong_state_is_refused_with_a_clear_page(client, provider, session):
    provider.set_user("erika", claims("erika"))
    callback = provider.authorize(start_login(client), "erika")
    forged = callback.replace("state=", "state=forged")
    response = finish_login(client, forged)
    assert response.status_code == 400
    assert "erneut an" in _page(response).select_one("main").text
    assert session.exec(select(Member)).all() == []


def test_replayed_state_is_refused(client, provider, session):
    provider.set_user("erika", claims("erika"))
    callback = provider.authorize(start_login(client), "erika")
    assert finish_login(client, callback).status_code == 303
    replay = finish_login(client, callback)
    assert replay.status_code == 400


def test_state_from_another_browser_is_refused(client, app, provider):
    from starlette.testclient import TestClient

    provider.set_user("erika", claims("erika"))
    callback = provider.authorize(start_login(client), "erika")
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        assert finish_login(other, callback).status_code == 400


def test_token_for_another_audience_is_refused(client, provider, session):
    provider.set_user("erika", claims("erika"))
    provider.set_audience("some-other-app")
    try:
        callback = provider.authorize(start_login(client), "erika")
        response = finish_login(client, callback)
    finally:
        provider.set_audience(None)
    assert response.status_code == 400
    assert session.exec(select(Member)).all() == []
    assert client.get("/me").status_code == 303  # still logged out


def test_provider_down_gives_a_friendly_page(app, settings):
    from starlette.testclient import TestClient

    from plenum.app import create_app
    from tests.support.processes import free_port

    down = create_app(settings.with_changes(oidc_issuer=f"http://127.0.0.1:{free_port()}"))
    with TestClient(down, base_url="http://testserver", follow_redirects=False) as client:
        response = client.get("/auth/login")
    assert response.status_code == 503
    assert "nicht erreichbar" in _page(response).select_one("main").text


def test_absolute_next_is_ignored(client, provider, session):
    provider.set_user("erika", claims("erika"))
    callback = provider.authorize(start_login(client, "https://elsewhere.example/steal"), "erika")
    response = finish_login(client, callback)
    assert response.headers["location"] == "/"


def test_local_next_is_followed(client, provider, session):
    structure(session)
    provider.set_user("erika", claims("erika"))
    callback = provider.authorize(start_login(client, "/chapters/kv-koeln"), "erika")
    assert finish_login(client, callback).headers["location"] == "/chapters/kv-koeln"


def test_login_renews_the_session(client, provider, session):
    old_token = _page(client.get("/")).select_one("meta[name=csrf-token]")["content"]
    login(client, provider, "erika", claims("erika"))
    new_token = _page(client.get("/")).select_one("meta[name=csrf-token]")["content"]
    assert old_token != new_token


def test_logout_ends_the_session_and_uses_end_session_endpoint(client, provider, session):
    structure(session)
    login(client, provider, "erika", claims("erika"))
    assert client.get("/me").status_code == 200
    token = _page(client.get("/")).select_one("meta[name=csrf-token]")["content"]
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(provider.url + "/oauth2/end_session")
    assert parse_qs(urlsplit(location).query)["post_logout_redirect_uri"] == ["http://testserver/"]
    assert client.get("/me").status_code == 303


def test_logout_needs_the_csrf_token(client, provider, session):
    login(client, provider, "erika", claims("erika"))
    assert client.post("/auth/logout").status_code == 403
    assert client.get("/me").status_code == 200


def test_starting_logins_is_rate_limited_per_address(app, settings):
    from starlette.testclient import TestClient

    from plenum.app import create_app

    limited = create_app(settings.with_changes(login_rate_limit="3/60"))
    with TestClient(limited, base_url="http://testserver", follow_redirects=False) as client:
        statuses = [client.get("/auth/login").status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]
        response = client.get("/auth/login")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert _page(response).select_one("h1").text.strip() == "Zu viele Anfragen"
