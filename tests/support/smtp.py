"""A real SMTP server on a free loopback port (aiosmtpd), collecting what Plenum sends.

    with smtp_server() as inbox:                       # or the ``smtp_inbox`` fixture
        settings = settings.with_changes(**inbox.settings())
        ...
        [message] = inbox.messages                     # parsed email.message.EmailMessage

Recipients whose address starts with ``refused`` are answered with 550 (a mailbox that
does not exist), those starting with ``later`` with 451 (try again later). With
``login=(user, password)`` the server offers AUTH over plain text, accepts only that
login and notes it in ``logins``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.processes import free_port


@dataclass
class Inbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # as they came over the wire
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)  # (from, to)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def settings(self) -> dict[str, Any]:
        """What ``Settings.with_changes`` needs to send here."""
        return {"smtp_host": self.host, "smtp_port": self.port, "smtp_security": "none"}

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content.replace(b"\r\n", b"\n")  # as a mail program shows it
        message = BytesParser(policy=policy.default).parsebytes(raw)
        with self.inbox.lock:
            self.inbox.messages.append(message)  # type: ignore[arg-type]
            self.inbox.raw.append(envelope.original_content)
            self.inbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


def _authenticator(inbox: Inbox, login: tuple[str, str]) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            login[0].encode(),
            login[1].encode(),
        )
        if ok:
            inbox.logins.append(login[0])
        return AuthResult(success=ok, handled=False)  # the server answers 235 or 535

    return check


@contextmanager
def smtp_server(login: tuple[str, str] | None = None) -> Iterator[Inbox]:
    inbox = Inbox("127.0.0.1", free_port())
    options: dict[str, Any] = {"enable_SMTPUTF8": True}
    if login is not None:
        options |= {"auth_require_tls": False, "authenticator": _authenticator(inbox, login)}
    controller = Controller(_Handler(inbox), hostname=inbox.host, port=inbox.port, **options)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_inbox() -> Iterator[Inbox]:
    """A running SMTP server for one test; import it into the test module to use it."""
    with smtp_server() as inbox:
        yield inbox
