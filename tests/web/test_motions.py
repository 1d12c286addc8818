"""Motions as members meet them through HTTP: forms, drafts, support, the lifecycle,
amendments, collisions, merging, resolutions, hostile input and the CSV list.

Members read the site in English here, so messages are the catalogue ids; what is
checked is what a member sees (CSS selectors on the page) and what is stored.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from datetime import date, timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from plenum.clock import utcnow
from plenum.discuss import access as discuss_access
from plenum.discuss import service as discuss_service
from plenum.errors import DomainError
from plenum.motions import amendments, forms, resolutions, service
from plenum.motions.models import (
    Amendment,
    Consultation,
    Motion,
    MotionVersion,
    Resolution,
    StatusChange,
    Support,
)
from plenum.motions.wording import localtime
from tests.support.factories import claims, structure
from tests.support.motions import (
    CALL_FORM,
    MOTION_TEXT,
    amend,
    make_call,
    publish,
    submitted_motion,
    who,
)
from tests.support.web import (
    asked,
    confirm,
    english,
    enrol,
    live_script_problems,
    log_in_as,
    page,
    post,
    text,
)

PEOPLE = {
    "pia": claims("pia", name="Pia Antrag", number="420001"),
    "mia": claims("mia", name="Mia Mitglied", number="420002"),
    "max": claims("max", name="Max Mitglied", number="420003"),
    "bo": claims("bo", name="Bo Vorstand", groups=("lv-nrw-vorstand",), number="420004"),
    "sami": claims("sami", name="Sami Staff", groups=("lv-nrw-geschaeftsstelle",)),
    "olga": claims("olga", name="Olga Sachsen", chapter="lv-sachsen", number="420006"),
}
CONVENTION = "/bodies/lv-nrw-convention"
MOTION_FORM = {
    "title": "Mehr Teilhabe",
    "type": "motion",
    "group_name": "",
    "text": MOTION_TEXT,
    "reasons": "Weil viele abends nicht können.",
    "amount": "",
    "cost_centre": "",
    "co_proposers": "",
    "lock_version": "0",
}
AMENDMENT_FORM = {
    "title": "Auch per Telefon",
    "group_name": "",
    "reasons": "",
    "co_proposers": "",
    "lock_version": "0",
    "mode": "",
    "action": "submit",
}
# Three changes of MOTION_TEXT; as it is laid out at 80 characters they touch line 5,
# line 9 and line 3.
BY_PHONE = ("Teilnahme per Video an.", "Teilnahme per Video und Telefon an.")
VIDEO_CALL = ("Teilnahme per Video an.", "Teilnahme per Videokonferenz an.")
IN_PERSON = ("Teilnahme per Video an.", "Teilnahme vor Ort an.")
PRINTED = ("online zugänglich", "online und gedruckt zugänglich")
WEEKENDS = ("abends Kinder", "abends oder am Wochenende Kinder")
MORE_MONEY = ("3.000 €", "5.000 €")


def changed(*replacements: tuple[str, str]) -> str:
    result = MOTION_TEXT
    for old, new in replacements:
        assert old in result
        result = result.replace(old, new)
    return result


@pytest.fixture
def org(session):
    return structure(session)


@pytest.fixture
def people(session, settings, org) -> dict[str, int]:
    return {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}


@pytest.fixture
def as_person(client, provider, people):
    def switch(name: str) -> TestClient:
        log_in_as(client, provider, name, PEOPLE[name])
        return english(client)

    return switch


@pytest.fixture
def call(session, org) -> Consultation:
    return make_call(session, org.state_convention)


@pytest.fixture
def motion(session, call, people) -> Motion:
    """Pia's motion, published by the office."""
    return publish(session, submitted_motion(session, call, people["pia"]), people["sami"])


def step(session, motion: Motion, name: str, actor: int, **values) -> Motion:
    place = service.call_place(motion.consultation_id, session=session)
    data = forms.TransitionInput(**values)
    return service.transition(
        motion, place, name, data, principal=who(session, actor), session=session
    )


def amendment_step(session, amendment: Amendment, name: str, actor: int, **values) -> None:
    ap = amendments.amendment_place(amendment.id or 0, session=session)
    data = forms.TransitionInput(**values)
    amendments.transition(ap, name, data, principal=who(session, actor), session=session)


def adopted(session, motion, people, member: str, *replacements, title: str = "Änderung"):
    """An amendment by ``member``, published by the board and adopted by the office."""
    amendment = amend(session, motion, people[member], changed(*replacements), title)
    amendment_step(session, amendment, "publish", people["bo"])
    amendment_step(session, amendment, "decide", people["sami"], outcome="adopted")
    return amendment


def field_error(shown, name: str) -> str:
    """The message shown inside the field ``name`` ("" when there is none)."""
    field = shown.select_one(f".field:has(> #field-{name})")
    assert field is not None, name
    error = field.select_one(".field-error")
    return text(error) if error else ""


def history_of(shown) -> list[str]:
    """The history as shown, without the time: "Published (Sami Staff)"."""
    entries = [" ".join(li.get_text().split()) for li in shown.select("ol.history li")]
    return [re.sub(r"^\S+ \S+ – ", "", entry) for entry in entries]


def count(session, model) -> int:
    session.expire_all()
    return len(session.exec(select(model)).all())


# --- the call form --------------------------------------------------------------------------


def test_a_bad_call_form_says_what_is_wrong_beside_each_field_and_keeps_the_input(
    as_person, session
):
    client = as_person("sami")
    typed = {name: value for name, value in CALL_FORM.items() if not name.startswith("type_")}
    typed |= {
        "title": "",
        "description": "Bitte pünktlich einreichen.",
        "line_length": "10",
        "motion_deadline": "2099-03-15T18:00",
        "amendment_deadline": "2099-03-01T18:00",
    }
    response = post(client, CONVENTION + "/calls/new", typed)

    assert response.status_code == 422
    shown = page(response)
    assert field_error(shown, "title") == "Please enter a title."
    assert field_error(shown, "line_length") == "Please enter a whole number from 40 to 200."
    assert field_error(shown, "amendment_deadline") == (
        "The deadline for amendments cannot be before the one for motions."
    )
    types = shown.select_one("fieldset:has(#field-type_motion) .field-error")
    assert text(types) == "Please choose at least one type of motion."
    assert {e["id"] for e in shown.select(".field-error")} == {
        "title-error",
        "line_length-error",
        "amendment_deadline-error",
        "type_motion-error",
    }
    assert shown.select_one("#field-line_length")["value"] == "10"
    assert shown.select_one("#field-line_length")["aria-invalid"] == "true"
    assert shown.select_one("#field-motion_deadline")["value"] == "2099-03-15T18:00"
    assert shown.select_one("#field-description").get_text() == "Bitte pünktlich einreichen."
    assert shown.select_one("#field-submitter_members").has_attr("checked")
    assert count(session, Consultation) == 0


# --- writing a motion -----------------------------------------------------------------------


