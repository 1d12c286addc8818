"""Groups of proposals that may say the same thing, for the synthesis group to confirm.

Each proposal (its title twice, then its text) becomes a vector of character n-grams
(3 to 5 characters within words, TF-IDF weighted, as scikit-learn computes them: German
compounds and inflections share most of their n-grams, and nothing is downloaded). Two
proposals are similar when the cosine of their vectors reaches ``THRESHOLD``; groups are
the connected parts of that relation. People decide: a group is only a suggestion.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer

THRESHOLD = 0.3
MIN_DOCUMENTS = 2


@dataclass(frozen=True)
class Group:
    """Proposals suggested as one demand: their ids (ascending) and how alike they are
    (the mean similarity of the pairs that joined them, 0..1)."""

    ids: tuple[int, ...]
    score: float

    @property
    def key(self) -> str:
        """Names the group, so a rejected suggestion is not made again."""
        return "-".join(str(one) for one in self.ids)


def _document(title: str, text: str) -> str:
    both = f"{title} {title} {text}"
    return unicodedata.normalize("NFKC", both).casefold()


def suggest(proposals: Sequence[tuple[int, str, str]], threshold: float = THRESHOLD) -> list[Group]:
    """Groups of two or more similar proposals among ``(id, title, text)``; the largest
    and closest first. Every proposal is in at most one group."""
    if len(proposals) < MIN_DOCUMENTS:
        return []
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform([_document(t, x) for _id, t, x in proposals])
    except ValueError:  # no n-gram in any of them (nothing but very short words)
        return []
    similar = (vectors @ vectors.T).tocoo()  # rows are unit vectors: this is the cosine
    parent = list(range(len(proposals)))

    def root(one: int) -> int:
        while parent[one] != one:
            parent[one] = parent[parent[one]]
            one = parent[one]
        return one

    pairs: list[tuple[int, int, float]] = []
    for row, column, value in zip(similar.row, similar.col, similar.data, strict=True):
        if row < column and value >= threshold:
            pairs.append((int(row), int(column), float(value)))
            parent[root(int(row))] = root(int(column))
    members: dict[int, list[int]] = {}
    for index in range(len(proposals)):
        members.setdefault(root(index), []).append(index)
    scores: dict[int, list[float]] = {}
    for row, _column, value in pairs:
        scores.setdefault(root(row), []).append(value)
    groups = [
        Group(
            tuple(sorted(proposals[index][0] for index in indexes)),
            round(sum(scores[top]) / len(scores[top]), 3),
        )
        for top, indexes in members.items()
        if len(indexes) >= MIN_DOCUMENTS
    ]
    return sorted(groups, key=lambda group: (-len(group.ids), -group.score, group.ids))
