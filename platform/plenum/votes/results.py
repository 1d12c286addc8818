"""Counting and what follows: close, count, recount, publish with its outcome, the
anonymous ballot list, and the next ballot of an election (runoff, open seats, list place).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, text, update
from sqlmodel import Session, col, select

from plenum.auth.permissions import Principal
from plenum.clock import as_utc, utcnow
from plenum.errors import N_, DomainError
from plenum.events import announce
from plenum.i18n import gettext, in_locale
from plenum.motions.forms import TransitionInput
from plenum.motions.models import Status
from plenum.orgs.models import Member
from plenum.text.plain import spreadsheet_cell
from plenum.votes import casting, groups, roll, sealing, service, tally
from plenum.votes.models import Ballot, HallCount, Stage, Vote, VoteMode, VoteOption, VoteStatus
from plenum.votes.service import VotePlace
from plenum.votes.tally import Method, OptionKind, Result

# --- counting -----------------------------------------------------------------------------


def counts_of(vote: Vote, *, session: Session) -> dict[tuple[int, ...], int]:
    """How many ballots of each kind: grouped in the database, so 100,000 ballots of a
    yes/no vote come back as three rows."""
    query = (
        select(Ballot.choices, func.count())
        .where(Ballot.vote_id == vote.id)
        .group_by(col(Ballot.choices))
    )
    counted = {tally.decode(choices): int(n) for choices, n in session.exec(query)}
    for option_id, n in hall_counts(vote, session=session).items():  # a room's hall, by hand
        counted[(option_id,)] = counted.get((option_id,), 0) + n
    return counted


def hall_counts(vote: Vote, *, session: Session) -> dict[int, int]:
    """What the desk counted in the hall for a vote in a meeting's live room, by answer."""
    query = select(HallCount.option_id, HallCount.count).where(HallCount.vote_id == vote.id)
    return {option_id: count for option_id, count in session.exec(query) if count}


def count(vote: Vote, *, session: Session, draw: tally.Draw = tally.system_lot) -> Result:
    options = service.tally_options(vote, service.options_of(vote, session=session))
    return tally.tally(options, counts_of(vote, session=session), service.rules_of(vote), draw=draw)


def result_of(vote: Vote) -> Result | None:
    return Result.from_json(vote.result) if vote.result else None


# How long after the close a ballot may still be on its way from another process of the
# site (one process knows its own: see ``web.arrivals``); also how long after its end
# time a vote with a period is counted, by the clock or on the first look.
SETTLE = timedelta(seconds=5)


def stop_taking(vote: Vote, moment: datetime, *, session: Session) -> datetime | None:
    """The close was pressed at ``moment``: ballots that arrive later are refused, those
    that arrived before it are still taken until the vote is counted (``close_vote``).
    A second press keeps the first moment. The moment that holds, or None if the vote is
    not open."""
    session.execute(
        update(Vote)
        .where(
            col(Vote.id) == vote.id,
            col(Vote.status) == VoteStatus.OPEN.value,
            col(Vote.closed_at).is_(None),
        )
        .values(closed_at=moment)
    )
    found = session.execute(
        select(Vote.closed_at).where(Vote.id == vote.id, Vote.status == VoteStatus.OPEN)
    ).scalar_one_or_none()
    return as_utc(found) if found is not None else None


def is_closing(vote: Vote, now: datetime) -> bool:
    """Open, but closed to new ballots: the close was pressed or the end time passed, and
    the ballots that arrived before are still being written before the count."""
    if vote.status != VoteStatus.OPEN:
        return False
    return vote.closed_at is not None or (
        vote.closes_at is not None and as_utc(vote.closes_at) <= now
    )


