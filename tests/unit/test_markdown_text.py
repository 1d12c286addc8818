"""Search excerpts show what a reader sees: the words of member Markdown, no markers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plenum.search.index import _document
from plenum.text.markdown import text_of

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=1, max_size=12)


def test_markers_go_and_the_words_stay():
    written = (
        "## Kinderbetreuung\n\nWir brauchen **mehr** Plätze für Genoss*innen, "
        "siehe [Beschluss](https://example.org/b).\n\n- vor Ort\n- online\n\n> zitiert\nweiter"
    )
    assert text_of(written) == (
        "Kinderbetreuung\n\nWir brauchen mehr Plätze für Genoss*innen, siehe Beschluss."
        "\n\nvor Ort\n\nonline\n\nzitiert weiter"
    )


@given(st.lists(WORDS, min_size=1, max_size=8), st.sampled_from(["# ", "- ", "> ", "1. ", ""]))
def test_every_word_survives_whatever_block_it_is_in(words, marker):
    assert text_of(marker + " ".join(words)).split() == words


def test_a_comment_is_indexed_as_its_words():
    row = (7, 1, "Ein **fettes** Wort\n\n- mit Liste", "Thema", None, None, None, None)
    document = _document("comment", row)
    assert document.body == "Ein fettes Wort\n\nmit Liste"
    typed = _document("comment", (8, 1, "a <i>b</i>", "Thema", None, None, None, None))
    assert typed.body == "a <\u200bi>b<\u200b/i>"  # a "<" typed is no tag to the engine


def test_the_paragraph_editor_splits_off_the_marker_and_puts_it_back():
    from plenum.motions.amendment_routes import _marked, split_marker

    for paragraph in ("## Kopf", "- eins", "   - unter", "12. zwölf", "> zitiert", "Text"):
        marker, words = split_marker(paragraph)
        assert not words.startswith(("#", "- ", "> ", "12."))
        assert _marked(marker, words) == paragraph
    assert _marked("<script>", "Text") == "Text"  # only a marker is put back
    assert _marked("- ", "- schon markiert") == "- schon markiert"
    assert _marked("- ", "") == ""
