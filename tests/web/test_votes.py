"""Votes through the services and HTTP: a board's written decision, a convention's vote
on an amendment, elections with the quota and runoffs, member surveys, the roll."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import text as sql
from sqlmodel import func, select

from plenum.errors import ValidationFailed
from plenum.motions.models import Amendment, Resolution, Status
from plenum.votes import casting, sealing, tally
from plenum.votes.models import Ballot, VoteCast, VoteLog
from tests.support.factories import claims, structure
from tests.support.motions import amend, make_call, submitted_motion
from tests.support.motions import publish as publish_motion
from tests.support.votes import (
    VOTE_FORM,
    cast,
    close,
    make_vote,
    open_vote,
    option_ids,
    present,
    publish,
    result,
)
from tests.support.web import enrol, log_in_as, page, post, text

PEOPLE = {
    "vera": claims("vera", name="Vera Vorsitz", groups=("lv-nrw-vorsitz",), number="550001"),
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="550002"),
    "bea": claims("bea", name="Bea Vorstand", groups=("lv-nrw-vorstand",), number="550003"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="550004"
    ),
    "dana": claims("dana", name="Dana Delegiert", groups=("lv-nrw-delegiert",), number="550005"),
    "dirk": claims("dirk", name="Dirk Delegiert", groups=("lv-nrw-delegiert",), number="550006"),
    "didi": claims("didi", name="Didi Delegiert", groups=("lv-nrw-delegiert",), number="550007"),
    "ella": claims("ella", name="Ella Ersatz", groups=("lv-nrw-ersatz",), number="550008"),
    "mia": claims("mia", name="Mia Mitglied", number="550009"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="550010"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    return org


def test_a_board_decides_in_writing_and_it_becomes_a_resolution(session, world):
    p = world.people
    board = world.state_board
    vote = make_vote(
        session, world.state, board, p["gina"], kind="written", closes_at="2099-01-01T12:00"
    )
    open_vote(session, vote, p["gina"])
    assert vote.roll_size == 3  # chair and two board members
    for name, choice in (("vera", "yes"), ("bo", "yes"), ("bea", "no")):
        cast(session, vote, p[name], [choice])
    close(session, vote, p["gina"])
    publish(session, vote, p["gina"])
    found = result(session, vote)
    assert found.outcome == "adopted"
    resolution = session.get(Resolution, vote.resolution_id)
    assert resolution is not None
    assert resolution.body_id == board.id
    assert resolution.outcome == "Angenommen (Ja: 2, Nein: 1, Enthaltungen: 0)."
    actions = session.exec(
        select(VoteLog.action).where(VoteLog.vote_id == vote.id).order_by(VoteLog.id)
    ).all()
    assert actions == ["created", "roll_frozen", "opened", "closed", "published"]


def test_a_convention_decides_an_amendment_by_open_vote(session, world):
    p = world.people
    convention = world.state_convention
    call = make_call(session, convention)
    motion = publish_motion(session, submitted_motion(session, call, p["mia"]), p["gina"])
    changed = motion.text.replace("per Video", "per Video und Telefon")
    amendment = amend(session, motion, p["mia"], changed)
    from plenum.motions import amendments
    from plenum.motions.forms import TransitionInput
    from tests.support.motions import who

    at = amendments.amendment_place(amendment.id or 0, session=session)
    amendments.transition(
        at, "publish", TransitionInput(), principal=who(session, p["gina"]), session=session
    )
    vote = make_vote(
        session,
        world.state,
        convention,
        p["gina"],
        title=amendment.number,
        amendment_id=str(amendment.id),
    )
    present(session, convention, p["gina"], p["dana"], p["dirk"])
    open_vote(session, vote, p["gina"])
    assert vote.roll_size == 3
    cast(session, vote, p["dana"], ["yes"])
    cast(session, vote, p["dirk"], ["yes"])
    with pytest.raises(Exception, match="present"):
        cast(session, vote, p["didi"], ["no"])
    close(session, vote, p["gina"])
    publish(session, vote, p["gina"])
    assert session.get(Amendment, amendment.id).status == Status.ADOPTED


def test_a_second_ballot_is_refused_and_a_secret_ballot_names_nobody(session, world):
    p = world.people
    vote = make_vote(session, world.state, world.state_board, p["gina"], mode="secret")
    present(session, world.state_board, p["gina"], p["vera"], p["bo"])
    open_vote(session, vote, p["gina"])
    receipt = cast(session, vote, p["vera"], ["yes"])
    assert len(receipt.tracker) == 20
    with pytest.raises(Exception, match="already voted"):
        cast(session, vote, p["vera"], ["no"])
    ballots = session.exec(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert len(ballots) == 1
    assert ballots[0].member_id is None
    assert session.exec(select(func.count()).select_from(VoteCast)).one() == 1
    assert set(Ballot.model_fields) == {
        "key",
        "vote_id",
        "choices",
        "tracker",
        "sealed",
        "member_id",
    }
    close(session, vote, p["gina"])
    from plenum.votes import results

    assert results.trackers(vote, session=session) == [receipt.tracker]


def test_an_election_with_the_quota_then_the_open_seats(session, world):
    p = world.people
    convention = world.state_convention
    vote = make_vote(
        session,
        world.state,
        convention,
        p["gina"],
        title="Wahl des Landesvorstands",
        method="election",
        mode="secret",
        election_of="board",
        majority="simple",
        seats="2",
        quota="1",
        women="Anna\nBirgit",
        options="Carl",
    )
    assert (vote.stage, vote.seats, vote.reserved) == ("women", 1, True)
    present(session, convention, p["gina"], p["dana"], p["dirk"], p["didi"])
    open_vote(session, vote, p["gina"])
    with pytest.raises(ValidationFailed) as refused:
        cast(session, vote, p["dana"], ["Carl"])
    assert refused.value.errors == {"choice": "This option is not on the ballot."}
    cast(session, vote, p["dana"], ["Anna"])
    cast(session, vote, p["dirk"], ["Anna"])
    cast(session, vote, p["didi"], ["Birgit"])
    close(session, vote, p["gina"])
    publish(session, vote, p["gina"])
    assert result(session, vote).elected == [option_ids(session, vote)["Anna"]]
    from plenum.votes import results
    from tests.support.motions import who
    from tests.support.votes import place

    second = results.follow_up(
        place(session, vote), principal=who(session, p["gina"]), session=session
    )
    assert (second.stage, second.seats, second.reserved) == ("open_seats", 1, False)
    assert {"Birgit", "Carl"} <= set(option_ids(session, second))
    assert "Anna" not in option_ids(session, second)


def test_a_recount_from_the_anonymous_export_gives_the_published_result(
    session, world, client, provider
):
    p = world.people
    vote = make_vote(
        session,
        world.state,
        world.state_board,
        p["gina"],
        mode="secret",
        kind="written",
        closes_at="2099-01-01T12:00",
    )
    open_vote(session, vote, p["gina"])
    cast(session, vote, p["vera"], ["yes"])
    cast(session, vote, p["bo"], ["abstain"])
    cast(session, vote, p["bea"], ["invalid"])
    close(session, vote, p["gina"])
    publish(session, vote, p["gina"])
    log_in_as(client, provider, "vera", PEOPLE["vera"])
    response = client.get(f"/votes/{vote.id}/ballots.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))[1:]
    ids = option_ids(session, vote)
    counts: dict[tuple[int, ...], int] = {}
    for (row,) in rows:
        key = tuple(ids[label] for label in row.split(" | "))
        counts[key] = counts.get(key, 0) + 1
    from plenum.votes import service

    options = service.tally_options(vote, service.options_of(vote, session=session))
    again = tally.tally(options, counts, service.rules_of(vote))
    assert again == result(session, vote)
    shown = page(client.get(f"/votes/{vote.id}"))
    assert "Angenommen (Ja: 1, Nein: 0, Enthaltungen: 1)" in text(shown.select_one("#outcome"))


def test_a_secret_vote_through_the_pages(session, world, client, provider):
    p = world.people
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    assert client.get("/bodies/lv-nrw-convention/votes").status_code == 200
    assert client.get("/bodies/lv-nrw-convention/votes/new").status_code == 200
    form = {
        **VOTE_FORM,
        "title": "Wahl der Vertretung",
        "method": "election",
        "mode": "secret",
        "election_of": "delegates",
        "majority": "simple",
        "seats": "2",
        "quota": "1",
        "women": "Anna\nBirgit",
        "options": "Carl",
    }
    response = post(client, "/bodies/lv-nrw-convention/votes", form, follow_redirects=False)
    assert response.status_code == 303, response.text
    vote_path = response.headers["location"]
    assert client.get(vote_path).status_code == 200
    client.get("/bodies/lv-nrw-convention/attendance")
    for name in ("dana", "dirk"):
        post(
            client,
            "/bodies/lv-nrw-convention/attendance",
            {"member_id": str(p[name]), "present": "1"},
        )
    assert post(client, vote_path + "/open").status_code == 303
    log_in_as(client, provider, "dana", PEOPLE["dana"])
    ballot = page(client.get(vote_path))
    choices = {
        text(label): label["for"].removeprefix("choice-")
        for label in ballot.select("#ballot label")
    }
    assert "Carl" not in " ".join(choices)
    anna = next(v for k, v in choices.items() if k.startswith("Anna"))
    receipt = page(post(client, vote_path + "/cast", {"choice": anna}))
    tracker = text(receipt.select_one("#tracker"))
    again = post(client, vote_path + "/cast", {"choice": anna})
    assert again.status_code == 409
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    assert "1 of 3" in text(
        page(client.get(vote_path)).select_one("#turnout")
    ) or "1 von 3" in text(page(client.get(vote_path)).select_one("#turnout"))
    post(client, vote_path + "/close")
    post(client, vote_path + "/publish")
    log_in_as(client, provider, "dana", PEOPLE["dana"])
    found = page(post(client, vote_path + "/ballots", {"tracker": tracker}))
    assert found.select_one("#tracker-found") is not None
    assert tracker in [text(code) for code in found.select("#trackers code")]
    assert "Anna" in text(page(client.get(vote_path)).select_one("#seats"))


@pytest.mark.postgres_only
def test_after_the_close_no_transaction_id_or_row_order_dates_a_ballot(session, world, database):
    """PostgreSQL writes each row with the id of its transaction (xmin): during the vote,
    a ballot and its has-voted row share one. The close writes them all anew."""
    if database.is_sqlite:
        pytest.skip("SQLite keeps no transaction ids; its two tables are stored in key order")
    p = world.people
    vote = make_vote(session, world.state, world.state_board, p["gina"], mode="secret")
    present(session, world.state_board, p["gina"], p["vera"], p["bo"], p["bea"])
    open_vote(session, vote, p["gina"])
    for name in ("vera", "bo", "bea"):
        cast(session, vote, p[name], ["yes"])
    xmin = "SELECT DISTINCT xmin::text FROM {} WHERE vote_id = :v"
    before = session.execute(sql(xmin.format("ballot")).bindparams(v=vote.id)).all()
    assert len(before) == 3  # one transaction per ballot while the vote is open
    close(session, vote, p["gina"])
    ballots = session.execute(sql(xmin.format("ballot")).bindparams(v=vote.id)).all()
    marks = session.execute(sql(xmin.format("vote_cast")).bindparams(v=vote.id)).all()
    assert len(ballots) == 1
    assert ballots == marks
    keys = session.execute(
        sql("SELECT key FROM ballot WHERE vote_id = :v ORDER BY ctid").bindparams(v=vote.id)
    ).all()
    assert keys == sorted(keys)


def _follow_up(session, vote, staff_id):
    from plenum.votes import results
    from tests.support.motions import who
    from tests.support.votes import place

    return results.follow_up(
        place(session, vote), principal=who(session, staff_id), session=session
    )


def _delegates_present(session, world):
    p = world.people
    present(session, world.state_convention, p["gina"], p["dana"], p["dirk"], p["didi"])
    return [p["dana"], p["dirk"], p["didi"]]


def test_without_an_absolute_majority_a_runoff_between_the_two_strongest(session, world):
    p = world.people
    voters = _delegates_present(session, world)
    vote = make_vote(
        session,
        world.state,
        world.state_convention,
        p["gina"],
        title="Wahl der Schatzmeisterin",
        method="election",
        mode="secret",
        election_of="board",
        majority="absolute",
        options="Anna\nBirgit\nCarla",
    )
    open_vote(session, vote, p["gina"])
    for voter, name in zip(voters, ("Anna", "Birgit", "Carla"), strict=True):
        cast(session, vote, voter, [name])
    close(session, vote, p["gina"])
    found = result(session, vote)
    assert found.outcome == "runoff"
    assert len(found.runoff) == 2
    assert len(found.lots) == 1  # three tied for the two places: drawn by lot
    publish(session, vote, p["gina"])
    runoff = _follow_up(session, vote, p["gina"])
    assert (runoff.stage, runoff.majority, runoff.parent_id) == ("runoff", "simple", vote.id)
    names = {o for o in option_ids(session, runoff) if o not in ("abstain", "invalid")}
    ids = option_ids(session, vote)
    assert {ids[n] for n in names} == set(found.runoff)
    logged = session.exec(
        select(VoteLog.action).where(VoteLog.vote_id == vote.id).order_by(VoteLog.id)
    ).all()
    assert "lot" in logged


def test_a_list_is_elected_place_by_place_with_the_reserved_places(session, world):
    p = world.people
    voters = _delegates_present(session, world)
    fields = {
        "title": "Landesliste",
        "method": "election",
        "mode": "secret",
        "election_of": "list",
        "majority": "simple",
        "list_place": "1",
        "women": "Anna",
        "options": "Bernd\nCarl",
    }
    place_one = make_vote(session, world.state, world.state_convention, p["gina"], **fields)
    assert not place_one.reserved
    open_vote(session, place_one, p["gina"])
    for voter in voters:
        cast(session, place_one, voter, ["Bernd"])
    close(session, place_one, p["gina"])
    publish(session, place_one, p["gina"])
    place_two = _follow_up(session, place_one, p["gina"])
    assert (place_two.list_place, place_two.reserved) == (2, True)  # place 1 went to a man
    assert "Bernd" not in option_ids(session, place_two)
    open_vote(session, place_two, p["gina"])
    with pytest.raises(ValidationFailed):
        cast(session, place_two, voters[0], ["Carl"])  # not on the women's place
    for voter in voters:
        cast(session, place_two, voter, ["Anna"])
    close(session, place_two, p["gina"])
    publish(session, place_two, p["gina"])
    place_three = _follow_up(session, place_two, p["gina"])
    assert (place_three.list_place, place_three.reserved) == (3, True)


def test_a_ranked_survey_of_all_members_of_a_chapter(session, world):
    p = world.people
    survey = make_vote(
        session,
        world.state,
        None,
        p["gina"],
        title="Themen 2027",
        kind="survey",
        method="ranked",
        options="Wohnen\nVerkehr\nPflege",
        closes_at="2099-01-01T12:00",
    )
    open_vote(session, survey, p["gina"])
    members_of_state = {name for name, c in PEOPLE.items() if c["chapter"] != "lv-sachsen"}
    assert survey.roll_size == len(members_of_state)
    cast(session, survey, p["mia"], ["Pflege", "Wohnen"])
    cast(session, survey, p["dana"], ["Pflege", "Verkehr", "Wohnen"])
    cast(session, survey, p["bo"], ["Wohnen", "Pflege"])
    with pytest.raises(Exception, match="roll"):
        cast(session, survey, p["sam"], ["Wohnen"])
    close(session, survey, p["gina"])
    found = result(session, survey)
    assert found.outcome == "decided"
    assert found.elected == [option_ids(session, survey)["Pflege"]]


HTMX = {"HX-Request": "true", "HX-Target": "ballot"}


def test_a_ballot_cast_from_the_page_is_answered_in_place(session, world, client, provider):
    """The ballot form posts through htmx: the answer is the receipt in place of the
    ballot (a fragment, focus on its heading); a second ballot gets the reason there."""
    p = world.people
    vote = make_vote(session, world.state, world.state_board, p["gina"], mode="secret")
    present(session, world.state_board, p["gina"], p["vera"], p["bo"])
    open_vote(session, vote, p["gina"])
    log_in_as(client, provider, "vera", PEOPLE["vera"])
    ballot = page(client.get(f"/votes/{vote.id}")).select_one("#ballot form")
    assert ballot["hx-post"] == f"/votes/{vote.id}/review"  # checked first, then cast
    assert (ballot["hx-target"], ballot["hx-swap"]) == ("#ballot", "outerHTML")
    yes = option_ids(session, vote)["yes"]
    review = page(post(client, ballot["hx-post"], {"choice": str(yes)}, headers=HTMX))
    confirm = review.select_one("section#ballot form")
    assert confirm["hx-post"] == f"/votes/{vote.id}/cast"
    assert (confirm["hx-target"], confirm["hx-swap"]) == ("#ballot", "outerHTML")

    answer = post(client, f"/votes/{vote.id}/cast", {"choice": str(yes)}, headers=HTMX)

    assert answer.status_code == 200, answer.text
    assert "<html" not in answer.text
    receipt = page(answer)
    (section,) = receipt.select("section#ballot")
    assert section.select_one("h2[autofocus]") is not None
    assert text(section.select_one("#your-choices")) == "Ja"
    shown = text(section.select_one("#tracker"))
    assert re.fullmatch(r"([0-9A-F]{4}-){4}[0-9A-F]{4}", shown)  # grouped to be read aloud
    tracker = casting.typed_tracker(shown)
    assert answer.headers["HX-Push-Url"] == "false"  # the address stays the vote's page
    (sealed,) = session.exec(select(Ballot.sealed).where(Ballot.vote_id == vote.id)).all()
    assert sealing.unseal(vote.id, sealed) == (str(yes), tracker)  # stored only sealed

    again = post(client, f"/votes/{vote.id}/cast", {"choice": str(yes)}, headers=HTMX)

    assert again.status_code == 409
    assert "<html" not in again.text
    refusal = page(again)
    assert refusal.select_one("#ballot") is not None
    assert (
        text(refusal.select_one("#choice-error"))
        == "Du hast schon abgestimmt. Alle stimmen nur einmal ab."
    )
    assert session.exec(select(func.count()).select_from(VoteCast)).one() == 1


def test_when_the_ballot_box_fails_the_ballot_is_cast_alone(
    session, world, client, provider, monkeypatch
):
    from plenum.votes import casting

    def broken(*_args, **_kwargs):
        raise RuntimeError("the ballot box is stuck")

    monkeypatch.setattr(casting, "cast_together", broken)
    p = world.people
    vote = make_vote(session, world.state, world.state_board, p["gina"])
    present(session, world.state_board, p["gina"], p["vera"], p["bo"])
    open_vote(session, vote, p["gina"])
    log_in_as(client, provider, "bo", PEOPLE["bo"])
    no = option_ids(session, vote)["no"]

    answer = post(client, f"/votes/{vote.id}/cast", {"choice": str(no)}, headers=HTMX)

    assert answer.status_code == 200, answer.text
    assert "<html" not in answer.text  # cast alone, still only the block for the ballot
    assert text(page(answer).select_one("section#ballot #your-choices")) == "Nein"
    assert session.exec(select(Ballot.choices).where(Ballot.vote_id == vote.id)).all() == [str(no)]
    assert session.exec(select(func.count()).select_from(VoteCast)).one() == 1


def test_the_ballots_export_never_starts_a_cell_with_a_formula(session, world, client, provider):
    p = world.people
    vote = make_vote(
        session,
        world.state,
        world.state_convention,
        p["gina"],
        title="Wahl der Kassenprüfung",
        method="election",
        mode="secret",
        election_of="other",
        majority="simple",
        seats="1",
        options='=HYPERLINK("http://evil.example/","Anna")\n+Birgit\n@Carl\n-Dora',
    )
    present(session, world.state_convention, p["gina"], p["dana"], p["dirk"], p["didi"])
    open_vote(session, vote, p["gina"])
    labels = [label for label in option_ids(session, vote) if label[:1] in "=+@-"][:3]
    for voter, label in zip(("dana", "dirk", "didi"), labels, strict=True):
        cast(session, vote, p[voter], [label])
    close(session, vote, p["gina"])
    publish(session, vote, p["gina"])
    log_in_as(client, provider, "gina", PEOPLE["gina"])
    response = client.get(f"/votes/{vote.id}/ballots.csv")
    cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
    assert sorted(cells[1:]) == sorted("'" + label for label in labels)


def test_a_boards_vote_on_a_motion_is_not_shown_to_members_on_the_motion_page(
    session, world, client, provider
):
    p = world.people
    call = make_call(session, world.state_board)
    motion = publish_motion(session, submitted_motion(session, call, p["mia"]), p["gina"])
    title = "Vertraulich: Antrag ablehnen, Kasse leer"
    vote = make_vote(
        session, world.state, world.state_board, p["gina"], title=title, motion_id=str(motion.id)
    )
    open_vote(session, vote, p["gina"])

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    shown = page(client.get(f"/motions/{motion.id}"))
    assert shown.select_one("h1") is not None
    assert shown.select("#votes-on-title + ul a") == []
    assert title not in shown.get_text()

    log_in_as(client, provider, "bo", PEOPLE["bo"])
    shown = page(client.get(f"/motions/{motion.id}"))
    assert [text(a) for a in shown.select("#votes-on-title + ul a")] == [title]