def test_a_motion_without_title_or_text_is_refused_and_the_typing_kept(as_person, call, session):
    client = as_person("mia")
    path = f"/calls/{call.id}/motions/new"

    no_title = post(client, path, MOTION_FORM | {"title": " ", "action": "draft"})
    assert no_title.status_code == 422
    shown = page(no_title)
    assert field_error(shown, "title") == "Please enter a title."
    assert field_error(shown, "text") == ""
    assert "Kinderbetreuung stellt der Landesverband" in shown.select_one("#field-text").get_text()
    assert shown.select_one("#field-reasons").get_text() == MOTION_FORM["reasons"]

    no_text = post(client, path, MOTION_FORM | {"text": "  \n ", "action": "submit"})
    assert no_text.status_code == 422
    shown = page(no_text)
    assert field_error(shown, "text") == "Please enter the text."
    assert shown.select_one("#field-title")["value"] == "Mehr Teilhabe"
    assert count(session, Motion) == 0


def test_the_preview_numbers_the_lines_and_stores_nothing(as_person, call, session):
    client = as_person("mia")
    response = post(client, f"/calls/{call.id}/motions/new", MOTION_FORM | {"action": "preview"})

    assert response.status_code == 200
    shown = page(response)
    numbers = [text(n) for n in shown.select(".motion-text .line-number")]
    assert numbers == [str(n) for n in range(1, 11)]
    assert "per Video an." in text(shown.select_one("#line-5"))
    assert shown.select_one("#field-text").get_text().startswith("Der Landesrat möge")
    assert count(session, Motion) == 0


def test_a_draft_is_seen_only_by_its_proposer_and_can_be_continued(as_person, call, session):
    client = as_person("pia")
    response = post(client, f"/calls/{call.id}/motions/new", MOTION_FORM | {"action": "draft"})
    assert response.status_code == 303
    motion_path = response.headers["location"]
    shown = page(client.get(motion_path))
    assert "status-draft" in shown.select_one("dd.status")["class"]
    assert shown.select_one("h1 .number") is None
    drafts = page(client.get(f"/calls/{call.id}")).select("#drafts-title + ul a")
    assert [(a.get_text(), a["href"]) for a in drafts] == [("Mehr Teilhabe", f"{motion_path}/edit")]

    client = as_person("mia")
    assert client.get(motion_path).status_code == 404
    listing = page(client.get(f"/calls/{call.id}"))
    assert listing.select("#drafts-title") == []
    assert listing.select(".motion-table") == []

    client = as_person("pia")
    form = page(client.get(f"{motion_path}/edit"))
    assert form.select_one("#field-title")["value"] == "Mehr Teilhabe"
    assert "per Video an." in form.select_one("#field-text").get_text()
    version = form.select_one("input[name=lock_version]")["value"]
    saved = post(
        client,
        f"{motion_path}/edit",
        MOTION_FORM
        | {"title": "Mehr Teilhabe für alle", "lock_version": version, "action": "draft"},
    )
    assert saved.status_code == 303
    shown = page(client.get(motion_path))
    assert text(shown.select_one("h1")) == "Mehr Teilhabe für alle"
    assert "status-draft" in shown.select_one("dd.status")["class"]


def test_submitting_numbers_the_motions_of_each_type(as_person, call, session):
    client = as_person("pia")
    path = f"/calls/{call.id}/motions/new"
    numbers = []
    for form in (
        MOTION_FORM | {"title": "Erster"},
        MOTION_FORM | {"title": "Zweiter"},
        MOTION_FORM
        | {"title": "Geld", "type": "finance", "amount": "2.500", "cost_centre": "4711"},
    ):
        response = post(client, path, form | {"action": "submit"})
        assert response.status_code == 303, response.text
        shown = page(client.get(response.headers["location"]))
        numbers.append(text(shown.select_one("h1 .number")))
    assert numbers == ["A1", "A2", "F1"]
    finance = page(client.get(response.headers["location"]))
    assert "2.500 €" in text(finance.select_one("dl.facts"))


def test_a_save_over_someone_elses_save_is_refused_and_shows_both(
    app, as_person, provider, call, people, session
):
    """The proposer has the draft open in two windows (or with a co-proposer)."""
    draft = service.save_draft(
        service.call_place(call.id or 0, session=session),
        forms.parse_motion(MOTION_FORM, ("motion",)),
        principal=who(session, people["pia"]),
        session=session,
    )
    first = as_person("pia")
    edit = f"/motions/{draft.id}/edit"
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as second:
        log_in_as(second, provider, "pia", PEOPLE["pia"])
        english(second)
        first_version = page(first.get(edit)).select_one("input[name=lock_version]")["value"]
        second_version = page(second.get(edit)).select_one("input[name=lock_version]")["value"]
        assert first_version == second_version

        mine = changed(WEEKENDS)
        saved = post(
            first,
            edit,
            MOTION_FORM | {"text": mine, "lock_version": first_version, "action": "draft"},
        )
        assert saved.status_code == 303

        theirs = changed(MORE_MONEY)
        refused = post(
            second,
            edit,
            MOTION_FORM | {"text": theirs, "lock_version": second_version, "action": "draft"},
        )
        assert refused.status_code == 409
        shown = page(refused)
        assert "am Wochenende" in shown.select_one(".stale").get_text()
        assert "5.000 €" in shown.select_one("#field-text").get_text()
        assert "am Wochenende" not in shown.select_one("#field-text").get_text()
        session.expire_all()
        assert "am Wochenende" in session.get(Motion, draft.id).text

        # the refused form carries the new version: saving again is a deliberate overwrite
        again = shown.select_one("input[name=lock_version]")["value"]
        resaved = post(
            second, edit, MOTION_FORM | {"text": theirs, "lock_version": again, "action": "draft"}
        )
        assert resaved.status_code == 303
        session.expire_all()
        assert "5.000 €" in session.get(Motion, draft.id).text


# --- support ----------------------------------------------------------------------------------


def test_a_motion_collects_supporters_until_it_has_enough(as_person, org, people, session):
    call = make_call(session, org.state_convention, supporters_required=2)
    motion = submitted_motion(session, call, people["pia"])
    path = f"/motions/{motion.id}"

    client = as_person("pia")
    shown = page(client.get(path))
    assert "status-collecting" in shown.select_one("dd.status")["class"]
    assert text(shown.select_one("#support-title + p")) == "Supporters: 0 of 2"
    assert shown.select(f"form[action='{path}/support']") == []
    refused = post(client, f"{path}/support", {})
    assert refused.status_code == 409
    assert "Proposers cannot support what they proposed." in text(page(refused))

    client = as_person("olga")  # a member of another state does not even see it
    assert post(client, f"{path}/support", {}).status_code == 404

    client = as_person("mia")
    assert post(client, f"{path}/support", {}).status_code == 303
    shown = page(client.get(path))
    assert text(shown.select_one("#support-title + p")) == "Supporters: 1 of 2"
    assert [text(li) for li in shown.select("#support .inline-list li")] == ["Mia Mitglied"]
    assert text(shown.select_one("#support button")) == "Withdraw my support"
    row = page(client.get(f"/calls/{call.id}")).select_one(".motion-table tbody tr")
    assert "(1/2)" in text(row)

    client = as_person("max")
    assert post(client, f"{path}/support", {}).status_code == 303
    session.expire_all()
    assert session.get(Motion, motion.id).status == "submitted"
    assert count(session, Support) == 2


