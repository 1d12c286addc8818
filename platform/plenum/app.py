"""create_app(settings): routes, middleware, lifespan; nothing else."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from plenum import events, site
from plenum.agenda import happening_routes
from plenum.auth import current
from plenum.auth import routes as auth_routes
from plenum.auth.oidc import check_issuer_at_start, make_client
from plenum.db import Database
from plenum.discuss import routes as discuss_routes
from plenum.mail import routes as mail_routes
from plenum.meetings import agenda_routes, live, live_routes, minutes_routes
from plenum.meetings import routes as meeting_routes
from plenum.motions import (
    amendment_routes,
    attachment_routes,
    management_routes,
    resolution_routes,
)
from plenum.motions import routes as motion_routes
from plenum.motions.wording import template_filters, template_globals
from plenum.notify import routes as notify_routes
from plenum.orgs import routes as orgs_routes
from plenum.search import routes as search_routes
from plenum.series import routes as series_routes
from plenum.series import synthesis_routes
from plenum.settings import Settings
from plenum.surveys import campaign_routes as survey_campaign_routes
from plenum.surveys import results_routes as survey_results_routes
from plenum.surveys import routes as survey_routes
from plenum.video import routes as video_routes
from plenum.video import service as video_service
from plenum.video.janus import JanusApi
from plenum.video.providers import provider_for
from plenum.video.sync import Follower
from plenum.votes import routes as vote_routes
from plenum.votes import sealing
from plenum.votes.box import BallotBox
from plenum.web import errors
from plenum.web.arrivals import Arrivals
from plenum.web.csrf import BodyLimits, CSRFMiddleware
from plenum.web.dbsession import DbSessionMiddleware
from plenum.web.forms import NulMiddleware
from plenum.web.htmx import KeepHistoryMiddleware
from plenum.web.i18n import LocaleMiddleware
from plenum.web.live import Hub
from plenum.web.ratelimit import RateLimiter
from plenum.web.security import SecurityHeadersMiddleware, content_security_policy, origin_of
from plenum.web.session import SessionMiddleware
from plenum.web.templating import Templates

# Collect young objects after 20,000 allocations instead of 700: a burst of requests
# holds many objects alive at once, and each young collection would traverse them all.
GC_THRESHOLDS = (20_000, 50, 100)


class Plenum(Starlette):
    """Starlette, with security headers and the request's DB session outside even the
    500 handler, so every response has the headers and every DB session is closed."""

    def __init__(self, *, csp: str, hsts: bool, **kwargs: Any) -> None:
        self.csp, self.hsts = csp, hsts
        self.arrivals = Arrivals()
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        stack = DbSessionMiddleware(super().build_middleware_stack())
        return self.arrivals.wrap(SecurityHeadersMiddleware(stack, csp=self.csp, hsts=self.hsts))


def create_app(settings: Settings | None = None) -> Plenum:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level)
    database = Database(settings.database_url, **pool_size(settings))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        # What is loaded by now lives as long as the process: the collector need not
        # scan it again in every full collection (under a burst of requests those came
        # often enough to double the time per request).
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        await check_issuer_at_start(app.state.oidc)
        database.checkpoint_in_background()
        async with _live_updates(app, settings, database):
            yield
        app.state.ballot_box.close()
        database.dispose()

    app = Plenum(
        csp=content_security_policy((origin_of(settings.oidc_issuer),)),
        hsts=settings.secure_cookies,
        debug=False,
        routes=[
            *vote_routes.routes,  # first: casting a ballot is the hottest route
            *site.routes,
            *auth_routes.routes,
            *orgs_routes.routes,
            *motion_routes.routes,
            *amendment_routes.routes,
            *attachment_routes.routes,
            *resolution_routes.routes,
            *management_routes.routes,
            *happening_routes.routes,
            *notify_routes.routes,
            *discuss_routes.routes,
            *mail_routes.routes,
            *search_routes.routes,
            *meeting_routes.routes,
            *agenda_routes.routes,
            *live_routes.routes,
            *minutes_routes.routes,
            *series_routes.routes,
            *synthesis_routes.routes,
            *survey_routes.routes,
            *survey_campaign_routes.routes,
            *survey_results_routes.routes,
            *video_routes.routes,
            Mount("/static", StaticFiles(directory=settings.root / "static"), name="static"),
        ],
        middleware=_middleware(settings),
        exception_handlers={**errors.HANDLERS, current.LoginRequired: current.login_required},
        lifespan=lifespan,
    )
    templates = Templates(settings.root / "templates", auto_reload=settings.development)
    templates.add_context_processor(site.template_context)
    templates.env.globals.update(template_globals())
    templates.env.filters.update(template_filters())
    app.state.settings = settings
    app.state.database = database
    app.state.ballot_box = BallotBox(database)
    app.state.hub = Hub()
    app.state.hub.add_mapper(live.regions_of)
    app.state.heartbeats = live_routes.Heartbeats(also=video_service.joined)
    app.state.video = provider_for(settings)
    app.state.janus_api = JanusApi(settings.janus_url) if settings.janus_url else None
    sealing.configure(settings.secret_key)  # the keys of secret votes' sealed ballots
    app.state.templates = templates
    app.state.oidc = make_client(settings)
    app.state.login_limiter = RateLimiter(*settings.login_rate)
    return app


@asynccontextmanager
async def _live_updates(
    app: Starlette, settings: Settings, database: Database
) -> AsyncIterator[None]:
    """The process's hub of live updates; on PostgreSQL fed by one ``NOTIFY`` listener,
    so a change made through any instance reaches the live rooms open on this one."""
    hub: Hub = app.state.hub
    hub.start()
    listener = None
    if not settings.database_url.startswith("sqlite"):
        listener = events.Listener(events.psycopg_dsn(settings.database_url))
        listener.start()
    beating = asyncio.create_task(app.state.heartbeats.run(database))
    follower = Follower(database, app.state.video)
    follower.start()
    app.state.janus_poller = httpx2.AsyncClient(
        timeout=video_routes.POLL_SECONDS + 10,
        limits=httpx2.Limits(max_connections=None, max_keepalive_connections=100),
    )
    try:
        yield
    finally:
        beating.cancel()
        follower.stop()
        await app.state.janus_poller.aclose()
        hub.close()
        if listener is not None:
            listener.stop()


def pool_size(settings: Settings) -> dict[str, int]:
    """PostgreSQL: a connection for each request thread, and a few for the rest."""
    if settings.database_url.startswith("sqlite"):
        return {}
    return {"pool_size": settings.request_threads, "max_overflow": 4}


def body_limits() -> BodyLimits:
    """Small bodies without a login, a form's worth for members, files only on uploads."""
    routes = attachment_routes.BODY_LIMITS + agenda_routes.BODY_LIMITS
    return BodyLimits(routes=routes, member_key=current.SESSION_KEY)


def _middleware(settings: Settings) -> list[Middleware]:
    return [
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            idle_seconds=settings.session_idle_minutes * 60,
            max_seconds=settings.session_max_hours * 3600,
            secure=settings.secure_cookies,
        ),
        Middleware(LocaleMiddleware, default=settings.default_locale),
        Middleware(NulMiddleware),
        Middleware(KeepHistoryMiddleware),
        Middleware(CSRFMiddleware, reject=errors.reject, limits=body_limits()),
    ]
