"""Writing e-mails: plain-text templates in ``mail/templates/``, in the member's language.

The templates ship inside the package, like the translations, because mails are
composed where no settings (and so no ``PLENUM_ROOT``) are at hand.

An e-mail is composed when its cause happens (a comment, a digest run), often where no
settings are at hand, so two things are left open until it is sent: the site's address
and the member's unsubscribe link. Templates write them as ``{base_url}`` and
``{unsubscribe_url}``; ``finish`` fills them in. Every value a template prints has its
braces doubled first (the template environment's ``finalize``), so text a member wrote
can never become such a field: it comes out of ``finish`` as written, except that line
breaks and control characters in it are folded into spaces (``text.plain.one_line``), so
no value can start a line of its own.

Mails are plain text, so nothing is HTML-escaped; member text cannot become markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from sqlmodel import Session

from plenum.events import announce
from plenum.i18n import gettext, in_locale, plural_form
from plenum.mail.models import OutgoingMail
from plenum.motions.wording import localtime
from plenum.orgs.models import Member
from plenum.text.plain import one_line

TEMPLATES = Path(__file__).resolve().parent / "templates"
DELIVERY_PATH = "/me/delivery"  # the member's e-mail settings (mail.routes)
SUBJECT_MAX = 300  # OutgoingMail.subject
MAIL_QUEUED = "mail.queued"  # the event that wakes the mail sender (``plenum schedule``)


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str  # with {base_url} and {unsubscribe_url} still open


def _escape_braces(value: Any) -> Any:
    """What a template prints: on one line (a title's line break could forge a "Bcc:"
    line or a link of ours), with braces doubled, so ``str.format`` gives them back."""
    if value is None:
        return ""
    return one_line(str(value)).replace("{", "{{").replace("}", "}}")


@cache
def _environment(directory: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=False,  # noqa: S701 - plain-text e-mail, never HTML  # nosec B701
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        finalize=_escape_braces,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_callables(gettext, plural_form, newstyle=True)  # type: ignore[attr-defined]
    env.filters["localtime"] = localtime
    env.globals["delivery_path"] = DELIVERY_PATH
    return env


def compose(name: str, locale: str, /, **context: Any) -> Composed:
    """The mail ``mail/templates/<name>`` from its blocks ``subject`` and ``body``."""
    template = _environment(TEMPLATES).get_template(name)
    with in_locale(locale) as chosen:
        values = template.new_context({**context, "locale": chosen})
        subject = "".join(template.blocks["subject"](values))
        body = "".join(template.blocks["body"](values))
    # The subject has no open fields: format() only undoubles the braces.
    return Composed(_one_line(subject.format())[:SUBJECT_MAX], body.strip("\n") + "\n")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def finish(text: str, *, base_url: str, unsubscribe_url: str) -> str:
    """The composed text with the site's address and the unsubscribe link filled in."""
    return text.format(base_url=base_url.rstrip("/"), unsubscribe_url=unsubscribe_url)


def queue(member: Member, composed: Composed, *, session: Session, **headers: str) -> OutgoingMail:
    """Put a mail for the member in the outbox, in the caller's transaction."""
    mail = OutgoingMail(
        member_id=member.id,
        recipient=member.email,
        subject=composed.subject,
        body=composed.body,
        headers=json.dumps(headers, ensure_ascii=False),
    )
    session.add(mail)
    announce(session, MAIL_QUEUED)
    return mail
