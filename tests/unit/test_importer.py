"""Importing resolutions from plain text: real published documents and small made-up ones.

The real documents live outside the repository in ``../shared/seeds`` and are read at
test time only. The key check: everything the source says survives the import and the
Markdown rendering, paragraph by paragraph and list item by list item.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from plenum.motions.importer import (
    ImportedResolution,
    amount_cents,
    body_name_from_genitive,
    escape_markdown,
    parse_german_date,
    parse_resolution,
)
from plenum.text.markdown import render
from tests.support.seeds import CHROME, norm, seed, source_units

MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
WORD_DATE = re.compile(rf"\b(\d{{1,2}})\.\s?({'|'.join(MONTHS)})\s+(\d{{4}})\b")
NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
EURO = re.compile(r"(?:bis zu\s+)?\d{1,3}(?:\.\d{3})*(?:,\d{2})?\s?€")
# Header and form lines whose content is checked through the structured fields.
HEADER_LINE = re.compile(r"Beschluss (?:Nr\. )?\d[\d /–]*|Beschluss (?:des|der) .{1,60} vom .+")
FORM_LABEL = re.compile(
    r"(?:Beschluss|Begründung|Finanzen|Anlagen|Abstimmungsergebnis|Die Vorlage wurde abgestimmt mit"
    r"|Den Beschluss sollen erhalten|Verantwortlich\w*(?: für \w+)?):?"
    r"|[\w ./]{1,40}:\s+(?P<value>.*)"
)


def html_of(markdown: str) -> BeautifulSoup:
    return BeautifulSoup(str(render(markdown)), "html.parser")


def rendered_text(markdown: str) -> str:
    return norm(html_of(markdown).get_text())


def haystack(result: ImportedResolution) -> str:
    """All the text a reader sees: rendered Markdown fields and the plain fields."""
    plain = (
        result.number,
        result.title,
        result.body_name,
        result.outcome,
        result.finances,
        result.cost_centre,
        result.responsible,
        result.coordinated_with,
        result.attachments,
    )
    rendered = (rendered_text(part) for part in (result.text, result.reasons, result.notes))
    return "\n".join((*rendered, *(norm(part) for part in plain)))


def accounted_for(paragraph: str, seen: str) -> bool:
    """A paragraph is accounted for when it is shown, or when it is the number or
    body-and-date line (asserted through the fields), or a form label whose
    value (if any, and not a "-" placeholder) is shown."""
    if paragraph in seen or HEADER_LINE.fullmatch(paragraph):
        return True
    form = FORM_LABEL.fullmatch(paragraph)
    if form is None:
        return False
    value = (form["value"] or "").strip()
    return not value.strip("-") or value in seen


# --------------------------------------------------------------------------- real documents

EXPECTED = {
    "000": {
        "number": "2024/108",
        "year": 2024,
        "sequence": 108,
        "title": "Gesprächsoffensive Vorwahlkampf – Maßnahmen zur Aktivierung und Begleitung der Kreisverbände",
        "body_name": "Parteivorstand",
        "decided_on": date(2024, 8, 18),
        "outcome": "beschlossen",
        "finances": "22.000 €",
        "amount_cents": 2_200_000,
    },
    "001": {
        "number": "Nr. 16 – 2023",
        "year": 2023,
        "sequence": 16,
        "title": "Finanzierung Telefonaktion 2024",
        "body_name": "Landesvorstand",
        "decided_on": date(2023, 11, 24),
        "outcome": "mit Zusatz beschlossen",
        "finances": "",
        "amount_cents": None,
    },
    "004": {
        "number": "2022/70",
        "year": 2022,
        "sequence": 70,
        "title": "Leitantrag 02: DIE LINKE aufbauen",
        "body_name": "Parteivorstand",
        "decided_on": date(2022, 4, 24),
        "outcome": "beschlossen",
        "finances": "",
        "amount_cents": None,
    },
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_header_and_fields(prefix):
    result = parse_resolution(seed(prefix))
    actual = {name: getattr(result, name) for name in EXPECTED[prefix]}
    assert actual == EXPECTED[prefix]
    assert CHROME not in result.text


def test_seed_001_form_fields_and_reasons():
    result = parse_resolution(seed("001"))
    assert result.responsible == "LGF"
    assert result.attachments == ""  # "Anlagen: -"
    assert re.fullmatch(r"Sitzung \S+ am 15\.12\.2023", result.coordinated_with)
    assert result.text.startswith("Der Landesvorstand beschließt:")
    reasons = html_of(result.reasons)
    assert len(reasons.select("ol > li")) == 3
    # the page break inside the third item is joined: the item ends with its sentence
    assert norm(reasons.select("ol > li")[-1].get_text()).endswith("nicht mehr.")
    notes = rendered_text(result.notes)
    assert "weitere Maßnahmen: " in notes
    assert "Abstimmungsergebnis: dafür: 11" in notes


def test_seed_004_is_the_adopting_sentence_then_the_lead_motion():
    result = parse_resolution(seed("004"))
    html = html_of(result.text)
    first = html.find("p")
    assert first is not None
    assert first.get_text().startswith("Der Parteivorstand beschließt den anhängenden Leitantrag")
    headings = [norm(heading.get_text()) for heading in html.find_all("h2")]
    assert len(headings) == 13
    assert headings[0] == "DIE LINKE aufbauen!"
    assert all(len(heading) <= 90 for heading in headings)
    assert result.reasons == result.notes == ""


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_survives_import_and_rendering(prefix):
    source = seed(prefix)
    result = parse_resolution(source)
    seen = haystack(result)
    paragraphs, items = source_units(source)

    missing = [paragraph for paragraph in paragraphs if not accounted_for(paragraph, seen)]
    assert missing == []

    lis = [
        norm(li.get_text())
        for markdown in (result.text, result.reasons, result.notes)
        for li in html_of(markdown).find_all("li")
    ]
    not_items = [item for item in items if not any(li.startswith(item) for li in lis)]
    assert not_items == []

    for found in WORD_DATE.finditer(source):
        day, month, year = int(found[1]), MONTHS.index(found[2]) + 1, int(found[3])
        assert found[0] in seen or result.decided_on == date(year, month, day), found[0]
    for found in NUMERIC_DATE.finditer(source):
        day, month, year = (int(part) for part in found.groups())
        assert found[0] in seen or result.decided_on == date(year, month, day), found[0]
    for found in EURO.finditer(source):
        assert norm(found[0]) in seen or result.amount_cents == amount_cents(found[0]), found[0]


# --------------------------------------------------------------------------- made-up documents

BICYCLE = """\
Beschluss Nr. 3 – 2025

