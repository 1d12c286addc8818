"""Language switching, the start page, and the demo data."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlmodel import select

from plenum import demo
from plenum.orgs.models import Body, Chapter, ChapterKind, Member
from tests.support.factories import claims, structure
from tests.support.oidc import login


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _token(client) -> str:
    return _page(client.get("/")).select_one("meta[name=csrf-token]")["content"]


def test_pages_are_german_by_default_and_english_on_request(client):
    assert _page(client.get("/")).select_one("h1").text == "Willkommen bei Plenum"
    response = client.post(
        "/language", data={"locale": "en", "next": "/", "csrf_token": _token(client)}
    )
    assert response.headers["location"] == "/"
    page = _page(client.get("/"))
    assert page.html["lang"] == "en"
    assert page.select_one("h1").text == "Welcome to Plenum"


def test_unknown_language_and_foreign_next_are_ignored(client):
    response = client.post(
        "/language",
        data={"locale": "xx", "next": "https://evil.example", "csrf_token": _token(client)},
    )
    assert response.headers["location"] == "/"
    assert _page(client.get("/")).html["lang"] == "de"


def test_a_member_keeps_their_language_across_logins(client, provider, session):
    structure(session)
    login(client, provider, "erika", claims("erika"))
    client.post("/language", data={"locale": "en", "csrf_token": _token(client)})
    client.cookies.clear()
    assert _page(client.get("/")).html["lang"] == "de"
    login(client, provider, "erika", claims("erika"))
    page = _page(client.get("/me"))
    assert page.html["lang"] == "en"
    assert page.select_one("h1").text == "My data"


def test_start_page_for_a_member_says_what_needs_them(client, provider, session):
    structure(session)
    login(client, provider, "erika", claims("erika", name="Erika Muster"))
    page = _page(client.get("/"))
    assert page.select_one("h1").text == "Was steht an"
    assert "Erika Muster" in page.select_one(".lead").text
    assert page.select_one("#agenda-title")


def test_demo_data_loads_once_and_keeps_existing_data(settings, session):
    settings = demo.demo_settings(settings)
    assert demo.load(settings, session=session) is True
    chapters = session.exec(select(Chapter)).all()
    kinds = {kind: sum(c.kind == kind for c in chapters) for kind in ChapterKind}
    assert kinds[ChapterKind.FEDERAL] == 1
    assert kinds[ChapterKind.STATE] == 2
    assert kinds[ChapterKind.COUNTY] == 4
    assert kinds[ChapterKind.WORKING_GROUP] == 1
    assert kinds[ChapterKind.LOCAL] >= 3
    bodies = {b.key for b in session.exec(select(Body)).all()}
    assert {"lv-nrw-board", "lv-nrw-council", "lv-nrw-convention"} <= bodies
    members = session.exec(select(Member)).all()
    assert len(members) == len(demo.MEMBERS) >= 12
    members[0].display_name = "Changed by hand"
    session.add(members[0])
    session.commit()
    assert demo.load(settings, session=session) is False
    session.expire_all()
    assert session.get(Member, members[0].id).display_name == "Changed by hand"
    assert len(session.exec(select(Member)).all()) == len(members)


def test_every_demo_role_exists(settings, session):
    settings = demo.demo_settings(settings)
    demo.load(settings, session=session)
    from plenum.orgs.models import BodyRole, ChapterRole

    roles = {r.role for r in session.exec(select(BodyRole)).all()}
    roles |= {r.role for r in session.exec(select(ChapterRole)).all()}
    assert {
        "chair",
        "board_member",
        "delegate",
        "substitute_delegate",
        "office_staff",
        "moderator",
    } <= roles


def test_seed_demo_works_when_the_operator_maps_groups_to_roles(
    settings, session, monkeypatch, capsys
):
    """An operator's PLENUM_OIDC_GROUP_ROLES is for the real provider's groups; the demo
    members still get the demo's roles, so the demo's motions can be published."""
    from plenum.cli import main
    from plenum.motions.models import Motion

    monkeypatch.setenv("PLENUM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PLENUM_SECRET_KEY", "test-secret-key-not-for-production")
    monkeypatch.setenv("PLENUM_OIDC_ISSUER", settings.oidc_issuer)
    monkeypatch.setenv("PLENUM_OIDC_GROUP_ROLES", '{"realm-office": ["office_staff@chapter:bund"]}')
    assert main(["seed-demo"]) == 0
    assert "Demo data loaded." in capsys.readouterr().out
    assert len(session.exec(select(Member)).all()) == len(demo.MEMBERS)
    assert any(m.status == "published" for m in session.exec(select(Motion)).all())
