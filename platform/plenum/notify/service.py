"""What notifications do: tell members something, count and list what is unread."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from plenum.clock import utcnow
from plenum.errors import N_
from plenum.i18n import gettext
from plenum.notify.models import Notification

# A notification stores its message id and is translated when shown. These are the
# messages earlier versions stored; they stay in the catalogue so that notifications
# sent before an upgrade still read in the member's language.
EARLIER_MESSAGES = (
    N_("Your motion %(number)s “%(title)s” has a new status."),
    N_("The motion %(number)s “%(title)s” that you support has a new status."),
    N_("Your amendment %(number)s has a new status."),
    N_("The amendment %(number)s that you support has a new status."),
)


def notify(
    member_ids: Iterable[int],
    message: str,
    *,
    session: Session,
    url: str = "",
    exclude: int | None = None,
    **params: Any,
) -> None:
    """Leave ``message`` (a msgid, formatted with ``params`` when shown) for each member."""
    data = json.dumps(params, ensure_ascii=False)
    for member_id in sorted(set(member_ids) - {exclude}):
        session.add(Notification(member_id=member_id, message=message, params=data, url=url))


# Built once: the badge of every logged-in page counts with it.
_UNREAD = select(func.count()).where(
    col(Notification.member_id) == bindparam("member_id"), col(Notification.read_at).is_(None)
)


def unread_count(member_id: int, *, session: Session) -> int:
    """On every logged-in page: run on the connection, past the ORM's layer (after
    writing what the request changed, as the ORM would)."""
    session.flush()
    return int(session.connection().execute(_UNREAD, {"member_id": member_id}).scalar_one())


@dataclass(frozen=True)
class Shown:
    id: int
    message: str
    params: dict[str, Any]
    url: str
    created_at: datetime
    unread: bool

    @property
    def values(self) -> dict[str, Any]:
        """``params`` to fill the message with: a ``*_label`` is a message id Plenum
        stored (what became of a motion, say), shown in the reader's language."""
        return shown_values(self.params)


def shown_values(params: dict[str, Any]) -> dict[str, Any]:
    """A notice's ``params`` in the current language: each ``*_label`` is a message id."""
    return {k: gettext(v) if k.endswith("_label") else v for k, v in params.items()}


@dataclass(frozen=True)
class Group:
    """The notifications about one thing (one address), newest first."""

    latest: Shown
    earlier: list[Shown]

    @property
    def unread(self) -> int:
        return sum(item.unread for item in (self.latest, *self.earlier))


def grouped(items: list[Shown]) -> list[Group]:
    """``items`` (newest first) gathered by the thing they are about, in the order of
    each thing's newest notification."""
    by_url: dict[str, list[Shown]] = {}
    for item in items:
        by_url.setdefault(item.url or f"#{item.id}", []).append(item)
    return [Group(first, rest) for first, *rest in by_url.values()]


def recent(member_id: int, *, session: Session, limit: int = 100) -> list[Shown]:
    query = (
        select(Notification)
        .where(Notification.member_id == member_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    return [
        Shown(n.id or 0, n.message, json.loads(n.params), n.url, n.created_at, n.read_at is None)
        for n in session.exec(query).all()
    ]


def mark_all_read(member_id: int, *, session: Session) -> None:
    session.execute(
        update(Notification)
        .where(col(Notification.member_id) == member_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    session.flush()


def mark_read_under(member_id: int, prefix: str, *, session: Session) -> None:
    """Mark the member's notifications whose link starts with ``prefix`` as read (no commit):
    opening a discussion answers its notices."""
    session.execute(
        update(Notification)
        .where(
            col(Notification.member_id) == member_id,
            col(Notification.read_at).is_(None),
            col(Notification.url).startswith(prefix),
        )
        .values(read_at=utcnow())
    )
