"""A Janus server of Plenum's own: its configuration directory and its process.

``write_config`` writes a minimal configuration into a directory of its own: only the
VideoRoom and AudioBridge plugins, only the plain HTTP transport (the Janus API under
``/janus`` and the admin API under ``/admin``, both on ``bind``, loopback by default),
and, when ``events_url`` is set, only the sample event handler, which posts Janus's
events to Plenum. Every other module Debian ships (and whatever else lies in Janus's
module folders) is disabled. ``JanusProcess`` runs ``janus`` on that directory and waits
until it answers.

Events as Plenum receives them
------------------------------
The event handler POSTs ``application/json`` to ``events_url`` with basic auth (user
``janus``, password ``events_secret``), for sessions, handles and plugins only.
``grouping = true``: every POST is a JSON *array* of one or more events, even a single
one. An event's ``type`` says what it is about: 1 session, 2 handle, 64 plugin;
``timestamp`` is microseconds since the epoch; ``emitter`` is Janus's ``server_name``
(``JanusProcess`` names each start afresh, ``plenum-`` and 8 hex digits, so a new emitter
means a restarted Janus whose rooms are gone). ``session_id`` and ``handle_id`` are
integers below 2**53. Verified against Debian's janus 1.1.2 (test_janus_server.py)::

    [{"emitter": "plenum-3d3d6c1f", "type": 1, "timestamp": 1796608567933744,
      "session_id": 8718218651024441,
      "event": {"name": "created",
                "transport": {"transport": "janus.transport.http", "id": "15809683610305590665"}}}]
    {"type": 1, "session_id": S, "event": {"name": "destroyed"}, ...}
    {"type": 1, "session_id": S, "event": {"name": "timeout"}, ...}
    {"type": 2, "session_id": S, "handle_id": H,
     "event": {"name": "attached", "plugin": "janus.plugin.videoroom"}, ...}
    {"type": 2, "session_id": S, "handle_id": H,
     "event": {"name": "detached", "plugin": "janus.plugin.audiobridge"}, ...}
    {"type": 64, "session_id": S, "handle_id": H,
     "event": {"plugin": "janus.plugin.videoroom", "data": {"event": "created", "room": 4242}}}
    {"type": 64, "session_id": S, "handle_id": H,
     "event": {"plugin": "janus.plugin.audiobridge",
               "data": {"event": "joined", "room": 77, "id": 5, "display": "Ada",
                        "setup": false, "muted": false}}}
    {"type": 64, "session_id": S, "handle_id": H,
     "event": {"plugin": "janus.plugin.audiobridge",
               "data": {"event": "left", "room": 77, "id": 5, "display": "Ada"}}}
    {"type": 64, "session_id": S, "handle_id": H,
     "event": {"plugin": "janus.plugin.videoroom",
               "data": {"event": "joined", "room": 4242, "id": 7, "private_id": 2081277407,
                        "display": "Bea"}}}
    {"type": 64,
     "event": {"plugin": "janus.plugin.videoroom",
               "data": {"event": "leaving", "room": 4242, "id": 7}}}

What to expect beyond the shapes:

- A session that times out (60 s without a request) sends ``timeout``, then each
  handle's ``detached``, and *no* ``destroyed`` (seen by hand, with a 2 s timeout); a
  ``destroy`` request sends each handle's ``detached``, then ``destroyed``.
- Plugin events sent while a handle goes away carry neither ``session_id`` nor
  ``handle_id``: the AudioBridge's ``left`` after a timeout or a destroy, the
  VideoRoom's ``leaving`` always (also after a ``leave`` request), and its
  ``unpublished`` (sent twice on a destroy, even without media). Key participants on
  ``(room, id)``, not on the handle.
- ``exists``, ``list`` and other read-only requests send no event.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess  # nosec B404
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx2

PLUGINS = ("libjanus_videoroom.so", "libjanus_audiobridge.so")
TRANSPORTS = ("libjanus_http.so",)
EVENT_HANDLER = "libjanus_sampleevh.so"
EVENT_USER = "janus"
EVENT_TYPES = "sessions,handles,plugins"
# Debian's janus 1.1.2 ships these; whatever else lies in the module folders found at
# runtime is disabled as well (naming a module that is not there does no harm).
SHIPPED = {
    "plugins": [
        "libjanus_audiobridge.so",
        "libjanus_duktape.so",
        "libjanus_echotest.so",
        "libjanus_lua.so",
        "libjanus_nosip.so",
        "libjanus_recordplay.so",
        "libjanus_sip.so",
        "libjanus_streaming.so",
        "libjanus_textroom.so",
        "libjanus_videocall.so",
        "libjanus_videoroom.so",
        "libjanus_voicemail.so",
    ],
    "transports": [
        "libjanus_http.so",
        "libjanus_mqtt.so",
        "libjanus_nanomsg.so",
        "libjanus_pfunix.so",
        "libjanus_rabbitmq.so",
        "libjanus_websockets.so",
    ],
    "events": [
        "libjanus_gelfevh.so",
        "libjanus_mqttevh.so",
        "libjanus_nanomsgevh.so",
        "libjanus_rabbitmqevh.so",
        "libjanus_sampleevh.so",
        "libjanus_wsevh.so",
    ],
    "loggers": ["libjanus_jsonlog.so"],
}
MODULE_ROOTS = (
    Path("/usr/lib") / getattr(sys.implementation, "_multiarch", "") / "janus",
    Path("/usr/lib/janus"),
    Path("/usr/local/lib/janus"),
    Path("/opt/janus/lib/janus"),
)
STUN_PORT = 3478
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
LOG_LINES = 30

Value = str | int | bool


class JanusError(RuntimeError):
    """Janus did not start, or stopped when it should run."""


@dataclass(frozen=True)
class JanusConfig:
    """What Plenum's Janus needs. ``ice_interface`` is Janus's ``ice_enforce_list``: the
    interfaces (or address prefixes), comma-separated, ICE gathers candidates on (e.g.
    ``eth0``, or ``v0`` in a test namespace); empty: all but loopback. ``stun`` is
    ``host`` or ``host:port``; ``nat_1_1`` the public address(es) to put in the host
    candidates behind a 1:1 NAT. ``bind`` is where both APIs listen."""

    workdir: Path
    http_port: int
    admin_port: int
    admin_secret: str
    events_url: str  # empty: no event handler
    events_secret: str
    ice_interface: str = ""
    rtp_ports: tuple[int, int] = (20000, 20999)
    nat_1_1: str = ""
    stun: str = ""
    bind: str = "127.0.0.1"

    @property
    def api_url(self) -> str:
        """The Janus API's base (sessions are posted to it)."""
        return f"http://{_host(self.bind)}:{self.http_port}/janus"

    @property
    def admin_url(self) -> str:
        return f"http://{_host(self.bind)}:{self.admin_port}/admin"

    @property
    def log_path(self) -> Path:
        return self.workdir / "janus.log"


