"""The ballot box: ballots that arrive together are written together.

When six hundred delegates press "Cast ballot" within the same second, a transaction
of its own for each ballot (a thread, a pooled connection, the reads, three writes and
a commit) costs far more than the request around it, and the ballots queue behind each
other. The box takes the well-formed ballots and queues them per vote; a writer writes
all that are waiting for a vote in one transaction (``casting.cast_together``), then
the next batch with those that arrived meanwhile. At rest each ballot is written at
once, alone; under load the batches grow by themselves and no ballot waits for a timer.

The writer's transaction runs on a thread of the box's own, never on the event loop:
while a batch is written the loop goes on accepting connections and reading requests,
and their ballots wait together for the next batch (when the loop wrote itself, each
new connection's ballot was written alone, holding up every other request for the
database's round trips). The box has connections of its own, so its batches never wait
behind the request threads for a pooled connection.

The box answers ``STORED`` when the ballot is stored, and ``CLOSED`` when it was not
because it arrived after the vote stopped taking ballots (the close pressed, here or in
another process, or the end of its period): the route refuses it at once, as it refuses
every later ballot of a vote the box knows closed, without asking the database again.
Anything else (not on the roll, not present, already voted, a database error) is
``ALONE``: the route then casts the ballot the ordinary way (``casting.cast``), which
stores it after all or tells the member exactly why not.

What it keeps of a vote (``casting.OpenVote``: title, method, mode, options) is read
once when the vote is open and does not change while it is; who may vote and whether
the vote still takes ballots are asked of the database at every write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import anyio
import anyio.to_thread

from plenum.db import Database
from plenum.votes import casting
from plenum.votes.models import Vote, VoteOption

log = logging.getLogger(__name__)

KEPT_VOTES = 256  # open votes whose facts are kept; more are read again
STORED, CLOSED, ALONE = "stored", "closed", "alone"  # what became of a ballot in the box
WRITERS = 2  # batches of different votes written at the same time


@dataclass
class _Queue:
    """The ballots waiting for one vote on one event loop, and its writer."""

    at: casting.OpenVote
    waiting: list[tuple[casting.Pending, asyncio.Future[str]]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


class BallotBox:
    def __init__(self, database: Database) -> None:
        self.database = database
        # Connections and threads of its own: a batch never waits for the request
        # threads' connections, nor for a thread behind requests that wait for it.
        self.writing = Database(database.url, pool_size=WRITERS, max_overflow=0)
        self._threads = anyio.CapacityLimiter(WRITERS)
        self._votes: dict[int, casting.OpenVote] = {}
        self._closed: dict[int, datetime] = {}  # votes closed here: from when
        self._queues: dict[tuple[int, int], _Queue] = {}  # (event loop, vote) → queue
        self._reading: dict[tuple[int, int], asyncio.Task[casting.OpenVote | None]] = {}

    def close(self) -> None:
        self.writing.dispose()

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

    def stop_taking(self, vote_id: int, moment: datetime) -> None:
        """The vote, closed in this process, takes no ballot that arrives from ``moment``:
        such ballots are refused at once, without asking the database."""
        if len(self._closed) >= KEPT_VOTES:
            self._closed = {}
        self._closed[vote_id] = min(moment, self._closed.get(vote_id, moment))

    def closed_at(self, vote_id: int) -> datetime | None:
        return self._closed.get(vote_id)

    def knows(self, vote_id: int) -> bool:
        """Whether the open vote's facts are remembered already."""
        return vote_id in self._votes

    def keep(
        self, vote: Vote, options: Sequence[VoteOption], *, in_room: bool, grouped: bool
    ) -> None:
        """Remember an open vote's facts from what the ballot page has read anyway, so
        the ballots cast from it find them here; copied only the first time."""
        if vote.id not in self._votes:
            self._remember(casting.OpenVote.of(vote, options, in_room=in_room, grouped=grouped))

    def _remember(self, at: casting.OpenVote) -> None:
        if at.vote.id in self._votes:
            return  # the same facts: keep the one with its rendered receipts
        if len(self._votes) >= KEPT_VOTES:
            self._votes = {}
        self._votes[at.vote.id or 0] = at

    def _read(self, vote_id: int) -> casting.OpenVote | None:
        with self.database.session() as session:
            return casting.open_vote(vote_id, session=session)

    async def cast(self, at: casting.OpenVote, pending: casting.Pending) -> str:
        """Put the ballot in the box: ``STORED``, ``CLOSED`` or ``ALONE``."""
        loop = asyncio.get_running_loop()
        key = (id(loop), at.vote.id or 0)
        queue = self._queues.get(key)
        if queue is None or (queue.writer is not None and queue.writer.get_loop() is not loop):
            queue = self._queues[key] = _Queue(at)  # not one left by a dead loop
        stored: asyncio.Future[str] = loop.create_future()
        queue.waiting.append((pending, stored))
        if queue.writer is None or queue.writer.done():
            queue.writer = loop.create_task(self._write(key, queue))
        return await stored

    async def _write(self, key: tuple[int, int], queue: _Queue) -> None:
        """Batch after batch while ballots are waiting; between two, the requests that
        arrived meanwhile have their turn and join the next."""
        batch: list[tuple[casting.Pending, asyncio.Future[str]]] = []
        try:
            while queue.waiting:
                batch = queue.waiting[: casting.MAX_BATCH]
                del queue.waiting[: casting.MAX_BATCH]
                ballots = [pending for pending, _ in batch]
                try:
                    written, closed = await anyio.to_thread.run_sync(
                        self._store, queue.at, ballots, limiter=self._threads
                    )
                except Exception:
                    log.exception("a batch of %d ballots failed; each is cast alone", len(batch))
                    written, closed = [False] * len(batch), None
                if closed is not None:
                    self.stop_taking(queue.at.vote.id or 0, closed)
                for (pending, stored), done in zip(batch, written, strict=True):
                    if not stored.done():  # a request that went away cancelled its future
                        late = closed is not None and pending.arrived >= closed
                        stored.set_result(STORED if done else CLOSED if late else ALONE)
                batch = []
        finally:
            # Only if this writer was cancelled: the ballots are cast alone. A batch cut
            # off on its thread may yet have been stored; casting alone then says so.
            for _pending, stored in batch + queue.waiting:
                if not stored.done():
                    stored.set_result(ALONE)
            queue.waiting = []
            if self._queues.get(key) is queue:
                del self._queues[key]

    def _store(
        self, at: casting.OpenVote, ballots: list[casting.Pending]
    ) -> tuple[list[bool], datetime | None]:
        """Which ballots were written, and (if any was not) from when the vote takes no
        more ballots, if it has stopped."""
        with self.writing.session() as session:
            written = casting.cast_together(at, ballots, session=session)
            if all(written):
                return written, None
            return written, casting.closed_from(at.vote.id or 0, session=session)
