"""The Janus provider: a meeting's room is a VideoRoom (pictures) and an AudioBridge
(sound, mixed on the server: one stream down whatever the number of speakers, which also
serves members who only listen or have a weak connection) on the party's own Janus.

Members never talk to Janus's API directly: their pages go through Plenum's relay
(``relay``), which fixes the room, their participant id and name, and lets only those
whose role sends publish or unmute. Plenum itself manages the rooms here with the rooms'
secret: create, destroy, mute, kick, list.

A participant's id in both rooms is ``member_id * ID_SPAN + tab`` (``tab`` from 1 to
ID_SPAN - 1, picked by the relay), so a member may have two tabs open and every id still
names its member.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

import httpx2

from plenum.video.provider import Entry, ProviderError, Room, Seat

ID_SPAN = 10_000
VIDEOROOM = "janus.plugin.videoroom"
AUDIOBRIDGE = "janus.plugin.audiobridge"
PLUGINS = (VIDEOROOM, AUDIOBRIDGE)
EXISTS = {VIDEOROOM: 427, AUDIOBRIDGE: 486}  # "room already exists"
NO_SUCH_ROOM = {VIDEOROOM: 426, AUDIOBRIDGE: 485}
NO_SUCH_PARTICIPANT = {VIDEOROOM: 428, AUDIOBRIDGE: 487}
TIMEOUT = 10.0
# The names of the m-lines a member's page may publish: each its place, as browsers name
# them (the relay refuses others), so that a speaker's every stream can be muted by name.
SENT_MIDS = ("0", "1", "2", "3")


def participant_id(member_id: int, tab: int) -> int:
    return member_id * ID_SPAN + tab


def member_of(participant: int) -> int:
    return participant // ID_SPAN


def transaction() -> str:
    return secrets.token_urlsafe(12)


class JanusApi:
    """Requests to Janus's HTTP API, one short session per call."""

    def __init__(self, url: str, client: httpx2.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.client = client or httpx2.Client(timeout=TIMEOUT)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.client.post(self.url + path, json={**body, "transaction": transaction()})
            answer.raise_for_status()
            data: dict[str, Any] = answer.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise ProviderError(f"Janus cannot be reached at {self.url}: {exc}") from exc
        if data.get("janus") == "error":
            error = data.get("error") or {}
            raise ProviderError(f"Janus refused: {error.get('reason', 'unknown error')}")
        return data

    def plugin(self, plugin: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send synchronous plugin requests over one new handle; their answers' data."""
        session = self.post("", {"janus": "create"})["data"]["id"]
        try:
            handle = self.post(f"/{session}", {"janus": "attach", "plugin": plugin})["data"]["id"]
            answers = []
            for body in bodies:
                reply = self.post(f"/{session}/{handle}", {"janus": "message", "body": body})
                answers.append(dict(reply.get("plugindata", {}).get("data", {})))
            return answers
        finally:
            with contextlib.suppress(ProviderError):  # else it times out on its own
                self.post(f"/{session}", {"janus": "destroy"})


def _refused(data: dict[str, Any], allowed: tuple[int, ...] = ()) -> None:
    code = data.get("error_code")
    if code is not None and code not in allowed:
        raise ProviderError(f"Janus refused: {data.get('error', code)}")


class Janus:
    name = "janus"

    def __init__(
        self, url: str, ice_servers: list[dict[str, Any]] | None = None, recordings: str = ""
    ) -> None:
        self.api = JanusApi(url)
        self.ice_servers = ice_servers or []
        self.recordings = recordings.rstrip("/")  # a folder on Janus's machine, or ""

    def _number(self, room: Room) -> int:
        return int(room.key)

    def prepare(self, room: Room) -> None:
        number = self._number(room)
        common = {"request": "create", "room": number, "secret": room.secret}
        common |= {"description": room.title[:100], "is_private": True, "permanent": False}
        video = common | {"publishers": 8, "videocodec": "vp8", "notify_joining": True}
        video |= {"audiocodec": "opus", "bitrate": 512_000}
        audio = common | {"sampling_rate": 16000, "audiolevel_event": False}
        if self.recordings:  # each meeting's recordings in a folder of their own
            folder = f"{self.recordings}/meeting-{room.meeting_id}"
            video["rec_dir"] = audio["record_dir"] = folder
        (made,) = self.api.plugin(VIDEOROOM, [video])
        _refused(made, (EXISTS[VIDEOROOM],))
        (made,) = self.api.plugin(AUDIOBRIDGE, [audio])
        _refused(made, (EXISTS[AUDIOBRIDGE],))

    def admit(self, room: Room, seat: Seat) -> Entry:
        config: dict[str, object] = {
            "role": seat.role.value,
            "iceServers": self.ice_servers,
        }
        return Entry(embedded=True, config=config)

    def participants(self, room: Room, plugin: str) -> list[dict[str, Any]]:
        body = {"request": "listparticipants", "room": self._number(room)}
        (found,) = self.api.plugin(plugin, [body])
        _refused(found, (NO_SUCH_ROOM[plugin],))
        return list(found.get("participants") or [])

    def set_role(self, room: Room, seat: Seat, *, final: bool = False, lift: bool = False) -> None:
        """Allow or revoke sending: the bridge mutes or unmutes the member's every tab
        (the member unmutes themselves too, after their own click). Pictures of a member
        who may no longer send stop at once (Janus's ``moderate`` of every m-line the
        relay lets a page name: nothing of them is passed on, and nobody's subscription
        changes, so the others' pages can switch to the next speaker without a new
        offer); their page then unpublishes. With ``final`` (the follower, once their
        time is up), one still publishing is put out of the video room (their page joins
        again, receiving only). With ``lift``, a member who may send again has the
        muting of their pictures lifted (they had the floor back before letting go)."""
        number = self._number(room)
        mine = [
            p["id"]
            for p in self.participants(room, AUDIOBRIDGE)
            if member_of(int(p["id"])) == seat.member_id
        ]
        verb = "unmute" if seat.role.sends else "mute"
        bodies = [{"request": verb, "room": number, "secret": room.secret, "id": i} for i in mine]
        for done in self.api.plugin(AUDIOBRIDGE, bodies) if bodies else []:
            _refused(done, (NO_SUCH_PARTICIPANT[AUDIOBRIDGE],))
        if seat.role.sends and not lift:
            return
        publishing = [
            p["id"]
            for p in self.participants(room, VIDEOROOM)
            if member_of(int(p["id"])) == seat.member_id and p.get("publisher")
        ]
        common = {"room": number, "secret": room.secret}
        if seat.role.sends:
            bodies = [
                {"request": "moderate", **common, "id": i, "mid": mid, "mute": False}
                for i in publishing
                for mid in SENT_MIDS
            ]
            for done in self.api.plugin(VIDEOROOM, bodies) if bodies else []:
                _refused(done, (NO_SUCH_PARTICIPANT[VIDEOROOM],))
            return
        out = list(publishing) if final else []
        if not final:
            bodies = [
                {"request": "moderate", **common, "id": i, "mid": mid, "mute": True}
                for i in publishing
                for mid in SENT_MIDS
            ]
            answers = self.api.plugin(VIDEOROOM, bodies) if bodies else []
            for n, done in enumerate(answers):
                _refused(done, (NO_SUCH_PARTICIPANT[VIDEOROOM],))  # also: no such stream
                if n % len(SENT_MIDS) == 0 and done.get("error_code"):
                    # a page's first m-line is "0"; a publication without one is not as
                    # the relay lets through, and cannot be muted by name: out at once
                    out.append(publishing[n // len(SENT_MIDS)])
        kicks = [{"request": "kick", **common, "id": i} for i in out]
        for done in self.api.plugin(VIDEOROOM, kicks) if kicks else []:
            _refused(done, (NO_SUCH_PARTICIPANT[VIDEOROOM],))

    def sending(self, room: Room) -> set[int]:
        unmuted = {
            member_of(int(p["id"]))
            for p in self.participants(room, AUDIOBRIDGE)
            if not p.get("muted", True)
        }
        publishing = {
            member_of(int(p["id"]))
            for p in self.participants(room, VIDEOROOM)
            if p.get("publisher")
        }
        return unmuted | publishing

    def dismiss(self, room: Room, member_id: int) -> None:
        number = self._number(room)
        for plugin in PLUGINS:
            mine = [
                p["id"]
                for p in self.participants(room, plugin)
                if member_of(int(p["id"])) == member_id
            ]
            kicks = [
                {"request": "kick", "room": number, "secret": room.secret, "id": i} for i in mine
            ]
            for done in self.api.plugin(plugin, kicks) if kicks else []:
                _refused(done, (NO_SUCH_PARTICIPANT[plugin],))

    def record(self, room: Room, on: bool) -> None:
        """Both rooms record to Janus's recordings folder (``.mjr`` files, one per
        stream, which ``janus-pp-rec`` turns into audio and video files)."""
        for plugin in PLUGINS:
            body = {"request": "enable_recording", "room": self._number(room)}
            body |= {"secret": room.secret, "record": on}
            (done,) = self.api.plugin(plugin, [body])
            _refused(done)

    def end(self, room: Room) -> None:
        for plugin in PLUGINS:
            body = {"request": "destroy", "room": self._number(room), "secret": room.secret}
            (done,) = self.api.plugin(plugin, [body])
            _refused(done, (NO_SUCH_ROOM[plugin],))

    def connected(self, room: Room) -> set[int]:
        return {member_of(int(p["id"])) for p in self.participants(room, AUDIOBRIDGE)}
