"""Discussions through HTTP: spaces and topics, comments, replies, quotes, agreement,
read state, following, moderation, and bad input."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from plenum.discuss.models import Comment, ModerationEntry, Reaction, Thread
from plenum.orgs.models import ChapterKind, Membership
from plenum.orgs.service import create_chapter
from tests.support.discuss import comment, topic
from tests.support.factories import claims, structure
from tests.support.motions import make_call, publish, submitted_motion
from tests.support.web import (
    asked,
    english,
    enrol,
    live_script_problems,
    log_in_as,
    page,
    post,
    text,
)

PEOPLE = {
    "mia": claims("mia", name="Mia Mitglied", number="440001"),
    "ole": claims("ole", name="Ole Ortsverband", number="440002"),
    "sam": claims("sam", name="Sam Sachsen", chapter="lv-sachsen", number="440003"),
    "mo": claims("mo", name="Mo Moderation", groups=("lv-nrw-moderation",), number="440004"),
    "bo": claims("bo", name="Bo Landesvorstand", groups=("lv-nrw-vorstand",), number="440005"),
    "gina": claims(
        "gina", name="Gina Geschäftsstelle", groups=("lv-nrw-geschaeftsstelle",), number="440006"
    ),
    "lena": claims("lena", name="Lena LAG", number="440007"),
}


@pytest.fixture
def world(session, settings):
    org = structure(session)
    org.group = create_chapter(
        session=session,
        key="lag-nrw-care",
        name="LAG Sorgearbeit NRW",
        kind=ChapterKind.WORKING_GROUP,
        parent=org.state,
    )
    org.people = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    session.add(Membership(member_id=org.people["lena"], chapter_id=org.group.id, source="manual"))
    session.commit()
    return org


def as_member(client, provider, name):
    log_in_as(client, provider, name, PEOPLE[name])
    return english(client)


def new_topic(client, space_path, title="Kinderbetreuung", body="Wie organisieren wir das?"):
    soup = page(client.get(space_path))
    form = soup.select_one("#new-topic form")
    key = form.select_one("input[name=key]")["value"]
    return post(client, form["action"], {"title": title, "body": body, "key": key})


# --- who may read and write -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("space", "allowed"),
    [
        ("/chapters/lv-nrw/discussion", {"mia", "ole", "mo", "bo", "gina", "lena"}),
        ("/chapters/bund/discussion", {"mia", "ole", "sam", "mo", "bo", "gina", "lena"}),
        ("/chapters/lv-sachsen/discussion", {"sam"}),
        ("/chapters/lag-nrw-care/discussion", {"lena", "gina", "mo"}),
        ("/bodies/{board}/discussion", {"bo", "gina"}),
    ],
)
def test_who_may_read_and_write_a_space_follows_membership(client, provider, world, space, allowed):
    path = space.format(board=world.state_board.key)
    action = None
    for name in sorted(PEOPLE, key=lambda n: n not in allowed):  # the allowed ones first
        as_member(client, provider, name)
        response = client.get(path)
        assert (response.status_code == 200) == (name in allowed), (name, response.status_code)
        action = action or page(response).select_one("#new-topic form")["action"]
        opened = post(client, action, {"title": f"Thema von {name}", "body": "Hallo"})
        assert (opened.status_code == 303) == (name in allowed), (name, opened.status_code)


def test_a_motions_discussion_is_read_by_exactly_those_who_see_the_motion(
    client, provider, session, world
):
    call = make_call(session, world.state_convention)
    motion = submitted_motion(session, call, world.people["mia"])
    as_member(client, provider, "mia")
    thread_path = client.get(f"/motions/{motion.id}/discussion").headers["location"]
    assert post(client, f"{thread_path}/comments", {"body": "Vor der Prüfung"}).status_code == 303
    for name, expected in [("ole", 404), ("sam", 404), ("bo", 200), ("gina", 200)]:
        as_member(client, provider, name)
        assert client.get(thread_path).status_code == expected, name
    publish(session, motion, world.people["gina"])
    as_member(client, provider, "ole")
    assert client.get(thread_path).status_code == 200
    as_member(client, provider, "sam")
    assert client.get(thread_path).status_code == 404


# --- comments ---------------------------------------------------------------------------------


def test_comments_replies_and_replies_to_replies(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    reply = comment(session, thread.id, world.people["ole"], "Antwort", reply_to=first.id)
    deeper = comment(
        session, thread.id, world.people["mia"], "Antwort auf Antwort", reply_to=reply.id
    )
    assert (reply.parent_id, deeper.parent_id) == (first.id, first.id)
    as_member(client, provider, "ole")
    soup = page(client.get(f"/threads/{thread.id}"))
    replies = soup.select(".replies > article")
    assert [r["id"] for r in replies] == [f"c{reply.seq}", f"c{deeper.seq}"]
    assert "in reply to #2 Ole Ortsverband" in text(replies[1])
    assert "in reply to" not in text(replies[0])
    answering = page(client.get(f"/threads/{thread.id}?reply_to={reply.id}"))
    assert text(answering.select_one("#write-title")) == f"Your reply to #{reply.seq}"
    assert answering.select_one("#write input[name=reply_to]")["value"] == str(reply.id)


def test_markdown_is_rendered_and_html_stays_text(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"], body="**fett** <b>roh</b>")
    as_member(client, provider, "ole")
    soup = page(client.get(f"/threads/{thread.id}"))
    body = soup.select_one("#c1 .prose")
    assert body.select_one("strong").get_text() == "fett"
    assert body.select_one("b") is None
    assert "<b>roh</b>" in body.get_text()


def test_editing_within_the_window_shows_edited(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    as_member(client, provider, "mia")
    mine = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    assert client.get(f"/comments/{mine.id}/edit").status_code == 200
    changed = post(client, f"/comments/{mine.id}/edit", {"body": "Geändert"})
    assert changed.status_code == 303
    soup = page(client.get(f"/threads/{thread.id}"))
    assert "Geändert" in text(soup.select_one("#c1"))
    assert "(edited)" in text(soup.select_one("#c1 .comment-head"))
    as_member(client, provider, "ole")
    assert client.get(f"/comments/{mine.id}/edit").status_code == 403


def test_editing_after_the_window_is_refused(client, provider, session, world):
    from datetime import timedelta

    thread = topic(session, world.state, world.people["mia"])
    mine = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    mine.created_at = mine.created_at - timedelta(minutes=31)
    session.add(mine)
    session.commit()
    as_member(client, provider, "mia")
    assert client.get(f"/comments/{mine.id}/edit").status_code == 403
    refused = post(client, f"/comments/{mine.id}/edit", {"body": "Zu spät"})
    assert refused.status_code == 422
    session.refresh(mine)
    assert mine.body == "Wie organisieren wir das?"


def test_deleting_leaves_a_placeholder_and_keeps_replies(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    comment(session, thread.id, world.people["ole"], "Antwort", reply_to=first.id)
    as_member(client, provider, "mia")
    question = asked(client, f"/comments/{first.id}/delete")
    assert text(question.select_one("h1")) == "Delete your comment #1?"
    assert "Wie organisieren" in text(page(client.get(f"/threads/{thread.id}")).select_one("#c1"))
    assert post(client, f"/comments/{first.id}/delete").status_code == 303
    soup = page(client.get(f"/threads/{thread.id}"))
    assert "This comment was deleted by its author." in text(soup.select_one("#c1"))
    assert "Wie organisieren" not in soup.get_text()
    assert "Antwort" in text(soup.select_one("#c2"))
    as_member(client, provider, "ole")
    assert post(client, f"/comments/{first.id}/delete").status_code == 403
    assert post(client, f"/comments/{first.id}/delete", {"ask": "1"}).status_code == 403


def test_the_opener_deletes_a_topic_nobody_else_wrote_in_after_being_asked(
    client, provider, session, world
):
    thread = topic(session, world.state, world.people["mia"], title="Fahrgemeinschaften")
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    session.add(Reaction(comment_id=first.id, member_id=world.people["ole"]))
    session.commit()
    thread_id = thread.id
    path = f"/threads/{thread_id}/delete"
    as_member(client, provider, "ole")  # agreeing is not writing: it goes with the topic
    assert not page(client.get(f"/threads/{thread.id}")).select(f"form[action='{path}']")
    assert post(client, path, {"ask": "1"}).status_code == 403
    assert post(client, path).status_code == 403
    as_member(client, provider, "mia")
    offered = page(client.get(f"/threads/{thread.id}")).select_one(f"form[action='{path}']")
    assert offered.select_one("input[name=ask]")["value"] == "1"
    assert "danger" in offered.select_one("button")["class"]
    question = asked(client, path)
    assert text(question.select_one("h1")) == "Delete the topic \u201cFahrgemeinschaften\u201d?"
    assert session.get(Thread, thread.id) is not None  # asking changed nothing
    done = post(client, path)
    assert done.status_code == 303
    assert done.headers["location"] == "/chapters/lv-nrw/discussion"
    session.expire_all()
    assert session.get(Thread, thread_id) is None
    assert session.exec(select(func.count()).select_from(Comment)).one() == 0
    assert session.exec(select(func.count()).select_from(Reaction)).one() == 0
    assert client.get(f"/threads/{thread_id}").status_code == 404
    assert "Fahrgemeinschaften" not in client.get("/chapters/lv-nrw/discussion").text
    assert "Fahrgemeinschaften" not in client.get("/search?q=organisieren").text


def test_a_topic_others_wrote_in_or_a_moderator_acted_on_stays(client, provider, session, world):
    answered = topic(session, world.state, world.people["mia"], title="Beantwortet")
    comment(session, answered.id, world.people["ole"], "Ich helfe mit.")
    moderated = topic(session, world.state, world.people["mia"], title="Moderiert")
    first = session.exec(select(Comment).where(Comment.thread_id == moderated.id)).one()
    session.commit()
    as_member(client, provider, "mo")
    assert post(client, f"/comments/{first.id}/hide", {"reason": "Ton"}).status_code == 303
    as_member(client, provider, "mia")
    refused = post(client, f"/threads/{answered.id}/delete")
    assert refused.status_code == 409
    assert "Others have written in this topic" in refused.text
    refused = post(client, f"/threads/{moderated.id}/delete")
    assert refused.status_code == 409
    assert "A moderator has acted in this topic" in refused.text
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Comment)).one() == 3
    assert session.exec(select(func.count()).select_from(ModerationEntry)).one() == 1


def test_a_motions_discussion_cannot_be_deleted_as_a_topic(client, provider, session, world):
    call = make_call(session, world.state_convention)
    motion = publish(
        session, submitted_motion(session, call, world.people["mia"]), world.people["gina"]
    )
    session.commit()
    as_member(client, provider, "mia")
    path = client.get(f"/motions/{motion.id}/discussion").headers["location"]
    assert not page(client.get(path)).select(f"form[action='{path}/delete']")
    assert post(client, f"{path}/delete").status_code == 403


def test_a_comment_quotes_lines_of_the_motion(client, provider, session, world):
    call = make_call(session, world.state_convention)
    motion = publish(
        session, submitted_motion(session, call, world.people["mia"]), world.people["gina"]
    )
    as_member(client, provider, "ole")
    path = client.get(f"/motions/{motion.id}/discussion").headers["location"]
    sent = post(
        client,
        f"{path}/comments",
        {"body": "Warum nur Video?", "quote_first": "3", "quote_last": "4"},
    )
    assert sent.status_code == 303
    soup = page(client.get(path))
    quote = soup.select_one("#c1 .quote")
    assert text(quote.select_one("figcaption")) == "on lines 3–4"
    assert "Regionalkonferenz" in text(quote.select_one("blockquote")) or text(quote)
    assert soup.select_one(".discussed-text #line-3") is not None
    too_far = post(client, f"{path}/comments", {"body": "Hm", "quote_first": "900"})
    assert too_far.status_code == 422
    assert "The motion has no such lines." in text(page(too_far).select_one(".field-error"))


def test_agreeing_counts_once_per_member(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    as_member(client, provider, "ole")
    agree = page(client.get(f"/threads/{thread.id}")).select_one("#c1 input[name=agree]")
    assert agree["value"] == "1"
    post(client, f"/comments/{first.id}/agree", {"agree": "1"})
    post(client, f"/comments/{first.id}/agree", {"agree": "1"})  # sent twice: agreed once
    soup = page(client.get(f"/threads/{thread.id}"))
    assert text(soup.select_one("#c1 .agree-count")) == "1 agreement"
    assert soup.select_one("#c1 [aria-pressed]")["aria-pressed"] == "true"
    assert soup.select_one("#c1 input[name=agree]")["value"] == "0"
    post(client, f"/comments/{first.id}/agree", {"agree": "0"})
    post(client, f"/comments/{first.id}/agree", {"agree": "0"})  # taken back once, not twice
    soup = page(client.get(f"/threads/{thread.id}"))
    assert text(soup.select_one("#c1 .agree-count")) == "0 agreements"
    as_member(client, provider, "mia")
    assert post(client, f"/comments/{first.id}/agree", {"agree": "1"}).status_code == 409


def test_long_threads_paginate(client, provider, session, world):
    from plenum.discuss.service import PAGE_SIZE

    thread = topic(session, world.state, world.people["mia"])
    for n in range(PAGE_SIZE + 5):
        comment(session, thread.id, world.people["ole"], f"Beitrag {n}")
    as_member(client, provider, "bo")
    soup = page(client.get(f"/threads/{thread.id}?page=1"))
    assert len(soup.select("article.comment")) == PAGE_SIZE
    assert soup.select_one(".pager [aria-current]").get_text() == "1"
    second = page(client.get(f"/threads/{thread.id}?page=2"))
    assert len(second.select("article.comment")) == 6


# --- read state -------------------------------------------------------------------------------


def test_a_thread_opens_at_the_first_unread_comment(client, provider, session, world):
    from plenum.discuss.service import PAGE_SIZE

    thread = topic(session, world.state, world.people["mia"])
    for n in range(PAGE_SIZE + 2):
        comment(session, thread.id, world.people["mia"], f"Beitrag {n}")
    as_member(client, provider, "ole")
    client.get(f"/threads/{thread.id}?page=1")  # reads the first page only
    soup = page(client.get(f"/threads/{thread.id}"))
    assert soup.select_one(".pager [aria-current]").get_text() == "2"
    marker = soup.select_one("#new")
    assert text(marker) == "new since your last visit"
    assert marker.find_next("article")["id"] == f"c{PAGE_SIZE + 1}"
    again = page(client.get(f"/threads/{thread.id}"))
    assert again.select_one("#new") is None


def test_spaces_list_unread_counts_and_can_be_marked_read(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    comment(session, thread.id, world.people["mia"], "Noch etwas")
    as_member(client, provider, "ole")
    soup = page(client.get("/chapters/lv-nrw/discussion"))
    assert text(soup.select_one(".thread-list .badge")) == "2 unread"
    space_id = thread.space_id
    post(client, f"/spaces/{space_id}/read")
    soup = page(client.get("/chapters/lv-nrw/discussion"))
    assert soup.select_one(".thread-list .badge") is None


def test_posting_follows_and_followers_are_notified(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    as_member(client, provider, "ole")
    post(client, f"/threads/{thread.id}/comments", {"body": "Ich bin dabei"})
    as_member(client, provider, "mia")
    soup = page(client.get("/notifications"))
    assert "New comment by Ole Ortsverband in “Kinderbetreuung”" in text(soup)
    home = page(client.get("/"))
    assert "Kinderbetreuung" in text(home.select_one(".agenda"))


# --- moderation -------------------------------------------------------------------------------


def test_flag_hide_restore_and_the_log(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"], body="Beleidigung")
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    as_member(client, provider, "ole")
    assert post(client, f"/comments/{first.id}/flag", {"reason": ""}).status_code == 422
    assert post(client, f"/comments/{first.id}/flag", {"reason": "beleidigend"}).status_code == 303
    assert post(client, f"/comments/{first.id}/hide", {"reason": "x"}).status_code == 403
    assert client.get(f"/spaces/{thread.space_id}/moderation").status_code == 403
    assert client.get(f"/comments/{first.id}/hide").status_code == 403
    assert client.get(f"/comments/{first.id}/flag").status_code == 200
    as_member(client, provider, "mo")
    assert client.get(f"/comments/{first.id}/hide").status_code == 200
    queue = page(client.get(f"/spaces/{thread.space_id}/moderation"))
    assert "beleidigend" in text(queue.select_one(".flagged-list"))
    hidden = post(client, f"/comments/{first.id}/hide", {"reason": "Beleidigung eines Mitglieds"})
    assert hidden.status_code == 303
    as_member(client, provider, "ole")
    soup = page(client.get(f"/threads/{thread.id}"))
    assert text(soup.select_one("#c1 .placeholder")) == "hidden: Beleidigung eines Mitglieds"
    assert "Beleidigung</p>" not in str(soup.select_one("#c1"))
    as_member(client, provider, "mo")
    post(client, f"/comments/{first.id}/restore", {"reason": "nach Rücksprache"})
    log = page(client.get(f"/spaces/{thread.space_id}/moderation"))
    rows = [text(r) for r in log.select("table tbody tr")]
    assert "Mo Moderation shown again" in rows[0]
    assert "nach Rücksprache" in rows[0]
    assert "Mo Moderation hidden" in rows[1]
    assert "Beleidigung eines Mitglieds" in rows[1]
    assert session.exec(select(func.count()).select_from(ModerationEntry)).one() == 2


def test_moderators_see_no_flags_of_motions_they_may_not_see(client, provider, session, world):
    call = make_call(session, world.state_convention)
    motion = submitted_motion(session, call, world.people["mia"])
    as_member(client, provider, "mia")
    path = client.get(f"/motions/{motion.id}/discussion").headers["location"]
    post(client, f"{path}/comments", {"body": "Geheimer Entwurfstext"})
    secret = session.exec(select(Comment).where(Comment.body == "Geheimer Entwurfstext")).one()
    as_member(client, provider, "bo")  # the screening board sees the submitted motion
    assert post(client, f"/comments/{secret.id}/flag", {"reason": "prüfen"}).status_code == 303
    space_id = session.get(Thread, secret.thread_id).space_id
    as_member(client, provider, "mo")
    queue = client.get(f"/spaces/{space_id}/moderation")
    assert "Geheimer Entwurfstext" not in queue.text
    as_member(client, provider, "gina")  # office staff may see it, and moderate it
    assert "Geheimer Entwurfstext" in client.get(f"/spaces/{space_id}/moderation").text


def test_own_and_hidden_comments(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    as_member(client, provider, "mia")
    assert post(client, f"/comments/{first.id}/flag", {"reason": "meins"}).status_code == 422
    as_member(client, provider, "mo")
    post(client, f"/comments/{first.id}/hide", {"reason": "Ton"})
    as_member(client, provider, "mia")
    assert post(client, f"/comments/{first.id}/delete").status_code == 409
    session.refresh(first)
    assert first.body == "Wie organisieren wir das?"


def test_reading_a_later_page_keeps_earlier_unread_replies(client, provider, session, world):
    from plenum.discuss.service import PAGE_SIZE, read_upto

    thread = topic(session, world.state, world.people["mia"])
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    for n in range(PAGE_SIZE + 2):
        comment(session, thread.id, world.people["mia"], f"Beitrag {n}")
    as_member(client, provider, "ole")
    client.get(f"/threads/{thread.id}?page=1")
    client.get(f"/threads/{thread.id}?page=2")
    reply = comment(session, thread.id, world.people["mia"], "Späte Antwort", reply_to=first.id)
    comment(session, thread.id, world.people["mia"], "Ganz neu")
    client.get(f"/threads/{thread.id}?page=2")  # the last page; the reply sits on page 1
    assert read_upto(world.people["ole"], thread.id, session=session) < reply.seq
    soup = page(client.get(f"/threads/{thread.id}"))
    assert soup.select_one("#new").find_next("article")["id"] == f"c{reply.seq}"


def test_posting_is_rate_limited_with_a_clear_message(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    as_member(client, provider, "ole")
    statuses = [
        post(client, f"/threads/{thread.id}/comments", {"body": f"Nummer {n}"}).status_code
        for n in range(9)
    ]
    assert statuses[:8] == [303] * 8
    assert statuses[8] == 429
    resent = post(client, f"/threads/{thread.id}/comments", {"body": "Nummer 7"})
    assert resent.status_code == 303  # a form sent again is no new comment: not limited
    limited = post(client, f"/threads/{thread.id}/comments", {"body": "Noch einer"})
    soup = page(limited)
    assert "You are writing very fast" in text(soup.select_one(".field-error"))
    assert soup.select_one("#field-body").get_text() == "Noch einer"


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please write something."),
        ("   ", "Please write something."),
        ("x" * 10_001, "A comment can have at most 10,000 characters."),
        ("[klick](javascript:alert(1))", "Links may only point to http, https or mailto"),
        ("<javascript:alert(1)>", "Links may only point to http, https or mailto"),
    ],
)
def test_bad_comments_are_refused_with_the_text_kept(
    client, provider, session, world, body, message
):
    thread = topic(session, world.state, world.people["mia"])
    as_member(client, provider, "ole")
    response = post(client, f"/threads/{thread.id}/comments", {"body": body})
    assert response.status_code == 422
    soup = page(response)
    assert message in text(soup.select_one("#body-error"))
    assert soup.select_one("#field-body").get_text() == body.strip()
    assert session.exec(select(func.count()).select_from(Comment)).one() == 1


def test_a_double_submit_stores_one_comment(client, provider, session, world):
    thread = topic(session, world.state, world.people["mia"])
    as_member(client, provider, "ole")
    form = {"body": "Nur einmal", "key": "form-key-1"}
    first = post(client, f"/threads/{thread.id}/comments", form)
    second = post(client, f"/threads/{thread.id}/comments", form)
    other_tab = post(
        client, f"/threads/{thread.id}/comments", {"body": "Nur einmal", "key": "form-key-2"}
    )
    assert first.headers["location"] == second.headers["location"] == other_tab.headers["location"]
    count = session.exec(
        select(func.count()).select_from(Comment).where(Comment.body == "Nur einmal")
    ).one()
    assert count == 1


def test_the_same_short_reply_to_two_comments_is_two_comments(session, world):
    thread = topic(session, world.state, world.people["mia"])
    first = session.exec(select(Comment).where(Comment.thread_id == thread.id)).one()
    other = comment(session, thread.id, world.people["mia"], "Noch ein Gedanke")
    one = comment(session, thread.id, world.people["ole"], "Ja", reply_to=first.id)
    two = comment(session, thread.id, world.people["ole"], "Ja", reply_to=other.id)
    again = comment(session, thread.id, world.people["ole"], "Ja", reply_to=other.id)
    assert one.id != two.id
    assert again.id == two.id


def test_a_double_submit_opens_one_topic(client, provider, session, world):
    as_member(client, provider, "ole")
    form = {"title": "Doppelt", "body": "Einmal bitte", "key": "topic-key"}
    space = page(client.get("/chapters/lv-nrw/discussion")).select_one("#new-topic form")["action"]
    assert post(client, space, form).status_code == 303
    assert post(client, space, form).status_code == 303
    assert session.exec(select(func.count()).select_from(Thread)).one() == 1


def test_a_bad_topic_keeps_what_was_typed(client, provider, world):
    as_member(client, provider, "ole")
    response = new_topic(client, "/chapters/lv-nrw/discussion", title="", body="Mein Text")
    assert response.status_code == 422
    soup = page(response)
    assert "Please give the topic a title." in text(soup.select_one("#title-error"))
    assert soup.select_one("#field-body").get_text() == "Mein Text"


XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "{{ 7*7 }} %(name)s {name}",
    "<iframe src=//evil.example>",
]


@pytest.mark.parametrize("payload", XSS)
def test_hostile_titles_and_comments_never_become_markup(client, provider, session, world, payload):
    as_member(client, provider, "ole")
    opened = new_topic(client, "/chapters/lv-nrw/discussion", title=payload[:200], body="Text")
    assert opened.status_code == 303
    thread_path = opened.headers["location"]
    post(client, f"{thread_path}/comments", {"body": payload + " ok"})
    as_member(client, provider, "mia")
    for path in (thread_path, "/chapters/lv-nrw/discussion", "/notifications", "/"):
        html = client.get(path).text
        assert live_script_problems(html) == [], path
        if "<" in payload:
            assert payload not in html, path
