"""Sending what waits in the outbox (``OutgoingMail``), and when.

Mails are written to the outbox in the same transaction as their cause and sent later:

- by the mail sender in ``plenum schedule`` (the clock process), never by a request: a
  request only queues the mail, announcing ``mail.queued`` after its commit, which wakes
  the sender at once on PostgreSQL (``NOTIFY``); on SQLite the sender looks every few
  seconds. A slow or dead relay therefore never holds a request thread or a page;
- by every run of ``plenum digests``, which retries whatever is still waiting.

Each row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), so two senders at
the same moment never send it twice; on SQLite the claim takes the database's write lock
(``BEGIN IMMEDIATE``) until the row is marked sent, so two senders take turns. A failed
row keeps ``last_error`` and is tried again by the next run, up to ``MAX_ATTEMPTS``; a relay
that refuses a recipient for good (5xx) ends the attempts at once. Mails that could not be
sent within ``MAX_AGE`` are given up rather than sent late.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from plenum.clock import utcnow
from plenum.db import begin_writing
from plenum.discuss.models import Delivery
from plenum.mail.compose import finish
from plenum.mail.models import OutgoingMail
from plenum.mail.smtp import Failure, Relay
from plenum.mail.tokens import make_token
from plenum.orgs.models import Member
from plenum.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_AGE = timedelta(days=3)  # older unsent mail is given up, not sent late
KEEP_SENT = timedelta(days=30)  # sent and given-up mail is deleted after this
EXPIRED = "expired: not sent in time"
# Headers unfolded up to SMTP's line limit: the List-Unsubscribe link stays on one line.
POLICY = policy.default.clone(max_line_length=998)


def unsubscribe_url(settings: Settings, member_id: int) -> str:
    token = make_token(settings.secret_key, member_id)
    return f"{settings.base_url.rstrip('/')}/unsubscribe/{token}"


def build_message(mail: OutgoingMail, member: Member, settings: Settings) -> EmailMessage:
    """The message as it goes out; ValueError for an address or header that cannot be sent."""
    link = unsubscribe_url(settings, member.id or 0)
    message = EmailMessage(policy=POLICY)
    message["From"] = settings.mail_sender
    message["To"] = member.email
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("plenum", urlsplit(settings.base_url).hostname)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    for name, value in json.loads(mail.headers or "{}").items():
        message[name] = value
    text = finish(mail.body, base_url=settings.base_url, unsubscribe_url=link)
    message.set_content(text, cte="quoted-printable")  # readable in any mail program
    return message


def send_pending(settings: Settings, *, session: Session, limit: int = 1000) -> int:
    """Send what waits in the outbox; returns how many were sent. Never raises for one
    mail: its error is kept on the row and the next one is tried."""
    if not settings.mail_enabled:
        log.info("e-mail is off (PLENUM_SMTP_HOST is empty): the outbox is not sent")
        return 0
    _expire(session=session)
    sent, last_id = 0, 0
    with Relay(settings) as relay:
        for _ in range(limit):
            begin_writing(session)
            mail = _claim_next(last_id, session=session)
            if mail is None:
                break
            last_id = mail.id or 0
            outcome = _send_one(mail, relay, settings, session=session)
            session.commit()
            sent += outcome is None
            if outcome is not None and outcome.connection_lost:
                log.warning("mail relay failed, stopping this run: %s", outcome.reason)
                break
    return sent


def _claim_next(after: int, *, session: Session) -> OutgoingMail | None:
    query = (
        select(OutgoingMail)
        .where(
            col(OutgoingMail.sent_at).is_(None),
            OutgoingMail.attempts < MAX_ATTEMPTS,
            col(OutgoingMail.id) > after,
        )
        .order_by(col(OutgoingMail.id))
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)  # the row as locked, not as remembered
    )
    return session.exec(query).first()


def _send_one(
    mail: OutgoingMail, relay: Relay, settings: Settings, *, session: Session
) -> Failure | None:
    """Try one mail and record the outcome on its row (not committed); the failure, if any."""
    member = session.get(Member, mail.member_id, populate_existing=True) if mail.member_id else None
    if member is None or not member.email or member.delivery == Delivery.NONE:
        session.delete(mail)  # the member is gone or wants no mail any more
        return Failure("no longer wanted", True, False)
    mail.attempts += 1
    mail.recipient = member.email
    try:
        relay.send(build_message(mail, member, settings))
    except ValueError as exc:
        return _failed(mail, Failure(f"cannot be sent: {exc}", True, False), session=session)
    except Failure as failure:
        return _failed(mail, failure, session=session)
    mail.sent_at, mail.last_error = utcnow(), ""
    session.add(mail)
    return None


def _failed(mail: OutgoingMail, failure: Failure, *, session: Session) -> Failure:
    log.warning("mail %s to member %s not sent: %s", mail.id, mail.member_id, failure.reason)
    mail.last_error = failure.reason[:500]
    if failure.permanent:
        mail.attempts = MAX_ATTEMPTS
    session.add(mail)
    return failure


def _expire(*, session: Session) -> None:
    """Give up unsent mail older than MAX_AGE: news that late is no news."""
    session.execute(
        update(OutgoingMail)
        .where(
            col(OutgoingMail.sent_at).is_(None),
            col(OutgoingMail.attempts) < MAX_ATTEMPTS,
            col(OutgoingMail.created_at) < utcnow() - MAX_AGE,
        )
        .values(attempts=MAX_ATTEMPTS, last_error=EXPIRED)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def prune(*, session: Session) -> int:
    """Delete mail sent (or given up, or never sent) more than KEEP_SENT ago: the outbox
    holds what members read, and is no archive."""
    cutoff = utcnow() - KEEP_SENT
    result = session.execute(
        delete(OutgoingMail)
        .where(col(OutgoingMail.created_at) < cutoff)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
