"""A series of meetings with one guiding question: setting it up, its sources, the
results of its sessions, and the proposals of the online week and the phone channel.

Every proposal keeps its origin (its source, that source's chapter and date) for good.
Limits on the number of proposals are counted with the series' row locked, so two
requests at once cannot pass the limit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from plenum.auth.permissions import PermissionDenied, Principal
from plenum.clock import as_utc, utcnow
from plenum.db import changed_rows, insert_or_nothing
from plenum.discuss import access as spaces
from plenum.discuss.models import Thread, ThreadKind
from plenum.errors import N_, DomainError, NotFound, ValidationFailed
from plenum.events import announce
from plenum.meetings.models import Meeting, MeetingStatus
from plenum.orgs.models import Chapter, Member
from plenum.orgs.service import member_in_by_number
from plenum.series import feedback
from plenum.series.access import Allowed, SeriesPlace
from plenum.series.forms import ProposalInput, SeriesInput, SourceInput
from plenum.series.models import (
    Phase,
    Proposal,
    ProposalSupport,
    Series,
    SeriesRole,
    SeriesRoleKind,
    SeriesSource,
    SourceKind,
)


def phase_of(series: Series, now: datetime | None = None) -> Phase:
    """The phase the series is in at ``now``: each phase lasts until its end date."""
    now = now or utcnow()
    ends = (
        (series.collecting_ends_at, Phase.COLLECTING),
        (series.synthesis_ends_at, Phase.SYNTHESIS),
        (series.evaluation_ends_at, Phase.EVALUATION),
        (series.decision_ends_at, Phase.DECISION),
    )
    for end, phase in ends:
        if now < as_utc(end):
            return phase
    return Phase.FEEDBACK


def phases(series: Series) -> list[tuple[Phase, datetime | None]]:
    """Each phase with the moment it ends (feedback has no end)."""
    return [
        (Phase.COLLECTING, series.collecting_ends_at),
        (Phase.SYNTHESIS, series.synthesis_ends_at),
        (Phase.EVALUATION, series.evaluation_ends_at),
        (Phase.DECISION, series.decision_ends_at),
        (Phase.FEEDBACK, None),
    ]


def create_series(chapter: Chapter, data: SeriesInput, *, actor: int, session: Session) -> Series:
    collecting, synthesis, evaluation, decision = data.ends
    series = Series(
        chapter_id=chapter.id or 0,
        title=data.title,
        question=data.question,
        max_proposals=data.max_proposals,
        with_costs=data.with_costs,
        collecting_ends_at=collecting,
        synthesis_ends_at=synthesis,
        evaluation_ends_at=evaluation,
        decision_ends_at=decision,
        created_by=actor,
    )
    session.add(series)
    session.flush()
    series.thread_id = _discussion(chapter, data.title, session=session)
    session.add(series)
    session.flush()
    announce(session, "series.created", series_id=series.id, chapter_id=chapter.id)
    return series


def _discussion(chapter: Chapter, title: str, *, session: Session) -> int:
    """The members' discussion of a series and its synthesis: a topic of the chapter's
    space that nobody opened (so no member can delete it)."""
    space = spaces.chapter_space(chapter, session=session)
    thread = Thread(space_id=space.space.id or 0, kind=ThreadKind.TOPIC, title=title[:200])
    session.add(thread)
    session.flush()
    return thread.id or 0


def series_of(chapter: Chapter, *, session: Session) -> Sequence[Series]:
    """The chapter's series, the newest first."""
    query = select(Series).where(Series.chapter_id == chapter.id)
    return session.exec(query.order_by(col(Series.collecting_ends_at).desc())).all()


# --- sources ---------------------------------------------------------------------------------


def meetings_to_add(at: SeriesPlace, *, session: Session) -> Sequence[Meeting]:
    """Meetings of the series' chapter and the chapters below that are not yet sessions."""
    taken = select(col(SeriesSource.meeting_id)).where(
        SeriesSource.series_id == at.series.id, col(SeriesSource.meeting_id).is_not(None)
    )
    query = (
        select(Meeting)
        .join(Chapter, col(Chapter.id) == Meeting.chapter_id)
        .where(
            col(Chapter.path).startswith(at.chapter.path),
            Meeting.status != MeetingStatus.CANCELLED,
            col(Meeting.id).not_in(taken),
        )
        .order_by(col(Meeting.starts_at))
    )
    return session.exec(query).all()


