"""The connection to the mail relay (``PLENUM_SMTP_*``), opened when the first mail goes out.

Failures come back as ``Failure``: whether retrying can help (a 4xx answer, a broken
connection) or not (a 5xx answer for this recipient), and whether the connection is still
usable for the next mail.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from plenum.settings import Settings

TIMEOUT = 30.0  # seconds for connecting and for each answer of the relay


class Failure(Exception):
    """A mail was not accepted by the relay."""

    def __init__(self, reason: str, permanent: bool, connection_lost: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent  # retrying will not help: the relay refused this mail
        self.connection_lost = connection_lost  # nothing more can be sent in this run


class Relay:
    """Sends messages over one SMTP connection; use it as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> Relay:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the relay; raises Failure."""
        try:
            if self.client is None:
                self.client = self._connect()
            self.client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b""))
            raise _answer(code, text, lost=False) from exc
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            lost = isinstance(exc, smtplib.SMTPSenderRefused)  # the sender: every mail fails
            raise _answer(exc.smtp_code, exc.smtp_error, lost=lost) from exc
        except smtplib.SMTPNotSupportedError as exc:  # e.g. a non-ASCII address, no SMTPUTF8
            raise Failure(f"not supported by the relay: {exc}", True, False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.client = None
            raise Failure(f"{type(exc).__name__}: {exc}", False, True) from exc

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.mail_security == "ssl":
            client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT)
        try:
            client.ehlo()
            if s.mail_security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if s.smtp_username:
                client.login(s.smtp_username, s.smtp_password)
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()
        self.client = None


def _answer(code: int, text: bytes | str, *, lost: bool) -> Failure:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return Failure(f"{code} {message}".strip(), code >= 500 and not lost, lost)
