"""Answers to a cast of one size: the size of an encrypted answer must not tell the choice.

TLS hides the bytes of an answer, not how many there are. The receipt names the choices
("Ja", "Nein", "Ungültig", a candidate), so without padding someone who sees the traffic
learns the choice from the length. Every answer to a cast of a vote (the receipt, and
every refusal: already voted, closed, unreadable, too many marks), as the htmx block and
as the full page, is padded with an HTML comment to one size for that vote and for that
kind of answer (block or page): ``answer_size``. It is an upper bound computed from what
the vote shows (its options and their labels, its title and question), rounded up to
``STEP``; an answer larger than it (not expected) is padded to the next multiple of
``STEP`` instead. Answers are not compressed (Plenum has no compression middleware):
compression would squeeze the padding out again. See docs/security.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from starlette.responses import Response

from plenum.votes import tally
from plenum.votes.models import Vote, VoteOption

STEP = 1024  # bytes: answers are padded to a multiple of this
# An upper bound of each part; the largest answer measured was half of it (a refusal that
# shows the ballot again with its message: 1.9 KB as the block, 5.3 KB as the page).
BLOCK_BASE = 2048  # the ballot block or the receipt, without the options
PAGE_BASE = 12288  # the rest of the page: layout, navigation, the vote's facts and log
PER_OPTION = 384  # markup around one option (field, label, the women's-seat note)
PER_RANK = 48  # a ranked ballot: one <option> of a rank for each option, for each option
_COMMENT = (b"\n<!--", b"-->")


def answer_size(vote: Vote, options: Sequence[VoteOption], *, page: bool) -> int:
    """The size of every answer to a cast of ``vote``: as the htmx block or the full page."""
    labels = sum(3 * _length(option.label) + PER_OPTION for option in options)
    ranks = PER_RANK * len(options) ** 2 if vote.method == tally.Method.RANKED else 0
    size = BLOCK_BASE + labels + ranks
    if page:
        size += PAGE_BASE + 6 * _length(vote.title) + 4 * _length(vote.question)
    return _round_up(size)


def padded(response: Response, size: int) -> Response:
    """``response`` with its body padded to ``size`` bytes (or, were it longer, to the
    next multiple of ``STEP``)."""
    body = bytes(response.body)
    room = len(body) + sum(map(len, _COMMENT))
    target = size if room <= size else _round_up(room)
    response.body = body + _COMMENT[0] + b" " * (target - room) + _COMMENT[1]
    response.headers["content-length"] = str(len(response.body))
    return response


def _length(shown: str) -> int:
    """Bytes of ``shown`` in the page, escaped and encoded."""
    return len(escape(shown).encode())


def _round_up(size: int) -> int:
    return -(-size // STEP) * STEP