def add_source(at: SeriesPlace, data: SourceInput, *, session: Session) -> SeriesSource:
    """Make a meeting a session of the series, or open the online week or the phone
    channel for the window given."""
    if data.kind == SourceKind.MEETING:
        meeting = session.get(Meeting, data.meeting_id)
        if meeting is None or meeting not in meetings_to_add(at, session=session):
            raise ValidationFailed(
                {"meeting_id": N_("Please choose a meeting of this chapter or a chapter below.")}
            )
        source = SeriesSource(
            series_id=at.series.id or 0,
            kind=data.kind,
            meeting_id=meeting.id,
            chapter_id=meeting.chapter_id,
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            weight_kind=data.weight_kind,
        )
    else:
        source = SeriesSource(
            series_id=at.series.id or 0,
            kind=data.kind,
            chapter_id=at.chapter.id or 0,
            title=data.title,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            weight_kind=data.weight_kind,
        )
    try:
        with session.begin_nested():
            session.add(source)
    except IntegrityError:  # the same meeting, added at the same moment
        raise ValidationFailed({"meeting_id": N_("This meeting is a session already.")}) from None
    announce(session, "series.source_added", series_id=at.series.id, source_id=source.id)
    return source


def source_in(at: SeriesPlace, source_id: int, *, session: Session) -> SeriesSource:
    source = session.get(SeriesSource, source_id)
    if source is None or source.series_id != at.series.id:
        raise NotFound(N_("This session does not exist."))
    return source


def record_attendance(
    at: SeriesPlace, source: SeriesSource, counts: tuple[int, int], *, actor: int, session: Session
) -> None:
    if source.kind != SourceKind.MEETING:
        raise DomainError(N_("Attendance is recorded for sessions only."))
    if phase_of(at.series) != Phase.COLLECTING:
        raise DomainError(N_("The series no longer collects proposals."))
    source.hall_count, source.online_count = counts
    source.recorded_by, source.recorded_at = actor, utcnow()
    session.add(source)
    session.flush()
    feedback.open_for(at, source, session=session)  # the participants are asked, once
    announce(session, "series.attendance", series_id=at.series.id, source_id=source.id)


# --- proposals -------------------------------------------------------------------------------


def is_open(source: SeriesSource, now: datetime | None = None) -> bool:
    """Whether a channel takes proposals now (within its window)."""
    now = now or utcnow()
    return as_utc(source.starts_at) <= now < as_utc(source.ends_at)


def add_proposal(
    at: SeriesPlace,
    source: SeriesSource,
    data: ProposalInput,
    may_do: Allowed,
    *,
    principal: Principal,
    session: Session,
) -> Proposal:
    """A session's proposal (by its facilitator), a member's own in the online week, or a
    member's answer on the phone (by a caller). The series must be locked by the caller
    (``series_place(lock=True)``): the limits are counted under that lock. The same form
    sent twice stores one proposal."""
    earlier = _earlier(principal.member_id, data.key, session=session)
    if earlier is not None and earlier.source_id == source.id:
        return earlier  # the same form again
    if earlier is not None:
        raise DomainError(N_("This form was used already. Reload the page and enter it again."))
    member_id = _check_proposal(at, source, data, may_do, principal, session=session)
    proposal = Proposal(
        series_id=at.series.id or 0,
        source_id=source.id or 0,
        origin_chapter_id=source.chapter_id,
        origin_date=source.starts_at if source.kind == SourceKind.MEETING else utcnow(),
        title=data.title,
        text=data.text,
        reasons=data.reasons,
        cost=data.cost if at.series.with_costs else "",
        weight=data.weight if source.kind == SourceKind.MEETING else None,
        member_id=member_id,
        entered_by=principal.member_id,
        consent=data.consent and source.kind == SourceKind.PHONE,
        idempotency_key=data.key or None,
    )
    try:
        with session.begin_nested():
            session.add(proposal)
    except IntegrityError:  # the same form, sent at the same moment
        again = _earlier(principal.member_id, data.key, session=session)
        if again is None:
            raise
        return again
    announce(session, "series.proposed", series_id=at.series.id, proposal_id=proposal.id)
    return proposal


def _earlier(member_id: int, key: str, *, session: Session) -> Proposal | None:
    if not key:
        return None
    query = select(Proposal).where(
        Proposal.entered_by == member_id, Proposal.idempotency_key == key
    )
    return session.exec(query).first()


