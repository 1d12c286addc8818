"""Word-level changes, instructions, inline diff, collisions and three-way merge."""

from __future__ import annotations

import json
from dataclasses import asdict
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plenum.motions.diff import (
    Change,
    Conflict,
    DiffBlock,
    DiffLine,
    DiffPart,
    Instruction,
    apply,
    changes,
    changes_from_json,
    changes_to_json,
    collisions,
    inline_diff,
    instructions,
    merge3,
    tokens,
)
from plenum.motions.lines import Layout, layout, normalize
from tests.unit.test_lines import documents

LENGTH = 60
MOTION = """# Für eine soziale und ökologische Verkehrswende

Der Landesparteitag möge beschließen:

Mobilität ist eine Grundvoraussetzung für gesellschaftliche Teilhabe. Wer kein Auto \
besitzt, darf im ländlichen Raum nicht abgehängt werden. Deshalb setzen wir uns für einen \
flächendeckenden, barrierefreien und bezahlbaren öffentlichen Nahverkehr ein, der auch \
abends und am Wochenende verlässlich fährt.

Wir fordern insbesondere:

- ein landesweites Sozialticket für höchstens neun Euro im Monat,
- den Ausbau von Rad- und Fußwegen zwischen allen Orten mit mehr als tausend Einwohner*innen,
- die Reaktivierung stillgelegter Bahnstrecken, wo ein Fahrgastpotenzial besteht.

Die Finanzierung soll über eine Nahverkehrsabgabe erfolgen, an der sich Unternehmen mit \
mehr als fünfzig Beschäftigten beteiligen. Die Landesregierung wird aufgefordert, bis Ende \
2026 einen Gesetzentwurf vorzulegen, der die Beteiligung der Kommunen, der \
Verkehrsverbünde und der Gewerkschaften sicherstellt und die Beschäftigten im Nahverkehr \
tariflich absichert.

Genoss*innen in den Kreisverbänden sind aufgerufen, lokale Bündnisse für die \
Verkehrswende zu schmieden und die Forderungen dieses Beschlusses in die kommunalen \
Wahlprogramme aufzunehmen.
"""
LINES_20_21 = (
    "Kommunen, der Verkehrsverbünde und der Gewerkschaften "
    "sicherstellt und die Beschäftigten im Nahverkehr tariflich"
)
NEW_PARAGRAPH = "Der Beschluss wird allen Kreisverbänden zugeleitet."


