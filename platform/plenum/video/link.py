"""The link provider: the meeting's own video address (an outside system), shown to the
members who may join. Nothing is prepared, changed or ended; presence comes from the live
room page only."""

from __future__ import annotations

from plenum.video.provider import Entry, ProviderError, Room, Seat


class Link:
    name = "link"

    def prepare(self, room: Room) -> None:
        if not room.key:
            raise ProviderError("This meeting has no video address.")

    def admit(self, room: Room, seat: Seat) -> Entry:
        return Entry(url=room.key)

    def set_role(self, room: Room, seat: Seat, *, final: bool = False, lift: bool = False) -> None:
        """Roles live in the outside system."""

    def sending(self, room: Room) -> set[int]:
        return set()

    def dismiss(self, room: Room, member_id: int) -> None:
        """The outside system knows nobody by member."""

    def record(self, room: Room, on: bool) -> None:
        """The outside system records only by its own controls."""

    def end(self, room: Room) -> None:
        """The outside system ends its own rooms."""

    def connected(self, room: Room) -> set[int]:
        return set()
