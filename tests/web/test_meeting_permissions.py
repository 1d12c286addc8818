"""Who may open which page and take which step of meetings.

A table of every meeting route × role, as for votes (``test_vote_permissions.py``):
200 the page, 303 done (or, for the logged-out, sent to the login), 403 visible but not
allowed, 404 not visible (a meeting the member is not in the room of: another state's,
or a body's internal meeting of a body the member holds no seat in).

Three meetings of the state NRW, each arranged under way (an agenda item is current,
one member is checked in at the hall, one waits to speak, one has spoken):

- ``chapter``: a meeting for all members of the state;
- ``internal``: an internal meeting of the convention (audience "body"): its delegates
  and substitutes, not the state's members;
- ``board``: an internal meeting of the state board (whose chair the chair column is).

The plain member with the desk role holds it (a ``MeetingRole`` row) at each of them.
Each role logs in once (logging in at the provider is what takes the time) and takes
every row as a subtest of its own, in a world of its own: pages share the arranged
meetings, each step gets freshly arranged ones. For every step the table also knows
whether it took effect: a measure read before and after the request must change exactly
when the role gets the success answer, so a 303 that only redirects back with a message
does not pass for done, and a refusal must change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from plenum.clock import utcnow
from plenum.meetings import (
    agenda,
    agenda_routes,
    calendar,
    documents,
    live_routes,
    minutes_routes,
    presence,
    registration,
    room_votes,
)
from plenum.meetings import routes as meeting_routes
from plenum.meetings.access import MeetingPlace
from plenum.meetings.models import (
    AgendaDocument,
    AgendaItem,
    Announcement,
    CalendarFeed,
    Meeting,
    MeetingRole,
    Presence,
    Registration,
    RegistrationStatus,
    RequestStatus,
    SpeakerRequest,
)
from plenum.orgs.models import Role
from plenum.orgs.service import grant_chapter_role
from plenum.votes.models import HallCount, Vote
from plenum.web.live import events_of
from tests.support.factories import Structure, claims, structure
from tests.support.meetings import make_meeting, meeting_form, place
from tests.support.motions import who
from tests.support.votes import make_vote, option_ids
from tests.support.web import enrol, log_in_as, post

ROLES = (
    "anonymous",
    "member",
    "outsider",
    "delegate",
    "substitute",
    "chair",
    "desk",
    "staff",
    "other_staff",
)
PEOPLE = {
    # a member of the state: in the audience of the state's meetings
    "member": claims("member", name="Mia Mitglied", number="740001"),
    # a plain member of another state
    "outsider": claims("outsider", name="Sam Sachsen", chapter="lv-sachsen", number="740002"),
    "delegate": claims(
        "delegate", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="740003"
    ),
    "substitute": claims(
        "substitute", name="Ella Ersatz", groups=("lv-nrw-ersatz",), number="740004"
    ),
    # chair (and member) of the state board
    "chair": claims("chair", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="740005"),
    # a plain member of the state, the desk (Tagungsbüro) of each arranged meeting
    "desk": claims("desk", name="Timo Tagungsbüro", number="740006"),
    "staff": claims(
        "staff", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="740007"
    ),
    # office staff of Sachsen: no provider group maps to it, the role is given by hand
    "other_staff": claims(
        "other_staff", name="Olaf Sachsenbüro", chapter="lv-sachsen", number="740008"
    ),
}
# Not columns: members of the state in the arranged rooms.
EXTRAS = {
    "olga": claims("olga", name="Olga Saal", number="740011"),  # checked in at the hall
    "otto": claims("otto", name="Otto Wartend", number="740012"),  # registered, waits to speak
    "quinn": claims("quinn", name="Quinn Gesprochen", number="740013"),  # has spoken
}

CHAPTER = "/chapters/lv-nrw"
SACHSEN = "/chapters/lv-sachsen"
CONVENTION = "/bodies/lv-nrw-convention"
BOARD = "/bodies/lv-nrw-board"
UNKNOWN_TOKEN = "x" * 43  # shaped like a feed token, but nobody's
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- the arranged world --------------------------------------------------------------------


@dataclass
class Room:
    """One arranged meeting; formats as its id in a path, its items as attributes."""

    meeting: Meeting
    items: list[AgendaItem]  # the current item, then two not yet dealt with
    desk_role: int  # the desk's function at this meeting (a ``MeetingRole`` row)
    document: int  # a document of the current item

    def __format__(self, spec: str) -> str:
        return str(self.meeting.id)

    @property
    def id(self) -> int:
        return self.meeting.id or 0

    @property
    def current(self) -> int:
        return self.items[0].id or 0

    @property
    def next(self) -> int:
        return self.items[1].id or 0

    @property
    def last(self) -> int:
        return self.items[2].id or 0


@dataclass
class World:
    session: Any
    org: Structure
    people: dict[str, int]
    role: str = "anonymous"
    shared: dict[str, Room] = field(default_factory=dict)

    @property
    def me(self) -> int:
        """The member the case logs in as (the plain member for the logged-out)."""
        return self.people.get(self.role, self.people["member"])

    def room(self, name: str, *, fresh: bool) -> Room:
        """``chapter``, ``internal`` or ``board``, with ``_registered``, ``_offered`` or
        ``_asking`` (every person of the columns registered, offered a seat, waiting to
        speak), ``_vote`` or ``_counted`` (the current item's vote, drafted or open with
        the hall counted by hand). Pages share one; each step gets its own."""
        if fresh or name not in self.shared:
            where, _, extra = name.partition("_")
            made = self.make_room(where, extra)
            if fresh:
                return made
            self.shared[name] = made
        return self.shared[name]

    def make_room(self, where: str, extra: str) -> Room:
        s, org, people = self.session, self.org, self.people
        body, audience, title = {
            "chapter": (None, "chapter", "Landesmitgliederversammlung"),
            "internal": (org.state_convention, "body", "Klausur der Delegierten"),
            "board": (org.state_board, "body", "Vorstandssitzung"),
        }[where]
        meeting = make_meeting(s, org.state, body, people["staff"], audience=audience, title=title)
        assert meeting.id is not None
        desk = MeetingRole(meeting_id=meeting.id, member_id=people["desk"], role="desk")
        s.add(desk)
        s.flush()
        at = place(s, meeting)
        items = [
            agenda.add_item(
                at, agenda.parse_item({"title": t, "kind": "discussion"}, []), session=s
            )
            for t in ("Bericht", "Aussprache", "Verschiedenes")
        ]
        agenda.make_current(at, items[0], session=s)
        document = documents.add(
            at, items[0], "bericht.pdf", PDF, principal=who(s, people["staff"]), session=s
        )
        now = utcnow()
        self.register(meeting, people["olga"])
        presence.check_in_member(at, people["olga"], session=s)
        self.register(meeting, people["otto"])
        self.ask(items[0], people["quinn"], now - timedelta(minutes=3), called=True)
        self.ask(items[0], people["otto"], now - timedelta(minutes=1))
        for person in PEOPLE:
            if extra == "registered":
                self.register(meeting, people[person])
            elif extra == "offered":
                self.register(meeting, people[person], offered=True)
            elif extra == "asking":
                self.ask(items[0], people[person], now - timedelta(seconds=30))
        if extra in ("vote", "counted"):
            self.vote_on(at, items[0], counted=extra == "counted")
        s.commit()
        return Room(meeting, items, desk.id or 0, document.id or 0)

    def vote_on(self, at: MeetingPlace, item: AgendaItem, *, counted: bool) -> None:
        """The current item is about a meeting vote of the body, everyone present online;
        ``counted``: the vote is open, the hall counted by hand."""
        s, staff = self.session, self.people["staff"]
        vote = make_vote(s, self.org.state, at.body, staff, title="Leitantrag annehmen")
        values = {"title": item.title, "kind": "vote", "link": f"vote:{vote.id}"}
        data = agenda.parse_item(values, agenda.links_for(at, session=s))
        agenda.update_item(at, item, data, session=s)
        presence.seen_online(at.meeting.id or 0, self.people.values(), session=s)
        if counted:
            room_votes.open_in_room(at, item, hall_analog=True, principal=who(s, staff), session=s)

    def register(self, meeting: Meeting, member_id: int, *, offered: bool = False) -> None:
        row = Registration(
            meeting_id=meeting.id or 0,
            member_id=member_id,
            channel="hall",
            status=RegistrationStatus.OFFERED if offered else RegistrationStatus.REGISTERED,
            offered_until=utcnow() + timedelta(hours=12) if offered else None,
            check_in_code=registration.new_check_in_code(session=self.session),
        )
        self.session.add(row)
        self.session.flush()

    def ask(self, item: AgendaItem, member_id: int, at: Any, *, called: bool = False) -> None:
        row = SpeakerRequest(item_id=item.id or 0, member_id=member_id, asked_at=at)
        if called:
            row.status, row.called_at = RequestStatus.CALLED, at + timedelta(seconds=30)
        self.session.add(row)
        self.session.flush()

    def fresh_view(self) -> None:
        """Forget what the test's session read: the app has written since."""
        self.session.commit()
        self.session.expire_all()

    def count(self, model: Any, *where: Any) -> int:
        return int(self.session.exec(select(func.count()).select_from(model).where(*where)).one())


