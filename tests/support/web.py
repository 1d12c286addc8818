"""Driving Plenum through HTTP as a member: pages, forms with CSRF tokens, people."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from sqlmodel import Session
from starlette.testclient import TestClient

from plenum.auth.service import profile_from_claims, sync_member
from plenum.orgs.models import Member
from plenum.settings import Settings
from tests.support.oidc import Provider, login

Form = dict[str, str] | dict[str, list[str]] | list[tuple[str, str]]


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def text(soup: Any) -> str:
    """The visible text of a page or element, whitespace normalised."""
    return " ".join(soup.get_text(" ").split())


def token(client: TestClient) -> str:
    tag = page(client.get("/")).select_one("meta[name=csrf-token]")
    assert tag is not None
    return str(tag["content"])


def post(client: TestClient, path: str, data: Form | None = None, **kwargs: Any) -> Any:
    """POST ``data`` with a fresh CSRF token; lists of pairs for repeated fields."""
    pairs: list[tuple[str, Any]] = (
        list(data.items()) if isinstance(data, dict) else list(data or [])
    )
    form: dict[str, list[str]] = {"csrf_token": [token(client)]}
    for name, value in pairs:
        values = value if isinstance(value, list) else [value]
        form.setdefault(name, []).extend(values)
    return client.post(path, data=form, **kwargs)


def log_in_as(client: TestClient, provider: Provider, sub: str, claims: dict[str, Any]) -> Any:
    """Forget whoever was logged in and log ``sub`` in at the real provider."""
    client.cookies.clear()
    login(client, provider, sub, claims)
    return client


def english(client: TestClient) -> TestClient:
    """Switch the logged-in member to English, so messages are the catalogue ids."""
    response = client.post("/language", data={"locale": "en", "csrf_token": token(client)})
    assert response.status_code == 303, response.text
    return client


def enrol(session: Session, settings: Settings, sub: str, claims: dict[str, Any]) -> int:
    """Make the member as a first login would (same issuer and subject), without HTTP."""
    profile = profile_from_claims(settings.oidc_issuer, {"sub": sub, **claims}, settings)
    member: Member = sync_member(profile, settings, session=session)
    assert member.id is not None
    return member.id


def live_script_problems(html: str) -> list[str]:
    """Whatever in ``html`` a browser would run: script elements, on* attributes,
    javascript: URLs (in href, src, action, formaction, xlink:href)."""
    soup = BeautifulSoup(html, "html.parser")
    found: list[str] = []
    for tag in soup.find_all(True):
        if tag.name == "script" and not tag.get("src", "").startswith("/static/"):
            found.append(str(tag)[:120])
        for name, value in tag.attrs.items():
            values = value if isinstance(value, list) else [value]
            if name.lower().startswith("on"):
                found.append(f"<{tag.name} {name}=...>")
            if name.lower() in {"href", "src", "action", "formaction", "xlink:href"} and any(
                "javascript:" in "".join(str(v).split()).lower() for v in values
            ):
                found.append(f"<{tag.name} {name}={values}>")
    return found


def asked(client: TestClient, path: str, data: Form | None = None) -> BeautifulSoup:
    """Send the step at ``path`` as its page's button does (with ``ask=1``) and check the
    answer is the question: a page whose form confirms to the same address without
    ``ask``. The test checks that nothing changed."""
    pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
    answer = post(client, path, [*pairs, ("ask", "1")])
    assert answer.status_code == 200, answer.text
    shown = page(answer)
    form = shown.select_one("#confirm-form")
    assert form is not None
    assert form["action"] == path
    assert form.select_one("input[name=ask]") is None
    assert form.select_one("button.danger") is not None
    return shown


def confirm(client: TestClient, question: BeautifulSoup) -> Any:
    """Press the question's button as a browser does: its form's fields, nothing else."""
    form = question.select_one("#confirm-form")
    fields = [
        (field["name"], field.get("value", ""))
        for field in form.select("input[type=hidden]")
        if field["name"] != "csrf_token"
    ]
    return post(client, form["action"], fields)