def amend(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def keys(base: Layout) -> list[str]:
    return [token.key for token in tokens(base)]


def base_layout() -> Layout:
    return layout(MOTION, LENGTH)


def test_the_example_motion_has_the_expected_lines() -> None:
    lines = {line.number: line.text for line in base_layout().lines}
    assert lines[7] == "öffentlichen Nahverkehr ein, der auch abends und am"
    assert lines[12] == "den Ausbau von Rad- und Fußwegen zwischen allen Orten"
    assert f"{lines[20]} {lines[21]}" == LINES_20_21
    assert lines[22] == "absichert."


# --- changes and instructions ---------------------------------------------------------------


def test_changes_and_instructions_of_a_motion_amendment() -> None:
    amended = amend(
        MOTION,
        ("auch abends und", "auch nachts und"),
        ("Ausbau von Rad-", "Ausbau von sicheren Rad-"),
        (LINES_20_21 + " ", ""),
        ("absichert.\n", f"absichert.\n\n{NEW_PARAGRAPH}\n"),
    )
    found = changes(base_layout(), amended)
    assert [(c.kind, c.first_line, c.last_line) for c in found] == [
        ("replace", 7, 7),
        ("insert", 12, 12),
        ("delete", 20, 21),
        ("insert", 22, 22),
    ]
    replace, insert, delete, paragraph = found
    assert (replace.old, replace.new, replace.before, replace.after) == (
        "abends",
        "nachts",
        "ein, der auch",
        "und am Wochenende",
    )
    assert (insert.new, insert.before, insert.after) == (
        "sicheren",
        "den Ausbau von",
        "Rad- und Fußwegen",
    )
    assert (delete.old, delete.whole_lines, replace.whole_lines) == (LINES_20_21, True, False)
    assert (paragraph.new, paragraph.new_paragraphs) == (NEW_PARAGRAPH, True)
    assert (paragraph.before, paragraph.after) == ("Nahverkehr tariflich absichert.", "")
    assert instructions(found) == [
        Instruction("replace_words", 7, 7, "", "abends", "nachts"),
        Instruction("insert_after", 12, 12, "von", "", "sicheren"),
        Instruction("delete_lines", 20, 21, "", LINES_20_21, ""),
        Instruction("insert_blocks", 22, 22, new=NEW_PARAGRAPH, block="p|0|"),
    ]


def test_instructions_for_words_at_a_block_start_and_whole_items() -> None:
    amended = amend(
        MOTION,
        ("Der Landesparteitag möge", "Die Landesmitgliederversammlung möge"),
        ("Mobilität ist", "Gute Mobilität ist"),
        ("- die Reaktivierung stillgelegter Bahnstrecken, wo ein Fahrgastpotenzial besteht.\n", ""),
        ("Wer kein Auto besitzt, darf", "Wer kein eigenes Auto besitzt, darf"),
        ("für einen ", ""),
    )
    assert instructions(changes(base_layout(), amended)) == [
        Instruction(
            "replace_words", 2, 2, "", "Der Landesparteitag", "Die Landesmitgliederversammlung"
        ),
        Instruction("insert_before", 3, 3, "Mobilität", "", "Gute"),
        Instruction("insert_after", 4, 4, "kein", "", "eigenes"),
        Instruction("delete_words", 5, 5, "", "für einen", ""),
        Instruction(
            "delete_lines",
            14,
            15,
            "",
            "die Reaktivierung stillgelegter Bahnstrecken, wo ein Fahrgastpotenzial besteht.",
            "",
        ),
    ]


def test_replacing_whole_lines_and_a_paragraph_before_the_first() -> None:
    amended = amend(
        MOTION,
        ("Wir fordern insbesondere:", "Die Partei verlangt:"),
        ("# Für eine", "Vorbemerkung.\n\n# Für eine"),
    )
    assert instructions(changes(base_layout(), amended)) == [
        Instruction("blocks_before", 1, 1, new="Vorbemerkung.", block="p|0|"),
        Instruction("replace_lines", 9, 9, "", "Wir fordern insbesondere:", "Die Partei verlangt:"),
    ]


def test_renumbering_a_list_or_marks_only_in_markup_are_no_change() -> None:
    base = layout("1. eins\n2. zwei", LENGTH)
    assert changes(base, "3. eins\n4. zwei") == []
    assert changes(base, "1. eins\n\n\n2.   zwei\n") == []
    [change] = changes(base, "1. **eins**\n2. zwei")
    assert (change.kind, change.old, change.new) == ("replace", "eins", "eins")


def test_changes_survive_json() -> None:
    found = changes(base_layout(), amend(MOTION, ("absichert.", f"absichert.\n\n{NEW_PARAGRAPH}")))
    assert changes_from_json(changes_to_json(found)) == found
    assert instructions(changes_from_json(changes_to_json(found))) == instructions(found)


def test_changes_stored_before_instructions_were_keep_their_wording() -> None:
    found = changes(base_layout(), amend(MOTION, ("absichert.", f"absichert.\n\n{NEW_PARAGRAPH}")))
    stored = json.dumps([{k: v for k, v in asdict(c).items() if k != "steps"} for c in found])
    assert instructions(changes_from_json(stored)) == [
        Instruction("insert_lines", 22, 22, "", "", NEW_PARAGRAPH)
    ]


@given(documents, documents, st.integers(20, 100))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_applying_the_changes_to_the_base_tokens_gives_the_amended_tokens(
    base_text: str, amended: str, line_length: int
) -> None:
    base = layout(base_text, line_length)
    edits = [(c.start, c.end, c.new_keys) for c in changes(base, amended)]
    assert apply(keys(base), edits) == keys(layout(amended, line_length))


@given(documents, documents)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_change_exactly_when_the_tokens_agree(base_text: str, amended: str) -> None:
    base = layout(base_text, LENGTH)
    assert changes(base, base_text) == []
    assert changes(base, normalize(base_text)) == []
    same = keys(base) == keys(layout(amended, LENGTH))
    assert (changes(base, amended) == []) == same


@given(documents, documents)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_changes_are_sorted_and_well_formed(base_text: str, amended: str) -> None:
    base = layout(base_text, LENGTH)
    found = changes(base, amended)
    assert [c.start for c in found] == sorted(c.start for c in found)
    for change in found:
        assert change.first_line <= change.last_line
        assert (change.start == change.end) == (change.kind == "insert")
        assert (change.new_keys == ()) == (change.kind == "delete")
    assert all(change.steps is not None for change in found)
    assert bool(instructions(found)) == bool(found)
    for step in instructions(found):  # no raw line breaks, no empty quotes
        assert "\n" not in step.anchor + step.old + step.new
        quoted = {"insert_after": step.anchor, "insert_before": step.anchor, "split": step.anchor}
        assert quoted.get(step.kind, "x")
        assert step.old or step.kind not in ("replace_words", "delete_words", "unmark")


# --- inline diff ----------------------------------------------------------------------------


def words(blocks: list[DiffBlock], *ops: str) -> list[str]:
    return [
        word
        for block in blocks
        for line in block.lines
        for part in line.parts
        if part.op in ops and part.text != "\n"
        for word in part.text.split(" ")
    ]


def plain_words(base: Layout) -> list[str]:
    return [token.text for token in tokens(base) if token.is_word]


def test_inline_diff_of_a_motion_amendment() -> None:
    amended = amend(
        MOTION,
        ("auch abends und", "auch nachts und"),
        ("absichert.\n", f"absichert.\n\n{NEW_PARAGRAPH}\n"),
    )
    blocks = inline_diff(base_layout(), amended, only_changed=True)
    assert [(b.kind, [line.number for line in b.lines]) for b in blocks] == [
        ("p", [3, 4, 5, 6, 7, 8]),
        ("p", [None]),
    ]
    assert blocks[0].lines[4] == DiffLine(
        7,
        (
            DiffPart("equal", "öffentlichen Nahverkehr ein, der auch"),
            DiffPart("del", "abends"),
            DiffPart("ins", "nachts"),
            DiffPart("equal", "und am"),
        ),
    )
    assert blocks[1] == DiffBlock("p", 0, "", (DiffLine(None, (DiffPart("ins", NEW_PARAGRAPH),)),))
    assert len(inline_diff(base_layout(), amended)) == len(base_layout().blocks) + 1


def test_inserted_words_join_the_line_where_they_go() -> None:
    base = layout("eins zwei drei\\\nvier fünf", LENGTH)
    [first, second] = inline_diff(base, "null eins zwei drei neu\\\nvier\n\n- Punkt")
    assert first.lines == (
        DiffLine(
            1,
            (DiffPart("ins", "null"), DiffPart("equal", "eins zwei drei"), DiffPart("ins", "neu")),
        ),
        DiffLine(2, (DiffPart("equal", "vier"), DiffPart("del", "fünf"))),
    )
    assert (second.kind, second.depth, second.marker) == ("li", 1, "-")
    assert second.lines == (DiffLine(None, (DiffPart("ins", "Punkt"),)),)


@given(documents, documents, st.integers(20, 100))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_inline_diff_reassembles_both_texts(base_text: str, amended: str, line_length: int) -> None:
    base = layout(base_text, line_length)
    blocks = inline_diff(base, amended)
    assert words(blocks, "equal", "del") == plain_words(base)
    assert words(blocks, "equal", "ins") == plain_words(layout(amended, line_length))
    numbers = [line.number for block in blocks for line in block.lines if line.number]
    assert set(numbers) == {line.number for line in base.lines}
    kept = inline_diff(base, amended, only_changed=True)
    remaining = iter(blocks)
    assert all(block in remaining for block in kept)  # in order
    for block in blocks:
        if any(part.op != "equal" for line in block.lines for part in line.parts):
            assert block in kept


def test_inline_diff_shows_a_split_paragraph_and_a_new_heading() -> None:
    base = layout("eins zwei drei vier\n\nfünf", LENGTH)
    [split] = inline_diff(base, "eins zwei\n\ndrei vier\n\nfünf", only_changed=True)
    assert split == DiffBlock("p", 0, "", (DiffLine(1, (DiffPart("equal", "drei vier"),)),))
    [heading] = inline_diff(base, "# eins zwei drei vier\n\nfünf", only_changed=True)
    assert (heading.kind, heading.lines[0].number) == ("h1", 1)
    [change] = changes(base, "eins zwei\n\ndrei vier\n\nfünf")
    assert (change.kind, change.before, change.new) == ("insert", "eins zwei", "\n")


# --- collisions -----------------------------------------------------------------------------


def span(start: int, end: int, new: str = "x") -> Change:
    kind = "insert" if start == end else "replace"
    return Change(kind, start, end, 1, 1, "", new, "", "", False, False, (new,) if new else ())


def overlap(a: Change, b: Change) -> bool:
    if a.start < a.end and b.start < b.end:
        return a.start < b.end and b.start < a.end
    if a.start == a.end and b.start == b.end:
        return a.start == b.start and a.new_keys != b.new_keys
    point, other = (a, b) if a.start == a.end else (b, a)
    return other.start <= point.start <= other.end


def test_collisions_of_overlapping_and_disjoint_amendments() -> None:
    result = collisions(
        {
            1: [span(3, 6)],
            2: [span(5, 7)],  # shares token 5 with 1
            3: [span(6, 8, "")],  # touches 1 only at its end: shares token 6 with 2
            4: [span(4, 4)],  # insertion inside 1
            5: [span(3, 3)],  # insertion at the start of 1: where it lands is ambiguous
            6: [span(3, 3)],  # the same insertion as 5
            7: [span(3, 3, "y")],  # a different insertion at the same place
            8: [span(20, 21), span(30, 30)],
            9: [span(8, 8)],  # insertion right after 3
        }
    )
    assert result == {
        1: {2, 4, 5, 6, 7},
        2: {1, 3},
        3: {2, 9},
        4: {1},
        5: {1, 7},
        6: {1, 7},
        7: {1, 5, 6},
        8: set(),
        9: {3},
    }


def test_collisions_of_real_amendments() -> None:
    base = base_layout()
    found = collisions(
        {
            10: changes(base, amend(MOTION, ("auch abends und", "auch nachts und"))),
            11: changes(base, amend(MOTION, ("abends und am Wochenende", "rund um die Uhr"))),
            12: changes(base, amend(MOTION, ("neun Euro", "fünf Euro"))),
        }
    )
    assert found == {10: {11}, 11: {10}, 12: set()}


spans = st.builds(
    lambda start, length, new: span(start, start + length, new),
    st.integers(0, 30),
    st.integers(0, 4),
    st.sampled_from(["x", "y"]),
)


@given(st.dictionaries(st.integers(0, 6), st.lists(spans, max_size=5), max_size=7))
@settings(deadline=None)
def test_collisions_agree_with_all_pairs(items: dict[int, list[Change]]) -> None:
    expected: dict[int, set[int]] = {owner: set() for owner in items}
    for (a, mine), (b, theirs) in combinations(items.items(), 2):
        if any(overlap(x, y) for x in mine for y in theirs):
            expected[a].add(b)
            expected[b].add(a)
    result = collisions(items)
    assert result == expected
    assert all(a in result[b] for a in result for b in result[a])


# --- three-way merge ------------------------------------------------------------------------


def test_merging_disjoint_changes_keeps_both() -> None:
    current = amend(MOTION, ("neun Euro", "fünf Euro"))
    amended = amend(
        MOTION, ("auch abends und", "auch nachts und"), ("absichert.", "absichert.\n\nNeu.")
    )
    result = merge3(MOTION, current, amended, LENGTH)
    assert result.conflicts == ()
    assert result.text == normalize(amend(amended, ("neun Euro", "fünf Euro")))


def test_merging_overlapping_changes_reports_conflicts() -> None:
    current = amend(MOTION, ("neun Euro", "zehn Euro"), ("auch abends", "auch morgens"))
    amended = amend(MOTION, ("neun Euro", "fünf Euro"))
    result = merge3(MOTION, current, amended, LENGTH)
    assert result.text is None
    assert result.conflicts == (Conflict(10, 10, "neun", "zehn", "fünf"),)


def test_merging_the_same_change_twice_or_onto_an_unchanged_base() -> None:
    amended = amend(MOTION, ("neun Euro", "fünf Euro"))
    assert merge3(MOTION, amended, amended, LENGTH).text == normalize(amended)
    assert merge3(MOTION, MOTION, amended, LENGTH).text == normalize(amended)
    renumbered = merge3("1. a\n2. b", "1. a\n2. b\n3. c", "5. a\n6. b", LENGTH)
    assert renumbered.text == "5. a\n\n6. b\n\n3. c\n"


@given(documents, documents)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_merging_onto_the_unchanged_base_gives_the_amendment(base: str, amended: str) -> None:
    assert merge3(base, base, amended, LENGTH) == merge3(base, base, amended, LENGTH)
    assert merge3(base, base, amended, LENGTH).text == normalize(amended)
    assert merge3(base, amended, base, LENGTH).text == normalize(amended)


Edits = list[tuple[int, int, list[str]]]


@st.composite
def disjoint_edits(draw: st.DrawFn) -> tuple[list[str], Edits, Edits]:
    """Paragraphs of distinct words ("¶" between them) and two sets of word edits, each
    edit at least one unchanged word away from every other."""
    items: list[str] = []
    for size in draw(st.lists(st.integers(1, 8), min_size=1, max_size=5)):
        items += [f"w{len(items) + i}" for i in range(size)] + ["¶"]
    places = [i for i, item in enumerate(items) if item != "¶"]
    chosen = set(draw(st.lists(st.sampled_from(places), unique=True, max_size=6)))
    sides: tuple[Edits, Edits] = ([], [])
    for number, place in enumerate(sorted(chosen)):
        if place - 1 in chosen or place - 2 in chosen:
            continue
        new = [f"n{number}x{k}" for k in range(draw(st.integers(0, 2)))]
        if draw(st.booleans()):  # insert after the word, else replace or delete it
            new = [items[place], *new]
        sides[draw(st.integers(0, 1))].append((place, place + 1, new))
    return items, *sides


def text_of(items: list[str]) -> str:
    return "\n\n".join(" ".join(part.split()) for part in " ".join(items).split("¶"))


@given(disjoint_edits())
@settings(max_examples=200, deadline=None)
def test_merging_disjoint_edits_equals_applying_both(case: tuple[list[str], Edits, Edits]) -> None:
    base, ours, theirs = case
    current, amended = text_of(apply(base, ours)), text_of(apply(base, theirs))
    result = merge3(text_of(base), current, amended, LENGTH)
    assert result.conflicts == ()
    assert result.text == normalize(text_of(apply(base, sorted(ours + theirs))))
