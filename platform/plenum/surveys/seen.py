"""A survey as the current member sees it: the one check every survey page starts with
(404 for a member the survey does not ask and who has no part in running it, as if it did
not exist), and what they may do there."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select
from starlette.requests import Request

from plenum.auth.current import require_member
from plenum.auth.permissions import Action, PermissionDenied, Principal, may
from plenum.errors import NotFound
from plenum.orgs.models import Chapter
from plenum.orgs.service import chapter_scope
from plenum.surveys.access import NO_SUCH_SURVEY, Allowed, SurveyPlace, allowed, survey_place
from plenum.surveys.audience import in_audience
from plenum.surveys.service import State, state_of
from plenum.web.dbsession import db


@dataclass(frozen=True)
class Seen:
    """A survey as the current member sees it, with what they may do there."""

    at: SurveyPlace
    principal: Principal
    may: Allowed
    adds: list[Chapter]  # the chapters below for which the member may add questions
    asked: bool  # in the audience (of an open or closed survey)


def _lower_chapters(principal: Principal, at: SurveyPlace, *, session: Session) -> list[Chapter]:
    """The chapters below the survey's for which the member may add questions."""
    if at.survey.opened_at is not None:
        return []
    below = session.exec(
        select(Chapter)
        .where(col(Chapter.path).startswith(at.chapter.path), Chapter.id != at.chapter.id)
        .order_by(col(Chapter.path))
    ).all()
    return [c for c in below if may(principal, Action.ADD_SURVEY_QUESTIONS, chapter_scope(c))]


def seen(request: Request, *, lock: bool = False) -> Seen:
    """The survey of the path, if the member may see it (else 404, as if it did not exist)."""
    principal = require_member(request)
    session = db(request)
    at = survey_place(request.path_params["id"], session=session, lock=lock)
    state = state_of(at.survey)
    asked = state != State.DRAFT and in_audience(
        at.survey, at.chapter, principal.member_id, session=session
    )
    shared = asked and state == State.CLOSED and at.survey.share_results
    found = allowed(principal, at, session=session, shared=shared)
    adds = _lower_chapters(principal, at, session=session)
    if not (asked or adds or found.build or found.results or found.call or found.run_campaign):
        raise NotFound(NO_SUCH_SURVEY)
    return Seen(at, principal, found, adds, asked)


def require(allowed_here: bool, action: Action) -> None:
    if not allowed_here:
        raise PermissionDenied(action.value)
