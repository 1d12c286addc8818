"""Signed tokens in e-mail links: a member's one-click unsubscribe.

A token is ``<member id>.<signature>``: an HMAC-SHA256 of the purpose and the member id,
keyed with ``PLENUM_SECRET_KEY``. It does not expire (a mail read months later must still
unsubscribe); changing the secret key makes every old link invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

UNSUBSCRIBE = "unsubscribe"


def _signature(secret_key: str, purpose: str, member_id: int) -> str:
    message = f"plenum.mail:{purpose}:{member_id}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_token(secret_key: str, member_id: int, purpose: str = UNSUBSCRIBE) -> str:
    return f"{member_id}.{_signature(secret_key, purpose, member_id)}"


def member_of(secret_key: str, token: str, purpose: str = UNSUBSCRIBE) -> int | None:
    """The member id the token was made for, or None when it is not one of ours."""
    raw_id, _, signature = token.partition(".")
    if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 12:
        return None
    member_id = int(raw_id)
    expected = _signature(secret_key, purpose, member_id)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return None
    return member_id
