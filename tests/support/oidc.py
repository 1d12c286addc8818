"""Driving the real provider process without a browser."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
from starlette.testclient import TestClient


@dataclass
class Provider:
    url: str

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        response = httpx2.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def set_audience(self, audience: str | None) -> None:
        response = httpx2.put(f"{self.url}/test/audience", content=audience or "", timeout=5)
        response.raise_for_status()

    @contextmanager
    def switched(self, **switches: Any) -> Iterator[None]:
        """The provider behaves as ``switches`` say (see oidc_provider.py), then as usual."""
        httpx2.put(f"{self.url}/test/switches", json=switches, timeout=5).raise_for_status()
        try:
            yield
        finally:
            httpx2.put(f"{self.url}/test/switches", json={}, timeout=5).raise_for_status()

    def register_client(self, client_id: str, secret: str) -> None:
        """A client that must authenticate with ``secret`` (client_secret_basic)."""
        response = httpx2.put(f"{self.url}/test/clients/{client_id}", content=secret, timeout=5)
        response.raise_for_status()

    def discovery_hits(self) -> int:
        return int(httpx2.get(f"{self.url}/test/discovery-hits", timeout=5).json()["count"])

    def decline(self, authorize_url: str) -> str:
        """The member declines at the provider's form; returns where it redirects."""
        assert authorize_url.startswith(self.url), authorize_url
        response = httpx2.post(authorize_url, data={"action": "deny"}, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Log ``sub`` in at the provider's form; returns where it redirects the browser."""
        assert authorize_url.startswith(self.url), authorize_url
        response = httpx2.post(authorize_url, data={"sub": sub}, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["location"]


def start_login(client: TestClient, next_path: str | None = None) -> str:
    """Start the login at Plenum; returns the provider's authorization URL."""
    params = {"next": next_path} if next_path else None
    response = client.get("/auth/login", params=params)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def finish_login(client: TestClient, callback_url: str) -> Any:
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def login(
    client: TestClient, provider: Provider, sub: str, claims: dict[str, Any] | None = None
) -> Any:
    """The whole flow: Plenum → provider's login form → callback. Returns the callback's response."""
    if claims is not None:
        provider.set_user(sub, claims)
    callback = provider.authorize(start_login(client), sub)
    response = finish_login(client, callback)
    assert response.status_code == 303, response.text
    return response
