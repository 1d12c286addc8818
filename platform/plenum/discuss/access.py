"""Where a thread lives and who may read, write and moderate there.

A topic's space decides: a chapter's (or working group's) space is for its members,
a body's space is internal to the body. The discussion of a motion or an amendment is
readable by exactly those who may see the motion or amendment itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from plenum.auth.permissions import Action, Principal, may
from plenum.discuss import follow
from plenum.discuss.models import Space, Thread
from plenum.errors import N_, NotFound
from plenum.motions import amendments as motion_amendments
from plenum.motions import service as motions
from plenum.motions.models import Proposer
from plenum.orgs.models import Body, Chapter
from plenum.orgs.service import body_scope, chapter_scope, principals_for


@dataclass(frozen=True)
class Access:
    read: bool
    write: bool
    moderate: bool


NONE = Access(False, False, False)


@dataclass(frozen=True)
class SpacePlace:
    """A space with its chapter and, for a body's space, the body."""

    space: Space
    chapter: Chapter
    body: Body | None

    @property
    def name(self) -> str:
        return self.body.name if self.body else self.chapter.name


def space_access(principal: Principal | None, at: SpacePlace) -> Access:
    if at.body is None:
        scope = chapter_scope(at.chapter)
        part, moderate = Action.DISCUSS, Action.MODERATE
    else:
        scope = body_scope(at.body, at.chapter)
        part, moderate = Action.DISCUSS_IN_BODY, Action.MODERATE_IN_BODY
    allowed = may(principal, part, scope)
    return Access(allowed, allowed, allowed and may(principal, moderate, scope))


def chapter_space(chapter: Chapter, *, session: Session) -> SpacePlace:
    space = follow.chapter_space_for(chapter.id or 0, session=session)
    session.flush()
    return SpacePlace(space, chapter, None)


def body_space(body: Body, chapter: Chapter, *, session: Session) -> SpacePlace:
    space = follow.space_for(f"body:{body.id}", chapter.id or 0, body.id, session=session)
    session.flush()
    return SpacePlace(space, chapter, body)


def space_place(space: Space, *, session: Session) -> SpacePlace:
    chapter = session.get_one(Chapter, space.chapter_id)
    body = session.get(Body, space.body_id) if space.body_id else None
    return SpacePlace(space, chapter, body)


@dataclass(frozen=True)
class ThreadPlace:
    """A thread with its space and, for a motion's or amendment's discussion, what it
    discusses."""

    thread: Thread
    at: SpacePlace
    motion: motions.MotionPlace | None = None
    amendment: motion_amendments.AmendmentPlace | None = None

    @property
    def title(self) -> str:
        if self.amendment is not None:
            return f"{self.amendment.amendment.number}: {self.amendment.amendment.title}"
        if self.motion is not None:
            number = self.motion.motion.number
            return f"{number} {self.motion.motion.title}" if number else self.motion.motion.title
        return self.thread.title


def thread_place(thread_id: int, *, session: Session) -> ThreadPlace:
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(N_("This discussion does not exist."))
    return _place_of(thread, session=session)


def _place_of(thread: Thread, *, session: Session) -> ThreadPlace:
    space = session.get_one(Space, thread.space_id)
    at = space_place(space, session=session)
    if thread.amendment_id is not None:
        ap = motion_amendments.amendment_place(thread.amendment_id, session=session)
        return ThreadPlace(thread, at, ap.at, ap)
    if thread.motion_id is not None:
        return ThreadPlace(thread, at, motions.motion_place(thread.motion_id, session=session))
    return ThreadPlace(thread, at)


def thread_access(principal: Principal | None, where: ThreadPlace, *, session: Session) -> Access:
    """What the member may do in the thread; a motion's discussion follows the motion."""
    if where.motion is None:
        return space_access(principal, where.at)
    try:
        if where.amendment is not None:
            motion_amendments.viewer(where.amendment, principal=principal, session=session)
        else:
            motion = where.motion
            motions.viewer(motion.motion, motion.place, principal=principal, session=session)
    except NotFound:
        return NONE
    moderate = may(principal, Action.MODERATE, where.motion.place.chapter_scope)
    return Access(True, True, moderate)


def readers(member_ids: Iterable[int], where: ThreadPlace, *, session: Session) -> set[int]:
    """Those of ``member_ids`` who may read the thread now (followers can lose access)."""
    principals = principals_for(member_ids, session=session)
    if where.motion is None:
        return {p.member_id for p in principals if space_access(p, where.at).read}
    target = where.amendment.amendment if where.amendment else where.motion.motion
    named = {m.id for m in motions.people(Proposer, target, session=session)}
    named |= {m.id for m in motions.invited(target, session=session)}
    published = (
        where.amendment.amendment.published_at is not None
        if where.amendment
        else where.motion.motion.current_version_id is not None
    )
    place = where.motion.place
    return {
        p.member_id
        for p in principals
        if motions.may_view(target.status, published, place, p, p.member_id in named)
    }


def require_read(principal: Principal | None, where: ThreadPlace, *, session: Session) -> Access:
    """The member's access, raising NotFound when they may not even read the thread."""
    access = thread_access(principal, where, session=session)
    if not access.read:
        raise NotFound(N_("This discussion does not exist."))
    return access


def motion_thread(mp: motions.MotionPlace, *, session: Session) -> ThreadPlace:
    """The discussion of a motion, made on first use."""
    chapter = mp.place.chapter
    thread = follow.thread_for(chapter.id or 0, motion_id=mp.motion.id, session=session)
    session.flush()
    return ThreadPlace(thread, chapter_space(chapter, session=session), mp)


def amendment_thread(ap: motion_amendments.AmendmentPlace, *, session: Session) -> ThreadPlace:
    """The discussion of an amendment, made on first use."""
    chapter = ap.at.place.chapter
    thread = follow.thread_for(chapter.id or 0, amendment_id=ap.amendment.id, session=session)
    session.flush()
    return ThreadPlace(thread, chapter_space(chapter, session=session), ap.at, ap)