Fahrradbügel vor dem Kreisbüro

Beschluss des Kreisvorstandes vom 01.02.2025

Abstimmung: einstimmig beschlossen

Beschluss:

Der Kreisvorstand beschließt:

1. Vor dem Kreisbüro werden vier Fahrradbügel aufgestellt.
2. Die Kosten trägt der Kreisverband.

Begründung

Viele Genoss*innen kommen mit dem Rad, die Bügel sind seit Jahren Thema. Siehe [Anlage] und #Radwende.

Anlagen: Lageplan
VERANTWORTLICH: Kreisgeschäftsführung
Kostenstelle 4711
Finanzen:

1.250,50 €

Verteiler: alle Ortsverbände
"""


def test_numbered_format_numeric_date_and_form_fields():
    result = parse_resolution(BICYCLE)
    assert (result.number, result.year, result.sequence) == ("Nr. 3 – 2025", 2025, 3)
    assert result.title == "Fahrradbügel vor dem Kreisbüro"
    assert result.body_name == "Kreisvorstand"
    assert result.decided_on == date(2025, 2, 1)
    assert result.outcome == "einstimmig beschlossen"
    assert result.attachments == "Lageplan"
    assert result.responsible == "Kreisgeschäftsführung"
    assert result.cost_centre == "4711"
    assert (result.finances, result.amount_cents) == ("1.250,50 €", 125_050)
    assert rendered_text(result.notes) == "Verteiler: alle Ortsverbände"
    html = html_of(result.text)
    assert [norm(li.get_text()) for li in html.select("ol > li")] == [
        "Vor dem Kreisbüro werden vier Fahrradbügel aufgestellt.",
        "Die Kosten trägt der Kreisverband.",
    ]
    assert rendered_text(result.reasons) == (
        "Viele Genoss*innen kommen mit dem Rad, die Bügel sind seit Jahren Thema. "
        "Siehe [Anlage] und #Radwende."
    )


SPECIALS = [
    "#Hashtag am Anfang und [Anlage] in Klammern",
    "# keine Überschrift",
    "> kein Zitat, <b>kein Tag</b> und <https://example.org> kein Link",
    "3. Oktober: kein Listenpunkt",
    "*kein Kursiv*, **nicht fett**, _auch nicht_, ~~nicht durchgestrichen~~ und `kein Code`",
    "Genoss*innen, Wähler:innen, Bürger_innen & Co. &amp; C:\\Pfad\\ ---",
    "+ kein Punkt",
    "Ende mit Raute #",
]


@pytest.mark.parametrize("line", SPECIALS)
def test_markdown_special_characters_survive_literally(line):
    document = f"Beschluss 2025/1\n\nSonderzeichen\n\nBeschluss des Parteivorstandes vom 3. März 2025\n\n{line}\n"
    result = parse_resolution(document)
    assert result.decided_on == date(2025, 3, 3)
    html = html_of(result.text)
    assert rendered_text(result.text) == norm(line)
    assert (
        html.find(["h1", "h2", "ol", "ul", "blockquote", "a", "em", "strong", "code", "s"]) is None
    )


def test_bullet_lists_nested_by_indentation():
    document = """\
