"""Posting limits per member for motions, amendments and co-proposer invitations."""

from __future__ import annotations

from starlette.requests import Request

from plenum.errors import N_, DomainError
from plenum.motions.service import InvitationQuota
from plenum.web.ratelimit import limiter_for

# Posting limits per member and hour (in memory, per instance, as ``web.ratelimit``):
# a burst of that many, then refilled evenly over the hour.
LIMITS = {
    "motion": (
        (20, 3600.0),
        N_("You have started many motions within an hour. Please try again later."),
    ),
    "amendment": (
        (30, 3600.0),
        N_("You have proposed many amendments within an hour. Please try again later."),
    ),
}
INVITATION_RATE = (30, 3600.0)


def check_rate(request: Request, kind: str, member_id: int, *, form: str = "") -> None:
    """Count one new motion or amendment of the member; refuse when they made too many.
    The same form sent again (its one-time key ``form``) is not counted twice."""
    rate, message = LIMITS[kind]
    limiter = limiter_for(request.app.state, f"{kind}_limiter", rate)
    if not limiter.hit(str(member_id), form=form):
        raise DomainError(message)


def invitation_quota(request: Request, member_id: int) -> InvitationQuota:
    """The member's allowance of co-proposer invitations, for the motion services."""
    limiter = limiter_for(request.app.state, "invitation_limiter", INVITATION_RATE)
    return lambda count: limiter.hit(str(member_id), count)
