"""A survey's phone campaign: office staff write the script and name the callers; each
caller is given the next member to call, held for them by a claim that expires, so two
callers never call the same member at once; a call ends with an outcome. Who is called:
the survey's audience with a phone number, without those who asked not to be called, who
answered already, whose call ended for good, who are to be called again only later, and
who are claimed by another caller now.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text, update
from sqlmodel import Session, col, select

from plenum.clock import as_utc, utcnow
from plenum.db import insert_or_nothing
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.orgs.models import Chapter, Member
from plenum.orgs.service import subchapters
from plenum.surveys import call_list
from plenum.surveys.access import SurveyPlace, campaign_of
from plenum.surveys.answering import answer_by_phone
from plenum.surveys.answers import Answers
from plenum.surveys.audience import answered_ids, group_of, has_answered
from plenum.surveys.models import (
    FINAL_OUTCOMES,
    Call,
    CallListEntry,
    Campaign,
    CampaignCaller,
    Outcome,
    Survey,
)
from plenum.surveys.service import State, state_of

SCRIPT_MAX = 20_000
BATCH = 100  # candidates read per try, shuffled: callers at once mostly try different ones
TRIES = 8
REACHED = (Outcome.ANSWERED, Outcome.DECLINED, Outcome.DO_NOT_CALL)
NOT_OPEN = N_("The survey is not open: there is nobody to call.")
NOT_YOURS = N_("This call is not yours any more. Please ask for the next member.")


def _script(script: str) -> str:
    cleaned = script.strip()
    if not cleaned:
        raise ValidationFailed({"script": N_("Please write the script for the callers.")})
    if len(cleaned) > SCRIPT_MAX:
        raise ValidationFailed({"script": N_("The script is too long.")})
    return cleaned


def create_campaign(at: SurveyPlace, script: str, *, actor: int, session: Session) -> Campaign:
    """The survey's campaign (one per survey)."""
    values = {"script": _script(script), "created_by": actor, "created_at": utcnow()}
    if not insert_or_nothing(session, Campaign, survey_id=at.survey.id, claim_minutes=20, **values):
        raise DomainError(N_("This survey has a phone campaign already."))
    campaign = campaign_of(at.survey.id or 0, session=session)
    if campaign is None:  # inserted just now
        raise NotFound(N_("This survey has no phone campaign."))
    call_list.make(at.survey, at.chapter, campaign, session=session)
    announce(session, "surveys.campaign_created", survey_id=at.survey.id)
    return campaign


def update_script(at: SurveyPlace, campaign: Campaign, script: str, *, session: Session) -> None:
    campaign.script = _script(script)
    session.add(campaign)
    session.flush()


def add_caller(at: SurveyPlace, campaign: Campaign, member_id: int, *, session: Session) -> None:
    """Give the member the caller's function for this campaign only (once)."""
    insert_or_nothing(session, CampaignCaller, campaign_id=campaign.id, member_id=member_id)


def remove_caller(at: SurveyPlace, campaign: Campaign, member_id: int, *, session: Session) -> None:
    """Take the function back; the member they were calling is free again."""
    session.execute(
        delete(CampaignCaller).where(
            col(CampaignCaller.campaign_id) == campaign.id,
            col(CampaignCaller.member_id) == member_id,
        )
    )
    call_list.release_all(campaign, member_id, session=session)


def callers(campaign: Campaign, *, session: Session) -> list[Member]:
    query = (
        select(Member)
        .join(CampaignCaller, col(CampaignCaller.member_id) == Member.id)
        .where(CampaignCaller.campaign_id == campaign.id)
        .order_by(col(Member.display_name))
    )
    return list(session.exec(query).all())


def counties(at: SurveyPlace, *, session: Session) -> list[Chapter]:
    """The groups call lists are made for: the chapters directly below the survey's."""
    return subchapters(at.chapter, session=session)


# --- claiming the next member ------------------------------------------------------------------


def current_claim(
    campaign: Campaign, caller_id: int, *, session: Session, now: datetime | None = None
) -> Member | None:
    """The member the caller is calling now (their unexpired claim), if any."""
    entry = call_list.held(campaign, caller_id, session=session, now=now)
    return None if entry is None else session.get(Member, entry.member_id)


def _county(at: SurveyPlace, county_id: int | None, *, session: Session) -> Chapter | None:
    if county_id is None:
        return None
    if county_id == at.chapter.id:
        return at.chapter
    found = {c.id: c for c in counties(at, session=session)}.get(county_id)
    if found is None:
        raise NotFound(N_("This chapter does not exist."))
    return found