Beschluss 2025/2

Sommerfest

Beschluss des Präsidiums vom 5. Juni 2025

Das Präsidium beschließt ein Sommerfest mit:

- Musik von Mitgliedern
• Essen aus der Nachbarschaft
* Spielen für Kinder
    - Hüpfburg
    - Malecke
- einem Infostand

Danach wird aufgeräumt.
"""
    result = parse_resolution(document)
    assert result.body_name == "Präsidium"
    html = html_of(result.text)
    top = html.find("ul")
    assert top is not None
    assert [
        norm(li.find(string=True, recursive=False) or "")
        for li in top.find_all("li", recursive=False)
    ] == [
        "Musik von Mitgliedern",
        "Essen aus der Nachbarschaft",
        "Spielen für Kinder",
        "einem Infostand",
    ]
    assert [norm(li.get_text()) for li in html.select("ul ul > li")] == ["Hüpfburg", "Malecke"]
    assert html.find_all("p")[-1].get_text() == "Danach wird aufgeräumt."


def test_page_chrome_breaks_headings_and_a_page_break():
    document = (
        "Zum Hauptinhalt springen\n"
        "Beschluss 2025/3\n\nStadtteilarbeit\n\n"
        "Beschluss des Landesausschusses vom 12. Sept. 2025\n\n"
        "\u00a0\n\nWarum wir rausgehen\n\n"
        "Wir wollen in jedem Stadtteil ein offenes Treffen anbieten, das regelmäßig stattfindet und zu dem\n\n"
        "alle eingeladen sind. Die Termine stehen im Kalender.\n\n"
        "Die Treffen finden abwechselnd in Cafés, Bibliotheken, Nachbarschaftshäusern und Vereinsräumen statt\n\n"
        "und werden vorher angekündigt.\n\n"
        "\u00a0\n\nWas kommt!\n\nZuerst der Norden.\n\nKein Abschnitt!\n\nDann der Süden.\n"
    )
    result = parse_resolution(document)
    assert result.body_name == "Landesausschuss"
    assert result.decided_on == date(2025, 9, 12)
    assert "Zum Hauptinhalt" not in result.text
    assert result.text.split("\n\n") == [
        "## Warum wir rausgehen",
        "Wir wollen in jedem Stadtteil ein offenes Treffen anbieten, das regelmäßig stattfindet "
        "und zu dem alle eingeladen sind. Die Termine stehen im Kalender.",
        "Die Treffen finden abwechselnd in Cafés, Bibliotheken, Nachbarschaftshäusern und "
        "Vereinsräumen statt und werden vorher angekündigt.",
        "## Was kommt!",
        "Zuerst der Norden.",
        "Kein Abschnitt!",
        "Dann der Süden.",
    ]


def test_labels_any_case_value_on_the_next_line_and_placeholders():
    document = """\
