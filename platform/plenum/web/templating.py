"""Jinja2 rendering: a whole page, or one named block of it for htmx."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2_fragments import render_block
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, NoMatchFound

from plenum.i18n import LOCALES, current_locale, gettext, plural_form
from plenum.web import htmx
from plenum.web.csrf import csrf_token

ContextProcessor = Callable[[Request], Mapping[str, Any]]


class Templates:
    def __init__(self, directory: Path, *, auto_reload: bool = False) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            autoescape=True,
            auto_reload=auto_reload,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_gettext_callables(gettext, plural_form, newstyle=True)  # type: ignore[attr-defined]
        self.env.globals["url_for"] = _url_for
        self.processors: list[ContextProcessor] = [_base_context]
        self._kept: dict[tuple[Hashable, ...], str] = {}

    def add_context_processor(self, processor: ContextProcessor) -> None:
        self.processors.append(processor)

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        block: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The page ``name``; for an htmx request with ``block``, only that block."""
        values = {**self._processed(request), **(context or {})}
        if block and htmx.is_htmx(request):
            html = render_block(self.env, name, block, **values)
        else:
            html = self.env.get_template(name).render(values)
        return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))

    def _processed(self, request: Request) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for processor in self.processors:
            values.update(processor(request))
        return values

    def kept(
        self, request: Request, name: str, context: Mapping[str, Any], key: Hashable
    ) -> HTMLResponse:
        """The page ``name`` for a page whose content is the same for everyone who may see
        it: ``context`` depends on nothing but ``key``. It is rendered once per page,
        language, address and ``key``, with stand-ins for what is the member's own (the
        name, the unread count, the CSRF token), which are put in for each request. A page
        with messages to show once is rendered as usual. A kept page may show of the
        member only the name: anything else fails to render (``_Anyone``)."""
        values = self._processed(request)
        if values.get("flashes"):
            return HTMLResponse(self.env.get_template(name).render({**values, **context}))
        member, unread = values.get("member"), values.get("unread_notifications") or 0
        kept = (name, current_locale.get(), request.url.path, key, member is not None, unread > 0)
        html = self._kept.get(kept)
        if html is None:
            stand_ins = {
                "csrf_token": _TOKEN,
                "member": _Anyone() if member is not None else None,
                "principal": _Anyone(),
                "unread_notifications": _UNREAD if unread else 0,
            }
            html = self.env.get_template(name).render({**values, **context, **stand_ins})
            if len(self._kept) >= KEPT_PAGES:
                self._kept.clear()
            self._kept[kept] = html
        name_shown = str(escape(member.display_name)) if member is not None else ""
        html = html.replace(_TOKEN, values["csrf_token"]).replace(_NAME, name_shown)
        return HTMLResponse(html.replace(_UNREAD, str(unread)))

    def fragment(self, request: Request, name: str, block: str, context: Mapping[str, Any]) -> str:
        """One block of ``name`` for htmx, with the request, its CSRF token and language
        but without the context processors (no member or notification lookups): for a
        hot path whose block needs none of them."""
        values = {**_lean_context(request, csrf_token(request.scope.get("session", {}))), **context}
        html: str = render_block(self.env, name, block, **values)
        return html

    def shared(self, request: Request, name: str, block: str, context: Mapping[str, Any]) -> str:
        """One block of ``name`` that is sent as it is to many members (a live update):
        without any member's CSRF token, name or messages. A block that asks for one of
        them fails to render instead of handing it to everyone."""
        values = {"request": request, "locale": current_locale.get(), "locales": LOCALES}
        html: str = render_block(self.env, name, block, **values, **context)
        return html

    def page(self, request: Request, name: str, context: Mapping[str, Any], token: str) -> str:
        """The whole page ``name`` without the context processors, as a logged-in member
        sees it but with nothing read for them (no name, no unread count, no messages),
        and ``token`` for the CSRF token: for a page rendered once and handed to many."""
        member = {"display_name": ""}
        values = {
            **_lean_context(request, token),
            "member": member,
            "principal": None,
            "unread_notifications": 0,
            "flashes": [],
            **context,
        }
        return self.env.get_template(name).render(values)


# Stand-ins of kept pages: unguessable, so no text shown on a page contains them.
_TOKEN, _NAME, _UNREAD = (secrets.token_hex(12) for _ in range(3))
KEPT_PAGES = 64  # pages × languages × contents kept per process


class _Anyone:
    """The member of a kept page: only a stand-in for the name. Any other question about
    the member (an id, a role, a permission) fails loudly instead of being answered for
    whoever saw the page first."""

    display_name = _NAME

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"a kept page shows only the member's name, not {name!r}")

    def __bool__(self) -> bool:
        return True


@jinja2.pass_context
def _url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> str:
    """The site-relative path of a named route (never an absolute URL)."""
    return path_for(context["request"], name, **path_params)


def path_for(request: Request, name: str, /, **path_params: Any) -> str:
    """The path of a named route, found by name (Starlette would try every route in turn,
    raising for each miss: about 0.1 ms per link on a page with many links)."""
    route = _named_routes(request.app).get(name)
    if route is None:
        return str(request.app.url_path_for(name, **path_params))
    try:
        return str(route.url_path_for(name, **path_params))
    except NoMatchFound:
        return str(request.app.url_path_for(name, **path_params))


def _named_routes(app: Any) -> dict[str, BaseRoute]:
    found: dict[str, BaseRoute] | None = getattr(app.state, "named_routes", None)
    if found is None:
        found = {}
        for route in app.routes:
            name = getattr(route, "name", None)
            if isinstance(name, str):
                found.setdefault(name, route)
        app.state.named_routes = found
    return found


def _lean_context(request: Request, token: str) -> dict[str, Any]:
    return {
        "request": request,
        "csrf_token": token,
        "locale": current_locale.get(),
        "locales": LOCALES,
    }


def _base_context(request: Request) -> dict[str, Any]:
    session = request.scope.get("session", {})
    return {
        "request": request,
        "csrf_token": csrf_token(session) if "session" in request.scope else "",
        "locale": current_locale.get(),
        "locales": LOCALES,
        "flashes": session.pop("flash", []) if session else [],
    }


def flash(request: Request, message: str) -> None:
    """Show ``message`` (a catalogue id) once, on the next page rendered."""
    request.session.setdefault("flash", []).append(message)
