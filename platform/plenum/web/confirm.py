"""Ask first: an irreversible step is confirmed on a page of its own ("are you sure?"),
which works without JavaScript.

A page's button for such a step sends ``ask=1`` with its form. The route finds the
object and checks the permission as for the step itself, then, instead of acting,
answers with ``confirmation``: what will happen, the same form without ``ask`` to
confirm, and a link back. Nothing changes until the confirmation is sent. A form sent
without ``ask`` (the confirmation, or a client that asks nothing) acts at once: the
question guards against a slip of the finger, the permission and the CSRF token guard
the step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from plenum.web.pages import render

ASK = "ask"


@dataclass(frozen=True)
class Question:
    """Message ids of the confirmation page; ``params`` fill their ``%(name)s``."""

    heading: str
    detail: str
    button: str
    params: Mapping[str, object] = field(default_factory=dict)


def wants_asking(values: Mapping[str, str]) -> bool:
    return values.get(ASK) == "1"


def confirmation(
    request: Request, question: Question, *, back: str, values: Mapping[str, str] | None = None
) -> Response:
    """The page that asks ``question``; confirming sends the form's ``values`` again (all
    but ``ask`` and the CSRF token: a reason typed, the version the member saw) to this
    same address, so the confirmed step is the one the member asked for."""
    fields = [
        (name, value)
        for name, value in (values or {}).items()
        if name not in (ASK, "csrf_token") and value
    ]
    context = {"question": question, "action": request.url.path, "back": back, "fields": fields}
    return render(request, "components/confirm.html", context)
