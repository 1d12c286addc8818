"""Daily and weekly digests, sent to a real SMTP server: grouped by chapter, in the
member's language, only what is unread and still visible, never twice for a period."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from plenum.cli import main
from plenum.clock import utcnow
from plenum.discuss import service as discuss
from plenum.discuss.access import chapter_space
from plenum.i18n import gettext, in_locale
from plenum.mail import outbox
from plenum.mail.digests import digest_for, make_digests, period_of
from plenum.mail.models import DigestLog, OutgoingMail
from plenum.mail.news import published
from plenum.motions import amendments, forms
from plenum.orgs.models import BodyKind, Member, Membership
from plenum.orgs.service import create_body, principal_for
from plenum.times import LOCAL_TIME
from tests.support.discuss import comment, topic
from tests.support.factories import body_input, claims, structure
from tests.support.motions import MOTION_TEXT, amend, make_call, publish, submitted_motion, who
from tests.support.smtp import smtp_server
from tests.support.web import enrol

PEOPLE = {
    "anna": claims("anna", name="Anna Alt", number="660001"),
    "eve": claims("eve", name="Eve English", number="660002"),
    "pia": claims("pia", name="Pia Proposer", number="660003"),
    "bea": claims("bea", name="Bea Beispiel", number="660004"),
    "cem": claims("cem", name="Cem Coelln", number="660005"),
    "gina": claims("gina", name="Gina Office", groups=("lv-nrw-geschaeftsstelle",)),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="660007"),
    "karl": claims("karl", name="Karl Bund", groups=("bund-geschaeftsstelle",)),
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
    found = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    for name in ("gina", "karl", "sam", "bea", "cem", "pia"):
        choose(session, found[name], "none")
    choose(session, found["eve"], "daily", "en")
    return found


def choose(session, member_id: int, delivery: str, locale: str = "") -> None:
    member = session.get(Member, member_id)
    member.delivery, member.locale = delivery, locale
    session.add(member)
    session.commit()


def soon(**delta) -> object:
    return utcnow() + timedelta(**delta)


def sections(body: str) -> dict[str, str]:
    """The digest's text per chapter heading ("== Name =="), in order."""
    parts = re.split(r"^== (.+) ==$", body, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def send(settings, session, kind: str = "daily", at=None) -> int:
    made = make_digests(kind, at or soon(minutes=1), session=session)
    outbox.send_pending(settings, session=session)
    return made


def publish_amendment(session, amendment, actor: int) -> None:
    ap = amendments.amendment_place(amendment.id or 0, session=session)
    data = forms.TransitionInput()
    amendments.transition(ap, "publish", data, principal=who(session, actor), session=session)


@pytest.fixture
def news(session, org, people):
    """A state convention call closing soon, a published motion with an amendment, a
    discussion in the county, and a motion in Saxony (not Anna's)."""
    call = make_call(
        session,
        org.state_convention,
        motion_deadline=soon(days=3),
        amendment_deadline=soon(days=5),
    )
    motion = publish(session, submitted_motion(session, call, people["pia"]), people["gina"])
    text = MOTION_TEXT.replace("3.000 €", "5.000 €")
    amendment = amend(session, motion, people["eve"], text, title="Mehr Geld")
    publish_amendment(session, amendment, people["gina"])

    county = chapter_space(org.county, session=session)
    discuss.follow_space(people["anna"], county.space.id, session=session)
    discuss.follow_space(people["eve"], county.space.id, session=session)
    thread = topic(session, org.county, people["bea"], title="Sommerfest")
    comment(session, thread.id, people["cem"], "Ich bringe Kuchen.")

    saxony_board = create_body(
        org.other_state, body_input("Landesvorstand Sachsen", BodyKind.BOARD), session=session
    )
    saxony_call = make_call(session, saxony_board)
    saxony = submitted_motion(session, saxony_call, people["sam"], title="Nur für Sachsen")
    publish(session, saxony, people["karl"])
    return {"call": call, "motion": motion, "amendment": amendment, "thread": thread}


def test_a_german_digest_groups_what_is_new_by_chapter(
    session, org, people, news, mail_settings, inbox
):
    assert send(mail_settings, session) == 2  # Anna and Eve; the others chose none

    [mail] = inbox.to("anna@example.invalid")
    day = utcnow().astimezone(LOCAL_TIME).strftime("%d.%m.%Y")
    assert day in mail["Subject"]
    body = mail.get_content()
    with in_locale("de"):
        assert body.startswith(gettext("Hello %(name)s,") % {"name": "Anna Alt"})
    parts = sections(body)
    assert list(parts) == ["Landesverband NRW", "Kreisverband Köln"]  # from the top down
    state, county = parts["Landesverband NRW"], parts["Kreisverband Köln"]
    motion, amendment, call = news["motion"], news["amendment"], news["call"]
    assert "- A1 Teilhabe für Menschen mit wenig Zeit (Landesparteitag NRW)" in state
    assert f"http://testserver/motions/{motion.id}" in state
    assert f"{amendment.number} Mehr Geld" in state
    assert f"http://testserver/amendments/{amendment.id}" in state
    due = call.motion_deadline.astimezone(LOCAL_TIME).strftime("%d.%m.%Y %H:%M")
    assert f"- Antragsschluss: {due}, Landesrat im Frühjahr (Landesparteitag NRW)" in state
    assert "- Antragsschluss für Änderungsanträge: " in state
    assert f"http://testserver/calls/{call.id}" in state
    assert "Sommerfest" in county
    assert "Bea Beispiel, Cem Coelln" in county
    assert f"http://testserver/threads/{news['thread'].id}#c1" in county
    assert "Sachsen" not in body
    with in_locale("de"):
        assert gettext("New motions") in state
        assert gettext("Discussions with new comments") in county


def test_an_english_digest_leaves_out_the_members_own_amendment(
    session, people, news, mail_settings, inbox
):
    send(mail_settings, session)
    [mail] = inbox.to("eve@example.invalid")
    body = mail.get_content()
    assert body.startswith("Hello Eve English,")
    assert mail["Subject"].startswith("Plenum: what is new, ")
    parts = sections(body)
    assert list(parts) == ["Landesverband NRW", "Kreisverband Köln"]
    state = parts["Landesverband NRW"]
    assert "New motions" in state
    assert "Deadline for motions: " in state
    assert "Deadline for amendments: " in state
    assert "Mehr Geld" not in body  # Eve wrote it
    assert "2 new comments (Bea Beispiel, Cem Coelln)" in parts["Kreisverband Köln"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_running_the_digests_twice_sends_once(session, people, news, mail_settings, inbox):
    at = soon(minutes=1)
    assert send(mail_settings, session, at=at) == 2
    assert send(mail_settings, session, at=at + timedelta(hours=2)) == 0
    assert len(inbox.messages) == 2
    keys = session.exec(select(DigestLog.period)).all()
    assert set(keys) == {period_of("daily", at).key}

    # The next day: only what is new since, and nothing is new.
    assert send(mail_settings, session, at=at + timedelta(days=1)) == 0
    later = comment(session, news["thread"].id, people["bea"], "Und Getränke?")
    later.created_at = at + timedelta(hours=12)  # written after the first digest
    session.add(later)
    session.commit()
    assert send(mail_settings, session, at=at + timedelta(days=1, minutes=1)) == 2
    anna = sections(inbox.to("anna@example.invalid")[-1].get_content())
    assert "Bea Beispiel" in anna["Kreisverband Köln"]
    assert "Cem Coelln" not in anna["Kreisverband Köln"]
    assert f"/motions/{news['motion'].id}" not in anna["Landesverband NRW"]  # told already
    assert "Antragsschluss" in anna["Landesverband NRW"]  # deadlines are listed while close


def test_only_unread_comments_count(session, org, people, mail_settings, inbox):
    thread = topic(session, org.county, people["bea"], title="Plakate")
    discuss.follow_thread(people["eve"], thread.id, session=session)
    comment(session, thread.id, people["cem"], "Ich hänge welche auf.")
    discuss.thread_page(thread, principal=who(session, people["eve"]), session=session)
    comment(session, thread.id, people["bea"], "Danke!")
    comment(session, thread.id, people["eve"], "Ich helfe.")  # her own: not news to her
    session.refresh(thread)

    send(mail_settings, session)
    [mail] = inbox.to("eve@example.invalid")
    county = sections(mail.get_content())["Kreisverband Köln"]
    assert "Plakate: 1 new comment (Bea Beispiel)" in county
    assert f"http://testserver/threads/{thread.id}#c3" in county


def test_a_thread_the_member_can_no_longer_read_is_left_out(
    session, org, people, mail_settings, inbox
):
    nrw = topic(session, org.state, people["bea"], title="Landesliste")
    federal = topic(session, org.federal, people["bea"], title="Bundesweit")
    for thread in (nrw, federal):
        discuss.follow_thread(people["eve"], thread.id, session=session)
        comment(session, thread.id, people["cem"], f"Antwort in {thread.title}")
    # Eve moves to Saxony: the NRW space is no longer hers, the federal one still is.
    membership = session.exec(select(Membership).where(Membership.member_id == people["eve"]))
    for row in membership.all():
        row.chapter_id = org.other_state.id
        session.add(row)
    session.commit()

    send(mail_settings, session)
    [mail] = inbox.to("eve@example.invalid")
    body = mail.get_content()
    assert list(sections(body)) == ["Bundesverband"]
    assert "Bundesweit" in body
    assert "Landesliste" not in body


def test_nothing_new_means_no_mail(session, org, people, mail_settings, inbox):
    assert send(mail_settings, session) == 0
    assert inbox.messages == []
    assert session.exec(select(DigestLog)).all() == []


@pytest.mark.parametrize(
    ("kind", "due", "mailed"),
    [
        ("weekly", {"days": 3}, True),  # a weekly reader hears of every deadline of the week
        ("daily", {"days": 3}, False),  # a daily reader heard of it already
        ("daily", {"days": 6, "hours": 23}, True),  # ... when it came within 7 days
        ("daily", {"hours": 20}, True),  # ... and once more the day before
    ],
)
def test_a_deadline_alone_is_news_when_it_comes_close(
    session, org, people, mail_settings, inbox, kind, due, mailed
):
    choose(session, people["eve"], "none")
    choose(session, people["anna"], kind)
    make_call(
        session,
        org.county_board,
        motion_deadline=soon(**due),
        amendment_deadline=soon(days=30),
    )
    send(mail_settings, session, kind=kind)
    assert bool(inbox.messages) is mailed
    if mailed:
        body = inbox.messages[0].get_content()
        assert list(sections(body)) == ["Kreisverband Köln"]


def test_weekly_readers_are_not_in_the_daily_run(session, people, news, mail_settings, inbox):
    choose(session, people["anna"], "weekly")
    send(mail_settings, session, kind="daily")
    assert [m["To"] for m in inbox.messages] == ["eve@example.invalid"]
    send(mail_settings, session, kind="weekly")
    assert inbox.messages[-1]["To"] == "anna@example.invalid"
    [log] = session.exec(select(DigestLog).where(DigestLog.member_id == people["anna"])).all()
    assert re.fullmatch(r"weekly:\d{4}-W\d{2}", log.period)


def test_the_command_makes_and_sends_the_digests(
    monkeypatch, capsys, session, people, news, mail_settings, inbox
):
    for name, value in {
        "PLENUM_ENV": "test",
        "PLENUM_DATABASE_URL": mail_settings.database_url,
        "PLENUM_SECRET_KEY": mail_settings.secret_key,
        "PLENUM_BASE_URL": "https://plenum.example.org",
        "PLENUM_SMTP_HOST": inbox.host,
        "PLENUM_SMTP_PORT": str(inbox.port),
        "PLENUM_MAIL_FROM": "Plenum <plenum@example.org>",
    }.items():
        monkeypatch.setenv(name, value)
    at = soon(minutes=1).isoformat()
    assert main(["digests", "--period", "daily", "--at", at]) == 0
    assert main(["digests", "--period", "daily", "--at", at]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["Digests queued: 2. E-mails sent: 2.", "Digests queued: 0. E-mails sent: 0."]
    assert {m["From"] for m in inbox.messages} == {"Plenum <plenum@example.org>"}
    assert "https://plenum.example.org/motions/" in inbox.messages[0].get_content()


def test_the_command_without_a_relay_makes_no_digests(
    monkeypatch, capsys, session, people, news, settings
):
    monkeypatch.setenv("PLENUM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PLENUM_SECRET_KEY", settings.secret_key)
    monkeypatch.delenv("PLENUM_SMTP_HOST", raising=False)
    assert main(["digests"]) == 0
    assert capsys.readouterr().out.strip() == "Digests queued: 0. E-mails sent: 0."
    assert session.exec(select(OutgoingMail)).all() == []


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_digest_costs_the_same_with_3_or_30_comments(session, org, people):
    few = topic(session, org.county, people["bea"], title="Wenig")
    many = topic(session, org.county, people["bea"], title="Viel")
    for n in range(30):
        comment(session, many.id, people["cem" if n % 2 else "pia"], f"Beitrag {n}")
        if n < 2:
            comment(session, few.id, people["cem"], f"Beitrag {n}")
    discuss.follow_thread(people["anna"], few.id, session=session)
    discuss.follow_thread(people["eve"], many.id, session=session)
    start, end = utcnow() - timedelta(days=1), soon(minutes=1)
    known = published(start, end, session=session)
    assert known.motions == []

    def cost(name: str) -> int:
        member = session.get(Member, people[name])
        principal = principal_for(member.id, session=session)
        with statements(session.get_bind()) as seen:
            assert digest_for(member, principal, start, end, known, {}, session=session)
        return len(seen)

    assert cost("anna") == cost("eve")


def test_a_survey_that_asks_the_member_is_in_the_digest_until_they_answer(
    session, org, people, mail_settings, inbox
):
    """Members who chose a digest are invited to a survey there (and reminded there),
    not by a mail of its own; who has answered is not asked again."""
    from plenum.surveys import answering
    from plenum.surveys import service as surveys
    from tests.support.surveys import make_survey, place, question, section

    survey = make_survey(session, org.state, people["gina"], title="Wie geht es dir?")
    first = section(session, survey)
    asked = question(session, survey, first, "single", "Gut?", options=("Ja", "Nein"))
    surveys.open_survey(place(session, survey), session=session)
    session.commit()
    choose(session, people["anna"], "weekly")
    assert send(mail_settings, session) == 1  # Eve's daily digest
    [mail] = inbox.to("eve@example.invalid")
    assert "Wie geht es dir?" in mail.get_content()
    assert f"http://testserver/surveys/{survey.id}" in mail.get_content()
    at = place(session, survey)
    answering.save_section(at, people["anna"], first, {str(asked.id): "0"}, session=session)
    answering.submit(at, people["anna"], session=session)
    session.commit()
    assert send(mail_settings, session, "weekly") == 0  # Anna answered: nothing new for her
