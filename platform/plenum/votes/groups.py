"""Votes whose results are also shown by groups of voters (a series' evaluation: by the
voter's region and by how they took part), without pairing a ballot with a voter.

A domain that needs this registers a ``Grouping`` for its votes. Casting then seals the
voter's group with the ballot (``sealing``: encrypted, padded to one length), and the count
hands the opened (choices, group) pairs to the grouping to aggregate before the ballots are
written anew in clear, without their groups. So no group is ever stored next to a ballot in
clear; what the grouping keeps is its own, aggregated."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlmodel import Session

from plenum.votes.models import Vote

GROUP_ROOM = 64  # bytes for the group in a sealed ballot of a grouped vote


class Grouping(Protocol):
    def group_of(self, member_id: int, *, session: Session) -> str: ...

    def aggregate(
        self, vote: Vote, ballots: Sequence[tuple[str, str]], *, session: Session
    ) -> None: ...


Finder = Callable[[Vote, Session], Grouping | None]
_finders: list[Finder] = []
# The modules that register groupings when imported. They are imported on first use, so
# every process that casts or counts (the site, the clock, a script) knows them.
PROVIDERS = ("plenum.series.breakdown",)


def register(finder: Finder) -> None:
    """``finder`` answers, for a vote, the grouping of its voters (or None)."""
    if finder not in _finders:
        _finders.append(finder)


def grouping_for(vote: Vote, *, session: Session) -> Grouping | None:
    for name in PROVIDERS:
        importlib.import_module(name)  # cached after the first time
    for finder in _finders:
        found = finder(vote, session)
        if found is not None:
            return found
    return None
