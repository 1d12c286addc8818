"""Notifications say what happened, how long ago, and gather by the thing they are about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plenum.i18n import in_locale
from plenum.motions.wording import ago
from plenum.notify.service import Shown, grouped

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)  # 16:00 in Berlin


def shown(n: int, url: str, minutes: int, *, unread: bool = True, **params: str) -> Shown:
    return Shown(n, "m", params, url, NOW - timedelta(minutes=minutes), unread)


def test_how_long_ago_in_words_and_plurals():
    with in_locale("de"):
        said = [ago(NOW - timedelta(minutes=m), NOW) for m in (0, 1, 5, 61, 15 * 60, 17 * 60)]
    assert said == [
        "gerade eben",
        "vor 1 Minute",
        "vor 5 Minuten",
        "vor 1 Stunde",
        "vor 15 Stunden",
        "gestern, 23:00",
    ]
    with in_locale("en"):
        assert ago(NOW - timedelta(minutes=121), NOW) == "2 hours ago"
        assert ago(NOW - timedelta(days=3), NOW) == "03.12.2026 16:00"


def test_notices_gather_by_their_thing_newest_first():
    items = [
        shown(5, "/motions/1", 1),
        shown(4, "/votes/2", 2, unread=False),
        shown(3, "/motions/1", 3, unread=False),
        shown(2, "", 4),
        shown(1, "/motions/1", 5),
    ]
    groups = grouped(items)
    assert [(g.latest.id, [e.id for e in g.earlier], g.unread) for g in groups] == [
        (5, [3, 1], 2),
        (4, [], 0),
        (2, [], 1),
    ]


def test_only_stored_labels_are_translated_other_values_stay_as_typed():
    item = shown(1, "/motions/1", 1, what_label="screened", title="screened")
    with in_locale("de"):
        assert item.values == {"what_label": "geprüft", "title": "screened"}