class Things(dict[str, Any]):
    """Fills "{chapter}" in a path with the arranged meeting (its id), "{chapter.next}"
    with one of its items, "{feed}" with the plain member's calendar token."""

    def __init__(self, world: World, *, fresh: bool) -> None:
        super().__init__()
        self.world, self.fresh = world, fresh

    def __missing__(self, name: str) -> Any:
        if name == "feed":
            return calendar.feed_token(self.world.people["member"], session=self.world.session)
        if name == "unknown":
            return UNKNOWN_TOKEN
        found = self[name] = self.world.room(name, fresh=self.fresh)
        return found


# --- the table ------------------------------------------------------------------------------

Data = dict[str, Any] | Callable[[World, Room | None], Any] | None
Measure = Callable[[World, Room | None], Any]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    data: Data
    expected: dict[str, int]
    measure: Measure | None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def room(self) -> str | None:
        """The arranged meeting the path names, if any."""
        found = re.search(r"\{(chapter|internal|board)\w*", self.path)
        return found.group(0)[1:] if found else None


def row(method: str, path: str, data: Data, *codes: int, measure: Measure | None = None) -> Row:
    assert len(codes) == len(ROLES), path
    assert (method == "POST") == (measure is not None), path
    return Row(method, path, data, dict(zip(ROLES, codes, strict=True)), measure)


