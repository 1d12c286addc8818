"""Who may see and do what in one series.

A series is asked about on its chapter's scope. The functions given for one series
(facilitator, synthesis group, caller) are added to the member's grants as pseudo-roles on
that scope, as meetings do with theirs, so every question goes through
``auth.permissions`` and its tested table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session, select

from plenum.auth.permissions import (
    CALLER,
    FACILITATOR,
    SYNTHESISER,
    Action,
    Grant,
    Principal,
    Scope,
    may,
)
from plenum.errors import N_, NotFound
from plenum.orgs.models import Chapter
from plenum.orgs.service import chapter_scope
from plenum.series.models import Series, SeriesRole, SeriesRoleKind

NO_SUCH_SERIES = N_("This series does not exist.")
PSEUDO_ROLE = {
    SeriesRoleKind.FACILITATOR: FACILITATOR,
    SeriesRoleKind.SYNTHESIS: SYNTHESISER,
    SeriesRoleKind.CALLER: CALLER,
}


@dataclass(frozen=True)
class SeriesPlace:
    series: Series
    chapter: Chapter

    @property
    def scope(self) -> Scope:
        return chapter_scope(self.chapter)


def series_place(series_id: int, *, session: Session, lock: bool = False) -> SeriesPlace:
    """The series ``series_id`` (locked for the rest of the transaction on PostgreSQL when
    ``lock``: limits on the number of proposals are counted under it)."""
    query = select(Series).where(Series.id == series_id)
    found = session.exec(query.with_for_update() if lock else query).first()
    chapter = session.get(Chapter, found.chapter_id) if found else None
    if found is None or chapter is None:
        raise NotFound(NO_SUCH_SERIES)
    return SeriesPlace(found, chapter)


def series_roles(series_id: int, member_id: int, *, session: Session) -> set[str]:
    query = select(SeriesRole.role).where(
        SeriesRole.series_id == series_id, SeriesRole.member_id == member_id
    )
    return set(session.exec(query).all())


def in_series(
    principal: Principal | None, at: SeriesPlace, *, session: Session
) -> Principal | None:
    """The member's grants with the pseudo-roles they hold in this series."""
    if principal is None:
        return None
    roles = series_roles(at.series.id or 0, principal.member_id, session=session)
    scope = at.scope
    extra = [PSEUDO_ROLE[SeriesRoleKind(role)] for role in sorted(roles) if role in PSEUDO_ROLE]
    grants = tuple(Grant(role, scope.chapter_path) for role in extra)
    return replace(principal, grants=(*principal.grants, *grants))


@dataclass(frozen=True)
class Allowed:
    """What the member may do in one series, asked once per page."""

    view: bool
    take_part: bool  # propose and support in the online week
    manage: bool
    facilitate: bool
    synthesise: bool
    phone: bool
    raw: bool


def allowed(principal: Principal | None, at: SeriesPlace, *, session: Session) -> Allowed:
    here = in_series(principal, at, session=session)
    scope = at.scope
    flags = {
        "take_part": may(here, Action.PARTICIPATE_IN_CHAPTER, scope),
        "manage": may(here, Action.MANAGE_SERIES, scope),
        "facilitate": may(here, Action.FACILITATE_SESSION, scope),
        "synthesise": may(here, Action.SYNTHESISE, scope),
        "phone": may(here, Action.ENTER_PHONE_ANSWERS, scope),
        "raw": may(here, Action.SEE_RAW_RESULTS, scope),
    }
    return Allowed(view=any(flags.values()), **flags)
