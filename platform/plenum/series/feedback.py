"""The questionnaire after each session: could the participants follow, could they speak,
did childcare and accessibility work, was the time possible, and what else they want to
say. Aggregated per session and across the series so sessions can be compared.

Answers are anonymous to the same standard as secret ballots (``votes.sealing``):
``FeedbackGiven`` records only that a participant answered; the answer itself is stored
sealed (encrypted and padded to one length) until the questionnaire closes, and the count
then writes every answer anew in clear, with new random keys, in a transaction of its own,
so nothing of a clear answer leads back to the participant. No aggregate shows a session
with fewer than ``SMALLEST`` answers, and the series' totals count only the sessions shown.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, text, update
from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied, Principal
from plenum.clock import as_utc, utcnow
from plenum.db import changed_rows, insert_or_nothing
from plenum.errors import N_, DomainError, ValidationFailed
from plenum.events import announce
from plenum.mail.notices import notice_followers
from plenum.meetings.models import Presence
from plenum.parsing import form_choice
from plenum.series.access import SeriesPlace
from plenum.series.models import FeedbackAnswer, FeedbackGiven, SeriesSource, SourceKind
from plenum.votes import sealing

OPEN_FOR = timedelta(days=14)
SMALLEST = 5  # no aggregate of fewer answers is shown
SCALES = ("follow", "speak")
CHOICES = {
    "childcare": ("yes", "no", "none"),
    "accessibility": ("yes", "no", "none"),
    "time_ok": ("yes", "no"),
}
COMMENT_MAX = 2000
WIDTH = 8 * 1024 + 256  # every sealed answer is this long: the longest comment fits
ASKED = N_("How was “%(title)s”? Two minutes, anonymous.")


def _purpose(source_id: int) -> str:
    return f"plenum anonymous feedback of session {source_id}"


def participants(source: SeriesSource, *, session: Session) -> set[int]:
    """Who took part in the session's meeting: checked in at the hall or seen online."""
    if source.meeting_id is None:
        return set()
    query = select(Presence.member_id).where(Presence.meeting_id == source.meeting_id)
    return set(session.exec(query).all())


def open_for(at: SeriesPlace, source: SeriesSource, *, session: Session) -> int:
    """Open the questionnaire when the facilitator records the session (once) and ask
    every participant; how many were asked."""
    if source.kind != SourceKind.MEETING or source.feedback_closes_at is not None:
        return 0
    source.feedback_closes_at = utcnow() + OPEN_FOR
    session.add(source)
    session.flush()
    asked = participants(source, session=session)
    url = f"/series/{at.series.id}/sources/{source.id}/feedback"
    notice_followers(asked, ASKED, url=url, session=session, title=source.title)
    return len(asked)


def is_open(source: SeriesSource, now: datetime | None = None) -> bool:
    closes = source.feedback_closes_at
    return closes is not None and (now or utcnow()) < as_utc(closes)


def parse(values: dict[str, str]) -> dict[str, str | int | None]:
    """The answers as typed; every question may be left out, but not all of them."""
    errors: dict[str, str] = {}
    found: dict[str, str | int | None] = {}
    for name in SCALES:
        raw = values.get(name, "")
        found[name] = int(raw) if raw in ("1", "2", "3", "4", "5") else None
        if raw and found[name] is None:
            errors[name] = N_("Please choose from 1 to 5.")
    for name, allowed in CHOICES.items():
        raw = values.get(name, "")
        found[name] = form_choice(values, name, ("", *allowed), errors, N_("Please choose one."))
    comment = values.get("comment", "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = N_("At most 2,000 characters, please.")
    found["comment"] = comment
    if not errors and not any(found.values()):
        errors["follow"] = N_("Please answer at least one question.")
    if errors:
        raise ValidationFailed(errors)
    return found


def answer(
    at: SeriesPlace,
    source: SeriesSource,
    answers: dict[str, str | int | None],
    *,
    principal: Principal,
    session: Session,
) -> None:
    """Take a participant's answers, once. The has-answered row and the sealed answer
    share nothing but the session."""
    if principal.member_id not in participants(source, session=session):
        raise PermissionDenied("series.feedback")
    if not is_open(source):
        raise DomainError(N_("This questionnaire is closed."))
    first = insert_or_nothing(
        session, FeedbackGiven, source_id=source.id, member_id=principal.member_id
    )
    if not first:
        raise DomainError(N_("You have answered this questionnaire already. Thank you!"))
    plain = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    session.add(
        FeedbackAnswer(
            key=secrets.token_hex(16),
            source_id=source.id or 0,
            sealed=sealing.seal_text(_purpose(source.id or 0), plain, size=WIDTH),
        )
    )
    session.flush()


def answered(source: SeriesSource, member_id: int, *, session: Session) -> bool:
    query = select(FeedbackGiven.id).where(
        FeedbackGiven.source_id == source.id, FeedbackGiven.member_id == member_id
    )
    return session.exec(query).first() is not None


# --- the count -------------------------------------------------------------------------------


def count_due(*, session: Session, now: datetime | None = None) -> int:
    """Count the questionnaires that have closed (the clock runs this); how many."""
    moment = now or utcnow()
    due = session.exec(
        select(SeriesSource).where(
            col(SeriesSource.feedback_closes_at) <= moment,
            col(SeriesSource.feedback_counted_at).is_(None),
        )
    ).all()
    for source in due:
        _count(source, moment, session=session)
    return len(due)


def _count(source: SeriesSource, moment: datetime, *, session: Session) -> None:
    """Open the sealed answers and write them anew in clear, in the order of new random
    keys, after deleting the sealed rows; on PostgreSQL also rewrite the has-answered rows
    in member order, so neither transaction ids nor physical order pair them."""
    claimed = session.execute(
        update(SeriesSource)
        .where(col(SeriesSource.id) == source.id, col(SeriesSource.feedback_counted_at).is_(None))
        .values(feedback_counted_at=moment)
        .execution_options(synchronize_session=False)
    )
    if changed_rows(claimed) != 1:
        return  # counted by another clock at the same moment
    sealed = session.exec(
        select(FeedbackAnswer.sealed).where(
            FeedbackAnswer.source_id == source.id, col(FeedbackAnswer.sealed).is_not(None)
        )
    ).all()
    opened = [
        json.loads(sealing.unseal_text(_purpose(source.id or 0), box)) for box in sealed if box
    ]
    session.execute(
        delete(FeedbackAnswer).where(
            col(FeedbackAnswer.source_id) == source.id, col(FeedbackAnswer.sealed).is_not(None)
        )
    )
    rows = sorted((secrets.token_hex(16), one) for one in opened)
    for key, one in rows:
        session.add(
            FeedbackAnswer(
                key=key,
                source_id=source.id or 0,
                follow=_scale(one.get("follow")),
                speak=_scale(one.get("speak")),
                childcare=str(one.get("childcare") or ""),
                accessibility=str(one.get("accessibility") or ""),
                time_ok=str(one.get("time_ok") or ""),
                comment=str(one.get("comment") or ""),
            )
        )
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(RESEAL_GIVEN), {"source": source.id})
    announce(session, "series.feedback_counted", source_id=source.id)


