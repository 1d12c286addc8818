"""Demo discussions: a topic in the NRW state space, a discussion of the demo motion that
quotes its lines, and the state board's internal space. All text is written for the demo."""

from __future__ import annotations

from sqlmodel import Session, col, select

from plenum.discuss import access, service
from plenum.discuss.models import Comment, Thread
from plenum.motions import service as motions
from plenum.motions.models import Motion, Status
from plenum.orgs.models import Member
from plenum.orgs.service import body_by_key, chapter_by_key, principal_for

TOPIC = "Kinderbetreuung bei Regionalkonferenzen"


def _say(
    where: access.ThreadPlace,
    login: str,
    body: str,
    *,
    session: Session,
    reply_to: int | None = None,
    first: int | None = None,
    last: int | None = None,
) -> int:
    member_id = session.exec(select(Member.id).where(Member.subject == login)).one() or 0
    actor = principal_for(member_id, session=session)
    allowed = access.thread_access(actor, where, session=session)
    data = service.CommentInput(body=body, reply_to=reply_to, quote_first=first, quote_last=last)
    return service.post_comment(where, allowed, data, principal=actor, session=session).id or 0


def load(*, session: Session) -> None:
    """Does nothing when the demo topic exists already."""
    if session.exec(select(Thread).where(Thread.title == TOPIC)).first() is not None:
        return
    state = chapter_by_key("lv-nrw", session=session)
    at = access.chapter_space(state, session=session)
    anna_id = session.exec(select(Member.id).where(Member.subject == "mitglied")).one() or 0
    anna = principal_for(anna_id, session=session)
    first = service.CommentInput(
        body="Wer kann bei den Regionalkonferenzen **Kinderbetreuung** anbieten? "
        "Ich könnte in Köln einen Raum organisieren."
    )
    thread = service.open_topic(
        at, access.space_access(anna, at), TOPIC, first, principal=anna, session=session
    )
    where = access.ThreadPlace(thread, at)
    first_id = session.exec(
        select(Comment.id).where(Comment.thread_id == thread.id, Comment.seq == 1)
    ).one()
    reply = _say(
        where,
        "delegiert",
        "Gute Idee! In Dortmund gibt es das schon, ich frage nach.",
        reply_to=first_id,
        session=session,
    )
    _say(
        where,
        "lag",
        "Danke – schreibt bitte auch, wie viele Kinder ihr erwartet.",
        reply_to=reply,
        session=session,
    )
    _say(where, "vorstand", "Der Landesvorstand nimmt das in die Planung auf.", session=session)

    motion = session.exec(
        select(Motion).where(Motion.status == Status.PUBLISHED).order_by(col(Motion.id))
    ).first()
    if motion is not None:
        mp = motions.motion_place(motion.id or 0, session=session)
        on_motion = access.motion_thread(mp, session=session)
        _say(
            on_motion,
            "mitglied",
            "Online-Übertragung finde ich sehr wichtig.",
            first=4,
            last=5,
            session=session,
        )
        _say(
            on_motion, "dortmund", "Brauchen wir dafür nicht auch Technik vor Ort?", session=session
        )

    board, chapter = body_by_key("lv-nrw-board", session=session)
    inside = access.body_space(board, chapter, session=session)
    chair = principal_for(
        session.exec(select(Member.id).where(Member.subject == "vorsitz")).one() or 0,
        session=session,
    )
    service.open_topic(
        inside,
        access.space_access(chair, inside),
        "Vorbereitung der Landesratssitzung",
        service.CommentInput(body="Bitte bis Freitag die Berichte schicken."),
        principal=chair,
        session=session,
    )
