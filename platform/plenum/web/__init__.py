"""Shared HTTP pieces: templating, fragments, sessions, CSRF, headers, errors."""
