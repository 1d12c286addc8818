"""A network namespace of its own, so that WebRTC media in a test stays off the real
interfaces.

libnice (Janus's ICE) skips loopback interfaces, so on the host its candidates would be
eth0's address. Inside a namespace there are only ``lo`` and a veth pair whose both ends
are in the namespace: ``v0`` (10.99.0.1) and ``v1`` (10.99.0.2). Janus started with
``ice_interface="v0"`` offers 10.99.0.1 only, and a browser inside the namespace reaches it
over the pair.

    if not Namespace.available(): skip
    with Namespace() as ns:
        subprocess.run(ns.argv(["ip", "addr"]), check=True)

Needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) and ``ip`` from iproute2.
"""

from __future__ import annotations

import functools
import secrets
import shutil
import subprocess
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Self

JANUS_SIDE, PEER_SIDE = "v0", "v1"
JANUS_ADDRESS, PEER_ADDRESS = "10.99.0.1", "10.99.0.2"
SETUP = (
    ("link", "set", "lo", "up"),
    ("link", "add", JANUS_SIDE, "type", "veth", "peer", "name", PEER_SIDE),
    ("addr", "add", f"{JANUS_ADDRESS}/24", "dev", JANUS_SIDE),
    ("addr", "add", f"{PEER_ADDRESS}/24", "dev", PEER_SIDE),
    ("link", "set", JANUS_SIDE, "up"),
    ("link", "set", PEER_SIDE, "up"),
)
# Asks for a URL from inside the namespace: exit status 0 when it answers 200.
FETCH = (
    "import sys, urllib.request\n"
    "with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:\n"
    "    sys.stdout.buffer.write(answer.read())\n"
)


class Namespace:
    """``ip netns add`` with a unique name, lo and the veth pair up; deleted on exit."""

    def __init__(self, prefix: str = "plenum") -> None:
        self.name = f"{prefix}-{secrets.token_hex(4)}"

    def argv(self, command: Sequence[str]) -> list[str]:
        """``command`` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *command]

    def run(self, command: Sequence[str], timeout: float = 10) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(command), capture_output=True, text=True, timeout=timeout, check=False
        )

    def fetch(self, url: str) -> str | None:
        """The body of ``url`` as seen from inside, or None when it does not answer 200
        (JanusProcess's ``probe`` for a Janus inside)."""
        done = self.run([sys.executable, "-c", FETCH, url])
        return done.stdout if done.returncode == 0 else None

    def __enter__(self) -> Self:
        _ip("netns", "add", self.name)
        try:
            for step in SETUP:
                _ip("-n", self.name, *step)
        except BaseException:
            self.delete()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.delete()

    def delete(self) -> None:
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True, check=False)

    @staticmethod
    def available() -> bool:
        """Whether namespaces can be made here (tried once per run)."""
        return _available()


@functools.cache
def _available() -> bool:
    if shutil.which("ip") is None:
        return False
    try:
        with Namespace("plenum-probe") as probe:
            return probe.run(["true"]).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False, timeout=10)
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, ["ip", *args], stderr=done.stderr)