def edit_form(world: World, room: Room | None) -> dict[str, str]:
    assert room is not None
    audience = "chapter" if room.meeting.body_id is None else "body"
    return meeting_form(title="Neuer Titel", audience=audience, lock_version="1")


def own_request(world: World, room: Room | None) -> dict[str, str]:
    """The waiting request of the member logged in."""
    assert room is not None
    query = select(SpeakerRequest.id).where(
        SpeakerRequest.item_id == room.current, SpeakerRequest.member_id == world.me
    )
    return {"request_id": str(world.session.exec(query).one())}


def member(name: str) -> Callable[[World, Room | None], dict[str, str]]:
    return lambda world, _room: {"member_id": str(world.people[name])}


# measures


def meetings(world: World, _room: Room | None) -> int:
    return world.count(Meeting)


def feeds(world: World, _room: Room | None) -> list[str]:
    return sorted(world.session.exec(select(CalendarFeed.token)).all())


def meeting_field(name: str) -> Measure:
    def measure(world: World, room: Room | None) -> Any:
        assert room is not None
        found = world.session.get(Meeting, room.id)
        return found and getattr(found, name)

    return measure


def registrations(*statuses: str) -> Measure:
    def measure(world: World, room: Room | None) -> int:
        assert room is not None
        return world.count(
            Registration,
            Registration.meeting_id == room.id,
            col(Registration.status).in_(statuses),
        )

    return measure


