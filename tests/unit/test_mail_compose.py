"""Composing mails: member text comes out exactly as written, in the member's language;
periods of digests follow the calendar in Berlin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plenum.i18n import current_locale, in_locale
from plenum.mail.command import parse_moment
from plenum.mail.compose import SUBJECT_MAX, compose, finish
from plenum.mail.digests import period_of
from plenum.mail.notices import message_text


def finished(text: str) -> str:
    return finish(text, base_url="https://plenum.example.org/", unsubscribe_url="https://u/1.x")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))))
def test_member_text_is_never_a_field(title):
    mail = compose("notice.txt", "de", text=title, url="/threads/1#c1", grouped=False)
    assert title in finished(mail.body)
    assert mail.subject == " ".join(title.split())[:SUBJECT_MAX]


def test_the_open_fields_are_filled_when_sent():
    mail = compose(
        "notice.txt", "en", text="{base_url} {unsubscribe_url}", url="/x{y}", grouped=True
    )
    body = finished(mail.body)
    assert body.startswith("{base_url} {unsubscribe_url}\n")
    assert "https://plenum.example.org/x{y}\n" in body
    assert body.rstrip().endswith("https://u/1.x")
    assert "https://plenum.example.org/me/delivery" in body


def test_subjects_are_one_line_and_not_too_long():
    mail = compose("notice.txt", "de", text="Zeile\n" * 100, url="", grouped=False)
    assert "\n" not in mail.subject
    assert len(mail.subject) == SUBJECT_MAX


def test_the_language_is_the_members_and_is_reset_afterwards():
    token = current_locale.set("en")
    try:
        german = compose("notice.txt", "de", text="x", url="/t", grouped=False)
        english = compose("notice.txt", "en", text="x", url="/t", grouped=False)
        unknown = compose("notice.txt", "fr", text="x", url="/t", grouped=False)
        assert current_locale.get() == "en"
    finally:
        current_locale.reset(token)
    assert "Read it in Plenum:" in english.body
    assert german.body == unknown.body  # German when the language is not one of ours
    with in_locale("xx") as chosen:
        assert chosen == "de"


def test_a_notice_is_filled_in_and_survives_a_bad_translation():
    assert message_text("My data", {}, "de") == "Meine Daten"
    assert message_text("Hello %(name)s,", {"name": "100%"}, "en") == "Hello 100%,"
    assert message_text("Hello %(name)s,", {}, "en") == "Hello %(name)s,"
    assert message_text("Hello %(name)s,", {"other": 1}, "en") == "Hello %(name)s,"


@pytest.mark.parametrize(
    ("kind", "at", "key", "label"),
    [
        ("daily", "2026-11-21T05:00:00+00:00", "daily:2026-11-21", "21.11.2026"),
        ("daily", "2026-11-20T23:30:00+00:00", "daily:2026-11-21", "21.11.2026"),  # Berlin
        ("weekly", "2026-11-16T05:00:00+00:00", "weekly:2026-W47", "47/2026"),
        ("weekly", "2027-01-01T09:00:00+00:00", "weekly:2026-W53", "53/2026"),  # ISO year
        ("daily", "2026-03-29T04:00:00+00:00", "daily:2026-03-29", "29.03.2026"),  # DST
    ],
)
def test_periods_follow_the_calendar_in_berlin(kind, at, key, label):
    period = period_of(kind, datetime.fromisoformat(at))
    assert (period.key, period.label) == (key, label)
    assert period.end - period.start == timedelta(days=1 if kind == "daily" else 7)
    assert period.end.tzinfo is UTC


def test_there_are_only_daily_and_weekly_digests():
    with pytest.raises(ValueError, match="immediate"):
        period_of("immediate", datetime.now(UTC))


def test_moments_without_a_zone_are_party_time():
    assert parse_moment("2026-11-21T06:00").astimezone(UTC).hour == 5
    assert parse_moment("2026-07-21T06:00").astimezone(UTC).hour == 4
    assert parse_moment("2026-11-21T06:00+00:00").hour == 6
    with pytest.raises(ValueError, match="isoformat"):
        parse_moment("morgen früh")
