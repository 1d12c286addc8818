"""What members type into votes, through HTTP: the set-up form refuses bad input beside
the field and keeps what was typed; the ballot endpoint refuses every malformed or
misdirected ballot without writing anything (also under Hypothesis); and member text
(titles, options, candidates, names) never becomes markup on any page of a vote."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from plenum.votes.models import Ballot, Vote, VoteCast, VoteOption
from tests.support.factories import Structure, claims, structure
from tests.support.votes import VOTE_FORM, close, make_vote, open_vote, option_ids, present
from tests.support.web import (
    english,
    enrol,
    live_script_problems,
    log_in_as,
    page,
    post,
    text,
    token,
)

PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="640001"
    ),
    "vera": claims("vera", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="640002"),
    "dana": claims("dana", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="640003"),
    "mia": claims("mia", name="Mia Mitglied", number="640004"),
}
BOARD = "/bodies/lv-nrw-board/votes"
CONVENTION = "/bodies/lv-nrw-convention/votes"
CHAPTER = "/chapters/lv-nrw/votes"
LATER = "2099-01-01T12:00"


@dataclass
class Org:
    session: Any
    org: Structure
    people: dict[str, int]

    def count(self, model: Any, *where: Any) -> int:
        self.session.commit()
        self.session.expire_all()
        query = select(func.count()).select_from(model).where(*where)
        return int(self.session.exec(query).one())

    def written(self) -> tuple[int, int, int]:
        """Votes, ballots and "has voted" rows in the whole database."""
        return self.count(Vote), self.count(Ballot), self.count(VoteCast)


@pytest.fixture
def org(session, settings) -> Org:
    made = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    return Org(session, made, people)


def as_person(client, provider, name: str) -> Any:
    return english(log_in_as(client, provider, name, PEOPLE[name]))


# --- the set-up form ----------------------------------------------------------------------------

ELECTION = {"method": "election", "election_of": "other", "mode": "secret"}
SURVEY = {"kind": "survey", "closes_at": LATER}
CHOICE = SURVEY | {"method": "choice"}

# fmt: off
BAD_FORMS = [
    # (case, where, what is typed over VOTE_FORM, field, message beside it)
    ("empty title", CONVENTION, {"title": ""},
     "title", "Please enter a title."),
    ("board election not secret", CONVENTION,
     ELECTION | {"election_of": "board", "mode": "open", "seats": "2", "options": "Anna Adler\nBert Berg"},
     "mode", "Board members, delegates and lists are elected by secret ballot only."),
    ("delegates elected by named vote", CONVENTION,
     ELECTION | {"election_of": "delegates", "mode": "named", "options": "Anna Adler"},
     "mode", "Board members, delegates and lists are elected by secret ballot only."),
    ("ranked at a meeting", CONVENTION, {"method": "ranked", "options": "Rot\nGrün"},
     "method", "Ranked choice is for surveys only."),
    ("ranked in a binding member ballot", CHAPTER,
     SURVEY | {"kind": "member_ballot", "method": "ranked", "options": "Rot\nGrün"},
     "method", "Ranked choice is for surveys only."),
    ("choice with one option", CHAPTER, CHOICE | {"options": "Nur eine"},
     "options", "Please enter at least two options, one per line."),
    ("more marks than options", CHAPTER, CHOICE | {"options": "Juli\nAugust", "max_choices": "3"},
     "max_choices", "A ballot cannot mark more options than there are."),
    ("election without candidates", CONVENTION, ELECTION | {"options": ""},
     "options", "Please enter at least one candidate, one per line."),
    ("election of nothing", CONVENTION, ELECTION | {"election_of": "", "options": "Anna Adler"},
     "election_of", "Please choose what is elected."),
    ("quota with one seat", CONVENTION,
     ELECTION | {"election_of": "board", "seats": "1", "quota": "1", "women": "Anna Adler", "options": "Bert Berg"},
     "seats", "An election with the quota needs at least two seats."),
    ("quota without an election", CONVENTION, {"quota": "1", "seats": "2"},
     "quota", "The quota applies to elections of persons."),
    ("written decision without end", BOARD, {"kind": "written", "closes_at": ""},
     "closes_at", "Please enter when the vote ends."),
    ("survey without end", CHAPTER, SURVEY | {"closes_at": ""},
     "closes_at", "Please enter when the vote ends."),
    ("end before start", BOARD,
     {"kind": "written", "opens_at": "2099-01-02T10:00", "closes_at": "2099-01-01T10:00"},
     "closes_at", "The end must come after the start."),
    ("end not a date", BOARD, {"kind": "written", "closes_at": "morgen früh"},
     "closes_at", "Please enter a date and time."),
    ("duplicate candidates", CONVENTION, ELECTION | {"options": "Anna Adler\nBert Berg\nanna adler"},
     "options", "Each entry may appear only once."),
    ("candidate on both lists", CONVENTION,
     ELECTION | {"election_of": "board", "seats": "2", "quota": "1", "women": "Anna Adler", "options": "ANNA ADLER"},
     "women", "Each candidate may be named only once."),
    ("duplicate options", CHAPTER, CHOICE | {"options": "Juli\nAugust\nJuli"},
     "options", "Each entry may appear only once."),
    ("title too long", CONVENTION, {"title": "T" * 301},
     "title", "The title may have at most 300 characters."),
    ("question too long", CONVENTION, {"question": "Q" * 20_001},
     "question", "This is too long."),
    ("option too long", CHAPTER, CHOICE | {"options": "Juli\n" + "A" * 201},
     "options", "Each entry may have at most 200 characters."),
    ("candidate too long", CONVENTION, ELECTION | {"women": "W" * 201, "options": "Bert Berg"},
     "women", "Each entry may have at most 200 characters."),
    ("too many options", CHAPTER, CHOICE | {"options": "\n".join(f"Option {n}" for n in range(101))},
     "options", "There may be at most 100 entries."),
    ("seats not a number", CONVENTION, ELECTION | {"seats": "zwei", "options": "Anna Adler"},
     "seats", "Please enter a whole number in the allowed range."),
    ("quorum above 100 %", CONVENTION, {"quorum_percent": "101"},
     "quorum_percent", "Please enter a whole number in the allowed range."),
    ("a chapter's kind at a body", CONVENTION, SURVEY,
     "kind", "Please choose where the vote takes place."),
    ("a meeting of all members", CHAPTER, {"kind": "meeting"},
     "kind", "Please choose where the vote takes place."),
    ("an unknown method", CONVENTION, {"method": "borda"},
     "method", "Please choose a method."),
]
# fmt: on


def shown_value(form: Any, name: str) -> str | None:
    """What the form shows in field ``name``: None when it has no such field (or a select
    where nothing is selected)."""
    field = form.find(attrs={"name": name})
    if field is None:
        return None
    if field.name == "textarea":
        return field.get_text()
    if field.name == "select":
        chosen = field.find("option", selected=True)
        return str(chosen.get("value", "")) if chosen is not None else None
    if field.get("type") == "checkbox":
        return str(field["value"]) if field.has_attr("checked") else ""
    return str(field.get("value", ""))


def offered(form: Any, name: str) -> set[str]:
    field = form.find(attrs={"name": name})
    if field is None or field.name != "select":
        return set()
    return {str(o.get("value", "")) for o in field.find_all("option")}


def check_refused_form(response: Any, typed: dict[str, str], name: str, message: str) -> None:
    assert response.status_code == 422, response.text[:300]
    shown = page(response)
    error = shown.select_one(f".field-error#{name}-error")
    assert error is not None, f"no error beside {name}"
    assert text(error) == message
    field = shown.find(attrs={"name": name})
    assert field.get("aria-invalid") == "true"
    assert f"{name}-error" in field.get("aria-describedby", "").split()
    assert shown.select_one(".error-summary[role=alert]") is not None
    form = shown.select_one("#vote-form")
    for key, value in typed.items():
        kept = shown_value(form, key)
        if form.find(attrs={"name": key}).name == "select" and value not in offered(form, key):
            assert kept is None, f"{key}: {kept!r} selected for {value!r}"
        else:
            assert kept == value.strip(), f"{key}: {kept!r} shown for {value!r}"


@pytest.mark.parametrize(
    ("where", "typed", "name", "message"),
    [case[1:] for case in BAD_FORMS],
    ids=[case[0] for case in BAD_FORMS],
)
def test_bad_set_up_input_is_refused_beside_the_field(
    client, provider, org, where, typed, name, message
):
    as_person(client, provider, "gina")
    values = VOTE_FORM | typed
    before = (org.count(Vote), org.count(VoteOption))
    response = post(client, where, values)
    check_refused_form(response, values, name, message)
    assert (org.count(Vote), org.count(VoteOption)) == before


def test_the_same_form_without_the_mistake_is_taken(client, provider, org):
    """The refusals above are the mistakes, not the base form."""
    as_person(client, provider, "gina")
    for where, typed in (
        (CONVENTION, {}),
        (BOARD, {"kind": "written", "closes_at": LATER}),
        (CHAPTER, CHOICE | {"options": "Juli\nAugust"}),
    ):
        before = org.count(Vote)
        response = post(client, where, VOTE_FORM | typed)
        assert response.status_code == 303, response.text[:300]
        assert org.count(Vote) == before + 1


def test_a_bad_edit_keeps_the_draft_as_it_was(client, provider, org):
    draft = make_vote(
        org.session, org.org.state, None, org.people["gina"], **CHOICE, options="Juli\nAugust"
    )
    as_person(client, provider, "gina")
    values = VOTE_FORM | CHOICE | {"title": "", "options": "Juli\nAugust\nSeptember"}
    before = org.count(VoteOption, VoteOption.vote_id == draft.id)
    response = post(client, f"/votes/{draft.id}/edit", values)
    check_refused_form(response, values, "title", "Please enter a title.")
    assert org.count(VoteOption, VoteOption.vote_id == draft.id) == before
    assert org.session.get(Vote, draft.id).title == VOTE_FORM["title"]
    assert org.session.get(Vote, draft.id).lock_version == draft.lock_version


# --- wrong ballots at the cast endpoint ----------------------------------------------------------


@dataclass
class Target:
    """A vote the member (Mia) sends ballots to, and what it answers to a wrong one."""

    vote: Vote
    ids: dict[str, int]  # option id by label, or by kind for yes/no/abstain/invalid
    markable: list[int]  # the options a ballot chooses (yes, options, candidates)
    special: list[int]  # no, abstain, invalid: each must stand alone
    limit: int | None  # how many a ballot may mark
    refusals: frozenset[int]  # the answers a wrong ballot may get

    @property
    def path(self) -> str:
        return f"/votes/{self.vote.id}/cast"


REFUSED = frozenset({422})  # the member may vote here: the ballot itself is wrong
NOT_NOW = frozenset({409, 422})  # wrong ballot, or no ballot is taken from this member
HIDDEN = frozenset({404})  # the member cannot see the vote


def targets(org: Org) -> dict[str, Target]:
    s, p, state = org.session, org.people, org.org.state
    gina = p["gina"]

    def opened(body: Any, **fields: str) -> Vote:
        return open_vote(s, make_vote(s, state, body, gina, **fields), gina)

    closed = opened(None, **CHOICE, options="Juli\nAugust")
    close(s, closed, gina)
    present(s, org.org.state_convention, gina, p["dana"])
    votes = {
        "yes_no": (opened(None, kind="member_ballot", closes_at=LATER), 1, REFUSED),
        "choice": (
            opened(None, **CHOICE, options="Apfel\nBirne\nKirsche", max_choices="2"),
            2,
            REFUSED,
        ),
        "election": (
            opened(
                None,
                **(SURVEY | ELECTION | {"kind": "member_ballot"}),
                seats="2",
                options="Anna\nBert\nCarl",
            ),
            2,
            REFUSED,
        ),
        "ranked": (
            opened(None, **SURVEY, method="ranked", options="Rot\nGrün\nBlau\nGelb"),
            None,
            REFUSED,
        ),
        "closed": (closed, 1, NOT_NOW),
        # the convention's vote: Mia sees it but is not on its roll
        "not_on_roll": (
            opened(org.org.state_convention, kind="written", closes_at=LATER),
            1,
            NOT_NOW,
        ),
        # the board's vote and a draft: Mia cannot see them
        "board": (opened(org.org.state_board, kind="written", closes_at=LATER), 1, HIDDEN),
        "draft": (make_vote(s, state, None, gina, **CHOICE, options="Juli\nAugust"), 1, HIDDEN),
    }
    found = {}
    for name, (vote, limit, refusals) in votes.items():
        options = s.exec(select(VoteOption).where(VoteOption.vote_id == vote.id)).all()
        found[name] = Target(
            vote=vote,
            ids=option_ids(s, vote),
            markable=[o.id for o in options if o.kind in ("yes", "option", "candidate")],
            special=[o.id for o in options if o.kind in ("no", "abstain", "invalid")],
            limit=limit,
            refusals=refusals,
        )
    return found


Pairs = list[tuple[str, str]]
# No NUL: a form with one is refused whole (400, tests/web/test_bad_input.py), not as a ballot.
NOT_NUL = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
JUNK = st.text(alphabet=NOT_NUL, max_size=24).filter(
    lambda s: not re.fullmatch(r"\d{1,10}", s.strip())
)
RANK_JUNK = st.text(alphabet=NOT_NUL, min_size=1, max_size=6).filter(
    lambda s: s.strip() != "" and not re.fullmatch(r"\d{1,3}", s.strip())
)


def choices(ids: list[int]) -> Pairs:
    return [("choice", str(i)) for i in ids]


KINDS = (
    "unknown", "duplicate", "junk", "huge", "empty", "special", "mixed", "too_many",
    "rank_twice", "rank_field_twice", "rank_junk", "rank_unknown", "rank_special",
    "rank_huge", "rank_empty", "rank_and_choice",
)  # fmt: skip


def fits(kind: str, target: Target) -> bool:
    """Whether a ballot of this kind can be made for this vote."""
    if kind == "too_many":
        return target.limit is not None
    if kind.startswith("rank_"):
        return len(target.markable) >= 2
    return True


@st.composite
def wrong_ballot(draw: Any, kind: str, target: Target, known: list[int]) -> Pairs:
    """A ballot of the given kind that this vote must refuse."""
    own = set(target.ids.values())
    unknown = st.one_of(
        st.integers(min_value=0, max_value=9_999_999_999), st.sampled_from(known)
    ).filter(lambda i: i not in own)
    mark = st.sampled_from(target.markable)
    if kind == "unknown":
        ids = draw(st.lists(unknown, min_size=1, max_size=3)) + draw(st.lists(mark, max_size=1))
        return choices(draw(st.permutations(ids)))
    if kind == "duplicate":
        twice = draw(st.sampled_from(sorted(own)))
        return choices(draw(st.permutations([twice, twice, *draw(st.lists(mark, max_size=1))])))
    if kind == "junk":
        junk = draw(st.lists(JUNK, min_size=1, max_size=3))
        return (
            choices([]) + [("choice", j) for j in junk] + choices(draw(st.lists(mark, max_size=1)))
        )
    if kind == "huge":
        size = draw(st.integers(min_value=101, max_value=400))
        return choices(draw(st.lists(st.sampled_from(sorted(own)), min_size=size, max_size=size)))
    if kind == "empty":
        return draw(st.sampled_from([[], [("choice", "")], [("other", "1")]]))
    if kind == "special":
        alone = draw(st.sampled_from(target.special))
        others = [i for i in [*target.markable, *target.special] if i != alone]
        return choices(draw(st.permutations([alone, draw(st.sampled_from(others))])))
    if kind == "mixed":
        # rank fields on a ballot that is not ranked, or next to a mark on one that is
        first = draw(st.sampled_from(sorted(own)))
        return [("choice", str(first)), (f"rank-{draw(mark)}", "1")]
    if kind == "too_many":
        assert target.limit is not None
        pool = (
            target.markable
            if len(target.markable) > target.limit
            else [*target.markable, *target.special]
        )
        picked = draw(
            st.lists(
                st.sampled_from(pool), min_size=target.limit + 1, max_size=len(pool), unique=True
            )
        )
        return choices(picked)
    options = target.markable
    if kind == "rank_twice":
        a, b = draw(st.lists(st.sampled_from(options), min_size=2, max_size=2, unique=True))
        rank = str(draw(st.integers(min_value=1, max_value=4)))
        return [(f"rank-{a}", rank), (f"rank-{b}", rank)]
    if kind == "rank_field_twice":
        a = draw(st.sampled_from(options))
        return [(f"rank-{a}", "1"), (f"rank-{a}", "2")]
    if kind == "rank_junk":
        a, b = draw(st.lists(st.sampled_from(options), min_size=2, max_size=2, unique=True))
        return [(f"rank-{a}", "1"), (f"rank-{b}", draw(RANK_JUNK))]
    if kind == "rank_unknown":
        return [(f"rank-{draw(st.sampled_from(options))}", "1"), (f"rank-{draw(unknown)}", "2")]
    if kind == "rank_special":
        return [
            (f"rank-{draw(st.sampled_from(target.special))}", "1"),
            (f"rank-{draw(st.sampled_from(options))}", "2"),
        ]
    if kind == "rank_huge":
        size = draw(st.integers(min_value=101, max_value=300))
        filler = [(f"rank-{n}", "") for n in range(10_000_000, 10_000_000 + size)]
        return [(f"rank-{options[0]}", "1"), *filler, (f"rank-{draw(unknown)}", "2")]
    if kind == "rank_empty":
        return [(f"rank-{i}", "") for i in options]
    assert kind == "rank_and_choice"
    return [
        ("choice", str(draw(st.sampled_from(target.special)))),
        (f"rank-{draw(st.sampled_from(options))}", "1"),
    ]


def send(client, target: Target, csrf: str, pairs: Pairs) -> Any:
    form: dict[str, list[str]] = {"csrf_token": [csrf]}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return client.post(target.path, data=form)


VALID = {
    "yes_no": lambda t: choices([t.ids["yes"]]),
    "choice": lambda t: choices([t.ids["Apfel"], t.ids["Kirsche"]]),
    "election": lambda t: choices([t.ids["Bert"], t.ids["Anna"]]),
    "ranked": lambda t: (
        [(f"rank-{t.ids['Blau']}", "1"), (f"rank-{t.ids['Rot']}", "2")]
        + [(f"rank-{t.ids[label]}", "") for label in ("Grün", "Gelb")]
    ),
}


def test_wrong_ballots_are_refused_and_write_nothing(client, provider, org):
    found = targets(org)
    known = sorted({i for t in found.values() for i in t.ids.values()})
    as_person(client, provider, "mia")
    csrf = token(client)
    written = org.written()
    names = sorted(found)

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def throw(data: Any) -> None:
        kind = data.draw(st.sampled_from(KINDS), label="kind")
        event(kind)
        # ranks are wrong on any ballot, but the ranked ballot has the most ways to go wrong
        pool = names + ["ranked"] * (len(names) if kind.startswith("rank_") else 0)
        fitting = [name for name in pool if fits(kind, found[name])]
        target = found[data.draw(st.sampled_from(fitting), label="vote")]
        pairs = data.draw(wrong_ballot(kind, target, known), label="ballot")
        response = send(client, target, csrf, pairs)
        assert response.status_code in target.refusals, (kind, response.status_code)
        assert org.written() == written, kind

    throw()
    # the refusals are the ballots' fault: the same member's right ballots are taken
    for name, ballot in VALID.items():
        response = send(client, found[name], csrf, ballot(found[name]))
        assert response.status_code == 200, (name, response.text[:300])
    votes, ballots, casts = written
    assert org.written() == (votes, ballots + len(VALID), casts + len(VALID))


def hand_written(t: dict[str, Target]) -> list[tuple[str, str, Pairs]]:
    """Ballots a form never sends, each refused for a reason of its own."""
    ranked, yes_no, election = t["ranked"], t["yes_no"], t["election"]
    red, blue = ranked.ids["Rot"], ranked.ids["Blau"]
    return [
        ("no choice at all", "yes_no", []),
        ("yes and no", "yes_no", choices([yes_no.ids["yes"], yes_no.ids["no"]])),
        ("yes twice", "yes_no", choices([yes_no.ids["yes"], yes_no.ids["yes"]])),
        ("a mark of another vote", "yes_no", choices([election.ids["Anna"]])),
        ("a number too long", "yes_no", [("choice", "1" * 11)]),
        ("a negative number", "yes_no", [("choice", f"-{yes_no.ids['yes']}")]),
        ("more fields than the server reads", "yes_no", choices([yes_no.ids["yes"]] * 1200)),
        (
            "a mark next to ranks on a yes/no ballot",
            "yes_no",
            [("choice", str(yes_no.ids["no"])), (f"rank-{yes_no.ids['yes']}", "1")],
        ),
        ("ranks on a yes/no ballot", "yes_no", [(f"rank-{yes_no.ids['yes']}", "1")]),
        (
            "abstain with a candidate",
            "election",
            choices([election.ids["abstain"], election.ids["Anna"]]),
        ),
        (
            "invalid with a candidate",
            "election",
            choices([election.ids["invalid"], election.ids["Bert"]]),
        ),
        (
            "three of two seats",
            "election",
            choices([election.ids[n] for n in ("Anna", "Bert", "Carl")]),
        ),
        (
            "abstain next to a ranking",
            "ranked",
            [("choice", str(ranked.ids["abstain"])), (f"rank-{red}", "1")],
        ),
        ("one rank for two options", "ranked", [(f"rank-{red}", "1"), (f"rank-{blue}", "1")]),
        ("two ranks for one option", "ranked", [(f"rank-{red}", "1"), (f"rank-{red}", "2")]),
        ("a rank that is not a number", "ranked", [(f"rank-{red}", "erste")]),
        ("a rank field that names no option", "ranked", [(f"rank-{red}", "1"), ("rank-blau", "2")]),
        (
            "a rank for an option of no ballot",
            "ranked",
            [(f"rank-{red}", "1"), ("rank-9999999", "2")],
        ),
        (
            "a rank past the hundredth field",
            "ranked",
            [(f"rank-{red}", "1")]
            + [(f"rank-{n}", "") for n in range(9_000_000, 9_000_100)]
            + [("rank-9999999", "2")],
        ),
        ("no rank given", "ranked", [(f"rank-{red}", ""), (f"rank-{blue}", "")]),
    ]


UNREAD = {"more fields than the server reads"}  # the form parser refuses: 400


def test_hand_written_wrong_ballots_are_refused(client, provider, org):
    found = targets(org)
    as_person(client, provider, "mia")
    csrf = token(client)
    written = org.written()
    wrong = []
    for case, name, pairs in hand_written(found):
        response = send(client, found[name], csrf, pairs)
        expected = 400 if case in UNREAD else 422
        if response.status_code != expected:
            wrong.append(f"{case}: {response.status_code}, expected {expected}")
        elif response.status_code == 422 and page(response).select_one("#choice-error") is None:
            wrong.append(f"{case}: refused without a message beside the ballot")
        if org.written() != written:
            wrong.append(f"{case}: a ballot was written")
            undo_ballots(org, found[name].vote)  # so the next case is judged on its own
    assert not wrong, "\n".join(wrong)


def undo_ballots(org: Org, vote: Vote) -> None:
    for model in (Ballot, VoteCast):
        for found in org.session.exec(select(model).where(model.vote_id == vote.id)).all():
            org.session.delete(found)
    org.session.flush()
    stored = org.session.get(Vote, vote.id)
    stored.turnout = 0
    org.session.add(stored)
    org.session.commit()


def test_ballots_for_votes_the_member_may_not_vote_in(client, provider, org):
    """Well-formed ballots, sent where they do not belong."""
    found = targets(org)
    as_person(client, provider, "mia")
    csrf = token(client)
    written = org.written()
    cases = [
        ("closed", "Juli", 409, "This vote is not open for ballots."),
        ("not_on_roll", "yes", 409, "You are not on the roll of this vote."),
        ("board", "yes", 404, None),
        ("draft", "Juli", 404, None),
    ]
    for name, label, status, message in cases:
        response = send(client, found[name], csrf, choices([found[name].ids[label]]))
        assert response.status_code == status, name
        if message and name != "closed":  # a closed vote's page says nothing: see the report
            assert text(page(response).select_one("#choice-error")) == message
        assert org.written() == written, name
    missing = client.post("/votes/999999/cast", data={"csrf_token": csrf, "choice": "1"})
    assert missing.status_code == 404


# --- member text never becomes markup ---------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "{{7*7}}"
JS = "javascript:alert(1)"
ANCHOR = '<a href="javascript:alert(1)">klick</a>'
SVG = "<svg onload=alert(3)>"
MARKUP = (SCRIPT, IMG, ANCHOR, SVG)
TITLE = f"{SCRIPT} {TEMPLATE} {JS}"
QUESTION = f"{SCRIPT}\n\n{IMG}\n\n[klick]({JS})\n\n{ANCHOR}\n\n{TEMPLATE}"
LABELS = (SCRIPT, IMG, TEMPLATE, JS, ANCHOR)
VOTER = claims("xavier", name=SVG, groups=("lv-nrw-delegiert",), number="640009")


def inert(response: Any, where: str) -> Any:
    assert response.status_code == 200, (where, response.status_code)
    html = response.text
    assert live_script_problems(html) == [], where
    for raw in MARKUP:
        assert raw not in html, (where, raw)
    return page(response)


def test_member_text_never_becomes_markup(client, provider, org, settings):
    xavier = enrol(org.session, settings, "xavier", VOTER)
    present(org.session, org.org.state_convention, org.people["gina"], xavier)
    as_person(client, provider, "gina")
    inert(client.get(f"{CHAPTER}/new", params={"title": TITLE}), "the set-up form")
    survey = VOTE_FORM | CHOICE | {"title": TITLE, "question": QUESTION, "mode": "secret"}
    survey["options"] = "\n".join(LABELS)
    election = VOTE_FORM | ELECTION | {"title": TITLE, "question": QUESTION, "mode": "named"}
    election |= {"women": SCRIPT, "options": f"{IMG}\n{TEMPLATE}\n{JS}\n{ANCHOR}", "seats": "1"}
    election |= {"election_of": "other"}
    made = []
    for where, form in ((CHAPTER, survey), (CONVENTION, election)):
        response = post(client, where, form)
        assert response.status_code == 303, response.text[:300]
        made.append(int(response.headers["location"].rsplit("/", 1)[1]))
    for vote_id in made:
        shown = inert(client.get(f"/votes/{vote_id}"), "the draft")
        assert text(shown.select_one("h1")) == TITLE
        inert(client.get(f"/votes/{vote_id}/edit"), "the edit form")
        assert post(client, f"/votes/{vote_id}/open", {}).status_code == 303
    labels = {
        o.label for o in org.session.exec(select(VoteOption).where(VoteOption.vote_id == made[0]))
    }
    assert set(LABELS) <= labels  # stored as typed

    english(log_in_as(client, provider, "xavier", VOTER))
    for vote_id in made:
        shown = inert(client.get(f"/votes/{vote_id}"), "the ballot")
        on_ballot = [text(label) for label in shown.select("#ballot label")]
        for label in LABELS:  # as text; a candidate for a women's seat says so after the name
            assert any(shown_label.startswith(label) for shown_label in on_ballot), label
        ids = option_ids(org.session, org.session.get(Vote, vote_id))
        receipt = inert(
            post(client, f"/votes/{vote_id}/cast", {"choice": str(ids[SCRIPT])}), "the receipt"
        )
        assert text(receipt.select_one("#your-choices")).startswith(SCRIPT)

    as_person(client, provider, "gina")
    for vote_id in made:
        assert post(client, f"/votes/{vote_id}/close", {}).status_code == 303
        assert post(client, f"/votes/{vote_id}/publish", {}).status_code == 303
        shown = inert(client.get(f"/votes/{vote_id}"), "the result")
        assert SCRIPT in text(shown.select_one("#result"))
        listed = inert(client.get(f"/votes/{vote_id}/ballots"), "the ballots")
        assert text(listed.select_one(".anonymous-ballots")).startswith(SCRIPT)
        found = inert(post(client, f"/votes/{vote_id}/ballots", {"tracker": SCRIPT}), "a tracker")
        if vote_id == made[0]:  # the secret survey: the search shows what was typed, as text
            assert found.select_one("#tracker-search")["value"] == SCRIPT
        export = client.get(f"/votes/{vote_id}/ballots.csv")
        assert export.headers["content-type"].startswith("text/csv")
        assert export.headers["content-disposition"].startswith("attachment")
    named = page(client.get(f"/votes/{made[1]}"))
    assert SVG in text(named.select_one("#result"))  # Xavier's name in the roll call, as text
    inert(client.get(CHAPTER), "the list of member votes")
    inert(client.get(CONVENTION), "the list of the convention's votes")
    inert(client.get("/bodies/lv-nrw-convention/attendance"), "the attendance")
