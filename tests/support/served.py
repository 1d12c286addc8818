"""The app served by a real uvicorn on loopback, in a thread of the test process, and
many real HTTP requests sent to it at the same moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import uvicorn

from tests.support.processes import free_port


@contextmanager
def served(make_app: Callable[[str], Any]) -> Iterator[str]:
    """Serve ``make_app(base_url)`` on a free loopback port; yields the base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(
        make_app(base_url), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="plenum-served", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the app did not start on {base_url}")
        time.sleep(0.05)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def race(
    count: int, send: Callable[[httpx2.Client], httpx2.Response], *, cookies: dict[str, str]
) -> list[httpx2.Response]:
    """``count`` clients, each on its own connection with the same cookies, send at one
    moment (a barrier releases them together); their responses in no particular order."""
    barrier = threading.Barrier(count)
    responses: list[httpx2.Response] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx2.Client(cookies=cookies, timeout=60, follow_redirects=False) as client:
            try:
                barrier.wait(timeout=30)
                response = send(client)
            except BaseException as exc:  # reported below, in the test's thread
                with lock:
                    failures.append(exc)
                return
            with lock:
                responses.append(response)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if failures:
        raise failures[0]
    return responses
