"""Small helpers every page shares: rendering a template and running a form handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from plenum.web.forms import form_values
from plenum.web.templating import Templates

Handler = Callable[[Request, dict[str, str]], Response]


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    *,
    block: str | None = None,
) -> Response:
    templates: Templates = request.app.state.templates
    return templates.render(request, name, context, status_code=status_code, block=block)


async def run(request: Request, handler: Handler, *names: str) -> Response:
    """Read the form's ``names`` fields, then run the (sync, DB-bound) handler off the loop."""
    values = await form_values(request, *names)
    response: Response = await run_in_threadpool(handler, request, values)
    return response
