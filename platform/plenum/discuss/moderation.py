"""Flags and moderation: members flag a comment, moderators hide, restore or dismiss,
and every step is logged with who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied, Principal
from plenum.clock import utcnow
from plenum.discuss import access
from plenum.discuss.access import Access, SpacePlace
from plenum.discuss.models import (
    Comment,
    Flag,
    ModerationAction,
    ModerationEntry,
    Thread,
    ThreadKind,
)
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.orgs.models import Member

REASON_MAX = 500


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": N_("Please give a reason.")})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": N_("A reason can have at most 500 characters.")})
    return reason


def flag(
    comment: Comment, reason: str, access: Access, *, principal: Principal, session: Session
) -> None:
    """The member asks the moderators to look at the comment (once per member)."""
    if not access.read:
        raise PermissionDenied("discussion.flag")
    reason = check_reason(reason)
    if comment.author_id == principal.member_id:
        raise DomainError(N_("You cannot flag your own comment."))
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise DomainError(N_("This comment is no longer shown."))
    try:
        with session.begin_nested():
            session.add(
                Flag(comment_id=comment.id or 0, member_id=principal.member_id, reason=reason)
            )
    except IntegrityError:
        raise DomainError(N_("You have already flagged this comment.")) from None


def _require(access: Access) -> None:
    if not access.moderate:
        raise PermissionDenied("discussion.moderate")


def _log(
    comment: Comment,
    space_id: int,
    action: ModerationAction,
    reason: str,
    principal: Principal,
    session: Session,
) -> None:
    session.add(
        ModerationEntry(
            space_id=space_id,
            comment_id=comment.id or 0,
            actor_id=principal.member_id,
            action=action,
            reason=reason,
        )
    )
    session.execute(
        update(Flag)
        .where(col(Flag.comment_id) == comment.id, col(Flag.resolved_at).is_(None))
        .values(resolved_at=utcnow())
    )


def _space_of(comment: Comment, session: Session) -> int:
    return session.get_one(Thread, comment.thread_id).space_id


def hide(
    comment: Comment, reason: str, access: Access, *, principal: Principal, session: Session
) -> None:
    """Hide the comment; its place says "hidden:" and the reason."""
    _require(access)
    reason = check_reason(reason)
    if comment.deleted_at is not None:
        raise DomainError(N_("This comment has been deleted by its author."))
    comment.hidden_at, comment.hidden_reason = utcnow(), reason
    comment.hidden_by = principal.member_id
    session.add(comment)
    _log(comment, _space_of(comment, session), ModerationAction.HIDE, reason, principal, session)
    session.flush()


def restore(
    comment: Comment, reason: str, access: Access, *, principal: Principal, session: Session
) -> None:
    _require(access)
    reason = check_reason(reason)
    if comment.hidden_at is None:
        raise DomainError(N_("This comment is not hidden."))
    comment.hidden_at, comment.hidden_reason, comment.hidden_by = None, "", None
    session.add(comment)
    _log(comment, _space_of(comment, session), ModerationAction.RESTORE, reason, principal, session)
    session.flush()


def dismiss(
    comment: Comment, reason: str, access: Access, *, principal: Principal, session: Session
) -> None:
    """The flags were looked at and the comment stays."""
    _require(access)
    reason = check_reason(reason)
    _log(comment, _space_of(comment, session), ModerationAction.DISMISS, reason, principal, session)
    session.flush()


@dataclass(frozen=True)
class Flagged:
    comment: Comment
    author: str
    reasons: list[str]


def _readable(thread_ids: set[int], principal: Principal, *, session: Session) -> set[int]:
    """Which of the space's threads the moderator may read: all topics, and the discussions
    of the motions and amendments they may see."""
    kinds = dict(
        session.exec(select(Thread.id, Thread.kind).where(col(Thread.id).in_(thread_ids))).all()
    )
    return {
        tid
        for tid in thread_ids
        if kinds.get(tid) == ThreadKind.TOPIC
        or access.thread_access(
            principal, access.thread_place(tid, session=session), session=session
        ).read
    }


def flagged(at: SpacePlace, principal: Principal, *, session: Session) -> list[Flagged]:
    """Comments of the space (its topics and its motions' discussions) with open flags,
    leaving out the discussions of motions the moderator may not see."""
    rows = session.exec(
        select(Comment, Member.display_name, Flag.reason)
        .join(Flag, col(Flag.comment_id) == Comment.id)
        .join(Thread, col(Thread.id) == Comment.thread_id)
        .join(Member, col(Member.id) == Comment.author_id)
        .where(Thread.space_id == at.space.id, col(Flag.resolved_at).is_(None))
        .order_by(col(Flag.created_at))
    ).all()
    readable = _readable({c.thread_id for c, _, _ in rows}, principal, session=session)
    found: dict[int, Flagged] = {}
    for comment, author, reason in rows:
        if comment.thread_id in readable:
            found.setdefault(comment.id or 0, Flagged(comment, author, [])).reasons.append(reason)
    return list(found.values())


def open_flags(at: SpacePlace, principal: Principal, *, session: Session) -> int:
    return len(flagged(at, principal, session=session))


@dataclass(frozen=True)
class LogEntry:
    action: str
    reason: str
    actor: str
    author: str
    comment_id: int
    thread_id: int
    seq: int
    created_at: datetime


def moderation_log(
    at: SpacePlace, principal: Principal, *, session: Session, limit: int = 200
) -> list[LogEntry]:
    """What moderators did in the space, newest first."""
    author = aliased(Member)
    rows = session.exec(
        select(ModerationEntry, Member.display_name, author.display_name, Comment)
        .join(Member, col(Member.id) == ModerationEntry.actor_id)
        .join(Comment, col(Comment.id) == ModerationEntry.comment_id)
        .join(author, col(author.id) == Comment.author_id)
        .where(ModerationEntry.space_id == at.space.id)
        .order_by(col(ModerationEntry.created_at).desc(), col(ModerationEntry.id).desc())
        .limit(limit)
    ).all()
    readable = _readable({c.thread_id for *_, c in rows}, principal, session=session)
    return [
        LogEntry(
            entry.action,
            entry.reason,
            actor,
            written_by,
            comment.id or 0,
            comment.thread_id,
            comment.seq,
            entry.created_at,
        )
        for entry, actor, written_by, comment in rows
        if comment.thread_id in readable
    ]
