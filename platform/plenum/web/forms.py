"""Reading submitted forms into plain values."""

from __future__ import annotations

from starlette.requests import Request


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
