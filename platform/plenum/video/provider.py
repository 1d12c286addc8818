"""What Plenum needs from a video system, and nothing more.

A provider prepares a room for a meeting, lets one member in under their own name with a
role, changes a member's role while the meeting runs, ends the room, and says who is
connected. Providers never see a request or a database session: the service gives them a
``Room`` and a ``Seat`` and keeps what they return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class VideoRole(StrEnum):
    """A member's part in the room. Chair, speaker and interpreter may send sound and
    picture; a listener receives only."""

    CHAIR = "chair"
    SPEAKER = "speaker"
    INTERPRETER = "interpreter"
    LISTENER = "listener"

    @property
    def sends(self) -> bool:
        return self is not VideoRole.LISTENER

    @property
    def moderates(self) -> bool:
        return self is VideoRole.CHAIR


@dataclass(frozen=True)
class Room:
    """One meeting's room at the provider. ``key`` is the provider's name for it (a Janus
    room number, a BigBlueButton meeting id, a Jitsi room name); ``secret`` is Plenum's
    own secret for managing it, never shown to members."""

    meeting_id: int
    key: str
    title: str
    secret: str
    ends_at: datetime
    recording: bool = False


@dataclass(frozen=True)
class Seat:
    """One member in one room: who they are and what they may do."""

    member_id: int
    name: str
    role: VideoRole


@dataclass(frozen=True)
class Entry:
    """How a member gets in. ``url``: a personal address to open (link, BigBlueButton,
    Jitsi); ``embedded``: the room is on Plenum's own page (Janus), with ``config`` for
    the page's script. Nothing in it is shared between members."""

    url: str = ""
    embedded: bool = False
    config: dict[str, object] = field(default_factory=dict)


class ProviderError(RuntimeError):
    """The video system refused or could not be reached; the message says which."""


class VideoProvider(Protocol):
    name: str

    def prepare(self, room: Room) -> None:
        """Make the room ready (idempotent: preparing a ready room changes nothing)."""

    def admit(self, room: Room, seat: Seat) -> Entry:
        """A personal way in for one member, valid for a short time."""

    def set_role(self, room: Room, seat: Seat, *, final: bool = False, lift: bool = False) -> None:
        """The member's role changed while the meeting runs (revoke or allow sending).
        A provider that lets a page finish sending on its own (Janus: its pictures muted
        at once) puts out, with ``final``, whoever still sends when their time is up, and
        lifts, with ``lift``, the muting of one who may send again."""

    def sending(self, room: Room) -> set[int]:
        """Members the room lets send sound or pictures now (to revoke after a change)."""

    def dismiss(self, room: Room, member_id: int) -> None:
        """Put the member out of the room now (their registration was cancelled)."""

    def record(self, room: Room, on: bool) -> None:
        """Start or stop recording the room (only ever after the chair turned it on and
        everyone in the room was told)."""

    def end(self, room: Room) -> None:
        """End the room: everyone leaves, nobody gets in again."""

    def connected(self, room: Room) -> set[int]:
        """Members connected now, by member id."""
