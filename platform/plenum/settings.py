"""Every setting of Plenum, read from the environment (``PLENUM_*``) with safe defaults."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]

ENVIRONMENTS = ("development", "test", "production")
DEVELOPMENT_CLIENT_SECRET = "plenum-dev-secret"  # noqa: S105  # nosec B105 - public, refused in production
MIN_SECRET_BYTES = 32
SQLITE_THREADS, POSTGRES_THREADS = 2, 12
SMTP_SECURITY = ("starttls", "ssl", "none")
VIDEO_PROVIDERS = ("link", "janus", "bigbluebutton", "jitsi")


class SettingsError(ValueError):
    """A setting has a value Plenum cannot use."""


@dataclass(frozen=True)
class Settings:
    """The configuration of one running Plenum instance.

    Each field is documented in the README's configuration table; a test checks
    that every field is listed there.
    """

    env: str = "development"
    root: Path = ROOT
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    oidc_issuer: str = "http://127.0.0.1:9400"
    oidc_client_id: str = "plenum"
    oidc_client_secret: str = DEVELOPMENT_CLIENT_SECRET
    oidc_scope: str = "openid profile email phone"
    oidc_claim_name: str = "name"
    oidc_claim_email: str = "email"
    oidc_claim_member_number: str = "member_number"
    oidc_claim_chapter: str = "chapter"
    oidc_claim_groups: str = "groups"
    oidc_claim_phone: str = "phone_number"
    oidc_claim_joined: str = "member_since"
    oidc_group_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # How long the provider's discovery document is kept before it is fetched again.
    oidc_discovery_seconds: int = 3600
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    login_rate_limit: str = "600/60"
    client_ip_header: str = ""
    default_locale: str = "de"
    log_level: str = "INFO"
    # Threads for request handlers, and database connections (PostgreSQL) as many: a
    # thread never waits for a connection, and the database is not flooded. 0: as suits
    # the database (``request_threads``).
    threads: int = 0
    smtp_host: str = ""  # empty: Plenum sends no e-mail
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: str = ""  # starttls, ssl or none; empty: starttls in production, else none
    mail_from: str = ""  # empty: Plenum <noreply@host of base_url>
    # Video in meetings (plenum.video): link, janus, bigbluebutton or jitsi. Empty: janus
    # when janus_url is set, else link (the meeting's own video address).
    video_provider: str = ""
    janus_url: str = (
        ""  # Janus's HTTP API, reachable from Plenum only (http://127.0.0.1:8088/janus)
    )
    janus_admin_url: str = ""  # Janus's admin API (http://127.0.0.1:7088/admin)
    janus_admin_secret: str = ""
    janus_events_secret: str = ""  # the password of Janus's event handler posting to Plenum
    # where Janus writes a room's recordings, on Janus's machine: one folder per meeting in
    # it (meeting-<id>). Empty: Janus's own working folder, all rooms together
    janus_recordings: str = ""
    # STUN/TURN servers handed to the browsers, as JSON: [{"urls": "turn:...", ...}]
    video_ice_servers: str = ""
    bbb_url: str = ""  # https://bbb.example.org/bigbluebutton/api
    bbb_secret: str = ""
    jitsi_url: str = ""  # https://meet.example.org
    jitsi_app_id: str = ""
    jitsi_secret: str = ""

    def __post_init__(self) -> None:
        # With or without a trailing slash it is one issuer, and members are keyed on it.
        object.__setattr__(self, "oidc_issuer", self.oidc_issuer.rstrip("/"))

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def request_threads(self) -> int:
        """``threads``, or by default 2 on SQLite and 12 on PostgreSQL. SQLite's work is
        all Python's and holds Python's lock: more threads only take it from each other
        (the chapter list served 0.3 of a bare app's requests per second with 12 threads,
        0.5 with 2; bench/README.md). PostgreSQL's threads mostly wait for the server."""
        if self.threads:
            return self.threads
        return SQLITE_THREADS if self.database_url.startswith("sqlite") else POSTGRES_THREADS

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def mail_security(self) -> str:
        """How the SMTP connection is protected: starttls, ssl or none."""
        return self.smtp_security or ("starttls" if self.env == "production" else "none")

    @property
    def mail_sender(self) -> str:
        """The From address of Plenum's e-mails."""
        host = urlsplit(self.base_url).hostname or "localhost"
        return self.mail_from or f"Plenum <noreply@{host}>"

    @property
    def video(self) -> str:
        """The video provider: as set, else janus when its address is set, else link."""
        return self.video_provider or ("janus" if self.janus_url else "link")

    @property
    def login_rate(self) -> tuple[int, float]:
        """The login limit as (requests, window in seconds)."""
        count, _, seconds = self.login_rate_limit.partition("/")
        return int(count), float(seconds or 60)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            key = "PLENUM_" + name.upper()
            if key in env:
                values[name] = _parse(name, env[key])
        settings = cls(**values)
        return settings._completed()

    def _completed(self) -> Settings:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"PLENUM_ENV must be one of {', '.join(ENVIRONMENTS)}")
        changes: dict[str, Any] = {}
        if not self.database_url:
            changes["database_url"] = f"sqlite:///{self.root / 'var' / 'plenum.db'}"
        if self.env == "production":
            self._check_production_secrets()
        elif not self.secret_key:
            changes["secret_key"] = _development_secret(self.root)
        try:
            self.login_rate  # noqa: B018 - validates the format
        except ValueError as exc:
            raise SettingsError("PLENUM_LOGIN_RATE_LIMIT must look like 600/60") from exc
        if self.video_provider and self.video_provider not in VIDEO_PROVIDERS:
            raise SettingsError(
                f"PLENUM_VIDEO_PROVIDER must be one of {', '.join(VIDEO_PROVIDERS)}"
            )
        if self.smtp_security and self.smtp_security not in SMTP_SECURITY:
            raise SettingsError(f"PLENUM_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}")
        return replace(self, **changes) if changes else self

    def _check_production_secrets(self) -> None:
        """Production signs sessions with a real secret and logs in with its own client."""
        if not self.secret_key:
            raise SettingsError("PLENUM_SECRET_KEY must be set in production")
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"PLENUM_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long in production"
                " (make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.oidc_client_secret == DEVELOPMENT_CLIENT_SECRET:
            raise SettingsError(
                "PLENUM_OIDC_CLIENT_SECRET must be set in production: the development client"
                f" secret {DEVELOPMENT_CLIENT_SECRET!r} is public"
            )


