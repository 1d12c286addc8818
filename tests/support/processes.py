"""Starting and stopping the real helper processes the tests talk to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=1).status_code < 500:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered at {url}")


@contextmanager
def python_process(script: Path, *args: str, ready_url: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, str(script), *args])
    try:
        wait_for(ready_url)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def app_process(settings_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``plenum serve`` in a process of its own (with the caller's PYTHONPATH), and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "plenum.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env={**os.environ, **settings_env})
    try:
        wait_for(url + "/healthz")
        yield process, url
    finally:
        process.terminate()
        process.wait(timeout=10)


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory (or its peak, ``VmHWM``), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for process {pid}")
