"""Attachments of motions: proposers add PDFs and images until the deadline; whoever may
see the motion downloads them; anything else is refused and nothing is stored."""

from __future__ import annotations

import zlib

import pytest
from sqlmodel import select

from plenum.motions.models import Attachment, Motion
from tests.support.motions import make_call, motion_input, who
from tests.support.web import asked, english, enrol, log_in_as, page, text, token
from tests.web.test_motions import PEOPLE

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def people(session, settings, org):
    return {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}


@pytest.fixture
def org(session):
    from tests.support.factories import structure

    return structure(session)


@pytest.fixture
def draft(session, org, people) -> Motion:
    from plenum.motions import service

    call = make_call(session, org.state_convention)
    place = service.call_place(call.id, session=session)
    return service.save_draft(
        place, motion_input(), principal=who(session, people["pia"]), session=session
    )


def upload(client, motion_id: int, name: str, data: bytes, kind: str = "application/pdf"):
    return client.post(
        f"/motions/{motion_id}/attachments",
        data={"csrf_token": token(client)},
        files={"file": (name, data, kind)},
    )


def as_person(client, provider, name: str):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def test_the_proposer_attaches_a_pdf_which_others_who_see_the_motion_download(
    client, provider, session, draft, people
):
    client = as_person(client, provider, "pia")
    response = upload(client, draft.id, "../../Haushalt 2027.pdf", PDF)
    assert response.status_code == 303
    stored = session.exec(select(Attachment)).one()
    assert stored.filename == "Haushalt 2027.pdf"
    assert stored.content_type == "application/pdf"
    shown = page(client.get(f"/motions/{draft.id}"))
    link = shown.select_one("#attachments a")
    assert text(link) == "Haushalt 2027.pdf"
    download = client.get(link["href"])
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")

    # a draft and its attachments are the proposer's alone
    client = as_person(client, provider, "mia")
    assert client.get(link["href"]).status_code == 404
    assert upload(client, draft.id, "x.pdf", PDF).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "script.pdf",
            b"<script>alert(1)</script>",
            "Only PDF, PNG and JPEG files can be attached.",
        ),
        ("leer.pdf", b"", "Please choose a file."),
        ("gross.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "The file is larger than 10 MB."),
    ],
)
def test_files_that_are_not_what_they_claim_or_too_big_are_refused(
    client, provider, session, draft, name, data, message
):
    client = as_person(client, provider, "pia")
    response = upload(client, draft.id, name, data)
    assert response.status_code == 303
    assert message in text(page(client.get(f"/motions/{draft.id}")).select_one(".flashes"))
    assert session.exec(select(Attachment)).first() is None


def pdf_with(objects: bytes) -> bytes:
    return b"%PDF-1.7\n" + objects + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def compressed(content: bytes) -> bytes:
    stream = zlib.compress(content)
    header = b"5 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>" % len(stream)
    return header + b"stream\r\n" + stream + b"\r\nendstream endobj"


SCRIPT = b"<</S/JavaScript/JS(app.alert(1))>>"
HARMLESS = compressed(b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj " + b"0" * 300_000)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("seite.html", PDF, "The file name must end in .pdf, .png or .jpg, as its content."),
        ("setup.exe", PDF, "The file name must end in .pdf, .png or .jpg, as its content."),
        ("bild.pdf", PNG, "The file name must end in .pdf, .png or .jpg, as its content."),
        ("a.pdf", pdf_with(b"1 0 obj<</OpenAction " + SCRIPT + b">>endobj"), "scripts"),
        ("b.pdf", pdf_with(b"1 0 obj<</Names<</J#61vaScript 3 0 R>>>>endobj"), "scripts"),
        ("c.pdf", pdf_with(b"3 0 obj<</AA<</O 4 0 R>>>>endobj"), "scripts"),
        ("d.pdf", pdf_with(b"4 0 obj<</S/Launch/F(cmd.exe)>>endobj"), "scripts"),
        ("e.pdf", pdf_with(b"6 0 obj<</Type/EmbeddedFile>>stream\nMZ\nendstream"), "scripts"),
        ("f.pdf", pdf_with(HARMLESS + compressed(b"7 0 obj" + SCRIPT + b"endobj")), "scripts"),
    ],
)
def test_files_named_otherwise_or_pdfs_that_act_by_themselves_are_refused(
    client, provider, session, draft, name, data, message
):
    client = as_person(client, provider, "pia")
    response = upload(client, draft.id, name, data)
    assert response.status_code == 303
    assert message in text(page(client.get(f"/motions/{draft.id}")).select_one(".flashes"))
    assert session.exec(select(Attachment)).first() is None


def test_a_pdf_with_harmless_compressed_streams_is_served_only_as_a_download(
    client, provider, session, draft
):
    client = as_person(client, provider, "pia")
    data = pdf_with(HARMLESS)
    assert upload(client, draft.id, "Plan.PDF", data).status_code == 303
    stored = session.exec(select(Attachment)).one()
    download = client.get(f"/attachments/{stored.id}")
    assert download.content == data
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''Plan.PDF"
    assert download.headers["x-content-type-options"] == "nosniff"


def test_the_proposer_removes_an_attachment_and_nobody_else_may(
    client, provider, session, draft, people
):
    client = as_person(client, provider, "pia")
    upload(client, draft.id, "bild.png", PNG, "image/png")
    stored = session.exec(select(Attachment)).one()
    assert stored.content_type == "image/png"
    client = as_person(client, provider, "sami")
    refused = client.post(f"/attachments/{stored.id}/delete", data={"csrf_token": token(client)})
    assert refused.status_code in (403, 404)
    client = as_person(client, provider, "pia")
    removed = client.post(f"/attachments/{stored.id}/delete", data={"csrf_token": token(client)})
    assert removed.status_code == 303
    session.expire_all()
    assert session.exec(select(Attachment)).first() is None


def test_deleting_a_draft_removes_it_with_its_attachments(client, provider, session, draft):
    client = as_person(client, provider, "pia")
    draft_id = draft.id
    upload(client, draft_id, "plan.pdf", PDF)
    asked(client, f"/motions/{draft_id}/delete")
    assert client.get(f"/motions/{draft_id}").status_code == 200  # asked, nothing deleted
    response = client.post(f"/motions/{draft_id}/delete", data={"csrf_token": token(client)})
    assert response.status_code == 303
    session.expunge_all()
    assert session.exec(select(Motion)).first() is None
    assert session.exec(select(Attachment)).first() is None
    assert client.get(f"/motions/{draft_id}").status_code == 404
