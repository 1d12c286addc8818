"""Pages of the party structure, tested through HTTP as members with different roles."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from plenum.clock import utcnow
from plenum.orgs.models import Body, BodyRole, ChapterRole, Member
from tests.support.factories import claims, structure
from tests.support.oidc import login
from tests.support.web import asked, text

ROLES = {
    "member": claims("member", name="Mia Mitglied", number="200001"),
    "board": claims("board", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="200002"),
    "staff": claims(
        "staff", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",), number="200003"
    ),
    "other_staff": claims("other_staff", name="Ola Sachsen", chapter="lv-sachsen", number="200004"),
    "federal_staff": claims(
        "federal_staff",
        name="Fe Bund",
        chapter="bund",
        groups=("bund-geschaeftsstelle",),
        number="200005",
    ),
}


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _token(client) -> str:
    return _page(client.get("/")).select_one("meta[name=csrf-token]")["content"]


@pytest.fixture
def org(session):
    return structure(session)


@pytest.fixture
def as_role(client, provider, org, session):
    def log_in(role: str):
        if role == "other_staff":
            # office staff of another state chapter, assigned in Plenum
            login(client, provider, role, ROLES[role])
            from plenum.orgs.models import Member

            member = session.exec(select(Member).where(Member.subject == role)).one()
            session.add(
                ChapterRole(member_id=member.id, chapter_id=org.other_state.id, role="office_staff")
            )
            session.commit()
        elif role != "anonymous":
            login(client, provider, role, ROLES[role])
        return client

    return log_in


BODY_FORM = {
    "name": "Landesausschuss",
    "kind": "council",
    "quorum_percent": "50",
    "default_majority": "simple",
}
ALL = ("anonymous", "member", "board", "staff", "other_staff", "federal_staff")
MANAGERS = {"staff", "federal_staff"}

MATRIX = [
    ("GET", "/chapters", None, dict.fromkeys(ALL, 200) | {"anonymous": 303}),
    ("GET", "/chapters/lv-nrw", None, dict.fromkeys(ALL, 200) | {"anonymous": 303}),
    ("GET", "/bodies/lv-nrw-board", None, dict.fromkeys(ALL, 200) | {"anonymous": 303}),
    ("GET", "/me", None, dict.fromkeys(ALL, 200) | {"anonymous": 303}),
    ("GET", "/me/export.json", None, dict.fromkeys(ALL, 200) | {"anonymous": 303}),
    (
        "GET",
        "/chapters/lv-nrw/bodies/new",
        None,
        {r: 200 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "POST",
        "/chapters/lv-nrw/bodies",
        BODY_FORM,
        {r: 303 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "GET",
        "/bodies/lv-nrw-board/edit",
        None,
        {r: 200 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "POST",
        "/bodies/lv-nrw-board/edit",
        BODY_FORM | {"kind": "board"},
        {r: 303 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "POST",
        "/bodies/lv-nrw-board/roles",
        {"member_number": "200001", "role": "chair"},
        {r: 303 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "POST",
        "/chapters/lv-nrw/roles",
        {"member_number": "200001", "role": "moderator"},
        {r: 303 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "POST",
        "/chapters/kv-koeln/roles",
        {"member_number": "200001", "role": "moderator"},
        {r: 303 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "GET",
        "/chapters/lv-nrw/members?member_number=200001",
        None,
        {r: 303 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "GET",
        "/chapters/lv-nrw/members/{member}",
        None,
        {r: 200 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    (
        "POST",
        "/chapters/lv-nrw/members/{member}/sessions/end",
        {},
        {r: 303 if r in MANAGERS else 403 for r in ALL} | {"anonymous": 303},
    ),
    ("POST", "/me/sessions/end", {}, dict.fromkeys(ALL, 303)),
    (
        "GET",
        "/chapters/lv-sachsen/bodies/new",
        None,
        {r: 200 if r in {"other_staff", "federal_staff"} else 403 for r in ALL}
        | {"anonymous": 303},
    ),
]


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize(
    ("method", "path", "form", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX]
)
def test_route_permission_matrix(as_role, provider, session, role, method, path, form, expected):
    client = as_role(role)
    if ("200001" in json.dumps(form or {}) or "200001" in path or "{member}" in path) and (
        role != "member"
    ):
        login_member_once(provider, client.app)
    if "{member}" in path:
        found = session.exec(select(Member.id).where(Member.member_number == "200001")).one()
        path = path.replace("{member}", str(found))
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={**form, "csrf_token": _token(client)})
    assert response.status_code == expected[role], response.text[:500]
    if response.status_code == 303 and role == "anonymous":
        assert response.headers["location"].startswith("/auth/login?next=")


def login_member_once(provider, app):
    """The role is assigned by member number: that member must have logged in once."""
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        login(other, provider, "member", ROLES["member"])


def test_office_staff_create_a_body_and_see_it(as_role):
    client = as_role("staff")
    response = client.post(
        "/chapters/lv-nrw/bodies", data={**BODY_FORM, "csrf_token": _token(client)}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/bodies/lv-nrw-council"
    page = _page(client.get("/chapters/lv-nrw"))
    assert "Landesausschuss" in [a.text for a in page.select("#bodies-title ~ ul a")]
    body_page = _page(client.get(response.headers["location"]))
    assert body_page.select_one("h1").text == "Landesausschuss"


def test_bad_body_input_keeps_what_was_typed_and_changes_nothing(as_role, session):
    client = as_role("staff")
    before = len(session.exec(select(Body)).all())
    typed = {
        "name": "  ",
        "kind": "parliament",
        "quorum_percent": "150 %",
        "default_majority": "simple",
    }
    response = client.post("/chapters/lv-nrw/bodies", data={**typed, "csrf_token": _token(client)})
    assert response.status_code == 422
    page = _page(response)
    errors = {p["id"]: p.text for p in page.select(".field-error")}
    assert errors == {
        "name-error": "Bitte gib einen Namen ein.",
        "kind-error": "Bitte wähle die Art des Gremiums.",
        "quorum_percent-error": "Bitte gib eine ganze Zahl von 0 bis 100 ein.",
    }
    assert page.select_one("#field-quorum_percent")["value"] == "150 %"
    assert page.select_one("#field-quorum_percent")["aria-invalid"] == "true"
    assert page.select_one("#field-default_majority option[selected]")["value"] == "simple"
    assert len(session.exec(select(Body)).all()) == before


@pytest.mark.parametrize("number_format", ["{seq}{seq:>1000000}", "{seq.x}", "{year}/{seq!r}"])
def test_a_resolution_number_format_beyond_the_tokens_is_refused(as_role, session, number_format):
    client = as_role("staff")
    form = {**BODY_FORM, "kind": "board", "resolution_format": number_format}
    response = client.post("/bodies/lv-nrw-board/edit", data={**form, "csrf_token": _token(client)})
    assert response.status_code == 422
    errors = {p["id"]: p.text for p in _page(response).select(".field-error")}
    assert errors == {
        "resolution_format-error": "Verwende nur {year}, {seq} und {seq:3} "
        "(dreistellig mit führenden Nullen) als Platzhalter."
    }
    session.expire_all()
    assert session.exec(select(Body).where(Body.key == "lv-nrw-board")).one().resolution_format == (
        "{year}/{seq}"
    )


def test_the_numbering_is_chosen_from_examples_or_typed_as_another_format(as_role, session):
    client = as_role("staff")
    form = _page(client.get("/bodies/lv-nrw-board/edit"))
    choices = {
        r["value"]: form.select_one(f"label[for={r['id']}]").text
        for r in form.select("input[name=resolution_format]")
    }
    year = utcnow().year
    assert choices == {
        "{year}/{seq}": f"{year}/12",
        "Nr. {seq} – {year}": f"Nr. 12 – {year}",
        "{year}-{seq:3}": f"{year}-012",
        "{seq}/{year}": f"12/{year}",
        "custom": "Anderes Format",
    }
    assert form.select_one("input[name=resolution_format][checked]")["value"] == "{year}/{seq}"

    typed = {**BODY_FORM, "kind": "board", "resolution_format": "custom"}
    wrong = client.post(
        "/bodies/lv-nrw-board/edit",
        data={**typed, "resolution_format_custom": "B-{nummer}", "csrf_token": _token(client)},
    )
    assert wrong.status_code == 422
    shown = _page(wrong)
    assert shown.select_one("#resolution_format-error") is not None
    assert shown.select_one("#field-resolution_format_custom")["value"] == "B-{nummer}"
    assert shown.select_one("input[name=resolution_format][checked]")["value"] == "custom"

    saved = client.post(
        "/bodies/lv-nrw-board/edit",
        data={**typed, "resolution_format_custom": "B-{seq:3}", "csrf_token": _token(client)},
    )
    assert saved.status_code == 303
    session.expire_all()
    body = session.exec(select(Body).where(Body.key == "lv-nrw-board")).one()
    assert body.resolution_format == "B-{seq:3}"
    again = _page(client.get("/bodies/lv-nrw-board/edit"))
    assert again.select_one("input[name=resolution_format][checked]")["value"] == "custom"
    assert again.select_one("#field-resolution_format_custom")["value"] == "B-{seq:3}"


def test_htmx_gets_only_the_form_fragment_with_422(as_role):
    client = as_role("staff")
    response = client.post(
        "/chapters/lv-nrw/bodies",
        data={
            "name": "",
            "kind": "",
            "quorum_percent": "",
            "default_majority": "",
            "csrf_token": _token(client),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "<html" not in response.text
    fragment = _page(response)
    assert fragment.select_one("form#body-form")
    assert len(fragment.select(".field-error")) == 4
    assert "HX-Request" in response.headers["vary"]


def test_edit_body_rules(as_role, org, session):
    client = as_role("staff")
    form = {
        "name": "Landesvorstand",
        "kind": "board",
        "quorum_percent": "60",
        "default_majority": "absolute",
    }
    response = client.post("/bodies/lv-nrw-board/edit", data={**form, "csrf_token": _token(client)})
    assert response.status_code == 303
    page = _page(client.get("/bodies/lv-nrw-board"))
    facts = [dd.text for dd in page.select(".facts dd")]
    assert facts == ["60 % der stimmberechtigten Mitglieder anwesend", "Absolute Mehrheit"]


def test_assign_and_remove_a_body_role(as_role, provider, session, org):
    client = as_role("staff")
    login_member_once(provider, client.app)
    token = _token(client)
    bad = client.post(
        "/bodies/lv-nrw-board/roles",
        data={"member_number": "999999", "role": "chair", "csrf_token": token},
    )
    assert bad.status_code == 422
    page = _page(bad)
    assert (
        page.select_one("#member_number-error").text
        == "Mit dieser Mitgliedsnummer hat sich noch niemand bei Plenum angemeldet."
    )
    assert page.select_one("#field-member_number")["value"] == "999999"
    ok = client.post(
        "/bodies/lv-nrw-board/roles",
        data={"member_number": "200001", "role": "chair", "csrf_token": token},
    )
    assert ok.status_code == 303
    rows = [
        [td.text.strip() for td in tr.select("td")[:3]]
        for tr in _page(client.get("/bodies/lv-nrw-board")).select("#body-roles tbody tr")
    ]
    assert ["Mia Mitglied", "Vorsitz", "in Plenum vergeben"] in rows
    again = client.post(
        "/bodies/lv-nrw-board/roles",
        data={"member_number": "200001", "role": "chair", "csrf_token": token},
    )
    assert (
        _page(again).select_one("#member_number-error").text
        == "Dieses Mitglied hat diese Rolle bereits."
    )
    grant = session.exec(select(BodyRole).where(BodyRole.role == "chair")).one()
    question = asked(client, f"/bodies/lv-nrw-board/roles/{grant.id}/delete")
    assert text(question.select_one("h1")) == "Diese Rolle entfernen?"
    assert (
        question.select_one("#confirm-form + a, #confirm-form a")["href"] == "/bodies/lv-nrw-board"
    )
    session.expire_all()
    assert session.exec(select(BodyRole).where(BodyRole.role == "chair")).one() == grant
    removed = client.post(
        f"/bodies/lv-nrw-board/roles/{grant.id}/delete", data={"csrf_token": token}
    )
    assert removed.status_code == 303
    session.expire_all()
    assert session.exec(select(BodyRole).where(BodyRole.role == "chair")).all() == []


def test_removing_a_role_of_another_body_is_not_found(as_role, session, org):
    client = as_role("staff")
    from plenum.orgs.models import Member

    staff = session.exec(select(Member).where(Member.subject == "staff")).one()
    member_role = BodyRole(member_id=staff.id, body_id=org.county_board.id, role="chair")
    session.add(member_role)
    session.commit()
    response = client.post(
        f"/bodies/lv-nrw-board/roles/{member_role.id}/delete", data={"csrf_token": _token(client)}
    )
    assert response.status_code == 404


def test_roster_is_shown_to_body_members_and_staff_only(client, provider, org):
    login(client, provider, "board", ROLES["board"])
    assert _page(client.get("/bodies/lv-nrw-board")).select("#body-roles tbody tr")
    client.cookies.clear()
    login(client, provider, "member", ROLES["member"])
    page = _page(client.get("/bodies/lv-nrw-board"))
    assert not page.select("#body-roles table")
    assert "Nur Mitglieder dieses Gremiums" in page.select_one("#body-roles").text


def test_my_data_shows_chapters_bodies_and_roles(client, provider, org):
    login(client, provider, "board", ROLES["board"])
    page = _page(client.get("/me"))
    assert [a.text for a in page.select("#chapters-title ~ ul a")] == ["Ortsverband Köln-Kalk"]
    rows = [
        [td.text.strip() for td in tr.select("td")]
        for tr in page.select("#roles-title ~ table tbody tr")
    ]
    assert rows == [["Vorstandsmitglied", "Landesvorstand NRW", "aus der Mitgliederverwaltung"]]


def test_my_data_download_holds_everything_about_me(client, provider, org):
    login(client, provider, "board", ROLES["board"])
    response = client.get("/me/export.json")
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["member"]["display_name"] == "Bo Vorstand"
    assert data["member"]["subject"] == "board"
    assert data["chapters"] == [
        {"key": "ov-koeln-kalk", "name": "Ortsverband Köln-Kalk", "kind": "local", "source": "idp"}
    ]
    assert data["body_roles"][0]["role"] == "board_member"


def test_member_text_is_escaped(as_role, session):
    client = as_role("staff")
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    client.post(
        "/chapters/lv-nrw/bodies", data={**BODY_FORM, "name": hostile, "csrf_token": _token(client)}
    )
    page = _page(client.get("/chapters/lv-nrw"))
    assert not page.select("main script, main img")
    assert hostile in page.select_one("main").text


def test_htmx_success_redirects_the_whole_page(as_role):
    client = as_role("staff")
    response = client.post(
        "/chapters/lv-nrw/bodies",
        data={**BODY_FORM, "csrf_token": _token(client)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/bodies/lv-nrw-council"


def test_a_boosted_form_answered_with_its_errors_keeps_the_address(as_role):
    """htmx would push the form's POST address; a reload would then GET it and get 405."""
    client = as_role("staff")
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    refused = client.post(
        "/chapters/lv-nrw/bodies",
        data={**BODY_FORM, "name": "", "csrf_token": _token(client)},
        headers=boosted,
    )
    assert refused.status_code == 422
    assert refused.headers["HX-Push-Url"] == "false"
    assert client.get("/chapters/lv-nrw/bodies").status_code == 405  # what a push would cost
    done = client.post(
        "/chapters/lv-nrw/bodies",
        data={**BODY_FORM, "csrf_token": _token(client)},
        headers=boosted,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "HX-Push-Url" not in done.headers  # htmx follows, and shows the new address
    plain = client.get("/chapters/lv-nrw", headers=boosted)
    assert "HX-Push-Url" not in plain.headers


def test_boosted_navigation_gets_the_whole_page(as_role):
    client = as_role("staff")
    response = client.get(
        "/chapters/lv-nrw/bodies/new", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert _page(response).select_one("header.site-header")


def test_a_role_from_the_party_account_is_not_offered_for_removal(as_role, session, org):
    """It would come back at the next login: the roster says so instead of "Remove",
    and a removal sent anyway is refused with that reason, changing nothing."""
    from plenum.orgs.models import Member

    client = as_role("staff")
    member = session.exec(select(Member).where(Member.subject == "staff")).one()
    synced = BodyRole(member_id=member.id, body_id=org.state_board.id, role="chair", source="idp")
    session.add(synced)
    session.commit()
    row = next(
        tr
        for tr in _page(client.get("/bodies/lv-nrw-board")).select("#body-roles tbody tr")
        if "Vorsitz" in tr.text
    )
    assert row.select("form") == []
    assert "kommt bei jeder Anmeldung wieder" in row.text
    refused = client.post(
        f"/bodies/lv-nrw-board/roles/{synced.id}/delete", data={"csrf_token": _token(client)}
    )
    assert refused.status_code == 409
    assert "Parteikonto" in _page(refused).text
    session.expire_all()
    assert session.get(BodyRole, synced.id) is not None