def _one_caller_at_a_time(campaign: Campaign, caller_id: int, *, session: Session) -> None:
    """PostgreSQL: a caller's claims are made one after another (SQLite writes are), so a
    caller pressing the button twice at once still holds one member."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:campaign, :caller)"),
            {"campaign": campaign.id, "caller": caller_id},
        )


def _callable(member: Member | None) -> bool:
    """Seen afresh once claimed: still a member, with a number, not asking not to be
    called (the list was made earlier)."""
    return (
        member is not None
        and member.removed_at is None
        and bool(member.phone)
        and member.no_calls_since is None
    )


def claim_next(
    at: SurveyPlace,
    campaign: Campaign,
    caller_id: int,
    *,
    session: Session,
    county_id: int | None = None,
    now: datetime | None = None,
) -> Member | None:
    """The caller's current member, else the next member to call, claimed for them (in
    the county ``county_id`` when given); None when nobody is left to call now."""
    moment = now or utcnow()
    if state_of(at.survey, moment) != State.OPEN:
        raise DomainError(NOT_OPEN)
    county = _county(at, county_id, session=session)
    _one_caller_at_a_time(campaign, caller_id, session=session)
    mine = current_claim(campaign, caller_id, session=session, now=moment)
    if mine is not None:
        return mine
    call_list.make(at.survey, at.chapter, campaign, session=session, now=moment)
    for _ in range(TRIES):
        member_id = call_list.take(
            campaign,
            caller_id,
            session=session,
            now=moment,
            county_id=county.id if county else None,
        )
        if member_id is None:
            return None
        member = session.get(Member, member_id)  # (who answers is taken off the list)
        if _callable(member):
            return member
        call_list.release(campaign, caller_id, member_id, session=session, done_at=moment)
    return None


# --- the end of a call --------------------------------------------------------------------------


def must_hold(campaign: Campaign, caller_id: int, member_id: int, *, session: Session) -> None:
    if not call_list.holds(campaign, caller_id, member_id, session=session):
        raise DomainError(NOT_YOURS)


def _outcome(
    at: SurveyPlace,
    member_id: int,
    outcome: str,
    again: datetime | None,
    now: datetime,
    *,
    session: Session,
) -> None:
    if outcome not in set(Outcome):
        raise ValidationFailed({"outcome": N_("Please choose how the call ended.")})
    if outcome == Outcome.NOT_REACHED and (again is None or as_utc(again) <= now):
        raise ValidationFailed({"call_again_at": N_("Please give a time in the future.")})
    if outcome == Outcome.ANSWERED and not has_answered(at.survey, member_id, session=session):
        raise DomainError(N_("The member's answers have not been entered."))


def finish_call(
    at: SurveyPlace,
    campaign: Campaign,
    caller_id: int,
    member_id: int,
    outcome: str,
    *,
    session: Session,
    call_again_at: datetime | None = None,
) -> Call:
    """End the caller's current call with ``outcome`` (a time to call again when the
    member was not reached); the member is free for the next caller or done."""
    if outcome == Outcome.ANSWERED:
        raise DomainError(N_("Enter the member's answers to end the call as answered."))
    return _record(at, campaign, caller_id, member_id, outcome, call_again_at, session=session)


def _record(
    at: SurveyPlace,
    campaign: Campaign,
    caller_id: int,
    member_id: int,
    outcome: str,
    call_again_at: datetime | None,
    *,
    session: Session,
) -> Call:
    now = utcnow()
    _outcome(at, member_id, outcome, call_again_at, now, session=session)
    again = call_again_at if outcome == Outcome.NOT_REACHED else None
    final = outcome in FINAL_OUTCOMES
    if outcome != Outcome.ANSWERED and not call_list.release(
        campaign,
        caller_id,
        member_id,
        session=session,
        done_at=now if final else None,
        next_call_at=again,
    ):
        raise DomainError(NOT_YOURS)
    if outcome == Outcome.DO_NOT_CALL:
        session.execute(
            update(Member)
            .where(col(Member.id) == member_id, col(Member.no_calls_since).is_(None))
            .values(no_calls_since=now)
            .execution_options(synchronize_session=False)
        )
        call_list.opt_out(member_id, session=session)
    call = Call(
        campaign_id=campaign.id or 0,
        member_id=member_id,
        caller_id=caller_id,
        county_id=group_of(at.chapter, member_id, session=session),
        outcome=outcome,
        call_again_at=again,
        called_at=now,
    )
    session.add(call)
    session.flush()
    announce(session, "surveys.called", survey_id=at.survey.id, outcome=outcome)
    return call


def answer_call(
    at: SurveyPlace,
    campaign: Campaign,
    caller_id: int,
    member_id: int,
    given: Answers,
    *,
    session: Session,
) -> Call:
    """Store the answers the caller's current member gave on the phone, and end the call
    as answered (for an anonymous survey the call keeps only that it took place)."""
    must_hold(campaign, caller_id, member_id, session=session)
    answer_by_phone(at, member_id, given, caller=caller_id, session=session)  # off the list
    return _record(at, campaign, caller_id, member_id, Outcome.ANSWERED, None, session=session)


def own_calls(
    campaign: Campaign, caller_id: int, *, session: Session, limit: int = 200
) -> list[tuple[Call, Member]]:
    """The caller's own past calls, the latest first."""
    query = (
        select(Call, Member)
        .join(Member, col(Member.id) == Call.member_id)
        .where(Call.campaign_id == campaign.id, Call.caller_id == caller_id)
        .order_by(col(Call.called_at).desc(), col(Call.id).desc())
        .limit(limit)
    )
    return [(call, member) for call, member in session.exec(query).all()]


