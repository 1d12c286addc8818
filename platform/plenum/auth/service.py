"""What a login does to the member's record: create or update, memberships and roles.

Members are keyed on (issuer, subject), never on e-mail. At each login the member's
name, e-mail and member number are taken from the provider, and the memberships and
roles that came from the provider (``source = idp``) are replaced by what the claims
say now. A claim the provider does not send changes nothing: only a present claim
changes what Plenum has. Roles given by office staff on a page (``source = manual``)
stay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from plenum.clock import utcnow
from plenum.errors import N_, DomainError
from plenum.orgs.models import (
    CHAPTER_ROLES,
    Body,
    BodyRole,
    Chapter,
    ChapterRole,
    Member,
    Membership,
    Role,
    Source,
)
from plenum.settings import Settings

log = logging.getLogger(__name__)


class LoginRefused(DomainError):
    """The provider's answer cannot be used to log a member in."""


REMOVED = N_("Your membership has ended, so you can no longer log in to Plenum.")


@dataclass(frozen=True)
class Profile:
    """What the identity provider tells us about a member, in our terms.

    ``None`` means the provider did not send the claim: it changes nothing.
    """

    issuer: str
    subject: str
    display_name: str | None
    email: str | None
    member_number: str | None
    chapter_keys: tuple[str, ...] | None
    groups: tuple[str, ...] | None
    phone: str | None = None
    joined_at: datetime | None = None


def profile_from_claims(issuer: str, claims: Mapping[str, Any], settings: Settings) -> Profile:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise LoginRefused(N_("The identity provider did not say who you are."))

    def text(name: str) -> str | None:
        return None if claims.get(name) is None else _text(claims[name])

    def strings(name: str) -> tuple[str, ...] | None:
        return None if claims.get(name) is None else _strings(claims[name])

    return Profile(
        issuer=issuer,
        subject=subject,
        display_name=text(settings.oidc_claim_name) or None,
        email=text(settings.oidc_claim_email),
        member_number=text(settings.oidc_claim_member_number),
        chapter_keys=strings(settings.oidc_claim_chapter),
        groups=strings(settings.oidc_claim_groups),
        phone=text(settings.oidc_claim_phone),
        joined_at=_moment(claims.get(settings.oidc_claim_joined)),
    )


def _moment(value: object) -> datetime | None:
    """An ISO date or date-time claim as a UTC moment; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        found = datetime.fromisoformat(value.strip())
    except ValueError:
        log.warning("the joined claim %r is not an ISO date; ignored", value[:40])
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value.strip().lstrip("/"),) if value.strip() else ()
    if isinstance(value, list):
        return tuple(v.strip().lstrip("/") for v in value if isinstance(v, str) and v.strip())
    return ()


def sync_member(profile: Profile, settings: Settings, *, session: Session) -> Member:
    """Create or update the member from ``profile``, with memberships and roles, atomically."""
    member = _member_for(profile, session=session)
    if member.removed_at is not None:
        raise LoginRefused(REMOVED)
    if profile.display_name is not None:
        member.display_name = profile.display_name[:200]
    if profile.email is not None:
        member.email = profile.email[:320]
    if profile.member_number is not None:
        member.member_number = profile.member_number[:64]
    if profile.phone is not None:
        member.phone = profile.phone[:40]
    if profile.joined_at is not None:
        member.joined_at = profile.joined_at
    member.last_login_at = utcnow()
    session.add(member)
    session.flush()
    member_id = member.id or 0
    if profile.chapter_keys is not None:
        _sync_memberships(member_id, profile.chapter_keys, session=session)
    if profile.groups is not None:
        chapter_grants, body_grants = _grants_for_groups(profile.groups, settings, session=session)
        _sync_roles(ChapterRole, "chapter_id", member_id, chapter_grants, session=session)
        _sync_roles(BodyRole, "body_id", member_id, body_grants, session=session)
    session.flush()
    return member


def _member_for(profile: Profile, *, session: Session) -> Member:
    """The member of (issuer, subject), made if new. Two first logins at once make one
    row: the insert does nothing when the other one's row is there (it waits for the
    other's commit on PostgreSQL, for its write lock on SQLite), then both read it."""
    new = Member(issuer=profile.issuer, subject=profile.subject, display_name=profile.subject)
    values = new.model_dump(exclude={"id"})
    statement = _insert(session, Member).values(**values)
    session.execute(statement.on_conflict_do_nothing(index_elements=["issuer", "subject"]))
    return session.exec(
        select(Member).where(Member.issuer == profile.issuer, Member.subject == profile.subject)
    ).one()


