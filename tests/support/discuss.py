"""Small factories for discussions, written through the services."""

from __future__ import annotations

from sqlmodel import Session

from plenum.discuss import access, service
from plenum.discuss.models import Comment, Thread
from plenum.orgs.models import Chapter
from tests.support.motions import who


def topic(
    session: Session,
    chapter: Chapter,
    member_id: int,
    title: str = "Kinderbetreuung",
    body: str = "Wie organisieren wir das?",
) -> Thread:
    at = access.chapter_space(chapter, session=session)
    actor = who(session, member_id)
    allowed = access.space_access(actor, at)
    data = service.CommentInput(body=body)
    return service.open_topic(at, allowed, title, data, principal=actor, session=session)


def comment(
    session: Session, thread_id: int, member_id: int, body: str, **fields: int | None
) -> Comment:
    where = access.thread_place(thread_id, session=session)
    actor = who(session, member_id)
    allowed = access.thread_access(actor, where, session=session)
    data = service.CommentInput(body=body, **fields)  # type: ignore[arg-type]
    return service.post_comment(where, allowed, data, principal=actor, session=session)