def _check_proposal(
    at: SeriesPlace,
    source: SeriesSource,
    data: ProposalInput,
    may_do: Allowed,
    principal: Principal,
    *,
    session: Session,
) -> int | None:
    """Refuse what may not be entered; the member the proposal is of (online week: the
    proposer; phone: the member called), if any."""
    limit = at.series.max_proposals
    if source.kind == SourceKind.MEETING:
        if not may_do.facilitate:
            raise PermissionDenied("series.facilitate")
        if phase_of(at.series) != Phase.COLLECTING:
            raise DomainError(N_("The series no longer collects proposals."))
        if _count(Proposal.source_id == source.id, session=session) >= limit:
            raise DomainError(N_("This session has all the proposals it may have."))
        return None
    if not is_open(source):
        raise DomainError(N_("This channel takes no proposals now."))
    if source.kind == SourceKind.ONLINE_WEEK:
        if not may_do.take_part:
            raise PermissionDenied("chapter.participate")
        mine = (Proposal.source_id == source.id, Proposal.member_id == principal.member_id)
        if _count(*mine, session=session) >= limit:
            raise DomainError(N_("You have made all the proposals you may make here."))
        return principal.member_id
    if not may_do.phone:
        raise PermissionDenied("series.phone")
    member = member_in_by_number(at.chapter, data.member_number, session=session)
    return member.id


def _count(*where: Any, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Proposal).where(*where)).one())


def set_support(
    at: SeriesPlace,
    proposal: Proposal,
    support: bool,
    may_do: Allowed,
    *,
    principal: Principal,
    session: Session,
) -> bool:
    """Support an online-week proposal, or take the support back, while the week runs;
    True when the member now supports it. The same request twice has one effect, and
    the count follows the rows (never below zero)."""
    source = session.get(SeriesSource, proposal.source_id)
    if source is None or source.kind != SourceKind.ONLINE_WEEK:
        raise DomainError(N_("Only proposals of the online week are supported."))
    if not may_do.take_part:
        raise PermissionDenied("chapter.participate")
    if proposal.member_id == principal.member_id:
        raise DomainError(N_("You cannot support your own proposal."))
    if not is_open(source):
        raise DomainError(N_("The online week is over."))
    if support:
        changed = insert_or_nothing(
            session,
            ProposalSupport,
            proposal_id=proposal.id,
            member_id=principal.member_id,
            created_at=utcnow(),
        )
    else:
        gone = session.execute(
            delete(ProposalSupport).where(
                col(ProposalSupport.proposal_id) == proposal.id,
                col(ProposalSupport.member_id) == principal.member_id,
            )
        )
        changed = changed_rows(gone) == 1
    if changed:
        step = 1 if support else -1
        session.execute(
            update(Proposal)
            .where(col(Proposal.id) == proposal.id)
            .values(support_count=Proposal.support_count + step)
            .execution_options(synchronize_session=False)
        )
        announce(session, "series.supported", series_id=at.series.id, proposal_id=proposal.id)
    return support


def proposal_in(at: SeriesPlace, proposal_id: int, *, session: Session) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.series_id != at.series.id:
        raise NotFound(N_("This proposal does not exist."))
    return proposal


# --- what the series page shows --------------------------------------------------------------


@dataclass
class SourceShown:
    source: SeriesSource
    chapter_name: str
    proposals: list[Proposal] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    sources: list[SourceShown]
    supported: set[int]  # the proposals the member supports
    proposal_count: int


def overview(at: SeriesPlace, *, member_id: int, session: Session) -> Overview:
    """The series' sources in date order, each with its proposals (the heaviest first),
    and which of them the member supports: three statements, whatever the counts."""
    rows = session.exec(
        select(SeriesSource, Chapter.name)
        .join(Chapter, col(Chapter.id) == SeriesSource.chapter_id)
        .where(SeriesSource.series_id == at.series.id)
        .order_by(col(SeriesSource.starts_at), col(SeriesSource.id))
    ).all()
    shown = {source.id: SourceShown(source, name) for source, name in rows}
    proposals = session.exec(
        select(Proposal)
        .where(Proposal.series_id == at.series.id)
        .order_by(col(Proposal.weight).desc(), col(Proposal.support_count).desc(), col(Proposal.id))
    ).all()
    for proposal in proposals:
        if proposal.source_id in shown:
            shown[proposal.source_id].proposals.append(proposal)
    supported = set(
        session.exec(
            select(ProposalSupport.proposal_id)
            .join(Proposal, col(Proposal.id) == ProposalSupport.proposal_id)
            .where(Proposal.series_id == at.series.id, ProposalSupport.member_id == member_id)
        ).all()
    )
    return Overview(list(shown.values()), supported, len(proposals))


