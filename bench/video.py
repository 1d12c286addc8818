"""Video room (issue 17, point 6): how many listeners one Janus on this 2-core machine holds
with one speaker, and how long after the chair's call the new speaker's picture reaches a
listener (target: p95 <= 1.5 s).

Everything runs in a network namespace the benchmark makes (``ip netns``, as
tests/support/netns.py does; needs root): only ``lo`` and a veth pair ``v0`` 10.99.0.1 /
``v1`` 10.99.0.2, both ends inside. libnice (Janus's ICE) skips loopback interfaces, so
Janus gathers on ``v0`` only; no packet leaves the namespace. Inside it run:

- **Janus** (Debian's, as Plenum runs it: ``plenum.video.janus_server``), VideoRoom and
  AudioBridge, its event handler posting to Plenum;
- **Plenum** as an operator starts it (``python -m plenum.cli serve``, production settings,
  one process, ``PLENUM_JANUS_URL``), on a fresh SQLite file: migrated, the demo's party
  structure, and members of NRW chapters with a session row and a signed session cookie
  each (as ``bench/meetings.py`` signs them). One hybrid meeting of the Landesverband NRW
  with an item under way; the room open to the audience; a chair (meeting role);
- **the members' pages**: headless clients written here with aiortc that do what
  ``static/js/video.js`` does, message for message, through Plenum's relay
  (``/meetings/{id}/video/janus...``) with the member's cookie: load the room page (its
  join token), open the live stream (SSE) and on its ``speakers``/``video`` events fetch
  ``/video/state``, create the Janus session, long-poll its events, keep it alive, join
  the audio bridge muted (sending silence, as the page's silent track does: a fixed
  Opus silence frame every 20 ms), join the video room as a watcher, and subscribe to
  whoever publishes (one subscription, updated as publishers come and go, as the page
  does). A page called to speak switches on at once (the member's click, without the
  human): unmutes in the bridge while it publishes a synthetic camera (640x480, 15 fps, VP8,
  a moving picture with noise, encoded by aiortc) and a tone.

Listeners' pages run in ``--workers`` worker processes; they count the video frames the
jitter buffer completes but do not decode them (decoding 15 fps of VP8 per listener in
Python would measure aiortc, not Janus). One listener in the main process decodes: its
first *decoded* frame times the calls. aiortc shares the two cores with Janus and Plenum;
its CPU is measured and printed beside theirs.

Parts, in this order:

1. ``calls``, the baseline, at the Janus level: a room of the benchmark's own on the same
   Janus, two speakers and one decoding listener talking to Janus directly. At each of
   ``--calls`` moments the old speaker unpublishes and the new one publishes; the
   listener sees the new publisher, subscribes, and decodes its first frame.
2. ``calls`` through Plenum, one listener: the new speaker asks to speak (not timed), a
   second later the chair posts the call (``POST /meetings/{id}/live/call``, the next on
   the list). From that POST to the listener's first decoded frame of the new speaker,
   with the stages between: the call answered, the new speaker's page told its role
   (live stream, then ``/video/state``), its publication answered, the listener's
   ``publishers`` event. Four speakers take turns. Plenum's follower meanwhile mutes and
   puts out the old speaker.
3. ``capacity``: the last speaker goes on publishing; listeners join in steps
   (``--steps``). After each step settles, over ``--measure`` seconds: CPU (user+sys
   seconds per second, /proc/<pid>/stat) and RSS of Janus, Plenum and the clients,
   Janus's CPU split by its threads (the handles' media loops, the audio bridge), the
   machine's busy time, the frames each listener received against the frames sent, and
   the video packets lost. It stops after the first step that does not hold (a listener
   below 90 % of the frames sent, or on average below 95 %, or a join failed), or when
   Janus, Plenum and the clients together use over 90 % of the cores.
4. ``calls`` through Plenum with ``--call-listeners`` listeners (at most the most that
   held), ``--calls-many`` calls: every listener's page reacts as in the browser (state
   fetched, subscription updated); the first complete frame at every listener is timed too.

It prints the tables, PASS or FAIL for the call target (p95 <= 1.5 s through Plenum, with
one listener and with many), the per-listener figures and listeners per core.

    .venv/bin/python bench/video.py                      # all parts, about 8-10 minutes
    .venv/bin/python bench/video.py --steps 0,10,25 --calls 5 --call-listeners 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import functools
import html
import http.cookiejar
import itertools
import json
import logging
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

HOST = "127.0.0.1"
SECRET = "bench-video-secret-for-a-local-run-only-0123456789abcdef"  # noqa: S105 - throwaway
EVENTS_SECRET = "bench-video-events"  # noqa: S105 - throwaway
STATE = "lv-nrw"
NRW_CHAPTERS = ("ov-koeln-kalk", "ov-koeln-ehrenfeld", "ov-dortmund-nord", "kv-dortmund")
SPEAKERS = 4  # speakers taking turns in the calls
STEPS = (0, 10, 25, 40, 60, 80, 100, 150, 200)
CALLS = 20
CALL_LISTENERS = 20
CALLS_MANY = 10  # calls with CALL_LISTENERS listeners (each takes longer)
WORKERS = 2
SETTLE = 5.0
MEASURE = 12.0
CALL_GAP = 2.0  # seconds after a call's first frame before the next ask
ASK_AHEAD = 0.7  # seconds from the ask to the call
FRAME_TIMEOUT = 10.0
JOIN_CONCURRENCY = 6  # pages entering at once per worker
HELD_SECONDS = 15.0  # a page whose floor went keeps its muted picture this long at most,
NEXT_SECONDS = 2.0  # or this long after another member's picture came (video.js)
TARGET_P95_S = 1.5
SPLIT = ({0}, {1})  # the server's cores, the clients' cores (unless --shared)


def cores_of(args: argparse.Namespace) -> tuple[set[int], set[int]]:
    """The cores of Janus and Plenum, and of the clients; none fixed with ``--shared`` or
    on a machine of one core."""
    if args.shared or len(os.sched_getaffinity(0)) < 2:
        return set(), set()
    return SPLIT


HOLD_MIN, HOLD_MEAN = 0.90, 0.95  # of the frames sent: the least listener, the average
OURS_MAX = 0.90  # of all cores: Janus, Plenum and the clients together
FPS, WIDTH, HEIGHT = 15, 640, 480
ID_SPAN = 10_000  # plenum.video.janus.ID_SPAN
VIDEOROOM, AUDIOBRIDGE = "janus.plugin.videoroom", "janus.plugin.audiobridge"
OPUS_SILENCE = b"\xf8\xff\xfe"  # one 20 ms Opus frame of silence (CELT, fullband)
NS_JANUS, NS_PEER = ("v0", "10.99.0.1"), ("v1", "10.99.0.2")
NS_SETUP = (  # tests/support/netns.py
    ("link", "set", "lo", "up"),
    ("link", "add", NS_JANUS[0], "type", "veth", "peer", "name", NS_PEER[0]),
    ("addr", "add", f"{NS_JANUS[1]}/24", "dev", NS_JANUS[0]),
    ("addr", "add", f"{NS_PEER[1]}/24", "dev", NS_PEER[0]),
    ("link", "set", NS_JANUS[0], "up"),
    ("link", "set", NS_PEER[0], "up"),
)


def member_of(participant: int) -> int:
    return participant // ID_SPAN


def pct(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- the namespace ------------------------------------------------------------------------------


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False, timeout=10)
    if done.returncode != 0:
        raise SystemExit(f"ip {' '.join(args)}: {done.stderr.strip()}")


def in_namespace(argv: list[str]) -> int:
    """Make the namespace, run this script inside it with ``argv``, delete it."""
    name = f"plenum-video-{secrets.token_hex(4)}"
    _ip("netns", "add", name)
    try:
        for step in NS_SETUP:
            _ip("-n", name, *step)
        command = ["ip", "netns", "exec", name, sys.executable, __file__, "--inside", *argv]
        with subprocess.Popen(command) as inner:
            # a SIGTERM (timeout, make) stops the run as Ctrl-C does: the servers and the
            # namespace go too
            signal.signal(signal.SIGTERM, lambda *_: inner.send_signal(signal.SIGINT))
            while True:
                try:
                    return inner.wait()
                except KeyboardInterrupt:
                    continue  # the inner run has it too (same process group) and ends
    finally:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)


# --- the data set -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    meeting_id: int
    chair: int
    speakers: list[int]
    observer: int  # the decoding listener
    listeners: list[int]


def prepare(database_url: str, listeners: int) -> DataSet:
    """Migrate; the demo's structure; the chair, the speakers and the listeners (members of
    NRW chapters, each with a session row); the meeting with an item under way, the
    chair's meeting role, the video room open to the audience."""
    from sqlmodel import select

    from common import open_sessions
    from plenum import demo
    from plenum.clock import utcnow
    from plenum.db import Database
    from plenum.meetings import agenda, forms, service
    from plenum.meetings.access import meeting_place
    from plenum.meetings.models import MeetingRole
    from plenum.migrate import upgrade
    from plenum.orgs.models import Member, Membership
    from plenum.orgs.service import chapter_by_key
    from plenum.settings import Settings
    from plenum.times import local_input
    from plenum.video import service as video

    upgrade(database_url)
    settings = demo.demo_settings(
        Settings(env="test", database_url=database_url, secret_key=SECRET)
    )
    db = Database(database_url)
    try:
        with db.session() as session:
            demo._load_structure(settings, session=session)
            session.commit()
            office = session.exec(select(Member.id).where(Member.subject == "geschaeftsstelle"))
            office_id = int(office.one() or 0)
            chapters = [chapter_by_key(key, session=session) for key in NRW_CHAPTERS]
            people = ["chair", *(f"speaker-{n}" for n in range(SPEAKERS)), "observer"]
            people += [f"listener-{n:04d}" for n in range(listeners)]
            members = [
                Member(
                    issuer=settings.oidc_issuer,
                    subject=f"bench-video-{who}",
                    display_name=f"Bench {who}",
                    email=f"bench-video-{who}@bench.plenum.invalid",
                    member_number=str(900000 + n),
                )
                for n, who in enumerate(people)
            ]
            session.add_all(members)
            session.flush()
            for n, member in enumerate(members):
                chapter = chapters[n % len(chapters)]
                session.add(Membership(member_id=member.id or 0, chapter_id=chapter.id or 0))
            session.commit()
            ids = [m.id or 0 for m in members]

            starts = utcnow() + timedelta(minutes=5)
            values = {
                "title": "Landesrat (Video-Benchmark)",
                "description": "Wir beraten den Leitantrag.",
                "mode": "hybrid",
                "audience": "chapter",
                "venue": "Bürgerhaus Kalk",
                "address": "Kalk-Mülheimer Str. 58, Köln",
                "video_url": "",
                "speaker_rule": "zipper",
                "starts_at": local_input(starts),
                "ends_at": local_input(starts + timedelta(hours=4)),
            }
            state = chapter_by_key(STATE, session=session)
            data = forms.parse_meeting(values, has_body=False, needs_link=False)
            meeting = service.create_meeting(state, None, data, actor=office_id, session=session)
            at = meeting_place(meeting.id or 0, session=session)
            item_data = agenda.parse_item({"title": "Aussprache", "kind": "discussion"}, [])
            item = agenda.add_item(at, item_data, session=session)
            agenda.make_current(at, item, session=session)
            session.add(MeetingRole(meeting_id=meeting.id or 0, member_id=ids[0], role="chair"))
            session.commit()
            at = meeting_place(meeting.id or 0, session=session)
            video.set_open_to_audience(at, True, "", "janus", session=session)
            session.commit()
            meeting_id = meeting.id or 0
    finally:
        db.dispose()
    open_sessions(database_url, ids)
    return DataSet(
        meeting_id=meeting_id,
        chair=ids[0],
        speakers=ids[1 : 1 + SPEAKERS],
        observer=ids[1 + SPEAKERS],
        listeners=ids[2 + SPEAKERS :],
    )


