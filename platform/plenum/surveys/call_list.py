"""A campaign's call list: made once from the survey's audience when the campaign and the
open survey meet (members with a phone number who have not asked not to be called), then
worked through by the callers. Taking the next member is one guarded statement on an
index — on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so callers at the same moment take
different members without waiting for one another; SQLite writes one at a time — so a
claim stays fast with a hundred thousand members and fifty callers, and two callers never
hold the same member. Members drop out of the list when they answer (online or on the
phone), when a call ends for good, and when they ask not to be called.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from plenum.clock import utcnow
from plenum.db import changed_rows, update_if
from plenum.orgs.models import Chapter, Member
from plenum.surveys.audience import answered_ids, audience_query, groups_of
from plenum.surveys.models import CallListEntry, Campaign, Survey

CHUNK = 5000  # rows per INSERT when the list is made


def make(
    survey: Survey,
    chapter: Chapter,
    campaign: Campaign,
    *,
    session: Session,
    now: datetime | None = None,
) -> int:
    """Make the campaign's call list, once, if the survey is open; how many are on it."""
    moment = now or utcnow()
    if survey.opened_at is None or campaign.listed_at is not None:
        return 0
    if not update_if(session, campaign, {"listed_at": None}, listed_at=moment):
        return 0  # made by another request at the same moment
    reachable = audience_query(survey, chapter).where(
        col(Member.phone) != "", col(Member.no_calls_since).is_(None)
    )
    members = sorted(session.exec(reachable).all())
    counties = groups_of(chapter, members, session=session)
    answered = answered_ids(survey, session=session)
    rows = [
        {
            "campaign_id": campaign.id,
            "member_id": member_id,
            "county_id": counties.get(member_id),
            "next_call_at": moment,
            "done_at": moment if member_id in answered else None,
        }
        for member_id in members
    ]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(CallListEntry), rows[start : start + CHUNK])
    return len(rows)


def _open_entries(member_id: int) -> tuple[Any, ...]:
    return (col(CallListEntry.member_id) == member_id, col(CallListEntry.done_at).is_(None))


def done(survey_id: int, member_id: int, *, session: Session) -> None:
    """The member answered the survey: off its campaign's list."""
    campaigns = select(Campaign.id).where(Campaign.survey_id == survey_id)
    session.execute(
        update(CallListEntry)
        .where(col(CallListEntry.campaign_id).in_(campaigns), *_open_entries(member_id))
        .values(done_at=utcnow(), caller_id=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def opt_out(member_id: int, *, session: Session) -> None:
    """The member asked not to be called: off every list."""
    session.execute(
        update(CallListEntry)
        .where(*_open_entries(member_id))
        .values(done_at=utcnow(), caller_id=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def held(
    campaign: Campaign, caller_id: int, *, session: Session, now: datetime | None = None
) -> CallListEntry | None:
    """The entry the caller holds now (an unexpired claim), if any."""
    query = select(CallListEntry).where(
        CallListEntry.campaign_id == campaign.id,
        CallListEntry.caller_id == caller_id,
        col(CallListEntry.claimed_until) > (now or utcnow()),
        col(CallListEntry.done_at).is_(None),
    )
    return session.exec(query.order_by(col(CallListEntry.id))).first()


def take(
    campaign: Campaign,
    caller_id: int,
    *,
    session: Session,
    now: datetime,
    county_id: int | None = None,
) -> int | None:
    """Claim the first free member of the list (in the county, if given) for the caller:
    not done, due (``next_call_at``), not held by anyone (or held by a claim that ran
    out). The member's id, or None when nobody is free now."""
    free = (
        select(CallListEntry.id)
        .where(
            col(CallListEntry.campaign_id) == campaign.id,
            col(CallListEntry.done_at).is_(None),
            col(CallListEntry.next_call_at) <= now,
            (col(CallListEntry.claimed_until).is_(None))
            | (col(CallListEntry.claimed_until) <= now),
        )
        .order_by(col(CallListEntry.next_call_at), col(CallListEntry.id))
        .limit(1)
    )
    if county_id is not None:
        free = free.where(col(CallListEntry.county_id) == county_id)
    if session.get_bind().dialect.name == "postgresql":
        free = free.with_for_update(skip_locked=True)
    until = now + timedelta(minutes=campaign.claim_minutes)
    taken = session.execute(
        update(CallListEntry)
        .where(col(CallListEntry.id) == free.scalar_subquery())
        .values(caller_id=caller_id, claimed_until=until)
        .returning(col(CallListEntry.member_id))
        .execution_options(synchronize_session=False)
    ).first()
    return None if taken is None else int(taken[0])


def holds(campaign: Campaign, caller_id: int, member_id: int, *, session: Session) -> bool:
    """Whether the caller still holds the member (an expired claim too, unless another
    caller has taken the member since)."""
    query = select(CallListEntry.id).where(
        CallListEntry.campaign_id == campaign.id,
        CallListEntry.member_id == member_id,
        CallListEntry.caller_id == caller_id,
        col(CallListEntry.done_at).is_(None),
    )
    return session.exec(query).first() is not None


def release(
    campaign: Campaign,
    caller_id: int,
    member_id: int,
    *,
    session: Session,
    done_at: datetime | None = None,
    next_call_at: datetime | None = None,
) -> bool:
    """Let the member go: done for good (``done_at``), to be called again later
    (``next_call_at``), or free at once. False when the caller no longer held them."""
    values: dict[str, object] = {"caller_id": None, "claimed_until": None}
    if done_at is not None:
        values["done_at"] = done_at
    if next_call_at is not None:
        values["next_call_at"] = next_call_at
    released = session.execute(
        update(CallListEntry)
        .where(
            col(CallListEntry.campaign_id) == campaign.id,
            col(CallListEntry.member_id) == member_id,
            col(CallListEntry.caller_id) == caller_id,
            col(CallListEntry.done_at).is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(released) == 1


def release_all(campaign: Campaign, caller_id: int, *, session: Session) -> None:
    """The caller is no longer one: whoever they held is free."""
    session.execute(
        update(CallListEntry)
        .where(
            col(CallListEntry.campaign_id) == campaign.id,
            col(CallListEntry.caller_id) == caller_id,
        )
        .values(caller_id=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
