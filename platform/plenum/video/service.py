"""Who may be in a meeting's video room, with which role, and the room's life: made at
the first join, driven by the speakers' list, ended by the chair or after the meeting.

- **Who.** Members registered for the meeting (any channel but cancelled), or every
  member of its audience when the chair opened the room to them; the chair and the
  meeting's interpreters always; only while the meeting runs (from ``EARLY`` before the
  start to its end) and until the room is ended.
- **Role.** Chair: whoever may run the meeting. Interpreter: the meeting's function.
  Speaker: the member last called on the current item's speakers' list (points of order
  included). Everyone else listens.
- **Personal.** A member's page gets a join token naming the meeting and the member,
  signed with the server's secret and valid for ``TOKEN_SECONDS``; the relay opens a
  Janus session only with it, and checks the member again on every later message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.errors import N_, DomainError
from plenum.events import announce
from plenum.meetings import presence, speakers
from plenum.meetings.access import Allowed, MeetingPlace, meeting_roles
from plenum.meetings.models import (
    MeetingRole,
    MeetingRoleKind,
    MeetingStatus,
    Mode,
    RegistrationStatus,
)
from plenum.meetings.registration import registration_of
from plenum.orgs.models import Member
from plenum.video.janus import AUDIOBRIDGE
from plenum.video.models import VideoHandle, VideoRoom, VideoSession
from plenum.video.provider import Room, Seat, VideoProvider, VideoRole

EARLY = timedelta(minutes=30)
SESSION_EVENT, PLUGIN_EVENT = 1, 64  # Janus's event types
TOKEN_SECONDS = 120
MAX_TABS = 4  # open sessions of one member in one room
MAX_HANDLES = 4  # plugin handles of one session (the page needs three)
SALT = "plenum.video.join"


@dataclass(frozen=True)
class Door:
    """Whether a member may join now, and if not, why (a message for the page)."""

    open: bool
    reason: str = ""


def running(at: MeetingPlace, room: VideoRoom | None, now: datetime | None = None) -> bool:
    meeting = at.meeting
    moment = now or utcnow()
    if meeting.status == MeetingStatus.CANCELLED or meeting.mode == Mode.IN_PERSON:
        return False
    if room is not None and room.ended_at is not None:
        return False
    return as_utc(meeting.starts_at) - EARLY <= moment <= as_utc(meeting.ends_at)


def door(
    at: MeetingPlace,
    member_id: int,
    may: Allowed,
    room: VideoRoom | None,
    *,
    session: Session,
    now: datetime | None = None,
) -> Door:
    if at.meeting.mode == Mode.IN_PERSON:
        return Door(False, N_("This meeting takes place in the hall only."))
    if not running(at, room, now):
        return Door(
            False, N_("The video room is open from 30 minutes before the start to the end.")
        )
    if may.run or MeetingRoleKind.INTERPRETER in meeting_roles(
        at.meeting.id or 0, member_id, session=session
    ):
        return Door(True)
    if not may.speak:
        return Door(False, N_("This meeting is for its audience only."))
    if room is not None and room.open_to_audience:
        return Door(True)
    mine = registration_of(at.meeting.id or 0, member_id, session=session)
    if mine is None or mine.status != RegistrationStatus.REGISTERED:
        return Door(False, N_("Register for the meeting to join its video room."))
    return Door(True)


def current_speaker(at: MeetingPlace, *, session: Session) -> int | None:
    """The member called last on the current item's list (None: nobody, or a question)."""
    item_id = at.meeting.current_item_id
    if item_id is None:
        return None
    return speakers.speaking_member(item_id, session=session)


def role_of(at: MeetingPlace, member_id: int, may: Allowed, *, session: Session) -> VideoRole:
    if may.run:
        return VideoRole.CHAIR
    if MeetingRoleKind.INTERPRETER in meeting_roles(at.meeting.id or 0, member_id, session=session):
        return VideoRole.INTERPRETER
    if current_speaker(at, session=session) == member_id:
        return VideoRole.SPEAKER
    return VideoRole.LISTENER


# --- the room ------------------------------------------------------------------------------


def room_of(meeting_id: int, *, session: Session) -> VideoRoom | None:
    return session.get(VideoRoom, meeting_id)


def _new_key(provider: str, at: MeetingPlace) -> str:
    if provider == "janus":
        return str(secrets.randbelow(2**50) + 1)  # a room number nobody guesses
    if provider == "link":
        return at.meeting.video_url
    return f"plenum-{at.meeting.id}-{secrets.token_hex(8)}"


def ensure_room(at: MeetingPlace, provider: str, *, session: Session) -> VideoRoom:
    """The meeting's room row, made once even when many members join at the same moment."""
    values = {
        "meeting_id": at.meeting.id,
        "provider": provider,
        "key": _new_key(provider, at),
        "secret": secrets.token_urlsafe(24),
        "open_to_audience": False,
        "captions_url": "",
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(VideoRoom).values(**values).on_conflict_do_nothing())
    room = session.get(VideoRoom, at.meeting.id, populate_existing=True)
    if room is None:
        raise DomainError(N_("The video room could not be made."))
    return room


