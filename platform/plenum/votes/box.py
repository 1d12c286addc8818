"""The ballot box: ballots that arrive together are written together.

When six hundred delegates press "Cast ballot" within the same second, a transaction
of its own for each ballot (a thread, a pooled connection, the reads, three writes and
a commit) costs far more than the request around it, and the ballots queue behind each
other. The box takes the well-formed ballots and queues them per vote; a writer thread
writes all that are waiting for a vote in one transaction (``casting.cast_together``),
then the next batch. It starts with the first ballot, so a batch is written while the
requests behind it are still being read. At rest each ballot is written at once, alone;
under load the batches grow by themselves and no ballot waits for a timer.

The box answers True when the ballot is stored. Anything else (not on the roll, not
present, already voted, the vote closed meanwhile, a database error) is False: the
route then casts the ballot the ordinary way (``casting.cast``), which stores it after
all or tells the member exactly why not. The box itself never refuses anyone.

What it keeps of a vote (``casting.OpenVote``: title, method, mode, options) is read
once when the vote is open and does not change while it is; who may vote and whether
the vote still takes ballots are asked of the database at every write.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass

import anyio.to_thread

from plenum.db import Database
from plenum.votes import casting

log = logging.getLogger(__name__)

KEPT_VOTES = 256  # open votes whose facts are kept; more are read again
IDLE_SECONDS = 5.0  # the writer thread ends after this long without ballots


@dataclass
class _Waiting:
    """A ballot in the box, and how to tell its request whether it was stored."""

    pending: casting.Pending
    stored: asyncio.Future[bool]
    loop: asyncio.AbstractEventLoop


class BallotBox:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._votes: dict[int, casting.OpenVote] = {}
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._waiting: dict[int, list[_Waiting]] = {}  # by vote, in order of arrival
        self._writer: threading.Thread | None = None
        self._reading: dict[tuple[int, int], asyncio.Task[casting.OpenVote | None]] = {}

    async def open_vote(self, vote_id: int) -> casting.OpenVote | None:
        """The vote's frozen facts if it is open, read from the database once (ballots
        arriving together wait for the same read)."""
        found = self._votes.get(vote_id)
        if found is not None:
            return found
        loop = asyncio.get_running_loop()
        key = (id(loop), vote_id)
        reading = self._reading.get(key)
        if reading is None:
            reading = self._reading[key] = loop.create_task(self._keep(key, vote_id))
        return await asyncio.shield(reading)

    async def _keep(self, key: tuple[int, int], vote_id: int) -> casting.OpenVote | None:
        try:
            found = await anyio.to_thread.run_sync(self._read, vote_id)
        finally:
            del self._reading[key]
        if found is not None:
            self.keep(found)
        return found

    def keep(self, at: casting.OpenVote) -> None:
        """Remember an open vote's facts, read elsewhere: the ballot page reads them
        anyway, so the ballots cast from it find them here."""
        with self._lock:
            self._keep_unlocked(at)

    def _keep_unlocked(self, at: casting.OpenVote) -> None:
        if at.vote.id not in self._votes and len(self._votes) >= KEPT_VOTES:
            self._votes = {vote_id: self._votes[vote_id] for vote_id in self._waiting}
        self._votes[at.vote.id or 0] = at

    def _read(self, vote_id: int) -> casting.OpenVote | None:
        with self.database.session() as session:
            return casting.open_vote(vote_id, session=session)

    async def cast(self, at: casting.OpenVote, pending: casting.Pending) -> bool:
        """Put the ballot in the box; whether it was stored."""
        loop = asyncio.get_running_loop()
        stored: asyncio.Future[bool] = loop.create_future()
        with self._lock:
            self._keep_unlocked(at)
            self._waiting.setdefault(at.vote.id or 0, []).append(_Waiting(pending, stored, loop))
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="ballot-box", daemon=True)
                self._writer.start()
            self._arrived.notify()
        return await stored

    def _write(self) -> None:
        """The writer thread: all ballots waiting for a vote in one transaction, then the
        next vote or batch. It starts with the first ballot, so the first batch is written
        while the requests behind it are still being read, and ends when idle."""
        while True:
            with self._lock:
                if not self._waiting:
                    self._arrived.wait(timeout=IDLE_SECONDS)
                if not self._waiting:
                    self._writer = None
                    return
                vote_id = next(iter(self._waiting))
                batch = self._waiting.pop(vote_id)
                at = self._votes[vote_id]
            try:
                outcomes = self._store(at, [waiting.pending for waiting in batch])
            except Exception:
                log.exception("a batch of %d ballots failed; each is cast alone", len(batch))
                outcomes = [False] * len(batch)
            _answer(batch, outcomes)

    def _store(self, at: casting.OpenVote, batch: list[casting.Pending]) -> list[bool]:
        with self.database.session() as session:
            return casting.cast_together(at, batch, session=session)


def _answer(batch: list[_Waiting], outcomes: list[bool]) -> None:
    """Tell each waiting request its outcome, on its own event loop (one call a loop)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[bool], bool]]]
    by_loop = defaultdict(list)
    for waiting, outcome in zip(batch, outcomes, strict=True):
        by_loop[waiting.loop].append((waiting.stored, outcome))
    for loop, answers in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, answers)
        except RuntimeError:  # that loop has closed: nobody is waiting any more
            continue


def _settle(answers: list[tuple[asyncio.Future[bool], bool]]) -> None:
    for stored, outcome in answers:
        if not stored.done():  # a request that went away has cancelled its future
            stored.set_result(outcome)
