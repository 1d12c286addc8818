"""Twenty identical requests at once: one effect, a clear answer for each, never a 500.

The app runs under a real uvicorn on loopback with its request threads; twenty clients,
each on its own connection with the same member's session cookie and form, are released
at one instant. Afterwards the database holds exactly one effect and every count agrees
with the rows it counts. Runs on SQLite and PostgreSQL (``--db``).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from sqlmodel import Session, func, select

from plenum.app import create_app
from plenum.clock import utcnow
from plenum.discuss.models import Comment, Reaction, Thread
from plenum.meetings.models import Presence
from plenum.motions.models import Amendment, Motion, Proposer, StatusChange
from plenum.notify.models import Notification
from plenum.series.models import FeedbackAnswer, FeedbackGiven, Proposal, ProposalSupport
from plenum.settings import Settings
from tests.support.discuss import comment, topic
from tests.support.factories import Structure, claims, structure
from tests.support.meetings import make_meeting
from tests.support.motions import make_call, publish, submitted_motion
from tests.support.oidc import Provider
from tests.support.series import channel, make_series, session_of
from tests.support.served import race, served
from tests.support.web import enrol, log_in_as, page, token

RACERS = 20
PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="470001"),
    "ole": claims("ole", name="Ole Ortsverband", number="470002"),
    "ina": claims("ina", name="Ina Initiative", number="470003"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="470004"
    ),
}
TEXT = "Wir wollen, dass alle mitmachen können.\n\nAuch wer abends Kinder betreut."


@dataclass
class World:
    org: Structure
    people: dict[str, int]


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    org = structure(session)
    people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.commit()
    return World(org, people)


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with served(lambda url: create_app(settings.with_changes(base_url=url))) as url:
        yield url


@dataclass
class Member:
    """A logged-in member: the cookies and the CSRF token every racer sends."""

    cookies: dict[str, str]
    csrf: str


def member(client: Any, provider: Provider, name: str) -> Member:
    log_in_as(client, provider, name, PEOPLE[name])
    csrf = token(client)  # made on first use: the cookie after it carries it
    return Member(dict(client.cookies.items()), csrf)


def fire(base_url: str, who_: Member, path: str, form: dict[str, str]) -> Counter[int]:
    """POST ``form`` to ``path`` twenty times at once; the status codes counted."""
    data = {**form, "csrf_token": who_.csrf}

    def send(client: httpx2.Client) -> httpx2.Response:
        return client.post(base_url + path, data=data)

    statuses = Counter(r.status_code for r in race(RACERS, send, cookies=who_.cookies))
    assert sum(statuses.values()) == RACERS
    assert not [s for s in statuses if s >= 500], statuses
    return statuses


def fresh(session: Session) -> None:
    """Forget what the test's session read: what the racers committed counts."""
    session.rollback()
    session.expire_all()


def count(session: Session, model: Any, *where: Any) -> int:
    fresh(session)
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_deleting_a_topic_twenty_times_at_once_deletes_it_once(
    client, provider, session, world, base_url
):
    thread = topic(session, world.org.state, world.people["mia"])
    thread_id = thread.id
    comment(session, thread_id, world.people["mia"], "Nachtrag")
    session.commit()
    mia = member(client, provider, "mia")
    statuses = fire(base_url, mia, f"/threads/{thread_id}/delete", {})
    assert statuses[303] >= 1
    assert set(statuses) <= {303, 404}, statuses  # the late ones find no topic any more
    assert count(session, Thread, Thread.id == thread_id) == 0
    assert count(session, Comment, Comment.thread_id == thread_id) == 0


def test_a_series_takes_one_proposal_per_form_and_one_support_per_member(
    client, provider, session, world, base_url
):
    series = make_series(session, world.org.state, world.people["gina"], max_proposals="5")
    week = channel(session, series, "online_week")
    session.commit()
    series_id, week_id = series.id, week.id
    mia = member(client, provider, "mia")
    form = {"title": "Sozialticket", "text": "Für alle.", "key": "one-form"}
    assert fire(base_url, mia, f"/series/{series_id}/sources/{week_id}/proposals", form) == {
        303: RACERS
    }
    assert count(session, Proposal, Proposal.series_id == series_id) == 1
    proposal = session.exec(select(Proposal)).one()
    path = f"/series/{series_id}/proposals/{proposal.id}/support"
    ole = member(client, provider, "ole")
    assert fire(base_url, ole, path, {"support": "1"}) == {303: RACERS}
    assert count(session, ProposalSupport) == 1
    assert session.get(Proposal, proposal.id).support_count == 1
    assert fire(base_url, ole, path, {"support": "0"}) == {303: RACERS}
    assert count(session, ProposalSupport) == 0
    assert session.get(Proposal, proposal.id).support_count == 0


