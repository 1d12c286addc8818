"""Every UI string goes through the catalogue; German is complete and the default."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from plenum.i18n import CATALOGUES, current_locale, gettext

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _extracted() -> set[str]:
    found: set[str] = set()
    methods = [
        ("platform/plenum/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("platform/plenum/mail/templates/**.txt", "jinja2"),
    ]
    options = {
        "templates/**.html": {"extensions": "jinja2.ext.i18n"},
        "platform/plenum/mail/templates/**.txt": {"extensions": "jinja2.ext.i18n"},
    }
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=methods, options_map=options, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(locale: str):
    data = (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").read_bytes()
    return read_po(io.BytesIO(data), locale=locale)


def _key(message_id: str | tuple[str, ...]) -> str:
    """A message's id; the singular for a plural message."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _translated(string: str | tuple[str, ...]) -> bool:
    return bool(string) if isinstance(string, str) else all(string)


def test_every_string_in_code_and_templates_has_a_german_translation():
    german = {_key(m.id): _translated(m.string) for m in _catalogue("de") if m.id}
    missing = sorted(m for m in _extracted() if not german.get(m))
    assert missing == [], "run `make catalogue` and translate: " + "; ".join(missing)


def test_english_catalogue_exists_for_every_string():
    english = {_key(message.id) for message in _catalogue("en") if message.id}
    assert _extracted() <= english


def test_german_is_the_default_and_english_can_be_chosen():
    assert gettext("My data") == "Meine Daten"
    token = current_locale.set("en")
    try:
        assert gettext("My data") == "My data"
    finally:
        current_locale.reset(token)


def test_templates_hold_no_untranslated_visible_text():
    """A rough guard: visible German words in templates mean a string missed the catalogue."""
    german_words = (" der ", " die ", " und ", " nicht ", "Anmelden", "Gremium")
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        stripped = "".join(part.split("}}", 1)[-1] for part in text.split("{{"))
        for word in german_words:
            assert word not in stripped, f"{path.name}: {word!r}"
