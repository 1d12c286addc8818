"""What the party structure does: chapters, bodies, members' roles, and who holds what."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, delete, literal, union_all
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from plenum.auth.permissions import MEMBER, Grant, Principal, Scope
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.orgs import numbering
from plenum.orgs.models import (
    CHAPTER_ROLES,
    Body,
    BodyKind,
    BodyRole,
    Chapter,
    ChapterKind,
    ChapterRole,
    Majority,
    Member,
    Membership,
    Role,
    Source,
)

# --- chapters ---------------------------------------------------------------------------


def create_chapter(
    *, session: Session, key: str, name: str, kind: ChapterKind, parent: Chapter | None = None
) -> Chapter:
    chapter = Chapter(key=key, name=name, kind=kind.value, parent_id=parent.id if parent else None)
    session.add(chapter)
    session.flush()
    chapter.path = f"{parent.path if parent else '/'}{chapter.id}/"
    session.flush()
    return chapter


def chapter_by_key(key: str, *, session: Session) -> Chapter:
    chapter = session.exec(select(Chapter).where(Chapter.key == key)).first()
    if chapter is None:
        raise NotFound(N_("Chapter not found."))
    return chapter


def chapters_by_id(ids: Sequence[int], *, session: Session) -> dict[int, Chapter]:
    if not ids:
        return {}
    rows = session.exec(select(Chapter).where(col(Chapter.id).in_(ids))).all()
    return {chapter.id: chapter for chapter in rows if chapter.id is not None}


def ancestors(chapter: Chapter, *, session: Session) -> list[Chapter]:
    """The chapters above ``chapter``, from the top down (for breadcrumbs)."""
    found = chapters_by_id(chapter.path_ids[:-1], session=session)
    return [found[i] for i in chapter.path_ids[:-1] if i in found]


def subchapters(chapter: Chapter, *, session: Session) -> list[Chapter]:
    query = select(Chapter).where(Chapter.parent_id == chapter.id).order_by(col(Chapter.name))
    return list(session.exec(query).all())


@dataclass(frozen=True)
class TreeRow:
    """A chapter in the tree: what the chapter list shows of it, and how deep it sits."""

    key: str
    name: str
    kind: str
    depth: int


_TREE_COLUMNS = sql_select(
    col(Chapter.id), col(Chapter.parent_id), col(Chapter.key), col(Chapter.name), col(Chapter.kind)
)


def chapter_tree(*, session: Session) -> tuple[TreeRow, ...]:
    """Every chapter, parents before children, siblings by name (plain rows: the list is
    all there is to show of them)."""
    children: dict[int | None, list[tuple[int | None, str, str, str]]] = {}
    for chapter_id, parent_id, key, name, kind in session.connection().execute(_TREE_COLUMNS):
        children.setdefault(parent_id, []).append((chapter_id, key, name, kind))
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for chapter_id, key, name, kind in sorted(children.get(parent_id, []), key=_by_name):
            rows.append(TreeRow(key, name, kind, depth))
            walk(chapter_id, depth + 1)

    walk(None, 0)
    return tuple(rows)


def _by_name(row: tuple[int | None, str, str, str]) -> str:
    return row[2]


def chapter_scope(chapter: Chapter) -> Scope:
    return Scope(chapter_path=chapter.path_ids)


# --- bodies -----------------------------------------------------------------------------


def body_by_key(key: str, *, session: Session) -> tuple[Body, Chapter]:
    row = session.exec(
        select(Body, Chapter)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .where(Body.key == key)
    ).first()
    if row is None:
        raise NotFound(N_("Body not found."))
    return row


def bodies_of(chapter: Chapter, *, session: Session) -> list[Body]:
    query = select(Body).where(Body.chapter_id == chapter.id).order_by(col(Body.name))
    return list(session.exec(query).all())


def body_scope(body: Body, chapter: Chapter) -> Scope:
    return Scope(chapter_path=chapter.path_ids, body_id=body.id)


@dataclass(frozen=True)
class BodyInput:
    name: str
    kind: str
    quorum_percent: int
    default_majority: str
    resolution_format: str = "{year}/{seq}"
    resolutions_public: bool = False


def parse_body_input(values: dict[str, str]) -> BodyInput:
    """Check a body form; raises ``ValidationFailed`` with a message per field."""
    errors: dict[str, str] = {}
    name = values.get("name", "").strip()
    if not name:
        errors["name"] = N_("Please enter a name.")
    elif len(name) > 200:
        errors["name"] = N_("The name may have at most 200 characters.")
    kind = values.get("kind", "")
    if kind not in {k.value for k in BodyKind}:
        errors["kind"] = N_("Please choose a kind of body.")
    quorum = _parse_percent(values.get("quorum_percent", ""))
    if quorum is None:
        errors["quorum_percent"] = N_("Please enter a whole number from 0 to 100.")
    majority = values.get("default_majority", "")
    if majority not in {m.value for m in Majority}:
        errors["default_majority"] = N_("Please choose a majority.")
    number_format = values.get("resolution_format", "").strip() or numbering.DEFAULT
    if number_format == numbering.CUSTOM:  # chosen from the examples: "another format"
        number_format = values.get("resolution_format_custom", "").strip()
    if "{seq" not in number_format or len(number_format) > numbering.MAX_LENGTH:
        errors["resolution_format"] = N_(
            "The format needs {seq} and may have at most 60 characters."
        )
    elif numbering.parse(number_format) is None:
        errors["resolution_format"] = N_(
            "Use only {year}, {seq} and {seq:3} (three digits with leading zeros) as placeholders."
        )
    if errors:
        raise ValidationFailed(errors)
    public = values.get("resolutions_public", "") in {"1", "on", "true", "True"}
    return BodyInput(name, kind, quorum or 0, majority, number_format, public)


def _parse_percent(raw: str) -> int | None:
    if not re.fullmatch(r"\s*\d{1,3}\s*", raw):
        return None
    value = int(raw)
    return value if 0 <= value <= 100 else None


def create_body(chapter: Chapter, data: BodyInput, *, session: Session) -> Body:
    body = Body(
        key=_free_body_key(f"{chapter.key}-{data.kind}", session=session),
        chapter_id=chapter.id or 0,
        name=data.name,
        kind=data.kind,
        quorum_percent=data.quorum_percent,
        default_majority=data.default_majority,
        resolution_format=data.resolution_format,
        resolutions_public=data.resolutions_public,
    )
    session.add(body)
    session.flush()
    return body


def update_body(body: Body, data: BodyInput, *, session: Session) -> Body:
    body.name = data.name
    body.kind = data.kind
    body.quorum_percent = data.quorum_percent
    body.default_majority = data.default_majority
    body.resolution_format = data.resolution_format
    body.resolutions_public = data.resolutions_public
    session.add(body)
    session.flush()
    return body


def _free_body_key(base: str, *, session: Session) -> str:
    taken = set(session.exec(select(Body.key).where(col(Body.key).startswith(base))).all())
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


# --- roles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """A role and the member who holds it."""

    id: int
    role: str
    member: Member
    source: str


def body_roster(body: Body, *, session: Session) -> list[Holder]:
    rows = session.exec(
        select(BodyRole, Member)
        .join(Member, col(Member.id) == BodyRole.member_id)
        .where(BodyRole.body_id == body.id)
        .order_by(col(BodyRole.role), col(Member.display_name))
    ).all()
    return [Holder(role.id or 0, role.role, member, role.source) for role, member in rows]


def chapter_role_holders(chapter: Chapter, *, session: Session) -> list[Holder]:
    rows = session.exec(
        select(ChapterRole, Member)
        .join(Member, col(Member.id) == ChapterRole.member_id)
        .where(ChapterRole.chapter_id == chapter.id)
        .order_by(col(ChapterRole.role), col(Member.display_name))
    ).all()
    return [Holder(role.id or 0, role.role, member, role.source) for role, member in rows]


def _member_by_number(number: str, *, session: Session) -> Member:
    member = None
    if number:
        member = session.exec(select(Member).where(Member.member_number == number)).first()
    if member is None:
        raise ValidationFailed(
            {"member_number": N_("No member with this number has logged in to Plenum yet.")}
        )
    return member


def grant_body_role(body: Body, *, member_number: str, role: str, session: Session) -> None:
    allowed = {r.value for r in Role}
    _grant(BodyRole, "body_id", body.id, member_number, role, allowed, session=session)


def grant_chapter_role(
    chapter: Chapter, *, member_number: str, role: str, session: Session
) -> None:
    allowed = {r.value for r in CHAPTER_ROLES}
    _grant(ChapterRole, "chapter_id", chapter.id, member_number, role, allowed, session=session)


def _grant(
    model: type[BodyRole] | type[ChapterRole],
    scope: str,
    target_id: int | None,
    member_number: str,
    role: str,
    allowed: set[str],
    *,
    session: Session,
) -> BodyRole | ChapterRole:
    """Give the member with ``member_number`` ``role`` on the body or chapter ``target_id``."""
    if role not in allowed:
        raise ValidationFailed({"role": N_("Please choose a role.")})
    member = _member_by_number(member_number, session=session)
    values: dict[str, Any] = {"member_id": member.id, "role": role, scope: target_id}
    query = select(model).filter_by(**values)
    if session.exec(query).first() is not None:
        raise ValidationFailed({"member_number": N_("This member already holds this role.")})
    grant = model(**values)
    session.add(grant)
    session.flush()
    return grant


FROM_THE_PARTY_ACCOUNT = N_(
    "This role comes from the party account and would come back at the next login. "
    "Please change it in the party's member administration."
)


def revoke_body_role(body: Body, role_id: int, *, session: Session) -> None:
    """Take a role given in Plenum back, in one statement: the same request twice revokes
    once. A role from the identity provider is not removed here: it would come back."""
    mine = (col(BodyRole.id) == role_id, col(BodyRole.body_id) == body.id)
    gone = session.execute(
        delete(BodyRole)
        .where(*mine, col(BodyRole.source) == Source.MANUAL)
        .returning(col(BodyRole.id))
    ).first()
    if gone is None:
        _not_revoked(session.exec(select(BodyRole.id).where(*mine)).first())


def revoke_chapter_role(chapter: Chapter, role_id: int, *, session: Session) -> None:
    """As ``revoke_body_role``, for a role held for a chapter."""
    mine = (col(ChapterRole.id) == role_id, col(ChapterRole.chapter_id) == chapter.id)
    gone = session.execute(
        delete(ChapterRole)
        .where(*mine, col(ChapterRole.source) == Source.MANUAL)
        .returning(col(ChapterRole.id))
    ).first()
    if gone is None:
        _not_revoked(session.exec(select(ChapterRole.id).where(*mine)).first())


def _not_revoked(still_there: int | None) -> None:
    if still_there is not None:
        raise DomainError(FROM_THE_PARTY_ACCOUNT)
    raise NotFound(N_("This role does not exist (any more)."))


# --- a member's own view ----------------------------------------------------------------


@dataclass(frozen=True)
class MemberOverview:
    member: Member
    chapters: list[tuple[Chapter, str]]
    chapter_roles: list[tuple[str, Chapter, str]]
    body_roles: list[tuple[str, Body, Chapter, str]]


def member_overview(member: Member, *, session: Session) -> MemberOverview:
    """Everything the member holds: chapters, chapter roles, body roles (4 queries)."""
    chapters = session.exec(
        select(Chapter, Membership.source)
        .join(Membership, col(Membership.chapter_id) == Chapter.id)
        .where(Membership.member_id == member.id)
        .order_by(col(Chapter.path))
    ).all()
    chapter_roles = session.exec(
        select(ChapterRole.role, Chapter, ChapterRole.source)
        .join(Chapter, col(Chapter.id) == ChapterRole.chapter_id)
        .where(ChapterRole.member_id == member.id)
    ).all()
    body_roles = session.exec(
        select(BodyRole.role, Body, Chapter, BodyRole.source)
        .join(Body, col(Body.id) == BodyRole.body_id)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .where(BodyRole.member_id == member.id)
    ).all()
    return MemberOverview(
        member=member,
        chapters=[tuple(row) for row in chapters],  # type: ignore[misc]
        chapter_roles=[tuple(row) for row in chapter_roles],  # type: ignore[misc]
        body_roles=[tuple(row) for row in body_roles],  # type: ignore[misc]
    )


def member_in(chapter: Chapter, member_id: int, *, session: Session) -> Member:
    """The member, if they belong to ``chapter`` or a chapter below it; else NotFound."""
    member = session.exec(
        select(Member)
        .join(Membership, col(Membership.member_id) == Member.id)
        .join(Chapter, col(Chapter.id) == Membership.chapter_id)
        .where(Member.id == member_id, col(Chapter.path).startswith(chapter.path))
        .limit(1)
    ).first()
    if member is None:
        raise NotFound(N_("Member not found."))
    return member


def member_in_by_number(chapter: Chapter, number: str, *, session: Session) -> Member:
    """The member with ``number`` who belongs to ``chapter`` or below; else ValidationFailed."""
    member = _member_by_number(number.strip(), session=session)
    try:
        return member_in(chapter, member.id or 0, session=session)
    except NotFound:
        raise ValidationFailed(
            {"member_number": N_("No member with this number belongs to this chapter.")}
        ) from None


def principal_for(member_id: int, *, session: Session) -> Principal:
    """The member with every grant they hold, for permission checks."""
    return principal_of(_member(member_id, session=session), session=session)


def _grants_statement() -> Any:
    """Memberships, chapter roles and body roles of ``:member_id``, each with its
    chapter's path, as one statement."""
    member_id: Any = bindparam("member_id")
    memberships = (
        select(literal(MEMBER), Chapter.path, literal(None, Integer))
        .select_from(Membership)
        .join(Chapter, col(Chapter.id) == Membership.chapter_id)
        .where(col(Membership.member_id) == member_id)
    )
    chapter_roles = (
        select(ChapterRole.role, Chapter.path, literal(None, Integer))
        .select_from(ChapterRole)
        .join(Chapter, col(Chapter.id) == ChapterRole.chapter_id)
        .where(col(ChapterRole.member_id) == member_id)
    )
    body_roles = (
        select(BodyRole.role, Chapter.path, Body.id)
        .select_from(BodyRole)
        .join(Body, col(Body.id) == BodyRole.body_id)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .where(col(BodyRole.member_id) == member_id)
    )
    return union_all(memberships, chapter_roles, body_roles)


