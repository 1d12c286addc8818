"""The OpenID Connect client (authlib's Starlette integration)."""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth

from plenum.settings import Settings

CLIENT_NAME = "party"


def make_client(settings: Settings) -> Any:
    """Authorization-code flow with PKCE (S256); authlib adds ``state`` and ``nonce``."""
    oauth = OAuth()
    oauth.register(
        CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.oidc_scope,
            "code_challenge_method": "S256",
            "timeout": 10,
        },
    )
    return oauth.create_client(CLIENT_NAME)


def same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")