def test_supporters_keep_what_they_supported(as_person, org, people, session):
    """The last support needed sends the motion to screening; its supporters stay on it,
    read it while it is screened, are told of each new status, and may take their support
    back only until the deadline. Members who did not support it do not see it then."""
    from plenum.notify.models import Notification

    call = make_call(session, org.state_convention, supporters_required=2)
    motion = submitted_motion(session, call, people["pia"])
    path = f"/motions/{motion.id}"
    for name in ("mia", "max"):
        client = as_person(name)
        answer = post(client, f"{path}/support", {})
        assert (answer.status_code, answer.headers["location"]) == (303, path)
    session.expire_all()
    assert session.get(Motion, motion.id).status == "submitted"

    shown = page(client.get(path))  # max, whose support sent it to screening
    assert "status-submitted" in shown.select_one("dd.status")["class"]
    assert "You support this motion" in text(shown.select_one("#support [role=status]"))
    assert "goes to screening" in text(shown)
    assert as_person("olga").get(path).status_code == 404  # not hers to see
    client = as_person("mia")
    assert client.get(path).status_code == 200

    sami = as_person("sami")
    assert post(sami, f"{path}/steps/screen", {}).status_code == 303
    session.expire_all()
    told = session.exec(select(Notification).where(Notification.member_id == people["mia"])).all()
    # told twice: enough supporters (to screening), then screened
    assert [n.message for n in told] == [
        "Motion %(number)s “%(title)s”, which you support: %(what_label)s"
    ] * 2
    said = [json.loads(n.params)["what_label"] for n in told]
    assert said == ["submitted, now being screened", "screened"]
    client = as_person("mia")
    assert "status-screened" in page(client.get(path)).select_one("dd.status")["class"]

    call = session.get(type(call), call.id)
    call.motion_deadline = utcnow() - timedelta(minutes=1)
    session.add(call)
    session.commit()
    late = make_call(session, org.state_convention, supporters_required=3)
    other = submitted_motion(session, late, people["pia"])
    post(client, f"/motions/{other.id}/support", {})
    late = session.get(type(late), late.id)
    late.motion_deadline = utcnow() - timedelta(minutes=1)
    session.add(late)
    session.commit()
    shown = page(client.get(f"/motions/{other.id}"))
    assert shown.select(f"form[action='/motions/{other.id}/support']") == []
    assert "can no longer be withdrawn" in text(shown.select_one("#support"))
    refused = post(client, f"/motions/{other.id}/support", {})
    assert refused.status_code == 409
    assert "only until the deadline" in text(page(refused))
    assert count(session, Support) == 3  # two for the first motion, one kept here


def test_supporters_keep_the_amendment_they_supported(as_person, org, people, session):
    call = make_call(session, org.state_convention)
    motion = publish(session, submitted_motion(session, call, people["pia"]), people["sami"])
    call = session.get(type(call), call.id)
    call.supporters_required = 1
    session.add(call)
    session.commit()
    amendment = amend(session, motion, people["pia"], MOTION_TEXT + "\n\nNeu.")
    path = f"/amendments/{amendment.id}"
    client = as_person("mia")
    answer = post(client, f"{path}/support", {})
    assert (answer.status_code, answer.headers["location"]) == (303, path)
    shown = page(client.get(path))
    assert "You support this amendment" in text(shown.select_one("#support [role=status]"))
    assert as_person("max").get(path).status_code == 404  # submitted: board and backers only


# --- the lifecycle ----------------------------------------------------------------------------


def test_inadmissible_needs_a_reason_which_the_proposer_then_sees(as_person, call, people, session):
    motion = submitted_motion(session, call, people["pia"])
    path = f"/motions/{motion.id}"

    client = as_person("bo")
    missing = post(client, f"{path}/steps/inadmissible", {"note": ""})
    assert missing.status_code == 422
    assert text(page(missing).select_one("#step-inadmissible .field-error")) == (
        "Please give the reason."
    )
    session.expire_all()
    assert session.get(Motion, motion.id).status == "submitted"
    given = post(
        client, f"{path}/steps/inadmissible", {"note": "Der Landesrat ist nicht zuständig."}
    )
    assert given.status_code == 303

    client = as_person("pia")
    shown = page(client.get(path))
    assert text(shown.select_one("dd.status")) == "Inadmissible: Der Landesrat ist nicht zuständig."
    assert history_of(shown) == [
        "Draft (Pia Antrag)",
        "Submitted (Pia Antrag)",
        "Inadmissible (Bo Vorstand): Der Landesrat ist nicht zuständig.",
    ]
    assert shown.select("#steps") == []

    client = as_person("mia")  # members do not see inadmissible motions
    assert client.get(path).status_code == 404


def test_the_proposer_withdraws_and_the_history_names_who_did_what(as_person, motion, session):
    path = f"/motions/{motion.id}"
    client = as_person("pia")
    assert [f["id"] for f in page(client.get(path)).select("#steps form")] == ["step-withdraw"]
    question = asked(client, f"{path}/steps/withdraw", {"note": "Hat sich erledigt."})
    assert text(question.select_one("h1")) == f"Withdraw the motion “{motion.title}”?"
    assert "status-published" in page(client.get(path)).select_one("dd.status")["class"]
    assert confirm(client, question).status_code == 303  # the reason typed goes along

    shown = page(client.get(path))
    assert "status-withdrawn" in shown.select_one("dd.status")["class"]
    assert history_of(shown) == [
        "Draft (Pia Antrag)",
        "Submitted (Pia Antrag)",
        "Published (Sami Staff)",
        "Withdrawn (Pia Antrag): Hat sich erledigt.",
    ]
    # each step with its time in party time (Europe/Berlin), as everywhere else
    changes = session.exec(select(StatusChange).order_by(StatusChange.id)).all()
    times = [text(t) for t in shown.select("ol.history li time")]
    assert times == [localtime(change.created_at) for change in changes]


def test_the_proposer_is_notified_with_a_badge_until_read(as_person, call, people, session):
    motion = submitted_motion(session, call, people["pia"])
    client = as_person("bo")
    assert post(client, f"/motions/{motion.id}/steps/screen", {}).status_code == 303

    client = as_person("pia")
    badge = page(client.get("/")).select_one("a[href='/notifications'] .badge")
    assert badge is not None
    assert text(badge) == "1 unread"
    listing = page(client.get("/notifications"))
    items = listing.select(".notification-list li.unread")
    assert len(items) == 1
    link = items[0].select_one("a")
    assert link["href"] == f"/motions/{motion.id}"
    assert text(link) == "Your motion A1 “Teilhabe für Menschen mit wenig Zeit”: screened"
    assert items[0].select_one("time").text == "just now"

    assert post(client, "/notifications/read", {}).status_code == 303
    assert page(client.get("/")).select_one("a[href='/notifications'] .badge") is None
    assert page(client.get("/notifications")).select(".notification-list li.unread") == []


