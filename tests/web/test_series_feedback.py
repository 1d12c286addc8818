"""The questionnaire after a session, through HTTP: who is asked, answering once, the
answers sealed until the close, counted anonymously, and no group under five shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from plenum.clock import utcnow
from plenum.meetings.models import Presence
from plenum.notify.models import Notification
from plenum.series import feedback
from plenum.series.models import FeedbackAnswer, FeedbackGiven, SeriesSource
from tests.support.factories import claims, structure
from tests.support.meetings import make_meeting
from tests.support.series import make_series, session_of
from tests.support.web import english, enrol, log_in_as, page, post, text

PARTICIPANTS = [f"p{n}" for n in range(6)]
PEOPLE = {
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="800001"
    ),
    "nora": claims("nora", name="Nora Nichtdabei", number="800002"),
    **{
        sub: claims(sub, name=f"Teilnehmerin {sub}", number=f"8001{n:02d}")
        for n, sub in enumerate(PARTICIPANTS)
    },
}
ANSWERS = {"follow": "4", "speak": "2", "childcare": "yes", "time_ok": "no", "comment": "Zu spät."}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    series = make_series(session, org.state, org.people["gina"])
    meeting = make_meeting(session, org.county, None, org.people["gina"])
    small = make_meeting(session, org.county, None, org.people["gina"], title="Kleine Runde")
    org.source = session_of(session, series, meeting.id)
    org.small = session_of(session, series, small.id)
    for sub in PARTICIPANTS:
        session.add(Presence(meeting_id=meeting.id, member_id=org.people[sub]))
    for sub in PARTICIPANTS[:2]:
        session.add(Presence(meeting_id=small.id, member_id=org.people[sub]))
    session.commit()
    org.series = series
    return org


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def count(session, model, *where):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def record(client, world, source):
    path = f"/series/{world.series.id}/sources/{source.id}/attendance"
    assert post(client, path, {"hall_count": "6", "online_count": "0"}).status_code == 303


def test_participants_are_asked_answer_once_and_their_answers_stay_sealed_until_the_close(
    client, provider, session, world
):
    form = f"/series/{world.series.id}/sources/{world.source.id}/feedback"
    as_member(client, provider, "gina")
    record(client, world, world.source)
    record(client, world, world.source)  # recorded again: asked once
    asked = session.exec(select(Notification.member_id).where(Notification.url == form)).all()
    assert sorted(asked) == sorted(world.people[sub] for sub in PARTICIPANTS)

    as_member(client, provider, "nora")  # was not there
    assert "for the members who took part" in text(page(client.get(form)))
    assert post(client, form, ANSWERS).status_code == 403
    as_member(client, provider, "p0")
    soup = page(client.get(form))
    assert soup.select_one("#feedback-form input[name=follow][value='5']")
    refused = post(client, form, {**ANSWERS, "follow": "9"})
    assert refused.status_code == 422
    assert page(refused).select_one("#field-speak-2").has_attr("checked")  # kept
    assert post(client, form, {}).status_code == 422  # nothing answered
    assert count(session, FeedbackGiven) == 0
    first = post(client, form, ANSWERS)
    assert first.status_code == 303
    again = post(client, form, ANSWERS)
    assert again.status_code == 409
    assert count(session, FeedbackGiven) == 1
    as_member(client, provider, "p1")
    other = post(client, form, {"follow": "1", "comment": "x" * 1500})
    assert other.status_code == 303
    assert len(other.content) == len(first.content)  # the answer does not show in the reply
    answers = session.exec(select(FeedbackAnswer)).all()
    assert len(answers) == 2
    assert all(a.sealed and a.follow is None and a.comment == "" for a in answers)
    assert len({len(a.sealed) for a in answers}) == 1  # one length, whatever was said
    assert b"Zu sp" not in b"".join(a.sealed for a in answers)


def test_the_count_opens_the_answers_anonymously_and_hides_small_sessions(
    client, provider, session, world
):
    as_member(client, provider, "gina")
    record(client, world, world.source)
    record(client, world, world.small)
    for n, sub in enumerate(PARTICIPANTS):
        as_member(client, provider, sub)
        answers = {**ANSWERS, "follow": str(1 + n % 5), "comment": f"Hinweis {n}"}
        assert (
            post(
                client, f"/series/{world.series.id}/sources/{world.source.id}/feedback", answers
            ).status_code
            == 303
        )
        if n < 2:
            path = f"/series/{world.series.id}/sources/{world.small.id}/feedback"
            assert post(client, path, ANSWERS).status_code == 303
    results = f"/series/{world.series.id}/feedback"
    assert "open until" in text(
        page(client.get(results)).select_one(f"#feedback-{world.source.id}")
    )

    later = utcnow() + feedback.OPEN_FOR + timedelta(minutes=1)
    assert feedback.count_due(session=session, now=later) == 2
    session.commit()
    assert feedback.count_due(session=session, now=later) == 0  # counted once
    answers = session.exec(select(FeedbackAnswer)).all()
    assert len(answers) == 8
    assert all(a.sealed is None for a in answers)
    assert sorted(a.comment for a in answers if a.source_id == world.source.id) == [
        f"Hinweis {n}" for n in range(6)
    ]

    soup = page(client.get(results))  # as the last participant: a member
    big = soup.select_one(f"#feedback-{world.source.id}")
    assert "6 participants answered" in text(big)
    assert "mean 2.7 of 5" in text(big)  # follow: 1,2,3,4,5,1
    assert "Did the childcare work for you? yes 6, no 0" in text(big)
    assert "Hinweis" not in text(big)  # the comments are for those who may see raw results
    assert "Fewer than 5 answers" in text(soup.select_one(f"#feedback-{world.small.id}"))
    assert "6 answers" in text(soup.select_one("#overall"))  # the small session is left out
    assert soup.select_one("#overall svg[role=img]")
    as_member(client, provider, "gina")
    assert "Hinweis 3" in text(page(client.get(results)).select_one(f"#feedback-{world.source.id}"))
    assert "Hinweis" not in text(
        page(client.get(results)).select_one(f"#feedback-{world.small.id}")
    )
    session.expire_all()
    assert session.get(SeriesSource, world.small.id).feedback_counted_at is not None
