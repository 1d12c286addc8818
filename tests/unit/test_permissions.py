"""The permission rules as a table: (action, role, relation) → allowed.

Every combination is checked: the ones listed in ALLOWED must be allowed, all the
others denied. A change to the rules has to change this table too.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plenum.auth.permissions import (
    ALL_ROLES,
    MEETING_ROLES,
    SERIES_ROLES,
    Action,
    Grant,
    Principal,
    Relation,
    Scope,
    may,
    relation_of,
)

CHAPTER = Scope(chapter_path=(1, 2, 3))  # e.g. federal 1 → state 2 → county 3
BODY = Scope(chapter_path=(1, 2, 3), body_id=30)

# For each relation, a grant that stands in it to the target (chapter or body).
GRANTS_FOR_CHAPTER = {
    Relation.HERE: lambda role: Grant(role, (1, 2, 3)),
    Relation.CHAPTER: lambda role: Grant(role, (1, 2, 3), body_id=31),
    Relation.ABOVE: lambda role: Grant(role, (1, 2)),
    Relation.BELOW: lambda role: Grant(role, (1, 2, 3, 4), body_id=41),
    Relation.NONE: lambda role: Grant(role, (1, 5)),
}
GRANTS_FOR_BODY = {
    Relation.HERE: lambda role: Grant(role, (1, 2, 3), body_id=30),
    Relation.CHAPTER: lambda role: Grant(role, (1, 2, 3)),
    Relation.ABOVE: lambda role: Grant(role, (1,)),
    Relation.BELOW: lambda role: Grant(role, (1, 2, 3, 4)),
    Relation.NONE: lambda role: Grant(role, (1, 2, 3), body_id=31),
}

EVERYONE = {
    (role, relation)
    for role in (*ALL_ROLES, *MEETING_ROLES, *SERIES_ROLES)
    for relation in Relation
}
ORGANISERS = {
    ("office_staff", Relation.HERE),
    ("office_staff", Relation.CHAPTER),
    ("office_staff", Relation.ABOVE),
    ("chair", Relation.HERE),
    ("chair", Relation.CHAPTER),
}
BOARD = {
    ("office_staff", Relation.HERE),
    ("office_staff", Relation.CHAPTER),
    ("office_staff", Relation.ABOVE),
    ("chair", Relation.CHAPTER),
    ("board_member", Relation.CHAPTER),
}
ALLOWED: dict[Action, set[tuple[str, Relation]]] = {
    Action.VIEW_CHAPTER: EVERYONE,
    Action.VIEW_BODY: EVERYONE,
    Action.PARTICIPATE_IN_CHAPTER: {("member", Relation.HERE), ("member", Relation.BELOW)},
    Action.MANAGE_CHAPTER: {("office_staff", Relation.HERE), ("office_staff", Relation.ABOVE)},
    Action.MANAGE_BODY: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
    },
    Action.VIEW_BODY_INTERNAL: {
        *((role, Relation.HERE) for role in ALL_ROLES if role != "member"),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
    },
    Action.VIEW_MOTIONS: {
        ("member", Relation.HERE),
        ("member", Relation.BELOW),
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.ABOVE),
        *((role, Relation.CHAPTER) for role in ALL_ROLES if role != "member"),
    },
    Action.SUBMIT_AS_MEMBER: {("member", Relation.HERE), ("member", Relation.BELOW)},
    Action.SUBMIT_AS_DELEGATE: {("delegate", Relation.HERE)},
    Action.SUBMIT_AS_LOWER_BOARD: {("chair", Relation.BELOW), ("board_member", Relation.BELOW)},
    Action.SUPPORT: {("member", Relation.HERE), ("member", Relation.BELOW)},
    Action.SCREEN: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
        ("chair", Relation.CHAPTER),
        ("board_member", Relation.CHAPTER),
    },
    Action.RECOMMEND: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
        ("chair", Relation.CHAPTER),
        ("board_member", Relation.CHAPTER),
    },
    Action.MANAGE_CALLS: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
    },
    Action.DECIDE: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
        ("chair", Relation.HERE),
    },
    Action.MERGE: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
        ("chair", Relation.HERE),
    },
    Action.MANAGE_RESOLUTIONS: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
    },
    Action.DISCUSS: {
        ("member", Relation.HERE),
        ("member", Relation.BELOW),
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.ABOVE),
        ("moderator", Relation.HERE),
        ("moderator", Relation.ABOVE),
        *((role, Relation.CHAPTER) for role in ALL_ROLES if role != "member"),
    },
    Action.DISCUSS_IN_BODY: {
        *((role, Relation.HERE) for role in ALL_ROLES if role != "member"),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
    },
    Action.MODERATE: {
        ("moderator", Relation.HERE),
        ("moderator", Relation.ABOVE),
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.ABOVE),
    },
    Action.MODERATE_IN_BODY: {
        ("chair", Relation.HERE),
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
    },
    Action.MANAGE_VOTES: {
        ("chair", Relation.HERE),
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
    },
    Action.MANAGE_MEMBER_VOTES: {("office_staff", Relation.HERE), ("office_staff", Relation.ABOVE)},
    Action.MANAGE_MEMBERS: {("office_staff", Relation.HERE), ("office_staff", Relation.ABOVE)},
    # meetings, asked on a body's meeting
    Action.MANAGE_MEETINGS: ORGANISERS,
    Action.VIEW_MEETING: ORGANISERS
    | {("meeting_chair", Relation.HERE), ("desk", Relation.HERE), ("minute_taker", Relation.HERE)}
    | {("audience", Relation.HERE)},
    Action.RUN_MEETING: ORGANISERS | {("meeting_chair", Relation.HERE)},
    Action.MEETING_DESK: ORGANISERS | {("meeting_chair", Relation.HERE), ("desk", Relation.HERE)},
    Action.TAKE_MINUTES: ORGANISERS
    | {("meeting_chair", Relation.HERE), ("minute_taker", Relation.HERE)},
    Action.SEE_NEEDS: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("chair", Relation.HERE),
        ("meeting_chair", Relation.HERE),
    },
    Action.REGISTER: {("audience", Relation.HERE)},
    Action.ENTER_LIVE_ROOM: ORGANISERS
    | {("meeting_chair", Relation.HERE), ("desk", Relation.HERE), ("minute_taker", Relation.HERE)}
    | {("audience", Relation.HERE)},
    Action.ASK_TO_SPEAK: {("audience", Relation.HERE)},
    # series, asked on the series' chapter: its board and office staff, and the functions
    # given for the one series
    Action.MANAGE_SERIES: BOARD,
    Action.FACILITATE_SESSION: BOARD | {("facilitator", Relation.HERE)},
    Action.SYNTHESISE: BOARD | {("synthesiser", Relation.HERE)},
    Action.ENTER_PHONE_ANSWERS: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.CHAPTER),
        ("office_staff", Relation.ABOVE),
        ("caller", Relation.HERE),
    },
    Action.SEE_RAW_RESULTS: BOARD | {("synthesiser", Relation.HERE)},
    # surveys, asked on the survey's chapter (adding questions: on the lower chapter)
    Action.BUILD_SURVEY: {("office_staff", Relation.HERE), ("office_staff", Relation.ABOVE)},
    Action.ADD_SURVEY_QUESTIONS: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.ABOVE),
    },
    Action.SEE_SURVEY_RESULTS: BOARD,
    Action.SEE_RAW_ANSWERS: {("office_staff", Relation.HERE), ("office_staff", Relation.ABOVE)},
    Action.EXPORT_SURVEY: BOARD,
    Action.RUN_CAMPAIGN: {("office_staff", Relation.HERE), ("office_staff", Relation.ABOVE)},
    Action.CALL: {
        ("office_staff", Relation.HERE),
        ("office_staff", Relation.ABOVE),
        ("caller", Relation.HERE),
        ("caller", Relation.ABOVE),
    },
}
BODY_ACTIONS = {
    Action.MANAGE_VOTES,
    Action.DISCUSS_IN_BODY,
    Action.MODERATE_IN_BODY,
    Action.VIEW_BODY,
    Action.MANAGE_BODY,
    Action.VIEW_BODY_INTERNAL,
    Action.SUBMIT_AS_DELEGATE,
    Action.MANAGE_CALLS,
    Action.DECIDE,
    Action.MERGE,
    Action.MANAGE_RESOLUTIONS,
    *(action for action in Action if action.value.startswith("meetings.")),
}


def test_every_action_is_in_the_table():
    assert set(ALLOWED) == set(Action)


@pytest.mark.parametrize(
    ("action", "role", "relation"),
    list(itertools.product(Action, (*ALL_ROLES, *MEETING_ROLES, *SERIES_ROLES), Relation)),
)
def test_permission_table(action, role, relation):
    body_action = action in BODY_ACTIONS
    scope = BODY if body_action else CHAPTER
    grant = (GRANTS_FOR_BODY if body_action else GRANTS_FOR_CHAPTER)[relation](role)
    assert relation_of(grant, scope) is relation
    principal = Principal(member_id=1, grants=(grant,))
    expected = (role, relation) in ALLOWED[action]
    assert may(principal, action, scope) is expected


@pytest.mark.parametrize("action", list(Action))
def test_nobody_logged_in_may_do_nothing(action):
    assert may(None, action, CHAPTER) is False


def test_a_member_without_grants_may_only_look():
    principal = Principal(member_id=1)
    allowed = {action for action in Action if may(principal, action, BODY)}
    assert allowed == {Action.VIEW_CHAPTER, Action.VIEW_BODY}


paths = st.lists(st.integers(1, 6), min_size=1, max_size=5, unique=True).map(tuple)


@given(own=paths, target=paths)
def test_relations_are_consistent_with_the_tree(own, target):
    """ABOVE and BELOW mirror each other; HERE only on the same chapter."""
    forward = relation_of(Grant("member", own), Scope(target))
    backward = relation_of(Grant("member", target), Scope(own))
    mirror = {Relation.ABOVE: Relation.BELOW, Relation.BELOW: Relation.ABOVE}
    assert backward is mirror.get(forward, forward)
    assert (forward is Relation.HERE) == (own == target)


@pytest.mark.parametrize(
    "scope",
    [
        Scope((1, 2, 3)),
        Scope((1, 2, 3, 4)),
        Scope((1,)),
        Scope((1, 2, 3), body_id=31),
        Scope((1, 2, 3, 4), body_id=40),
    ],
)
def test_a_role_held_in_a_body_reaches_no_further_than_its_chapter(scope):
    grant = Grant("office_staff", (1, 2, 3), body_id=30)
    expected = {Scope((1, 2, 3)): Relation.CHAPTER, Scope((1,)): Relation.BELOW}.get(
        scope, Relation.NONE
    )
    assert relation_of(grant, scope) is expected
    principal = Principal(member_id=1, grants=(grant,))
    action = Action.MANAGE_CHAPTER if scope.body_id is None else Action.MANAGE_BODY
    assert not may(principal, action, scope)
