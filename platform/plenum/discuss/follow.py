"""Following the discussion of one's own motion or amendment, made on first use.

Kept free of the motion services, so that they can call it when a member proposes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from plenum.discuss.models import Space, Subscription, Thread, ThreadKind


def space_for(key: str, chapter_id: int, body_id: int | None, *, session: Session) -> Space:
    """The space with ``key`` ("chapter:12", "body:5"), made on first use."""
    found = session.exec(select(Space).where(Space.key == key)).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            space = Space(key=key, chapter_id=chapter_id, body_id=body_id)
            session.add(space)
    except IntegrityError:  # made at the same moment by another request
        return session.exec(select(Space).where(Space.key == key)).one()
    return space


def chapter_space_for(chapter_id: int, *, session: Session) -> Space:
    return space_for(f"chapter:{chapter_id}", chapter_id, None, session=session)


def thread_for(
    chapter_id: int,
    *,
    session: Session,
    motion_id: int | None = None,
    amendment_id: int | None = None,
) -> Thread:
    """The discussion thread of a motion or an amendment, made on first use."""

    def query() -> SelectOfScalar[Thread]:
        if amendment_id is not None:
            return select(Thread).where(Thread.amendment_id == amendment_id)
        return select(Thread).where(Thread.motion_id == motion_id)

    found = session.exec(query()).first()
    if found is not None:
        return found
    space = chapter_space_for(chapter_id, session=session)
    kind = ThreadKind.AMENDMENT if amendment_id is not None else ThreadKind.MOTION
    thread = Thread(
        space_id=space.id or 0, kind=kind, motion_id=motion_id, amendment_id=amendment_id
    )
    return _insert_or_get(thread, query, session=session)


def _insert_or_get(
    thread: Thread, query: Callable[[], SelectOfScalar[Thread]], *, session: Session
) -> Thread:
    try:
        with session.begin_nested():
            session.add(thread)
    except IntegrityError:  # made at the same moment by another request
        return session.exec(query()).one()
    return thread


def follow_proposal(
    member_ids: Iterable[int],
    chapter_id: int,
    *,
    session: Session,
    motion_id: int | None = None,
    amendment_id: int | None = None,
) -> None:
    """The proposers follow the discussion of what they proposed (no commit)."""
    thread = thread_for(chapter_id, session=session, motion_id=motion_id, amendment_id=amendment_id)
    following = set(
        session.exec(select(Subscription.member_id).where(Subscription.thread_id == thread.id))
    )
    for member_id in sorted(set(member_ids) - following):
        session.add(Subscription(member_id=member_id, thread_id=thread.id))