def installed() -> bool:
    return shutil.which("janus") is not None


def write_config(config: JanusConfig, *, name: str = "Plenum") -> Path:
    """The configuration directory for ``config`` (its ``workdir``), written afresh.
    ``name`` is Janus's ``server_name``: the events' ``emitter``."""
    config.workdir.mkdir(parents=True, exist_ok=True)
    files = {
        "janus.jcfg": _core(config, name),
        "janus.transport.http.jcfg": _http(config),
        "janus.plugin.videoroom.jcfg": _jcfg(general={"events": True}),
        "janus.plugin.audiobridge.jcfg": _jcfg(general={"events": True}),
    }
    if config.events_url:
        files["janus.eventhandler.sampleevh.jcfg"] = _event_handler(config)
    else:
        (config.workdir / "janus.eventhandler.sampleevh.jcfg").unlink(missing_ok=True)
    for filename, text in files.items():
        (config.workdir / filename).write_text(text, encoding="utf-8")
    return config.workdir


def _core(config: JanusConfig, name: str) -> str:
    events = (EVENT_HANDLER,) if config.events_url else ()
    low, high = config.rtp_ports
    return _jcfg(
        general={
            "configs_folder": str(config.workdir),
            "server_name": name,
            "debug_level": 4,
            "debug_colors": False,
            "admin_secret": config.admin_secret,
            "session_timeout": 60,
            "hide_dependencies": True,
        },
        media={"rtp_port_range": f"{low}-{high}"},
        nat=_nat(config),
        plugins={"disable": _others("plugins", PLUGINS)},
        transports={"disable": _others("transports", TRANSPORTS)},
        loggers={"disable": _others("loggers", ())},
        events={"broadcast": bool(events), "disable": _others("events", events)},
    )


def _nat(config: JanusConfig) -> dict[str, Value]:
    nat: dict[str, Value] = {"nice_debug": False}
    if config.ice_interface:
        nat["ice_enforce_list"] = config.ice_interface
    if config.nat_1_1:
        nat["nat_1_1_mapping"] = config.nat_1_1
    if config.stun:
        host, _, port = config.stun.partition(":")
        nat |= {"stun_server": host, "stun_port": int(port or STUN_PORT)}
    return nat


