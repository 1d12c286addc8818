"""The OpenID Connect client (authlib's Starlette integration).

Two things differ from authlib's defaults: the discovery document is kept for
``oidc_discovery_seconds`` and only when it is valid (it names the configured issuer
and the endpoints a login needs), and ``client_secret_basic`` form-encodes the client
id and secret before Base64, as RFC 6749 §2.3.1 says (authlib sends them raw, which
fails for secrets with ``+``, ``%`` and the like).
"""

from __future__ import annotations

import base64
import logging
import time
from typing import Any
from urllib.parse import quote_plus

import httpx2
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from plenum.settings import Settings

CLIENT_NAME = "party"
# What a login needs from the discovery document.
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")

log = logging.getLogger(__name__)


class DiscoveryInvalid(ValueError):
    """The provider's discovery document cannot be used (it is then not kept)."""


class IssuerMismatch(DiscoveryInvalid):
    """The discovery document names another issuer than ``PLENUM_OIDC_ISSUER``."""


class PartyClient(StarletteOAuth2App):  # type: ignore[misc]
    """authlib's client, keeping the discovery document for a while, if it is valid."""

    issuer = ""
    metadata_seconds = 3600.0
    server_metadata: dict[str, Any]

    async def load_server_metadata(self) -> dict[str, Any]:
        loaded_at = self.server_metadata.get("_loaded_at")
        if loaded_at is not None and time.time() - loaded_at >= self.metadata_seconds:
            # A new dict, not the old one emptied: a login in the middle of its callback
            # keeps the document (and the keys, ``jwks``, kept with it) it started with.
            self.server_metadata = {}
        if "_loaded_at" in self.server_metadata:
            return self.server_metadata
        try:
            metadata: dict[str, Any] = await super().load_server_metadata()
            check_discovery(metadata, self.issuer)
        except BaseException:
            self.server_metadata = {}
            raise
        return metadata


class _PartyOAuth(OAuth):  # type: ignore[misc]
    oauth2_client_cls = PartyClient


def make_client(settings: Settings) -> PartyClient:
    """Authorization-code flow with PKCE (S256); authlib adds ``state`` and ``nonce``."""
    oauth = _PartyOAuth()
    oauth.register(
        CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer + "/.well-known/openid-configuration",
        client_auth_methods=[("client_secret_basic", client_secret_basic)],
        client_kwargs={
            "scope": settings.oidc_scope,
            "code_challenge_method": "S256",
            "timeout": 10,
        },
    )
    client: PartyClient = oauth.create_client(CLIENT_NAME)
    client.issuer = settings.oidc_issuer
    client.metadata_seconds = float(settings.oidc_discovery_seconds)
    return client


def check_discovery(metadata: dict[str, Any], issuer: str) -> None:
    """Raise ``DiscoveryInvalid`` unless ``metadata`` is usable for logins at ``issuer``."""
    named = metadata.get("issuer")
    if not isinstance(named, str) or not same_issuer(named, issuer):
        raise IssuerMismatch(
            f"PLENUM_OIDC_ISSUER is {issuer!r}, but the provider's discovery document "
            f"names the issuer {named!r}; set PLENUM_OIDC_ISSUER to the provider's issuer"
        )
    missing = [name for name in REQUIRED_ENDPOINTS if not isinstance(metadata.get(name), str)]
    if missing:
        raise DiscoveryInvalid(
            f"the discovery document of {issuer} lacks {', '.join(missing)}; not kept"
        )


async def check_issuer_at_start(client: PartyClient) -> None:
    """Stop the start when the provider names another issuer. A provider that cannot
    be reached (or answers nonsense) does not stop the start: it is checked again at
    the first login, which fails with a clear page until it answers correctly."""
    try:
        await client.load_server_metadata()
    except IssuerMismatch as exc:
        log.critical("%s", exc)
        raise
    except (httpx2.HTTPError, DiscoveryInvalid, ValueError) as exc:
        log.warning(
            "identity provider %s not usable at start-up (%r); checked again at the first login",
            client.issuer,
            exc,
        )


def client_secret_basic(
    client: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """HTTP Basic with the client id and secret form-encoded first (RFC 6749 §2.3.1)."""
    pair = f"{quote_plus(client.client_id)}:{quote_plus(client.client_secret or '')}"
    headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return uri, headers, body


def same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")