# --- functions in the series -----------------------------------------------------------------


def give_role(at: SeriesPlace, member_number: str, role: str, *, session: Session) -> None:
    """Give a member of the series' chapter (or below) a function in this series."""
    if role not in tuple(SeriesRoleKind):
        raise ValidationFailed({"role": N_("Please choose a function.")})
    member = member_in_by_number(at.chapter, member_number, session=session)
    insert_or_nothing(session, SeriesRole, series_id=at.series.id, member_id=member.id, role=role)


def take_role(at: SeriesPlace, role_id: int, *, session: Session) -> None:
    row = session.get(SeriesRole, role_id)
    if row is None or row.series_id != at.series.id:
        raise DomainError(N_("This function is not given in this series."))
    session.delete(row)
    session.flush()


def roles(at: SeriesPlace, *, session: Session) -> list[tuple[SeriesRole, str]]:
    query = (
        select(SeriesRole, Member.display_name)
        .join(Member, col(Member.id) == SeriesRole.member_id)
        .where(SeriesRole.series_id == at.series.id)
        .order_by(col(SeriesRole.role), col(Member.display_name))
    )
    return [(row, name) for row, name in session.exec(query).all()]


# --- what was entered for a member on the phone ------------------------------------------------


def entered_for(member_id: int, *, session: Session) -> list[tuple[Proposal, Series]]:
    """The answers callers entered for the member, with their series, newest first."""
    query = (
        select(Proposal, Series)
        .join(Series, col(Series.id) == Proposal.series_id)
        .join(SeriesSource, col(SeriesSource.id) == Proposal.source_id)
        .where(Proposal.member_id == member_id, SeriesSource.kind == SourceKind.PHONE)
        .order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc())
    )
    return [(proposal, series) for proposal, series in session.exec(query).all()]


def remove_entered(member_id: int, proposal_id: int, *, session: Session) -> bool:
    """The member has an answer a caller entered for them removed; False when it was gone.
    Its supports go with it."""
    found = {proposal.id: proposal for proposal, _ in entered_for(member_id, session=session)}
    proposal = found.get(proposal_id)
    if proposal is None:
        return False
    session.execute(delete(ProposalSupport).where(col(ProposalSupport.proposal_id) == proposal_id))
    session.delete(proposal)
    session.flush()
    announce(session, "series.answer_removed", proposal_id=proposal_id)
    return True


def member_data(member_id: int, *, session: Session) -> dict[str, list[dict[str, object]]]:
    """For "Meine Daten": the proposals made by the member or entered for them, those
    they supported, the answers they entered as a caller, and their functions."""

    def shown(proposal: Proposal) -> dict[str, object]:
        return {
            "series_id": proposal.series_id,
            "title": proposal.title,
            "text": proposal.text,
            "reasons": proposal.reasons,
            "entered_by_caller": proposal.entered_by != proposal.member_id,
            "created_at": as_utc(proposal.created_at).isoformat(),
        }

    by_id = col(Proposal.id)
    mine = select(Proposal).where(Proposal.member_id == member_id).order_by(by_id)
    supported = (
        select(Proposal)
        .join(ProposalSupport, col(ProposalSupport.proposal_id) == Proposal.id)
        .where(ProposalSupport.member_id == member_id)
        .order_by(by_id)
    )
    entered = (
        select(Proposal)
        .where(Proposal.entered_by == member_id, Proposal.member_id != member_id)
        .join(SeriesSource, col(SeriesSource.id) == Proposal.source_id)
        .where(SeriesSource.kind == SourceKind.PHONE)
        .order_by(by_id)
    )
    functions = select(SeriesRole).where(SeriesRole.member_id == member_id)
    return {
        "proposals": [shown(p) for p in session.exec(mine).all()],
        "supported": [shown(p) for p in session.exec(supported).all()],
        "entered_as_caller": [shown(p) for p in session.exec(entered).all()],
        "functions": [
            {"series_id": role.series_id, "function": role.role}
            for role in session.exec(functions).all()
        ],
    }