def cookie_header(member_id: int) -> dict[str, str]:
    """A logged-in member's session cookie (production's name) and CSRF header."""
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import cookie_name

    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": f"bench-{member_id}", "member_id": member_id}
    data["csrf"] = csrf_of(member_id)
    value = URLSafeSerializer(SECRET, salt="plenum.session").dumps(data)
    return {"cookie": f"{cookie_name(secure=True)}={value}", "x-csrf-token": csrf_of(member_id)}


def csrf_of(member_id: int) -> str:
    return f"csrf-{member_id:06d}-bench-video"


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Plenum:
    """``plenum serve`` in a child process with production settings and Janus."""

    def __init__(
        self, database_url: str, folder: Path, janus_url: str, access_log: bool, cpus: set[int]
    ) -> None:
        from common import raise_fd_limit

        def prepare_child() -> None:
            raise_fd_limit()
            if cpus:
                os.sched_setaffinity(0, cpus)

        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.log = folder / "plenum.log"
        env = {
            **os.environ,
            "PLENUM_ENV": "production",
            "PLENUM_DATABASE_URL": database_url,
            "PLENUM_SECRET_KEY": SECRET,
            "PLENUM_OIDC_CLIENT_SECRET": "bench-client-secret",
            "PLENUM_OIDC_ISSUER": f"http://{HOST}:9",
            "PLENUM_BASE_URL": "https://plenum.bench.invalid",
            "PLENUM_LOG_LEVEL": "WARNING",
            "PLENUM_VIDEO_PROVIDER": "janus",
            "PLENUM_JANUS_URL": janus_url,
            "PLENUM_JANUS_EVENTS_SECRET": EVENTS_SECRET,
        }
        command = [sys.executable, "-m", "plenum.cli", "serve", "--host", HOST]
        command += ["--port", str(self.port)]
        access = (folder / "access.log").open("wb") if access_log else subprocess.DEVNULL
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=access,
                stderr=out,
                preexec_fn=prepare_child,
            )
        self.pid = self.process.pid

    def wait(self) -> None:
        from common import wait_until_healthy

        wait_until_healthy(self.process, self.base_url, 30)

    def stop(self) -> None:
        from common import stop

        stop(self.process)

    def errors(self) -> list[str]:
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if "ERROR" in line or "Traceback" in line]


# --- media --------------------------------------------------------------------------------------

# The receivers' frames: a receiver that only counts gets a FrameCounter in place of its
# decoder queue (no decoder thread, nothing decoded); one that decodes (the timing
# listener) keeps aiortc's thread, which counts too. COUNTS: frames the jitter buffer
# completed, FIRSTS: when the first was, by the receiver's key (``tag``).
COUNTS: dict[int, int] = {}
FIRSTS: dict[int, float] = {}
_keys = itertools.count(1)


def counted(key: int) -> None:
    n = COUNTS[key] = COUNTS.get(key, 0) + 1
    if n == 1:
        FIRSTS[key] = time.monotonic()


class FrameCounter:
    """Stands in for a receiver's decoder queue: counts complete frames in the loop."""

    def __init__(self, key: int) -> None:
        self.key = key

    def put(self, task: Any) -> None:
        if task is not None:
            counted(self.key)


def tag(receiver: Any, *, decode: bool = False) -> int:
    """Count (and with ``decode`` decode) a receiver's frames, before it starts: its key."""
    key = next(_keys)
    if decode:
        receiver._track._queue._bench_key = key
    else:
        receiver._RTCRtpReceiver__decoder_queue = FrameCounter(key)
    return key


def decoding_worker(
    loop: asyncio.AbstractEventLoop, input_q: Any, output_q: Any, decode_error: Any = None
) -> None:
    """aiortc's decoder thread, counting the frames too; none for a FrameCounter."""
    import av
    from aiortc.codecs import get_decoder

    if isinstance(input_q, FrameCounter):
        return
    decoder, codec_name = None, None
    while (task := input_q.get()) is not None:
        counted(getattr(output_q, "_bench_key", 0))  # tag() may give the receiver a new key
        codec, encoded_frame = task
        if codec.name != codec_name:
            decoder, codec_name = get_decoder(codec), codec.name
        try:
            frames = decoder.decode(encoded_frame)  # type: ignore[union-attr]
        except av.FFmpegError:
            if decode_error is not None:
                decode_error.set()
            continue
        for frame in frames:
            asyncio.run_coroutine_threadsafe(output_q.put(frame), loop)
    with contextlib.suppress(RuntimeError):  # the loop has closed
        asyncio.run_coroutine_threadsafe(output_q.put(None), loop)


def patch_aiortc() -> None:
    import aiortc.rtcrtpreceiver

    aiortc.rtcrtpreceiver.decoder_worker = decoding_worker
    for name in ("aiortc", "aioice", "av"):
        logging.getLogger(name).setLevel(logging.ERROR)


class Ticker:
    """One 20 ms clock for all silent tracks of a process (one wake-up, not one each)."""

    def __init__(self) -> None:
        self.tick: asyncio.Future[int] | None = None
        self.task: asyncio.Task[None] | None = None

    async def next(self) -> int:
        if self.task is None:
            self.task = asyncio.create_task(self._run())
        if self.tick is None or self.tick.done():
            self.tick = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self.tick)

    async def _run(self) -> None:
        start = time.monotonic()
        for n in itertools.count(1):
            await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
            tick, self.tick = self.tick, None
            if tick is not None and not tick.done():
                tick.set_result(n)


