"""The ballot box: ballots that arrive together are written together.

When six hundred delegates press "Cast ballot" within the same second, a transaction
of its own for each ballot (a thread, a pooled connection, the reads, three writes and
a commit) costs far more than the request around it, and the ballots queue behind each
other. The box takes the well-formed ballots and queues them per vote; a writer writes
all that are waiting for a vote in one transaction (``casting.cast_together``), then
the next batch with those that arrived meanwhile. At rest each ballot is written at
once, alone; under load the batches grow by themselves and no ballot waits for a timer.

The writer runs on the event loop, not on a thread: the write of a batch is short (a
few statements; about 15 ms for 500 ballots), and a thread would have to win Python's
lock back from the busy loop after every statement, which made a batch take five times
as long. It never waits for another's locks there (``Database.impatient``): if the
database is busy (a close counting, another writer), the batch is written on a thread
instead, where waiting does not hold up other requests.

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
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio.to_thread
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from plenum.db import Database
from plenum.votes import casting
from plenum.votes.models import Vote, VoteOption

log = logging.getLogger(__name__)

KEPT_VOTES = 256  # open votes whose facts are kept; more are read again


@dataclass
class _Queue:
    """The ballots waiting for one vote on one event loop, and its writer."""

    at: casting.OpenVote
    waiting: list[tuple[casting.Pending, asyncio.Future[bool]]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


class BallotBox:
    def __init__(self, database: Database) -> None:
        self.database = database
        # The loop's writer has connections of its own: waiting on the loop for one of
        # the request threads' connections could stall the very loop that frees them.
        self.on_loop = Database(database.url, pool_size=1, max_overflow=1, pool_timeout=0.05)
        self._votes: dict[int, casting.OpenVote] = {}
        self._queues: dict[tuple[int, int], _Queue] = {}  # (event loop, vote) → queue
        self._reading: dict[tuple[int, int], asyncio.Task[casting.OpenVote | None]] = {}

    def close(self) -> None:
        self.on_loop.dispose()

    async def open_vote(self, vote_id: int) -> casting.OpenVote | None:
        """The vote's frozen facts if it is open, read from the database once (ballots
        arriving together wait for the same read)."""
        found = self._votes.get(vote_id)
        if found is not None:
            return found
        loop = asyncio.get_running_loop()
        key = (id(loop), vote_id)
        reading = self._reading.get(key)
        if reading is None or reading.get_loop() is not loop:  # not one left by a dead loop
            reading = self._reading[key] = loop.create_task(self._keep(key, vote_id))
        return await asyncio.shield(reading)

    async def _keep(self, key: tuple[int, int], vote_id: int) -> casting.OpenVote | None:
        try:
            found = await anyio.to_thread.run_sync(self._read, vote_id)
        finally:
            self._reading.pop(key, None)
        if found is not None:
            self._remember(found)
        return found

    def keep(self, vote: Vote, options: Sequence[VoteOption]) -> None:
        """Remember an open vote's facts from what the ballot page has read anyway, so
        the ballots cast from it find them here; copied only the first time."""
        if vote.id not in self._votes:
            self._remember(casting.OpenVote.of(vote, options))

    def _remember(self, at: casting.OpenVote) -> None:
        if at.vote.id in self._votes:
            return  # the same facts: keep the one with its rendered receipts
        if len(self._votes) >= KEPT_VOTES:
            self._votes = {}
        self._votes[at.vote.id or 0] = at

    def _read(self, vote_id: int) -> casting.OpenVote | None:
        with self.database.session() as session:
            return casting.open_vote(vote_id, session=session)

    async def cast(self, at: casting.OpenVote, pending: casting.Pending) -> bool:
        """Put the ballot in the box; whether it was stored."""
        loop = asyncio.get_running_loop()
        key = (id(loop), at.vote.id or 0)
        queue = self._queues.get(key)
        if queue is None or (queue.writer is not None and queue.writer.get_loop() is not loop):
            queue = self._queues[key] = _Queue(at)  # not one left by a dead loop
        stored: asyncio.Future[bool] = loop.create_future()
        queue.waiting.append((pending, stored))
        if queue.writer is None or queue.writer.done():
            queue.writer = loop.create_task(self._write(key, queue))
        return await stored

    async def _write(self, key: tuple[int, int], queue: _Queue) -> None:
        """Batch after batch while ballots are waiting; between two, the requests that
        arrived meanwhile have their turn and join the next."""
        batch: list[tuple[casting.Pending, asyncio.Future[bool]]] = []
        try:
            while queue.waiting:
                batch = queue.waiting[: casting.MAX_BATCH]
                del queue.waiting[: casting.MAX_BATCH]
                ballots = [pending for pending, _ in batch]
                try:
                    outcomes = self._store_now(queue.at, ballots)
                    if outcomes is None:
                        outcomes = await anyio.to_thread.run_sync(self._store, queue.at, ballots)
                except Exception:
                    log.exception("a batch of %d ballots failed; each is cast alone", len(batch))
                    outcomes = [False] * len(batch)
                for (_pending, stored), outcome in zip(batch, outcomes, strict=True):
                    if not stored.done():  # a request that went away cancelled its future
                        stored.set_result(outcome)
                batch = []
                await asyncio.sleep(0)
        finally:
            # Only if this writer was cancelled: the ballots are cast alone. A batch cut
            # off on its thread may yet have been stored; casting alone then says so.
            for _pending, stored in batch + queue.waiting:
                if not stored.done():
                    stored.set_result(False)
            queue.waiting = []
            if self._queues.get(key) is queue:
                del self._queues[key]

    def _store_now(self, at: casting.OpenVote, ballots: list[casting.Pending]) -> list[bool] | None:
        """Write on the event loop without waiting for locks; None if the database was
        busy (or failed): then the batch goes to a thread."""
        try:
            with self.on_loop.impatient() as session:
                return casting.cast_together(at, ballots, session=session)
        except (DBAPIError, PoolTimeout) as exc:
            log.info(
                "ballot box: the database is busy (%s); writing on a thread", type(exc).__name__
            )
            return None

    def _store(self, at: casting.OpenVote, ballots: list[casting.Pending]) -> list[bool]:
        with self.database.session() as session:
            return casting.cast_together(at, ballots, session=session)
