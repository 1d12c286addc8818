"""Which search hits a member may read, and where each one is shown.

The rules are the pages' own: ``motions.service.may_view`` for motions and amendments,
``resolutions.may_read`` for resolutions, and for comments the thread's access
(``discuss.access``): a topic follows its space, a motion's or amendment's discussion
follows the motion or amendment. Only the loading is batched: a batch of hits costs a
handful of queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from plenum.auth.permissions import Principal
from plenum.discuss.access import SpacePlace, space_access
from plenum.discuss.models import Comment, Space, Thread
from plenum.motions.models import Amendment, Consultation, Motion, Proposer, Resolution
from plenum.motions.resolutions import may_read
from plenum.motions.service import CallPlace, may_view
from plenum.orgs.models import Body, Chapter
from plenum.search.index import KINDS


@dataclass(frozen=True)
class Link:
    """Where a hit is shown: a named route, its path parameters and a fragment."""

    route: str
    params: dict[str, Any] = field(default_factory=dict)
    fragment: str = ""


Key = tuple[str, int]  # (kind, id of the motion, amendment, resolution or comment)


class Readable:
    """Decides, for one member, which of a batch of hits they may read."""

    def __init__(self, principal: Principal, *, session: Session) -> None:
        self.principal = principal
        self.session = session
        self._calls: dict[int, CallPlace] = {}

    def links(self, keys: Iterable[Key]) -> dict[Key, Link]:
        """The readable ones among ``keys``, with where to show each."""
        ids: dict[str, set[int]] = {kind: set() for kind in KINDS}
        for kind, ref in keys:
            ids[kind].add(ref)
        found: dict[Key, Link] = {}
        for ref in self.motions(ids["motion"]):
            found["motion", ref] = Link("motion", {"id": ref})
        for ref in self.amendments(ids["amendment"]):
            found["amendment", ref] = Link("amendment", {"id": ref})
        for ref, link in self.resolutions(ids["resolution"]).items():
            found["resolution", ref] = link
        for ref, link in self.comments(ids["comment"]).items():
            found["comment", ref] = link
        return found

    def _call(self, call: Consultation, body: Body, chapter: Chapter) -> CallPlace:
        """One place per call, so its scopes are computed once."""
        key = call.id or 0
        if key not in self._calls:
            self._calls[key] = CallPlace(call, body, chapter)
        return self._calls[key]

    def _named(self, column: Any, ids: Sequence[int]) -> set[int]:
        """Of ``ids``, those naming the member as proposer (confirmed or invited)."""
        rows = self.session.exec(
            select(column).where(
                col(column).in_(ids), Proposer.member_id == self.principal.member_id
            )
        ).all()
        return {ref for ref in rows if ref is not None}

    def motions(self, wanted: set[int]) -> set[int]:
        if not wanted:
            return set()
        ids = sorted(wanted)
        rows = self.session.exec(
            select(Motion, Consultation, Body, Chapter)
            .options(load_only(Motion.status, Motion.current_version_id))  # type: ignore[arg-type]
            .join(Consultation, col(Consultation.id) == Motion.consultation_id)
            .join(Body, col(Body.id) == Consultation.body_id)
            .join(Chapter, col(Chapter.id) == Body.chapter_id)
            .where(col(Motion.id).in_(ids))
        ).all()
        named = self._named(Proposer.motion_id, ids)
        return {
            motion.id or 0
            for motion, call, body, chapter in rows
            if self._may_view(motion, call, body, chapter, motion.id in named)
        }

    def amendments(self, wanted: set[int]) -> set[int]:
        if not wanted:
            return set()
        ids = sorted(wanted)
        rows = self.session.exec(
            select(Amendment, Consultation, Body, Chapter)
            .options(load_only(Amendment.status, Amendment.published_at))  # type: ignore[arg-type]
            .join(Motion, col(Motion.id) == Amendment.motion_id)
            .join(Consultation, col(Consultation.id) == Motion.consultation_id)
            .join(Body, col(Body.id) == Consultation.body_id)
            .join(Chapter, col(Chapter.id) == Body.chapter_id)
            .where(col(Amendment.id).in_(ids))
        ).all()
        named = self._named(Proposer.amendment_id, ids)
        return {
            amendment.id or 0
            for amendment, call, body, chapter in rows
            if self._may_view(amendment, call, body, chapter, amendment.id in named)
        }

    def _may_view(
        self,
        target: Motion | Amendment,
        call: Consultation,
        body: Body,
        chapter: Chapter,
        named: bool,
    ) -> bool:
        if isinstance(target, Amendment):
            published = target.published_at is not None
        else:
            published = target.current_version_id is not None
        place = self._call(call, body, chapter)
        return may_view(target.status, published, place, self.principal, named)

    def resolutions(self, wanted: set[int]) -> dict[int, Link]:
        if not wanted:
            return {}
        rows = self.session.exec(
            select(Resolution, Body, Chapter)
            .options(load_only(Resolution.year, Resolution.sequence))  # type: ignore[arg-type]
            .join(Body, col(Body.id) == Resolution.body_id)
            .join(Chapter, col(Chapter.id) == Body.chapter_id)
            .where(col(Resolution.id).in_(sorted(wanted)))
        ).all()
        return {
            found.id or 0: Link(
                "resolution", {"key": body.key, "year": found.year, "seq": found.sequence}
            )
            for found, body, chapter in rows
            if may_read(body, chapter, self.principal)
        }

    def comments(self, wanted: set[int]) -> dict[int, Link]:
        """Comments still shown, in threads the member may read."""
        if not wanted:
            return {}
        rows = self.session.exec(
            select(Comment, Thread, Space, Chapter)
            .options(load_only(Comment.seq, Comment.thread_id))  # type: ignore[arg-type]
            .join(Thread, col(Thread.id) == Comment.thread_id)
            .join(Space, col(Space.id) == Thread.space_id)
            .join(Chapter, col(Chapter.id) == Space.chapter_id)
            .where(col(Comment.id).in_(sorted(wanted)))
            .where(col(Comment.deleted_at).is_(None), col(Comment.hidden_at).is_(None))
        ).all()
        readable = self._readable_threads(
            [(thread, space, chapter) for _, thread, space, chapter in rows]
        )
        return {
            comment.id or 0: Link("thread", {"id": thread.id}, f"#c{comment.seq}")
            for comment, thread, _space, _chapter in rows
            if thread.id in readable
        }

    def _bodies(self, ids: set[int | None]) -> dict[int | None, Body]:
        if not ids:
            return {}
        query = select(Body).where(col(Body.id).in_(sorted(i for i in ids if i is not None)))
        return {body.id: body for body in self.session.exec(query)}

    def _readable_threads(self, found: Sequence[tuple[Thread, Space, Chapter]]) -> set[int]:
        """A topic follows its space; a motion's or amendment's discussion follows it."""
        threads = [thread for thread, _, _ in found]
        amendments = self.amendments({t.amendment_id for t in threads if t.amendment_id})
        motions = self.motions({t.motion_id for t in threads if t.motion_id and not t.amendment_id})
        bodies = self._bodies({space.body_id for _, space, _ in found if space.body_id})
        readable: set[int] = set()
        for thread, space, chapter in found:
            if thread.amendment_id is not None:
                allowed = thread.amendment_id in amendments
            elif thread.motion_id is not None:
                allowed = thread.motion_id in motions
            else:
                at = SpacePlace(space, chapter, bodies.get(space.body_id))
                allowed = space_access(self.principal, at).read
            if allowed:
                readable.add(thread.id or 0)
        return readable
