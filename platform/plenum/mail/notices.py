"""Telling followers about something new: in-app at once, by e-mail as each member chose.

In-app, a member gets one unread notice per thread however many comments arrive; members
who chose "immediately" (and have an e-mail address) also get an e-mail with each such
notice, queued in the same transaction and sent after the request (``outbox``) and by
``plenum digests``. So an immediate reader gets one mail per thread until they have read
the notice; daily and weekly readers find everything in their digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, select

from plenum.discuss.models import Delivery
from plenum.i18n import gettext, in_locale
from plenum.mail.compose import Composed, compose, queue
from plenum.notify.models import Notification
from plenum.notify.service import notify, shown_values
from plenum.orgs.models import Member


def notice_followers(
    member_ids: Iterable[int],
    message: str,
    *,
    url: str,
    session: Session,
    group: str = "",
    **params: Any,
) -> None:
    """Leave ``message`` for the members, once per ``group`` (a URL prefix) while unread;
    members who chose immediate e-mail also get it as a mail."""
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
    mail_immediately(members, message, url=url, grouped=bool(group), session=session, **params)


def mail_immediately(
    member_ids: Iterable[int],
    message: str,
    *,
    url: str,
    session: Session,
    grouped: bool = False,
    **params: Any,
) -> int:
    """Queue the notice as a mail for those members who want mail at once; how many."""
    ids = set(member_ids)
    if not ids:
        return 0
    readers = session.exec(
        select(Member)
        .where(col(Member.id).in_(ids), Member.delivery == Delivery.IMMEDIATE, Member.email != "")
        .order_by(col(Member.id))
    ).all()
    by_locale: dict[str, Composed] = {}
    for member in readers:
        locale = member.locale or "de"
        if locale not in by_locale:
            text = message_text(message, params, locale)
            by_locale[locale] = compose("notice.txt", locale, text=text, url=url, grouped=grouped)
        queue(member, by_locale[locale], session=session)
    return len(readers)


def message_text(message: str, params: Mapping[str, Any], locale: str) -> str:
    """A notice's message (a msgid with ``%(name)s`` fields) in ``locale``, filled in."""
    with in_locale(locale):
        text = gettext(message)
        values = shown_values(dict(params))
    try:
        return text % values if values else text
    except (KeyError, ValueError, TypeError):  # a translation that does not fit its values
        return text
