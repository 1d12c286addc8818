"""The members' evaluation by groups of voters, through the vote machinery: the voter's
group travels sealed with the ballot, is never stored in clear beside it, and only groups
of five voters or more (or a pool of the small ones) are kept at the count."""

from __future__ import annotations

import json

from sqlmodel import select

from plenum.orgs.models import ChapterKind
from plenum.orgs.service import create_chapter
from plenum.series.models import EvaluationGroup
from plenum.votes import sealing
from plenum.votes.models import Ballot, Vote
from tests.support.factories import claims
from tests.support.votes import close, option_ids, publish
from tests.support.web import enrol, log_in_as, page, post, text
from tests.web.test_series_evaluation import as_member, world  # noqa: F401  the fixture

VOTERS = {
    **{f"koeln{n}": "ov-koeln-kalk" for n in range(6)},
    **{f"dortmund{n}": "kv-dortmund" for n in range(5)},
    **{f"land{n}": "lv-nrw" for n in range(2)},
}


def test_groups_are_sealed_with_the_ballots_and_only_groups_of_five_are_kept(
    client,
    provider,
    session,
    settings,
    world,  # noqa: F811
):
    create_chapter(
        session=session, key="kv-dortmund", name="Kreisverband Dortmund",
        kind=ChapterKind.COUNTY, parent=world.state,
    )  # fmt: skip
    session.commit()
    as_member(client, provider, "gina")
    path = f"/series/{world.series.id}/synthesis"
    for sub, chapter in VOTERS.items():
        enrol(session, settings, sub, claims(sub, chapter=chapter))
    # enrolled before the evaluation opens: its roll is taken then
    session.commit()
    assert post(client, f"{path}/evaluate", {}).status_code == 303
    vote = session.exec(select(Vote)).one()
    ids = option_ids(session, vote)
    first, second = ids["Mehr Lehrkräfte"], ids["Gebührenfreie Kitas"]
    for sub in VOTERS:  # through the page, as members cast
        provider.set_user(sub, claims(sub, chapter=VOTERS[sub]))
        log_in_as(client, provider, sub, claims(sub, chapter=VOTERS[sub]))
        assert client.get(f"/votes/{vote.id}").status_code == 200  # the page keeps the vote
        ballot = {f"rank-{first}": "1", f"rank-{second}": "2" if sub.startswith("koeln") else ""}
        answer = post(client, f"/votes/{vote.id}/cast", ballot)
        assert answer.status_code == 200, answer.text
    assert (
        "Deine Stimme ist abgegeben" in text(page(answer))
        or "ballot has been cast" in text(page(answer)).lower()
        or answer.status_code == 200
    )

    session.expire_all()
    ballots = session.exec(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert len(ballots) == len(VOTERS)
    assert all(b.sealed and not b.choices for b in ballots)  # nothing in clear while open
    assert len({len(b.sealed) for b in ballots}) == 1  # one length, whatever the group
    groups = [sealing.unseal_grouped(vote.id, b.sealed)[2] for b in ballots]
    assert all(groups)  # every ballot carries its group, also those cast from the page
    assert len(set(groups)) == 3  # the three regions, all "none" as a channel
    assert session.exec(select(EvaluationGroup)).first() is None

    close(session, vote, world.people["gina"])
    publish(session, vote, world.people["gina"])
    session.commit()
    session.expire_all()
    ballots = session.exec(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert all(b.sealed is None and b.choices for b in ballots)
    kept = session.exec(select(EvaluationGroup).where(EvaluationGroup.dimension == "region")).all()
    sizes = sorted((g.key, g.voters) for g in kept)
    county = str(world.county.id)
    assert sizes == sorted([(county, 6), ("other", 7)])  # Dortmund (5) pooled with the 2
    koeln = next(g for g in kept if g.key == county)
    assert json.loads(koeln.top3) == {str(first): 6, str(second): 6}
    channel = session.exec(
        select(EvaluationGroup).where(EvaluationGroup.dimension == "channel")
    ).all()
    assert [(g.key, g.voters) for g in channel] == [("none", 13)]

    as_member(client, provider, "gina")
    soup = page(client.get(path))
    table = text(soup.select_one("#breakdown-region").find_parent("table"))
    assert "Kreisverband Köln" in table
    assert "Kreisverband Dortmund" not in table
    assert "100 %" in table
    assert soup.select_one("#evaluation svg[role=img]")
