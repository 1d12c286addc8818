"""Live updates: one hub per process fans domain events out to Server-Sent-Event streams.

Services announce events (``plenum.events``); after the commit (on PostgreSQL: through
``NOTIFY`` and the process's one ``events.Listener``, so every instance hears every
event) the hub turns each event into *regions* of a *topic* that changed, e.g. topic
``meeting:7`` and regions ``speakers`` and ``agenda``. Each open stream of that topic is
woken; it sends the new HTML of each changed region once, whatever number of events
arrived meanwhile (updates coalesce, a slow reader never queues a backlog). The HTML of
a region is rendered once per process, version and language, and shared by every
stream that needs it: 2,000 open live rooms cost one rendering per change, not 2,000.

Subscribers of the bus run on whatever thread committed or listened; the hub hands
every event to its event loop with ``call_soon_threadsafe`` and does all the rest there.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from plenum import events

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0  # a comment line keeps proxies from closing an idle stream
LIFETIME_SECONDS = 15 * 60.0  # then the browser reconnects (and is checked again)

# What changed when an event happens: event name → (topic, regions), or None.
Mapper = Callable[[events.Event], tuple[str, tuple[str, ...]] | None]
# Renders one region of a topic in a language; runs on a worker thread.
Renderer = Callable[[str, str, str], Awaitable[str]]


@dataclass(eq=False)  # each stream is itself, held in sets
class Stream:
    """One open connection: which regions changed since it last sent them."""

    topic: str
    locale: str
    render: Renderer
    changed: set[str] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False


class Hub:
    def __init__(self, bus: events.Bus = events.bus) -> None:
        self.bus = bus
        self.mappers: list[Mapper] = []
        self.streams: dict[str, set[Stream]] = defaultdict(set)
        self.versions: dict[tuple[str, str], int] = defaultdict(int)
        # (topic, region, locale) → (version, the event as bytes, rendered once)
        self._sent: dict[tuple[str, str, str], tuple[int, asyncio.Future[bytes]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def add_mapper(self, mapper: Mapper) -> None:
        self.mappers.append(mapper)

    def start(self) -> None:
        """Begin hearing events; call on the event loop (the app's lifespan)."""
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.bus.subscribe(events.ALL, self._hear)

    def close(self) -> None:
        """Stop hearing events and end every open stream."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for streams in self.streams.values():
            for stream in streams:
                stream.ended = True
                stream.wake.set()

    def _hear(self, happened: events.Event) -> None:
        for mapper in self.mappers:
            found = mapper(happened)
            if found is not None and self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self.changed, *found)

    def changed(self, topic: str, regions: Iterable[str]) -> None:
        """On the loop: the regions of ``topic`` changed. Their new HTML is rendered at
        once (once per language in use), then the topic's streams are woken."""
        regions = tuple(regions)
        watchers = self.streams.get(topic, ())
        for region in regions:
            self.versions[(topic, region)] += 1
            for stream in {stream.locale: stream for stream in watchers}.values():
                self.event(topic, region, stream.locale, stream.render)
        for stream in watchers:
            stream.changed.update(regions)
            stream.wake.set()

    def open(
        self, topic: str, locale: str, render: Renderer, regions: Iterable[str] = ()
    ) -> Stream:
        """A new stream of ``topic``; it first sends ``regions`` as they are now, so a
        browser that reconnects after missing a change catches up."""
        stream = Stream(topic, locale, render, changed=set(regions))
        if stream.changed:
            stream.wake.set()
        self.streams[topic].add(stream)
        return stream

    def leave(self, stream: Stream) -> None:
        self.streams[stream.topic].discard(stream)
        if not self.streams[stream.topic]:
            del self.streams[stream.topic]

    def watching(self, topic: str) -> int:
        return len(self.streams.get(topic, ()))

    def event(
        self, topic: str, region: str, locale: str, render: Renderer
    ) -> asyncio.Future[bytes]:
        """The region's current event, encoded once per version and language."""
        key = (topic, region, locale)
        version = self.versions[(topic, region)]
        cached = self._sent.get(key)
        if cached is None or cached[0] != version:
            cached = (version, asyncio.ensure_future(_encoded(region, topic, locale, render)))
            self._sent[key] = cached
        return cached[1]


async def _encoded(region: str, topic: str, locale: str, render: Renderer) -> bytes:
    return message(region, await render(topic, region, locale)).encode()


def message(name: str, html: str) -> str:
    """One Server-Sent Event: every line of the HTML is a ``data:`` line."""
    lines = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {name}\n{lines}\n"


GREETING = b"retry: 2000\n: welcome\n\n"
KEEPALIVE = b": keep-alive\n\n"


async def events_of(
    hub: Hub,
    stream: Stream,
    *,
    keepalive: float = KEEPALIVE_SECONDS,
    lifetime: float = LIFETIME_SECONDS,
) -> AsyncIterator[bytes]:
    """What one connection sends: a greeting, each changed region, keep-alive comments."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lifetime
    try:
        yield GREETING
        while not stream.ended and loop.time() < deadline:
            try:
                async with asyncio.timeout(keepalive):
                    await stream.wake.wait()
            except TimeoutError:
                yield KEEPALIVE
                continue
            stream.wake.clear()
            regions, stream.changed = sorted(stream.changed), set()
            for region in regions:
                future = hub.event(stream.topic, region, stream.locale, stream.render)
                try:
                    yield await asyncio.shield(future)
                except Exception:  # a region that fails to render is left as it was
                    log.exception("could not render %s of %s", region, stream.topic)
    finally:
        hub.leave(stream)
