"""A world to search in: one thing of every kind and visibility, all containing one word.

Everything is written through the services (or, for hiding a comment, through the ORM
as moderation does), so the search index is kept by the flush listener alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from plenum.auth.permissions import Principal
from plenum.clock import utcnow
from plenum.discuss import access
from plenum.discuss import service as discuss
from plenum.discuss.models import Comment
from plenum.motions import amendments, forms, service
from plenum.motions.models import Amendment, Consultation, Motion, Resolution
from plenum.orgs.models import BodyKind
from plenum.orgs.service import create_body
from plenum.settings import Settings
from tests.support.factories import Structure, body_input, claims, structure
from tests.support.motions import make_call, motion_input, publish, submitted_motion, who
from tests.support.web import enrol

WORD = "Gemeinwohl"  # in every document of the world
TEXT = f"Der Landesparteitag möge beschließen:\n\nWir stärken das {WORD} in jeder Gemeinde."

PEOPLE = {
    "member": claims("member", name="Mia Mitglied", number="510001"),
    "proposer": claims("proposer", name="Pia Antrag", number="510002"),
    "board": claims("board", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="510003"),
    "staff": claims("staff", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",)),
    "other_state": claims("other_state", name="Ola Sachsen", chapter="lv-sachsen"),
    "federal": claims("federal", name="Fe Bund", chapter="bund", groups=("bund-geschaeftsstelle",)),
}
ROLES = tuple(PEOPLE)


@dataclass
class World:
    session: Session
    org: Structure
    people: dict[str, int]
    call: Consultation
    things: dict[str, tuple[str, int]] = field(default_factory=dict)  # name: (kind, id)

    def who(self, role: str) -> Principal:
        return who(self.session, self.people[role])

    def add(self, name: str, kind: str, ref: Any) -> Any:
        self.things[name] = (kind, ref.id)
        return ref

    def motion(self, name: str, title: str, *, by: str = "proposer", text: str = TEXT) -> Motion:
        motion = submitted_motion(self.session, self.call, self.people[by], title=title, text=text)
        return self.add(name, "motion", publish(self.session, motion, self.people["staff"]))

    def amendment(self, name: str, motion: Motion, title: str, *, by: str) -> Amendment:
        at = service.motion_place(motion.id or 0, session=self.session)
        data = forms.AmendmentInput(
            title=title,
            group_name="",
            text=TEXT + " Und auch im Dorf.",
            reasons="",
            co_proposers=(),
        )
        made = amendments.create_amendment(at, data, principal=self.who(by), session=self.session)
        return self.add(name, "amendment", made)

    def topic(self, name: str, at: access.SpacePlace, title: str, body: str, *, by: str) -> Any:
        principal = self.who(by)
        thread = discuss.open_topic(
            at,
            access.space_access(principal, at),
            title,
            discuss.CommentInput(body=body),
            principal=principal,
            session=self.session,
        )
        return self.add(name, "comment", self.first_comment(thread.id))

    def comment_on(self, name: str, motion: Motion, body: str, *, by: str) -> Any:
        principal = self.who(by)
        where = access.motion_thread(
            service.motion_place(motion.id or 0, session=self.session), session=self.session
        )
        allowed = access.thread_access(principal, where, session=self.session)
        made = discuss.post_comment(
            where,
            allowed,
            discuss.CommentInput(body=body),
            principal=principal,
            session=self.session,
        )
        return self.add(name, "comment", made)

    def comment_on_amendment(self, name: str, amendment: Amendment, body: str, *, by: str) -> Any:
        principal = self.who(by)
        ap = amendments.amendment_place(amendment.id or 0, session=self.session)
        where = access.amendment_thread(ap, session=self.session)
        allowed = access.thread_access(principal, where, session=self.session)
        made = discuss.post_comment(
            where,
            allowed,
            discuss.CommentInput(body=body),
            principal=principal,
            session=self.session,
        )
        return self.add(name, "comment", made)

    def first_comment(self, thread_id: int | None) -> Any:
        return self.session.exec(
            select(Comment).where(Comment.thread_id == thread_id, Comment.seq == 1)
        ).one()


def build(session: Session, settings: Settings) -> World:
    """Every kind of thing, in every state that decides who may read it."""
    org = structure(session)
    people = {role: enrol(session, settings, role, c) for role, c in PEOPLE.items()}
    world = World(session, org, people, make_call(session, org.state_convention))
    published = world.motion("published", "Veröffentlichter Antrag")
    place = service.call_place(world.call.id or 0, session=session)
    draft = service.save_draft(
        place,
        motion_input(title="Entwurf zum Nachdenken", text=TEXT),
        principal=world.who("proposer"),
        session=session,
    )
    world.add("draft", "motion", draft)
    submitted = submitted_motion(
        session,
        world.call,
        people["proposer"],
        title="Eingereicht, nicht veröffentlicht",
        text=TEXT,
    )
    world.add("submitted", "motion", submitted)
    _saxony(world)
    unpublished = world.amendment(
        "amendment_unpublished", published, "Änderung noch in Prüfung", by="member"
    )
    world.comment_on_amendment("on_amendment", unpublished, f"Warum {WORD}?", by="member")
    shown = world.amendment(
        "amendment_published", published, "Änderung veröffentlicht", by="proposer"
    )
    amendments.transition(
        amendments.amendment_place(shown.id or 0, session=session),
        "publish",
        forms.TransitionInput(),
        principal=world.who("staff"),
        session=session,
    )
    _resolution(world)
    _comments(world, published, submitted)
    return world


def _saxony(world: World) -> None:
    body = create_body(
        world.org.other_state,
        body_input("Landesparteitag Sachsen", BodyKind.CONVENTION),
        session=world.session,
    )
    call = make_call(world.session, body)
    motion = submitted_motion(
        world.session, call, world.people["other_state"], title="Antrag aus Sachsen", text=TEXT
    )
    world.add("saxony", "motion", publish(world.session, motion, world.people["federal"]))
    at = access.chapter_space(world.org.other_state, session=world.session)
    world.topic("saxony_topic", at, "Thema in Sachsen", f"{WORD} in Sachsen", by="other_state")


def _resolution(world: World) -> None:
    resolution = Resolution(
        body_id=world.org.state_board.id or 0,
        year=2026,
        sequence=1,
        number="2026/1",
        title="Beschluss zum Vorstand",
        decided_on=date(2026, 3, 1),
        text=f"Der Landesvorstand beschließt: mehr {WORD}.",
    )
    world.session.add(resolution)
    world.session.commit()
    world.add("resolution", "resolution", resolution)


def _comments(world: World, published: Motion, submitted: Motion) -> None:
    session, org = world.session, world.org
    state = access.chapter_space(org.state, session=session)
    board = access.body_space(org.state_board, org.state, session=session)
    world.topic("topic", state, "Thema im Landesverband", f"Ein Kommentar zum {WORD}.", by="member")
    world.topic("board_topic", board, "Interne Runde", f"Nur im Vorstand: {WORD}.", by="board")
    world.comment_on("on_published", published, f"Zum Antrag: {WORD}!", by="member")
    world.comment_on("on_submitted", submitted, f"Prüfung: {WORD}?", by="board")
    hidden = world.comment_on("hidden", published, f"Beleidigung und {WORD}", by="member")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "Beleidigung"
    hidden.hidden_by = world.people["staff"]
    session.add(hidden)
    session.commit()
    deleted = world.comment_on("deleted", published, f"Zurückgezogen: {WORD}", by="proposer")
    discuss.delete_comment(deleted, principal=world.who("proposer"), session=session)


# Who finds what, by the rules of the pages (see docs/architecture.md, "Permissions").
ALL_NRW = {"member", "proposer", "board", "staff", "federal"}
SCREENERS = {"board", "staff", "federal"}
EXPECTED: dict[str, set[str]] = {
    "published": ALL_NRW,
    "draft": {"proposer"},
    "submitted": {"proposer"} | SCREENERS,
    "saxony": {"other_state", "federal"},
    "amendment_unpublished": {"member"} | SCREENERS,
    "amendment_published": ALL_NRW,
    "resolution": ALL_NRW,
    "topic": ALL_NRW,
    "board_topic": {"board", "staff", "federal"},
    "on_published": ALL_NRW,
    "on_submitted": {"proposer"} | SCREENERS,
    "on_amendment": {"member"} | SCREENERS,
    "hidden": set(),
    "deleted": set(),
    "saxony_topic": {"other_state", "federal"},
}
