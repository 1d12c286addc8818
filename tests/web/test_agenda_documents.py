"""Documents of agenda items: who runs the meeting attaches PDFs and images to an item;
everyone who sees the meeting downloads them from the agenda, and from the live room while
the item is current. Files are checked by content; a refused file changes nothing and its
message stands next to the item's file field; the same upload sent twenty times at once
attaches the file once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, col, func, select

from plenum.app import create_app
from plenum.meetings import agenda
from plenum.meetings.models import AgendaDocument, AgendaItem, Meeting
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting, place
from tests.support.served import race, served
from tests.support.web import english, enrol, log_in_as, page, post, text, token

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="750001"
    ),
    "mia": claims("mia", name="Mia Mitglied", number="750002"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="750003"),
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\n% another\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACTIVE_PDF = b"%PDF-1.7\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF\n"


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return org


def conference(session: Session, world) -> tuple[Meeting, list[AgendaItem]]:
    """A conference of the state for all its members; the report is the current item."""
    meeting = make_meeting(session, world.state, None, world.people["gina"])
    at = place(session, meeting)
    items = [
        agenda.add_item(at, agenda.parse_item({"title": t, "kind": "report"}, []), session=session)
        for t in ("Bericht des Vorstands", "Haushalt")
    ]
    agenda.make_current(at, items[0], session=session)
    session.commit()
    return meeting, items


def attach(client, meeting: Meeting, item: AgendaItem, name: str, data: bytes, kind: str):
    return post(
        client,
        f"/meetings/{meeting.id}/agenda/{item.id}/documents",
        {},
        files={f"file-{item.id}": (name, data, kind)},
    )


def stored(session: Session, item: AgendaItem) -> list[tuple[str, int]]:
    session.rollback()
    session.expire_all()
    query = select(AgendaDocument.filename, AgendaDocument.size).where(
        AgendaDocument.item_id == item.id
    )
    return sorted(session.exec(query))


def test_the_chair_attaches_a_document_and_the_audience_downloads_it(
    client, provider, session, world
):
    meeting, items = conference(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    answer = attach(client, meeting, items[0], "../Rechenschaft 2026.pdf", PDF, "application/pdf")
    assert answer.status_code == 303
    assert stored(session, items[0]) == [("Rechenschaft 2026.pdf", len(PDF))]
    doc = session.exec(select(AgendaDocument)).one()
    href = f"/meetings/{meeting.id}/documents/{doc.id}"
    assert page(client.get(f"/meetings/{meeting.id}/agenda")).select_one(f'a[href="{href}"]')

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    shown = page(client.get(f"/meetings/{meeting.id}"))
    link = shown.select_one(f'.meeting-agenda a[href="{href}"]')
    assert text(link) == "Rechenschaft 2026.pdf"
    live = page(client.get(f"/meetings/{meeting.id}/live"))
    assert live.select_one(f'#region-agenda a[href="{href}"]')
    download = client.get(href)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "nosniff" in download.headers["x-content-type-options"]
    refused = post(client, f"/meetings/{meeting.id}/documents/{doc.id}/remove", {})
    assert refused.status_code == 403
    assert stored(session, items[0]) == [("Rechenschaft 2026.pdf", len(PDF))]

    log_in_as(client, provider, "sam", PEOPLE["sam"])
    assert client.get(href).status_code == 404

    client.cookies.clear()
    assert client.get(href).headers["location"].startswith("/auth/login?next=")

    log_in_as(client, provider, "gina", PEOPLE["gina"])
    removed = post(client, f"/meetings/{meeting.id}/documents/{doc.id}/remove", {})
    assert removed.status_code == 303
    assert stored(session, items[0]) == []
    assert client.get(href).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "kind", "message"),
    [
        ("bericht.pdf", b"<html><script>x()</script></html>", "application/pdf",
         "Only PDF, PNG and JPEG files can be attached."),
        ("bericht.html", PDF, "text/html",
         "The file name must end in .pdf, .png or .jpg, as its content."),
        ("aktiv.pdf", ACTIVE_PDF, "application/pdf",
         "PDF files with scripts, actions or embedded files cannot be attached."),
        ("leer.pdf", b"", "application/pdf", "Please choose a file."),
        ("gross.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf",
         "The file is larger than 10 MB."),
    ],
)  # fmt: skip
def test_a_refused_file_is_explained_next_to_its_field_and_changes_nothing(
    client, provider, session, world, name, data, kind, message
):
    meeting, items = conference(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    answer = attach(client, meeting, items[1], name, data, kind)
    assert answer.status_code == 422
    shown = page(answer)
    assert text(shown.select_one(f"#file-{items[1].id}-error")) == message
    assert shown.select_one(f"#field-file-{items[1].id}")["aria-invalid"] == "true"
    assert shown.select_one(".error-summary")
    assert stored(session, items[1]) == []


def test_the_same_file_again_is_attached_once_another_of_that_name_is_refused(
    client, provider, session, world
):
    meeting, items = conference(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    english(client)
    for _ in range(2):
        assert (
            attach(client, meeting, items[0], "plan.pdf", PDF, "application/pdf").status_code == 303
        )
    assert stored(session, items[0]) == [("plan.pdf", len(PDF))]
    other = attach(client, meeting, items[0], "plan.pdf", OTHER_PDF, "application/pdf")
    assert other.status_code == 422
    assert "already attached" in text(page(other).select_one(f"#file-{items[0].id}-error"))
    assert stored(session, items[0]) == [("plan.pdf", len(PDF))]


def test_a_document_is_reached_only_through_its_own_meeting(client, provider, session, world):
    meeting, items = conference(session, world)
    second, _ = conference(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    assert attach(client, meeting, items[0], "plan.pdf", PDF, "application/pdf").status_code == 303
    doc = session.exec(select(AgendaDocument)).one()
    assert client.get(f"/meetings/{second.id}/documents/{doc.id}").status_code == 404
    wrong = post(client, f"/meetings/{second.id}/documents/{doc.id}/remove", {})
    assert wrong.status_code == 404
    assert stored(session, items[0]) == [("plan.pdf", len(PDF))]


def test_removing_an_item_removes_its_documents(client, provider, session, world):
    meeting, items = conference(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    assert attach(client, meeting, items[1], "plan.pdf", PDF, "application/pdf").status_code == 303
    assert (
        post(client, f"/meetings/{meeting.id}/agenda/{items[1].id}/remove", {}).status_code == 303
    )
    session.rollback()
    assert session.exec(select(func.count()).select_from(AgendaDocument)).one() == 0


def test_twenty_identical_uploads_at_once_attach_the_file_once(
    client, provider, session, world, settings
):
    meeting, items = conference(session, world)
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    csrf = token(client)
    cookies = dict(client.cookies.items())
    path = f"/meetings/{meeting.id}/agenda/{items[0].id}/documents"
    with served(lambda url: create_app(settings.with_changes(base_url=url))) as base_url:

        def send(one):
            return one.post(
                base_url + path,
                data={"csrf_token": csrf},
                files={f"file-{items[0].id}": ("plan.pdf", PDF, "application/pdf")},
            )

        statuses = Counter(r.status_code for r in race(20, send, cookies=cookies))
    assert statuses == {303: 20}
    assert stored(session, items[0]) == [("plan.pdf", len(PDF))]
    count = select(func.count()).select_from(AgendaDocument)
    assert session.exec(count.where(col(AgendaDocument.item_id) == items[0].id)).one() == 1
