"""Posting limits per member for motions, amendments and co-proposer invitations; an
invitation repeated tells the member only once; co-proposers come from the call's
chapter, and the form never tells whether a member number is known."""

from __future__ import annotations

from sqlmodel import func, select

from plenum.motions import limits as pages
from plenum.motions.models import Amendment, Motion, Proposer
from plenum.notify.models import Notification
from tests.support.motions import publish, submitted_motion
from tests.support.web import page, post, text
from tests.web.test_motions import AMENDMENT_FORM, BY_PHONE, MOTION_FORM, PEOPLE, changed

pytest_plugins = ["tests.web.test_motions"]


def count(session, model, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def field_error(response, name: str) -> str:
    found = page(response).select_one(f"#{name}-error")
    return text(found) if found else ""


def new_motion(client, call, **fields: str):
    return post(client, f"/calls/{call.id}/motions/new", MOTION_FORM | {"action": "save"} | fields)


def test_co_proposers_outside_the_chapter_or_unknown_get_one_message_and_no_notice(
    as_person, call, people, session
):
    client = as_person("pia")
    answers = [
        new_motion(client, call, co_proposers=number)
        for number in (PEOPLE["olga"]["member_number"], "999999", "420099")
    ]
    assert [a.status_code for a in answers] == [422, 422, 422]
    messages = {field_error(a, "co_proposers") for a in answers}
    assert messages == {
        "These member numbers cannot be named as co-proposers here. Please check them."
    }
    assert count(session, Motion) == 0
    assert count(session, Notification, Notification.member_id == people["olga"]) == 0
    # a member of the chapter can be named
    assert new_motion(client, call, co_proposers=PEOPLE["mia"]["member_number"]).status_code == 303


def test_naming_a_co_proposer_again_and_again_tells_them_once(as_person, call, people, session):
    client = as_person("pia")
    mia = PEOPLE["mia"]["member_number"]
    path = new_motion(client, call, co_proposers=mia).headers["location"]
    motion = session.exec(select(Motion)).one()
    for round_ in range(8):
        for named in ("", mia):
            form = MOTION_FORM | {"action": "save", "co_proposers": named}
            response = post(
                client, f"{path}/edit", form | {"lock_version": str(2 * round_ + 1 + (named != ""))}
            )
            assert response.status_code == 303
    assert count(session, Notification, Notification.member_id == people["mia"]) == 1
    invited = count(
        session, Proposer, Proposer.motion_id == motion.id, Proposer.member_id == people["mia"]
    )
    assert invited == 1


def test_a_member_starts_at_most_20_motions_an_hour(as_person, call, people, session):
    client = as_person("pia")
    answers = [new_motion(client, call, title=f"Antrag {n}") for n in range(21)]
    assert [a.status_code for a in answers] == [303] * 20 + [422]
    shown = text(page(answers[-1]))
    assert "You have started many motions within an hour. Please try again later." in shown
    assert count(session, Motion) == 20
    # another member is not held back
    assert new_motion(as_person("mia"), call).status_code == 303


def test_amendments_and_invitations_are_limited_per_member(
    as_person, call, people, session, monkeypatch
):
    monkeypatch.setitem(pages.LIMITS, "amendment", ((3, 3600.0), pages.LIMITS["amendment"][1]))
    monkeypatch.setattr(pages, "INVITATION_RATE", (1, 3600.0))
    motion = publish(session, submitted_motion(session, call, people["pia"]), people["sami"])
    client = as_person("max")
    form = AMENDMENT_FORM | {"text": changed(BY_PHONE)}
    path = f"/motions/{motion.id}/amendments/new"
    first = post(client, path, form | {"co_proposers": PEOPLE["mia"]["member_number"]})
    assert first.status_code == 303
    second = post(client, path, form | {"co_proposers": PEOPLE["bo"]["member_number"]})
    assert second.status_code == 422
    assert field_error(second, "co_proposers") == (
        "You have invited many co-proposers within an hour. Please try again later."
    )
    assert post(client, path, form).status_code == 303  # a refused try counted as well
    third = post(client, path, form)
    assert third.status_code == 422
    assert "You have proposed many amendments within an hour." in text(page(third))
    assert count(session, Amendment) == 2
    assert count(session, Notification, Notification.member_id == people["bo"]) == 0


def test_an_invitation_opens_no_draft_to_a_member_of_another_chapter(
    as_person, call, people, session
):
    client = as_person("pia")
    path = new_motion(client, call).headers["location"]
    motion = session.exec(select(Motion)).one()
    # an invitation stored before invitations were limited to the call's chapter
    session.add(Proposer(motion_id=motion.id, member_id=people["olga"], confirmed=False))
    session.add(Proposer(motion_id=motion.id, member_id=people["mia"], confirmed=False))
    session.commit()
    assert as_person("olga").get(path).status_code == 404
    shown = page(as_person("mia").get(path))
    assert shown.select_one("#invitation") is not None