# --- amendments -------------------------------------------------------------------------------


def amendment_path(motion: Motion) -> str:
    return f"/motions/{motion.id}/amendments/new"


def test_an_amendment_that_changes_nothing_is_refused_with_the_typing_kept(
    as_person, motion, session
):
    client = as_person("mia")
    current = page(client.get(amendment_path(motion))).select_one("#field-text").get_text()
    response = post(
        client, amendment_path(motion), AMENDMENT_FORM | {"title": "Nichts", "text": current}
    )
    assert response.status_code == 422
    shown = page(response)
    assert field_error(shown, "text") == "This amendment changes nothing in the motion."
    assert shown.select_one("#field-title")["value"] == "Nichts"
    assert shown.select_one("#field-text").get_text().strip() == current.strip()
    assert count(session, Amendment) == 0


def test_after_the_amendment_deadline_amendments_are_refused(as_person, call, motion, session):
    call = session.get(Consultation, call.id)
    call.motion_deadline = utcnow() - timedelta(days=2)
    call.amendment_deadline = utcnow() - timedelta(minutes=1)
    session.add(call)
    session.commit()

    client = as_person("mia")
    assert page(client.get(f"/motions/{motion.id}")).select("a[href$='/amendments/new']") == []
    response = post(client, amendment_path(motion), AMENDMENT_FORM | {"text": changed(BY_PHONE)})
    assert response.status_code == 422
    assert text(page(response).select_one(".error-summary")) == (
        "The deadline for amendments has passed."
    )
    assert page(response).select_one("#field-title")["value"] == "Auch per Telefon"
    assert count(session, Amendment) == 0


@pytest.mark.parametrize(
    ("name", "values"),
    [("withdraw", {}), ("decide", {"outcome": "rejected"})],
    ids=["withdrawn", "decided"],
)
def test_a_motion_no_longer_open_takes_no_amendments(
    as_person, motion, people, session, name, values
):
    actor = people["pia"] if name == "withdraw" else people["sami"]
    step(session, motion, name, actor, **values)
    client = as_person("mia")
    assert page(client.get(f"/motions/{motion.id}")).select("a[href$='/amendments/new']") == []
    response = post(client, amendment_path(motion), AMENDMENT_FORM | {"text": changed(BY_PHONE)})
    assert response.status_code == 422
    assert text(page(response).select_one(".error-summary")) == (
        "Amendments can only be made to a published motion that is open."
    )
    assert count(session, Amendment) == 0


def test_an_amendment_written_paragraph_by_paragraph_is_the_same_as_one_written_whole(
    as_person, motion, session
):
    client = as_person("mia")
    form = page(client.get(amendment_path(motion) + "?mode=paragraphs"))
    assert form.select_one("#field-text") is None
    paragraphs = {t["name"]: t.get_text() for t in form.select("textarea[name^=para_]")}
    assert list(paragraphs) == [f"para_{i}" for i in range(7)]
    # The boxes hold the words; each block's marker ("1. ", "   - ") rides in a hidden field.
    assert paragraphs["para_2"] == "Jede Regionalkonferenz bietet eine Teilnahme per Video an."
    marks = {i["name"]: i["value"] for i in form.select("input[name^=mark_]")}
    assert [marks[f"mark_{i}"] for i in range(7)] == ["", "", "1. ", "2. ", "   - ", "   - ", ""]
    assert text(form.select_one("label[for=field-para_2]")) == "Paragraph 3 · line 5 · item 1."
    paragraphs["para_2"] = paragraphs["para_2"].replace(*BY_PHONE)
    by_paragraph = post(
        client,
        amendment_path(motion),
        AMENDMENT_FORM | {"mode": "paragraphs", "title": "Absatzweise"} | paragraphs | marks,
    )
    assert by_paragraph.status_code == 303, text(page(by_paragraph))[:600]

    current = page(client.get(amendment_path(motion))).select_one("#field-text").get_text()
    whole = post(
        client,
        amendment_path(motion),
        AMENDMENT_FORM | {"title": "Im Ganzen", "text": current.replace(*BY_PHONE)},
    )
    assert whole.status_code == 303

    first, second = session.exec(select(Amendment).order_by(Amendment.sequence)).all()
    assert json.loads(first.changes) == json.loads(second.changes)
    assert (first.first_line, first.last_line) == (second.first_line, second.last_line) == (5, 5)
    assert first.text == second.text
    shown = [page(client.get(f"/amendments/{a.id}")) for a in (first, second)]
    instructions = [[text(li) for li in s.select(".instructions li")] for s in shown]
    assert instructions[0] == instructions[1] == ["In line 5 after “Video” insert: “und Telefon”"]


def test_amending_line_5_opens_its_paragraph_in_one_step(as_person, motion):
    """The motion page asks for a line; the form opens paragraph by paragraph with the
    focus in the paragraph that holds it, each paragraph named by its lines."""
    client = as_person("mia")
    motion_page = page(client.get(f"/motions/{motion.id}"))
    ask = motion_page.select_one("form.amend-at-line")
    assert ask["method"] == "get"
    assert ask["action"] == amendment_path(motion)
    assert ask.select_one("input[name=line]")["type"] == "number"

    form = page(client.get(amendment_path(motion) + "?line=5"))
    chosen = form.select_one("textarea[autofocus]")
    assert chosen["name"] == "para_2"
    assert chosen.get_text().endswith("per Video an.")
    label = text(form.select_one("label[for=field-para_2]"))
    assert label == "Paragraph 3 · line 5 · item 1."
    assert "line 5" in text(form.select_one(f"#{chosen['aria-describedby']}"))
    assert form.select_one(".original .motion-text #line-5") is not None  # the original beside
    for wrong in ("0", "99999", "x", "-1"):  # no paragraph holds it: the form as usual
        shown = page(client.get(amendment_path(motion) + f"?line={wrong}"))
        assert shown.select_one("textarea[autofocus]") is None


def test_a_pasted_amendment_that_splits_a_paragraph_says_exactly_that(as_person, motion, session):
    """Pasted with decomposed umlauts (as from a Mac or a PDF): stored in NFC, and the only
    instruction is the split with its changed words."""
    client = as_person("mia")
    current = page(client.get(amendment_path(motion))).select_one("#field-text").get_text()
    split = current.replace("können, auch wenn", "können.\n\nAuch wenn")
    pasted = unicodedata.normalize("NFD", split)
    assert pasted != split
    response = post(client, amendment_path(motion), AMENDMENT_FORM | {"text": pasted})
    assert response.status_code == 303, text(page(response))[:600]

    [amendment] = session.exec(select(Amendment)).all()
    assert amendment.text == unicodedata.normalize("NFC", amendment.text)
    shown = page(client.get(response.headers["location"]))
    assert [text(li) for li in shown.select(".instructions li")] == [
        "In line 3 replace “können, auch” with “können. ¶ Auch”."
    ]


