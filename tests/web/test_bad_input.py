"""Bad input never gives a 500: digits that are no ASCII digits, ids beyond the columns,
malformed multipart bodies, NUL characters and dates at the ends of the calendar are
refused with 400, 404 or 422 (with the message beside the field), and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import func, select

from plenum.app import Plenum
from plenum.discuss.models import Comment
from plenum.motions.models import Consultation, Motion
from plenum.votes.models import Vote
from plenum.web.paths import BigIdConvertor, IdConvertor
from tests.support.busy import BROAD, Busy, busy_world
from tests.support.motions import CALL_FORM, MOTION_TEXT
from tests.support.votes import VOTE_FORM
from tests.support.web import log_in_as, page, post, text, token

NUL_MESSAGE = (
    "Die Eingabe enthält ein Nullzeichen, das nicht gespeichert werden kann. "
    "Bitte entferne es und sende das Formular erneut."
)
DATE_MESSAGE = "Bitte gib ein Datum zwischen den Jahren 1900 und 2999 ein."
HUGE = (2**31, 2**63, 2**64, 10**30)


@pytest.fixture
def busy(session, settings) -> Busy:
    return busy_world(session, settings)


@pytest.fixture
def gina(client, provider, busy):
    return log_in_as(client, provider, "gina", BROAD)


def count(session: Any, model: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


def field_error(response: Any, name: str) -> str:
    error = page(response).select_one(f".field-error#{name}-error")
    assert error is not None, f"no message beside {name}"
    return text(error)


# --- numbers ----------------------------------------------------------------------------------


ODD_DIGITS = ["²", "١٢", "９", "2147483648", "99999999999999999999"]


def test_odd_digits_in_query_values_are_ignored(gina, busy):
    ids = busy.ids

    def paths(digits: str) -> list[str]:
        return [
            f"/threads/{ids['threads']}?page={digits}&at={digits}&reply_to={digits}",
            f"/motions/{ids['motions']}/versions?from={digits}&to={digits}",
            f"/bodies/{busy.keys['bodies']}/resolutions?year={digits}",
            f"/search?q=Teilhabe&start={digits}",
        ]

    for path in (path for digits in ODD_DIGITS for path in paths(digits)):
        assert gina.get(path).status_code == 200, path


def test_odd_digits_in_form_numbers_are_refused_without_an_error(gina, busy):
    ids, body = busy.ids, busy.keys["bodies"]
    motion = f"/motions/{ids['motions']}"

    def cases(digits: str) -> list[tuple[str, dict[str, str]]]:
        return [
            (f"{motion}/edit", {"title": "Neu", "text": MOTION_TEXT, "lock_version": digits}),
            (f"{motion}/steps/recommend", {"recommendation": "adopt", "lock_version": digits}),
            (
                f"{motion}/merge",
                {"amendment": digits, "resolved": digits, "expected_version": digits},
            ),
            (f"/bodies/{body}/attendance", {"member_id": digits, "present": "1"}),
            (f"/bodies/{body}/seats", {"delegate_id": digits, "substitute_id": digits}),
            (f"/threads/{ids['threads']}/comments", {"body": "Ja.", "quote_first": digits}),
        ]

    for digits in ODD_DIGITS:
        for path, data in cases(digits):
            assert post(gina, path, data).status_code in (200, 303, 409, 422), (path, digits)


def route_patterns(app: Plenum) -> list[tuple[str, str]]:
    """(method, path pattern) of every route with a number in its path."""
    return [
        (method, route.path)
        for route in app.routes
        if "int" in getattr(route, "path", "")
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"})
    ]


def test_ids_beyond_the_column_range_are_not_found(gina, app, busy):
    csrf = token(gina)
    for method, pattern in route_patterns(app):
        for huge in HUGE:
            path = pattern.replace("{key}", busy.keys["bodies"])
            path = re.sub(r"\{\w+:int\}", str(huge), path)
            response = gina.request(method, path, data={"csrf_token": csrf})
            assert response.status_code == 404, (method, path)


def test_every_number_in_a_path_is_bounded_to_the_id_column(app):
    convertors = [
        convertor
        for route in app.routes
        for convertor in getattr(route, "param_convertors", {}).values()
        if type(convertor).__name__.endswith("IntegerConvertor") or "Id" in type(convertor).__name__
    ]
    assert convertors
    # Janus's session and handle ids (video relay) are another system's: up to 2**53 - 1,
    # kept in BIGINT columns
    assert all(isinstance(convertor, IdConvertor | BigIdConvertor) for convertor in convertors)
    assert re.fullmatch(BigIdConvertor.regex, str(2**53 - 1))
    assert not re.fullmatch(BigIdConvertor.regex, str(2**53))


# --- malformed multipart --------------------------------------------------------------------

MALFORMED = [
    ("multipart/form-data", b"csrf_token=x"),
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("multipart/form-data; boundary=xyz", b"garbage without any boundary"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data\r\n\r\nv"),
    ("multipart/form-data; boundary=xyz", b'--xyz\r\nContent-Disposition: form-data; name="a'),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\n\x00\xff\xfe\r\n--xyz--\r\n"),
]


def test_a_malformed_multipart_body_without_login_is_refused(client, busy):
    for content_type, body in MALFORMED:
        for path in (f"/motions/{busy.ids['motions']}/attachments", "/language", "/auth/logout"):
            headers = {"content-type": content_type}
            response = client.post(path, content=body, headers=headers)
            assert response.status_code in (400, 403), (path, body, response.status_code)


def test_a_malformed_multipart_body_with_the_token_is_refused(gina, busy):
    motion = f"/motions/{busy.ids['motions']}"
    for content_type, body in MALFORMED:
        headers = {"content-type": content_type, "x-csrf-token": token(gina)}
        for path in (f"{motion}/attachments", f"{motion}/edit", f"{motion}/amendments/new"):
            response = gina.post(path, content=body, headers=headers)
            assert 400 <= response.status_code < 500, (path, body, response.status_code)


# --- NUL characters ---------------------------------------------------------------------------


def test_a_nul_in_a_path_or_query_is_refused_with_a_message(gina, busy):
    ids = busy.ids
    for path in (
        "/chapters/lv-nrw%00",
        "/bodies/lv-nrw-convention%00/votes",
        "/unsubscribe/abc%00def",
        "/search?q=Teil%00habe",
        f"/threads/{ids['threads']}?page=1%00",
        f"/motions/{ids['motions']}/amendments/new?mode=%00",
    ):
        response = gina.get(path)
        assert response.status_code == 400, path
        assert text(page(response).select_one(".error-page p")) == NUL_MESSAGE


def test_a_nul_in_a_form_field_is_refused_and_nothing_stored(gina, busy, session):
    ids = busy.ids
    motions, comments = count(session, Motion), count(session, Comment)
    title = session.get(Motion, ids["motions"]).title
    cases = [
        (f"/calls/{ids['calls']}/motions/new", {"title": "A\x00B", "text": MOTION_TEXT}),
        (f"/motions/{ids['motions']}/edit", {"title": "Neu\x00", "text": MOTION_TEXT}),
        (f"/threads/{ids['threads']}/comments", {"body": "Ja\x00, genau."}),
        (f"/motions/{ids['motions']}/amendments/new", {"title": "x", "para_0": "\x00"}),
    ]
    for path, data in cases:
        response = post(gina, path, {"action": "submit", "type": "motion", **data})
        assert response.status_code == 400, path
        assert text(page(response).select_one(".error-page p")) == NUL_MESSAGE
    as_multipart = {"files": {"file": ("a.txt", b"x", "text/plain")}}
    multipart = post(gina, f"/threads/{ids['threads']}/comments", {"body": "\x00"}, **as_multipart)
    assert multipart.status_code == 400
    assert (count(session, Motion), count(session, Comment)) == (motions, comments)
    assert session.get(Motion, ids["motions"]).title == title


# --- dates at the ends of the calendar ----------------------------------------------------------

FAR_OFF = ["0001-01-01T00:00", "0001-01-01", "1899-12-31T23:59", "3000-01-01T00:00", "9999-12-31"]


@pytest.mark.parametrize("when", FAR_OFF)
def test_a_far_off_deadline_is_refused_beside_the_field_and_nothing_stored(
    gina, busy, session, when
):
    body, call_id = busy.keys["bodies"], busy.ids["calls"]
    calls = count(session, Consultation)
    stored = session.get(Consultation, call_id).motion_deadline

    created = post(gina, f"/bodies/{body}/calls/new", CALL_FORM | {"motion_deadline": when})
    edited = post(gina, f"/calls/{call_id}/edit", CALL_FORM | {"amendment_deadline": when})

    assert (created.status_code, edited.status_code) == (422, 422)
    assert field_error(created, "motion_deadline") == DATE_MESSAGE
    assert field_error(edited, "amendment_deadline") == DATE_MESSAGE
    assert page(edited).select_one("#field-amendment_deadline")["value"] == when
    assert count(session, Consultation) == calls
    session.expire_all()
    assert session.get(Consultation, call_id).motion_deadline == stored
    for path in (f"/bodies/{body}/calls", f"/calls/{call_id}"):
        assert gina.get(path).status_code == 200, path


@pytest.mark.parametrize("when", FAR_OFF)
def test_a_far_off_vote_start_is_refused_beside_the_field_and_nothing_stored(
    gina, busy, session, when
):
    body = busy.keys["bodies"]
    votes = count(session, Vote)
    written = VOTE_FORM | {"kind": "written", "opens_at": when, "closes_at": "2099-01-01T10:00"}

    created = post(gina, f"/bodies/{body}/votes", written)
    until = post(gina, f"/bodies/{body}/votes", written | {"opens_at": "", "closes_at": when})

    assert (created.status_code, until.status_code) == (422, 422)
    assert field_error(created, "opens_at") == DATE_MESSAGE
    assert field_error(until, "closes_at") == DATE_MESSAGE
    assert count(session, Vote) == votes
    for path in (f"/bodies/{body}/votes", f"/votes/{busy.ids['votes']}"):
        assert gina.get(path).status_code == 200, path


def test_a_far_off_decision_date_is_refused_beside_the_field(gina, busy, session):
    motion = f"/motions/{busy.ids['motions']}"
    status = session.get(Motion, busy.ids["motions"]).status
    response = post(
        gina, f"{motion}/steps/decide", {"outcome": "adopted", "decided_on": "0001-01-01"}
    )
    assert response.status_code == 422
    assert field_error(response, "decided_on") == DATE_MESSAGE
    session.expire_all()
    assert session.get(Motion, busy.ids["motions"]).status == status
