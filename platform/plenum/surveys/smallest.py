"""No group of fewer than five: which groups of a breakdown may be shown.

A group under ``SMALLEST`` respondents is hidden; and when the hidden groups together,
with the respondents who are in no group at all (who skipped the question a cross-tab is
by), come to fewer than ``SMALLEST`` — so that the total minus the shown groups would
tell them — the next smallest shown groups are hidden with them until they come to at
least that many. A question answered by fewer than ``SMALLEST`` is not shown at all.
"""

from __future__ import annotations

SMALLEST = 5


def kept(sizes: dict[str, int], total: int | None = None) -> set[str]:
    """The groups of ``sizes`` (respondents per group) that may be shown, given the
    ``total`` respondents of the question (default: the groups' sum)."""
    if total is not None and total < SMALLEST:
        return set()
    shown = {grp for grp, n in sizes.items() if n >= SMALLEST}
    outside = max(0, total - sum(sizes.values())) if total is not None else 0
    pool = outside + sum(n for grp, n in sizes.items() if grp not in shown)
    while 0 < pool < SMALLEST and shown:
        smallest = min(shown, key=lambda g: (sizes[g], g))
        shown.remove(smallest)
        pool += sizes[smallest]
    return shown