def _insert(session: Session, model: type[Any]) -> Any:
    """An INSERT that knows ``ON CONFLICT`` (SQLite and PostgreSQL spell it alike)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def unknown_chapter_keys(keys: Iterable[str], *, session: Session) -> list[str]:
    """The chapter keys of ``keys`` that Plenum does not know, sorted."""
    wanted = set(keys)
    if not wanted:
        return []
    known = set(session.exec(select(Chapter.key).where(col(Chapter.key).in_(wanted))).all())
    return sorted(wanted - known)


def _ids_by_key(
    model: type[Chapter] | type[Body], keys: Iterable[str], session: Session
) -> dict[str, int]:
    wanted = set(keys)
    if not wanted:
        return {}
    rows = session.exec(select(model.key, model.id).where(col(model.key).in_(wanted))).all()
    found = {key: ident for key, ident in rows if ident is not None}
    for key in wanted - found.keys():
        log.warning("login names unknown %s %r; ignored", model.__name__.lower(), key)
    return found


def _grants_for_groups(
    groups: Iterable[str], settings: Settings, *, session: Session
) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """The (chapter id, role) and (body id, role) pairs the member's groups map to."""
    parsed: list[tuple[str, str, str]] = []
    for group in groups:
        for grant in settings.oidc_group_roles.get(group, ()):
            role, _, target = grant.partition("@")
            kind, _, key = target.partition(":")
            if role not in {r.value for r in Role} or kind not in ("chapter", "body") or not key:
                log.warning("group role mapping %r is not ROLE@chapter:KEY or ROLE@body:KEY", grant)
                continue
            parsed.append((role, kind, key))
    chapters = _ids_by_key(Chapter, (k for _, kind, k in parsed if kind == "chapter"), session)
    bodies = _ids_by_key(Body, (k for _, kind, k in parsed if kind == "body"), session)
    chapter_roles = {r.value for r in CHAPTER_ROLES}
    for role, kind, key in parsed:
        if kind == "chapter" and role not in chapter_roles:
            log.warning("role %r cannot be held for a whole chapter (%r); ignored", role, key)
    chapter_grants = {
        (chapters[key], role)
        for role, kind, key in parsed
        if kind == "chapter" and key in chapters and role in chapter_roles
    }
    body_grants = {
        (bodies[key], role) for role, kind, key in parsed if kind == "body" and key in bodies
    }
    return chapter_grants, body_grants


def _sync_memberships(member_id: int, chapter_keys: Iterable[str], *, session: Session) -> None:
    wanted = set(_ids_by_key(Chapter, chapter_keys, session).values())
    current = session.exec(select(Membership).where(Membership.member_id == member_id)).all()
    have = {row.chapter_id for row in current}
    gone = [row.id for row in current if row.source == Source.IDP and row.chapter_id not in wanted]
    _delete(Membership, gone, session=session)
    rows = [
        {"member_id": member_id, "chapter_id": chapter_id, "source": Source.IDP.value}
        for chapter_id in wanted - have
    ]
    _insert_missing(Membership, rows, session=session)


def _sync_roles(
    model: type[ChapterRole] | type[BodyRole],
    scope: str,
    member_id: int,
    wanted: set[tuple[int, str]],
    *,
    session: Session,
) -> None:
    """Make the member's provider-given roles of ``model`` exactly ``wanted``.

    ``scope`` names the column the role is held on (``chapter_id`` or ``body_id``).
    """
    current: list[Any] = list(session.exec(select(model).where(model.member_id == member_id)).all())
    have = {(getattr(row, scope), row.role) for row in current}
    gone = [
        row.id
        for row in current
        if row.source == Source.IDP and (getattr(row, scope), row.role) not in wanted
    ]
    _delete(model, gone, session=session)
    rows = [
        {"member_id": member_id, "role": role, "source": Source.IDP.value, scope: target_id}
        for target_id, role in wanted - have
    ]
    _insert_missing(model, rows, session=session)


def _delete(model: type[Any], ids: list[int | None], *, session: Session) -> None:
    """Delete rows by id; a row another login deleted meanwhile is no error."""
    if ids:
        session.execute(delete(model).where(col(model.id).in_(ids)))


def _insert_missing(model: type[Any], rows: list[dict[str, Any]], *, session: Session) -> None:
    """Insert ``rows``; one that another login inserted meanwhile is left as it is."""
    if rows:
        session.execute(_insert(session, model).values(rows).on_conflict_do_nothing())


def set_locale(member_id: int, locale: str, *, session: Session) -> None:
    member = session.get(Member, member_id)
    if member is not None:
        member.locale = locale
        session.add(member)
        session.flush()
