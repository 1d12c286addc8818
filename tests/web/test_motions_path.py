"""The whole path of a motion through HTTP: call, draft, support, screening, amendment,
recommendation, decision, merge, resolution and exports."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlmodel import select

from plenum.motions.models import Amendment, Motion, MotionVersion, Resolution, StatusChange
from plenum.notify.models import Notification
from tests.support.factories import claims, structure
from tests.support.motions import CALL_FORM as BASE_CALL_FORM
from tests.support.oidc import login

PEOPLE = {
    "anna": claims("anna", name="Anna Antrag", number="300001"),
    "ben": claims("ben", name="Ben Basis", number="300002"),
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="300003"),
    "sami": claims("sami", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",), number="300004"),
    "olga": claims("olga", name="Olga Sachsen", chapter="lv-sachsen", number="300005"),
}

TEXT = (
    "Der Landesrat möge beschließen:\n\n"
    "Wir laden alle Mitglieder zu Regionalkonferenzen ein, auch online, damit Genoss*innen "
    "mit Kindern oder im Schichtdienst teilnehmen können.\n\n"
    "- Jede Konferenz wird aufgezeichnet.\n"
    "- Der Landesverband zahlt Kinderbetreuung bis 3.000 €.\n"
)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def token(client) -> str:
    return page(client.get("/")).select_one("meta[name=csrf-token]")["content"]


@pytest.fixture
def org(session):
    return structure(session)


@pytest.fixture
def as_person(client, provider, org):
    def switch(name: str):
        client.cookies.clear()
        login(client, provider, name, PEOPLE[name])
        return client

    return switch


def post(client, path: str, data: dict[str, str] | list[tuple[str, str]]):
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    form: dict[str, list[str]] = {"csrf_token": [token(client)]}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    return client.post(path, data=form)


CALL_FORM = BASE_CALL_FORM | {
    "title": "Landesrat Frühjahr 2027",
    "supporters_required": "1",
    "line_length": "60",
}


def open_call(client, org) -> str:
    response = post(client, f"/bodies/{org.state_convention.key}/calls/new", CALL_FORM)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_the_whole_path_of_a_motion(as_person, org, session):
    # office staff open a call
    client = as_person("sami")
    call_path = open_call(client, org)

    # a member writes a draft, previews it with line numbers, and submits it
    client = as_person("anna")
    form = {
        "title": "Mehr Teilhabe",
        "type": "motion",
        "text": TEXT,
        "reasons": "Weil.",
        "group_name": "",
        "amount": "",
        "cost_centre": "",
        "co_proposers": "",
        "lock_version": "0",
    }
    preview = post(client, f"{call_path}/motions/new", form | {"action": "preview"})
    assert preview.status_code == 200
    numbers = [n.get_text() for n in page(preview).select(".motion-text .line-number")]
    assert numbers[:3] == ["1", "2", "3"]
    assert session.exec(select(Motion)).first() is None
    response = post(client, f"{call_path}/motions/new", form | {"action": "draft"})
    assert response.status_code == 303
    motion_path = response.headers["location"]
    assert post(client, f"{motion_path}/submit", {}).status_code == 303
    motion = session.exec(select(Motion)).one()
    session.refresh(motion)
    assert (motion.number, motion.status) == ("A1", "collecting")

    # a second member supports it; it proceeds
    client = as_person("ben")
    assert post(client, f"{motion_path}/support", {}).status_code == 303
    session.refresh(motion)
    assert motion.status == "submitted"

    # a board member screens and publishes it
    client = as_person("bo")
    assert post(client, f"{motion_path}/steps/screen", {}).status_code == 303
    assert post(client, f"{motion_path}/steps/publish", {}).status_code == 303
    session.refresh(motion)
    assert motion.status == "published"
    assert motion.current_version_id

    # the member writes an amendment and sees its line reference
    client = as_person("ben")
    amended = TEXT.replace("auch online,", "auch online und barrierefrei,")
    response = post(
        client,
        f"{motion_path}/amendments/new",
        {
            "title": "Barrierefreiheit",
            "text": amended,
            "reasons": "",
            "group_name": "",
            "co_proposers": "",
            "lock_version": "0",
            "action": "submit",
            "mode": "",
        },
    )
    assert response.status_code == 303, response.text
    amendment_path = response.headers["location"]
    shown = page(client.get(amendment_path))
    instruction = shown.select_one(".instructions li").get_text()
    assert "barrierefrei" in instruction
    assert "3" in instruction
    assert "barrierefrei" in shown.select_one("ins").get_text()

    # it needs a supporter too
    client = as_person("anna")
    assert post(client, f"{amendment_path}/support", {}).status_code == 303

    # the board publishes the amendment and recommends; staff record the decisions
    client = as_person("bo")
    assert post(client, f"{amendment_path}/steps/publish", {}).status_code == 303
    assert (
        post(client, f"{amendment_path}/steps/recommend", {"recommendation": "adopt"}).status_code
        == 303
    )
    assert (
        post(client, f"{motion_path}/steps/recommend", {"recommendation": "adopt"}).status_code
        == 303
    )
    client = as_person("sami")
    assert post(client, f"{amendment_path}/steps/decide", {"outcome": "adopted"}).status_code == 303
    decided = post(
        client,
        f"{motion_path}/steps/decide",
        {
            "outcome": "adopted_modified",
            "outcome_text": "mit Änderungen beschlossen",
            "decided_on": "2099-03-20",
        },
    )
    assert decided.status_code == 303

    # merge the adopted amendment: preview, then commit
    amendment = session.exec(select(Amendment)).one()
    preview = post(
        client,
        f"{motion_path}/merge",
        [
            ("amendment", str(amendment.id)),
            ("action", "preview"),
            ("text", ""),
            ("expected_version", ""),
        ],
    )
    assert preview.status_code == 200
    merged_text = page(preview).select_one("textarea[name=text]").get_text()
    assert "barrierefrei" in merged_text
    version_id = page(preview).select_one("input[name=expected_version]")["value"]
    commit = post(
        client,
        f"{motion_path}/merge",
        [
            ("amendment", str(amendment.id)),
            ("action", "commit"),
            ("text", merged_text),
            ("expected_version", version_id),
        ],
    )
    assert commit.status_code == 303, commit.text
    versions = session.exec(select(MotionVersion).order_by(MotionVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    compare = page(client.get(f"{motion_path}/versions?from=1&to=2"))
    assert "barrierefrei" in compare.select_one("ins").get_text()

    # the resolution has a number and the merged text
    resolution = session.exec(select(Resolution)).one()
    assert resolution.number == "2099/1"
    assert resolution.outcome == "mit Änderungen beschlossen"
    shown = page(client.get(f"/bodies/{org.state_convention.key}/resolutions/2099/1"))
    assert "barrierefrei" in shown.select_one(".resolution-text").get_text()

    # history and notifications
    steps = [
        c.to_status
        for c in session.exec(
            select(StatusChange)
            .where(StatusChange.amendment_id.is_(None))
            .order_by(StatusChange.id)
        ).all()
    ]
    assert steps == [
        "draft",
        "collecting",
        "submitted",
        "screened",
        "published",
        "recommended",
        "adopted_modified",
    ]
    anna = session.exec(
        select(Notification).where(Notification.member_id == motion.created_by)
    ).all()
    assert len(anna) >= 4

    # exports
    pdf = client.get(f"{motion_path}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "barrierefrei" in text
    assert "A1" in text
    csv = client.get(f"{call_path}/motions.csv")
    assert "A1-Ä1" in csv.text
    assert "Barrierefreiheit" in csv.text
    book = client.get(f"{call_path}/book.pdf")
    assert book.status_code == 200
    assert book.content.startswith(b"%PDF")


def test_the_data_download_lists_what_a_member_proposed_and_supported(as_person, org, session):
    from plenum.orgs.models import Member
    from tests.support.motions import make_call, submitted_motion

    call = make_call(session, org.state_convention, supporters_required=2)
    as_person("anna")

    anna_id = session.exec(select(Member.id).where(Member.subject == "anna")).one()
    motion = submitted_motion(session, call, anna_id)
    client = as_person("ben")
    assert post(client, f"/motions/{motion.id}/support", {}).status_code == 303
    data = client.get("/me/export.json").json()
    assert data["motions"]["supported"] == [
        {"motion": motion.title, "amendment": None, "status": "collecting"}
    ]
    client = as_person("anna")
    assert client.get("/me/export.json").json()["motions"]["proposed"][0]["motion"] == motion.title
