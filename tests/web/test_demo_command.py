"""`plenum demo` (what `make demo PORT= IDP_PORT=` runs) as a person starts it: the site's
address is printed only once its port is bound, and a taken port is said plainly, with
nothing else done or printed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.support.processes import free_port


def demo_command(tmp_path: Path, port: int, idp_port: int) -> tuple[list[str], dict[str, str]]:
    command = [
        sys.executable,
        "-m",
        "plenum.cli",
        "demo",
        "--port",
        str(port),
        "--idp-port",
        str(idp_port),
    ]
    env = {
        **os.environ,
        "PLENUM_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "PLENUM_LOG_LEVEL": "WARNING",
    }
    for name in ("PLENUM_OIDC_ISSUER", "PLENUM_BASE_URL", "PLENUM_ENV"):
        env.pop(name, None)
    return command, env


def test_a_taken_port_is_said_and_nothing_else_happens(tmp_path: Path):
    for taken_is_site in (True, False):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            busy = taken.getsockname()[1]
            port, idp_port = (busy, free_port()) if taken_is_site else (free_port(), busy)
            name = "PORT" if taken_is_site else "IDP_PORT"
            command, env = demo_command(tmp_path, port, idp_port)
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr.strip() == (
            f"Port {busy} on 127.0.0.1 is taken (another program, or a demo still running)."
            f" Choose another: make demo {name}={busy + 1}"
        )
        assert not (tmp_path / "demo.db").exists()  # not migrated, not seeded


def test_the_address_is_printed_once_the_port_is_bound(tmp_path: Path):
    port, idp_port = free_port(), free_port()
    command, env = demo_command(tmp_path, port, idp_port)
    process = subprocess.Popen(  # a group of its own: the demo starts the provider too
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        for line in process.stdout:
            if line.startswith("Plenum demo:"):
                break
            assert time.monotonic() < deadline, "the demo never printed its address"
        assert line.split()[2] == f"http://127.0.0.1:{port}"
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # bound and listening the moment the address is printed
        for _ in range(200):
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("the demo site never answered")
        login = httpx2.get(f"http://127.0.0.1:{port}/auth/login", timeout=5)
        assert login.status_code in (302, 303, 307)
        assert login.headers["location"].startswith(f"http://127.0.0.1:{idp_port}/")
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the site and its identity provider
        process.wait(timeout=20)