def as_room(at: MeetingPlace, room: VideoRoom) -> Room:
    return Room(
        meeting_id=at.meeting.id or 0,
        key=room.key,
        title=at.meeting.title,
        secret=room.secret,
        ends_at=as_utc(at.meeting.ends_at),
        recording=room.recording_since is not None,
    )


def seat_of(at: MeetingPlace, member_id: int, may: Allowed, *, session: Session) -> Seat:
    member = session.get(Member, member_id)
    name = member.display_name if member is not None else ""
    return Seat(member_id, name, role_of(at, member_id, may, session=session))


def prepared(
    room: VideoRoom, provider: VideoProvider, at: MeetingPlace, *, session: Session
) -> None:
    """Prepare the room at the provider on every join: preparing a ready room changes
    nothing there, and a provider that restarted (and lost its rooms) gets it again."""
    provider.prepare(as_room(at, room))
    if room.prepared_at is None:
        room.prepared_at = utcnow()
        session.add(room)


def end(at: MeetingPlace, provider: VideoProvider, *, session: Session) -> None:
    room = room_of(at.meeting.id or 0, session=session)
    if room is None or room.ended_at is not None:
        raise DomainError(N_("The video room is not open."))
    room.ended_at = utcnow()
    session.add(room)
    _close_sessions(at.meeting.id or 0, session=session)
    announce(session, "meeting.video", meeting_id=at.meeting.id)
    if room.prepared_at is not None:
        provider.end(as_room(at, room))  # last: a provider that fails ends nothing here


def set_pinned(at: MeetingPlace, member_id: int | None, *, session: Session) -> None:
    room = _open_room(at, session=session)
    if member_id is not None and MeetingRoleKind.INTERPRETER not in meeting_roles(
        at.meeting.id or 0, member_id, session=session
    ):
        raise DomainError(N_("Only an interpreter of this meeting can be pinned."))
    room.pinned_member_id = member_id
    session.add(room)
    announce(session, "meeting.video", meeting_id=at.meeting.id)


def set_recording(at: MeetingPlace, on: bool, *, session: Session) -> None:
    room = _open_room(at, session=session)
    if on == (room.recording_since is not None):
        raise DomainError(N_("Recording is already on.") if on else N_("Recording is already off."))
    room.recording_since = utcnow() if on else None
    session.add(room)
    announce(session, "meeting.video", meeting_id=at.meeting.id, recording=on)


def set_open_to_audience(
    at: MeetingPlace, on: bool, captions_url: str, provider: str, *, session: Session
) -> None:
    room = ensure_room(at, provider, session=session)
    room.open_to_audience = on
    room.captions_url = captions_url
    session.add(room)
    announce(session, "meeting.video", meeting_id=at.meeting.id)


def interpreters(at: MeetingPlace, *, session: Session) -> list[tuple[int, str]]:
    """The meeting's interpreters, by name: whom the chair may pin."""
    query = (
        select(Member.id, Member.display_name)
        .join(MeetingRole, col(MeetingRole.member_id) == col(Member.id))
        .where(
            MeetingRole.meeting_id == at.meeting.id,
            MeetingRole.role == MeetingRoleKind.INTERPRETER,
        )
        .order_by(col(Member.display_name))
    )
    return [(member_id or 0, name) for member_id, name in session.exec(query)]


def _open_room(at: MeetingPlace, *, session: Session) -> VideoRoom:
    room = room_of(at.meeting.id or 0, session=session)
    if room is None or room.ended_at is not None:
        raise DomainError(N_("The video room is not open."))
    return room


# --- join tokens ---------------------------------------------------------------------------


def join_token(meeting_id: int, member_id: int, secret_key: str) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    return serializer.dumps({"m": meeting_id, "u": member_id, "n": secrets.token_hex(4)})


def token_holds(token: str, meeting_id: int, member_id: int, secret_key: str) -> bool:
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    try:
        data = serializer.loads(token, max_age=TOKEN_SECONDS)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("m") == meeting_id and data.get("u") == member_id


# --- relayed sessions and presence -----------------------------------------------------------


def open_sessions(meeting_id: int, member_id: int, *, session: Session) -> list[VideoSession]:
    query = select(VideoSession).where(
        VideoSession.meeting_id == meeting_id,
        VideoSession.member_id == member_id,
        col(VideoSession.closed_at).is_(None),
    )
    return list(session.exec(query))