Beschluss 2025/4

Ein Titel

Beschluss der Bundesversammlung vom 1. Dezember 2025

Text des Beschlusses.

ANLAGEN

Protokoll der Sitzung

verantwortlich für die Umsetzung

Bundesgeschäftsstelle

politische Botschaft: –

Finanzielle Mittel/Kostenstelle: 500,- € / KSt 12

Ergebnis: angenommen

Abstimmungsergebnis:
ja: 40
nein: 2
"""
    result = parse_resolution(document)
    assert result.body_name == "Bundesversammlung"
    assert result.attachments == "Protokoll der Sitzung"
    assert result.responsible == "Bundesgeschäftsstelle"
    assert (result.finances, result.amount_cents, result.cost_centre) == (
        "500,- €",
        50_000,
        "KSt 12",
    )
    assert rendered_text(result.text) == "Text des Beschlusses."
    assert result.notes == "**Ergebnis:** angenommen\n\n**Abstimmungsergebnis:** ja: 40; nein: 2"


@pytest.mark.parametrize(
    ("phrase", "nominative"),
    [
        ("Parteivorstandes", "Parteivorstand"),
        ("Landesvorstands", "Landesvorstand"),
        ("Bundesausschusses", "Bundesausschuss"),
        ("Präsidiums", "Präsidium"),
        ("Komitees", "Komitee"),
        ("Geschäftsführenden Parteivorstandes", "Geschäftsführender Parteivorstand"),
        ("Landesvorstandes DIE LINKE. Thüringen", "Landesvorstand DIE LINKE. Thüringen"),
    ],
)
def test_body_name_from_genitive(phrase, nominative):
    assert body_name_from_genitive(phrase) == nominative


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vom 18. August 2024", date(2024, 8, 18)),
        ("am 24.11.2023", date(2023, 11, 24)),
        ("am 1.2.25", date(2025, 2, 1)),
        ("vom 3. Jänner 2025", date(2025, 1, 3)),
        ("am 30. Februar 2025", None),
        ("3. Juniorteam 2025", None),
    ],
)
def test_german_dates(text, expected):
    assert parse_german_date(text) == expected


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("22.000 €", 2_200_000),
        ("bis zu 2.500 €", 250_000),
        ("EUR 300", 30_000),
        ("12,5 Euro", 1250),
        ("keine", None),
    ],
)
def test_amounts(text, cents):
    assert amount_cents(text) == cents


def test_a_document_without_structure_is_all_text():
    result = parse_resolution("Wir treffen uns jeden Dienstag.\n\nAlle sind willkommen.\n")
    assert (result.number, result.title, result.body_name, result.decided_on) == ("", "", "", None)
    assert result.text == "Wir treffen uns jeden Dienstag.\n\nAlle sind willkommen."
    assert parse_resolution("").text == ""


@given(
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
        min_size=1,
        max_size=60,
    ).filter(lambda text: text.strip())
)
def test_escaped_text_renders_literally(text):
    escaped = escape_markdown(text)
    for markdown in (escaped, "## " + escaped, "- " + escaped):
        assert rendered_text(markdown) == norm(text)
