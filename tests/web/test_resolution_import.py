"""Real published resolutions, imported through the form and read on their page.

The documents live outside the repository in ``../shared/seeds`` and are read at test
time only (their text must not be copied into the project). The check is the reader's:
every paragraph, list item, date and euro amount of the source is on the page.
"""

from __future__ import annotations

import re

import pytest
from babel.dates import format_date
from sqlmodel import select

from plenum.motions.models import Resolution
from tests.support.factories import claims, structure
from tests.support.seeds import CHROME, norm, seed, source_units
from tests.support.web import english, log_in_as, page, post, text

IMPORT = "/bodies/lv-nrw-board/resolutions/import"
STAFF = claims("staff", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",))

NUMBER_LINE = re.compile(r"Beschluss (?P<number>(?:Nr\. )?\d[\d /–-]*)")
BODY_AND_DATE = re.compile(r"Beschluss (?:des|der) .{1,60} vom (?P<date>.+)")
# A form field "Label: value" (its value is checked); labels that only introduce a section
# or a value on the next line are page structure, not content.
LABEL_LINE = re.compile(r"(?P<label>[^:]{1,60}):\s+(?P<value>.*)")
SECTION_LABEL = re.compile(
    r"(?:Beschluss|Begründung|Anlagen?|Finanzen|Die Vorlage wurde abgestimmt mit"
    r"|Den Beschluss sollen erhalten|Abstimmungsergebnis):?"
    r"|Verantwortlich\w*(?: für \w+)?"
)
PLACEHOLDER = re.compile(r"[-–—\s]*")
MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
WORD_DATE = re.compile(rf"\b\d{{1,2}}\.\s?(?:{MONTHS})\s+\d{{4}}\b")
NUMERIC_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")
EURO = re.compile(r"\d{1,3}(?:\.\d{3})*(?:,\d{2})?\s?€")


def missing_paragraphs(paragraphs: list[str], shown: str) -> list[str]:
    """Paragraphs not on the page. The number line counts when its number is shown, the
    body-and-date line when its date is, a form field when its value is (or is a "-")."""
    missing = []
    for paragraph in paragraphs:
        if paragraph in shown:
            continue
        number = NUMBER_LINE.fullmatch(paragraph)
        if number and norm(number["number"]) in shown:
            continue
        dated = BODY_AND_DATE.fullmatch(paragraph)
        if dated and dated["date"] in shown:
            continue
        if SECTION_LABEL.fullmatch(paragraph):
            continue
        label = LABEL_LINE.fullmatch(paragraph)
        if label and (PLACEHOLDER.fullmatch(label["value"]) or label["value"] in shown):
            continue
        missing.append(paragraph)
    return missing


@pytest.fixture
def staff(client, provider, session):
    structure(session)
    return log_in_as(client, provider, "staff", STAFF)


def imported(client, source: str):
    response = post(client, IMPORT, {"document": source})
    assert response.status_code == 303, text(page(response))[:800]
    shown = client.get(response.headers["location"])
    assert shown.status_code == 200
    return page(shown)


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_a_published_resolution_survives_import_and_is_shown_whole(staff, session, prefix):
    source = seed(prefix)
    article = imported(staff, source).select_one("article.resolution")
    shown = text(article)
    paragraphs, items = source_units(source)

    assert missing_paragraphs(paragraphs, shown) == []
    assert CHROME not in shown

    list_items = [text(li) for li in article.select("li")]
    assert [item for item in items if not any(li.startswith(item) for li in list_items)] == []

    dates = WORD_DATE.findall(source) + NUMERIC_DATE.findall(source)
    assert dates
    assert [d for d in dates if norm(d) not in shown] == []
    euros = EURO.findall(source)
    assert [e for e in euros if norm(e) not in shown] == []

    stored = session.exec(select(Resolution)).one()
    facts = text(article.select_one("dl.facts"))
    assert format_date(stored.decided_on, format="long", locale="de") in facts
    number = NUMBER_LINE.search(source)
    assert number is not None
    assert text(article.select_one(".kicker .number")) == norm(number["number"])


def test_the_decision_date_and_amount_are_shown_in_german_form(staff):
    facts = text(imported(staff, seed("000")).select_one("dl.facts"))
    assert "18. August 2024" in facts
    assert "22.000 €" in facts


def test_importing_the_same_document_twice_is_refused(staff, session):
    source = seed("001")
    imported(staff, source)
    english(staff)
    again = post(staff, IMPORT, {"document": source})
    assert again.status_code == 422
    shown = page(again)
    error = shown.select_one("#document-error")
    assert error is not None
    assert "already has a resolution with this number" in text(error)
    assert shown.select_one("#field-document").get_text().strip() == source.strip()
    assert len(session.exec(select(Resolution)).all()) == 1
