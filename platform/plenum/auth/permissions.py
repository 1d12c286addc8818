"""The one place that answers "may this member do X here".

A member's grants are roles held on a chapter or a body (plus the pseudo-role
``member`` for each chapter membership). Whether a grant counts for a target depends
on the role and on where the grant sits relative to the target (its *relation*);
``RULES`` lists, per action, the (role, relation) pairs that allow it. The table is
tested entry by entry in ``tests/unit/test_permissions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plenum.errors import PermissionDenied as PermissionDenied  # where routes look for it
from plenum.orgs.models import Role

MEMBER = "member"  # pseudo-role: a plain chapter membership
ALL_ROLES: tuple[str, ...] = (MEMBER, *(role.value for role in Role))
# Pseudo-roles for one meeting, granted on the meeting's own scope (``meetings.access``):
# being in its audience, and the functions given for that meeting alone.
AUDIENCE = "audience"
MEETING_CHAIR = "meeting_chair"
DESK = "desk"
MINUTE_TAKER = "minute_taker"
MEETING_ROLES: tuple[str, ...] = (AUDIENCE, MEETING_CHAIR, DESK, MINUTE_TAKER)
# ... and for one series of meetings, on the series' chapter (``series.access``).
FACILITATOR = "facilitator"
SYNTHESISER = "synthesiser"
CALLER = Role.CALLER.value  # also a chapter role: the chapter's callers
SERIES_ROLES: tuple[str, ...] = (FACILITATOR, SYNTHESISER, CALLER)


class Action(StrEnum):
    VIEW_CHAPTER = "chapter.view"
    PARTICIPATE_IN_CHAPTER = "chapter.participate"
    MANAGE_CHAPTER = "chapter.manage"
    VIEW_BODY = "body.view"
    VIEW_BODY_INTERNAL = "body.view_internal"
    MANAGE_BODY = "body.manage"
    # Motions, amendments and resolutions. Chapter-scoped unless marked (body).
    VIEW_MOTIONS = "motions.view"
    SUBMIT_AS_MEMBER = "motions.submit_as_member"
    SUBMIT_AS_DELEGATE = "motions.submit_as_delegate"  # body
    SUBMIT_AS_LOWER_BOARD = "motions.submit_as_lower_board"
    SUPPORT = "motions.support"
    SCREEN = "motions.screen"
    RECOMMEND = "motions.recommend"
    MANAGE_CALLS = "motions.manage_calls"  # body
    DECIDE = "motions.decide"  # body
    MERGE = "motions.merge"  # body
    MANAGE_RESOLUTIONS = "resolutions.manage"  # body
    # Discussion spaces: a chapter's (or working group's) space, and a body's internal one.
    DISCUSS = "discussion.take_part"
    DISCUSS_IN_BODY = "discussion.take_part_in_body"  # body
    MODERATE = "discussion.moderate"
    MODERATE_IN_BODY = "discussion.moderate_in_body"  # body
    # Votes: a body's (meeting, written) and a chapter's with all its members.
    MANAGE_VOTES = "votes.manage"  # body
    MANAGE_MEMBER_VOTES = "votes.manage_member_votes"
    # The members of a chapter (and below): look one up, end their sessions.
    MANAGE_MEMBERS = "members.manage"
    # Meetings, asked on the meeting's scope: its body, or its chapter.
    MANAGE_MEETINGS = "meetings.manage"
    VIEW_MEETING = "meetings.view"
    RUN_MEETING = "meetings.run"  # chair the meeting: agenda, speakers, votes
    MEETING_DESK = "meetings.desk"  # Tagungsbüro: check-in, hall requests, hall counts
    TAKE_MINUTES = "meetings.minutes"
    SEE_NEEDS = "meetings.see_needs"
    REGISTER = "meetings.register"
    ENTER_LIVE_ROOM = "meetings.live"
    ASK_TO_SPEAK = "meetings.speak"
    # A series of meetings with one question, asked on the series' chapter.
    MANAGE_SERIES = "series.manage"
    FACILITATE_SESSION = "series.facilitate"
    SYNTHESISE = "series.synthesise"
    ENTER_PHONE_ANSWERS = "series.phone"
    SEE_RAW_RESULTS = "series.raw_results"
    # Member surveys and their phone campaigns, asked on the survey's chapter (adding
    # questions: on the lower chapter that adds them).
    BUILD_SURVEY = "surveys.build"
    ADD_SURVEY_QUESTIONS = "surveys.add_questions"
    SEE_SURVEY_RESULTS = "surveys.results"
    SEE_RAW_ANSWERS = "surveys.raw_answers"
    EXPORT_SURVEY = "surveys.export"
    RUN_CAMPAIGN = "surveys.run_campaign"
    CALL = "surveys.call"


class Relation(StrEnum):
    """Where a grant sits, seen from the target."""

    HERE = "here"  # on the target itself: this chapter, or this very body
    CHAPTER = "chapter"  # the target's chapter, but not the target itself
    ABOVE = "above"  # a chapter above the target's chapter
    BELOW = "below"  # a chapter below the target's chapter
    NONE = "none"  # elsewhere in the tree


@dataclass(frozen=True)
class Scope:
    """What a permission is asked about: a chapter, or a body of a chapter."""

    chapter_path: tuple[int, ...]
    body_id: int | None = None


@dataclass(frozen=True)
class Grant:
    role: str
    chapter_path: tuple[int, ...]
    body_id: int | None = None


@dataclass(frozen=True)
class Principal:
    """A logged-in member with every grant they hold."""

    member_id: int
    grants: tuple[Grant, ...] = ()

    def roles_at(self, scope: Scope) -> set[tuple[str, Relation]]:
        return {(grant.role, relation_of(grant, scope)) for grant in self.grants}


def relation_of(grant: Grant, scope: Scope) -> Relation:
    """How ``grant`` stands to ``scope`` in the chapter tree.

    A role held in a body reaches that body (HERE), its own chapter (CHAPTER) and, seen
    from a chapter above, stands BELOW it (a lower chapter's board submitting upwards);
    a role held for a chapter also reaches the chapters above and below it.
    """
    own, target = grant.chapter_path, scope.chapter_path
    if grant.body_id is not None:
        if grant.body_id == scope.body_id:
            return Relation.HERE
        if scope.body_id is not None:
            return Relation.NONE
        if own == target:
            return Relation.CHAPTER
        below = len(own) > len(target) and own[: len(target)] == target
        return Relation.BELOW if below else Relation.NONE
    if own == target:
        return Relation.HERE if scope.body_id is None else Relation.CHAPTER
    if len(own) < len(target) and target[: len(own)] == own:
        return Relation.ABOVE
    if len(own) > len(target) and own[: len(target)] == target:
        return Relation.BELOW
    return Relation.NONE


ANYONE = frozenset({("*", "*")})  # every logged-in member

_STAFF_HERE_OR_ABOVE = frozenset(
    {(Role.OFFICE_STAFF.value, Relation.HERE), (Role.OFFICE_STAFF.value, Relation.ABOVE)}
)
_STAFF_OF_BODY = _STAFF_HERE_OR_ABOVE | {(Role.OFFICE_STAFF.value, Relation.CHAPTER)}

_MEMBERS = frozenset({(MEMBER, Relation.HERE), (MEMBER, Relation.BELOW)})
_STAFF_OF_CHAPTER = _STAFF_HERE_OR_ABOVE | {(Role.OFFICE_STAFF.value, Relation.CHAPTER)}
# Screening and recommending: office staff, and chairs and board members of the chapter's
# bodies (the board, or the presidium of a convention): a body role reaches its chapter.
_BOARD_OF_CHAPTER = _STAFF_OF_CHAPTER | {
    (Role.CHAIR.value, Relation.CHAPTER),
    (Role.BOARD_MEMBER.value, Relation.CHAPTER),
}

_VIEW_MOTIONS = _MEMBERS | _STAFF_OF_CHAPTER | {(role.value, Relation.CHAPTER) for role in Role}
_MODERATORS = frozenset(
    {(Role.MODERATOR.value, Relation.HERE), (Role.MODERATOR.value, Relation.ABOVE)}
)
_BODY_INTERNAL = _STAFF_OF_BODY | {(role.value, Relation.HERE) for role in Role}

# Meetings: the office staff and the chair of the body (for a chapter's meeting, the chairs
# of its bodies) organise; a meeting's own chair, desk and minute-taker help run it.
_ORGANISERS = _STAFF_OF_BODY | {
    (Role.CHAIR.value, Relation.HERE),
    (Role.CHAIR.value, Relation.CHAPTER),
}
_RUNNERS = _ORGANISERS | {(MEETING_CHAIR, Relation.HERE)}
_IN_AUDIENCE = frozenset({(AUDIENCE, Relation.HERE)})
_IN_THE_ROOM = _RUNNERS | _IN_AUDIENCE | {(DESK, Relation.HERE), (MINUTE_TAKER, Relation.HERE)}

RULES: dict[Action, frozenset[tuple[str, str]]] = {
    Action.VIEW_CHAPTER: ANYONE,
    Action.VIEW_BODY: ANYONE,
    # A member of a local chapter is also a member of every chapter above it.
    Action.PARTICIPATE_IN_CHAPTER: frozenset({(MEMBER, Relation.HERE), (MEMBER, Relation.BELOW)}),
    Action.MANAGE_CHAPTER: _STAFF_HERE_OR_ABOVE,
    Action.MANAGE_BODY: _STAFF_OF_BODY,
    Action.VIEW_BODY_INTERNAL: _BODY_INTERNAL,
    Action.VIEW_MOTIONS: _VIEW_MOTIONS,
    Action.SUBMIT_AS_MEMBER: _MEMBERS,
    Action.SUBMIT_AS_DELEGATE: frozenset({(Role.DELEGATE.value, Relation.HERE)}),
    Action.SUBMIT_AS_LOWER_BOARD: frozenset(
        {(Role.CHAIR.value, Relation.BELOW), (Role.BOARD_MEMBER.value, Relation.BELOW)}
    ),
    Action.SUPPORT: _MEMBERS,
    Action.SCREEN: _BOARD_OF_CHAPTER,
    Action.RECOMMEND: _BOARD_OF_CHAPTER,
    Action.MANAGE_CALLS: _STAFF_OF_BODY,
    Action.DECIDE: _STAFF_OF_BODY | {(Role.CHAIR.value, Relation.HERE)},
    Action.MERGE: _STAFF_OF_BODY | {(Role.CHAIR.value, Relation.HERE)},
    Action.MANAGE_RESOLUTIONS: _STAFF_OF_BODY,
    # Members-only spaces: whoever may see the chapter's motions, and its moderators.
    Action.DISCUSS: _VIEW_MOTIONS | _MODERATORS,
    # A body's space is internal: its seat holders and the office staff.
    Action.DISCUSS_IN_BODY: _BODY_INTERNAL,
    Action.MODERATE: _MODERATORS | _STAFF_HERE_OR_ABOVE,
    Action.MODERATE_IN_BODY: _STAFF_OF_BODY | {(Role.CHAIR.value, Relation.HERE)},
    # A body's votes are run by its chair and the office staff; member ballots and
    # surveys of a chapter by its office staff (or the staff above).
    Action.MANAGE_VOTES: _STAFF_OF_BODY | {(Role.CHAIR.value, Relation.HERE)},
    Action.MANAGE_MEMBER_VOTES: _STAFF_HERE_OR_ABOVE,
    # Office staff of the chapter, or of a chapter above it.
    Action.MANAGE_MEMBERS: _STAFF_HERE_OR_ABOVE,
    Action.MANAGE_MEETINGS: _ORGANISERS,
    Action.VIEW_MEETING: _IN_THE_ROOM,
    Action.RUN_MEETING: _RUNNERS,
    Action.MEETING_DESK: _RUNNERS | {(DESK, Relation.HERE)},
    Action.TAKE_MINUTES: _RUNNERS | {(MINUTE_TAKER, Relation.HERE)},
    # Needs are special-category data: the office staff of the chapter and the chairs only.
    Action.SEE_NEEDS: frozenset(
        {
            (Role.OFFICE_STAFF.value, Relation.HERE),
            (Role.OFFICE_STAFF.value, Relation.CHAPTER),
            (Role.CHAIR.value, Relation.HERE),
            (MEETING_CHAIR, Relation.HERE),
        }
    ),
    Action.REGISTER: _IN_AUDIENCE,
    Action.ENTER_LIVE_ROOM: _IN_THE_ROOM,
    Action.ASK_TO_SPEAK: _IN_AUDIENCE,
    # A series is run by the chapter's board and office staff; the functions given for
    # one series (``series.access``) add the facilitators, the synthesis group, the callers.
    Action.MANAGE_SERIES: _BOARD_OF_CHAPTER,
    Action.FACILITATE_SESSION: _BOARD_OF_CHAPTER | {(FACILITATOR, Relation.HERE)},
    Action.SYNTHESISE: _BOARD_OF_CHAPTER | {(SYNTHESISER, Relation.HERE)},
    Action.ENTER_PHONE_ANSWERS: _STAFF_OF_CHAPTER | {(CALLER, Relation.HERE)},
    Action.SEE_RAW_RESULTS: _BOARD_OF_CHAPTER | {(SYNTHESISER, Relation.HERE)},
    # Surveys are built and their campaigns run by the chapter's office staff (a lower
    # chapter's staff add their questions); the board sees and exports the results;
    # raw answers are for the office staff alone. Callers: the chapter's callers and
    # those given the function for one campaign (``surveys.access``).
    Action.BUILD_SURVEY: _STAFF_HERE_OR_ABOVE,
    Action.ADD_SURVEY_QUESTIONS: _STAFF_HERE_OR_ABOVE,
    Action.SEE_SURVEY_RESULTS: _BOARD_OF_CHAPTER,
    Action.SEE_RAW_ANSWERS: _STAFF_HERE_OR_ABOVE,
    Action.EXPORT_SURVEY: _BOARD_OF_CHAPTER,
    Action.RUN_CAMPAIGN: _STAFF_HERE_OR_ABOVE,
    Action.CALL: _STAFF_HERE_OR_ABOVE | {(CALLER, Relation.HERE), (CALLER, Relation.ABOVE)},
}


def may(principal: Principal | None, action: Action, scope: Scope) -> bool:
    """Whether ``principal`` may do ``action`` on ``scope``."""
    if principal is None:
        return False
    allowed = RULES[action]
    if allowed is ANYONE:
        return True
    return any((grant.role, relation_of(grant, scope)) in allowed for grant in principal.grants)


def require(principal: Principal | None, action: Action, scope: Scope) -> None:
    if not may(principal, action, scope):
        raise PermissionDenied(action.value)