def test_amendments_changing_the_same_words_are_marked_as_colliding(
    as_person, motion, people, session
):
    video = amend(session, motion, people["mia"], changed(VIDEO_CALL), "Videokonferenz")
    in_person = amend(session, motion, people["max"], changed(IN_PERSON), "Vor Ort")
    printed = amend(session, motion, people["mia"], changed(PRINTED), "Gedruckt")

    client = as_person("bo")
    items = page(client.get(f"/motions/{motion.id}")).select("li.amendment-item")
    marks = {
        text(item.select_one("h3 a")): text(item.select_one(".collision"))
        if item.select_one(".collision")
        else ""
        for item in items
    }
    assert marks == {
        video.number: f"Collides with: {in_person.number}",
        in_person.number: f"Collides with: {video.number}",
        printed.number: "",
    }
    assert all("collides" in item["class"] for item in items if item.select_one(".collision"))


def test_amendments_are_listed_by_first_line_and_can_be_filtered_to_the_open_ones(
    as_person, motion, people, session
):
    late = amend(session, motion, people["mia"], changed(PRINTED), "Gedruckt")
    early = amend(session, motion, people["mia"], changed(WEEKENDS), "Wochenende")
    middle = amend(session, motion, people["max"], changed(MORE_MONEY), "Mehr Geld")
    for amendment in (late, early, middle):
        amendment_step(session, amendment, "publish", people["bo"])
    amendment_step(session, middle, "decide", people["sami"], outcome="rejected")

    client = as_person("mia")
    path = f"/motions/{motion.id}"
    listed = [text(a) for a in page(client.get(path)).select("li.amendment-item h3 a")]
    assert listed == [early.number, middle.number, late.number]
    assert [early.first_line, middle.first_line, late.first_line] == [3, 6, 9]
    still_open = page(client.get(path + "?filter=open"))
    assert [text(a) for a in still_open.select("li.amendment-item h3 a")] == [
        early.number,
        late.number,
    ]
    fragment = client.get(path + "?filter=open", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert len(page(fragment).select("li.amendment-item")) == 2


def test_the_numbered_text_shows_amendments_and_quoting_comments_at_their_lines(
    as_person, motion, people, session
):
    early = amend(session, motion, people["mia"], changed(WEEKENDS), "Wochenende")
    amendment_step(session, early, "publish", people["bo"])
    where = discuss_access.motion_thread(
        service.motion_place(motion.id, session=session), session=session
    )
    for quoted in ((3, 4), (3, 3), (5, 5)):
        principal = who(session, people["max"])
        allowed = discuss_access.thread_access(principal, where, session=session)
        data = discuss_service.CommentInput(
            body=f"Zu den Zeilen {quoted}", quote_first=quoted[0], quote_last=quoted[1]
        )
        discuss_service.post_comment(where, allowed, data, principal=principal, session=session)
    session.commit()

    shown = page(as_person("mia").get(f"/motions/{motion.id}"))

    note = shown.select_one("#line-3 .line-notes a.line-note-amendment")
    assert note["href"] == f"/amendments/{early.id}"
    short = early.number.rsplit("-", 1)[-1]
    assert text(note) == f"{short} Amendment {early.number} starts here"
    quotes = shown.select_one("#line-3 .line-notes a.line-note-quotes")
    assert quotes["href"] == f"/threads/{where.thread.id}"
    assert text(quotes) == "2 comments quote this line"
    assert text(shown.select_one("#line-5 a.line-note-quotes")) == "1 comment quotes this line"
    assert shown.select("#line-4 .line-notes") == []


def test_the_motion_page_shows_the_latest_comments_and_takes_a_reply(
    as_person, motion, people, session
):
    client = as_person("mia")
    empty = page(client.get(f"/motions/{motion.id}")).select_one("#latest-comments")
    assert text(empty.select_one(".empty")) == "No comments yet."
    where = discuss_access.motion_thread(
        service.motion_place(motion.id, session=session), session=session
    )
    principal = who(session, people["max"])
    allowed = discuss_access.thread_access(principal, where, session=session)
    for n in range(1, 5):
        data = discuss_service.CommentInput(body=f"Beitrag **{n}**")
        discuss_service.post_comment(where, allowed, data, principal=principal, session=session)
    session.commit()

    shown = page(client.get(f"/motions/{motion.id}")).select_one("#latest-comments")
    items = shown.select("ol.cards > li")
    assert [text(li.select_one(".prose")) for li in items] == [
        "Beitrag 4",
        "Beitrag 3",
        "Beitrag 2",
    ]
    assert items[0].select_one("a")["href"] == f"/threads/{where.thread.id}?at=4#c4"
    form = shown.select_one("form#reply-here")
    assert form["action"] == f"/threads/{where.thread.id}/comments"
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    answer = post(client, form["action"], {"key": fields["key"], "body": "Von der Antragsseite"})
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("#c5")
    again = page(client.get(f"/motions/{motion.id}")).select_one("#latest-comments")
    assert text(again.select_one("ol.cards > li .prose")) == "Von der Antragsseite"


def test_numbering_by_line_names_the_first_changed_line(as_person, org, people, session):
    call = make_call(session, org.state_convention, amendment_numbering="by_line")
    motion = publish(session, submitted_motion(session, call, people["pia"]), people["sami"])
    client = as_person("mia")
    numbers = []
    for title, replacement in (("Wochenende", WEEKENDS), ("Auch Sonntags", WEEKENDS)):
        response = post(
            client,
            amendment_path(motion),
            AMENDMENT_FORM | {"title": title, "text": changed(replacement)},
        )
        assert response.status_code == 303
        numbers.append(
            text(page(client.get(response.headers["location"])).select_one("h1 .number"))
        )
    assert numbers == ["A1-003", "A1-003-2"]


# --- a recommendation in modified form ------------------------------------------------------


def accept(client, path: str):
    """Accept the modified text shown on the page (the form says which version was read)."""
    form = page(client.get(path)).select_one(f"form[action='{path}/accept']")
    return post(
        client, f"{path}/accept", {"lock_version": form.select_one("[name=lock_version]")["value"]}
    )


def test_the_board_recommends_a_modified_text_the_proposer_accepts_and_it_is_merged(
    as_person, motion, people, session
):
    amendment = amend(session, motion, people["mia"], changed(BY_PHONE), "Telefon")
    amendment_step(session, amendment, "publish", people["bo"])
    path = f"/amendments/{amendment.id}"
    modified = changed(("Teilnahme per Video an.", "Teilnahme per Video und Telefonkonferenz an."))

    client = as_person("bo")
    missing = post(client, f"{path}/steps/recommend", {"recommendation": "adopt_modified"})
    assert missing.status_code == 422
    assert text(page(missing).select_one("#step-recommend .field-error")) == (
        "Please give the modified text."
    )
    given = post(
        client,
        f"{path}/steps/recommend",
        {"recommendation": "adopt_modified", "modified_text": modified, "note": "Kürzer"},
    )
    assert given.status_code == 303

    client = as_person("mia")
    shown = page(client.get(path))
    panel = shown.select_one("section:has(#modified-title)")
    assert [" ".join(i.get_text().split()) for i in panel.select("ins")] == [
        "[inserted: und Telefonkonferenz]"
    ]
    assert accept(client, path).status_code == 303
    shown = page(client.get(path))
    assert "accepted by the proposers" in text(shown.select_one("dl.facts"))
    assert shown.select(f"form[action='{path}/accept']") == []

    client = as_person("sami")
    assert post(client, f"{path}/steps/decide", {"outcome": "adopted"}).status_code == 303
    preview = post(
        client,
        f"/motions/{motion.id}/merge",
        [
            ("amendment", str(amendment.id)),
            ("action", "preview"),
            ("text", ""),
            ("expected_version", ""),
        ],
    )
    merged = page(preview).select_one("textarea[name=text]").get_text()
    assert "per Video und Telefonkonferenz an." in merged
    assert "per Video und Telefon an." not in merged


def test_a_motion_adopted_in_modified_form_keeps_the_modified_text_as_new_version(
    as_person, motion, people, session
):
    path = f"/motions/{motion.id}"
    modified = changed(("Teilnahme per Video an.", "Teilnahme per Video oder Telefon an."))
    client = as_person("bo")
    given = post(
        client,
        f"{path}/steps/recommend",
        {"recommendation": "adopt_modified", "modified_text": modified},
    )
    assert given.status_code == 303

    client = as_person("pia")
    panel = page(client.get(path)).select_one("section:has(#modified-title)")
    assert "oder Telefon" in text(panel.select_one("ins"))
    assert accept(client, path).status_code == 303

    client = as_person("sami")
    decided = post(
        client,
        f"{path}/steps/decide",
        {"outcome": "adopted_modified", "decided_on": "2099-03-20"},
    )
    assert decided.status_code == 303
    session.expire_all()
    versions = session.exec(select(MotionVersion).order_by(MotionVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert "per Video oder Telefon an." in versions[1].text
    resolution = session.exec(select(Resolution)).one()
    assert "per Video oder Telefon an." in resolution.text
    assert resolution.outcome == "adopted with changes"


# --- merging --------------------------------------------------------------------------------


def merge(
    client, motion: Motion, chosen, action: str, text_: str = "", expected: str = "", resolved=()
):
    form = [("amendment", str(a.id)) for a in chosen]
    form += [("resolved", str(a.id)) for a in resolved]
    form += [("action", action), ("text", text_), ("expected_version", expected)]
    return post(client, f"/motions/{motion.id}/merge", form)


def test_merging_in_stages_keeps_every_version_and_shows_collisions_side_by_side(
    as_person, motion, people, session
):
    video = adopted(session, motion, people, "mia", VIDEO_CALL, title="Videokonferenz")
    in_person = adopted(session, motion, people, "max", IN_PERSON, title="Vor Ort")
    printed = adopted(session, motion, people, "mia", PRINTED, title="Gedruckt")
    client = as_person("sami")

    # all three at once: two merge, the colliding one is shown beside the current text
    shown = page(client.get(f"/motions/{motion.id}/merge"))
    conflicts = shown.select_one(".conflicts")
    assert [text(h) for h in conflicts.select("h3")] == [f"{in_person.number}: Vor Ort"]
    now, wanted = conflicts.select(".side-by-side > div")
    assert "per Videokonferenz" in text(now)
    assert "vor Ort" in text(wanted)
    result = shown.select_one("textarea[name=text]").get_text()
    assert "per Videokonferenz an." in result
    assert "online und gedruckt" in result
    assert "vor Ort" not in result
    assert count(session, MotionVersion) == 1

    # stage one: only the first amendment
    first = page(merge(client, motion, [video], "preview"))
    assert first.select(".conflicts") == []
    version_1 = first.select_one("input[name=expected_version]")["value"]
    text_2 = first.select_one("textarea[name=text]").get_text()
    assert count(session, MotionVersion) == 1
    assert merge(client, motion, [video], "commit", text_2, version_1).status_code == 303

    # stage two, later: an amendment written against version 1 still merges cleanly
    second = page(merge(client, motion, [printed], "preview"))
    assert second.select(".conflicts") == []
    version_2 = second.select_one("input[name=expected_version]")["value"]
    assert version_2 != version_1
    text_3 = second.select_one("textarea[name=text]").get_text()
    assert "per Videokonferenz an." in text_3
    assert "online und gedruckt" in text_3
    assert merge(client, motion, [printed], "commit", text_3, version_2).status_code == 303

    # a commit made on an outdated preview is refused
    stale = merge(client, motion, [in_person], "commit", text_2, version_2)
    assert stale.status_code == 422
    assert text(page(stale).select_one(".error-summary")) == (
        "Someone else has merged in the meantime. Please check again."
    )

    session.expire_all()
    versions = session.exec(select(MotionVersion).order_by(MotionVersion.number)).all()
    assert [v.number for v in versions] == [1, 2, 3]
    assert "vor Ort" not in versions[2].text
    assert "gedruckt" in versions[2].text
    assert [v.note for v in versions] == ["", video.number, printed.number]
    listed = page(client.get(f"/motions/{motion.id}/versions")).select("ol.versions li")
    assert len(listed) == 3
    still = page(client.get(f"/motions/{motion.id}/merge"))
    assert [text(label) for label in still.select("#merge-form label[for^=am-]")] == [
        f"{in_person.number}: Vor Ort (Adopted)"
    ]

    # the colliding one is only marked merged once a person confirms working it in by hand
    last = page(merge(client, motion, [in_person], "preview"))
    version_3 = last.select_one("input[name=expected_version]")["value"]
    edited = last.select_one("textarea[name=text]").get_text()
    edited = edited.replace("per Videokonferenz an.", "per Videokonferenz oder vor Ort an.")
    refused = merge(client, motion, [in_person], "commit", edited, version_3)
    assert refused.status_code == 422
    assert page(refused).select_one(".conflicts .field-error") is not None
    assert count(session, MotionVersion) == 3
    done = merge(client, motion, [in_person], "commit", edited, version_3, resolved=[in_person])
    assert done.status_code == 303
    assert count(session, MotionVersion) == 4


# --- resolutions ----------------------------------------------------------------------------


def test_an_adopted_motion_becomes_a_resolution_numbered_in_the_bodys_format(
    as_person, org, motion, session
):
    body = session.get(type(org.state_convention), org.state_convention.id)
    body.resolution_format = "Nr. {seq} – {year}"
    session.add(body)
    session.commit()

    client = as_person("sami")
    decided = post(
        client,
        f"/motions/{motion.id}/steps/decide",
        {"outcome": "adopted", "decided_on": "2099-03-20"},
    )
    assert decided.status_code == 303
    link = page(client.get(f"/motions/{motion.id}")).select_one("dl.facts a[href*='/resolutions/']")
    assert text(link) == "Nr. 1 – 2099"
    assert link["href"] == f"{CONVENTION}/resolutions/2099/1"
    shown = page(client.get(link["href"]))
    assert text(shown.select_one(".resolution .number")) == "Nr. 1 – 2099"
    assert "per Video an." in text(shown.select_one(".resolution-text"))
    assert text(shown.select_one("h1")) == "Teilhabe für Menschen mit wenig Zeit"


@pytest.mark.parametrize(
    ("stored", "number"),
    [("{seq.x}", "2099/1"), ("{seq}{seq:>1000000}", "2099/1"), ("B-{year}-{seq:03}", "B-2099-001")],
)
def test_a_format_stored_before_the_check_numbers_as_the_default(
    as_person, org, motion, session, stored, number
):
    body = session.get(type(org.state_convention), org.state_convention.id)
    body.resolution_format = stored
    session.add(body)
    session.commit()

    client = as_person("sami")
    decided = post(
        client,
        f"/motions/{motion.id}/steps/decide",
        {"outcome": "adopted", "decided_on": "2099-03-20"},
    )
    assert decided.status_code == 303
    link = page(client.get(f"/motions/{motion.id}")).select_one("dl.facts a[href*='/resolutions/']")
    assert text(link) == number


def resolution_text(year: int, sequence: int, title: str) -> str:
    return (
        f"Beschluss {year}/{sequence}\n\n{title}\n\n"
        f"Beschluss des Landesvorstandes vom 3. Mai {year}\n\n"
        "Der Landesvorstand beschließt, die Sitzungen künftig auch online zu übertragen.\n"
    )


def test_resolutions_can_be_filtered_by_year(as_person, org, session):
    body = org.state_convention
    resolutions.import_text(body, resolution_text(2098, 4, "Sitzungen online"), session=session)
    resolutions.import_text(
        body, resolution_text(2099, 1, "Sitzungen barrierefrei"), session=session
    )
    client = as_person("mia")
    every = page(client.get(CONVENTION + "/resolutions")).select(".resolution-list li .number")
    assert [text(n) for n in every] == ["2099/1", "2098/4"]
    only = page(client.get(CONVENTION + "/resolutions?year=2098"))
    assert [text(n) for n in only.select(".resolution-list li .number")] == ["2098/4"]
    assert only.select_one("#year option[selected]")["value"] == "2098"


def test_public_resolutions_are_readable_without_login_others_are_not(
    client, as_person, org, session
):
    board = session.get(type(org.state_board), org.state_board.id)
    board.resolutions_public = True
    session.add(board)
    session.commit()
    resolutions.import_text(board, resolution_text(2099, 7, "Offen für alle"), session=session)
    resolutions.import_text(
        org.state_convention, resolution_text(2099, 8, "Nur für Mitglieder"), session=session
    )

    client.cookies.clear()
    public = client.get("/bodies/lv-nrw-board/resolutions/2099/7")
    assert public.status_code == 200
    assert text(page(public).select_one("h1")) == "Offen für alle"
    assert client.get("/bodies/lv-nrw-board/resolutions").status_code == 200
    closed = client.get(CONVENTION + "/resolutions/2099/8")
    assert closed.status_code == 303
    assert closed.headers["location"].startswith("/auth/login?next=")

    client = as_person("olga")
    assert client.get(CONVENTION + "/resolutions/2099/8").status_code == 404
    assert client.get("/bodies/lv-nrw-board/resolutions/2099/7").status_code == 200
    client = as_person("mia")
    assert client.get(CONVENTION + "/resolutions/2099/8").status_code == 200


# --- hostile input --------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '"><svg onload=alert(1)>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_input_is_shown_as_text_and_never_runs(as_person, org, people, session, payload):
    call = make_call(session, org.state_convention, title=f"Aufruf {payload}")
    client = as_person("pia")
    hostile = MOTION_FORM | {
        "title": f"Titel {payload}",
        "group_name": f"LAG {payload}",
        "text": MOTION_TEXT + f"\n{payload}\n\n- Punkt {payload}\n",
        "reasons": f"Weil {payload}\n\n**{payload}**",
        "action": "submit",
    }
    created = post(client, f"/calls/{call.id}/motions/new", hostile)
    assert created.status_code == 303, text(page(created))[:500]
    motion_path = created.headers["location"]

    # the board publishes it, Mia amends it, the office adopts both
    motion = step(session, session.exec(select(Motion)).one(), "publish", people["bo"])
    version = service.current_version(motion, session=session)
    data = forms.AmendmentInput(
        title=f"Änderung {payload}",
        group_name=f"AG {payload}",
        text=version.text.replace("per Video an.", f"per Video an. {payload}"),
        reasons=f"Darum {payload}",
        co_proposers=(),
    )
    at = service.motion_place(motion.id, session=session)
    amendment = amendments.create_amendment(
        at, data, principal=who(session, people["mia"]), session=session
    )
    amendment_step(session, amendment, "publish", people["bo"])
    amendment_step(session, amendment, "decide", people["sami"], outcome="adopted")
    step(session, motion, "decide", people["sami"], outcome="adopted", decided_on=date(2099, 3, 20))

    shown_as_text = {"motion page", "amendment page", "call page", "resolution page"}
    pages = {
        "pia": {
            "notifications": "/notifications",
            "motion page": motion_path,
            "motion edit form": f"{motion_path}/edit",
        },
        "sami": {
            "amendment page": f"/amendments/{amendment.id}",
            "call page": f"/calls/{call.id}",
            "calls of the body": CONVENTION + "/calls",
            "versions": f"{motion_path}/versions",
            "merge page": f"{motion_path}/merge",
            "resolutions": CONVENTION + "/resolutions",
            "resolution page": CONVENTION + "/resolutions/2099/1",
        },
    }
    problems = {}
    for person, paths in pages.items():
        if person != "pia":
            client = as_person(person)
        for name, path in paths.items():
            response = client.get(path)
            assert response.status_code == 200, (name, response.status_code)
            found = live_script_problems(response.text)
            if found:
                problems[name] = found
            if name in shown_as_text:
                assert payload in text(page(response)), name  # shown, as text
    assert problems == {}


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_list_has_motions_and_amendments_and_no_formulas(as_person, call, people, session):
    motion = publish(
        session,
        submitted_motion(session, call, people["pia"], title='=HYPERLINK("http://x";"klick")'),
        people["sami"],
    )
    amend(session, motion, people["mia"], changed(BY_PHONE), "+Telefon")
    submitted_motion(session, call, people["max"], title="Zweiter Antrag")

    client = as_person("bo")
    response = client.get(f"/calls/{call.id}/motions.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Number",
        "Kind",
        "Title",
        "Proposers",
        "Status",
        "Recommendation",
        "First line",
    ]
    assert rows[1:] == [
        ["A1", "Motion", '\'=HYPERLINK("http://x";"klick")', "Pia Antrag", "Published", "", ""],
        ["A1-Ä1", "Amendment", "'+Telefon", "Mia Mitglied", "Submitted", "", "5"],
        ["A2", "Motion", "Zweiter Antrag", "Max Mitglied", "Submitted", "", ""],
    ]


# --- edge cases found in review: member text in notes and outcomes, hidden amendments,
# --- steps on closed motions, late acceptance, amounts and empty texts ---------------------

HOSTILE = 'Zu 100% erledigt <img src=x onerror=alert(1)> <div hx-post="/x" hx-trigger="load">'


def test_notes_and_outcomes_members_typed_are_shown_as_text(as_person, motion, people, session):
    client = as_person("pia")
    assert (
        post(client, f"/motions/{motion.id}/steps/withdraw", {"note": HOSTILE}).status_code == 303
    )
    shown = client.get(f"/motions/{motion.id}")
    assert shown.status_code == 200
    assert HOSTILE in text(page(shown).select_one(".history"))
    assert live_script_problems(shown.text) == []
    assert page(shown).select("[hx-trigger=load]") == []


def test_an_outcome_with_a_percent_sign_is_shown_as_typed(as_person, org, call, people, session):
    from tests.support.motions import publish, submitted_motion

    motion = publish(session, submitted_motion(session, call, people["pia"]), people["sami"])
    client = as_person("sami")
    outcome = "mit 75% angenommen <i>kursiv</i>"
    decided = post(
        client,
        f"/motions/{motion.id}/steps/decide",
        {"outcome": "adopted", "outcome_text": outcome, "decided_on": "2099-03-20"},
    )
    assert decided.status_code == 303
    shown = client.get(f"/bodies/{org.state_convention.key}/resolutions/2099/1")
    assert shown.status_code == 200
    assert outcome in text(page(shown).select_one("dl.facts"))
    assert page(shown).select("dl.facts i") == []


def test_a_withdrawn_amendment_that_was_never_published_stays_hidden(
    as_person, motion, people, session
):
    amendment = amend(session, motion, people["mia"], changed(BY_PHONE), "Telefon")
    amendment_step(session, amendment, "withdraw", people["mia"])
    client = as_person("max")
    assert client.get(f"/amendments/{amendment.id}").status_code == 404
    listed = page(client.get(f"/motions/{motion.id}")).select(".amendment-item")
    assert listed == []


def test_amendments_of_a_rejected_motion_are_not_decided_or_merged(motion, people, session):
    amendment = amend(session, motion, people["mia"], changed(BY_PHONE), "Telefon")
    amendment_step(session, amendment, "publish", people["bo"])
    step(session, motion, "decide", people["sami"], outcome="rejected", decided_on=date(2099, 1, 2))
    with pytest.raises(DomainError):
        amendment_step(session, amendment, "decide", people["sami"], outcome="adopted")
    assert amendments.mergeable(motion, session=session) == []


def test_a_modified_text_cannot_be_accepted_after_the_decision(as_person, motion, people, session):
    modified = changed(BY_PHONE)
    step(
        session,
        motion,
        "recommend",
        people["bo"],
        recommendation="adopt_modified",
        modified_text=modified,
    )
    version = session.get(Motion, motion.id).lock_version
    step(session, motion, "decide", people["sami"], outcome="adopted", decided_on=date(2099, 1, 2))
    client = as_person("pia")
    late = post(client, f"/motions/{motion.id}/accept", {"lock_version": str(version)})
    assert late.status_code == 409


def test_an_amount_too_big_to_store_is_refused_beside_the_field(as_person, call, session):
    client = as_person("pia")
    form = {
        "title": "Teuer",
        "type": "motion",
        "text": "Der Parteitag möge beschließen: viel.",
        "reasons": "",
        "amount": "30.000.000",
        "cost_centre": "",
        "group_name": "",
        "co_proposers": "",
        "lock_version": "0",
        "action": "draft",
    }
    refused = post(client, f"/calls/{call.id}/motions/new", form)
    assert refused.status_code == 422
    assert page(refused).select_one(".has-error #field-amount") is not None
    assert page(refused).select_one("#field-amount")["value"] == "30.000.000"
    assert session.exec(select(Motion)).first() is None


def test_a_text_that_is_empty_once_read_as_markdown_is_refused(as_person, call, session):
    client = as_person("pia")
    form = {
        "title": "Leer",
        "type": "motion",
        "text": "---\n\n```\n```",
        "reasons": "",
        "amount": "",
        "cost_centre": "",
        "group_name": "",
        "co_proposers": "",
        "lock_version": "0",
        "action": "draft",
    }
    assert post(client, f"/calls/{call.id}/motions/new", form).status_code == 422
    assert session.exec(select(Motion)).first() is None


def test_a_step_taken_on_an_outdated_page_is_refused(as_person, motion, people, session):
    client = as_person("bo")
    form = page(client.get(f"/motions/{motion.id}")).select_one("#step-recommend")
    seen = form.select_one("[name=lock_version]")["value"]
    step(session, motion, "recommend", people["sami"], recommendation="reject", note="Office")
    late = post(
        client,
        f"/motions/{motion.id}/steps/recommend",
        {"recommendation": "adopt", "lock_version": seen},
    )
    assert late.status_code == 409
    session.expire_all()
    assert session.get(Motion, motion.id).recommendation == "reject"


def test_a_named_co_proposer_is_only_named_once_they_confirm(as_person, call, people, session):
    from plenum.notify.models import Notification

    client = as_person("pia")
    form = {
        "title": "Gemeinsam",
        "type": "motion",
        "text": "Der Parteitag möge beschließen: ja.",
        "reasons": "",
        "amount": "",
        "cost_centre": "",
        "group_name": "",
        "co_proposers": PEOPLE["mia"]["member_number"],
        "lock_version": "0",
        "action": "submit",
    }
    response = post(client, f"/calls/{call.id}/motions/new", form)
    assert response.status_code == 303
    path = response.headers["location"]

    # the motion lists only Pia until Mia answers; Mia is told and asked
    client = as_person("max")
    assert "Mia Mitglied" not in text(
        page(client.get(f"/calls/{call.id}")).select_one("#motion-list")
    )
    told = session.exec(select(Notification).where(Notification.member_id == people["mia"])).all()
    assert [n.url for n in told] == [path]
    client = as_person("mia")
    shown = page(client.get(path))
    assert "Mia Mitglied" not in text(shown.select_one("dl.facts"))
    assert shown.select_one("#invitation") is not None
    assert client.get(f"{path}/edit").status_code == 403

    # once she confirms, she is a proposer with the proposers' rights
    assert post(client, f"{path}/invitation", {"answer": "accept"}).status_code == 303
    shown = page(client.get(path))
    assert "Mia Mitglied" in text(shown.select_one("dl.facts"))
    assert shown.select_one("#invitation") is None
    assert client.get(f"{path}/edit").status_code == 200
