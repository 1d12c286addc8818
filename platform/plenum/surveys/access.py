"""Who may see and do what with one survey.

A survey is asked about on its chapter's scope; adding questions on the lower chapter's.
Members given the caller's function for one campaign get the pseudo-role ``caller`` on
the survey's chapter (as series and meetings add theirs), so every question goes through
``auth.permissions`` and its tested table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import Session, select

from plenum.auth.permissions import CALLER, Action, Grant, Principal, Scope, may
from plenum.errors import N_, NotFound
from plenum.orgs.models import Chapter
from plenum.orgs.service import chapter_scope
from plenum.surveys.models import Campaign, CampaignCaller, Survey

NO_SUCH_SURVEY = N_("This survey does not exist.")


@dataclass(frozen=True)
class SurveyPlace:
    survey: Survey
    chapter: Chapter

    @property
    def scope(self) -> Scope:
        return chapter_scope(self.chapter)


def survey_place(survey_id: int, *, session: Session, lock: bool = False) -> SurveyPlace:
    """The survey ``survey_id`` (locked for the rest of the transaction on PostgreSQL when
    ``lock``)."""
    query = select(Survey).where(Survey.id == survey_id)
    found = session.exec(query.with_for_update() if lock else query).first()
    chapter = session.get(Chapter, found.chapter_id) if found else None
    if found is None or chapter is None:
        raise NotFound(NO_SUCH_SURVEY)
    return SurveyPlace(found, chapter)


def campaign_of(survey_id: int, *, session: Session) -> Campaign | None:
    return session.exec(select(Campaign).where(Campaign.survey_id == survey_id)).first()


def in_campaign(
    principal: Principal | None, at: SurveyPlace, *, session: Session
) -> Principal | None:
    """The member's grants, with ``caller`` on the survey's chapter if the survey's
    campaign lists them as a caller."""
    if principal is None:
        return None
    campaign = campaign_of(at.survey.id or 0, session=session)
    if campaign is None:
        return principal
    listed = session.exec(
        select(CampaignCaller.id).where(
            CampaignCaller.campaign_id == campaign.id,
            CampaignCaller.member_id == principal.member_id,
        )
    ).first()
    if listed is None:
        return principal
    grant = Grant(CALLER, at.scope.chapter_path)
    return replace(principal, grants=(*principal.grants, grant))


@dataclass(frozen=True)
class Allowed:
    """What the member may do with one survey, asked once per page."""

    build: bool
    results: bool  # the aggregated results (members too, once shared after the close)
    raw: bool
    export: bool
    run_campaign: bool
    call: bool


def allowed(
    principal: Principal | None, at: SurveyPlace, *, session: Session, shared: bool = False
) -> Allowed:
    here = in_campaign(principal, at, session=session)
    scope = at.scope
    return Allowed(
        build=may(here, Action.BUILD_SURVEY, scope),
        results=shared or may(here, Action.SEE_SURVEY_RESULTS, scope),
        raw=may(here, Action.SEE_RAW_ANSWERS, scope),
        export=may(here, Action.EXPORT_SURVEY, scope),
        run_campaign=may(here, Action.RUN_CAMPAIGN, scope),
        call=may(here, Action.CALL, scope),
    )
