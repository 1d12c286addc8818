"""Check your ballot: the ballot form shows the choices as they will be counted before
anything is cast; a mistake is explained at its field with the member's entries kept.

Through the HTTP client as a member's browser sends the forms (the hidden fields of the
review page are read from its HTML and sent back as they are)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sqlalchemy import func
from sqlmodel import select

from plenum.votes.models import Ballot, Vote, VoteCast
from tests.support.votes import close, make_vote, open_vote, option_ids
from tests.support.web import log_in_as, page, post, text
from tests.web.test_vote_secrecy import DELEGATES, VOTES, people

__all__ = ["people"]  # a fixture of the secrecy tests, used here by name


def written(session: Any, vote: Vote) -> tuple[int, int, int]:
    """Ballots, casts and the turnout of ``vote``, read afresh."""
    session.expire_all()
    ballots = session.exec(select(func.count()).where(Ballot.vote_id == vote.id)).one()
    casts = session.exec(select(func.count()).where(VoteCast.vote_id == vote.id)).one()
    return ballots, casts, session.get(Vote, vote.id).turnout


def voting(
    session: Any, people: Any, client: Any, provider: Any, voter: str, kind: str = "ranked"
) -> tuple[Vote, dict[str, int]]:
    """An open secret vote of ``kind`` (the ranked one is the state's survey), and
    ``voter`` logged in; the vote and its option ids by label."""
    org, ids = people
    body = None if kind == "ranked" else org.state_convention
    vote = make_vote(session, org.state, body, ids["gina"], **VOTES[kind])
    open_vote(session, vote, ids["gina"])
    log_in_as(client, provider, voter, DELEGATES[voter])
    return vote, option_ids(session, vote)


def form_fields(form: Any) -> list[tuple[str, str]]:
    return [(i["name"], i.get("value", "")) for i in form.select("input[type=hidden]")]


def test_the_review_shows_the_counted_ballot_and_casts_nothing_until_confirmed(
    session, people, client, provider
):
    vote, options = voting(session, people, client, provider, "del0")

    ballot = page(client.get(f"/votes/{vote.id}")).select_one("#ballot form")
    assert ballot["action"] == f"/votes/{vote.id}/review"
    answer = post(
        client,
        f"/votes/{vote.id}/review",
        {f"rank-{options['Pflege']}": "1", f"rank-{options['Mieten']}": "2"},
    )
    assert answer.status_code == 200
    shown = page(answer)
    assert [text(li) for li in shown.select("#review-choices li")] == ["Pflege", "Mieten"]
    assert written(session, vote) == (0, 0, 0)

    cast_form, change_form = shown.select("#ballot form")
    assert cast_form["action"] == f"/votes/{vote.id}/cast"
    changed = page(post(client, change_form["action"], form_fields(change_form)))
    assert changed.select_one(f"#rank-{options['Pflege']} option[selected]")["value"] == "1"
    assert changed.select_one(f"#rank-{options['Mieten']} option[selected]")["value"] == "2"
    assert written(session, vote) == (0, 0, 0)

    receipt = post(client, cast_form["action"], form_fields(cast_form))
    assert receipt.status_code == 200
    assert text(page(receipt).select_one("#your-choices")) == "Pflege > Mieten"
    assert written(session, vote) == (1, 1, 1)


def test_a_rank_given_twice_is_marked_at_its_fields_and_every_entry_is_kept(
    session, people, client, provider
):
    vote, options = voting(session, people, client, provider, "del1")
    sent = {
        f"rank-{options['Mieten']}": "1",
        f"rank-{options['Pflege']}": "1",
        f"rank-{options['Öffentlicher Nahverkehr auf dem Land']}": "2",
    }

    answer = post(client, f"/votes/{vote.id}/review", sent)

    assert answer.status_code == 422
    shown = page(answer)
    assert "Gib jeden Rang nur einmal" in text(shown.select_one("#choice-error"))
    marked = {f["id"] for f in shown.select("select[aria-invalid=true]")}
    assert marked == {f"rank-{options['Mieten']}", f"rank-{options['Pflege']}"}
    for name, rank in sent.items():
        assert shown.select_one(f"#{name} option[selected]")["value"] == rank
        if name in marked:
            assert shown.select_one(f"#{name}")["aria-describedby"] == f"{name}-error"
    assert written(session, vote) == (0, 0, 0)


def test_marks_are_kept_when_a_ballot_with_too_many_is_refused(session, people, client, provider):
    vote, options = voting(session, people, client, provider, "del2", "election")

    answer = post(
        client, f"/votes/{vote.id}/review", [("choice", options["Jo"]), ("choice", options["Anna"])]
    )

    assert answer.status_code == 422
    shown = page(answer)
    assert shown.select_one("#choice-error") is not None
    checked = {i["value"] for i in shown.select("#ballot input[checked]")}
    assert checked == {str(options["Jo"]), str(options["Anna"])}
    assert written(session, vote) == (0, 0, 0)


def test_a_tracker_typed_grouped_or_in_any_case_is_found_and_marked_in_the_list(
    session, people, client, provider
):
    vote, options = voting(session, people, client, provider, "del3")
    receipt = page(post(client, f"/votes/{vote.id}/cast", {"choice": str(options["abstain"])}))
    shown = text(receipt.select_one("#tracker"))
    saved = receipt.select_one("#tracker-file")
    assert saved["download"]
    assert unquote(saved["href"]).endswith(shown + "\r\n")
    close(session, vote, people[1]["gina"])

    for typed in (shown, shown.lower(), shown.replace("-", " "), shown.replace("-", "")):
        found = page(post(client, f"/votes/{vote.id}/ballots", {"tracker": typed}))
        assert found.select_one("#tracker-found a[href='#my-tracker']") is not None, typed
        assert text(found.select_one("#my-tracker code")) == shown
        assert found.select_one("#tracker-search")["value"] == typed
    missing = page(post(client, f"/votes/{vote.id}/ballots", {"tracker": "0000-0000"}))
    assert missing.select_one("#my-tracker") is None
    assert "nicht in der Liste" in text(missing.select_one("#tracker-found"))