_FIELD_NAMES = list(Settings.__dataclass_fields__)


def _parse(name: str, raw: str) -> Any:
    if name == "root":
        return Path(raw)
    if name in (
        "session_idle_minutes",
        "session_max_hours",
        "smtp_port",
        "threads",
        "oidc_discovery_seconds",
    ):
        try:
            return int(raw)
        except ValueError as exc:
            raise SettingsError(f"PLENUM_{name.upper()} must be a whole number") from exc
    if name == "oidc_group_roles":
        return parse_group_roles(raw)
    return raw


def parse_group_roles(raw: str) -> dict[str, tuple[str, ...]]:
    """Parse ``{"group": ["role@chapter:key", ...]}`` from JSON."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError("PLENUM_OIDC_GROUP_ROLES must be a JSON object") from exc
    if not isinstance(data, dict):
        raise SettingsError("PLENUM_OIDC_GROUP_ROLES must be a JSON object")
    table: dict[str, tuple[str, ...]] = {}
    for group, grants in data.items():
        if isinstance(grants, str):
            grants = [grants]
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            raise SettingsError(f"PLENUM_OIDC_GROUP_ROLES: grants of {group!r} must be strings")
        table[str(group)] = tuple(grants)
    return table


def _development_secret(root: Path) -> str:
    """A secret kept under ``var/`` so development sessions survive restarts."""
    path = root / "var" / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(32)
        path.write_text(value)
        path.chmod(0o600)
        return value