def close_vote(at: VotePlace, *, actor: int | None, session: Session) -> Vote:
    """Close the vote and count it. Ballots that arrived before the close (``stop_taking``,
    else the end time, else now) and were written before the count are counted; the count
    takes the vote's row lock, so a ballot still being written is counted or refused as a
    whole, and every later one is refused (see ``casting``)."""
    vote = at.vote
    now = utcnow()
    ended = as_utc(vote.closes_at) if vote.closes_at else None
    stop_taking(vote, min(now, ended) if ended else now, session=session)
    service.move(vote, VoteStatus.OPEN, VoteStatus.CLOSED, session=session)
    session.commit()
    unseal(vote, session=session)
    session.commit()  # the ballots in clear, in a transaction of their own
    result = count(vote, session=session)
    vote.result = result.to_json()
    session.add(vote)
    roll.log("closed", actor=actor, vote_id=vote.id, note=str(result.ballots), session=session)
    names = {o.id: o.label for o in service.options_of(vote, session=session)}
    for lot in result.lots:
        note = _lot_note(lot, names)
        roll.log("lot", actor=actor, vote_id=vote.id, note=note, session=session)
    announce(session, "vote.closed", vote_id=vote.id, **service.room_of(vote, session=session))
    session.commit()  # the result stands; re-sealing follows in a transaction of its own
    reseal(vote, session=session)
    session.commit()
    return vote


def unseal(vote: Vote, *, session: Session) -> None:
    """Open the sealed ballots of a closed secret vote (``votes.sealing``) and write them
    anew in clear: new random keys, in the order of those keys, after the sealed rows are
    deleted. Nothing of a new row (key, place in the table, transaction) leads back to the
    sealed row it came from, nor to the has-voted row written with that."""
    sealed = session.exec(
        select(Ballot.sealed).where(Ballot.vote_id == vote.id, col(Ballot.sealed).is_not(None))
    ).all()
    if not sealed:
        return
    vote_id = vote.id or 0
    grouped = [sealing.unseal_grouped(vote_id, box) for box in sealed if box is not None]
    grouping = groups.grouping_for(vote, session=session)
    if grouping is not None:  # aggregated now: the groups are not written with the ballots
        grouping.aggregate(vote, [(c, group) for c, _t, group in grouped], session=session)
    opened = [(choices, tracker) for choices, tracker, _group in grouped]
    session.execute(
        delete(Ballot).where(col(Ballot.vote_id) == vote_id, col(Ballot.sealed).is_not(None))
    )
    rows = sorted(
        (secrets.token_hex(16), vote_id, choices, tracker, None, None)
        for choices, tracker in opened
    )
    for start in range(0, len(rows), casting.MAX_BATCH):
        casting.write_ballots(rows[start : start + casting.MAX_BATCH], session=session)


def reseal(vote: Vote, *, session: Session) -> None:
    """On PostgreSQL, write the vote's ballots and has-voted rows anew, in key order, in
    one transaction: afterwards neither their transaction ids (xmin) nor their physical
    order tell when each was cast, so a copy of the database taken after the close (and
    after VACUUM) cannot pair them. (SQLite keeps both tables in key order already.)"""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table, order in (("ballot", "key"), ("vote_cast", "member_id")):
        session.execute(text(RESEAL.format(table=table, order=order)), {"vote": vote.id})


# One statement per table: take the vote's rows out and put them back in key order.
# Table and column names come from the constants above, never from input.
RESEAL = (
    "WITH moved AS (DELETE FROM {table} WHERE vote_id = :vote RETURNING *) "
    "INSERT INTO {table} SELECT * FROM moved ORDER BY {order}"
)


def _lot_note(lot: dict[str, list[int]], names: dict[int | None, str]) -> str:
    """ "Anna, Birgit → Birgit, Anna": who was tied, and the order drawn."""
    tied = ", ".join(names.get(i, str(i)) for i in lot["among"])
    return tied + " → " + ", ".join(names.get(i, str(i)) for i in lot["order"])


def close_due(*, session: Session) -> int:
    """Count every vote whose end time, or the close pressed, lies ``SETTLE`` behind (the
    clock process calls this; a close pressed by a chair is usually counted by its own
    request long before)."""
    settled = utcnow() - SETTLE
    due = session.exec(
        select(Vote.id).where(
            Vote.status == VoteStatus.OPEN,
            or_(col(Vote.closes_at) <= settled, col(Vote.closed_at) <= settled),
        )
    ).all()
    closed = 0
    for vote_id in due:
        try:
            close_vote(
                service.vote_place(vote_id or 0, session=session), actor=None, session=session
            )
            closed += 1
        except DomainError:
            session.rollback()
    return closed


