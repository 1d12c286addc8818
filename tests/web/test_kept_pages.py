"""Kept pages (``Templates.kept``): a page whose content is the same for every member is
rendered once per language and content, and each member still sees their own name,
unread count and CSRF token, never another's. The chapter list is one."""

from __future__ import annotations

from sqlmodel import Session

from plenum.notify.service import notify
from plenum.orgs.models import Chapter
from plenum.settings import Settings
from tests.support.factories import claims, structure
from tests.support.oidc import Provider
from tests.support.web import enrol, log_in_as, page, text, token

PEOPLE = {
    "mia": claims("mia", name="Mia <b>Mitglied</b> & Co", number="480001"),
    "ole": claims("ole", name="Ole Ortsverband", number="480002"),
}


def seen(client, path: str = "/chapters") -> tuple[str, str, str, str]:
    """(name shown, unread badge, CSRF token of the page's forms, the tree's text)."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    shown = page(response)
    who = shown.select_one(".account .who")
    badge = shown.select_one(".nav-list .badge")
    tokens = {field["value"] for field in shown.select("input[name=csrf_token]")}
    meta = shown.select_one("meta[name=csrf-token]")["content"]
    assert tokens == {meta}
    tree = text(shown.select_one("ul.tree"))
    return (who.get_text() if who else "", text(badge) if badge else "", meta, tree)


def test_each_member_sees_their_own_name_unread_count_and_token_on_a_kept_page(
    client, provider: Provider, session: Session, settings: Settings
) -> None:
    org = structure(session)
    enrol(session, settings, "mia", PEOPLE["mia"])
    ole = enrol(session, settings, "ole", PEOPLE["ole"])
    notify([ole], "Ein neuer Antrag wartet auf dich.", session=session)
    notify([ole], "Ein zweiter Antrag wartet auf dich.", session=session)
    session.commit()

    log_in_as(client, provider, "mia", PEOPLE["mia"])
    mia_token = token(client)
    first = seen(client)
    assert first[:3] == ("Mia <b>Mitglied</b> & Co", "", mia_token)  # as text: escaped
    assert "<b>" not in client.get("/chapters").text.split('class="who">')[1].split("</span>")[0]
    assert seen(client) == first  # the kept page, the same

    log_in_as(client, provider, "ole", PEOPLE["ole"])
    ole_token = token(client)
    assert ole_token != mia_token
    assert seen(client) == ("Ole Ortsverband", "2 ungelesen", ole_token, first[3])

    # a changed chapter is a new content: the page shows it at once
    state = session.get(Chapter, org.state.id)
    state.name = "Landesverband Nordrhein-Westfalen (neu)"
    session.add(state)
    session.commit()
    assert "Landesverband Nordrhein-Westfalen (neu)" in seen(client)[3]
