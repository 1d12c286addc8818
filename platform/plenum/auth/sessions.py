"""Sessions kept on the server: begun at login, ended at logout or by someone else.

The signed cookie says who is logged in; the ``member_session`` row says that the
session is still valid. A session ends when its row is deleted: at logout, by "log out
everywhere", by office staff, by the operator, and when a member is removed from the
party. The row is read in the same statement that loads the member on every request
(``session_member``), and the ballot box joins it into the statement that records who
has voted; no copy is kept anywhere, so an ended session fails at once, on every
instance that shares the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func
from sqlmodel import Session, col, or_, select

from plenum.auth.models import MemberSession
from plenum.clock import utcnow
from plenum.errors import N_, NotFound
from plenum.orgs.models import Member


def begin(member_id: int, session_id: str, *, max_age: timedelta, session: Session) -> None:
    """Record the session ``session_id`` of ``member_id`` just logged in, and forget the
    member's sessions older than ``max_age`` (their cookies have expired anyway)."""
    session.exec(
        delete(MemberSession).where(
            col(MemberSession.member_id) == member_id,
            col(MemberSession.created_at) < utcnow() - max_age,
        )
    )
    session.add(MemberSession(id=session_id, member_id=member_id))
    session.flush()


# Built once: this statement runs on every logged-in request.
_SESSION_MEMBER = (
    select(Member)
    .join(MemberSession, col(MemberSession.member_id) == Member.id)
    .where(
        col(Member.id) == bindparam("member_id"),
        col(MemberSession.id) == bindparam("session_id"),
        col(Member.removed_at).is_(None),
    )
)


def session_member(member_id: int, session_id: str, *, session: Session) -> Member | None:
    """The member of a valid session, in one statement: None if the session was ended,
    belongs to another member or the member was removed from the party."""
    return session.exec(
        _SESSION_MEMBER, params={"member_id": member_id, "session_id": session_id}
    ).first()


def end(session_id: str, *, session: Session) -> None:
    """End one session (logout)."""
    session.exec(delete(MemberSession).where(col(MemberSession.id) == session_id))
    session.flush()


def end_all(member_id: int, *, session: Session) -> int:
    """End every session of the member; how many there were."""
    result = session.exec(delete(MemberSession).where(col(MemberSession.member_id) == member_id))
    session.flush()
    return int(result.rowcount)


def count_open(member_id: int, *, session: Session) -> int:
    """How many sessions the member has open (ended ones are gone)."""
    query = select(func.count()).where(MemberSession.member_id == member_id)
    return int(session.exec(query).one())


def opened_at(member_id: int, *, session: Session) -> list[datetime]:
    """When each of the member's open sessions began, oldest first (for their data
    export; the ids are not given out)."""
    query = (
        select(MemberSession.created_at)
        .where(MemberSession.member_id == member_id)
        .order_by(col(MemberSession.created_at))
    )
    return list(session.exec(query).all())


def find_member(reference: str, *, session: Session) -> Member:
    """The member with this member number or identity-provider subject."""
    reference = reference.strip()
    found = session.exec(
        select(Member)
        .where(or_(Member.member_number == reference, Member.subject == reference))
        .order_by(col(Member.id))
    ).all()
    if not reference or len(found) != 1:
        raise NotFound(N_("Member not found."))
    return found[0]


def remove_member(member_id: int, *, session: Session) -> int:
    """Mark the member as removed from the party: later logins are refused and every
    session ends now. How many sessions were ended."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(N_("Member not found."))
    if member.removed_at is None:
        member.removed_at = utcnow()
        session.add(member)
    return end_all(member_id, session=session)