_GRANTS = _grants_statement()  # built once: it runs on every logged-in request


def principal_of(member: Member, *, session: Session) -> Principal:
    """``member`` with every grant they hold, in one statement: the chapters they belong
    to, their chapter roles and their body roles, each with its chapter's path."""
    member_id = member.id or 0
    rows = session.connection().execute(_GRANTS, {"member_id": member_id}).all()
    grants = [Grant(role, _path_ids(path), body_id) for role, path, body_id in rows]
    return Principal(member_id=member_id, grants=tuple(grants))


def _path_ids(path: str) -> tuple[int, ...]:
    return tuple(int(part) for part in path.strip("/").split("/") if part)


def principals_for(member_ids: Iterable[int], *, session: Session) -> list[Principal]:
    """Several members with their grants, in three queries however many they are."""
    ids = sorted(set(member_ids))
    if not ids:
        return []
    grants: dict[int, list[Grant]] = {member_id: [] for member_id in ids}
    for member_id, chapter in session.exec(
        select(Membership.member_id, Chapter)
        .join(Chapter, col(Chapter.id) == Membership.chapter_id)
        .where(col(Membership.member_id).in_(ids))
    ).all():
        grants[member_id].append(Grant(MEMBER, chapter.path_ids))
    for member_id, role, chapter in session.exec(
        select(ChapterRole.member_id, ChapterRole.role, Chapter)
        .join(Chapter, col(Chapter.id) == ChapterRole.chapter_id)
        .where(col(ChapterRole.member_id).in_(ids))
    ).all():
        grants[member_id].append(Grant(role, chapter.path_ids))
    for member_id, role, body_id, chapter in session.exec(
        select(BodyRole.member_id, BodyRole.role, Body.id, Chapter)
        .join(Body, col(Body.id) == BodyRole.body_id)
        .join(Chapter, col(Chapter.id) == Body.chapter_id)
        .where(col(BodyRole.member_id).in_(ids))
    ).all():
        grants[member_id].append(Grant(role, chapter.path_ids, body_id))
    return [Principal(member_id, tuple(found)) for member_id, found in grants.items()]


def _member(member_id: int, *, session: Session) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(N_("Member not found."))
    return member


def export_member_data(member: Member, *, session: Session) -> dict[str, Any]:
    """Everything Plenum holds about ``member``, for the GDPR download (Art. 15/20)."""
    overview = member_overview(member, session=session)
    return {
        "member": member.model_dump(mode="json"),
        "chapters": [
            {"key": chapter.key, "name": chapter.name, "kind": chapter.kind, "source": source}
            for chapter, source in overview.chapters
        ],
        "chapter_roles": [
            {"role": role, "chapter": chapter.key, "source": source}
            for role, chapter, source in overview.chapter_roles
        ],
        "body_roles": [
            {
                "role": role,
                "body": body.key,
                "body_name": body.name,
                "chapter": chapter.key,
                "source": source,
            }
            for role, body, chapter, source in overview.body_roles
        ],
    }