def items(world: World, room: Room | None) -> list[tuple[int | None, int, str]]:
    assert room is not None
    query = select(AgendaItem).where(AgendaItem.meeting_id == room.id)
    return [(i.id, i.position, i.status) for i in world.session.exec(query.order_by(AgendaItem.id))]


def in_hall(world: World, room: Room | None) -> int:
    assert room is not None
    return world.count(
        Presence,
        Presence.meeting_id == room.id,
        Presence.channel == "hall",
        col(Presence.left).is_(False),
    )


def requests(*statuses: str) -> Measure:
    def measure(world: World, room: Room | None) -> int:
        assert room is not None
        return world.count(
            SpeakerRequest,
            SpeakerRequest.item_id == room.current,
            col(SpeakerRequest.status).in_(statuses),
        )

    return measure


def timed(world: World, room: Room | None) -> int:
    assert room is not None
    return world.count(
        SpeakerRequest,
        SpeakerRequest.item_id == room.current,
        col(SpeakerRequest.started_at).is_not(None),
    )


def list_closed(world: World, room: Room | None) -> bool:
    assert room is not None
    found = world.session.get(AgendaItem, room.current)
    return bool(found and found.speakers_closed)


def announcements(world: World, room: Room | None) -> int:
    assert room is not None
    return world.count(Announcement, Announcement.meeting_id == room.id)


def functions(world: World, room: Room | None) -> int:
    assert room is not None
    return world.count(MeetingRole, MeetingRole.meeting_id == room.id)


def document_form(world: World, room: Room | None) -> dict[str, Any]:
    assert room is not None
    return {f"file-{room.current}": ("anlage.pdf", PDF, "application/pdf")}


def documents_of_current(world: World, room: Room | None) -> list[str]:
    assert room is not None
    query = select(AgendaDocument.filename).where(AgendaDocument.item_id == room.current)
    return sorted(world.session.exec(query))


def question_form(world: World, room: Room | None) -> dict[str, str]:
    assert room is not None
    return {"item_id": str(room.current), "text": "Wie hoch ist der Zuschuss?"}


def minutes_form(world: World, room: Room | None) -> dict[str, str]:
    assert room is not None
    return {f"minutes-{room.current}": "Der Bericht wurde zur Kenntnis genommen."}


def minutes_of_item(world: World, room: Room | None) -> str | None:
    assert room is not None
    found = world.session.get(AgendaItem, room.current)
    return found and found.minutes


def the_vote(world: World, room: Room | None) -> Vote:
    assert room is not None
    item = world.session.get(AgendaItem, room.current)
    found = item and item.vote_id and world.session.get(Vote, item.vote_id)
    assert found, "the arranged item has no vote"
    return found


def vote_status(world: World, room: Room | None) -> str:
    return the_vote(world, room).status


def hall_form(world: World, room: Room | None) -> dict[str, str]:
    ids = option_ids(world.session, the_vote(world, room))
    return {f"count-{ids['yes']}": "12", f"count-{ids['no']}": "3", f"count-{ids['abstain']}": "1"}


def hall_counts(world: World, room: Room | None) -> list[tuple[int, int]]:
    query = select(HallCount).where(HallCount.vote_id == the_vote(world, room).id)
    return sorted((row.option_id, row.count) for row in world.session.exec(query))


ALL = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING, RegistrationStatus.OFFERED)
WAITING, CALLED = (RequestStatus.WAITING,), (RequestStatus.CALLED,)
ANY_REQUEST = tuple(RequestStatus)
CHAPTER_FORM = meeting_form(title="Sommerfest")
BODY_FORM = meeting_form(title="Sondersitzung", audience="body")
ITEM_FORM = {"title": "Anträge", "kind": "discussion"}
SPEAK_FORM = {"kind": "speech", "category": "open", "stance": "none"}


