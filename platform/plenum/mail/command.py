"""What ``plenum digests`` does: queue the digests, send the outbox, tidy it up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from plenum.clock import utcnow
from plenum.db import Database
from plenum.mail.digests import make_digests
from plenum.mail.outbox import prune, send_pending
from plenum.settings import Settings
from plenum.times import LOCAL_TIME

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    queued: int  # digests written to the outbox
    sent: int  # mails sent from the outbox (digests and anything waiting)
    pruned: int  # old outbox rows deleted


def parse_moment(raw: str) -> datetime:
    """An ISO date-time; without a zone it is party time (Europe/Berlin)."""
    moment = datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TIME)


def run_digests(settings: Settings, kind: str, at: datetime | None = None) -> Outcome:
    """Queue the ``kind`` digests for ``at`` (now), then send whatever waits in the outbox.
    With e-mail off nothing is queued, so no stale digests pile up."""
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            pruned = prune(session=session)
            if not settings.mail_enabled:
                log.warning("e-mail is off (PLENUM_SMTP_HOST is empty): no digests made")
                return Outcome(0, 0, pruned)
            queued = make_digests(kind, at or utcnow(), session=session)
            sent = send_pending(settings, session=session)
            return Outcome(queued, sent, pruned)
    finally:
        database.dispose()