def _scale(value: object) -> int | None:
    return value if isinstance(value, int) and 1 <= value <= 5 else None


RESEAL_GIVEN = (
    "WITH moved AS (DELETE FROM feedback_given WHERE source_id = :source RETURNING *) "
    "INSERT INTO feedback_given SELECT * FROM moved ORDER BY member_id"
)


# --- results ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """The answers of one session (or of the series' shown sessions) to each question."""

    answers: int = 0
    scales: dict[str, Counter[int]] = field(default_factory=lambda: {n: Counter() for n in SCALES})
    choices: dict[str, Counter[str]] = field(
        default_factory=lambda: {n: Counter() for n in CHOICES}
    )
    comments: list[str] = field(default_factory=list)

    def add(self, row: FeedbackAnswer) -> None:
        self.answers += 1
        for name in SCALES:
            value = getattr(row, name)
            if value:
                self.scales[name][value] += 1
        for name in CHOICES:
            value = getattr(row, name)
            if value:
                self.choices[name][value] += 1
        if row.comment:
            self.comments.append(row.comment)

    def mean(self, name: str) -> float | None:
        counts = self.scales[name]
        total = sum(counts.values())
        return sum(k * v for k, v in counts.items()) / total if total else None


@dataclass(frozen=True)
class SessionResult:
    source: SeriesSource
    given: int  # how many answered (known while open)
    tally: Tally | None  # None: not counted yet, or fewer than SMALLEST answers


@dataclass(frozen=True)
class Results:
    sessions: list[SessionResult]
    overall: Tally  # the sessions shown only: nothing hidden can be worked out from it


def results(at: SeriesPlace, *, session: Session) -> Results:
    sources = session.exec(
        select(SeriesSource)
        .where(SeriesSource.series_id == at.series.id, SeriesSource.kind == SourceKind.MEETING)
        .order_by(col(SeriesSource.starts_at))
    ).all()
    ids = [source.id for source in sources]
    given = Counter(
        session.exec(
            select(FeedbackGiven.source_id).where(col(FeedbackGiven.source_id).in_(ids))
        ).all()
    )
    tallies: dict[int, Tally] = {}
    rows = session.exec(
        select(FeedbackAnswer)
        .where(col(FeedbackAnswer.source_id).in_(ids), col(FeedbackAnswer.sealed).is_(None))
        .order_by(col(FeedbackAnswer.comment), col(FeedbackAnswer.key))
    ).all()
    by_source: dict[int, list[FeedbackAnswer]] = {}
    for row in rows:
        tallies.setdefault(row.source_id, Tally()).add(row)
        by_source.setdefault(row.source_id, []).append(row)
    overall = Tally()
    shown = []
    for source in sources:
        tally = tallies.get(source.id or 0)
        if source.feedback_counted_at is None or tally is None or tally.answers < SMALLEST:
            tally = None
        else:
            for row in by_source[source.id or 0]:
                overall.add(row)
        shown.append(SessionResult(source, given[source.id or 0], tally))
    return Results(shown, overall)
