"""Login, callback and logout: the OpenID Connect authorization-code flow."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import OAuthError
from joserfc.errors import JoseError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from plenum.auth import service, sessions
from plenum.auth.current import SESSION_KEY
from plenum.auth.oidc import same_issuer
from plenum.errors import N_
from plenum.orgs.models import Member
from plenum.settings import Settings
from plenum.web.dbsession import db
from plenum.web.errors import error_page
from plenum.web.forms import local_path
from plenum.web.session import SESSION_ID, renew

log = logging.getLogger(__name__)

PROVIDER_DOWN = N_(
    "The party's login service cannot be reached right now. Please try again in a few minutes."
)
STALE_LOGIN = N_("This login link has expired or was already used. Please start the login again.")
BAD_TOKEN = N_("The login service's answer could not be verified. Please start the login again.")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str:
    header = _settings(request).client_ip_header
    if header and request.headers.get(header):
        return request.headers[header].split(",")[0].strip()
    return request.client.host if request.client else "unknown"


async def login(request: Request) -> Response:
    limiter = request.app.state.login_limiter
    address = client_address(request)
    if not limiter.hit(address):
        retry = str(limiter.retry_after(address))
        return error_page(request, 429, headers={"Retry-After": retry})
    for key in [k for k in request.session if k.startswith("_state_")]:
        del request.session[key]
    request.session["login_next"] = local_path(request.query_params.get("next"))
    redirect_uri = _settings(request).base_url.rstrip("/") + "/auth/callback"
    try:
        response: Response = await request.app.state.oidc.authorize_redirect(request, redirect_uri)
    except (httpx2.HTTPError, ValueError, RuntimeError) as exc:
        log.warning("identity provider unreachable at login: %r", exc)
        return error_page(request, 503, PROVIDER_DOWN)
    return response


async def callback(request: Request) -> Response:
    settings = _settings(request)
    claims = await _verified_claims(request, settings)
    if isinstance(claims, Response):
        return claims
    try:
        profile = service.profile_from_claims(settings.oidc_issuer, claims, settings)
    except service.LoginRefused as exc:
        return error_page(request, 400, exc.message)
    next_path = local_path(request.session.get("login_next"))
    renew(request.session)
    try:
        member = await run_in_threadpool(_log_in, request, profile, request.session[SESSION_ID])
    except service.LoginRefused as exc:
        return error_page(request, 403, exc.message)
    request.session[SESSION_KEY] = member.id
    if member.locale:
        request.session["locale"] = member.locale
    return RedirectResponse(next_path, status_code=303)


def _log_in(request: Request, profile: service.Profile, session_id: str) -> Member:
    """Update the member from the provider's answer and begin their session."""
    settings = _settings(request)
    with request.app.state.database.session() as session:
        member = service.sync_member(profile, settings, session=session)
        max_age = timedelta(hours=settings.session_max_hours)
        sessions.begin(member.id or 0, session_id, max_age=max_age, session=session)
        return member


async def _verified_claims(request: Request, settings: Settings) -> dict[str, Any] | Response:
    client = request.app.state.oidc
    try:
        token = await client.authorize_access_token(request)
        metadata = await client.load_server_metadata()
    except OAuthError as exc:
        log.info("login refused: %s", exc)
        return error_page(request, 400, STALE_LOGIN)
    except httpx2.HTTPError as exc:
        log.warning("identity provider unreachable at callback: %r", exc)
        return error_page(request, 503, PROVIDER_DOWN)
    except (AuthlibBaseError, JoseError, ValueError) as exc:
        log.warning("ID token refused: %s", exc)
        return error_page(request, 400, BAD_TOKEN)
    userinfo = token.get("userinfo")
    if not userinfo or not same_issuer(metadata.get("issuer", ""), settings.oidc_issuer):
        log.warning("login refused: no ID token, or the provider names another issuer")
        return error_page(request, 400, BAD_TOKEN)
    return dict(userinfo)


async def logout(request: Request) -> Response:
    await run_in_threadpool(_end_session, request)
    renew(request.session)
    settings = _settings(request)
    home = settings.base_url.rstrip("/") + "/"
    try:
        metadata = await request.app.state.oidc.load_server_metadata()
    except (httpx2.HTTPError, ValueError, RuntimeError):
        metadata = {}
    if not metadata.get("end_session_endpoint"):
        return RedirectResponse("/", status_code=303)
    response: Response = await request.app.state.oidc.logout_redirect(
        request, post_logout_redirect_uri=home, client_id=settings.oidc_client_id
    )
    response.status_code = 303
    return response


def _end_session(request: Request) -> None:
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        sessions.end(session_id, session=db(request))


routes = [
    Route("/auth/login", login, methods=["GET"], name="login"),
    Route("/auth/callback", callback, methods=["GET"], name="auth_callback"),
    Route("/auth/logout", logout, methods=["POST"], name="logout"),
]
