"""Self-hosted Jitsi Meet with token authentication (Prosody ``authentication = "token"``,
lib-jitsi-meet's ``doc/tokens.md``).

Each member gets a short-lived JWT, signed HS256 with the ``app_secret`` shared with
Prosody, that names the room, the member and whether they moderate. Jitsi creates a room
at its first join and offers no API to end it, to change a role or to list who is in it
without extra Prosody modules; Plenum's own room page covers those.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.jwk import OctKey

from plenum import clock
from plenum.video.provider import Entry, ProviderError, Room, Seat

# A room name Jitsi keeps as it is: no case folding, no escaping in the URL or the MUC jid.
ROOM_NAME = re.compile(r"[a-z0-9-]+")


class Jitsi:
    """One Jitsi Meet deployment, by its base URL and the token settings of its Prosody."""

    name = "jitsi"

    def __init__(
        self,
        url: str,
        app_id: str,
        secret: str,
        *,
        lifetime: timedelta = timedelta(minutes=2),
        now: Callable[[], datetime] = clock.utcnow,
    ) -> None:
        self._url = url.rstrip("/")
        self._domain = (urlsplit(self._url).hostname or "").lower()
        if not self._domain:
            raise ValueError(f"{url!r} is no Jitsi Meet URL (https://host[/path])")
        self._app_id = app_id
        self._key = OctKey.import_key(secret)
        self._lifetime = lifetime
        self._now = now

    def prepare(self, room: Room) -> None:
        """Nothing to create (Jitsi opens a room at its first join); refuses a room key
        that is not a plain Jitsi room name."""
        _room_name(room)

    def admit(self, room: Room, seat: Seat) -> Entry:
        """The room's URL with a personal token; the token only opens the door, so it may
        expire within minutes."""
        token = jwt.encode({"alg": "HS256"}, self._claims(room, seat), self._key)
        return Entry(url=f"{self._url}/{_room_name(room)}?jwt={token}")

    def set_role(self, room: Room, seat: Seat, *, final: bool = False, lift: bool = False) -> None:
        """Nothing to do now: Jitsi reads the role from the token at join time only. The
        new role applies at the member's next join (the page offers a rejoin)."""

    def sending(self, room: Room) -> set[int]:
        """Empty: a role changes only at the next join (see ``set_role``), so there is
        nobody Plenum could act on now."""
        return set()

    def dismiss(self, room: Room, member_id: int) -> None:
        """Nothing to do now: Jitsi cannot put out one member from outside without extra
        Prosody modules. Plenum gives the member no new token; one who is in already stays
        until they leave or the room closes."""

    def record(self, room: Room, on: bool) -> None:
        """Jitsi records by its own controls (the chair's token allows it while on)."""

    def end(self, room: Room) -> None:
        """Nothing to do: Jitsi offers no way to end a room from outside without extra
        Prosody modules. Tokens are short-lived and Plenum stops issuing them, so nobody
        new gets in; the room closes when the last member leaves."""

    def connected(self, room: Room) -> set[int]:
        """Always empty: Jitsi tells nobody outside who is in a room without extra Prosody
        modules. Presence then comes from Plenum's own room page."""
        return set()

    def _claims(self, room: Room, seat: Seat) -> dict[str, object]:
        now = self._now()
        return {
            "iss": self._app_id,
            "aud": "jitsi",
            "sub": self._domain,
            "room": _room_name(room),
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
            "context": {
                "user": {
                    "id": str(seat.member_id),
                    "name": seat.name,
                    "moderator": seat.role.moderates,
                },
                "features": {"recording": room.recording and seat.role.moderates},
            },
        }


def _room_name(room: Room) -> str:
    if not ROOM_NAME.fullmatch(room.key):
        raise ProviderError(
            f"{room.key!r} is not a Jitsi room name (lowercase letters, digits, hyphens)."
        )
    return room.key
