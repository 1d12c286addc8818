"""Telling followers about something new: in-app at once, by e-mail as each member chose.

In-app, a member gets one unread notice per thread however many comments arrive; members
who chose "immediately" also get an e-mail (queued in the same transaction, sent after
the request and by ``plenum digests``). Daily and weekly readers find it in their digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from plenum.notify.models import Notification
from plenum.notify.service import notify


def notice_followers(
    member_ids: Iterable[int],
    message: str,
    *,
    url: str,
    session: Session,
    group: str = "",
    **params: Any,
) -> None:
    """Leave ``message`` for the members, once per ``group`` (a URL prefix) while unread."""
    members = set(member_ids)
    if not members:
        return
    if group:
        waiting = session.exec(
            select(Notification.member_id).where(
                col(Notification.member_id).in_(members),
                col(Notification.read_at).is_(None),
                col(Notification.url).startswith(group),
            )
        ).all()
        members -= set(waiting)
    notify(members, message, url=url, session=session, **params)