def _http(config: JanusConfig) -> str:
    return _jcfg(
        general={
            "events": False,
            "json": "plain",
            "base_path": "/janus",
            "http": True,
            "port": config.http_port,
            "ip": config.bind,
            "https": False,
        },
        admin={
            "admin_base_path": "/admin",
            "admin_http": True,
            "admin_port": config.admin_port,
            "admin_ip": config.bind,
            "admin_https": False,
        },
    )


def _event_handler(config: JanusConfig) -> str:
    return _jcfg(
        general={
            "enabled": True,
            "events": EVENT_TYPES,
            "grouping": True,
            "json": "compact",
            "backend": config.events_url,
            "backend_user": EVENT_USER,
            "backend_pwd": config.events_secret,
            "max_retransmissions": 5,
            "retransmissions_backoff": 100,
        }
    )


def _others(kind: str, wanted: Iterable[str]) -> str:
    """Every module of ``kind`` Debian ships or the module folders hold, but ``wanted``."""
    found = {p.name for root in MODULE_ROOTS for p in (root / kind).glob("*.so")}
    return ",".join(sorted((set(SHIPPED[kind]) | found) - set(wanted)))


def _jcfg(**sections: dict[str, Value]) -> str:
    """A libconfig file (Janus's .jcfg) with these sections."""
    lines: list[str] = []
    for name, options in sections.items():
        lines.append(f"{name}: {{")
        lines.extend(f"\t{key} = {_value(value)}" for key, value in options.items())
        lines.append("}")
    return "\n".join(lines) + "\n"


def _value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if any(ord(char) < 0x20 for char in value):
        raise ValueError("a Janus setting cannot hold control characters")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def fetch(url: str) -> str | None:
    """The body of ``url`` when it answers 200 from here, else None (the default probe)."""
    try:
        answer = httpx2.get(url, timeout=1)
    except httpx2.HTTPError:
        return None
    return answer.text if answer.status_code == 200 else None


class JanusProcess:
    """A running ``janus``. ``wrapper`` goes before its argv (e.g. ``ip netns exec ns``);
    ``probe`` fetches a URL from where Janus can be reached (by default: from here), the
    body or None.

    Each start names Janus afresh (``plenum-`` and 8 hex digits, its ``server_name`` and
    so the events' ``emitter``), and Janus counts as started when ``/janus/info`` answers
    with that name: another Janus on the same port does not pass for this one.

        with JanusProcess().start(config) as janus:
            ...
    """

    def __init__(
        self, *, wrapper: Sequence[str] = (), probe: Callable[[str], str | None] = fetch
    ) -> None:
        self.wrapper = list(wrapper)
        self.probe = probe
        self._config: JanusConfig | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.name = ""

    @property
    def config(self) -> JanusConfig:
        if self._config is None:
            raise JanusError("Janus has not been started")
        return self._config

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, config: JanusConfig, timeout: float = START_TIMEOUT) -> Self:
        """Write the configuration, run Janus, and wait until its API answers."""
        if self._process is not None:
            raise JanusError("Janus is already running")
        self.name = f"plenum-{secrets.token_hex(4)}"
        folder = write_config(config, name=self.name)
        janus = shutil.which("janus")
        if janus is None:
            raise JanusError("janus is not installed (Debian: apt-get install janus)")
        argv = [*self.wrapper, janus, "-F", str(folder), "-C", str(folder / "janus.jcfg")]
        self._config = config
        self._log = config.log_path.open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - list argv, no shell  # nosec B603
            [*argv, "--log-stdout"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=config.workdir,  # where recordings go unless a room names a folder
        )
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        url = self.config.api_url + "/info"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self._process.poll() if self._process else None
            if code is not None:
                raise JanusError(f"janus exited with status {code}:\n{self.log_tail()}")
            if self._answers_as_ours(url):
                return
            time.sleep(0.1)
        raise JanusError(f"janus did not answer at {url} in {timeout:g} s:\n{self.log_tail()}")

    def _answers_as_ours(self, url: str) -> bool:
        body = self.probe(url)
        try:
            return body is not None and json.loads(body).get("server-name") == self.name
        except (ValueError, AttributeError):
            return False

    def stop(self) -> None:
        """Terminate Janus and wait for it (killed when it does not end in time)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = LOG_LINES) -> str:
        """The last lines Janus logged."""
        try:
            with self.config.log_path.open(encoding="utf-8", errors="replace") as log:
                return "".join(deque(log, maxlen=lines))
        except OSError as exc:
            return f"(no log: {exc})"

    def __enter__(self) -> Self:
        if self._process is None:
            raise JanusError("start Janus before entering it: JanusProcess().start(config)")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