def test_a_questionnaire_answered_twenty_times_at_once_is_answered_once(
    client, provider, session, world, base_url
):
    series = make_series(session, world.org.state, world.people["gina"])
    meeting = make_meeting(session, world.org.county, None, world.people["gina"])
    source = session_of(session, series, meeting.id or 0)
    session.add(Presence(meeting_id=meeting.id, member_id=world.people["mia"]))
    source.feedback_closes_at = utcnow() + timedelta(days=1)
    session.add(source)
    session.commit()
    source_id, path = source.id, f"/series/{series.id}/sources/{source.id}/feedback"
    mia = member(client, provider, "mia")
    statuses = fire(base_url, mia, path, {"follow": "4", "comment": "Gut."})
    assert statuses[303] == 1, statuses
    assert set(statuses) <= {303, 409}, statuses
    assert count(session, FeedbackGiven, FeedbackGiven.source_id == source_id) == 1
    assert count(session, FeedbackAnswer, FeedbackAnswer.source_id == source_id) == 1


def test_twenty_different_proposals_at_once_never_pass_a_sessions_limit(
    client, provider, session, world, base_url
):
    """Each racer sends its own proposal (its own form key); the session takes three."""
    series = make_series(session, world.org.state, world.people["gina"], max_proposals="3")
    meeting = make_meeting(session, world.org.county, None, world.people["gina"])
    source = session_of(session, series, meeting.id or 0)
    session.commit()
    series_id, path = series.id, f"/series/{series.id}/sources/{source.id}/proposals"
    gina = member(client, provider, "gina")
    keys = itertools.count()
    taking = threading.Lock()

    def send(racer: httpx2.Client) -> httpx2.Response:
        with taking:
            key = f"form-{next(keys)}"
        form = {"title": key, "text": "Text", "weight": "5", "key": key}
        return racer.post(base_url + path, data={**form, "csrf_token": gina.csrf})

    statuses = Counter(r.status_code for r in race(RACERS, send, cookies=gina.cookies))
    assert statuses == {303: 3, 409: RACERS - 3}, statuses
    assert count(session, Proposal, Proposal.series_id == series_id) == 3


def test_agreeing_twenty_times_at_once_agrees_once_and_taking_it_back_never_goes_negative(
    client, provider, session, world, base_url
):
    thread = topic(session, world.org.state, world.people["mia"])
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    session.commit()
    ole = member(client, provider, "ole")
    assert fire(base_url, ole, f"/comments/{first.id}/agree", {"agree": "1"}) == {303: RACERS}
    assert count(session, Reaction, Reaction.comment_id == first.id) == 1
    assert session.get(Comment, first.id).agree_count == 1
    assert fire(base_url, ole, f"/comments/{first.id}/agree", {"agree": "0"}) == {303: RACERS}
    assert count(session, Reaction, Reaction.comment_id == first.id) == 0
    assert session.get(Comment, first.id).agree_count == 0


def test_deleting_a_comment_twenty_times_at_once_counts_it_out_once(
    client, provider, session, world, base_url
):
    thread = topic(session, world.org.state, world.people["mia"])
    made = comment(session, thread.id, world.people["ole"], "Ich bin dabei.")
    session.commit()
    assert session.get(Thread, thread.id).comment_count == 2
    ole = member(client, provider, "ole")
    assert fire(base_url, ole, f"/comments/{made.id}/delete", {}) == {303: RACERS}
    fresh(session)
    assert session.get(Thread, thread.id).comment_count == 1
    assert session.get(Comment, made.id).deleted_at is not None


def test_a_new_topic_sent_twenty_times_at_once_opens_one_topic(
    client, provider, session, world, base_url
):
    mia = member(client, provider, "mia")
    form = page(client.get("/chapters/lv-nrw/discussion")).select_one("#new-topic form")
    key = form.select_one("input[name=key]")["value"]
    data = {"title": "Kinderbetreuung", "body": "Wer macht mit?", "key": key}
    assert fire(base_url, mia, form["action"], data) == {303: RACERS}
    assert count(session, Thread, Thread.title == "Kinderbetreuung") == 1
    assert count(session, Comment, Comment.body == "Wer macht mit?") == 1


def motion_form(
    client: Any, session: Session, world: World, action: str
) -> tuple[int, dict[str, str]]:
    """A new call, and the fields of its new-motion form as Mia fills them in."""
    call = make_call(session, world.org.state_convention)
    session.commit()
    form = page(client.get(f"/calls/{call.id}/motions/new")).select_one("#motion-form")
    key = form.select_one("input[name=key]")["value"]
    fields = {"title": "Teilhabe", "type": "motion", "text": TEXT, "action": action, "key": key}
    return call.id or 0, fields


