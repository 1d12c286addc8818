"""What the benchmark scripts share (run as ``python bench/NAME.py``, so this folder is on
the import path)."""

from __future__ import annotations

import subprocess
import time

import httpx2


def open_sessions(database_url: str, member_ids: list[int]) -> None:
    """The server-side rows of the benchmark's session cookies (``bench-<member id>``):
    a cookie counts as logged in only while its session row exists."""
    from plenum.auth.models import MemberSession
    from plenum.db import Database

    db = Database(database_url)
    try:
        with db.session() as session:
            for member_id in member_ids:
                session.merge(MemberSession(id=f"bench-{member_id}", member_id=member_id))
            session.commit()
    finally:
        db.dispose()


def wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, seconds: float) -> None:
    """Wait until the server started as ``process`` answers ``GET /healthz`` with 200;
    stop it and exit when it dies or does not answer within ``seconds``."""
    deadline = time.monotonic() + seconds
    with httpx2.Client(base_url=base_url, timeout=2, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}")
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"the server did not start on {base_url}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server, kill it if it does not end within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
