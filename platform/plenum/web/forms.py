"""Reading submitted forms into plain values."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_FIELDS = 1000  # as many as Starlette's form parser takes


async def form_items(request: Request) -> list[tuple[str, str]]:
    """The submitted form's text fields in order, names repeated as sent. A plain form
    (url-encoded, as browsers and htmx send it) is read directly, a fifth of the cost of
    the general parser; others go through Starlette's (files are left out)."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = (await request.body()).decode("utf-8", "replace")
        try:
            return parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:  # too many fields: as Starlette's parser answers
            raise HTTPException(400, f"Too many fields. At most {MAX_FIELDS}.") from None
    async with request.form() as form:
        return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


async def form_values(request: Request, *names: str) -> dict[str, str]:
    """The named fields of the submitted form as stripped strings ("" when absent)."""
    async with request.form() as form:
        values: dict[str, str] = {}
        for name in names:
            value = form.get(name)
            values[name] = value.strip() if isinstance(value, str) else ""
        return values


def local_path(candidate: str | None, default: str = "/") -> str:
    """``candidate`` if it is a path on this site, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks, so a login
    can never send a member elsewhere.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if "\\" in candidate or any(ord(ch) < 32 for ch in candidate):
        return default
    return candidate
