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
from plenum.auth.oidc import CLIENT_NAME, DiscoveryInvalid
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
WRONG_SECRET = N_(
    "Plenum is not set up correctly at the party's login service, so nobody can log in right"
    " now. The office has been told in the log; please try again later."
)
DECLINED = N_(
    "You did not allow Plenum to use your party account, so you are not logged in."
    " To take part, log in again and allow it."
)
EXPIRED_LOGIN = N_(
    "Your login took too long, or it was started in another browser. Please start the login again."
)
REUSED_CALLBACK = N_(
    "This login link was already used. If you are not logged in now, please start the login again."
)

# Why a callback is refused: (status, message for the member, words for the operator's log).
FAILURES: dict[str, tuple[int, str, str]] = {
    "client_secret": (503, WRONG_SECRET, "the provider refused Plenum's client id or secret"),
    "declined": (400, DECLINED, "the member declined consent"),
    "expired": (400, EXPIRED_LOGIN, "the login expired (no login started in this session)"),
    "reused": (400, REUSED_CALLBACK, "a callback was used again"),
    "refused": (400, STALE_LOGIN, "the provider refused the login"),
    "token": (400, BAD_TOKEN, "the ID token was refused"),
}
# The provider's error codes (RFC 6749 §4.1.2.1, §5.2) and what they mean for the member.
PROVIDER_ERRORS = {
    "access_denied": "declined",
    "consent_required": "declined",
    "invalid_client": "client_secret",
    "unauthorized_client": "client_secret",
    # The code was used already: the same callback twice at once (a double click, a
    # reload racing the first), both past the state check. (A code also expires after a
    # minute or so, but the browser goes from the provider to Plenum at once.)
    "invalid_grant": "reused",
}
USED_STATES = "login_used_states"  # the last few states of this browser's callbacks
KEPT_STATES = 5
UNKNOWN_CHAPTERS = "unknown_chapters"


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
        log.warning(
            "identity provider %s not usable at login: %r", _settings(request).oidc_issuer, exc
        )
        return error_page(request, 503, PROVIDER_DOWN)
    return response


async def callback(request: Request) -> Response:
    settings = _settings(request)
    used_states = _spend_state(request)
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
        member, unknown_chapters = await run_in_threadpool(
            _log_in, request, profile, request.session[SESSION_ID]
        )
    except service.LoginRefused as exc:
        return error_page(request, 403, exc.message)
    request.session[SESSION_KEY] = member.id
    request.session[USED_STATES] = used_states
    if unknown_chapters:
        request.session[UNKNOWN_CHAPTERS] = unknown_chapters
    if member.locale:
        request.session["locale"] = member.locale
    return RedirectResponse(next_path, status_code=303)


def _log_in(
    request: Request, profile: service.Profile, session_id: str
) -> tuple[Member, list[str]]:
    """Update the member from the provider's answer and begin their session; the chapter
    keys of the answer that Plenum does not know. Committed with the answer."""
    settings = _settings(request)
    session = db(request)
    member = service.sync_member(profile, settings, session=session)
    max_age = timedelta(hours=settings.session_max_hours)
    sessions.begin(member.id or 0, session_id, max_age=max_age, session=session)
    unknown = service.unknown_chapter_keys(profile.chapter_keys or (), session=session)
    return member, unknown


def _spend_state(request: Request) -> list[str]:
    """Note the callback's state as used (authlib forgets it now), so that using the same
    callback again is told apart from a login that expired; the states noted so far."""
    state = request.query_params.get("state", "")
    used = [s for s in request.session.get(USED_STATES, []) if isinstance(s, str)]
    if state and f"_state_{CLIENT_NAME}_{state}" in request.session and state not in used:
        used = [*used, state][-KEPT_STATES:]
        request.session[USED_STATES] = used
    return used


def _refused(request: Request, settings: Settings, kind: str, exc: object) -> Response:
    status, message, reason = FAILURES[kind]
    log.warning("login at %s refused: %s (%s)", settings.oidc_issuer, reason, exc)
    return error_page(request, status, message)


def _failure_kind(request: Request, exc: OAuthError) -> str:
    if exc.error == "mismatching_state":
        state = request.query_params.get("state", "")
        return "reused" if state in request.session.get(USED_STATES, []) else "expired"
    return PROVIDER_ERRORS.get(str(exc.error), "refused")


async def _verified_claims(request: Request, settings: Settings) -> dict[str, Any] | Response:
    """The claims of the ID token, with those only the userinfo endpoint gives."""
    client = request.app.state.oidc
    try:
        metadata = await client.load_server_metadata()
        token = await client.authorize_access_token(
            request, claims_options=_claims_options(metadata, settings)
        )
    except OAuthError as exc:
        return _refused(request, settings, _failure_kind(request, exc), exc)
    except (httpx2.HTTPError, DiscoveryInvalid, RuntimeError) as exc:
        log.warning("identity provider %s not usable at callback: %r", settings.oidc_issuer, exc)
        return error_page(request, 503, PROVIDER_DOWN)
    except (AuthlibBaseError, JoseError, ValueError) as exc:
        return _refused(request, settings, "token", exc)
    userinfo = token.get("userinfo")
    if not userinfo:
        return _refused(request, settings, "token", "no ID token")
    return await _with_userinfo(client, token, dict(userinfo), settings)


def _claims_options(metadata: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The ID token must come from the provider's issuer and name Plenum in ``aud``."""
    return {
        "iss": {"essential": True, "values": [metadata["issuer"]]},
        "aud": {"essential": True, "values": [settings.oidc_client_id]},
    }


async def _with_userinfo(
    client: Any, token: dict[str, Any], claims: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """``claims`` completed by the userinfo endpoint: many providers put the profile
    there only (Keycloak with "Add to ID token" off). When it cannot be had, the ID
    token's claims alone are used; a claim absent from both changes nothing."""
    try:
        metadata = await client.load_server_metadata()
        if not metadata.get("userinfo_endpoint"):
            return claims
        info = dict(await client.userinfo(token=token))
    except (httpx2.HTTPError, AuthlibBaseError, ValueError, RuntimeError) as exc:
        log.warning("userinfo of %s not available (%r); ID token only", settings.oidc_issuer, exc)
        return claims
    if info.get("sub") != claims.get("sub"):
        log.warning("userinfo of %s names another subject; ignored", settings.oidc_issuer)
        return claims
    return {**claims, **info}


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