def recount(at: VotePlace, *, principal: Principal, session: Session) -> bool:
    """Count the stored ballots again (lots drawn before are replayed); True if the
    result is the same as the one recorded."""
    vote = at.vote
    if vote.status not in (VoteStatus.CLOSED, VoteStatus.PUBLISHED):
        raise DomainError(N_("Only a closed vote can be counted again."))
    recorded = result_of(vote)
    unseal(vote, session=session)  # the process stopped between closing and opening them
    again = count(vote, session=session, draw=replay(recorded.lots if recorded else []))
    if recorded is None:  # the process stopped between closing and counting
        vote.result = again.to_json()
        session.add(vote)
        reseal(vote, session=session)
    same = recorded in (None, again)
    note = N_("same result") if same else N_("different result")
    roll.log("recounted", actor=principal.member_id, vote_id=vote.id, note=note, session=session)
    session.flush()
    return same


def replay(lots: list[dict[str, list[int]]]) -> tally.Draw:
    """A lot that gives the recorded order for a recorded tie, and draws anew otherwise."""
    recorded = {tuple(lot["among"]): lot["order"] for lot in lots}

    def draw(ids: object) -> list[int]:
        among = sorted(ids)  # type: ignore[call-overload]
        return list(recorded.get(tuple(among)) or tally.system_lot(among))

    return draw


# --- publishing and the outcome -------------------------------------------------------------


def publish(at: VotePlace, *, principal: Principal, session: Session) -> Vote:
    """Publish the result; a yes/no vote on a motion or amendment decides it, and a
    body's adopted question becomes a resolution."""
    vote = at.vote
    result = result_of(vote)
    if vote.status != VoteStatus.CLOSED or result is None:
        raise DomainError(N_("Only a closed and counted vote can be published."))
    service.move(
        vote, VoteStatus.CLOSED, VoteStatus.PUBLISHED, session=session, published_at=utcnow()
    )
    roll.log("published", actor=principal.member_id, vote_id=vote.id, session=session)
    if vote.method == Method.YES_NO:
        _decide(at, result, principal=principal, session=session)
    announce(session, "vote.published", vote_id=vote.id, **service.room_of(vote, session=session))
    session.flush()
    return vote


def _decide(at: VotePlace, result: Result, *, principal: Principal, session: Session) -> None:
    from plenum.motions import amendments, resolutions
    from plenum.motions import service as motions

    vote = at.vote
    if result.outcome == "no_quorum":
        return  # without quorum nothing is decided: the motion stays open for a new vote
    adopted = result.outcome == "adopted"
    with in_locale("de"):
        words = outcome_words(vote, result, service.options_of(vote, session=session))
    decision = TransitionInput(
        outcome=(Status.ADOPTED if adopted else Status.REJECTED).value,
        outcome_text=words,
        note=words,
    )
    if vote.amendment_id:
        place = amendments.amendment_place(vote.amendment_id, session=session)
        amendments.transition(place, "decide", decision, principal=principal, session=session)
    elif vote.motion_id:
        found = motions.motion_place(vote.motion_id, session=session)
        motions.transition(
            found.motion, found.place, "decide", decision, principal=principal, session=session
        )
        made = resolutions.resolution_of(found.motion, session=session)
        vote.resolution_id = made.id if made else None
    elif at.body is not None and adopted:
        made = resolutions.record(at.body, vote.title, vote.question, words, session=session)
        vote.resolution_id = made.id
    session.add(vote)


def outcome_words(vote: Vote, result: Result, options: Sequence[VoteOption]) -> str:
    """The result in words, e.g. "Adopted (yes: 12, no: 3, abstentions: 1)."."""
    if vote.method != Method.YES_NO:
        return gettext(OUTCOMES.get(result.outcome, ""))
    yes, no = total_of(result, options, OptionKind.YES), total_of(result, options, OptionKind.NO)
    message = OUTCOME_SENTENCES.get(result.outcome, OUTCOME_SENTENCES["rejected"])
    return gettext(message, yes=yes, no=no, abstain=result.abstain)


def total_of(result: Result, options: Sequence[VoteOption], kind: OptionKind) -> int:
    return sum(result.totals.get(o.id or 0, 0) for o in options if o.kind == kind)