def meeting_rows(where: str) -> list[Row]:
    """The rows of one arranged meeting, ``where``: "chapter" or "internal"."""
    m = "/meetings/{" + where + "}"
    registered, offered, asking, voting, counted = (
        "/meetings/{" + f"{where}_{extra}" + "}"
        for extra in ("registered", "offered", "asking", "vote", "counted")
    )
    chapter = where == "chapter"
    # columns: anonymous, member, outsider, delegate, substitute, chair, desk, staff, other_staff
    # fmt: off
    if chapter:  # for all members of the state; the board's chair organises it, the desk helps
        view =     (303, 200, 404, 200, 200, 200, 200, 200, 404)
        manage =   (303, 403, 404, 403, 403, 200, 403, 200, 404)
        managed =  (303, 403, 404, 403, 403, 303, 403, 303, 404)
        needs =    (303, 403, 404, 403, 403, 403, 403, 200, 404)
        run =      (303, 403, 404, 403, 403, 200, 403, 200, 404)
        ran =      (303, 403, 404, 403, 403, 303, 403, 303, 404)
        desk =     (303, 403, 404, 403, 403, 200, 200, 200, 404)
        desked =   (303, 403, 404, 403, 403, 303, 303, 303, 404)
        audience = (303, 303, 404, 303, 303, 303, 303, 303, 404)
        withdraw = audience
    else:  # the convention's seat holders: not the state's members, nor the board's chair;
        # the desk sees it but is not of its audience; the office staff, who see the
        # body's internal matters, are (``in_audience``: VIEW_BODY_INTERNAL)
        view =     (303, 404, 404, 200, 200, 404, 200, 200, 404)
        manage =   (303, 404, 404, 403, 403, 404, 403, 200, 404)
        managed =  (303, 404, 404, 403, 403, 404, 403, 303, 404)
        needs =    (303, 404, 404, 403, 403, 404, 403, 200, 404)
        run =      (303, 404, 404, 403, 403, 404, 403, 200, 404)
        ran =      (303, 404, 404, 403, 403, 404, 403, 303, 404)
        desk =     (303, 404, 404, 403, 403, 404, 200, 200, 404)
        desked =   (303, 404, 404, 403, 403, 404, 303, 303, 404)
        audience = (303, 404, 404, 303, 303, 404, 403, 303, 404)
        withdraw = (303, 404, 404, 303, 303, 404, 303, 303, 404)
    rows = [
        # the meeting page, its calendar file, setting it up
        row("GET",  m,                         None,           *view),
        row("GET",  m + "/meeting.ics",        None,           *view),
        row("GET",  m + "/edit",               None,           *manage),
        row("POST", m + "/edit",               edit_form,      *managed,
            measure=meeting_field("title")),
        row("POST", m + "/cancel",             {},             *managed,
            measure=meeting_field("status")),
        row("GET",  m + "/needs",              None,           *needs),
        # functions for this meeting (chair, desk, minute-taker): who organises it
        row("POST", m + "/roles",              {"member_number": EXTRAS["olga"]["member_number"],
                                                "role": "minutes"}, *managed, measure=functions),
        row("POST", m + "/roles/{" + where + ".desk_role}/remove", {}, *managed,
            measure=functions),
        # registering: the audience only
        row("POST", m + "/register",           {"channel": "hall"}, *audience,
            measure=registrations(*ALL)),
        row("POST", registered + "/unregister", {},            *audience,
            measure=registrations(*ALL)),
        row("POST", offered + "/confirm",      {},             *audience,
            measure=registrations(RegistrationStatus.REGISTERED)),
        # the agenda: who runs the meeting
        row("GET",  m + "/agenda",             None,           *run),
        row("POST", m + "/agenda",             ITEM_FORM,      *ran, measure=items),
        row("POST", m + "/agenda/finish",      {},             *ran,
            measure=meeting_field("current_item_id")),
        row("POST", m + "/agenda/{" + where + ".last}/move", {"step": "up"}, *ran,
            measure=items),
        row("POST", m + "/agenda/{" + where + ".last}/remove", {}, *ran, measure=items),
        row("POST", m + "/agenda/{" + where + ".next}/current", {}, *ran,
            measure=meeting_field("current_item_id")),
        # its documents: attached and removed by who runs the meeting, read by everyone
        # who sees it
        row("POST", m + "/agenda/{" + where + ".current}/documents", document_form, *ran,
            measure=documents_of_current),
        row("GET",  m + "/documents/{" + where + ".document}", None, *view),
        row("POST", m + "/documents/{" + where + ".document}/remove", {}, *ran,
            measure=documents_of_current),
        # the desk: check-in and requests from the hall
        row("GET",  m + "/desk",               None,           *desk),
        row("POST", m + "/desk/check-in",      member("otto"), *desked, measure=in_hall),
        row("POST", m + "/desk/request",       member("olga"), *desked,
            measure=requests(*ANY_REQUEST)),
        # the live room: everyone in the room sees it; the audience asks to speak
        row("GET",  m + "/live",               None,           *view),
        row("GET",  m + "/live/stream",        None,           *view),
        row("GET",  m + "/live/chair",         None,           *run),
        row("POST", m + "/live/speak",         SPEAK_FORM,     *audience,
            measure=requests(*ANY_REQUEST)),
        row("POST", asking + "/live/withdraw", own_request,    *withdraw,
            measure=requests(*WAITING)),
        # a question sent in beforehand, for an item: the audience
        row("POST", m + "/questions",          question_form,  *audience,
            measure=requests(*ANY_REQUEST)),
        # the chair's steps
        row("POST", m + "/live/call",          {},             *ran, measure=requests(*CALLED)),
        row("POST", m + "/live/time",          {"action": "start", "seconds": "120"}, *ran,
            measure=timed),
        row("POST", m + "/live/list",          {"action": "close"}, *ran, measure=list_closed),
        row("POST", m + "/live/announce",      {"announcement": "Pause bis 15 Uhr"}, *ran,
            measure=announcements),
        # the minutes: read in the room, written by who takes the minutes (who runs the
        # meeting, if no minute-taker is named), published by who runs it
        row("GET",  m + "/minutes",            None,           *view),
        row("POST", m + "/minutes/{" + where + ".current}", minutes_form, *ran,
            measure=minutes_of_item),
        row("POST", m + "/minutes/publish",    {"days": "14"}, *ran,
            measure=meeting_field("minutes_published_at")),
        # votes in the room: everyone in the room sees the panel
        row("GET",  m + "/live/vote",          None,           *view),
    ]
    if chapter:  # a chapter holds no meeting votes: nothing to open or count by hand
        return rows
    return [
        *rows,
        row("POST", voting + "/live/vote",     {},             *ran, measure=vote_status),
        row("POST", counted + "/desk/hall-count", hall_form,   *desked, measure=hall_counts),
    ]
    # fmt: on