def test_a_motion_saved_and_submitted_twenty_times_at_once_is_one_motion_numbered_once(
    client, provider, session, world, base_url
):
    mia = member(client, provider, "mia")
    call_id, data = motion_form(client, session, world, "submit")
    assert fire(base_url, mia, f"/calls/{call_id}/motions/new", data) == {303: RACERS}
    motions = session.exec(select(Motion).where(Motion.consultation_id == call_id)).all()
    assert [(m.number, m.status) for m in motions] == [("A1", "submitted")]
    moves = session.exec(
        select(StatusChange.to_status).where(StatusChange.motion_id == motions[0].id)
    )
    assert sorted(moves.all()) == ["draft", "submitted"]


def test_a_draft_submitted_twenty_times_at_once_is_submitted_once(
    client, provider, session, world, base_url
):
    mia = member(client, provider, "mia")
    call_id, data = motion_form(client, session, world, "save")
    saved = client.post(f"/calls/{call_id}/motions/new", data={**data, "csrf_token": mia.csrf})
    assert saved.status_code == 303
    motion = session.exec(select(Motion).where(Motion.consultation_id == call_id)).one()
    statuses = fire(base_url, mia, f"/motions/{motion.id}/submit", {})
    assert statuses[303] >= 1, statuses
    assert set(statuses) <= {303, 409}, statuses
    fresh(session)
    submitted = session.get(Motion, motion.id)
    assert (submitted.number, submitted.status) == ("A1", "submitted")
    moves = select(func.count()).where(
        StatusChange.motion_id == motion.id, StatusChange.to_status == "submitted"
    )
    assert session.exec(moves).one() == 1


def test_co_proposers_named_by_twenty_saves_at_once_are_invited_once(
    client, provider, session, world, base_url
):
    mia = member(client, provider, "mia")
    call_id, data = motion_form(client, session, world, "save")
    client.post(f"/calls/{call_id}/motions/new", data={**data, "csrf_token": mia.csrf})
    motion = session.exec(select(Motion).where(Motion.consultation_id == call_id)).one()
    edit = {**data, "co_proposers": "470002", "lock_version": str(motion.lock_version)}
    statuses = fire(base_url, mia, f"/motions/{motion.id}/edit", edit)
    assert statuses == {303: 1, 409: RACERS - 1}
    ole = world.people["ole"]
    assert count(session, Proposer, Proposer.motion_id == motion.id, Proposer.member_id == ole) == 1
    assert count(session, Notification, Notification.member_id == ole) == 1


def test_an_amendment_sent_twenty_times_at_once_is_one_amendment(
    client, provider, session, world, base_url
):
    call = make_call(session, world.org.state_convention)
    motion = submitted_motion(session, call, world.people["mia"])
    publish(session, motion, world.people["gina"])
    session.commit()
    ole = member(client, provider, "ole")
    form = page(client.get(f"/motions/{motion.id}/amendments/new")).select_one("#amendment-form")
    key = form.select_one("input[name=key]")["value"]
    data = {"title": "Klarer", "text": TEXT.replace("alle", "alle Mitglieder"), "key": key}
    data |= {"action": "save", "mode": ""}
    assert fire(base_url, ole, f"/motions/{motion.id}/amendments/new", data) == {303: RACERS}
    assert count(session, Amendment, Amendment.motion_id == motion.id) == 1


# --- every unsafe route -------------------------------------------------------------------------


@pytest.mark.timeout(600)  # twenty posts to each of ~100 routes
def test_twenty_identical_posts_at_once_to_every_unsafe_route_never_give_a_5xx(
    client, provider, session, settings, base_url
):  # no ``world``: the busy world has its own people
    """The harness: each unsafe route of the route table gets twenty copies of one valid
    form at one instant, as a member with broad roles (office staff, chair, delegate).
    Whatever the route does, every copy gets a clear answer (a page, a redirect, or a
    refusal), never a 5xx."""
    from tests.support.busy import BROAD, busy_world
    from tests.web.test_fuzz_routes import VALID, routes

    busy = busy_world(session, settings)
    session.commit()
    log_in_as(client, provider, "gina", BROAD)
    csrf = token(client)
    gina = Member(dict(client.cookies.items()), csrf)
    fired, failures = 0, []
    for method, route in routes(client.app):
        if method != "POST":
            continue
        path = route.path
        segment = path.strip("/").split("/")[0]
        for name in route.param_convertors:
            pattern = next(part for part in path.split("/") if part.startswith(f"{{{name}"))
            value = (
                str(busy.ids.get(segment, busy.ids["roles"] if name == "role_id" else 1))
                if "int" in pattern
                else {"key": busy.keys.get(segment, "lv-nrw"), "step": "publish"}.get(name, "x")
            )
            path = path.replace(pattern, value, 1)
        try:
            fire(base_url, gina, path, {**VALID, "key": "k" * 22})
        except (AssertionError, httpx2.HTTPError) as failed:  # every route is tried
            failures.append(f"{path}: {failed!r}")
        fired += 1
    assert failures == []
    assert fired > 40