OUTCOME_SENTENCES = {
    "adopted": N_("Adopted (yes: %(yes)s, no: %(no)s, abstentions: %(abstain)s)."),
    "rejected": N_("Rejected (yes: %(yes)s, no: %(no)s, abstentions: %(abstain)s)."),
    "no_quorum": N_(
        "Not decided: too few ballots for the quorum "
        "(yes: %(yes)s, no: %(no)s, abstentions: %(abstain)s)."
    ),
}
OUTCOMES = {
    "adopted": N_("adopted"),
    "rejected": N_("rejected"),
    "no_quorum": N_("not decided: no quorum"),
    "decided": N_("decided"),
    "tie": N_("tie: no single winner"),
    "elected": N_("elected"),
    "runoff": N_("no absolute majority: a runoff is needed"),
    "not_elected": N_("nobody elected"),
}


# --- the anonymous ballots -----------------------------------------------------------------


def trackers(vote: Vote, *, session: Session) -> list[str]:
    """The published list of trackers, sorted: in no way the order of casting."""
    query = select(Ballot.tracker).where(Ballot.vote_id == vote.id).order_by(col(Ballot.tracker))
    return [t for t in session.exec(query) if t]


def export_rows(vote: Vote, *, session: Session) -> list[tuple[str, ...]]:
    """Every ballot as the labels chosen, sorted by content: no voter, no order of casting."""
    labels = {o.id: label_of(o) for o in service.options_of(vote, session=session)}
    query = (
        select(Ballot.choices)
        .where(Ballot.vote_id == vote.id)
        .order_by(col(Ballot.choices), col(Ballot.key))
    )
    return [
        tuple(labels.get(i, "?") for i in tally.decode(choices)) for choices in session.exec(query)
    ]