# --- progress -----------------------------------------------------------------------------------


@dataclass
class Progress:
    """One county's call list: how many members are in it, still to call, reached, and
    how the calls ended (each member counted once, by their last call)."""

    chapter_id: int | None
    name: str
    members: int = 0
    to_call: int = 0
    answered: int = 0  # all answers, online and on the phone
    reached: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def progress(at: SurveyPlace, campaign: Campaign, *, session: Session) -> list[Progress]:
    """Per county: the members on the call list, those still to call, who answered (online
    or on the phone), who was reached, and how the last call to each member ended."""
    entries = session.exec(
        select(CallListEntry.member_id, CallListEntry.county_id, CallListEntry.done_at).where(
            CallListEntry.campaign_id == campaign.id
        )
    ).all()
    names = {c.id: c.name for c in counties(at, session=session)}
    names[at.chapter.id] = at.chapter.name
    rows: dict[int | None, Progress] = {}
    county_of: dict[int, int | None] = {}

    def row(key: int | None) -> Progress:
        return rows.setdefault(key, Progress(key, names.get(key, "") if key else ""))

    for member_id, county, done in entries:
        county_of[member_id] = county
        row(county).members += 1
        row(county).to_call += int(done is None)
    for member_id in county_of.keys() & answered_ids(at.survey, session=session):
        row(county_of[member_id]).answered += 1
    for member_id, outcome in _last_outcomes(campaign, session=session).items():
        if member_id in county_of:
            row(county_of[member_id]).outcomes[outcome] += 1
            row(county_of[member_id]).reached += int(outcome in REACHED)
    return sorted(rows.values(), key=lambda p: (p.chapter_id is None, p.name))


def _last_outcomes(campaign: Campaign, *, session: Session) -> dict[int, str]:
    query = (
        select(Call.member_id, Call.outcome)
        .where(Call.campaign_id == campaign.id)
        .order_by(col(Call.called_at), col(Call.id))
    )
    return dict(session.exec(query).all())


def member_data(member_id: int, *, session: Session) -> dict[str, list[dict[str, object]]]:
    """For the member's data download: the calls made to them and the calls they made."""

    def shown(call: Call, title: str) -> dict[str, object]:
        return {
            "survey": title,
            "outcome": call.outcome,
            "called_at": as_utc(call.called_at).isoformat(),
            "call_again_at": as_utc(call.call_again_at).isoformat() if call.call_again_at else None,
        }

    def calls_where(*where: Any) -> list[dict[str, object]]:
        query = (
            select(Call, Survey.title)
            .join(Campaign, col(Campaign.id) == Call.campaign_id)
            .join(Survey, col(Survey.id) == Campaign.survey_id)
            .where(*where)
            .order_by(col(Call.called_at))
        )
        return [shown(call, title) for call, title in session.exec(query).all()]

    return {
        "received": calls_where(col(Call.member_id) == member_id),
        "made": calls_where(col(Call.caller_id) == member_id),
    }
