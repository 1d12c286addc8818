"""E-mail: immediate notices over a real SMTP server, the outbox's retries, one-click
unsubscribe without a session, and the member's e-mail settings page."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from plenum.clock import utcnow
from plenum.discuss import service as discuss
from plenum.mail import outbox
from plenum.mail.compose import Composed, queue
from plenum.mail.models import OutgoingMail
from plenum.mail.tokens import make_token
from plenum.notify.service import mark_all_read
from plenum.orgs.models import Member
from tests.support.discuss import comment, topic
from tests.support.factories import claims, structure
from tests.support.processes import free_port
from tests.support.smtp import smtp_server
from tests.support.web import english, enrol, log_in_as, page, post, text

PEOPLE = {
    "ada": claims("ada", name="Ada Aktiv", number="550001"),
    "bea": claims("bea", name="Bea Beispiel", number="550002"),
    "cem": claims("cem", name="Cem Coelln", number="550003"),
}


@pytest.fixture
def inbox():
    with smtp_server() as found:
        yield found


@pytest.fixture
def mail_settings(settings, inbox):
    return settings.with_changes(**inbox.settings())


@pytest.fixture
def org(session):
    return structure(session)


@pytest.fixture
def people(session, settings, org):
    return {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}


def set_delivery(session, member_id: int, delivery: str, locale: str = "") -> None:
    member = session.get(Member, member_id)
    member.delivery, member.locale = delivery, locale
    session.add(member)
    session.commit()


def outbox_rows(session) -> list[OutgoingMail]:
    session.expire_all()
    return list(session.exec(select(OutgoingMail).order_by(OutgoingMail.id)).all())


def unsubscribe_link(message) -> str:
    return re.fullmatch(r"<(.+)>", message["List-Unsubscribe"].strip()).group(1)


# --- immediate notices ----------------------------------------------------------------------


def test_a_comment_mails_followers_who_chose_immediately(
    session, org, people, mail_settings, inbox
):
    thread = topic(session, org.county, people["ada"], title="Kita-Plätze {Köln}")
    set_delivery(session, people["ada"], "immediate", "en")
    discuss.follow_thread(people["cem"], thread.id, session=session)  # cem reads daily

    posted = comment(session, thread.id, people["bea"], "Ich kümmere mich darum.")

    assert [row.recipient for row in outbox_rows(session)] == ["ada@example.invalid"]
    assert outbox.send_pending(mail_settings, session=session) == 1
    [message] = inbox.messages
    assert message["To"] == "ada@example.invalid"
    assert message["Subject"] == "New comment by Bea Beispiel in “Kita-Plätze {Köln}”"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = make_token(mail_settings.secret_key, people["ada"])
    assert unsubscribe_link(message) == f"http://testserver/unsubscribe/{token}"
    body = message.get_content()
    assert f"http://testserver/threads/{thread.id}#c{posted.seq}" in body
    assert f"http://testserver/unsubscribe/{token}" in body
    assert "http://testserver/me/delivery" in body
    assert "{base_url}" not in body
    assert outbox_rows(session)[0].sent_at is not None
    wire = inbox.raw[0].decode("ascii")  # headers stay on one line; the body is readable
    assert f"\r\nList-Unsubscribe: <http://testserver/unsubscribe/{token}>\r\n" in wire
    assert "Content-Transfer-Encoding: quoted-printable" in wire


def test_line_breaks_in_a_title_never_start_a_line_of_the_mail(
    session, org, people, mail_settings, inbox
):
    forged = "Kita\r\nBcc: alle@example.invalid\n\nJetzt abstimmen: https://evil.example/\u2028Ende"
    thread = topic(session, org.county, people["ada"], title=forged)
    set_delivery(session, people["ada"], "immediate", "en")

    comment(session, thread.id, people["bea"], "Ich kümmere mich darum.")

    assert outbox.send_pending(mail_settings, session=session) == 1
    [message] = inbox.messages
    assert message["Bcc"] is None
    folded = "Kita Bcc: alle@example.invalid Jetzt abstimmen: https://evil.example/ Ende"
    assert folded in message["Subject"]
    lines = message.get_content().splitlines()
    assert [line for line in lines if "Bcc" in line] == [
        f"New comment by Bea Beispiel in “{folded}”"
    ]
    assert not [line for line in lines if line.startswith(("Bcc", "Jetzt", "https://evil"))]
    wire = inbox.raw[0].decode("ascii")
    assert "\r\nBcc:" not in wire
    assert "\nJetzt" not in wire


def test_one_mail_per_thread_until_the_notice_is_read(session, org, people, mail_settings, inbox):
    thread = topic(session, org.county, people["ada"])
    set_delivery(session, people["ada"], "immediate")

    comment(session, thread.id, people["bea"], "Erstens")
    comment(session, thread.id, people["cem"], "Zweitens")
    assert len(outbox_rows(session)) == 1
    mark_all_read(people["ada"], session=session)
    comment(session, thread.id, people["bea"], "Drittens")

    assert outbox.send_pending(mail_settings, session=session) == 2
    assert [m["To"] for m in inbox.messages] == ["ada@example.invalid"] * 2


def test_nothing_is_queued_for_the_author_or_members_without_immediate(session, org, people):
    thread = topic(session, org.county, people["ada"])
    set_delivery(session, people["ada"], "weekly")
    set_delivery(session, people["bea"], "immediate")  # the author of the next comment
    comment(session, thread.id, people["bea"], "Selbst geschrieben")
    assert outbox_rows(session) == []


# --- the outbox -----------------------------------------------------------------------------


def queued(session, member_id: int, subject: str = "Hallo") -> OutgoingMail:
    member = session.get(Member, member_id)
    mail = queue(member, Composed(subject, "Text {{mit}} Klammern\n"), session=session)
    session.commit()
    return mail


def test_three_senders_at_once_send_every_mail_exactly_once(
    session, database, people, mail_settings, inbox
):
    """A second clock, a digest run and the clock at the same moment: each mail once."""
    for n in range(12):
        queued(session, people["ada" if n % 2 else "bea"], subject=f"Nachricht {n}")
    barrier = threading.Barrier(3)
    sent: list[int] = []

    def sender() -> None:
        with database.session() as own:
            barrier.wait(timeout=30)
            sent.append(outbox.send_pending(mail_settings, session=own))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent) == 12
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects == sorted(f"Nachricht {n}" for n in range(12))


def readdress(session, member_id: int, email: str) -> None:
    member = session.get(Member, member_id)
    member.email = email
    session.add(member)
    session.commit()


def test_a_refused_recipient_does_not_stop_the_others(session, people, mail_settings, inbox):
    readdress(session, people["ada"], "refused-ada@example.invalid")
    readdress(session, people["bea"], "later-bea@example.invalid")
    for name in ("ada", "bea", "cem"):
        queued(session, people[name])

    assert outbox.send_pending(mail_settings, session=session) == 1
    ada, bea, cem = outbox_rows(session)
    assert (ada.sent_at, ada.attempts) == (None, outbox.MAX_ATTEMPTS)  # 550: given up
    assert ada.last_error.startswith("550")
    assert (bea.sent_at, bea.attempts) == (None, 1)  # 451: tried again next time
    assert bea.last_error.startswith("451")
    assert cem.sent_at is not None
    assert [m["To"] for m in inbox.messages] == ["cem@example.invalid"]
    assert inbox.messages[0].get_content() == "Text {mit} Klammern\n"

    assert outbox.send_pending(mail_settings, session=session) == 0
    assert [row.attempts for row in outbox_rows(session)] == [outbox.MAX_ATTEMPTS, 2, 1]


def test_an_unreachable_relay_keeps_the_mail_for_the_next_run(session, people, settings, inbox):
    queued(session, people["ada"])
    down = settings.with_changes(smtp_host="127.0.0.1", smtp_port=free_port())

    assert outbox.send_pending(down, session=session) == 0
    [row] = outbox_rows(session)
    assert (row.sent_at, row.attempts) == (None, 1)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()

    assert outbox.send_pending(settings.with_changes(**inbox.settings()), session=session) == 1
    assert len(inbox.messages) == 1


def test_the_relay_login_is_used(session, people, settings):
    queued(session, people["ada"])
    with smtp_server(login=("plenum", "geheim")) as guarded:
        wrong = settings.with_changes(**guarded.settings(), smtp_username="plenum")
        assert outbox.send_pending(wrong, session=session) == 0
        right = wrong.with_changes(smtp_password="geheim")
        assert outbox.send_pending(right, session=session) == 1
        assert guarded.logins == ["plenum"]


def test_mail_that_is_no_longer_wanted_or_too_old_is_not_sent(
    session, people, mail_settings, inbox
):
    queued(session, people["ada"])
    old = queued(session, people["bea"])
    old.created_at = utcnow() - timedelta(days=4)
    session.add(old)
    session.commit()
    set_delivery(session, people["ada"], "none")  # unsubscribed after it was queued

    assert outbox.send_pending(mail_settings, session=session) == 0
    assert inbox.messages == []
    [row] = outbox_rows(session)
    assert row.member_id == people["bea"]
    assert row.last_error == outbox.EXPIRED


def test_without_a_relay_nothing_is_sent_and_nothing_is_lost(session, people, settings):
    queued(session, people["ada"])
    assert outbox.send_pending(settings, session=session) == 0
    assert outbox_rows(session)[0].attempts == 0


# --- unsubscribe ----------------------------------------------------------------------------


def test_one_click_unsubscribe_works_without_a_session(session, people, mail_settings, app):
    token = make_token(mail_settings.secret_key, people["ada"])
    with TestClient(app, base_url="http://testserver") as mail_program:
        assert not mail_program.cookies
        response = mail_program.post(
            f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
        )
    assert response.status_code == 200
    assert "Plenum schickt dir keine E-Mails mehr" in text(page(response))
    session.expire_all()
    assert session.get(Member, people["ada"]).delivery == "none"


def test_the_unsubscribe_link_shows_a_button_and_changes_nothing_by_itself(
    client, session, people, settings
):
    set_delivery(session, people["ada"], "weekly")
    token = make_token(settings.secret_key, people["ada"])
    shown = client.get(f"/unsubscribe/{token}")
    assert shown.status_code == 200
    form = page(shown).select_one(f"form[action='/unsubscribe/{token}'][method=post]")
    assert form.select_one("button[type=submit]") is not None
    session.expire_all()
    assert session.get(Member, people["ada"]).delivery == "weekly"

    done = post(client, f"/unsubscribe/{token}")
    assert done.status_code == 200
    session.expire_all()
    assert session.get(Member, people["ada"]).delivery == "none"


@pytest.mark.parametrize(
    "token",
    ["1.AAAA", "abc", "1", "99999.x", "{other}"],
)
def test_a_bad_unsubscribe_token_is_not_found(client, session, people, settings, token):
    token = token.replace("{other}", make_token("another-secret", people["ada"]))
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    session.expire_all()
    assert session.get(Member, people["ada"]).delivery == "daily"


def test_a_token_names_exactly_one_member(client, session, people, settings):
    token = make_token(settings.secret_key, people["ada"])
    forged = token.replace(f"{people['ada']}.", f"{people['bea']}.", 1)
    assert client.post(f"/unsubscribe/{forged}").status_code == 404


def test_other_paths_still_need_the_csrf_token(client, provider, session, people):
    log_in_as(client, provider, "ada", PEOPLE["ada"])
    for path in ("/me/delivery", "/unsubscribe", "/unsubscribex/1.abc", "/language"):
        response = client.post(path, data={"delivery": "none", "locale": "en"})
        assert response.status_code == 403, path
    session.expire_all()
    assert session.get(Member, people["ada"]).delivery == "daily"


# --- the member's e-mail settings -----------------------------------------------------------


def test_a_member_chooses_how_plenum_writes(client, provider, session, people):
    log_in_as(client, provider, "ada", PEOPLE["ada"])
    english(client)
    me = page(client.get("/me"))
    assert me.select_one("a[href='/me/delivery']") is not None

    shown = page(client.get("/me/delivery"))
    radios = shown.select("#delivery-form input[type=radio][name=delivery]")
    assert [r["value"] for r in radios] == ["immediate", "daily", "weekly", "none"]
    assert shown.select_one("input[name=delivery][checked]")["value"] == "daily"
    labels = [text(shown.select_one(f"label[for=delivery-{r['value']}]")) for r in radios]
    assert labels[0].startswith("Immediately")
    assert labels[3].startswith("Never")

    saved = post(client, "/me/delivery", {"delivery": "weekly"})
    assert saved.status_code == 303
    again = page(client.get(saved.headers["location"]))
    assert again.select_one("input[name=delivery][checked]")["value"] == "weekly"
    assert "Your e-mail settings have been saved." in text(again.select_one(".flashes"))


def test_a_bad_choice_is_explained_beside_the_field(client, provider, session, people):
    log_in_as(client, provider, "ada", PEOPLE["ada"])
    refused = post(client, "/me/delivery", {"delivery": "hourly"})
    assert refused.status_code == 422
    error = page(refused).select_one("#delivery-form fieldset #delivery-error")
    assert text(error)
    session.expire_all()
    assert session.get(Member, people["ada"]).delivery == "daily"


def test_the_settings_page_needs_a_login(client):
    response = client.get("/me/delivery")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/login")
