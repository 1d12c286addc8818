"""Motions as PDF: the numbered lines survive exactly, member text prints literally."""

from __future__ import annotations

import io
import logging
import math
import re
import time
from pathlib import Path

from pypdf import PdfReader

from plenum.motions import lines, pdf
from plenum.motions.lines import Layout
from plenum.motions.pdf import (
    DEFAULT_LABELS,
    PdfAmendment,
    PdfMotion,
    motion_book_pdf,
    motion_pdf,
)

MOTION_TEXT = """\
## Bezahlbares Wohnen in unserer Stadt

Die Mitgliederversammlung möge beschließen: Der Kreisverband setzt sich dafür ein, \
dass die Stadt **mindestens ein Drittel** aller neuen Wohnungen als *geförderten* Wohnraum \
ausweist und ~~freiwillige~~ verbindliche Quoten einführt. Der **Haus**halt soll das tragen.

Wir wollen, dass Mieter*innen, Studierende und Rentner*innen gleichermaßen profitieren – \
„Wohnen ist ein Grundrecht“, wie es in unserem Grundsatzprogramm heißt.

1. Die Stadtverwaltung legt bis Ende des Jahres ein Konzept für die Umwandlung \
leerstehender Bürogebäude in Wohnungen vor.
2. Die städtische Wohnungsbaugesellschaft erhält zusätzliches Eigenkapital in Höhe von \
22.000 € je neu geplanter Wohneinheit.
   - Vergabe nach `Punktesystem` und [öffentlichen Kriterien](https://example.org/kriterien)
   - Überprüfung alle zwei Jahre durch den Ausschuss für Stadtentwicklung und Wohnen

> Wer baut, muss auch an die Menschen denken, die heute schon in den Vierteln wohnen \
und dort bleiben möchten.

Zeichen, die Typst nicht deuten darf: #set page(width: 1cm) $x$ *fett* [link] <b> sowie \
C:\\Daten\\Antrag und ein einzelnes \\ am Ende.

Unsere Fraktion prüft außerdem, ob die Zweckentfremdungssatzung verschärft werden kann. \
Ferienwohnungen in Wohngebieten sollen genehmigungspflichtig werden; Verstöße werden mit \
spürbaren Bußgeldern geahndet, damit sich Leerstand nicht länger lohnt.
"""

# Timings are logged, not asserted: see them with --log-cli-level=INFO.
log = logging.getLogger(__name__)

HOSTILE = "Alles wörtlich: #set page(width: 1cm) $x$ *bold* [link] <b> \\ Ende"

ENGLISH = {
    "proposers": "Proposers",
    "body": "Body",
    "status": "Status",
    "reasons": "Reasons",
    "page": "Page {page} of {pages}",
}


def norm(text: str) -> str:
    return " ".join(text.split())


