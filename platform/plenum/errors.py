"""Errors that services raise with a message for the member."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark ``message`` for the translation catalogue; it is translated when shown."""
    return message


class DomainError(Exception):
    """Something the member asked for cannot be done; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible)."""


class ValidationFailed(DomainError):
    """Input was not acceptable; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(N_("Please correct the marked fields."))
        self.errors = errors


class PermissionDenied(Exception):
    """Raised by a route when the current member may not do what they asked."""