# fmt: off
# columns: anonymous, member, outsider, delegate, substitute, chair, desk, staff, other_staff
TABLE = [
    # the list and the calendar feed: every member; the feed by its token alone
    row("GET",  "/meetings",                   None,         303, 200, 200, 200, 200, 200, 200, 200, 200),
    row("POST", "/meetings/calendar/renew",    {},           303, 303, 303, 303, 303, 303, 303, 303, 303,
        measure=feeds),
    row("GET",  "/calendar/{feed}.ics",        None,         200, 200, 200, 200, 200, 200, 200, 200, 200),
    row("GET",  "/calendar/{unknown}.ics",     None,         404, 404, 404, 404, 404, 404, 404, 404, 404),
    # a chapter's and a body's own meetings: a page for every member (it lists only the
    # meetings the member may see)
    row("GET",  CHAPTER + "/meetings",         None,         303, 200, 200, 200, 200, 200, 200, 200, 200),
    row("GET",  CONVENTION + "/meetings",      None,         303, 200, 200, 200, 200, 200, 200, 200, 200),
    # setting up: the office staff of the chapter, the chair of the body (a chapter's
    # meetings: the chairs of its bodies)
    row("GET",  CHAPTER + "/meetings/new",     None,         303, 403, 403, 403, 403, 200, 403, 200, 403),
    row("POST", CHAPTER + "/meetings",         CHAPTER_FORM, 303, 403, 403, 403, 403, 303, 403, 303, 403,
        measure=meetings),
    row("GET",  SACHSEN + "/meetings/new",     None,         303, 403, 403, 403, 403, 403, 403, 403, 200),
    row("POST", SACHSEN + "/meetings",         CHAPTER_FORM, 303, 403, 403, 403, 403, 403, 403, 403, 303,
        measure=meetings),
    row("GET",  CONVENTION + "/meetings/new",  None,         303, 403, 403, 403, 403, 403, 403, 200, 403),
    row("POST", CONVENTION + "/meetings",      BODY_FORM,    303, 403, 403, 403, 403, 403, 403, 303, 403,
        measure=meetings),
    row("GET",  BOARD + "/meetings/new",       None,         303, 403, 403, 403, 403, 200, 403, 200, 403),
    row("POST", BOARD + "/meetings",           BODY_FORM,    303, 403, 403, 403, 403, 303, 403, 303, 403,
        measure=meetings),
    *meeting_rows("chapter"),
    *meeting_rows("internal"),
    # the board's internal meeting: its chair runs it; the convention's people do not see it
    row("GET",  "/meetings/{board}",           None,         303, 404, 404, 404, 404, 200, 200, 200, 404),
    row("GET",  "/meetings/{board}/edit",      None,         303, 404, 404, 404, 404, 200, 403, 200, 404),
    row("GET",  "/meetings/{board}/needs",     None,         303, 404, 404, 404, 404, 200, 403, 200, 404),
    row("GET",  "/meetings/{board}/agenda",    None,         303, 404, 404, 404, 404, 200, 403, 200, 404),
    row("GET",  "/meetings/{board}/desk",      None,         303, 404, 404, 404, 404, 200, 200, 200, 404),
    row("GET",  "/meetings/{board}/live",      None,         303, 404, 404, 404, 404, 200, 200, 200, 404),
    row("POST", "/meetings/{board}/register",  {"channel": "hall"},
                                                             303, 404, 404, 404, 404, 303, 403, 303, 404,
        measure=registrations(*ALL)),
    row("POST", "/meetings/{board}/live/speak", SPEAK_FORM,  303, 404, 404, 404, 404, 303, 403, 303, 404,
        measure=requests(*ANY_REQUEST)),
    row("POST", "/meetings/{board}/live/announce", {"announcement": "Pause"},
                                                             303, 404, 404, 404, 404, 303, 403, 303, 404,
        measure=announcements),
    row("POST", "/meetings/{board_vote}/live/vote", {},      303, 404, 404, 404, 404, 303, 403, 303, 404,
        measure=vote_status),
    row("POST", "/meetings/{board_counted}/desk/hall-count", hall_form,
                                                             303, 404, 404, 404, 404, 303, 303, 303, 404,
        measure=hall_counts),
]
# fmt: on


