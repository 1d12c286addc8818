"""BigBlueButton through its published API (docs.bigbluebutton.org/development/api).

Every call is a GET on ``<api url>/<call>?<query>&checksum=<hex digest>``, the digest taken
over call name, query string and the shared secret; every answer is a small XML document
whose ``returncode`` says SUCCESS or FAILED. Members join with BigBlueButton's ``role``
parameter (2.6 and later), so Plenum never handles meeting passwords.
"""

from __future__ import annotations

import hashlib
import math
import xml.etree.ElementTree as ET  # nosec B405
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx2

from plenum import clock
from plenum.video.provider import Entry, ProviderError, Room, Seat

CHECKSUMS = ("sha1", "sha256")
TIMEOUT = httpx2.Timeout(10.0)
NAME_LIMIT = 256  # BigBlueButton refuses longer meeting names and ids


class BigBlueButton:
    """One BigBlueButton server (or a Scalelite in front of several), by API URL and
    shared secret."""

    name = "bigbluebutton"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        checksum: str = "sha256",
        client: httpx2.Client | None = None,
        now: Callable[[], datetime] = clock.utcnow,
    ) -> None:
        if checksum not in CHECKSUMS:
            raise ValueError(f"checksum must be one of {', '.join(CHECKSUMS)}, not {checksum!r}")
        self._url = url.rstrip("/")
        self._secret = secret
        self._checksum = checksum
        self._client = client or httpx2.Client(timeout=TIMEOUT)
        self._now = now

    def prepare(self, room: Room) -> None:
        """Create the meeting; creating an existing one is a harmless duplicate."""
        self._call("create", _create_params(room, self._minutes_left(room)))

    def admit(self, room: Room, seat: Seat) -> Entry:
        """A personal join URL: the member's name and id, moderator for the chair."""
        params = {
            "fullName": seat.name,
            "meetingID": room.key,
            "role": "MODERATOR" if seat.role.moderates else "VIEWER",
            "userID": str(seat.member_id),
            "redirect": "true",
        }
        return Entry(url=self._signed("join", params))

    def set_role(self, room: Room, seat: Seat, *, final: bool = False, lift: bool = False) -> None:
        """Nothing to do now: BigBlueButton's API cannot change the role of someone who has
        joined. The new role applies at the member's next join (the page offers a rejoin)."""

    def sending(self, room: Room) -> set[int]:
        """Empty: BigBlueButton's API cannot revoke sending (see ``set_role``), so there is
        nobody Plenum could act on; the room's own lock settings govern viewers."""
        return set()

    def dismiss(self, room: Room, member_id: int) -> None:
        """Nothing to do now: BigBlueButton's API cannot put out one user, only end the
        whole meeting. Plenum gives the member no new join URL; one who is in already
        stays until they leave or the meeting ends."""

    def record(self, room: Room, on: bool) -> None:
        """BigBlueButton records by its own controls: a room made while recording was on
        allows it, and BigBlueButton shows everyone that it records."""

    def end(self, room: Room) -> None:
        """End the meeting; one that is gone already counts as ended."""
        self._call("end", {"meetingID": room.key}, missing_ok=True)

    def connected(self, room: Room) -> set[int]:
        """Member ids among the attendees; none when the meeting is not running."""
        answer = self._call("getMeetingInfo", {"meetingID": room.key}, missing_ok=True)
        if answer is None:
            return set()
        ids = (_text(attendee, "userID") for attendee in answer.iterfind("attendees/attendee"))
        return {int(value) for value in ids if value.isascii() and value.isdigit()}

    def _minutes_left(self, room: Room) -> int:
        left = clock.as_utc(room.ends_at) - self._now()
        if left <= timedelta(0):
            raise ProviderError("The meeting's end time has passed: no room is opened for it.")
        return math.ceil(left / timedelta(minutes=1))

    def _signed(self, call: str, params: dict[str, str]) -> str:
        query = urlencode(params)
        digest = hashlib.new(self._checksum, f"{call}{query}{self._secret}".encode())
        return f"{self._url}/{call}?{query}&checksum={digest.hexdigest()}"

    def _call(
        self, call: str, params: dict[str, str], *, missing_ok: bool = False
    ) -> ET.Element | None:
        """The SUCCESS answer to one call; ``None`` for an unknown meeting if ``missing_ok``."""
        answer = _parse(call, self._get(call, self._signed(call, params)))
        if _text(answer, "returncode") == "SUCCESS":
            return answer
        key = _text(answer, "messageKey")
        if missing_ok and key == "notFound":
            return None
        message = _text(answer, "message") or "no message"
        raise ProviderError(f"BigBlueButton refused {call} ({key or 'no messageKey'}): {message}")

    def _get(self, call: str, url: str) -> bytes:
        try:
            response = self._client.get(url)
            response.raise_for_status()
        except httpx2.HTTPStatusError as error:
            status = error.response.status_code
            raise ProviderError(f"BigBlueButton answered {call} with HTTP {status}") from error
        except httpx2.HTTPError as error:
            raise ProviderError(
                f"BigBlueButton could not be reached for {call}: {error}"
            ) from error
        return response.content


def _create_params(room: Room, minutes: int) -> dict[str, str]:
    if not 2 <= len(room.key) <= NAME_LIMIT or "," in room.key:
        raise ProviderError(f"{room.key!r} is not a BigBlueButton meeting id (2-256, no comma).")
    recording = "true" if room.recording else "false"
    return {
        "meetingID": room.key,
        "name": room.title[:NAME_LIMIT],
        "record": recording,
        "autoStartRecording": "false",
        "allowStartStopRecording": recording,
        "duration": str(minutes),
        "meta_plenum-meeting": str(room.meeting_id),
        # viewers (everyone but the chair) neither speak nor show themselves unless a
        # moderator unlocks them in BigBlueButton: the speakers' list, not the room, decides
        "lockSettingsDisableMic": "true",
        "lockSettingsDisableCam": "true",
        "lockSettingsLockOnJoin": "true",
    }


def _parse(call: str, body: bytes) -> ET.Element:
    # The answer comes from the party's own BigBlueButton server, over the URL in Plenum's
    # configuration; the standard parser resolves no external entities, and the expat of
    # Python 3.11 limits entity expansion, so defusedxml is not needed here.
    try:
        return ET.fromstring(body)  # noqa: S314  # nosec B314
    except ET.ParseError as error:
        raise ProviderError(f"BigBlueButton answered {call} with no readable XML") from error


def _text(element: ET.Element, path: str) -> str:
    return (element.findtext(path) or "").strip()