def media_tracks() -> tuple[type, type, type]:
    """The three tracks, made on first use (aiortc is imported only where needed)."""
    import av
    import numpy as np
    from aiortc import MediaStreamTrack
    from aiortc.mediastreams import MediaStreamError

    class Silence(MediaStreamTrack):
        """The listener's silent microphone: a fixed Opus silence frame every 20 ms,
        already encoded (a browser sends its silent track's packets as often)."""

        kind = "audio"

        def __init__(self, ticker: Ticker) -> None:
            super().__init__()
            self.ticker, self.n = ticker, 0

        async def recv(self) -> Any:
            await self.ticker.next()
            packet = av.Packet(OPUS_SILENCE)
            packet.pts, packet.time_base = self.n * 960, fractions.Fraction(1, 48000)
            self.n += 1
            return packet

    class Tone(MediaStreamTrack):
        """The speaker's microphone: a 400 Hz tone, encoded by aiortc."""

        kind = "audio"
        samples = (np.sin(np.arange(960) * 2 * np.pi * 400 / 48000) * 8000).astype("<i2").tobytes()

        def __init__(self) -> None:
            super().__init__()
            self.n, self.start = 0, time.monotonic()

        async def recv(self) -> Any:
            await asyncio.sleep(max(0.0, self.start + self.n * 0.02 - time.monotonic()))
            frame = av.AudioFrame(format="s16", layout="mono", samples=960)
            frame.planes[0].update(self.samples)
            frame.pts, frame.sample_rate = self.n * 960, 48000
            frame.time_base = fractions.Fraction(1, 48000)
            self.n += 1
            return frame

    class Camera(MediaStreamTrack):
        """A camera's picture: 640x480 at 15 fps, a moving gradient and a moving block of
        noise (so each frame differs, as a face and a room do)."""

        kind = "video"
        frames: ClassVar[list[Any]] = []

        def __init__(self) -> None:
            super().__init__()
            self.n, self.start, self.sent = 0, time.monotonic(), 0
            if not Camera.frames:
                rng = np.random.default_rng(17)
                x = np.arange(WIDTH)[None, :] + np.arange(HEIGHT)[:, None]
                for k in range(2 * FPS):
                    y = ((x + 6 * k) % 256).astype(np.uint8)
                    left = (k * 17) % (WIDTH - 160)
                    y[160:320, left : left + 160] = rng.integers(0, 256, (160, 160), np.uint8)
                    y += rng.integers(0, 6, y.shape, np.uint8)
                    uv = np.full((HEIGHT // 2, WIDTH), 128 + (k % 8), np.uint8)
                    picture = np.concatenate([y, uv])
                    Camera.frames.append(av.VideoFrame.from_ndarray(picture, format="yuv420p"))

        async def recv(self) -> Any:
            await asyncio.sleep(max(0.0, self.start + self.n / FPS - time.monotonic()))
            if self.readyState != "live":  # stopped, as a browser's camera: no more frames
                raise MediaStreamError
            frame = Camera.frames[self.n % len(Camera.frames)]
            frame.pts, frame.time_base = self.n * (90000 // FPS), fractions.Fraction(1, 90000)
            self.n += 1
            self.sent += 1
            return frame

    return Silence, Tone, Camera


def new_peer() -> Any:
    from aiortc import RTCConfiguration, RTCPeerConnection

    # no ICE servers: aiortc would otherwise ask a public STUN server
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def close(pc: Any) -> None:
    """Close a peer connection; a close under way is not cancelled (aiortc would wait for
    it forever), and none takes more than 5 s."""
    if pc is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(pc.close()), 5)


def description(jsep: dict[str, Any]) -> Any:
    from aiortc import RTCSessionDescription

    return RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"])


def jsep_of(pc: Any) -> dict[str, str]:
    return {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}


# --- a page's Janus session ---------------------------------------------------------------------


class Refused(RuntimeError):
    pass


class JanusSession:
    """A page's Janus session: through Plenum's relay (``headers``: the member's cookie and
    CSRF token) or, for the baseline, straight to Janus. Requests are posted, events
    long-polled, the session kept alive every 25 s, as video.js does."""

    def __init__(self, http: Any, base: str, headers: dict[str, str], *, direct: bool) -> None:
        self.http, self.base, self.headers, self.direct = http, base, headers, direct
        self.id = 0
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.handlers: dict[int, Callable[[dict[str, Any]], None]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.closed = False

    async def post(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        answer = await self.http.post(
            self.base + path, json=body, headers={**self.headers, **(headers or {})}
        )
        data: dict[str, Any] = answer.json()
        if data.get("janus") == "error":
            raise Refused(f"{path} {body.get('janus')}: {data.get('error')}")
        return data

    async def create(self, token: str = "") -> None:
        extra = {"x-video-token": token} if token else None
        created = await self.post("", {"janus": "create", "transaction": tx()}, extra)
        self.id = int(created["data"]["id"])
        self.tasks = [asyncio.create_task(self._poll()), asyncio.create_task(self._keepalive())]

    async def _poll(self) -> None:
        params = {"maxev": "10"} if self.direct else {}
        while not self.closed:
            try:
                answer = await self.http.get(
                    f"{self.base}/{self.id}",
                    params=params | ({"rid": tx()} if self.direct else {}),
                    headers=self.headers,
                    timeout=50,
                )
                events = answer.json()
            except Exception:
                if self.closed:
                    return
                await asyncio.sleep(1)
                continue
            if isinstance(events, dict) and events.get("janus") == "error":
                if answer.status_code == 403:
                    return
                await asyncio.sleep(1)
                continue
            for event in events if isinstance(events, list) else [events]:
                self._dispatch(event)

    def _dispatch(self, event: dict[str, Any]) -> None:
        kind = event.get("janus")
        if kind == "keepalive":
            return
        waiting = self.pending.pop(str(event.get("transaction")), None) if kind == "event" else None
        if waiting is not None:
            if not waiting.done():
                waiting.set_result(event)
            return
        handler = self.handlers.get(int(event.get("sender") or 0))
        if handler is not None:
            handler(event)

    async def _keepalive(self) -> None:
        while not self.closed:
            await asyncio.sleep(25)
            with contextlib.suppress(Exception):
                await self.post(f"/{self.id}", {"janus": "keepalive", "transaction": tx()})

    async def attach(
        self, plugin: str, handler: Callable[[dict[str, Any]], None] | None = None
    ) -> int:
        body = {"janus": "attach", "plugin": plugin, "transaction": tx()}
        handle = int((await self.post(f"/{self.id}", body))["data"]["id"])
        if handler is not None:
            self.handlers[handle] = handler
        return handle

    async def detach(self, handle: int | None) -> None:
        if handle is None:
            return
        self.handlers.pop(handle, None)
        with contextlib.suppress(Exception):  # gone already
            await self.post(f"/{self.id}/{handle}", {"janus": "detach", "transaction": tx()})

    async def send(
        self, handle: int, body: dict[str, Any], jsep: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A plugin request; its answer (at once, or the event that carries it)."""
        ident = tx()
        waiting: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[ident] = waiting
        message: dict[str, Any] = {"janus": "message", "transaction": ident, "body": body}
        if jsep:
            message["jsep"] = jsep
        try:
            answer = await self.post(f"/{self.id}/{handle}", message)
            if answer.get("janus") == "success":
                return answer
            return await asyncio.wait_for(waiting, 20)
        finally:
            self.pending.pop(ident, None)

    async def tell(
        self, handle: int, body: dict[str, Any], jsep: dict[str, str] | None = None
    ) -> None:
        """A plugin request whose answer is not waited for (only Janus's ack)."""
        message: dict[str, Any] = {"janus": "message", "transaction": tx(), "body": body}
        if jsep:
            message["jsep"] = jsep
        await self.post(f"/{self.id}/{handle}", message)

    async def destroy(self) -> None:
        self.closed = True
        for task in self.tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await self.post(f"/{self.id}", {"janus": "destroy", "transaction": tx()})


def tx() -> str:
    return secrets.token_hex(6)


def data_of(event: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = (event.get("plugindata") or {}).get("data") or {}
    if "error" in found:
        raise Refused(str(found["error"]))
    return found


# --- a member's room page -----------------------------------------------------------------------


@dataclass
class World:
    """What the pages of a process share."""

    http: Any
    site: str  # Plenum's base URL
    meeting_id: int
    ticker: Ticker
    janus_url: str = ""  # for the baseline's pages
    direct_room: int = 0
    click: float = 0.0  # seconds a called speaker takes to click (--click)


@dataclass
class Subscription:
    """The page's one subscription: its peer connection and handle, which feed each m-line
    carries, and for the figures, the key its frames count under while it carries a
    member's picture (a new key when an m-line is taken for another member)."""

    pc: Any
    handle: int = 0
    tracks: list[tuple[int, int]] = field(default_factory=list)  # (queue key, member)
    streams: dict[str, int] = field(default_factory=dict)  # mid -> feed, the active ones
    shown: dict[str, int] = field(default_factory=dict)  # mid -> the member its key counts
    watched: set[str] = field(default_factory=set)  # mids decoded (the timing listener)
    version: int = -1  # of the last offer answered (the SDP's o= line)


def sdp_version(sdp: str) -> int:
    found = re.search(r"^o=\S+ \S+ (\d+)", sdp, re.MULTILINE)
    return int(found.group(1)) if found else 0


class Page:
    """One member's room page (static/js/video.js), headless. ``decode``: decode the
    pictures (the timing listener); ``audio_only``: subscribe to no pictures (the
    speakers' pages); ``direct``: talk to Janus itself (the baseline)."""

    def __init__(
        self,
        world: World,
        member_id: int,
        *,
        decode: bool = False,
        audio_only: bool = False,
        sends: bool = False,
        direct: bool = False,
    ) -> None:
        self.world, self.member_id = world, member_id
        self.decode, self.audio_only, self.sends, self.direct = decode, audio_only, sends, direct
        self.headers = {} if direct else cookie_header(member_id)
        self.janus: JanusSession | None = None
        self.config: dict[str, Any] = {}
        self.state: dict[str, Any] = {"role": "listener"}
        self.feeds: dict[int, str] = {}
        self.video_mids: dict[int, str] = {}  # feed -> the mid of its picture
        self.outgoing: set[int] = set()  # feeds muted by Plenum: their floor went
        self.watcher: int | None = None
        self.bridge: int | None = None
        self.bridge_pc: Any = None
        self.bridge_key = 0
        self.subscriber: int | None = None
        self.subscription: Subscription | None = None
        self.old_tracks: list[tuple[int, int]] = []
        self.publisher_pc: Any = None
        # the publication held after the floor went: (its pc, the watcher, its timer)
        self.held: tuple[Any, int | None, asyncio.Task[Any]] | None = None
        self.held_until = 0.0
        self.republishing = False
        self.camera: Any = None
        self.sending = False
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task[Any]] = []
        self.marks: dict[tuple[str, int], float] = {}  # (what, member) -> when, see mark()
        self.marked = asyncio.Event()
        self.decoded = 0
        self.restarts = 0  # subscriptions started afresh after a failed step
        self.left = False
        self.answered = 0  # Janus's offers to the subscription answered
        self.switched = 0  # m-lines switched to another picture (no offer)
        self.past = (0, 0)  # video packets received and lost on subscriptions closed
        self.errors: list[str] = []

    def mark(self, what: str, member: int) -> None:
        self.marks.setdefault((what, member), time.monotonic())
        self.marked.set()

    async def moment(self, what: str, member: int, deadline: float) -> float | None:
        """When ``what`` happened for ``member``, waiting until ``deadline`` at most."""
        while (what, member) not in self.marks:
            self.marked.clear()
            try:
                await asyncio.wait_for(self.marked.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return None
        return self.marks[(what, member)]

    # entering and leaving

    async def enter(self) -> None:
        world = self.world
        if self.direct:
            self.janus = JanusSession(world.http, world.janus_url, {}, direct=True)
            await self.janus.create()
        else:
            page = await world.http.get(
                f"{world.site}/meetings/{world.meeting_id}/video", headers=self.headers
            )
            found = re.search(r'data-config="([^"]*)"', page.text)
            if page.status_code != 200 or found is None:
                raise Refused(f"room page {page.status_code}: no config")
            self.config = json.loads(html.unescape(found.group(1)))
            self.tasks.append(asyncio.create_task(self._stream()))
            self.janus = JanusSession(
                world.http, world.site + self.config["relay"], self.headers, direct=False
            )
            await self.refresh()  # also a fresh join token, as the page asks first
            await self.janus.create(self.state.get("token") or self.config["token"])
            await self._join_bridge()
        await self._join_watcher()
        await self.subscribe()

    async def leave(self) -> None:
        self.left = True
        await self._release()
        for task in self.tasks:
            task.cancel()
        for pc in (self.bridge_pc, self.publisher_pc, getattr(self.subscription, "pc", None)):
            await close(pc)
        if self.janus is not None:
            await self.janus.destroy()

    # the live stream and the page's state

    async def _stream(self) -> None:
        import httpx2

        url = f"{self.world.site}/meetings/{self.world.meeting_id}/live/stream"
        headers = self.headers | {"accept": "text/event-stream"}
        while True:
            try:
                timeout = httpx2.Timeout(10, read=None)
                async with self.world.http.stream(
                    "GET", url, headers=headers, timeout=timeout
                ) as r:
                    kind, data = "", ""
                    async for line in r.aiter_lines():
                        if line.startswith("event: "):
                            kind, data = line[7:], ""
                        elif line.startswith("data: "):
                            data += line[6:]
                        elif not line and kind:
                            if self._stale(kind, data):
                                self.tasks.append(asyncio.create_task(self.refresh()))
                            kind = ""
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(1)

    def _stale(self, kind: str, data: str) -> bool:
        """Whether the page asks for its state again (as video.js does): on "video"; on
        "speakers" only when the list calls this member or ends their turn; another
        member called is taken from the list itself."""
        if kind == "video":
            return True
        if kind != "speakers":
            return False
        found = re.search(r'data-speaker="(\d*)"', data)
        speaker = int(found.group(1)) if found and found.group(1) else None
        before = self.state.get("speaker")
        if speaker == before:
            return False
        if self.member_id in (speaker, before):
            return True
        self.state = self.state | {"speaker": speaker}
        return False

    async def refresh(self) -> None:
        try:
            answer = await self.world.http.get(
                f"{self.world.site}{self.config['state']}", headers=self.headers
            )
            fresh = answer.json()
        except Exception:
            return
        before, self.state = self.state, fresh
        if fresh.get("role") != "listener":
            self.mark("role", self.member_id)
        if self.sends and before.get("role") == "listener" and fresh.get("role") != "listener":
            self.tasks.append(asyncio.create_task(self._switch_on()))
        elif before.get("role") != "listener" and fresh.get("role") == "listener":
            await self.stop_sending(hold=True)

    async def _switch_on(self) -> None:
        try:
            await asyncio.sleep(self.world.click)
            await self.start_sending()
        except Exception as exc:
            self.errors.append(f"start sending: {exc!r}")

    # sound: the audio bridge

    async def _join_bridge(self) -> None:
        assert self.janus is not None
        silence, tone, _camera = media_tracks()
        self.bridge = await self.janus.attach(AUDIOBRIDGE)
        await self.janus.send(self.bridge, {"request": "join", "muted": True})
        pc = self.bridge_pc = new_peer()
        pc.addTransceiver(tone() if self.sends else silence(self.world.ticker), "sendrecv")
        await pc.setLocalDescription(await pc.createOffer())
        answer = await self.janus.send(
            self.bridge, {"request": "configure", "muted": True}, jsep_of(pc)
        )
        data_of(answer)
        if answer.get("jsep"):
            await pc.setRemoteDescription(description(answer["jsep"]))
            for transceiver in pc.getTransceivers():
                self.bridge_key = tag(transceiver.receiver)

    # pictures: the video room

    def _room(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.direct:
            return body
        extra: dict[str, Any] = {"room": self.world.direct_room}
        if body.get("ptype") == "publisher":
            extra |= {"id": self.member_id * ID_SPAN + 1, "display": f"Bench {self.member_id}"}
        return body | extra

    async def _join_watcher(self) -> None:
        assert self.janus is not None
        self.watcher = await self.janus.attach(VIDEOROOM, self._on_room_event)
        joined = await self.janus.send(
            self.watcher, self._room({"request": "join", "ptype": "publisher"})
        )
        data_of(joined)
        self._on_room_event(joined)

    def _on_room_event(self, event: dict[str, Any]) -> None:
        data = (event.get("plugindata") or {}).get("data") or {}
        changed = False
        for publisher in data.get("publishers") or []:
            self.feeds[int(publisher["id"])] = str(publisher.get("display", ""))
            self.outgoing.discard(int(publisher["id"]))  # a new publication: not muted
            if member_of(int(publisher["id"])) != self.member_id and self.held is not None:
                self._release_soon()
            for stream in publisher.get("streams") or []:
                if stream.get("type") == "video":
                    self.video_mids[int(publisher["id"])] = str(stream.get("mid"))
            self.mark("event", member_of(int(publisher["id"])))
            changed = True
        if data.get("moderation") == "muted" and isinstance(data.get("id"), int):
            self.outgoing.add(data["id"])  # the floor went: switched away from, not asked for
            changed = True
            if member_of(data["id"]) == self.member_id:
                self.tasks.append(asyncio.create_task(self._muted_by_plenum()))
        # video.js looks at ``unpublished`` and ``leaving`` only; Janus tells the others of a
        # kick by ``kicked`` (Plenum's follower kicks the old speaker), and a page that
        # keeps the kicked feed asks for it again ("No such feed") and shows no one. The
        # benchmark takes ``kicked`` as gone too (see bench/README.md).
        for gone in (data.get("unpublished"), data.get("leaving"), data.get("kicked")):
            if isinstance(gone, int) and self.feeds.pop(gone, None) is not None:
                self.outgoing.discard(gone)
                changed = True
        if data.get("leaving") == "ok" or data.get("reason") == "kicked":
            # put out of the pictures (the floor was taken back): join again, receiving only
            self.tasks.append(asyncio.create_task(self._rejoin_watcher()))
            return
        if changed:
            self.tasks.append(asyncio.create_task(self.subscribe()))

    async def _rejoin_watcher(self) -> None:
        assert self.janus is not None
        await self.stop_sending()
        old, self.watcher = self.watcher, None
        await self.janus.detach(old)
        self.feeds.clear()
        await self._join_watcher()
        await self.subscribe()

    # One subscription for the page's stay, updated as publishers come and go (Janus's
    # "update"; Janus offers anew itself when a publisher goes), every step in turn, a
    # failed step starting it afresh: as video.js does.

    async def subscribe(self) -> None:
        await self._in_turn(self._resubscribe)

    async def _in_turn(self, step: Callable[[], Awaitable[None]]) -> None:
        async with self.lock:
            try:
                await step()
            except Exception as exc:
                self.restarts += 1
                try:
                    await self._restart()
                except Exception as again:
                    self.errors.append(f"subscription: {exc!r}, then {again!r}")

    def _wanted(self) -> list[int]:
        return [
            feed
            for feed in self.feeds
            if member_of(feed) != self.member_id and feed not in self.outgoing
        ]

    async def _resubscribe(self) -> None:
        assert self.janus is not None
        if self.audio_only or self.janus.closed:
            await self._unsubscribe_all()
            return
        feeds, sub = self._wanted(), self.subscription
        if sub is None:
            await self._new_subscription(feeds)
            return
        # a feed that went is taken out by Janus itself (its own offer): only new ones are
        # asked for, and nothing waits for Janus's offer to come first
        have = list(sub.streams.values())
        new = [feed for feed in feeds if feed not in have]
        # a new picture takes the m-line of one whose floor went (Janus's "switch": no
        # offer, no answer), as video.js does; the rest are asked for by "update"
        free = [mid for mid, feed in sub.streams.items() if feed in self.outgoing]
        moves = [
            {"feed": feed, "mid": self.video_mids[feed], "sub_mid": mid}
            for feed, mid in zip([f for f in new if f in self.video_mids], free, strict=False)
        ]
        if moves:
            try:
                await self._negotiate(
                    sub, await self.janus.send(sub.handle, {"request": "switch", "streams": moves})
                )
            except Refused as exc:
                self.errors.append(f"switch: {exc!r}")
            new = [feed for feed in new if feed not in sub.streams.values()]
        if not new:
            return
        body: dict[str, Any] = {"request": "update", "subscribe": [{"feed": f} for f in new]}
        await self._negotiate(sub, await self.janus.send(sub.handle, body))

    async def _restart(self) -> None:
        assert self.janus is not None
        await self._unsubscribe_all()
        if not self.audio_only and not self.janus.closed:
            await self._new_subscription(self._wanted())

    async def _unsubscribe_all(self) -> None:
        assert self.janus is not None
        sub, self.subscription = self.subscription, None
        if sub is not None:
            self.old_tracks.extend(sub.tracks)
            received, lost = await self._counts(sub)
            self.past = (self.past[0] + received, self.past[1] + lost)
            await close(sub.pc)
            await self.janus.detach(sub.handle)

    async def _new_subscription(self, feeds: list[int]) -> None:
        assert self.janus is not None
        if not feeds:
            return
        pc = new_peer()
        sub = Subscription(pc)

        def failed() -> None:
            # a connection that broke (aiortc closes it when its ICE consent fails, as
            # under the overload of the capacity's last step) is made anew, as video.js
            # does on "failed"
            broken = pc.connectionState in ("failed", "closed")
            if broken and self.subscription is sub and not self.left:
                self.restarts += 1
                self.tasks.append(asyncio.create_task(self._in_turn(self._restart)))

        def on_event(event: dict[str, Any]) -> None:  # Janus's own offers
            if event.get("janus") == "hangup":  # its connection broke (ICE, DTLS): anew
                if self.subscription is sub:
                    self.restarts += 1
                    self.tasks.append(asyncio.create_task(self._in_turn(self._restart)))
            elif event.get("jsep") or event.get("janus") == "event":
                step = functools.partial(self._negotiate, sub, event)
                self.tasks.append(asyncio.create_task(self._in_turn(step)))

        pc.on("connectionstatechange", failed)
        sub.handle = await self.janus.attach(VIDEOROOM, on_event)
        self.subscription = sub
        streams = [{"feed": feed} for feed in feeds]
        body = self._room({"request": "join", "ptype": "subscriber", "streams": streams})
        await self._negotiate(sub, await self.janus.send(sub.handle, body))

    async def _negotiate(self, sub: Subscription, event: dict[str, Any]) -> None:
        """An answer or event of the subscription: which feed each m-line carries, and the
        offer it brings answered (an offer older than one answered is passed over)."""
        assert self.janus is not None
        if self.subscription is not sub:
            return
        data = data_of(event)
        jsep = event.get("jsep")
        version = sdp_version(jsep["sdp"]) if jsep else -1
        if jsep and version <= sub.version:
            return
        if isinstance(data.get("streams"), list):
            sub.streams = {
                str(s["mid"]): int(s["feed_id"])
                for s in data["streams"]
                if s.get("type") == "video"
                and s.get("active") is not False
                and s.get("feed_id") is not None
            }
        if not jsep and data.get("switched") == "ok":
            self.switched += int(data.get("changes") or 0)
            self._tag(sub)  # the same m-line, another member's picture
        if jsep:
            sub.version = version
            self.answered += 1
            await sub.pc.setRemoteDescription(description(jsep))
            self._tag(sub)
            await sub.pc.setLocalDescription(await sub.pc.createAnswer())
            # Janus takes a handle's messages in order: the next step need not wait for
            # "started" (a refusal comes as an event and starts the subscription afresh)
            await self.janus.tell(sub.handle, {"request": "start"}, jsep_of(sub.pc))

    def _tag(self, sub: Subscription) -> None:
        """Count each m-line's frames under a new key when it carries another member."""
        for transceiver in sub.pc.getTransceivers():
            mid, feed = transceiver.mid, sub.streams.get(transceiver.mid)
            if transceiver.kind != "video" or feed is None:
                continue
            member = member_of(feed)
            if sub.shown.get(mid) == member:
                continue
            sub.shown[mid] = member
            key = tag(transceiver.receiver, decode=self.decode)
            sub.tracks.append((key, member))
            if self.decode and mid not in sub.watched:
                sub.watched.add(mid)
                whose = functools.partial(sub.shown.get, mid)
                self.tasks.append(
                    asyncio.create_task(self._watch(transceiver.receiver.track, whose))
                )

    async def _watch(self, track: Any, whose: Callable[[], int | None]) -> None:
        """Decoded pictures of the member ``whose`` names (the m-line's, now): the first
        one's moment is marked."""
        from aiortc.mediastreams import MediaStreamError

        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.decoded += 1
                member = whose()
                if member is not None:
                    self.mark("frame", member)

    # sending: the member's click, without the human

    async def start_sending(self) -> None:
        assert self.janus is not None
        assert self.watcher is not None
        if self.sending:
            return
        await self._release()
        _silence, _tone, camera = media_tracks()
        self.sending = True
        # unmuted in the bridge while the offer is made, as the page does
        unmuted = (
            asyncio.create_task(
                self.janus.send(self.bridge, {"request": "configure", "muted": False})
            )
            if self.bridge is not None
            else None
        )
        pc = self.publisher_pc = new_peer()
        self.camera = camera()
        pc.addTransceiver(self.camera, "sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        self.mark("offer", self.member_id)
        answer = await self.janus.send(self.watcher, {"request": "publish"}, jsep_of(pc))
        if unmuted is not None:
            await unmuted
        data_of(answer)
        await pc.setRemoteDescription(description(answer["jsep"]))
        self.mark("published", self.member_id)

    async def stop_sending(self, *, hold: bool = False) -> None:
        """As video.js: with ``hold`` (the floor went), the camera stops at once, and the
        publication (muted by Plenum) ends ``NEXT_SECONDS`` after the next picture came
        (``HELD_SECONDS`` at the latest), so that the others' pages can switch its m-line
        to the next speaker first."""
        assert self.janus is not None
        if not self.sending:
            return
        self.sending = False
        pc, self.publisher_pc = self.publisher_pc, None
        if pc is not None:
            if self.camera is not None:
                self.camera.stop()
            await self._release()
            timer = asyncio.create_task(self._unpublish_later(HELD_SECONDS))
            self.held, self.held_until = (pc, self.watcher, timer), time.monotonic() + HELD_SECONDS
            if not hold:
                await self._release()
        if self.bridge is not None:
            with contextlib.suppress(Exception):
                await self.janus.send(self.bridge, {"request": "configure", "muted": True})

    async def _unpublish_later(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._release()

    def _release_soon(self) -> None:
        """The next picture came: let go of a held one ``NEXT_SECONDS`` from now (or
        sooner, as it was)."""
        if self.held is not None and time.monotonic() + NEXT_SECONDS < self.held_until:
            pc, watcher, timer = self.held
            timer.cancel()
            later = asyncio.create_task(self._unpublish_later(NEXT_SECONDS))
            self.held, self.held_until = (pc, watcher, later), time.monotonic() + NEXT_SECONDS

    async def _muted_by_plenum(self) -> None:
        """Plenum muted this page's picture: the floor went, or it came back before the
        page noticed, and the muted picture is published afresh (as video.js)."""
        if self.republishing or not self.sending:
            return
        await self.refresh()
        if self.sending and self.state.get("role") != "listener":
            self.republishing = True
            try:
                await self.stop_sending()  # Janus takes the muted one back first
                await self.start_sending()
            finally:
                self.republishing = False

    async def _release(self) -> None:
        """End a held publication now (its time is up, or before publishing again)."""
        held, self.held = self.held, None
        if held is None:
            return
        pc, watcher, timer = held
        if timer is not asyncio.current_task():
            timer.cancel()
        await close(pc)
        if watcher is not None and watcher == self.watcher:
            with contextlib.suppress(Exception):
                await self.janus.send(watcher, {"request": "unpublish"})  # type: ignore[union-attr]

    # figures

    def describe(self) -> str:
        """What a page without pictures has (for the report)."""
        sub = self.subscription
        state = sub.pc.connectionState if sub is not None else "no subscription"
        streams = sub.streams if sub is not None else {}
        return (
            f"feeds {list(self.feeds)}, outgoing {list(self.outgoing)}, {state}, streams"
            f" {streams}, tracks {[(k, m, COUNTS.get(k, 0)) for k, m in self.video_tracks()[-3:]]},"
            f" errors {self.errors[-2:]}"
        )

    def video_tracks(self) -> list[tuple[int, int]]:
        current = self.subscription.tracks if self.subscription is not None else []
        return self.old_tracks + current

    def video_frames(self) -> int:
        return sum(COUNTS.get(key, 0) for key, _member in self.video_tracks())

    def audio_frames(self) -> int:
        return COUNTS.get(self.bridge_key, 0)

    def first_frame(self, member: int, since: float) -> float | None:
        """The first complete frame of ``member``'s picture after ``since``."""
        moments = [
            FIRSTS[key]
            for key, whose in self.video_tracks()
            if whose == member and FIRSTS.get(key, 0) >= since
        ]
        return min(moments) if moments else None

    async def lost(self) -> tuple[int, int]:
        """Video packets received and lost on this page's subscriptions (the ones before
        the current one too: counts that fall back would make a negative loss)."""
        received, lost = await self._counts(self.subscription)
        return self.past[0] + received, self.past[1] + lost

    @staticmethod
    async def _counts(sub: Subscription | None) -> tuple[int, int]:
        received = lost = 0
        if sub is None:
            return received, lost
        with contextlib.suppress(Exception):
            for stats in (await sub.pc.getStats()).values():
                if stats.type == "inbound-rtp" and stats.kind == "video":
                    received += stats.packetsReceived
                    lost += max(0, stats.packetsLost)
        return received, lost


def new_http() -> Any:
    import httpx2

    # no cookie jar: every request carries its member's own cookie
    jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    # idle connections closed before uvicorn closes them (after 5 s), else one may be reused
    # just as the server closes it
    limits = httpx2.Limits(max_connections=None, max_keepalive_connections=None, keepalive_expiry=3)
    return httpx2.AsyncClient(timeout=20, limits=limits, cookies=jar, trust_env=False)


# --- worker processes: the listeners' pages -----------------------------------------------------


async def worker_main(site: str, meeting_id: int) -> None:
    """Listeners' pages in this process, driven by one-line JSON commands on stdin."""
    from common import process_cpu_seconds

    patch_aiortc()
    world = World(new_http(), site, meeting_id, Ticker())
    pages: list[Page] = []
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)

    async def enter(member_id: int) -> tuple[Page, float, str]:
        async with gate:
            page = Page(world, member_id)
            began = time.monotonic()
            try:
                await asyncio.wait_for(page.enter(), 60)
                return page, time.monotonic() - began, ""
            except Exception as exc:
                with contextlib.suppress(Exception):
                    await page.leave()
                return page, time.monotonic() - began, repr(exc)[:200]

    def reply(answer: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    while line := await reader.readline():
        command = json.loads(line)
        what = command["cmd"]
        if what == "add":
            entered = await asyncio.gather(*(enter(m) for m in command["members"]))
            pages.extend(page for page, _s, error in entered if not error)
            reply(
                {
                    "joined": [s for _p, s, error in entered if not error],
                    "failed": [error for _p, _s, error in entered if error],
                }
            )
        elif what == "remove":
            gone, pages[:] = pages[command["keep"] :], pages[: command["keep"]]
            await asyncio.gather(*(page.leave() for page in gone))
            reply({"pages": len(pages)})
        elif what == "sample":
            losses = await asyncio.gather(*(page.lost() for page in pages))
            reply(
                {
                    "t": time.monotonic(),
                    "video": [page.video_frames() for page in pages],
                    "audio": [page.audio_frames() for page in pages],
                    "received": sum(r for r, _l in losses),
                    "lost": sum(lost for _r, lost in losses),
                    "cpu": process_cpu_seconds(os.getpid()),
                    "answered": sum(page.answered for page in pages),
                    "switched": sum(page.switched for page in pages),
                    "restarts": sum(page.restarts for page in pages),
                    "errors": [e for page in pages for e in page.errors][-3:],
                    "silent": [page.describe() for page in pages if page.video_frames() == 0][:3],
                }
            )
        elif what == "firsts":
            since, member = command["since"], command["member"]
            firsts = [page.first_frame(member, since) for page in pages]
            late = [p.describe() for p, f in zip(pages, firsts, strict=True) if f is None]
            reply({"firsts": firsts, "late": late[:2]})
        elif what == "quit":
            break
    await asyncio.gather(*(page.leave() for page in pages), return_exceptions=True)
    reply({"done": True})


class Worker:
    """A worker process as seen from the main one."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pages = 0
        self.lock = asyncio.Lock()

    @classmethod
    async def start(cls, site: str, meeting_id: int) -> Worker:
        from common import raise_fd_limit

        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--worker",
            site,
            str(meeting_id),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            preexec_fn=raise_fd_limit,
        )
        return cls(process)

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        async with self.lock:
            self.process.stdin.write((json.dumps(command) + "\n").encode())
            await self.process.stdin.drain()
            line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("a worker process ended")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def quit(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask({"cmd": "quit"}), 30)
        if self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


# --- the run ------------------------------------------------------------------------------------


def janus_threads(pid: int) -> dict[str, float]:
    """Janus's CPU seconds so far by its threads' work: ``media``, the handles' loops
    ("hloop": ICE, DTLS, SRTP, sending and receiving each peer connection's packets);
    ``bridge``, the audio bridge ("mixer": the room's mixer and each participant's
    encoder); ``other`` (HTTP, sessions, the event handler, the core)."""
    found = {"media": 0.0, "bridge": 0.0, "other": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as comm:
                name = comm.read()
            with open(f"/proc/{pid}/task/{task}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        kind = (
            "media"
            if name.startswith("hloop")
            else "bridge"
            if name.startswith("mixer")
            else "other"
        )
        found[kind] += (int(fields[11]) + int(fields[12])) / tick
    return found


@dataclass
class Call:
    """One call's moments, in seconds after the chair's POST (the baseline: after the
    bench told the speakers)."""

    answered: float | None = None  # the call's POST answered
    role: float | None = None  # the new speaker's page knows its role
    offer: float | None = None  # its offer is made (the camera's peer connection)
    published: float | None = None  # its publication answered (Janus's SDP)
    event: float | None = None  # the listener's ``publishers`` event
    frame: float | None = None  # the listener's first decoded frame of the new speaker
    many: list[float] = field(default_factory=list)  # first complete frame at each listener


@dataclass
class Calls:
    label: str
    listeners: int
    calls: list[Call]
    janus_cpu: float = 0.0  # CPU seconds per call (its ask, call and gap)
    plenum_cpu: float = 0.0
    failures: int = 0
    cycle: float = 0.0  # seconds per call (its ask, call and gap)
    clients_cpu: float = 0.0  # the pages' (aiortc's), CPU seconds per call
    answered: float = 0.0  # offers the listeners' pages answered, per call (all of them)
    switched: float = 0.0  # m-lines they switched to the new speaker, per call
    restarts: int = 0  # subscriptions the listeners' pages made anew (broken, refused)

    def times(self, what: str) -> list[float]:
        return [v for c in self.calls if (v := getattr(c, what)) is not None]

    @property
    def everyone(self) -> list[float]:
        return [t for c in self.calls for t in c.many]


@dataclass
class Step:
    listeners: int
    joined: list[float]
    failed: list[str]
    seconds: float
    janus_cpu: float  # CPU seconds per second
    janus_media: float  # of which its handles' loops (threads alive over the window)
    janus_bridge: float  # of which the audio bridge's threads
    plenum_cpu: float
    clients_cpu: float  # aiortc: workers and the main process
    busy: float  # the machine's busy share of all cores, 0..1 (ours and anything else)
    janus_rss: int
    plenum_rss: int
    sent_fps: float
    fps: list[float]  # per listener
    audio_fps: list[float]
    received: int  # video packets in the window
    lost: int

    @property
    def ours(self) -> float:
        """Janus, Plenum and the clients: their share of all cores, 0..1."""
        return (self.janus_cpu + self.plenum_cpu + self.clients_cpu) / (os.cpu_count() or 1)

    @property
    def others(self) -> float:
        """Cores busy with anything else on the machine (other sessions' work)."""
        return max(0.0, self.busy * (os.cpu_count() or 1) - self.ours * (os.cpu_count() or 1))

    @property
    def saturated(self) -> bool:
        return self.ours > OURS_MAX

    @property
    def holds(self) -> bool:
        if self.failed:
            return False
        if not self.fps:
            return True
        low = min(self.fps) >= HOLD_MIN * self.sent_fps
        return low and sum(self.fps) / len(self.fps) >= HOLD_MEAN * self.sent_fps


class Run:
    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args, self.folder = args, folder
        self.database_url = f"sqlite:///{folder}/video.db"
        self.data: DataSet
        self.plenum: Plenum
        self.janus: Any = None
        self.workers: list[Worker] = []
        self.world: World
        self.speakers: list[Page] = []
        self.observer: Page
        self.current: Page | None = None
        self.listeners = 0
        self.direct_room = 0
        self.overhead: dict[str, list[float]] = {}

    # servers and pages

    async def setup(self) -> None:
        began = time.monotonic()
        largest = max(self.args.steps)
        self.data = await asyncio.to_thread(prepare, self.database_url, largest)
        janus_port = free_port()
        janus_url = f"http://{HOST}:{janus_port}/janus"
        server, clients = self.args.cores
        self.plenum = Plenum(self.database_url, self.folder, janus_url, self.args.keep, server)
        await asyncio.to_thread(self.plenum.wait)
        self.janus = await asyncio.to_thread(self._janus, janus_port)
        if clients:  # this process's threads, and the workers and threads made from now on
            for task in os.listdir("/proc/self/task"):
                os.sched_setaffinity(int(task), clients)
        self.world = World(
            new_http(),
            self.plenum.base_url,
            self.data.meeting_id,
            Ticker(),
            self.janus_url,
            click=self.args.click,
        )
        self.workers = list(
            await asyncio.gather(
                *(
                    Worker.start(self.plenum.base_url, self.data.meeting_id)
                    for _ in range(self.args.workers)
                )
            )
        )
        # the chair joins first: the room is prepared at Janus
        chair = cookie_header(self.data.chair)
        answer = await self.world.http.post(
            f"{self.plenum.base_url}/meetings/{self.data.meeting_id}/video/join",
            data={"csrf_token": csrf_of(self.data.chair)},
            headers=chair,
        )
        if answer.status_code != 303:
            raise SystemExit(f"the chair could not join the video room: {answer.status_code}")
        print(f"set up in {time.monotonic() - began:.1f} s", flush=True)

    def _janus(self, port: int) -> Any:
        from plenum.video.janus_server import JanusConfig, JanusProcess

        config = JanusConfig(
            workdir=self.folder / "janus",
            http_port=port,
            admin_port=free_port(),
            admin_secret=secrets.token_urlsafe(16),
            events_url=f"{self.plenum.base_url}/video/janus-events",
            events_secret=EVENTS_SECRET,
            ice_interface=NS_JANUS[0],
            bind=HOST,
        )
        server = self.args.cores[0]
        wrapper = ["taskset", "-c", ",".join(map(str, sorted(server)))] if server else []
        return JanusProcess(wrapper=wrapper).start(config)

    @property
    def janus_url(self) -> str:
        return str(self.janus.config.api_url)

    @property
    def janus_pid(self) -> int:
        return int(self.janus._process.pid)

    async def teardown(self) -> None:
        pages = [*self.speakers, *([self.observer] if hasattr(self, "observer") else [])]
        await asyncio.gather(*(p.leave() for p in pages), return_exceptions=True)
        await asyncio.gather(*(w.quit() for w in self.workers), return_exceptions=True)
        if self.janus is not None:
            await asyncio.to_thread(self.janus.stop)
        if hasattr(self, "plenum"):
            await asyncio.to_thread(self.plenum.stop)

    async def add_listeners(self, count: int) -> tuple[list[float], list[str]]:
        members = self.data.listeners[self.listeners : self.listeners + count]
        self.listeners += len(members)
        shares: list[list[int]] = [[] for _ in self.workers]
        for n, member in enumerate(members):
            shares[n % len(self.workers)].append(member)
        answers = await asyncio.gather(
            *(
                w.ask({"cmd": "add", "members": s})
                for w, s in zip(self.workers, shares, strict=True)
            )
        )
        for worker, answer in zip(self.workers, answers, strict=True):
            worker.pages += len(answer["joined"])
        return [s for a in answers for s in a["joined"]], [e for a in answers for e in a["failed"]]

    async def keep_listeners(self, count: int) -> None:
        per = [
            count // len(self.workers) + (n < count % len(self.workers))
            for n in range(len(self.workers))
        ]
        answers = await asyncio.gather(
            *(w.ask({"cmd": "remove", "keep": k}) for w, k in zip(self.workers, per, strict=True))
        )
        for worker, answer in zip(self.workers, answers, strict=True):
            worker.pages = answer["pages"]

    # calls

    async def ask_to_speak(self, page: Page) -> None:
        body = {"kind": "speech", "category": "open", "stance": "none", "text": ""}
        answer = await self.world.http.post(
            f"{self.plenum.base_url}/meetings/{self.data.meeting_id}/live/speak",
            data=body | {"csrf_token": csrf_of(page.member_id)},
            headers=page.headers,
        )
        if answer.status_code not in (200, 303):
            raise RuntimeError(f"asking to speak: {answer.status_code}")

    async def call_next(self) -> int:
        answer = await self.world.http.post(
            f"{self.plenum.base_url}/meetings/{self.data.meeting_id}/live/call",
            data={"request_id": "", "reason": "", "csrf_token": csrf_of(self.data.chair)},
            headers=cookie_header(self.data.chair),
        )
        return int(answer.status_code)

    async def plenum_calls(self, label: str, calls: int) -> Calls:
        """``calls`` calls through Plenum (and one before, not counted, to warm up)."""
        from common import process_cpu_seconds

        found: list[Call] = []
        failures = 0
        cpu = (0.0, 0.0)
        began = 0.0
        first: dict[str, Any] = {}
        for n in range(calls + 1):
            if n == 1:
                cpu = (process_cpu_seconds(self.janus_pid), process_cpu_seconds(self.plenum.pid))
                first = await self.sample()
                began = time.monotonic()
            turn = self.speakers.index(self.current) + 1 if self.current else 0
            new = self.speakers[turn % len(self.speakers)]
            await self.ask_to_speak(new)
            await asyncio.sleep(ASK_AHEAD)
            for page in (new, self.observer):
                page.marks.clear()
            t0 = time.monotonic()
            status = await self.call_next()
            answered = time.monotonic() - t0
            if status not in (200, 303):
                raise RuntimeError(f"the call answered {status}")
            frame = await self.observer.moment("frame", new.member_id, t0 + FRAME_TIMEOUT)
            self.current = new
            many = await self._everyone(new.member_id, t0, frame) if self.listeners else []
            if frame is None:
                watcher = self.observer
                print(
                    f"  no picture: the speaker's page {new.state} {new.errors[-2:]},"
                    f" the listener's feeds {list(watcher.feeds)} {watcher.errors[-2:]}",
                    flush=True,
                )
            if n == 0:
                await asyncio.sleep(CALL_GAP)
                continue
            failures += frame is None
            found.append(
                Call(
                    answered=answered,
                    role=rel(new.marks.get(("role", new.member_id)), t0),
                    offer=rel(new.marks.get(("offer", new.member_id)), t0),
                    published=rel(new.marks.get(("published", new.member_id)), t0),
                    event=rel(self.observer.marks.get(("event", new.member_id)), t0),
                    frame=rel(frame, t0),
                    many=[m - t0 for m in many],
                )
            )
            print(f"  {label} call {n}: {fmt(found[-1].frame)} s", flush=True)
            await asyncio.sleep(CALL_GAP)
        cycle = (time.monotonic() - began) / max(1, calls)
        janus = (process_cpu_seconds(self.janus_pid) - cpu[0]) / max(1, calls)
        plenum = (process_cpu_seconds(self.plenum.pid) - cpu[1]) / max(1, calls)
        last = await self.sample()
        clients = sum(
            wb["cpu"] - wa["cpu"] for wa, wb in zip(first["workers"], last["workers"], strict=True)
        )
        clients = (clients + last["main"] - first["main"]) / max(1, calls)
        pages = zip(first["workers"], last["workers"], strict=True)
        counts = [(b["answered"] - a["answered"], b["switched"] - a["switched"]) for a, b in pages]
        answered = (sum(a for a, _s in counts) + self.observer.answered - first["answered"]) / max(
            1, calls
        )
        switched = (sum(s for _a, s in counts) + self.observer.switched - first["switched"]) / max(
            1, calls
        )
        restarts = sum(
            b["restarts"] - a["restarts"]
            for a, b in zip(first["workers"], last["workers"], strict=True)
        )
        return Calls(
            label,
            self.listeners + 1,
            found,
            janus,
            plenum,
            failures,
            cycle,
            clients,
            answered,
            switched,
            restarts + self.observer.restarts - first["restarts"],
        )

    async def _everyone(self, member: int, t0: float, frame: float | None) -> list[float]:
        """The first complete frame of ``member`` at every listener (waiting for the
        stragglers up to FRAME_TIMEOUT after the call, or 5 s after the timing
        listener's; inf for a listener without)."""
        deadline = min(t0 + FRAME_TIMEOUT, (frame or math.inf) + 5)
        while True:
            answers = await asyncio.gather(
                *(w.ask({"cmd": "firsts", "since": t0, "member": member}) for w in self.workers)
            )
            firsts = [f for a in answers for f in a["firsts"]]
            if time.monotonic() > deadline and os.environ.get("BENCH_VIDEO_LATE"):
                print(f"  late: {[d for a in answers for d in a['late']]}", flush=True)
            if all(f is not None for f in firsts) or time.monotonic() > deadline:
                return [f for f in firsts if f is not None] + [
                    math.inf for f in firsts if f is None
                ]
            await asyncio.sleep(0.2)

    async def relay_overhead(self, rounds: int) -> dict[str, list[float]]:
        """One page's plugin requests in the audio bridge, one after another: through the
        relay (the timing listener's page) and straight to Janus (a session of its own in
        the baseline's room). ``listparticipants`` is answered at once; ``configure``
        (mute) is acknowledged, and its answer comes as an event, through the long poll."""
        direct = JanusSession(self.world.http, self.janus_url, {}, direct=True)
        await direct.create()
        handle = await direct.attach(AUDIOBRIDGE)
        me = {"id": 4 * ID_SPAN + 1, "display": "Bench 4"}
        await direct.send(handle, {"request": "join", "room": self.direct_room, "muted": True} | me)
        page = self.observer
        assert page.janus is not None
        assert page.bridge is not None
        paths = {
            "relay": (page.janus, page.bridge, {}),
            "janus": (direct, handle, {"room": self.direct_room}),
        }
        found: dict[str, list[float]] = {}
        try:
            for n in range(rounds):
                for path, (session, bridge, room) in paths.items():
                    for request in ("listparticipants", "configure"):
                        body = {"request": request} | (
                            room if request == "listparticipants" else {}
                        )
                        if request == "configure":
                            body["muted"] = True
                        began = time.monotonic()
                        data_of(await session.send(bridge, body))
                        if n:  # the first round warms up
                            found.setdefault(f"{path} {request}", []).append(
                                time.monotonic() - began
                            )
        finally:
            await direct.destroy()
        return found

    async def direct_calls(self, calls: int) -> Calls:
        """The baseline: the same turns at the Janus level, in a room of the bench's own."""
        from plenum.video.janus import Janus
        from plenum.video.provider import Room

        number = self.direct_room = secrets.randbelow(2**50) + 1
        room = Room(0, str(number), "Baseline", secrets.token_urlsafe(16), datetime.now(UTC))
        await asyncio.to_thread(Janus(self.janus_url).prepare, room)  # as Plenum makes rooms
        world = World(self.world.http, "", 0, self.world.ticker, self.janus_url, number)
        speakers = [Page(world, m, audio_only=True, sends=True, direct=True) for m in (1, 2)]
        listener = Page(world, 3, decode=True, direct=True)
        for page in (*speakers, listener):
            await page.enter()
        found: list[Call] = []
        failures = 0
        try:
            for n in range(calls + 1):
                old, new = speakers[(n + 1) % 2], speakers[n % 2]
                listener.marks.clear()
                new.marks.clear()
                t0 = time.monotonic()
                await asyncio.gather(old.stop_sending(), new.start_sending())
                frame = await listener.moment("frame", new.member_id, t0 + FRAME_TIMEOUT)
                if n == 0:
                    await asyncio.sleep(CALL_GAP)
                    continue
                if frame is None:
                    failures += 1
                found.append(
                    Call(
                        offer=rel(new.marks.get(("offer", new.member_id)), t0),
                        published=rel(new.marks.get(("published", new.member_id)), t0),
                        event=rel(listener.marks.get(("event", new.member_id)), t0),
                        frame=rel(frame, t0),
                    )
                )
                print(f"  janus call {n}: {fmt(found[-1].frame)} s", flush=True)
                await asyncio.sleep(CALL_GAP)
        finally:
            for page in (*speakers, listener):
                await page.leave()
        return Calls("janus (baseline)", 1, found, failures=failures)

    # capacity

    async def sample(self) -> dict[str, Any]:
        from common import machine_cpu_seconds, process_cpu_seconds

        answers = await asyncio.gather(*(w.ask({"cmd": "sample"}) for w in self.workers))
        return {
            "t": time.monotonic(),
            "workers": answers,
            "janus": process_cpu_seconds(self.janus_pid),
            "threads": janus_threads(self.janus_pid),
            "plenum": process_cpu_seconds(self.plenum.pid),
            "main": process_cpu_seconds(os.getpid()),
            "machine": machine_cpu_seconds(),
            "sent": self.current.camera.sent if self.current and self.current.camera else 0,
            "answered": self.observer.answered if hasattr(self, "observer") else 0,
            "switched": self.observer.switched if hasattr(self, "observer") else 0,
            "restarts": self.observer.restarts if hasattr(self, "observer") else 0,
        }

    async def step(self, listeners: int) -> Step:
        from common import process_rss_bytes

        joined, failed = await self.add_listeners(listeners - self.listeners)
        await asyncio.sleep(self.args.settle)
        a = await self.sample()
        await asyncio.sleep(self.args.measure)
        b = await self.sample()
        seconds = b["t"] - a["t"]
        fps: list[float] = []
        audio: list[float] = []
        pairs = list(zip(a["workers"], b["workers"], strict=True))
        for wa, wb in pairs:
            span = wb["t"] - wa["t"]
            fps += [(y - x) / span for x, y in zip(wa["video"], wb["video"], strict=False)]
            audio += [(y - x) / span for x, y in zip(wa["audio"], wb["audio"], strict=False)]
        busy = (b["machine"][0] - a["machine"][0]) / max(1e-9, b["machine"][1] - a["machine"][1])
        workers_cpu = sum(
            wb["cpu"] - wa["cpu"] for wa, wb in zip(a["workers"], b["workers"], strict=True)
        )
        return Step(
            listeners=self.listeners,
            joined=joined,
            failed=failed,
            seconds=seconds,
            janus_cpu=(b["janus"] - a["janus"]) / seconds,
            janus_media=(b["threads"]["media"] - a["threads"]["media"]) / seconds,
            janus_bridge=(b["threads"]["bridge"] - a["threads"]["bridge"]) / seconds,
            plenum_cpu=(b["plenum"] - a["plenum"]) / seconds,
            clients_cpu=(workers_cpu + b["main"] - a["main"]) / seconds,
            busy=busy,
            janus_rss=process_rss_bytes(self.janus_pid),
            plenum_rss=process_rss_bytes(self.plenum.pid),
            sent_fps=(b["sent"] - a["sent"]) / seconds,
            fps=fps,
            audio_fps=audio,
            received=sum(wb["received"] - wa["received"] for wa, wb in pairs),
            lost=sum(wb["lost"] - wa["lost"] for wa, wb in pairs),
        )

    async def capacity(self) -> list[Step]:
        steps: list[Step] = []
        for count in self.args.steps:
            if count < self.listeners:
                continue
            found = await self.step(count)
            steps.append(found)
            print(
                f"  {found.listeners} listeners: janus {found.janus_cpu:.2f} plenum"
                f" {found.plenum_cpu:.2f} clients {found.clients_cpu:.2f} busy"
                f" {found.busy:.0%}, fps min {min(found.fps, default=0):.1f} of"
                f" {found.sent_fps:.1f}, failed {len(found.failed)}",
                flush=True,
            )
            now = await self.sample()
            errors = [e for w in now["workers"] for e in w["errors"]]
            if errors:
                print(f"  listeners' page errors, the last: {errors[-3:]}", flush=True)
            silent = [d for w in now["workers"] for d in w["silent"]]
            if silent:
                print(f"  listeners without pictures, e.g.: {silent[:3]}", flush=True)
            if not found.holds or found.saturated:
                break
        return steps

    async def main(self) -> tuple[list[Calls], list[Step]]:
        await self.setup()
        results: list[Calls] = []
        steps: list[Step] = []
        try:
            print("calls at the Janus level (baseline) ...", flush=True)
            results.append(await self.direct_calls(self.args.calls))
            self.speakers = [
                Page(self.world, m, audio_only=True, sends=True) for m in self.data.speakers
            ]
            self.observer = Page(self.world, self.data.observer, decode=True)
            for page in (*self.speakers, self.observer):
                await page.enter()
            print("calls through Plenum, one listener ...", flush=True)
            results.append(await self.plenum_calls("plenum, 1 listener", self.args.calls))
            print("relay overhead ...", flush=True)
            self.overhead = await self.relay_overhead(self.args.calls + 1)
            print("capacity ...", flush=True)
            steps = await self.capacity()
            held = [s.listeners for s in steps if s.holds and not s.saturated]
            many = min(self.args.call_listeners, max(held, default=0))
            if many > 0:
                await self.keep_listeners(many)
                self.listeners = many
                await asyncio.sleep(self.args.settle)
                print(f"calls through Plenum, {many} listeners ...", flush=True)
                results.append(
                    await self.plenum_calls(f"plenum, {many + 1} listeners", self.args.calls_many)
                )
        finally:
            errors = self.plenum.errors()
            if errors:
                print(f"Plenum logged {len(errors)} errors, the first: {errors[0]}")
            pages = [*self.speakers, *([self.observer] if hasattr(self, "observer") else [])]
            problems = [e for p in pages for e in p.errors]
            if problems:
                print(f"page errors: {len(problems)}, the first: {problems[0]}")
            await self.teardown()
        return results, steps


def step_verdict(step: Step) -> str:
    if not step.holds:
        return "frames lost" if not step.failed else "joins failed"
    return "saturated" if step.saturated else "holds"


def rel(moment: float | None, t0: float) -> float | None:
    return None if moment is None else moment - t0


def fmt(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


# --- the report ---------------------------------------------------------------------------------


def report(
    calls: list[Calls],
    steps: list[Step],
    overhead: dict[str, list[float]],
    seconds: float,
    load: float,
    split: bool = False,
    click: float = 0.0,
) -> bool:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    placement = "Janus and Plenum on core 0, clients on core 1" if split else "cores shared"
    if click:
        placement += f"  speakers click {click:g} s after their call (in the times)"

    def meets(c: Calls) -> bool:
        """No call without a picture, and the p95 within the target (less the click)."""
        return c.failures == 0 and pct(c.times("frame"), 95) - click <= TARGET_P95_S

    print()
    print(
        f"Video room  {now}  Python {platform.python_version()}  {os.cpu_count()} cores"
        f"  load {load:.1f} -> {os.getloadavg()[0]:.1f}  {FPS} fps {WIDTH}x{HEIGHT} VP8"
        f"  run {seconds / 60:.1f} min  {placement}"
    )
    print()
    print("Calls: from the chair's POST to the listener's first decoded frame of the new")
    print("speaker (s; the baseline: from the moment the speakers are told). p50 / p95")
    print(
        f"{'path':28} {'calls':>5} {'answered':>11} {'role':>11} {'offer':>11} {'published':>11}"
        f" {'event':>11} {'frame':>11} {'max':>6} {'lost':>4}"
    )
    ok = True
    for c in calls:
        cells = []
        for what in ("answered", "role", "offer", "published", "event", "frame"):
            values = c.times(what)
            cells.append(
                f"{fmt(pct(values, 50)):>5}/{fmt(pct(values, 95)):<5}" if values else f"{'-':>11}"
            )
        frames = c.times("frame")
        longest = fmt(max(frames, default=math.nan))
        print(f"{c.label:28} {len(c.calls):5} {' '.join(cells)} {longest:>6} {c.failures:4}")
        if c.label.startswith("plenum"):
            ok = ok and meets(c)
    for c in calls:
        if c.everyone:
            values = c.everyone
            late = sum(1 for v in values if math.isinf(v))
            print(
                f"{c.label}: first complete frame at every listener, {len(values)} in all:"
                f" p50 {fmt(pct(values, 50))} p95 {fmt(pct(values, 95))} p99"
                f" {fmt(pct(values, 99))} s, none within {FRAME_TIMEOUT:g} s: {late}"
            )
    for c in calls:
        if c.plenum_cpu:
            print(
                f"{c.label}: CPU per call (its ask, the call, the gap: {c.cycle:.1f} s):"
                f" Janus {c.janus_cpu:.2f} s, Plenum {c.plenum_cpu:.2f} s,"
                f" the pages {c.clients_cpu:.2f} s; the listeners' pages answered"
                f" {c.answered:.1f} offers and switched {c.switched:.1f} pictures,"
                f" subscriptions made anew in all: {c.restarts}"
            )
    if overhead:
        print("One plugin request of a page, answered (ms; p50 / p95; configure: ack, then")
        print("the answer as an event through the long poll):")
        for request in ("listparticipants", "configure"):
            relay, janus = overhead[f"relay {request}"], overhead[f"janus {request}"]
            print(
                f"  {request:17} janus {1000 * pct(janus, 50):6.1f} / {1000 * pct(janus, 95):6.1f}"
                f"   through the relay {1000 * pct(relay, 50):6.1f} / {1000 * pct(relay, 95):6.1f}"
            )
    plenum_calls = [c for c in calls if c.label.startswith("plenum")]
    after = f" after the click ({click:g} s)" if click else ""
    for c in plenum_calls:
        print(f"target p95 <= {TARGET_P95_S} s{after}, {c.label}: {'PASS' if meets(c) else 'FAIL'}")
    print()
    print("Capacity: one speaker publishing, listeners subscribed and in the bridge.")
    print("CPU in cores (user+sys seconds per second); clients = aiortc, same machine;")
    print("others = the rest of the machine's busy time (other work on it).")
    print(
        f"{'listeners':>9} {'janus':>6} {'media':>6} {'bridge':>6} {'plenum':>6}"
        f" {'clients':>7} {'others':>6}"
        f" {'janus MB':>8} {'plenum MB':>9} {'sent fps':>8} {'fps min':>7} {'fps avg':>7}"
        f" {'audio/s':>7} {'lost %':>6} {'silent':>6} {'join p95':>8} {'failed':>6}"
    )
    for s in steps:
        # a stream's counts can still fall back (an m-line taken for another speaker)
        lost = 100 * max(0, s.lost) / max(1, s.received + max(0, s.lost))
        print(
            f"{s.listeners:9} {s.janus_cpu:6.2f} {s.janus_media:6.2f} {s.janus_bridge:6.2f}"
            f" {s.plenum_cpu:6.2f} {s.clients_cpu:7.2f}"
            f" {s.others:6.2f} {s.janus_rss / 2**20:8.0f} {s.plenum_rss / 2**20:9.0f}"
            f" {s.sent_fps:8.1f} {min(s.fps, default=math.nan):7.1f}"
            f" {(sum(s.fps) / len(s.fps)) if s.fps else math.nan:7.1f}"
            f" {(sum(s.audio_fps) / len(s.audio_fps)) if s.audio_fps else math.nan:7.1f}"
            f" {lost:6.2f} {sum(1 for f in s.fps if f == 0):6} {fmt(pct(s.joined, 95)):>8}"
            f" {len(s.failed):6}"
            f"  {step_verdict(s)}"
        )
    if len(steps) >= 2:
        base = steps[0]
        held = [s for s in steps[1:] if s.holds and not s.saturated] or steps[1:]
        top = held[-1]
        n = top.listeners - base.listeners
        if n > 0:
            per = {
                "janus": (top.janus_cpu - base.janus_cpu) / n,
                " media": (top.janus_media - base.janus_media) / n,
                " bridge": (top.janus_bridge - base.janus_bridge) / n,
                "plenum": (top.plenum_cpu - base.plenum_cpu) / n,
                "clients": (top.clients_cpu - base.clients_cpu) / n,
            }
            print()
            print(f"Per listener ({base.listeners} -> {top.listeners} listeners):")
            for name, value in per.items():
                cores = 1 / value if value > 0 else math.inf
                per_core = f"{cores:6.0f} listeners per core"
                print(f"  {name:8} {1000 * value:6.1f} ms CPU per s   -> {per_core}")
            print(
                f"  janus RSS {(top.janus_rss - base.janus_rss) / n / 2**10:.0f} KiB,"
                f" plenum RSS {(top.plenum_rss - base.plenum_rss) / n / 2**10:.0f} KiB per listener"
            )
    for s in steps:
        if s.failed:
            print(
                f"{s.listeners} listeners: {len(s.failed)} joins failed, the first: {s.failed[0]}"
            )
    return ok


# --- main ---------------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", default=",".join(map(str, STEPS)))
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--call-listeners", type=int, default=CALL_LISTENERS)
    parser.add_argument("--calls-many", type=int, default=CALLS_MANY)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--settle", type=float, default=SETTLE)
    parser.add_argument("--measure", type=float, default=MEASURE)
    parser.add_argument("--keep", action="store_true", help="keep the logs' folder")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="Janus, Plenum and the members' pages share all cores (default: Janus and"
        " Plenum on the first core, the pages on the second, as the pages run on the"
        " members' devices in production)",
    )
    parser.add_argument(
        "--click",
        type=float,
        default=0.0,
        help="seconds a called speaker takes to switch on (default 0: at once); the calls'"
        " times include it",
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.steps = [int(s) for s in str(args.steps).split(",") if s.strip()]
    return args


def missing() -> str:
    """Why the benchmark cannot run here, or ''."""
    from plenum.video.janus_server import installed

    if not installed():
        return "janus is not installed (apt-get install janus)"
    if shutil.which("ip") is None or os.geteuid() != 0:
        return "network namespaces need root and iproute2"
    try:
        import aiortc  # noqa: F401
    except ImportError:
        return "aiortc is not installed (.venv/bin/pip install -e '.[dev]')"
    return ""


def dump_tasks() -> None:
    """SIGUSR1: print where every task of the running loop waits (for a run that hangs)."""

    def dump(*_: object) -> None:
        for task in asyncio.all_tasks(asyncio.get_event_loop_policy().get_event_loop()):
            chain: list[str] = []
            coro: Any = task.get_coro()
            while coro is not None and hasattr(coro, "cr_frame"):
                frame = coro.cr_frame
                if frame is not None:
                    chain.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
                coro = getattr(coro, "cr_await", None)
            chain.append(repr(coro)[:120])
            print("TASK", " > ".join(chain), file=sys.stderr)

    signal.signal(signal.SIGUSR1, dump)


def inside(args: argparse.Namespace) -> int:
    from common import raise_fd_limit

    dump_tasks()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    raise_fd_limit()
    patch_aiortc()
    began, load = time.monotonic(), os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="plenum-video-"))
    args.cores = cores_of(args)  # before this process is bound to the clients' core
    try:
        run = Run(args, folder)
        calls, steps = asyncio.run(run.main())
        ok = report(
            calls,
            steps,
            run.overhead,
            time.monotonic() - began,
            load,
            bool(args.cores[0]),
            args.click,
        )
    finally:
        if args.keep:
            print(f"logs in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        asyncio.run(worker_main(argv[1], int(argv[2])))
        return 0
    args = parse(argv)
    if args.inside:
        return inside(args)
    why = missing()
    if why:
        print(f"bench/video.py skipped: {why}")
        return 0
    return in_namespace(argv)


if __name__ == "__main__":
    raise SystemExit(main())
