"""The video room asks who speaks on every relayed message with one row's query
(``speakers.speaking_member``); it names whom the whole list names (``speakers.speaking``),
whatever the list: called, waiting and withdrawn requests, calls at the same moment,
requests without a call time, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, delete

from plenum.clock import utcnow
from plenum.meetings import speakers
from plenum.meetings.models import AgendaItem, RequestStatus, SpeakerRequest
from tests.support.factories import structure
from tests.support.meetings import make_meeting
from tests.support.web import enrol

STAFF = {"name": "Gina Geschäftsstelle", "email": "gina@example.org"}
MEMBERS = 4

ROW = st.tuples(
    st.integers(0, MEMBERS - 1),  # who
    st.sampled_from(list(RequestStatus)),
    st.integers(0, 5),  # asked, minutes after the start
    st.one_of(st.none(), st.integers(0, 5)),  # called, minutes after the start (or never)
)


@pytest.fixture
def item(session: Any, settings: Any) -> tuple[int, list[int]]:
    """An agenda item of a meeting, and members to ask to speak on it."""
    org = structure(session)
    staff = enrol(session, settings, "gina", STAFF)
    members = [
        enrol(session, settings, f"m{n}", {"name": f"Mitglied {n}", "email": f"m{n}@example.org"})
        for n in range(MEMBERS)
    ]
    meeting = make_meeting(session, org.state, None, staff, starts=utcnow())
    row = AgendaItem(meeting_id=meeting.id or 0, position=1, title="Bericht")
    session.add(row)
    session.commit()
    return row.id or 0, members


# the fixture is made once for all examples: each example clears the item's list first
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, max_size=8))
def test_the_one_row_query_names_whom_the_whole_list_names(
    session: Any, item: tuple[int, list[int]], rows: list[tuple[int, str, int, int | None]]
) -> None:
    item_id, people = item
    session.exec(delete(SpeakerRequest).where(col(SpeakerRequest.item_id) == item_id))
    start = utcnow().replace(microsecond=0)
    for who, status, asked, called in rows:
        session.add(
            SpeakerRequest(
                item_id=item_id,
                member_id=people[who],
                status=status,
                asked_at=start + timedelta(minutes=asked),
                called_at=None if called is None else start + timedelta(minutes=called),
            )
        )
    session.commit()
    whole = speakers.speaking(speakers.rows_of(item_id, session=session))
    expected = whole.member_id if whole is not None else None
    assert speakers.speaking_member(item_id, session=session) == expected
