"""Mail to customers: through SMTP when ``smtp_host`` is set, else as ``.eml`` files in the outbox folder.

smtplib blocks, so it runs in a worker thread; so does writing the outbox file. A mail that could
not be sent is reported (``failed``) and logged, never raised: what was said to the customer is
already stored with the case, and the agent sees the mail status next to it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from pathlib import Path

from onduty.server.config import ServerConfig

log = logging.getLogger(__name__)
SMTP_TIMEOUT_S = 30.0


class MailStatus(StrEnum):
    SENT = "sent"
    """Handed to the SMTP server."""
    OUTBOX = "outbox"
    """Written to the outbox folder (no SMTP server configured)."""
    FAILED = "failed"
    NO_ADDRESS = "no_address"
    """The requestor left no e-mail address: the case page link is the only way."""


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str


def public_base(config: ServerConfig) -> str:
    """Where customers reach this server, without a trailing slash."""
    return (config.public_url or f"http://{config.host}:{config.port}").rstrip("/")


class Mailer:
    def __init__(self, config: ServerConfig) -> None:
        self._config = config

    def message(self, mail: Mail, now: float) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self._config.smtp_from
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(now, localtime=False)
        msg["Message-ID"] = make_msgid(domain="onduty")
        msg.set_content(mail.text)
        return msg

    async def send(self, mail: Mail, now: float) -> MailStatus:
        try:
            msg = self.message(mail, now)
        except ValueError as exc:  # e.g. a line break in an address: never a header injection, never a 500
            log.error("mail to a customer refused", extra={"error": str(exc)[:300]})
            return MailStatus.FAILED
        try:
            if self._config.smtp_host:
                await asyncio.to_thread(self._smtp, msg)
                status = MailStatus.SENT
            else:
                path = await asyncio.to_thread(_write_eml, self._config.outbox_dir, msg, now)
                log.info("mail written to the outbox", extra={"file": path.name})
                status = MailStatus.OUTBOX
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to a customer failed", extra={"error": str(exc)[:300]})
            return MailStatus.FAILED
        return status

    def _smtp(self, msg: EmailMessage) -> None:
        c = self._config
        context = ssl.create_default_context()
        if c.smtp_port == 465:
            with smtplib.SMTP_SSL(c.smtp_host, c.smtp_port, timeout=SMTP_TIMEOUT_S, context=context) as smtp:
                self._deliver(smtp, msg)
            return
        with smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
            if c.smtp_starttls:
                smtp.starttls(context=context)
            self._deliver(smtp, msg)

    def _deliver(self, smtp: smtplib.SMTP, msg: EmailMessage) -> None:
        if self._config.smtp_user:
            smtp.login(self._config.smtp_user, self._config.smtp_password)
        smtp.send_message(msg)


def _write_eml(folder: Path, msg: EmailMessage, now: float) -> Path:
    """Write atomically (temporary name, then rename), so an admin never sees half a mail."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{int(now)}-{uuid.uuid4().hex[:12]}.eml"  # sorts by time
    tmp = folder / f".{name}.tmp"
    with tmp.open("wb") as out:
        out.write(msg.as_bytes())
        out.flush()
        os.fsync(out.fileno())
    path = folder / name
    tmp.replace(path)
    return path