@pytest.fixture
def world(session, settings) -> World:
    org = structure(session)
    people = {
        name: enrol(session, settings, name, values) for name, values in (PEOPLE | EXTRAS).items()
    }
    grant_chapter_role(
        org.other_state,
        member_number=PEOPLE["other_staff"]["member_number"],
        role=Role.OFFICE_STAFF.value,
        session=session,
    )
    session.commit()
    return World(session, org, people)


@pytest.fixture(autouse=True)
def short_streams(monkeypatch):
    """The live room's stream ends after its greeting, so the test client can read it."""
    monkeypatch.setattr(live_routes, "events_of", partial(events_of, lifetime=0))


def request(client, method: str, path: str, data: Any) -> tuple[int | str, Any]:
    """The answer's status, or what the app raised (the test client re-raises)."""
    fields = {k: v for k, v in (data or {}).items() if not isinstance(v, tuple)}
    files = {k: v for k, v in (data or {}).items() if isinstance(v, tuple)}
    try:
        if method == "GET":
            response = client.get(path)
        else:
            response = post(client, path, fields, files=files or None)
    except Exception as exc:  # reported as the case's answer
        return f"raised {type(exc).__name__}: {exc}", None
    return response.status_code, response


def streamed(response: Any) -> bool:
    return str(response.headers["content-type"]).startswith("text/event-stream")


