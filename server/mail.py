"""Sending e-mail through the municipality's SMTP server (settings SMTP_*), a batch over one
connection. smtplib blocks, so the batch runs in a worker thread."""

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage

from server.settings import Settings

log = logging.getLogger(__name__)


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_from)


def message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


async def send(settings: Settings, mails: list[EmailMessage]) -> list[EmailMessage]:
    """Send every mail; the ones the server refused (the rest were accepted)."""
    return await asyncio.to_thread(_send, settings, mails) if mails else []


def _send(settings: Settings, mails: list[EmailMessage]) -> list[EmailMessage]:
    context = ssl.create_default_context()
    smtp_class = smtplib.SMTP_SSL if settings.smtp_security == "tls" else smtplib.SMTP
    kwargs = {"context": context} if settings.smtp_security == "tls" else {}
    refused = []
    with smtp_class(settings.smtp_host, settings.smtp_port, timeout=30, **kwargs) as smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        for mail in mails:
            try:
                smtp.send_message(mail)
            except smtplib.SMTPRecipientsRefused:
                log.warning("mail refused by the SMTP server", extra={"subject": mail["Subject"]})
                refused.append(mail)
    return refused