def open_session(meeting_id: int, member_id: int, janus_session: int, *, session: Session) -> None:
    """Record the member's new session with the lowest tab number not in use."""
    used = {row.tab for row in open_sessions(meeting_id, member_id, session=session)}
    tab = min(set(range(1, MAX_TABS + 2)) - used)
    session.add(VideoSession(id=janus_session, meeting_id=meeting_id, member_id=member_id, tab=tab))


def handles_in(janus_session: int, *, session: Session) -> int:
    query = select(VideoHandle.id).where(VideoHandle.session_id == janus_session)
    return len(list(session.exec(query)))


def session_of(
    janus_session: int, meeting_id: int, member_id: int, *, session: Session
) -> VideoSession | None:
    """The member's own open session in this meeting (None for anyone else's)."""
    row = session.get(VideoSession, janus_session)
    if row is None or row.meeting_id != meeting_id or row.member_id != member_id or row.closed_at:
        return None
    return row


def record_handle(janus_session: int, janus_handle: int, plugin: str, *, session: Session) -> None:
    session.add(VideoHandle(id=janus_handle, session_id=janus_session, plugin=plugin))


def set_handle_kind(janus_handle: int, kind: str, *, session: Session) -> None:
    row = session.get(VideoHandle, janus_handle)
    if row is not None and row.kind != kind:
        row.kind = kind
        session.add(row)


def forget_handle(janus_handle: int, *, session: Session) -> None:
    row = session.get(VideoHandle, janus_handle)
    if row is not None:
        session.delete(row)


def handle_of(janus_session: int, janus_handle: int, *, session: Session) -> VideoHandle | None:
    row = session.get(VideoHandle, janus_handle)
    return row if row is not None and row.session_id == janus_session else None


def _close_sessions(
    meeting_id: int, *, session: Session, member_id: int | None = None
) -> list[int]:
    query = select(VideoSession.id).where(
        VideoSession.meeting_id == meeting_id, col(VideoSession.closed_at).is_(None)
    )
    if member_id is not None:
        query = query.where(VideoSession.member_id == member_id)
    ids = list(session.exec(query))
    if ids:
        session.execute(
            update(VideoSession)
            .where(col(VideoSession.id).in_(ids))
            .values(closed_at=utcnow(), joined_at=None)
        )
    return ids


def leave_all(meeting_id: int, member_id: int, *, session: Session) -> list[int]:
    """The member may no longer be in the room (registration cancelled): their sessions
    are closed here; the caller destroys them at Janus."""
    return _close_sessions(meeting_id, session=session, member_id=member_id)


def heard(kind: str, janus_session: int, *, session: Session) -> int | None:
    """Janus said a relayed session joined the room's audio ("joined"), left it ("left"),
    or ended ("closed"): the member counts as present while joined. The meeting's id."""
    row = session.get(VideoSession, janus_session)
    if row is None:
        return None
    if kind == "joined" and row.closed_at is None:
        row.joined_at = row.joined_at or utcnow()
        presence.seen_online(row.meeting_id, [row.member_id], session=session)
    elif kind == "left":
        row.joined_at = None
    elif kind == "closed":
        row.joined_at, row.closed_at = None, row.closed_at or utcnow()
    session.add(row)
    announce(session, "meeting.presence", meeting_id=row.meeting_id)
    return row.meeting_id


def members_in(meeting_id: int, *, session: Session) -> set[int]:
    """Members with an open relayed session in the meeting's room."""
    query = select(VideoSession.member_id).where(
        VideoSession.meeting_id == meeting_id, col(VideoSession.closed_at).is_(None)
    )
    return set(session.exec(query))


def joined(session: Session) -> dict[int, list[int]]:
    """Members in a video room now, by meeting: present while they are (the live room's
    heartbeat writes them with its own)."""
    query = select(VideoSession.meeting_id, VideoSession.member_id).where(
        col(VideoSession.joined_at).is_not(None), col(VideoSession.closed_at).is_(None)
    )
    found: dict[int, list[int]] = {}
    for meeting_id, member_id in session.exec(query):
        found.setdefault(meeting_id, []).append(member_id)
    return found


def events_of(posted: list[Any]) -> list[tuple[str, int]]:
    """What Janus's event handler reported that Plenum cares for: a session joined or left
    the audio bridge, or a session ended, as (kind, Janus session id)."""
    found: list[tuple[str, int]] = []
    for item in posted:
        if not isinstance(item, dict) or not isinstance(item.get("session_id"), int):
            continue
        event = item.get("event")
        if not isinstance(event, dict):
            continue
        if item.get("type") == SESSION_EVENT and event.get("name") in ("destroyed", "timeout"):
            found.append(("closed", item["session_id"]))
        elif item.get("type") == PLUGIN_EVENT and event.get("plugin") == AUDIOBRIDGE:
            data = event.get("data")
            what = data.get("event") if isinstance(data, dict) else None
            if what in ("joined", "left", "kicked"):
                found.append(("joined" if what == "joined" else "left", item["session_id"]))
    return found
