"""Every route, sent generated hostile values in its path, query and form (as a member
with broad roles and a valid form token), answers without a server error (no 5xx).

The routes come from the app's route table; the form fields each route reads are found
in the code: the ``*_FIELDS`` tuples and the names passed to ``run``/``form_values``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.convertors import IntegerConvertor
from starlette.routing import Route

import plenum
from tests.support.busy import BROAD, Busy, busy_world
from tests.support.motions import CALL_FORM, MOTION_TEXT
from tests.support.votes import VOTE_FORM
from tests.support.web import log_in_as, token

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "²",
    "١٢",
    "９",
    "1e3",
    "2147483648",
    "9223372036854775808",
    str(2**64),
    "9" * 40,
    "\x00",
    "a\x00b",
    "0001-01-01",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2099-01-01T10:00",
    "0000-00-00",
    "x" * 5000,
    "\u202eabc",
    "𝟙𝟚",
    "💥",
    "<script>alert(1)</script>",
    "%00",
    "../..",
    "javascript:alert(1)",
    "on",
    "yes",
    "submit",
    "commit",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=20),
    st.integers(-(2**70), 2**70).map(str),
)
QUERY_NAMES = (
    "page",
    "at",
    "reply_to",
    "from",
    "to",
    "year",
    "topic",
    "status",
    "filter",
    "mode",
    "q",
    "type",
    "chapter",
    "start",
    "next",
    "code",
    "state",
)
# What some routes read besides their *_FIELDS and named fields.
EXTRA_FIELDS = ("choice", "rank-1", "amendment", "resolved", "para_0", "file", "reason")
STEPS = ("publish", "screen", "recommend", "decide", "withdraw", "hide", "restore", "edit")
# Filled-in values for the forms, so that one hostile field meets otherwise valid ones.
VALID = {**CALL_FORM, **VOTE_FORM, "text": MOTION_TEXT, "type": "motion", "body": "Ja, genau."}
KEEP_LOGGED_IN = {  # left out: the walk goes on as the member (tests/web/test_sessions.py)
    ("POST", "/auth/logout"),
    ("POST", "/me/sessions/end"),
    ("POST", "/chapters/{key}/members/{member_id:int}/sessions/end"),
}


def plenum_modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(plenum.__path__, "plenum."):
        yield importlib.import_module(info.name)


def field_names() -> tuple[str, ...]:
    """Every form field name the code reads: the ``*_FIELDS`` tuples, and the string
    arguments of ``run(request, handler, "a", ...)`` and ``form_values(request, ...)``."""
    names: set[str] = set(EXTRA_FIELDS)
    for module in plenum_modules():
        for attribute, value in vars(module).items():
            if attribute.endswith("_FIELDS") and isinstance(value, tuple):
                names.update(v for v in value if isinstance(v, str))
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
                "run",
                "form_values",
            }:
                names.update(
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                )
    return tuple(sorted(names))


FIELDS = field_names()


def routes(app: Any) -> list[tuple[str, Route]]:
    """(method, route) for every route; the ones that delete come last, so the things they
    remove are there for all the others first."""
    found = [
        (method, route)
        for route in app.routes
        if isinstance(route, Route)
        for method in sorted(set(route.methods or ()) - {"HEAD"})
        if (method, route.path) not in KEEP_LOGGED_IN
    ]
    return sorted(found, key=lambda pair: "delete" in pair[1].path)


def path_value(draw: Any, busy: Busy, route: Route, name: str) -> str:
    """A value for the path parameter ``name``: one that exists, or a hostile one."""
    segment = route.path.strip("/").split("/")[0]
    if isinstance(route.param_convertors[name], IntegerConvertor):
        real = busy.ids.get(segment, busy.ids["roles"] if name == "role_id" else 1)
        number = draw(st.one_of(st.just(real), st.just(2026), st.integers(-(2**70), 2**70)))
        return str(number)
    known = {"key": busy.keys.get(segment, "lv-nrw"), "step": draw(st.sampled_from(STEPS))}
    return quote(draw(st.one_of(st.just(known.get(name, "x")), VALUES)), safe="")


def draw_request(draw: Any, busy: Busy, method: str, route: Route) -> dict[str, Any]:
    path = route.path
    for name in route.param_convertors:
        pattern = next(part for part in route.path.split("/") if part.startswith(f"{{{name}"))
        path = path.replace(pattern, path_value(draw, busy, route, name), 1)
    query = draw(st.lists(st.tuples(st.sampled_from(QUERY_NAMES), VALUES), max_size=3))
    hostile = draw(st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), max_size=8))
    base = VALID if draw(st.booleans()) else {}
    form = [(k, v) for k, v in base.items() if k not in dict(hostile)] + hostile
    multipart = method == "POST" and draw(st.booleans())
    return {"path": path, "query": query, "form": form, "multipart": multipart}


def send(client: Any, csrf: str, method: str, sent: dict[str, Any]) -> int | str:
    """The answer's status, or what the app raised (the test client re-raises)."""
    data = [("csrf_token", csrf), *sent["form"]] if method == "POST" else None
    files = {"file": ("a.txt", b"\x00x", "text/plain")} if sent["multipart"] else None
    try:
        response = client.request(
            method, sent["path"], params=sent["query"], data=_as_dict(data), files=files
        )
    except Exception as exc:  # reported as the answer
        return f"raised {type(exc).__name__}: {str(exc)[:200]}"
    return response.status_code


def _as_dict(pairs: list[tuple[str, str]] | None) -> dict[str, list[str]] | None:
    if pairs is None:
        return None
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


@pytest.fixture
def busy(session, settings) -> Busy:
    return busy_world(session, settings)


def test_the_walk_reads_the_fields_of_the_forms():
    assert {"title", "text", "lock_version", "motion_deadline", "opens_at", "member_id"} <= set(
        FIELDS
    )


PARTS = 3


@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure lists every route
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
@pytest.mark.parametrize("part", range(PARTS))
def test_no_route_answers_hostile_input_with_a_server_error(
    client, provider, app, busy, part, data
):
    """The route table is walked in ``PARTS`` parts: one example's draws for every route
    at once would exceed what Hypothesis generates for one input."""
    log_in_as(client, provider, "gina", BROAD)
    csrf = token(client)
    errors: list[str] = []
    for method, route in list(routes(app))[part::PARTS]:
        sent = draw_request(data.draw, busy, method, route)
        answer = send(client, csrf, method, sent)
        if not isinstance(answer, int) or answer >= 500:
            errors.append(f"{method} {sent['path']} {sent['query']} {sent['form']}: {answer}")
    assert client.get("/me").status_code == 200, "the walk logged the member out"
    assert not errors, "\n".join(errors)
