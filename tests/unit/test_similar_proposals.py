"""Suggested groups of similar proposals: German text, no network; a rule for all inputs
(each proposal in at most one group, only the ids given, the same answer every time) and
examples of what belongs together and what does not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plenum.series.similar import suggest

KITA = (1, "Gebührenfreie Kitas", "Die Kita-Gebühren in NRW werden abgeschafft.")
KITA_TOO = (2, "Kitas ohne Gebühren", "Keine Gebühren mehr für Kitas in ganz NRW.")
TICKET = (3, "Sozialticket für 9 Euro", "Ein Sozialticket für Bus und Bahn zu 9 Euro im Monat.")
TICKET_TOO = (4, "9-Euro-Sozialticket", "Bus und Bahn für Menschen mit wenig Geld: 9 Euro.")
TEACHERS = (5, "Mehr Lehrkräfte", "Wir stellen 10.000 zusätzliche Lehrerinnen und Lehrer ein.")


def test_proposals_that_say_the_same_thing_are_grouped_and_others_stay_alone():
    groups = suggest([KITA, TICKET, TEACHERS, KITA_TOO, TICKET_TOO])
    assert {group.ids for group in groups} == {(1, 2), (3, 4)}
    assert all(0 < group.score <= 1 for group in groups)


def test_common_phrases_do_not_chain_different_topics_into_one_group():
    topics = {
        "kita": ["Gebührenfreie Kitas", "Kitas ohne Gebühren", "Kita-Gebühren abschaffen"],
        "ticket": ["Sozialticket für 9 Euro", "9-Euro-Sozialticket", "Bus und Bahn für 9 Euro"],
        "miete": ["Mietendeckel in NRW", "Mieten deckeln", "Deckel für die Mieten"],
    }
    frames = ["Wir fordern, dass {} kommt.", "Das Land muss dafür sorgen: {}.", "Für alle: {}."]
    proposals, topic_of = [], {}
    for topic, titles in topics.items():
        for n, (title, frame) in enumerate(zip(titles * 2, frames * 2, strict=True)):
            pid = len(proposals) + 1
            proposals.append((pid, title, frame.format(titles[(n + 1) % 3])))
            topic_of[pid] = topic
    groups = suggest(proposals)
    assert len(groups) == 3
    assert all(len({topic_of[pid] for pid in group.ids}) == 1 for group in groups)


def test_fewer_than_two_proposals_suggest_nothing():
    assert suggest([]) == []
    assert suggest([KITA]) == []


words = st.sampled_from(
    ["Kita", "Gebühren", "Bus", "Bahn", "Miete", "Deckel", "Schule", "Lehrkräfte", "NRW", "für"]
)
proposal_lists = st.lists(
    st.tuples(st.lists(words, min_size=1, max_size=4), st.lists(words, max_size=12)),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(proposal_lists)
def test_every_proposal_is_in_at_most_one_group_and_the_answer_is_stable(drafts):
    proposals = [
        (index + 10, " ".join(title), " ".join(text)) for index, (title, text) in enumerate(drafts)
    ]
    groups = suggest(proposals)
    seen = [one for group in groups for one in group.ids]
    assert len(seen) == len(set(seen))
    assert set(seen) <= {one for one, _title, _text in proposals}
    assert all(len(group.ids) >= 2 and list(group.ids) == sorted(group.ids) for group in groups)
    assert suggest(list(reversed(proposals))) == groups