def export_csv(vote: Vote, *, session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    rows = export_rows(vote, session=session)
    width = max((len(row) for row in rows), default=1)
    writer.writerow([f"choice {n}" for n in range(1, width + 1)])
    writer.writerows([spreadsheet_cell(label) for label in row] for row in rows)
    return out.getvalue()


def label_of(option: VoteOption) -> str:
    """An option's name on exports: its label, or its kind for yes/no/abstain/invalid."""
    return option.label or option.kind


@dataclass(frozen=True)
class NamedRow:
    name: str
    choices: tuple[int, ...]


def named_ballots(vote: Vote, *, session: Session) -> list[NamedRow]:
    """A named vote's roll call: who voted how, by name."""
    if vote.mode != VoteMode.NAMED:
        return []
    query = (
        select(Member.display_name, Ballot.choices)
        .join(Member, col(Member.id) == Ballot.member_id)
        .where(Ballot.vote_id == vote.id)
        .order_by(col(Member.display_name))
    )
    return [NamedRow(name, tally.decode(choices)) for name, choices in session.exec(query)]


# --- the next ballot of an election ---------------------------------------------------------


def next_ballot_kind(vote: Vote) -> str:
    """Which follow-up ballot this published election calls for, if any."""
    result = result_of(vote)
    if vote.status != VoteStatus.PUBLISHED or result is None or vote.method != Method.ELECTION:
        return ""
    if result.outcome == "runoff":
        return "runoff"
    if (
        vote.reserved
        and vote.stage in (Stage.WOMEN, Stage.RUNOFF)
        and vote.total_seats > vote.seats
    ):
        return "open_seats"
    if vote.list_place is not None:
        return "list_place"
    return ""


def follow_up(at: VotePlace, *, principal: Principal, session: Session) -> Vote:
    """Create the next ballot as a draft: the runoff, the ballot for the seats open to
    all, or the next list place."""
    vote, kind = at.vote, next_ballot_kind(at.vote)
    if not kind:
        raise DomainError(N_("This election needs no further ballot."))
    if session.exec(select(Vote.id).where(Vote.parent_id == vote.id)).first() is not None:
        raise DomainError(N_("The next ballot exists already."))
    child = _child(vote, principal)
    result = result_of(vote)
    if kind == "runoff" and result is not None:
        pair = set(result.runoff)
        options = service.options_of(vote, session=session)
        candidates = [(o.label, o.women) for o in options if o.id in pair]
        child.stage, child.majority, child.seats = Stage.RUNOFF, "simple", 1
        child.title = _suffixed(vote.title, N_("runoff"))
    else:
        candidates = _not_elected(vote, session=session)
    if kind == "open_seats":
        child.stage, child.reserved = Stage.OPEN_SEATS, False
        child.seats = vote.total_seats - tally.reserved_seats(vote.total_seats)
        child.title = _suffixed(_base_title(vote), N_("seats open to all"))
    elif kind == "list_place":
        place = (vote.list_place or 0) + 1
        child.list_place, child.stage = place, Stage.SINGLE
        child.reserved = tally.list_place_reserved(place, _first_place_woman(vote, session=session))
    session.add(child)
    session.flush()
    rows = service.candidate_rows(candidates, child) + service.special_rows(child)
    service.add_options(child, rows, session=session)
    roll.log("created", actor=principal.member_id, vote_id=child.id, session=session)
    session.flush()
    return child


def _not_elected(vote: Vote, *, session: Session) -> list[tuple[str, bool]]:
    """The field of the election (its last ballot that was not a runoff), without those
    elected on any ballot so far: (name, stands for a women's seat)."""
    base = [b for b in chain(vote, session=session) if b.stage != Stage.RUNOFF][-1]
    elected = _elected_labels(vote, session=session)
    return [
        (o.label, o.women)
        for o in service.options_of(base, session=session)
        if o.kind == OptionKind.CANDIDATE and o.label not in elected
    ]


def _child(vote: Vote, principal: Principal) -> Vote:
    return Vote(
        chapter_id=vote.chapter_id,
        body_id=vote.body_id,
        kind=vote.kind,
        method=vote.method,
        mode=vote.mode,
        election_of=vote.election_of,
        title=vote.title,
        question=vote.question,
        majority=vote.majority,
        quorum_percent=vote.quorum_percent,
        seats=vote.seats,
        total_seats=vote.total_seats,
        reserved=vote.reserved,
        list_place=vote.list_place,
        stage=vote.stage,
        parent_id=vote.id,
        created_by=principal.member_id,
    )


def _suffixed(title: str, suffix: str) -> str:
    with in_locale("de"):
        return f"{title} – {gettext(suffix)}"[:300]


def _base_title(vote: Vote) -> str:
    return vote.title.rsplit(" – ", 1)[0] if vote.stage == Stage.RUNOFF else vote.title


def chain(vote: Vote, *, session: Session) -> list[Vote]:
    """The ballots of one election, from the first to this one."""
    found = [vote]
    while found[0].parent_id is not None:
        parent = session.get(Vote, found[0].parent_id)
        if parent is None:
            break
        found.insert(0, parent)
    return found


def _elected_labels(vote: Vote, *, session: Session) -> set[str]:
    labels: set[str] = set()
    for ballot in chain(vote, session=session):
        result = result_of(ballot)
        if result is None:
            continue
        names = {o.id: o.label for o in service.options_of(ballot, session=session)}
        labels |= {names.get(i, "") for i in result.elected}
    return labels


def _first_place_woman(vote: Vote, *, session: Session) -> bool:
    for ballot in chain(vote, session=session):
        result = result_of(ballot)
        if ballot.list_place == 1 and result is not None and result.elected:
            women = {o.id for o in service.options_of(ballot, session=session) if o.women}
            return result.elected[0] in women
    return False


@dataclass(frozen=True)
class SeatLine:
    """One seat of an election: who holds it, or that it stays empty."""

    label: str
    reserved: bool


def seat_lines(vote: Vote, *, session: Session) -> list[SeatLine]:
    """The seats this ballot filled, with the reserved ones left empty shown as such."""
    result = result_of(vote)
    if result is None or vote.method != Method.ELECTION or result.outcome == "runoff":
        return []
    names = {o.id: o.label for o in service.options_of(vote, session=session)}
    lines = [SeatLine(names.get(i, ""), vote.reserved) for i in result.elected]
    return lines + [SeatLine("", vote.reserved)] * result.empty_seats


def quota_empty(vote: Vote) -> int:
    """Seats reserved for women left empty because no woman stood (no women's ballot)."""
    if vote.stage == Stage.OPEN_SEATS and vote.parent_id is None:
        return tally.reserved_seats(vote.total_seats)
    return 0
