"""A chapter with one of everything a route can point at, and a member with broad roles
(office staff of the state chapter, chair of its board, delegate to its convention):
for tests that walk every route with odd input."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from plenum.motions import amendments, forms
from plenum.orgs.models import ChapterRole
from plenum.settings import Settings
from tests.support.discuss import comment, topic
from tests.support.factories import Structure, claims, structure
from tests.support.motions import (
    MOTION_TEXT,
    amend,
    make_call,
    publish,
    submitted_motion,
    who,
)
from tests.support.votes import make_vote, open_vote, present
from tests.support.web import enrol

BROAD = claims(
    "gina",
    name="Gina Geschäftsstelle",
    groups=("lv-nrw-geschaeftsstelle", "lv-nrw-vorsitz", "lv-nrw-delegiert"),
    number="770001",
)


@dataclass
class Busy:
    org: Structure
    member_id: int
    ids: dict[str, int]  # the first path segment ("motions") → an id that exists there
    keys: dict[str, str]  # "chapters" / "bodies" → a key that exists there


def busy_world(session: Session, settings: Settings) -> Busy:
    org = structure(session)
    gina = enrol(session, settings, "gina", BROAD)
    call = make_call(session, org.state_convention)
    motion = publish(session, submitted_motion(session, call, gina), gina)
    amendment = amend(session, motion, gina, MOTION_TEXT.replace("Video an.", "Telefon an."))
    ap = amendments.amendment_place(amendment.id or 0, session=session)
    published = forms.TransitionInput()
    amendments.transition(ap, "publish", published, principal=who(session, gina), session=session)
    thread = topic(session, org.state, gina)
    said = comment(session, thread.id or 0, gina, "Mit Kinderbetreuung vor Ort.")
    present(session, org.state_convention, gina, gina)
    vote = open_vote(session, make_vote(session, org.state, org.state_convention, gina), gina)
    role = session.exec(select(ChapterRole).where(ChapterRole.member_id == gina)).first()
    ids = {
        "calls": call.id,
        "motions": motion.id,
        "amendments": amendment.id,
        "threads": thread.id,
        "spaces": thread.space_id,
        "comments": said.id,
        "votes": vote.id,
        "roles": role.id if role else 1,
    }
    keys = {"chapters": org.state.key, "bodies": org.state_convention.key}
    return Busy(org, gina, {k: v or 0 for k, v in ids.items()}, keys)
