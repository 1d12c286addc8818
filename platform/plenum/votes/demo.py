"""Demo votes: a board's written decision under way, a convention's vote and a board
election with the quota ready to open, and a ranked survey of the NRW members. All text
is written for the demo."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from plenum.auth.permissions import Principal
from plenum.clock import utcnow
from plenum.orgs.models import Body, Chapter, Member
from plenum.orgs.service import body_by_key, chapter_by_key, principal_for
from plenum.times import LOCAL_TIME
from plenum.votes import forms, roll, service
from plenum.votes.models import Vote

TOPICS = ("Bezahlbares Wohnen", "Öffentlicher Nahverkehr", "Pflege und Gesundheit", "Klimaschutz")
WRITTEN = "Zuschuss für die Kinderbetreuung bei der Regionalkonferenz Ruhr"


def _member(login: str, *, session: Session) -> int:
    return session.exec(select(Member.id).where(Member.subject == login)).one() or 0


def _in_days(days: int) -> str:
    return (utcnow() + timedelta(days=days)).astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")


def load(*, session: Session) -> None:
    """Does nothing when the demo votes exist already."""
    if session.exec(select(Vote).where(Vote.title == WRITTEN)).first() is not None:
        return
    staff = principal_for(_member("geschaeftsstelle", session=session), session=session)
    board, state = body_by_key("lv-nrw-board", session=session)
    convention, _ = body_by_key("lv-nrw-convention", session=session)
    written = _make(
        state,
        board,
        staff,
        session=session,
        title=WRITTEN,
        question="Der Landesvorstand stellt bis zu 800 € für eine Kinderbetreuung während "
        "der Regionalkonferenz Ruhr bereit.",
        kind="written",
        closes_at=_in_days(5),
    )
    service.open_vote(
        service.vote_place(written.id or 0, session=session), principal=staff, session=session
    )
    _make(
        state,
        convention,
        staff,
        session=session,
        title="Wahl der Vertretung im Bundesausschuss",
        method="election",
        mode="secret",
        election_of="delegates",
        majority="simple",
        seats="2",
        quota="1",
        women="Anna Berger\nLeila Haddad",
        options="Deniz Yılmaz",
    )
    for login in ("delegiert", "dortmund"):
        roll.set_presence(
            convention,
            _member(login, session=session),
            True,
            actor=staff.member_id,
            session=session,
        )
    survey = _make(
        chapter_by_key("lv-nrw", session=session),
        None,
        staff,
        session=session,
        title="Welche Themen sollen die Regionalkonferenzen 2027 setzen?",
        kind="survey",
        method="ranked",
        options="\n".join(TOPICS),
        closes_at=_in_days(21),
    )
    service.open_vote(
        service.vote_place(survey.id or 0, session=session), principal=staff, session=session
    )


def _make(
    chapter: Chapter, body: Body | None, staff: Principal, *, session: Session, **fields: str
) -> Vote:
    data = forms.parse_vote({**forms.DEFAULTS, **fields}, service.kinds_for(body))
    return service.create_vote(chapter, body, data, principal=staff, session=session)