def check(client, world: World, entry: Row, role: str) -> list[str]:
    """Take the row as ``role``; what differs from the table (answer or effect)."""
    fresh = entry.method == "POST"
    things = Things(world, fresh=fresh)
    path = entry.path.format_map(things)
    room = things.get(entry.room) if entry.room else None
    expected = entry.expected[role]
    wrong: list[str] = []
    if entry.method == "GET":
        status, response = request(client, "GET", path, None)
    else:
        assert entry.measure is not None
        data = entry.data(world, room) if callable(entry.data) else entry.data
        world.fresh_view()
        before = entry.measure(world, room)
        status, response = request(client, "POST", path, data)
        world.fresh_view()
        after = entry.measure(world, room)
        should = role != "anonymous" and expected == 303
        if (before != after) != should:
            wrong.append(f"{before!r} → {after!r}, expected a change: {should}")
    if status != expected:
        wrong.append(f"answered {status}, expected {expected}")
    elif status == 303 and role == "anonymous":
        location = response.headers["location"]
        if not location.startswith("/auth/login?next="):
            wrong.append(f"sent to {location}, not to the login")
    elif status == 200 and path.endswith("/stream") and not streamed(response):
        wrong.append(f"answered {response.headers['content-type']}, not an event stream")
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what_at_meetings(client, provider, world, subtests, role):
    """Every row as ``role``, each a subtest of its own."""
    world.role = role
    if role != "anonymous":
        log_in_as(client, provider, role, PEOPLE[role])
    for entry in TABLE:
        with subtests.test(msg=f"{entry.name} as {role}"):
            wrong = check(client, world, entry, role)
            assert not wrong, f"{entry.name} as {role}: " + "; ".join(wrong)


ROUTES = (
    *meeting_routes.routes,
    *agenda_routes.routes,
    *live_routes.routes,
    *minutes_routes.routes,
)


def test_the_table_covers_every_route_of_meetings():
    """A new route of meetings must get a row; a row must name a route that exists."""
    routes = {
        (method, normalise(route.path))
        for route in ROUTES
        for method in (route.methods or ()) - {"HEAD"}
    }
    covered = {(entry.method, normalise(entry.path)) for entry in TABLE}
    assert routes - covered == set()
    assert covered - routes == set()


def normalise(path: str) -> str:
    """A route pattern or a table path in one shape: every key and "{...}" becomes "{}"."""
    for known in (CONVENTION, BOARD):
        path = path.replace(known, "/bodies/{}")
    for known in (CHAPTER, SACHSEN):
        path = path.replace(known + "/", "/chapters/{}/")
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_an_internal_meeting_does_not_show_itself_to_a_member_outside_its_audience(
    client, provider, world
):
    """A member of the state outside the convention gets the same 404 as for a meeting
    that does not exist, and does not find the meeting in the list."""
    room = world.room("internal", fresh=False)
    log_in_as(client, provider, "member", PEOPLE["member"])
    hidden = client.get(f"/meetings/{room.id}")
    missing = client.get("/meetings/999999")
    assert hidden.status_code == missing.status_code == 404
    assert "Klausur der Delegierten" not in hidden.text
    for listing in ("/meetings", CONVENTION + "/meetings"):
        assert "Klausur der Delegierten" not in client.get(listing).text, listing
    log_in_as(client, provider, "delegate", PEOPLE["delegate"])
    for listing in ("/meetings", CONVENTION + "/meetings"):
        assert "Klausur der Delegierten" in client.get(listing).text, listing
