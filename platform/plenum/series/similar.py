"""Groups of proposals that may say the same thing, for the synthesis group to confirm.

Each proposal (its title twice, then its text) becomes a vector of character n-grams
(3 to 5 characters within words, TF-IDF weighted, as scikit-learn computes them: German
compounds and inflections share most of their n-grams, and nothing is downloaded). The
proposals are then clustered by average linkage: two groups join only while the mean
cosine similarity between their members reaches ``THRESHOLD``. Unlike joining every pair
above the threshold, this does not chain different topics together through their common
phrases ("Wir fordern, dass ..."). People decide: a group is only a suggestion.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

THRESHOLD = 0.3
MIN_DOCUMENTS = 2


@dataclass(frozen=True)
class Group:
    """Proposals suggested as one demand: their ids (ascending) and how alike they are
    (the mean similarity of their pairs, 0..1)."""

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
    ordered = sorted(proposals)  # the same answer whatever order they come in
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform([_document(t, x) for _id, t, x in ordered])
    except ValueError:  # no n-gram in any of them (nothing but very short words)
        return []
    similarity = (vectors @ vectors.T).toarray()  # rows are unit vectors: the cosine
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1 - threshold,
    ).fit_predict(np.clip(1 - similarity, 0, None))
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        members.setdefault(int(label), []).append(index)
    groups = []
    for indexes in members.values():
        if len(indexes) < MIN_DOCUMENTS:
            continue
        block = similarity[np.ix_(indexes, indexes)]
        pairs = len(indexes) * (len(indexes) - 1)
        score = float((block.sum() - np.trace(block)) / pairs)
        groups.append(Group(tuple(ordered[index][0] for index in indexes), round(score, 3)))
    return sorted(groups, key=lambda group: (-len(group.ids), -group.score, group.ids))
