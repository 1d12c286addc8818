"""What members do in discussions: open topics, comment, reply, quote, agree, read, follow.

Comments are numbered per thread (``seq``) in the order written. What a member has read
is one number per thread, so unread counts are a subtraction, and a thread page needs
the same few statements however long the thread is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied, Principal
from plenum.clock import as_utc, utcnow
from plenum.db import changed_rows, insert_or_nothing
from plenum.discuss import access
from plenum.discuss.access import Access, SpacePlace, ThreadPlace
from plenum.discuss.models import (
    Comment,
    Flag,
    ModerationEntry,
    Reaction,
    ReadMark,
    Subscription,
    Thread,
    ThreadKind,
)
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.mail.notices import notice_followers
from plenum.motions import lines
from plenum.motions import service as motions
from plenum.notify.service import mark_read_under
from plenum.orgs.models import Member
from plenum.parsing import parse_int

TITLE_MAX = 200
BODY_MAX = 10_000
EDIT_WINDOW = timedelta(minutes=30)
PAGE_SIZE = 50  # top-level comments per page, each with its replies
DUPLICATE_WINDOW = timedelta(minutes=10)

# A Markdown link or autolink whose address has a scheme other than http(s) or mailto.
_UNSAFE_LINK = re.compile(
    r"\]\(\s*<?\s*(?!https?:|mailto:)[a-z][\w+.-]*:"
    r"|<(?!https?:|mailto:)[a-z][\w+.-]{1,31}:[^>\s]*>"
    r"|^\s{0,3}\[[^\]]+\]:\s*<?(?!https?:|mailto:)[a-z][\w+.-]*:",
    re.IGNORECASE | re.MULTILINE,
)


# --- reading input --------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentInput:
    body: str
    key: str = ""  # the form's idempotency key
    reply_to: int | None = None
    quote_first: int | None = None
    quote_last: int | None = None


def check_body(body: str, name: str = "body") -> dict[str, str]:
    if not body.strip():
        return {name: N_("Please write something.")}
    if len(body) > BODY_MAX:
        return {name: N_("A comment can have at most 10,000 characters.")}
    if _UNSAFE_LINK.search(body):
        return {name: N_("Links may only point to http, https or mailto addresses.")}
    return {}


def _number(raw: str) -> int | None:
    return parse_int(raw, high=99_999_999)


def parse_comment(values: dict[str, str]) -> CommentInput:
    """The comment form read; ValidationFailed with a message per field."""
    errors = check_body(values.get("body", ""))
    first, last = _number(values.get("quote_first", "")), _number(values.get("quote_last", ""))
    if values.get("quote_first", "") and first is None:
        errors["quote_first"] = N_("Please give a line number.")
    if values.get("quote_last", "") and last is None:
        errors["quote_last"] = N_("Please give a line number.")
    if last is not None and first is None and "quote_first" not in errors:
        errors["quote_first"] = N_("Please give the first line of the quote.")
    if first is not None and last is not None and last < first:
        errors["quote_last"] = N_("The last line cannot come before the first.")
    if errors:
        raise ValidationFailed(errors)
    return CommentInput(
        body=values["body"],
        key=values.get("key", "")[:64],
        reply_to=_number(values.get("reply_to", "")),
        quote_first=first,
        quote_last=last if last is not None else first,
    )


def parse_topic(values: dict[str, str]) -> tuple[str, CommentInput]:
    errors: dict[str, str] = {}
    title = values.get("title", "").strip()
    if not title:
        errors["title"] = N_("Please give the topic a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = N_("A title can have at most 200 characters.")
    errors.update(check_body(values.get("body", "")))
    if errors:
        raise ValidationFailed(errors)
    return title, CommentInput(body=values["body"], key=values.get("key", "")[:64])


# --- writing ----------------------------------------------------------------------------------


def open_topic(
    at: SpacePlace,
    access: Access,
    title: str,
    data: CommentInput,
    *,
    principal: Principal,
    session: Session,
) -> Thread:
    """A new topic in the space with its first comment; a repeated submit opens none."""
    if not access.write:
        raise PermissionDenied("discussion.open_topic")
    if data.key:
        earlier = session.exec(
            select(Thread).where(
                Thread.created_by == principal.member_id, Thread.idempotency_key == data.key
            )
        ).first()
        if earlier is not None:
            return earlier
    thread = Thread(
        space_id=at.space.id or 0,
        kind=ThreadKind.TOPIC,
        title=title,
        created_by=principal.member_id,
        idempotency_key=data.key or None,
    )
    try:
        with session.begin_nested():
            session.add(thread)
    except IntegrityError:  # the same form, sent at the same moment
        return session.exec(
            select(Thread).where(
                Thread.created_by == principal.member_id, Thread.idempotency_key == data.key
            )
        ).one()
    where = ThreadPlace(thread, at)
    post_comment(where, access, data, principal=principal, session=session)
    return thread


def quote_of(where: ThreadPlace, first: int, last: int, *, session: Session) -> str:
    """The text of lines ``first``–``last`` of the motion discussed; a DomainError when the
    thread discusses no motion or the lines do not exist."""
    layout = discussed_layout(where, session=session)
    if layout is None:
        raise ValidationFailed({"quote_first": N_("Only a motion's discussion can quote lines.")})
    if first < 1 or last > layout.line_count:
        raise ValidationFailed({"quote_first": N_("The motion has no such lines.")})
    return "\n".join(line.text for line in layout.lines if first <= line.number <= last)


def discussed_layout(where: ThreadPlace, *, session: Session) -> lines.Layout | None:
    """The numbered text the thread discusses: the motion as it reads now (for an
    amendment, the version it amends)."""
    if where.motion is None:
        return None
    if where.amendment is not None:
        base = motions.versions_by_id({where.amendment.amendment.base_version_id}, session=session)
        version = base.get(where.amendment.amendment.base_version_id)
        return motions.version_layout(version) if version else None
    mp = where.motion
    version = motions.current_version(mp.motion, session=session)
    if version is not None:
        return motions.version_layout(version)
    return lines.layout(mp.motion.text, mp.place.call.line_length)


def post_comment(
    where: ThreadPlace,
    access: Access,
    data: CommentInput,
    *,
    principal: Principal,
    session: Session,
) -> Comment:
    """Add the member's comment; the same form sent twice (or the same text again within
    minutes) stores one comment. The member then follows the thread."""
    if not access.write:
        raise PermissionDenied("discussion.comment")
    thread = where.thread
    if thread.closes_at is not None and utcnow() >= as_utc(thread.closes_at):
        raise DomainError(N_("This discussion is closed for comments."))
    thread_id = thread.id or 0
    earlier = earlier_copy(thread_id, data, principal.member_id, session=session)
    if earlier is not None:
        return earlier
    parent_id, reply_to = _reply_target(thread_id, data.reply_to, session=session)
    quote = ""
    if data.quote_first is not None:
        quote = quote_of(
            where, data.quote_first, data.quote_last or data.quote_first, session=session
        )
    try:
        with session.begin_nested():
            comment = _insert_comment(
                thread_id, data, principal, parent_id, reply_to, quote, session
            )
    except IntegrityError:  # the same form, sent at the same moment
        again = earlier_copy(thread_id, data, principal.member_id, session=session)
        if again is None:
            raise
        return again
    seq = comment.seq
    announce(session, "comment.posted", thread_id=thread_id, comment_id=comment.id, seq=seq)
    if read_upto(principal.member_id, thread_id, session=session) == seq - 1:
        _mark(principal.member_id, thread_id, seq, session=session)  # nothing else unread
    follow_thread(principal.member_id, thread_id, session=session)
    _tell_followers(where, comment, principal, session=session)
    session.flush()
    session.refresh(thread)
    return comment


def _insert_comment(
    thread_id: int,
    data: CommentInput,
    principal: Principal,
    parent_id: int | None,
    reply_to: int | None,
    quote: str,
    session: Session,
) -> Comment:
    """Take the thread's next number and store the comment under it."""
    now = utcnow()
    seq = session.execute(
        update(Thread)
        .where(col(Thread.id) == thread_id)
        .values(
            last_seq=Thread.last_seq + 1,
            comment_count=Thread.comment_count + 1,
            last_activity_at=now,
        )
        .returning(col(Thread.last_seq))
    ).scalar_one_or_none()
    if seq is None:  # its author deleted the topic a moment ago
        raise NotFound(N_("This topic has been deleted."))
    comment = Comment(
        thread_id=thread_id,
        seq=seq,
        author_id=principal.member_id,
        parent_id=parent_id,
        reply_to_id=reply_to,
        body=data.body,
        quote_first=data.quote_first if quote else None,
        quote_last=(data.quote_last or data.quote_first) if quote else None,
        quote_text=quote,
        idempotency_key=data.key or None,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return comment


def earlier_copy(
    thread_id: int, data: CommentInput, member_id: int, *, session: Session
) -> Comment | None:
    query = select(Comment).where(Comment.author_id == member_id)
    if data.key:
        found = session.exec(query.where(Comment.idempotency_key == data.key)).first()
        if found is not None:
            return found
    # The same text to the same comment within minutes: the form sent again from another tab.
    answered = col(Comment.reply_to_id)
    same_answer = answered.is_(None) if data.reply_to is None else answered == data.reply_to
    quoted = col(Comment.quote_first)
    same_quote = quoted.is_(None) if data.quote_first is None else quoted == data.quote_first
    since = utcnow() - DUPLICATE_WINDOW
    return session.exec(
        query.where(
            Comment.thread_id == thread_id,
            Comment.body == data.body,
            same_answer,
            same_quote,
            col(Comment.deleted_at).is_(None),
            col(Comment.created_at) >= since,
        )
    ).first()


def _reply_target(
    thread_id: int, reply_to: int | None, *, session: Session
) -> tuple[int | None, int | None]:
    """(the top-level comment to show the reply under, the comment answered)."""
    if reply_to is None:
        return None, None
    target = session.get(Comment, reply_to)
    if target is None or target.thread_id != thread_id:
        raise DomainError(N_("The comment you answer does not exist."))
    return (target.parent_id or target.id), target.id


def _tell_followers(
    where: ThreadPlace, comment: Comment, principal: Principal, *, session: Session
) -> None:
    thread = where.thread
    followers = session.exec(
        select(Subscription.member_id).where(
            (col(Subscription.thread_id) == thread.id)
            | (col(Subscription.space_id) == thread.space_id)
            if thread.kind == ThreadKind.TOPIC
            else col(Subscription.thread_id) == thread.id
        )
    ).all()
    readers = access.readers(set(followers) - {principal.member_id}, where, session=session)
    author = session.get(Member, principal.member_id)
    notice_followers(
        readers,
        N_("New comment by %(name)s in “%(title)s”"),
        url=f"/threads/{thread.id}#c{comment.seq}",
        group=f"/threads/{thread.id}#",
        session=session,
        name=author.display_name if author else "",
        title=where.title,
    )


def may_edit(comment: Comment, principal: Principal | None, now: datetime | None = None) -> bool:
    return (
        principal is not None
        and comment.author_id == principal.member_id
        and comment.deleted_at is None
        and comment.hidden_at is None
        and (now or utcnow()) - as_utc(comment.created_at) <= EDIT_WINDOW
    )


def edit_comment(comment: Comment, body: str, *, principal: Principal, session: Session) -> Comment:
    if not may_edit(comment, principal):
        raise DomainError(N_("A comment can only be edited by its author, within 30 minutes."))
    errors = check_body(body)
    if errors:
        raise ValidationFailed(errors)
    if body != comment.body:
        comment.body = body
        comment.edited_at = utcnow()
        session.add(comment)
        session.flush()
    return comment


def delete_comment(comment: Comment, *, principal: Principal, session: Session) -> None:
    """The author takes their comment back; a placeholder keeps the replies in place.
    Deleting twice (or twenty times at once) deletes once and counts once."""
    if comment.author_id != principal.member_id:
        raise PermissionDenied("discussion.delete")
    now = utcnow()
    claimed = session.execute(
        update(Comment)
        .where(
            col(Comment.id) == comment.id,
            col(Comment.deleted_at).is_(None),
            col(Comment.hidden_at).is_(None),
        )
        .values(deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed_rows(claimed) != 1:
        session.refresh(comment)
        if comment.deleted_at is None and comment.hidden_at is not None:
            raise DomainError(N_("A hidden comment cannot be deleted."))
        return  # deleted already
    comment.deleted_at, comment.body, comment.quote_text = now, "", ""
    session.add(comment)  # through the ORM, so the search index forgets the text
    _count(Thread, Thread.comment_count, comment.thread_id, -1, session=session)


def may_delete_topic(where: ThreadPlace, principal: Principal | None) -> bool:
    """Whether the page offers to delete the topic: only to the member who opened it,
    and not for a discussion that closes at a set time (the one of a meeting's published
    minutes belongs to the minutes). Whether it may go is decided when asked."""
    thread = where.thread
    return (
        principal is not None
        and thread.kind == ThreadKind.TOPIC
        and thread.closes_at is None
        and thread.created_by == principal.member_id
    )


def delete_topic(where: ThreadPlace, *, principal: Principal, session: Session) -> bool:
    """The member who opened a topic deletes it, with its comments, while nobody else
    has written in it and no moderator has acted on it; False when it was gone already.
    The thread's row is locked first, so a reply that comes at the same moment either
    lands before (and the topic stays) or finds the topic gone."""
    if not may_delete_topic(where, principal):
        raise PermissionDenied("discussion.delete_topic")
    thread_id = where.thread.id or 0
    locked = session.exec(select(Thread).where(Thread.id == thread_id).with_for_update()).first()
    if locked is None:
        return False
    ours = select(col(Comment.id)).where(Comment.thread_id == thread_id)
    others = session.exec(
        select(func.count())
        .select_from(Comment)
        .where(Comment.thread_id == thread_id, Comment.author_id != principal.member_id)
    ).one()
    if others:
        raise DomainError(
            N_("Others have written in this topic, so it stays. You can delete your own comments.")
        )
    moderated = session.exec(
        select(func.count())
        .select_from(ModerationEntry)
        .where(col(ModerationEntry.comment_id).in_(ours))
    ).one()
    if moderated:
        raise DomainError(N_("A moderator has acted in this topic, so it stays."))
    session.execute(delete(Reaction).where(col(Reaction.comment_id).in_(ours)))
    session.execute(delete(Flag).where(col(Flag.comment_id).in_(ours)))
    session.execute(delete(ReadMark).where(col(ReadMark.thread_id) == thread_id))
    session.execute(delete(Subscription).where(col(Subscription.thread_id) == thread_id))
    session.execute(  # replies point at earlier comments: loosen that before deleting
        update(Comment)
        .where(col(Comment.thread_id) == thread_id)
        .values(parent_id=None, reply_to_id=None)
        .execution_options(synchronize_session=False)
    )
    for comment in session.exec(select(Comment).where(Comment.thread_id == thread_id)):
        session.delete(comment)  # through the ORM, so the search index forgets them
    session.flush()
    session.delete(locked)
    session.flush()
    announce(session, "topic.deleted", thread_id=thread_id)
    return True


def set_agreement(comment: Comment, agree: bool, *, principal: Principal, session: Session) -> bool:
    """Agree with a comment, or take the agreement back; True when the member now agrees.
    The same request sent twice has one effect, and the count follows the rows."""
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise DomainError(N_("This comment can no longer be agreed with."))
    if comment.author_id == principal.member_id:
        raise DomainError(N_("You cannot agree with your own comment."))
    comment_id = comment.id or 0
    if agree:
        if insert_or_nothing(
            session,
            Reaction,
            comment_id=comment_id,
            member_id=principal.member_id,
            created_at=utcnow(),
        ):
            _count(Comment, Comment.agree_count, comment_id, +1, session=session)
        return True
    taken = session.execute(
        delete(Reaction).where(
            col(Reaction.comment_id) == comment_id, col(Reaction.member_id) == principal.member_id
        )
    )
    if changed_rows(taken):
        _count(Comment, Comment.agree_count, comment_id, -1, session=session)
    return False


def _count(model: Any, column: Any, row_id: int, step: int, *, session: Session) -> None:
    """Add ``step`` to a kept count in one statement that never goes below zero."""
    guard = [col(model.id) == row_id]
    if step < 0:
        guard.append(column >= -step)
    session.execute(
        update(model)
        .where(*guard)
        .values({column: column + step})
        .execution_options(synchronize_session=False)
    )


# --- reading a thread -------------------------------------------------------------------------


@dataclass
class Shown:
    """A comment as the page shows it."""

    comment: Comment
    author: str
    reply_to_seq: int | None = None  # the comment answered, when not the one shown above
    reply_to_author: str = ""
    unread: bool = False
    agreed: bool = False
    replies: list[Shown] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadPage:
    comments: list[Shown]
    page: int
    pages: int
    first_unread: int | None  # seq of the first comment the member has not read
    read_before: int  # what the member had read before this visit


def top_level_count(thread_id: int, *, session: Session) -> int:
    return int(
        session.exec(
            select(func.count()).where(
                Comment.thread_id == thread_id, col(Comment.parent_id).is_(None)
            )
        ).one()
    )


def read_upto(member_id: int, thread_id: int, *, session: Session) -> int:
    found = session.exec(
        select(ReadMark.last_seq).where(
            ReadMark.member_id == member_id, ReadMark.thread_id == thread_id
        )
    ).first()
    return int(found or 0)


def page_of(thread: Thread, seq: int, *, session: Session) -> int:
    """The page that shows comment ``seq`` (under its top-level comment)."""
    found = session.exec(
        select(Comment.seq, Comment.parent_id).where(
            Comment.thread_id == thread.id, Comment.seq == seq
        )
    ).first()
    if found is None:
        return 1
    top_seq, parent_id = found
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        top_seq = parent.seq if parent else top_seq
    before = session.exec(
        select(func.count()).where(
            Comment.thread_id == thread.id,
            col(Comment.parent_id).is_(None),
            Comment.seq < top_seq,
        )
    ).one()
    return int(before) // PAGE_SIZE + 1


# Aliases made once: building them per request costs more than the queries that use them.
_PARENT = aliased(Comment, name="parent")
_ANSWERED = aliased(Comment, name="answered")
_ANSWERED_AUTHOR = aliased(Member, name="answered_author")


def page_of_first_unread(thread: Thread, read: int, total: int, *, session: Session) -> int:
    """The page with the first comment after ``read``; the last page when all is read.
    Always two statements, so a thread page costs the same whatever was read."""
    top_seq = session.exec(
        select(func.coalesce(_PARENT.seq, Comment.seq))
        .select_from(Comment)
        .outerjoin(_PARENT, col(_PARENT.id) == Comment.parent_id)
        .where(Comment.thread_id == thread.id, Comment.seq > read)
        .order_by(col(Comment.seq))
        .limit(1)
    ).first()
    bound = thread.last_seq + 1 if top_seq is None else top_seq
    before = int(
        session.exec(
            select(func.count()).where(
                Comment.thread_id == thread.id,
                col(Comment.parent_id).is_(None),
                Comment.seq < bound,
            )
        ).one()
    )
    if top_seq is None:
        return max(1, -(-total // PAGE_SIZE))
    return before // PAGE_SIZE + 1


def thread_page(
    thread: Thread, *, principal: Principal, session: Session, page: int | None = None
) -> ThreadPage:
    """One page of the thread, top-level comments in order with their replies, read in a
    fixed number of statements; the page read is marked read."""
    thread_id = thread.id or 0
    read = read_upto(principal.member_id, thread_id, session=session)
    total = top_level_count(thread_id, session=session)
    pages = max(1, -(-total // PAGE_SIZE))
    first_unread_page = page_of_first_unread(thread, read, total, session=session)
    page = min(max(page or first_unread_page, 1), pages)
    answered, answered_author = _ANSWERED, _ANSWERED_AUTHOR
    base = (
        select(Comment, Member.display_name, answered.seq, answered_author.display_name)
        .join(Member, col(Member.id) == Comment.author_id)
        .outerjoin(answered, col(answered.id) == Comment.reply_to_id)
        .outerjoin(answered_author, col(answered_author.id) == answered.author_id)
    )
    # One top-level comment more than the page shows: where the next page starts.
    found = session.exec(
        base.where(Comment.thread_id == thread_id, col(Comment.parent_id).is_(None))
        .order_by(col(Comment.seq))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    tops, after = found[:PAGE_SIZE], found[PAGE_SIZE:]
    top_ids = [c.id for c, *_ in tops]
    replies = (
        session.exec(
            base.where(col(Comment.parent_id).in_(top_ids)).order_by(col(Comment.seq))
        ).all()
        if top_ids
        else []
    )
    all_ids = top_ids + [c.id for c, *_ in replies]
    agreed = (
        set(
            session.exec(
                select(Reaction.comment_id).where(
                    Reaction.member_id == principal.member_id,
                    col(Reaction.comment_id).in_(all_ids),
                )
            ).all()
        )
        if all_ids
        else set()
    )
    shown: dict[int, Shown] = {}
    result: list[Shown] = []
    for comment, author, reply_seq, reply_author in [*tops, *replies]:
        item = Shown(
            comment,
            author,
            unread=comment.seq > read and comment.author_id != principal.member_id,
            agreed=comment.id in agreed,
        )
        if comment.parent_id is None:
            result.append(item)
        else:
            parent = shown.get(comment.parent_id)
            if parent is None:
                continue
            if comment.reply_to_id != comment.parent_id:  # a reply to a reply: say to whom
                item.reply_to_seq, item.reply_to_author = reply_seq, reply_author or ""
            parent.replies.append(item)
        shown[comment.id or 0] = item
    unread = [s.comment.seq for s in shown.values() if s.unread]
    # The page is read up to where the next page starts; the last page to the end.
    upto = after[0][0].seq - 1 if after else thread.last_seq
    # Only read in order: with unread comments on an earlier page the mark stays.
    if upto > read and first_unread_page >= page:
        _mark(principal.member_id, thread_id, upto, session=session)
    mark_read_under(principal.member_id, f"/threads/{thread_id}#", session=session)
    session.flush()
    return ThreadPage(result, page, pages, min(unread) if unread else None, read)


def _mark(member_id: int, thread_id: int, seq: int, *, session: Session) -> None:
    """Remember that the member has read the thread up to ``seq`` (never backwards)."""
    found = session.exec(
        select(ReadMark).where(ReadMark.member_id == member_id, ReadMark.thread_id == thread_id)
    ).first()
    if found is None:
        try:
            with session.begin_nested():
                session.add(ReadMark(member_id=member_id, thread_id=thread_id, last_seq=seq))
        except IntegrityError:  # marked by a request at the same moment
            _mark(member_id, thread_id, seq, session=session)
        return
    if seq > found.last_seq:
        found.last_seq = seq
        found.updated_at = utcnow()
        session.add(found)


# --- lists with unread counts -----------------------------------------------------------------


@dataclass(frozen=True)
class ThreadRow:
    thread: Thread
    unread: int
    starter: str = ""


def topics(at: SpacePlace, *, member_id: int, session: Session) -> list[ThreadRow]:
    """The space's topics, most recently active first, with the member's unread counts."""
    query = (
        select(Thread, ReadMark.last_seq, Member.display_name)
        .outerjoin(
            ReadMark,
            (col(ReadMark.thread_id) == Thread.id) & (col(ReadMark.member_id) == member_id),
        )
        .outerjoin(Member, col(Member.id) == Thread.created_by)
        .where(Thread.space_id == at.space.id, Thread.kind == ThreadKind.TOPIC)
        .order_by(col(Thread.last_activity_at).desc())
    )
    return [
        ThreadRow(thread, max(0, thread.last_seq - (read or 0)), name or "")
        for thread, read, name in session.exec(query).all()
    ]


@dataclass(frozen=True)
class Followed:
    thread_id: int
    kind: str
    title: str
    motion_id: int | None
    amendment_id: int | None
    unread: int
    last_activity_at: datetime


def followed_unread(member_id: int, *, session: Session) -> list[Followed]:
    """Every thread the member follows that has comments they have not read, newest
    activity first: one statement, however many threads they follow."""
    read = func.coalesce(ReadMark.last_seq, 0)
    query = (
        select(  # type: ignore[call-overload]
            Thread.id,
            Thread.kind,
            Thread.title,
            Thread.motion_id,
            Thread.amendment_id,
            Thread.last_seq - read,
            Thread.last_activity_at,
        )
        .join(Subscription, col(Subscription.thread_id) == Thread.id)
        .outerjoin(
            ReadMark,
            (col(ReadMark.thread_id) == Thread.id) & (col(ReadMark.member_id) == member_id),
        )
        .where(Subscription.member_id == member_id, Thread.last_seq > read)
        .order_by(col(Thread.last_activity_at).desc())
    )
    return [Followed(*row) for row in session.exec(query).all()]


def mark_space_read(at: SpacePlace, *, member_id: int, session: Session) -> int:
    """Mark every thread of the space read; returns how many threads changed."""
    threads = session.exec(
        select(Thread.id, Thread.last_seq).where(Thread.space_id == at.space.id)
    ).all()
    marks = {
        m.thread_id: m
        for m in session.exec(
            select(ReadMark).where(
                ReadMark.member_id == member_id,
                col(ReadMark.thread_id).in_([tid for tid, _ in threads]),
            )
        ).all()
    }
    changed = 0
    now = utcnow()
    for thread_id, last_seq in threads:
        mark = marks.get(thread_id or 0)
        if mark is None:
            if last_seq:
                session.add(
                    ReadMark(member_id=member_id, thread_id=thread_id or 0, last_seq=last_seq)
                )
                changed += 1
        elif mark.last_seq < last_seq:
            mark.last_seq, mark.updated_at = last_seq, now
            session.add(mark)
            changed += 1
    session.flush()
    return changed


# --- following --------------------------------------------------------------------------------


def follow_thread(member_id: int, thread_id: int, *, session: Session) -> None:
    """The member follows the thread (once, however many requests ask at the same time)."""
    insert_or_nothing(
        session, Subscription, member_id=member_id, thread_id=thread_id, created_at=utcnow()
    )


def follow_space(member_id: int, space_id: int, *, session: Session) -> None:
    """The member follows the whole space (once)."""
    insert_or_nothing(
        session, Subscription, member_id=member_id, space_id=space_id, created_at=utcnow()
    )


def unfollow(
    member_id: int, *, session: Session, thread_id: int | None = None, space_id: int | None = None
) -> None:
    """The member stops following (one statement: twice at once is the same)."""
    which = (
        col(Subscription.thread_id) == thread_id
        if thread_id is not None
        else col(Subscription.space_id) == space_id
    )
    session.execute(delete(Subscription).where(col(Subscription.member_id) == member_id, which))


def follows(
    member_id: int, *, session: Session, thread_id: int | None = None, space_id: int | None = None
) -> bool:
    query = select(Subscription.id).where(Subscription.member_id == member_id)
    if thread_id is not None:
        query = query.where(Subscription.thread_id == thread_id)
    else:
        query = query.where(Subscription.space_id == space_id)
    return session.exec(query).first() is not None


@dataclass(frozen=True)
class Summary:
    """How much is said in the discussion of a motion or amendment, and how much is new."""

    comments: int
    unread: int


@dataclass(frozen=True)
class Latest:
    """One of the newest standing comments of a thread, for the page it is about."""

    seq: int
    author: str
    body: str
    created_at: datetime


def latest(thread_id: int, *, session: Session, limit: int = 3) -> list[Latest]:
    """The thread's newest comments that are neither deleted nor hidden, newest first."""
    query = (
        select(Comment.seq, Member.display_name, Comment.body, Comment.created_at)
        .join(Member, col(Member.id) == Comment.author_id)
        .where(
            Comment.thread_id == thread_id,
            col(Comment.deleted_at).is_(None),
            col(Comment.hidden_at).is_(None),
        )
        .order_by(col(Comment.seq).desc())
        .limit(limit)
    )
    return [Latest(*row) for row in session.exec(query).all()]


def quoted_lines(motion_id: int, *, session: Session) -> tuple[int | None, dict[int, int]]:
    """The motion's discussion and, by line, how many of its standing comments (not
    deleted, not hidden) quote a passage that starts there."""
    thread_id = session.exec(select(Thread.id).where(Thread.motion_id == motion_id)).first()
    if thread_id is None:
        return None, {}
    query = (
        select(Comment.quote_first, func.count())
        .where(
            Comment.thread_id == thread_id,
            col(Comment.quote_first).is_not(None),
            col(Comment.deleted_at).is_(None),
            col(Comment.hidden_at).is_(None),
        )
        .group_by(col(Comment.quote_first))
    )
    return thread_id, {line: int(n) for line, n in session.exec(query).all() if line is not None}


def summary(
    *,
    member_id: int,
    session: Session,
    motion_id: int | None = None,
    amendment_id: int | None = None,
) -> Summary:
    query = select(Thread.comment_count, Thread.last_seq - func.coalesce(ReadMark.last_seq, 0))
    query = query.outerjoin(
        ReadMark, (col(ReadMark.thread_id) == Thread.id) & (col(ReadMark.member_id) == member_id)
    )
    if amendment_id is not None:
        query = query.where(Thread.amendment_id == amendment_id)
    else:
        query = query.where(Thread.motion_id == motion_id)
    found = session.exec(query).first()
    return Summary(*found) if found else Summary(0, 0)
