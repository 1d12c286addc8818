"""Headers, CSRF, the session cookie and its timeouts."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from plenum.web import session as session_module
from tests.support.factories import claims, structure
from tests.support.oidc import login


def _token(client) -> str:
    page = BeautifulSoup(client.get("/").text, "html.parser")
    return page.select_one("meta[name=csrf-token]")["content"]


@pytest.mark.parametrize("path", ["/", "/healthz", "/no-such-page", "/auth/login"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"
    assert "HX-Request" in response.headers["vary"]


def test_security_headers_on_a_server_error(app, settings):
    from starlette.routing import Route
    from starlette.testclient import TestClient

    def boom(request):
        raise RuntimeError("secret internals")

    app.router.routes.append(Route("/boom", boom))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("h1").text == "Etwas ist schiefgegangen"
    assert "secret internals" not in response.text


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/plenum.css")
    assert response.status_code == 200
    assert response.headers.get("cache-control") != "no-store"


def test_no_inline_scripts_or_styles_in_pages(client, provider, session):
    structure(session)
    login(client, provider, "erika", claims("erika", groups=("lv-nrw-geschaeftsstelle",)))
    for path in [
        "/",
        "/me",
        "/chapters",
        "/chapters/lv-nrw",
        "/bodies/lv-nrw-board",
        "/chapters/lv-nrw/bodies/new",
    ]:
        page = BeautifulSoup(client.get(path).text, "html.parser")
        assert all(script.get("src") for script in page.select("script")), path
        assert not page.select("style, [style]"), path
        assert not [
            tag for tag in page.find_all(True) if any(a.startswith("hx-on") for a in tag.attrs)
        ]


def test_unsafe_request_without_token_is_refused(client):
    response = client.post("/language", data={"locale": "en"})
    assert response.status_code == 403
    assert "Formular ist abgelaufen" in response.text


def test_unsafe_request_with_wrong_token_is_refused(client):
    _token(client)
    assert client.post("/language", data={"locale": "en", "csrf_token": "wrong"}).status_code == 403


def test_form_field_token_is_accepted(client):
    response = client.post("/language", data={"locale": "en", "csrf_token": _token(client)})
    assert response.status_code == 303
    assert BeautifulSoup(client.get("/").text, "html.parser").html["lang"] == "en"


def test_htmx_header_token_is_accepted(client):
    token = _token(client)
    response = client.post("/language", data={"locale": "en"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 303


def test_multipart_form_token_is_accepted(client):
    token = _token(client)
    response = client.post("/language", files={"locale": (None, "en"), "csrf_token": (None, token)})
    assert response.status_code == 303


def test_token_of_another_session_is_refused(app, client):
    from starlette.testclient import TestClient

    token = _token(client)
    with TestClient(app) as other:
        _token(other)
        assert (
            other.post("/language", data={"locale": "en", "csrf_token": token}).status_code == 403
        )


def test_session_cookie_flags(client):
    response = client.post("/language", data={"locale": "en", "csrf_token": _token(client)})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # test environment; production adds it


def test_production_cookies_are_secure(settings):
    from starlette.testclient import TestClient

    from plenum.app import create_app

    app = create_app(settings.with_changes(env="production"))
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/")
        token = BeautifulSoup(response.text, "html.parser").select_one("meta[name=csrf-token]")
        again = client.get("/")  # the browser sends the cookie back; the session is kept
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-plenum_session=")
    flags = [part.strip() for part in cookie.split(";")[1:]]
    assert "Secure" in flags
    assert "Path=/" in flags
    assert not any(flag.lower().startswith("domain") for flag in flags)
    assert "max-age" in response.headers["strict-transport-security"]
    kept = BeautifulSoup(again.text, "html.parser").select_one("meta[name=csrf-token]")
    assert kept["content"] == token["content"]
    assert "set-cookie" not in again.headers


def test_tampered_session_cookie_is_ignored(client, provider, session):
    structure(session)
    login(client, provider, "erika", claims("erika"))
    value = client.cookies["plenum_session"]
    client.cookies.clear()
    client.cookies.set("plenum_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/me").status_code == 303


def test_idle_session_expires(client, provider, session, monkeypatch):
    structure(session)
    login(client, provider, "erika", claims("erika"))
    assert client.get("/me").status_code == 200
    real = session_module.time.time
    monkeypatch.setattr(session_module.time, "time", lambda: real() + 121 * 60)
    assert client.get("/me").status_code == 303


def test_active_session_ends_after_the_absolute_timeout(client, provider, session, monkeypatch):
    structure(session)
    login(client, provider, "erika", claims("erika"))
    real = session_module.time.time
    for hours in range(1, 12):
        monkeypatch.setattr(session_module.time, "time", lambda h=hours: real() + h * 3600 - 60)
        assert client.get("/me").status_code == 200, hours
    monkeypatch.setattr(session_module.time, "time", lambda: real() + 12 * 3600 + 60)
    assert client.get("/me").status_code == 303


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_error_pages_use_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("main h1").text == "Seite nicht gefunden"
    assert page.select_one("a.skip-link")
