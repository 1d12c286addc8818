"""A survey's phone campaign through HTTP: office staff set it up and name volunteer
callers; a caller is given one callable member at a time (phone number, script, the
questionnaire) and records how the call ended; the organisers see the progress per county."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from plenum.clock import utcnow
from plenum.orgs.models import Member
from plenum.surveys import answering, campaign, service
from plenum.surveys.access import campaign_of
from plenum.surveys.models import (
    Call,
    CallListEntry,
    Campaign,
    CampaignCaller,
    Survey,
    SurveyAnswered,
)
from plenum.times import local_input
from tests.support.factories import claims, structure
from tests.support.surveys import make_survey, place, question, section
from tests.support.web import asked, confirm, english, enrol, log_in_as, page, post, text


def phoned(sub: str, name: str, number: str, chapter: str = "ov-koeln-kalk", phone: str = ""):
    found = claims(sub, name=name, number=number, chapter=chapter)
    return {**found, "phone_number": phone} if phone else found


PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="760001"
    ),
    "vera": phoned("vera", "Vera Volunteer", "760002"),
    "carl": phoned("carl", "Carl Caller", "760003"),
    "mia": phoned("mia", "Mia Mitglied", "760004"),
    "sam": phoned("sam", "Sam Sachsen", "760005", chapter="lv-sachsen", phone="0351 1"),
    "anna": phoned("anna", "Anna Anruf", "760010", phone="0221 100"),
    "bert": phoned("bert", "Bert Anruf", "760011", phone="0221 101"),
    "lena": phoned("lena", "Lena Land", "760012", chapter="lv-nrw", phone="0211 102"),
    "nina": phoned("nina", "Nina Ohnenummer", "760013"),
    "quentin": phoned("quentin", "Quentin Ruhe", "760014", phone="0221 103"),
    "otto": phoned("otto", "Otto Online", "760015", phone="0221 104"),
}
CALLABLE = {"Anna Anruf", "Bert Anruf", "Lena Land"}
SCRIPT = "Hallo, hier ist **die Linke**. Hast du fünf Minuten?"


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    quiet = session.get(Member, org.people["quentin"])
    quiet.no_calls_since = utcnow()
    session.add(quiet)
    survey = make_survey(session, org.state, org.people["gina"])
    first = section(session, survey)
    org.happy = question(session, survey, first, "scale", "Wie zufrieden bist du?", required=True)
    org.wish = question(session, survey, first, "text", "Was wünschst du dir?")
    service.open_survey(place(session, survey), session=session)
    answering.answer_by_phone(  # as if online: Otto answered already
        place(session, survey), org.people["otto"], {str(org.happy.id): "4"}, caller=0,
        session=session,
    )  # fmt: skip
    session.commit()
    org.survey = survey.id
    return org


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def count(session, model, *where):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def set_up(client, provider, world, *callers):
    as_member(client, provider, "gina")
    base = f"/surveys/{world.survey}/campaign"
    assert post(client, base, {"script": SCRIPT}).status_code == 303
    for name in callers:
        number = PEOPLE[name]["member_number"]
        assert post(client, base + "/callers", {"member_number": number}).status_code == 303
    return base


def next_member(client, world):
    """Ask for the next member; their name, or None when nobody is left."""
    calls = f"/surveys/{world.survey}/calls"
    assert post(client, calls + "/next", {}).status_code == 303
    soup = page(client.get(calls))
    title = soup.select_one("#member-title")
    return text(title) if title else None


def member_id(world, display_name):
    return next(world.people[key] for key, value in PEOPLE.items() if value["name"] == display_name)


def finish(client, world, name, outcome, **fields):
    path = f"/surveys/{world.survey}/calls/{member_id(world, name)}/outcome"
    return post(client, path, {"outcome": outcome, **fields})


def test_office_staff_set_up_a_campaign_and_name_a_volunteer_caller(
    client, provider, session, world
):
    base = f"/surveys/{world.survey}/campaign"
    as_member(client, provider, "sam")  # another state: the survey does not exist for him
    assert client.get(base).status_code == 404
    assert post(client, base, {"script": SCRIPT}).status_code == 404
    as_member(client, provider, "mia")  # asked by the survey, but no organiser
    assert client.get(base).status_code == 403
    assert post(client, base, {"script": SCRIPT}).status_code == 403
    assert client.get(f"/surveys/{world.survey}/calls").status_code == 403
    assert count(session, Campaign) == 0

    as_member(client, provider, "gina")
    refused = post(client, base, {"script": "   "})
    assert refused.status_code == 422
    assert page(refused).select_one("#script-error") is not None
    for _ in range(3):  # the same form again: still one campaign
        assert post(client, base, {"script": SCRIPT}).status_code == 303
    assert count(session, Campaign) == 1
    wrong = post(client, base + "/callers", {"member_number": "999999"})
    assert wrong.status_code == 422
    assert page(wrong).select_one("#member_number-error") is not None
    assert page(wrong).select_one("#field-member_number")["value"] == "999999"
    for _ in range(2):
        done = post(client, base + "/callers", {"member_number": "760002"})
        assert done.status_code == 303
    assert count(session, CampaignCaller) == 1
    assert "Vera Volunteer" in text(page(client.get(base)).select_one("#callers"))

    as_member(client, provider, "vera")
    assert client.get(f"/surveys/{world.survey}/calls").status_code == 200
    assert client.get(base).status_code == 403  # a caller, not an organiser

    as_member(client, provider, "gina")
    path = f"{base}/callers/{world.people['vera']}/delete"
    question_ = asked(client, path)
    assert count(session, CampaignCaller) == 1
    assert confirm(client, question_).status_code == 303
    assert count(session, CampaignCaller) == 0
    as_member(client, provider, "vera")
    assert client.get(f"/surveys/{world.survey}/calls").status_code == 403


def test_a_caller_is_given_only_members_who_may_be_called(client, provider, session, world):
    set_up(client, provider, world, "vera")
    as_member(client, provider, "vera")
    first = next_member(client, world)
    soup = page(client.get(f"/surveys/{world.survey}/calls"))
    assert soup.select_one("#phone")["href"].startswith("tel:0")
    assert soup.select_one(".prose strong").get_text() == "die Linke"
    assert soup.select_one(f"#question-{world.happy.id}") is not None
    assert next_member(client, world) == first  # the current member until the call ends
    given = []
    name = first
    while name is not None:
        given.append(name)
        assert finish(client, world, name, "wrong_number").status_code == 303
        name = next_member(client, world)
    assert set(given) == CALLABLE
    assert len(given) == len(CALLABLE)
    assert page(client.get(f"/surveys/{world.survey}/calls")).select_one("#next-form") is not None


def test_the_outcomes_of_calls(client, provider, session, world):
    set_up(client, provider, world, "vera")
    as_member(client, provider, "vera")
    calls = f"/surveys/{world.survey}/calls"
    # reached and answered: a required answer missing keeps what was typed
    name = next_member(client, world)
    path = f"{calls}/{member_id(world, name)}/answers"
    refused = post(client, path, {f"q{world.wish.id}": "Mehr Treffen"})
    assert refused.status_code == 422
    soup = page(refused)
    assert soup.select_one(f"#q{world.happy.id}-error") is not None
    assert soup.select_one(f"#q{world.wish.id}").get_text() == "Mehr Treffen"
    assert count(session, SurveyAnswered) == 1  # Otto's alone
    form = {f"q{world.happy.id}": "5", f"q{world.wish.id}": "Mehr Treffen"}
    assert post(client, path, form).status_code == 303
    again = post(client, path, form)  # the same form again: refused, nothing doubled
    assert again.status_code == 409
    assert count(session, SurveyAnswered) == 2
    answered = session.exec(select(Call).where(Call.outcome == "answered")).one()
    assert answered.member_id == member_id(world, name)
    # reached and declined
    name = next_member(client, world)
    assert finish(client, world, name, "declined").status_code == 303
    # do not call again: the member is never called again, in any campaign
    name = next_member(client, world)
    assert finish(client, world, name, "do_not_call").status_code == 303
    assert finish(client, world, name, "do_not_call").status_code == 409  # no call of hers now
    session.expire_all()
    assert session.get(Member, member_id(world, name)).no_calls_since is not None
    assert count(session, Call) == 3
    assert next_member(client, world) is None
    own = text(page(client.get(calls)).select_one("#own-calls"))
    assert "Reached and answered" in own
    assert "Do not call again" in own


def test_not_reached_comes_back_only_after_the_time_to_call_again(client, provider, session, world):
    set_up(client, provider, world, "vera")
    as_member(client, provider, "vera")
    name = next_member(client, world)
    past = local_input(utcnow() - timedelta(hours=1))
    refused = finish(client, world, name, "not_reached", call_again_at=past)
    assert refused.status_code == 422
    assert page(refused).select_one("#call_again_at-error") is not None
    assert count(session, Call) == 0
    later = utcnow() + timedelta(hours=2)
    assert finish(client, world, name, "not_reached", call_again_at=local_input(later)).status_code == 303  # fmt: skip
    others = []
    while (other := next_member(client, world)) is not None:
        others.append(other)
        assert finish(client, world, other, "declined").status_code == 303
    assert name not in others
    session.expire_all()
    at = place(session, session.get(Survey, world.survey))
    found = campaign_of(world.survey, session=session)
    vera = world.people["vera"]
    assert campaign.claim_next(at, found, vera, session=session, now=utcnow()) is None
    back = campaign.claim_next(at, found, vera, session=session, now=later + timedelta(minutes=1))
    assert back is not None
    assert back.display_name == name


def test_two_callers_never_share_a_member_and_see_only_their_own_calls(
    client, provider, session, world
):
    set_up(client, provider, world, "vera", "carl")
    as_member(client, provider, "vera")
    vera_has = next_member(client, world)
    as_member(client, provider, "carl")
    carl_has = next_member(client, world)
    assert vera_has
    assert carl_has
    assert vera_has != carl_has
    claims_ = session.exec(
        select(CallListEntry).where(col(CallListEntry.caller_id).is_not(None))
    ).all()
    assert len({c.member_id for c in claims_}) == len(claims_) == 2
    # Carl cannot end Vera's call
    assert finish(client, world, vera_has, "declined").status_code == 409
    assert count(session, Call) == 0
    assert finish(client, world, carl_has, "declined").status_code == 303
    as_member(client, provider, "vera")
    assert finish(client, world, vera_has, "wrong_number").status_code == 303
    own = text(page(client.get(f"/surveys/{world.survey}/calls")).select_one("#own-calls"))
    assert vera_has in own
    assert carl_has not in own


def test_progress_per_county(client, provider, session, world):
    base = set_up(client, provider, world, "vera")
    as_member(client, provider, "vera")
    while (name := next_member(client, world)) is not None:
        outcome = "declined" if name == "Lena Land" else "wrong_number"
        assert finish(client, world, name, outcome).status_code == 303
    as_member(client, provider, "gina")
    soup = page(client.get(base))
    county = [c.get_text() for c in soup.select(f"#county-{world.county.id} td")]
    state = [c.get_text() for c in soup.select(f"#county-{world.state.id} td")]
    # on the call list, answered, reached, to call, then the outcomes
    members_in_county = 3  # with a phone number and not asking not to be called
    assert county[:4] == [str(members_in_county), "1", "0", "0"]
    assert state[:4] == ["1", "0", "1", "0"]


def test_a_plain_member_changes_nothing(client, provider, session, world):
    set_up(client, provider, world, "vera")
    as_member(client, provider, "vera")
    name = next_member(client, world)
    as_member(client, provider, "mia")
    calls = f"/surveys/{world.survey}/calls"
    assert post(client, calls + "/next", {}).status_code == 403
    assert finish(client, world, name, "declined").status_code == 403
    path = f"{calls}/{member_id(world, name)}/answers"
    assert post(client, path, {f"q{world.happy.id}": "3"}).status_code == 403
    base = f"/surveys/{world.survey}/campaign"
    assert post(client, base + "/script", {"script": "Anders"}).status_code == 403
    assert post(client, base + "/callers", {"member_number": "760004"}).status_code == 403
    assert count(session, Call) == 0
    assert count(session, CallListEntry, col(CallListEntry.caller_id).is_not(None)) == 1
    assert count(session, CampaignCaller) == 1
    assert count(session, SurveyAnswered) == 1
    assert campaign_of(world.survey, session=session).script == SCRIPT
