"""How a member hears by e-mail: choosing it, and the one-click unsubscribe."""

from __future__ import annotations

from sqlmodel import Session

from plenum.discuss.models import Delivery
from plenum.errors import N_, NotFound, ValidationFailed
from plenum.mail.tokens import member_of
from plenum.orgs.models import Member

CHOICES = tuple(d.value for d in Delivery)


def member(member_id: int, *, session: Session) -> Member:
    found = session.get(Member, member_id)
    if found is None:
        raise NotFound(N_("Member not found."))
    return found


def choose(member_id: int, delivery: str, *, session: Session) -> Member:
    """Save the member's choice; ValidationFailed for anything but the four choices."""
    if delivery not in CHOICES:
        raise ValidationFailed({"delivery": N_("Please choose how Plenum should write to you.")})
    found = member(member_id, session=session)
    found.delivery = delivery
    session.add(found)
    session.flush()
    return found


def member_by_token(token: str, *, secret_key: str, session: Session) -> Member:
    """The member an unsubscribe link was made for; NotFound for a link that is not ours."""
    member_id = member_of(secret_key, token)
    if member_id is None:
        raise NotFound(N_("This link is not valid."))
    return member(member_id, session=session)


def unsubscribe(token: str, *, secret_key: str, session: Session) -> Member:
    """No more e-mail for the member the link was made for."""
    found = member_by_token(token, secret_key=secret_key, session=session)
    return choose(found.id or 0, Delivery.NONE, session=session)