def pages_text(data: bytes) -> list[str]:
    return [norm(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def all_text(data: bytes) -> str:
    return " ".join(pages_text(data))


def assert_lines_in_order(text: str, layout: Layout) -> None:
    """Every line: its number, then (after a list marker) exactly its words."""
    position = 0
    for line in layout.lines:
        pattern = rf"(?<![\d.]){line.number} (?:• |\d+\. )?{re.escape(norm(line.text))}(?!\S)"
        found = re.compile(pattern).search(text, position)
        assert found, f"line {line.number} {line.text!r} not found after {text[position:][:200]!r}"
        position = found.end()


def a_motion(number: str = "A1", title: str = "Bezahlbares Wohnen", **changes: object) -> PdfMotion:
    values: dict[str, object] = {
        "number": number,
        "title": title,
        "body": "Kreismitgliederversammlung",
        "proposers": "Ortsverband Nordstadt, Jana Beispiel",
        "status": "eingereicht",
        "layout": lines.layout(MOTION_TEXT, 80),
        "reasons": "Die Mieten sind **stark gestiegen**.\n\nViele Familien finden keine Wohnung mehr.",
        "finances": "22.000 € · Kostenstelle 4711",
        "amendments": (),
    }
    values.update(changes)
    return PdfMotion(**values)  # type: ignore[arg-type]


def test_the_template_lies_next_to_the_module():
    assert Path(pdf.__file__).with_name("pdf.typ") == pdf.TEMPLATE
    assert pdf.TEMPLATE.is_file()


def test_default_labels_are_german_and_complete():
    assert set(DEFAULT_LABELS) == {
        "proposers",
        "body",
        "status",
        "reasons",
        "finances",
        "amendments",
        "contents",
        "page",
        "line",
    }
    assert DEFAULT_LABELS["amendments"] == "Änderungsanträge"
    assert DEFAULT_LABELS["reasons"] == "Begründung"


def test_a_motion_prints_every_line_with_its_number():
    motion = a_motion()
    data = motion_pdf(motion, DEFAULT_LABELS)
    assert data.startswith(b"%PDF")
    text = all_text(data)
    assert motion.layout.line_count > 15
    assert_lines_in_order(text, motion.layout)
    # the header comes first, reasons and finances after the decision text
    assert text.index("A1 Bezahlbares Wohnen") < text.index("Gremium Kreismitgliederversammlung")
    assert "Antragsteller*innen Ortsverband Nordstadt, Jana Beispiel" in text
    assert "Status eingereicht" in text
    last = text.index("spürbaren Bußgeldern")
    assert last < text.index("Begründung Die Mieten sind stark gestiegen.")
    assert "Viele Familien finden keine Wohnung mehr." in text
    assert "Finanzielle Auswirkungen 22.000 € · Kostenstelle 4711" in text
    assert "Seite 1 von 1" in text


def test_marks_do_not_split_words_and_umlauts_survive():
    text = all_text(motion_pdf(a_motion(), DEFAULT_LABELS))
    for expected in (
        "einführt. Der Haushalt 5 soll das tragen.",
        "mindestens ein Drittel",
        "„Wohnen ist ein Grundrecht“",
        "Mieter*innen",
        "Rentner*innen",
        "22.000 € je neu geplanter",
        "Bürogebäude",
        "Überprüfung",
        "gleichermaßen",
        "Punktesystem und öffentlichen Kriterien",
    ):
        assert expected in text


def test_member_text_is_printed_literally_never_evaluated():
    motion = a_motion(
        title=HOSTILE,
        proposers="#strong[Niemand] \\u{41} #{1 + 1}",
        finances="$1 + 1$ // kein Kommentar /* auch nicht */",
        reasons='`#import "x.typ"` und #pagebreak()',
    )
    data = motion_pdf(motion, DEFAULT_LABELS)
    text = all_text(data)
    assert HOSTILE in text
    assert "#strong[Niemand] \\u{41} #{1 + 1}" in text
    assert "$1 + 1$ // kein Kommentar /* auch nicht */" in text
    assert '#import "x.typ" und #pagebreak()' in text
    # in the Markdown decision text only Markdown syntax is read: *fett* is emphasis
    assert "#set page(width: 1cm) $x$ fett [link] <b>" in text
    assert "C:\\Daten\\Antrag und ein einzelnes \\ am Ende." in text
    assert_lines_in_order(text, motion.layout)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # the page width was not changed


def test_only_the_fonts_built_into_typst_are_embedded():
    reader = PdfReader(io.BytesIO(motion_pdf(a_motion(), DEFAULT_LABELS)))
    fonts: set[str] = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts
    assert all("Libertinus" in f or "DejaVuSansMono" in f for f in fonts), fonts


def test_amendments_are_listed_in_the_appendix():
    amendments = (
        PdfAmendment(
            number="Ä1",
            title="Quote erhöhen",
            proposers="Grüne Jugend Südkreis",
            status="eingereicht",
            instructions=(
                "In Zeile 2 nach „mindestens“ ersetzen: „ein Drittel“ durch „die Hälfte“",
                "In Zeile 7 streichen: „freiwillige“",
            ),
            reasons="Ein Drittel reicht **nicht** aus.",
        ),
        PdfAmendment(
            number="Ä2",
            title="Sonderzeichen #[x]",
            proposers="Kai Muster",
            status="zurückgezogen",
            instructions=("In Zeile 12 nach „Ende“ einfügen: „#emph[nie] $y$ \\ “",),
            reasons="",
        ),
    )
    text = all_text(motion_pdf(a_motion(amendments=amendments), DEFAULT_LABELS))
    appendix = text[text.index("Änderungsanträge") :]
    order = [
        "Ä1 Quote erhöhen",
        "Antragsteller*innen Grüne Jugend Südkreis",
        "Status eingereicht",
        "In Zeile 2 nach „mindestens“ ersetzen: „ein Drittel“ durch „die Hälfte“",
        "In Zeile 7 streichen: „freiwillige“",
        "Begründung Ein Drittel reicht nicht aus.",
        "Ä2 Sonderzeichen #[x]",
        "Status zurückgezogen",
        "In Zeile 12 nach „Ende“ einfügen: „#emph[nie] $y$ \\ “",
    ]
    positions = [appendix.index(piece) for piece in order]
    assert positions == sorted(positions)


def test_labels_may_be_english_and_fall_back_to_german():
    amendment = PdfAmendment("Ä1", "Kürzer", "Kai", "eingereicht", ("In Zeile 1 streichen.",), "")
    text = all_text(motion_pdf(a_motion(amendments=(amendment,)), ENGLISH))
    assert "Page 1 of 1" in text
    assert "Body Kreismitgliederversammlung" in text
    assert "Reasons Die Mieten" in text
    assert "Änderungsanträge Ä1 Kürzer" in text  # not translated: the German default
    assert "Seite" not in text


def test_a_page_label_without_placeholders_gets_the_numbers_appended():
    text = all_text(motion_pdf(a_motion(), {"page": "S."}))
    assert "S. 1 / 1" in text


def test_a_word_longer_than_the_line_keeps_its_number():
    word = "https://example.org/" + "/".join(f"abschnitt{i}" for i in range(25))
    long_text = f"Kurzer Absatz davor.\n\n{word}\n\nUnd ein Absatz danach."
    layout = lines.layout(long_text, 80)
    assert [line.number for line in layout.lines] == [1, 2, 3]
    text = all_text(motion_pdf(a_motion(layout=layout), DEFAULT_LABELS))
    assert "1 Kurzer Absatz davor. 2 https://example.org/" in text
    squeezed = "".join(text.split())
    assert f"2{word}3Undein" in squeezed


def test_wide_lines_stay_one_line():
    """Capital letters are wide; the line is narrowed, not wrapped."""
    shout = " ".join(["ÄNDERUNGSANTRAG ZUR SATZUNG DER PARTEI"] * 6)
    layout = lines.layout(shout, 80)
    data = motion_pdf(a_motion(layout=layout), DEFAULT_LABELS)
    raw = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    for line in layout.lines:
        assert f"{line.number} {line.text}" in raw.splitlines()


def book_motions() -> list[PdfMotion]:
    sentence = (
        "Der Landesvorstand wird beauftragt, gemeinsam mit den Kreisverbänden ein Konzept "
        "für die {n}. Maßnahme zu erarbeiten und der nächsten Versammlung vorzulegen. "
    )
    motions = []
    for index, title in enumerate(
        ("Radwege für alle", "Schwimmbäder öffnen", "Gebühren senken", "Bürgerräte stärken"),
        start=1,
    ):
        text = "\n\n".join(sentence.format(n=n) * 3 for n in range(1, 4 + 12 * (index % 3)))
        motions.append(a_motion(f"A{index}", title, layout=lines.layout(text, 80)))
    return motions


def test_a_motion_book_has_a_title_page_and_contents_with_page_numbers():
    motions = book_motions()
    data = motion_book_pdf("Antragsbuch", "Landesparteitag in Kassel", motions, DEFAULT_LABELS)
    assert data.startswith(b"%PDF")
    texts = pages_text(data)
    assert texts[0] == "Antragsbuch Landesparteitag in Kassel"
    assert texts[1].startswith("Inhalt")
    contents = texts[1]
    heading_pages = []
    for motion in motions:
        heading = f"{motion.number} {motion.title}"
        page = next(i for i, t in enumerate(texts) if i > 1 and t.startswith(heading)) + 1
        heading_pages.append(page)
        assert re.search(rf"{re.escape(heading)}[ .]*{page}(?!\d)", contents), (heading, contents)
    assert heading_pages == sorted(heading_pages)
    assert heading_pages[0] == 3
    # a motion's first page shows its title once; its further pages carry it as header
    ends = [*heading_pages[1:], len(texts) + 1]
    for motion, first, end in zip(motions, heading_pages, ends, strict=True):
        heading = f"{motion.number} {motion.title}"
        assert texts[first - 1].count(heading) == 1
        for page in range(first + 1, end):
            assert texts[page - 1].startswith(heading)
            assert "Gremium" not in texts[page - 1]
    assert len(texts) > 2 + len(motions)  # some motions run over more than one page
    most = 2 + sum(math.ceil(m.layout.line_count / 30) + 1 for m in motions)
    assert 2 + len(motions) <= len(texts) <= most
    total = len(texts)
    assert texts[-1].endswith(f"Seite {total} von {total}")
    assert "Seite" not in texts[0]
    for motion in motions:
        assert_lines_in_order(" ".join(texts), motion.layout)


def long_text(lines_wanted: int) -> Layout:
    parts = []
    index = 0
    while True:
        index += 1
        parts.append(
            f"Absatz {index}: Die Kommune prüft die Förderung von Gemeinschaftsgärten, "
            "öffentlichen Trinkbrunnen und schattigen Plätzen in allen Stadtteilen, "
            "besonders dort, wo ältere Menschen und Familien mit Kindern wohnen."
        )
        if index % 7 == 0:
            parts.append(f"### Abschnitt {index // 7}")
        if index % 5 == 0:
            parts.append("- Erstens mehr Grün\n- Zweitens weniger Asphalt auf den Schulhöfen")
        layout = lines.layout("\n\n".join(parts), 80)
        if layout.line_count >= lines_wanted:
            return layout


def test_a_long_motion_with_many_amendments():
    layout = long_text(300)
    amendments = tuple(
        PdfAmendment(
            f"Ä{n}",
            f"Änderung {n}",
            "Ortsverband Süd",
            "eingereicht",
            (f"In Zeile {n % 300 + 1} nach „Kommune“ einfügen: „und der Landkreis“",),
            "Weil es gemeinsam besser geht.",
        )
        for n in range(1, 201)
    )
    motion = a_motion(layout=layout, amendments=amendments)
    started = time.perf_counter()
    data = motion_pdf(motion, DEFAULT_LABELS)
    seconds = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(data))
    log.info("300 lines, 200 amendments: %.2f s, %d pages", seconds, len(reader.pages))
    assert len(reader.pages) > 10
    text = " ".join(norm(page.extract_text()) for page in reader.pages)
    assert_lines_in_order(text, layout)
    assert "Ä200 Änderung 200" in text


def test_a_book_of_fifty_motions():
    motions = [
        a_motion(f"A{n}", f"Antrag {n}", layout=long_text(40 + (n * 37) % 200))
        for n in range(1, 51)
    ]
    started = time.perf_counter()
    data = motion_book_pdf("Antragsbuch", "Bundesparteitag", motions, DEFAULT_LABELS)
    seconds = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(data))
    log.info("book of 50 motions: %.2f s, %d pages", seconds, len(reader.pages))
    assert len(reader.pages) >= 2 + 50
    contents = " ".join(norm(page.extract_text()) for page in reader.pages[1:4])
    for n in range(1, 51):
        assert re.search(rf"(?<!\d)A{n} Antrag {n}[ .]*\d+", contents)
