"""Who may see and do what at one meeting.

A meeting is asked about on its own scope: its body's, or its chapter's. Being in the
meeting's audience and the functions given for that meeting alone (chair, desk,
minute-taker) are added to the member's grants as pseudo-roles on that scope, so every
question goes through ``auth.permissions`` and its tested table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlmodel import Session, col, select

from plenum.auth.permissions import (
    AUDIENCE,
    DESK,
    MEETING_CHAIR,
    MINUTE_TAKER,
    Action,
    Grant,
    Principal,
    Scope,
    may,
)
from plenum.errors import N_, NotFound
from plenum.meetings.models import Audience, Meeting, MeetingRole, MeetingRoleKind
from plenum.orgs.models import Body, Chapter
from plenum.orgs.service import body_scope, chapter_scope

NO_SUCH_MEETING = N_("This meeting does not exist.")
PSEUDO_ROLE = {
    MeetingRoleKind.CHAIR: MEETING_CHAIR,
    MeetingRoleKind.DESK: DESK,
    MeetingRoleKind.MINUTES: MINUTE_TAKER,
}


@dataclass(frozen=True)
class MeetingPlace:
    """A meeting with the chapter and body it belongs to."""

    meeting: Meeting
    chapter: Chapter
    body: Body | None

    @property
    def scope(self) -> Scope:
        if self.body is not None:
            return body_scope(self.body, self.chapter)
        return chapter_scope(self.chapter)


def place_of(meeting: Meeting, *, session: Session) -> MeetingPlace:
    chapter = session.get(Chapter, meeting.chapter_id)
    body = session.get(Body, meeting.body_id) if meeting.body_id is not None else None
    if chapter is None:
        raise NotFound(NO_SUCH_MEETING)
    return MeetingPlace(meeting, chapter, body)


def meeting_place(meeting_id: int, *, session: Session, lock: bool = False) -> MeetingPlace:
    """The meeting ``meeting_id`` (locked for the rest of the transaction on PostgreSQL
    when ``lock``: registrations count seats under it)."""
    query = select(Meeting).where(Meeting.id == meeting_id)
    found = session.exec(query.with_for_update() if lock else query).first()
    if found is None:
        raise NotFound(NO_SUCH_MEETING)
    return place_of(found, session=session)


def in_audience(principal: Principal | None, at: MeetingPlace) -> bool:
    """Whether the member is one of those the meeting is for."""
    audience = at.meeting.audience
    seats = at.body is not None and audience in (Audience.BODY, Audience.BOTH)
    if seats and may(principal, Action.VIEW_BODY_INTERNAL, at.scope):
        return True
    if at.body is None or audience in (Audience.CHAPTER, Audience.BOTH):
        return may(principal, Action.PARTICIPATE_IN_CHAPTER, chapter_scope(at.chapter))
    return False


def meeting_roles(meeting_id: int, member_id: int, *, session: Session) -> set[str]:
    query = select(MeetingRole.role).where(
        MeetingRole.meeting_id == meeting_id, MeetingRole.member_id == member_id
    )
    return set(session.exec(query).all())


def roles_at(
    meeting_ids: Iterable[int], member_id: int, *, session: Session
) -> dict[int, set[str]]:
    """The member's functions at each of these meetings, in one query."""
    found: dict[int, set[str]] = {meeting_id: set() for meeting_id in meeting_ids}
    if not found:
        return found
    query = select(MeetingRole.meeting_id, MeetingRole.role).where(
        col(MeetingRole.meeting_id).in_(list(found)), MeetingRole.member_id == member_id
    )
    for meeting_id, role in session.exec(query):
        found[meeting_id].add(role)
    return found


def at_meeting(
    principal: Principal | None,
    at: MeetingPlace,
    *,
    session: Session,
    roles: set[str] | None = None,
) -> Principal | None:
    """The member's grants with the pseudo-roles they hold at this meeting (``roles``:
    their functions there, when already read)."""
    if principal is None:
        return None
    scope = at.scope
    extra = [AUDIENCE] if in_audience(principal, at) else []
    if roles is None:
        roles = meeting_roles(at.meeting.id or 0, principal.member_id, session=session)
    for role in sorted(roles):
        if role in PSEUDO_ROLE:
            extra.append(PSEUDO_ROLE[MeetingRoleKind(role)])
    grants = tuple(Grant(role, scope.chapter_path, scope.body_id) for role in extra)
    return replace(principal, grants=(*principal.grants, *grants))


@dataclass(frozen=True)
class Allowed:
    """What the member may do at one meeting, asked once per page."""

    view: bool
    manage: bool
    run: bool
    desk: bool
    minutes: bool
    needs: bool
    register: bool
    live: bool
    speak: bool


def allowed(
    principal: Principal | None,
    at: MeetingPlace,
    *,
    session: Session,
    roles: set[str] | None = None,
) -> Allowed:
    here = at_meeting(principal, at, session=session, roles=roles)
    scope = at.scope
    return Allowed(
        view=may(here, Action.VIEW_MEETING, scope),
        manage=may(here, Action.MANAGE_MEETINGS, scope),
        run=may(here, Action.RUN_MEETING, scope),
        desk=may(here, Action.MEETING_DESK, scope),
        minutes=may(here, Action.TAKE_MINUTES, scope),
        needs=may(here, Action.SEE_NEEDS, scope),
        register=may(here, Action.REGISTER, scope),
        live=may(here, Action.ENTER_LIVE_ROOM, scope),
        speak=may(here, Action.ASK_TO_SPEAK, scope),
    )


def viewable(
    principal: Principal, places: Sequence[MeetingPlace], *, session: Session
) -> list[MeetingPlace]:
    """Those of ``places`` the member may see; their functions read in one query."""
    roles = roles_at((at.meeting.id or 0 for at in places), principal.member_id, session=session)
    return [
        at
        for at in places
        if allowed(principal, at, session=session, roles=roles[at.meeting.id or 0]).view
    ]
