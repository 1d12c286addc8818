"""Shared HTTP pieces: templating, fragments, sessions, CSRF, headers, errors."""

from plenum.web import paths as _paths  # noqa: F401  (bounds {id:int} before routes are made)
