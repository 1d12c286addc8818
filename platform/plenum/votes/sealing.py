"""Sealed ballots: while a secret vote is open, a ballot's content is stored only encrypted.

A copy of the database taken while a vote is open can pair the two rows a ballot writes
(who has voted, the ballot): on PostgreSQL by their transaction id, on SQLite by where the
rows sit in their pages and in the write-ahead log. So what such a copy may pair a voter
with must tell nothing: the ballot row of a secret vote holds, until the close, only
``sealed``, the choices and the tracker encrypted with AES-GCM (a random nonce for every
ballot, so equal ballots look different) under a key of the vote that is derived (HKDF)
from the server's secret key and never stored. The plaintext is padded to one length for
the whole vote, so the length of a sealed ballot does not tell the choice either.

At the close the count opens the sealed ballots and writes them anew as plain ballots,
with new keys, in a transaction of their own (``results.unseal``): nothing in them leads
back to the sealed rows, and so to the voters. See docs/security.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE = 12  # bytes: AES-GCM's standard nonce, random for every ballot
ROUND = 64  # the padded plaintext is a multiple of this many bytes
_secret: list[str] = []  # the server's secret key, set once when the app or clock starts


class SealBroken(ValueError):
    """A sealed ballot that this server's key does not open (another key, or changed)."""


def configure(secret_key: str) -> None:
    """Use ``secret_key`` (``PLENUM_SECRET_KEY``) for the keys of the votes."""
    _secret[:] = [secret_key]


def _server_secret() -> str:
    if not _secret:  # a process that did not configure it (a script, a test): the settings'
        from plenum.settings import Settings

        configure(Settings.from_env().secret_key)
    return _secret[0]


def _cipher(secret_key: str, vote_id: int) -> AESGCM:
    return _cipher_for(secret_key, f"plenum secret ballots of vote {vote_id}")


@lru_cache(maxsize=256)
def _cipher_for(secret_key: str, purpose: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret_key.encode()
    )
    return AESGCM(key)


def seal_text(purpose: str, plain: str, *, size: int) -> bytes:
    """``plain`` encrypted under a key for ``purpose`` (derived from the server's secret
    key, never stored), padded to ``size`` bytes so its length tells nothing: the same
    sealing as a secret ballot's, for other anonymous answers."""
    data = plain.encode()
    padded = data + b"\0" * (max(size, -(-len(data) // ROUND) * ROUND) - len(data))
    nonce = secrets.token_bytes(NONCE)
    return nonce + _cipher_for(_server_secret(), purpose).encrypt(nonce, padded, purpose.encode())


def unseal_text(purpose: str, sealed: bytes) -> str:
    try:
        padded = _cipher_for(_server_secret(), purpose).decrypt(
            sealed[:NONCE], sealed[NONCE:], purpose.encode()
        )
    except InvalidTag:
        raise SealBroken(f"a sealed answer for {purpose!r} does not open") from None
    return padded.rstrip(b"\0").decode()


def width(option_ids: Iterable[int | None]) -> int:
    """The padded length of every sealed ballot of a vote with these options: room for
    all of them in one ballot (a full ranking) and a tracker."""
    longest = sum(len(str(i or 0)) + 1 for i in option_ids) + 64
    return -(-longest // ROUND) * ROUND


def seal(vote_id: int, choices: str, tracker: str, *, size: int, group: str = "") -> bytes:
    """The ballot (``tally.encode``d choices and its tracker, and for a grouped vote the
    voter's group: ``votes.groups``) encrypted for the count."""
    plain = (f"{tracker}\n{choices}\n{group}" if group else f"{tracker}\n{choices}").encode()
    padded = plain + b"\0" * (max(size, -(-len(plain) // ROUND) * ROUND) - len(plain))
    nonce = secrets.token_bytes(NONCE)
    return nonce + _cipher(_server_secret(), vote_id).encrypt(nonce, padded, _aad(vote_id))


def unseal(vote_id: int, sealed: bytes) -> tuple[str, str]:
    """(choices, tracker) of a sealed ballot of ``vote_id``."""
    choices, tracker, _group = unseal_grouped(vote_id, sealed)
    return choices, tracker


def unseal_grouped(vote_id: int, sealed: bytes) -> tuple[str, str, str]:
    """(choices, tracker, group) of a sealed ballot of ``vote_id`` (group "" if none)."""
    try:
        padded = _cipher(_server_secret(), vote_id).decrypt(
            sealed[:NONCE], sealed[NONCE:], _aad(vote_id)
        )
    except InvalidTag:
        raise SealBroken(f"a sealed ballot of vote {vote_id} does not open") from None
    tracker, _, rest = padded.rstrip(b"\0").decode().partition("\n")
    choices, _, group = rest.partition("\n")
    return choices, tracker, group


def _aad(vote_id: int) -> bytes:
    return f"ballot of vote {vote_id}".encode()
