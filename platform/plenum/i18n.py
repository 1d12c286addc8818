"""Languages: German first, English second, from Babel catalogues.

The catalogues are the ``.po`` files under ``plenum/translations``; they are read
when the app starts, so nothing needs compiling. Message ids are English; the German
catalogue translates every one of them (a test checks that).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES: dict[str, str] = {"de": "Deutsch", "en": "English"}
DEFAULT_LOCALE = "de"
CATALOGUES = Path(__file__).resolve().parent / "translations"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    path = CATALOGUES / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(message: str, **variables: object) -> str:
    text = translations(current_locale.get()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    return plural_form(singular, plural, n) % {"num": n, **variables}


def plural_form(singular: str, plural: str, n: int) -> str:
    """The translated form for ``n``, unformatted: for templates, where Jinja fills in
    ``num`` and the other variables itself (escaped)."""
    text: str = translations(current_locale.get()).ungettext(singular, plural, n)
    return text


def normalise(locale: object, default: str = DEFAULT_LOCALE) -> str:
    return locale if isinstance(locale, str) and locale in LOCALES else default


@contextmanager
def in_locale(locale: object) -> Iterator[str]:
    """Translate into ``locale`` (German when unknown) inside the block: for e-mails
    and the command line, which have no request to take the language from."""
    chosen = normalise(locale)
    token = current_locale.set(chosen)
    try:
        yield chosen
    finally:
        current_locale.reset(token)
