"""E-mail through a durable outbox.

``enqueue`` adds a message to the current transaction; ``deliver_due`` (run by the
``flask mail work`` worker) sends what is due, retrying with back-off while the server is
down. A message is only marked sent after the server accepted it.

A message may carry a secret (a set-password link): the stored body keeps it only until the
message is sent or given up, so that the outbox table never holds a link that still works.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import Flask, current_app, render_template

from gmis.db import session, utcnow
from gmis.models import OutboxMessage, OutboxStatus

#: What a secret is replaced with in the stored body once the message has left.
REDACTED = "(送信済みのため、リンクは保存していません)"


def enqueue(recipient: str, template: str, *, secret: str | None = None,
            **context) -> OutboxMessage:
    """Render ``mail/<template>.txt`` (first line: subject) and queue it for ``recipient``.

    ``secret``, a text inside the body (a set-password link), is cut out of the stored body
    once the message is sent or given up.
    """
    text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.partition("\n")
    message = OutboxMessage(recipient=recipient, subject=subject.strip(), body=body.lstrip("\n"),
                            secret=secret)
    session.add(message)
    return message


def before_delivery(app: Flask, job: Callable[[], object]) -> None:
    """Run ``job`` at the start of every ``deliver_due``: work that queues mail on the
    worker's side (a password-reset request becomes a reset e-mail there)."""
    app.extensions.setdefault("gmis.mail.before_delivery", []).append(job)


def _forget_secret(message: OutboxMessage) -> None:
    if message.secret:
        message.body = message.body.replace(message.secret, REDACTED)
    message.secret = None


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}")
    email.set_content(message.body)
    return email


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] == "log":
        current_app.logger.warning(
            "mail to %s\nSubject: %s\n\n%s", message.recipient, message.subject, message.body
        )
        return
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(_as_email(message))


def deliver_due(limit: int = 100) -> tuple[int, int]:
    """Send the messages that are due. Returns (sent, failed attempts)."""
    for job in current_app.extensions.get("gmis.mail.before_delivery", ()):
        job()
    sent = failed = 0
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    query = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        # Several workers may run: each message is claimed by one of them.
        .with_for_update(skip_locked=True)
    )
    for _ in range(limit):
        message = session.scalars(query).first()
        if message is None:
            break
        message.attempts += 1
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as error:
            failed += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            if message.attempts >= max_attempts:
                message.status = OutboxStatus.failed
                _forget_secret(message)  # never sent: the person asks for a new link
            current_app.logger.warning("mail %s not sent: %s", message.id, message.last_error)
        else:
            sent += 1
            message.status = OutboxStatus.sent
            message.sent_at = utcnow()
            message.last_error = ""
            _forget_secret(message)
        # Commit per message so that a crash after sending one never sends it twice.
        session.commit()
    session.commit()
    return sent, failed


def work(poll_seconds: float = 5.0, once: bool = False) -> None:
    """The outbox worker loop."""
    while True:
        sent, failed = deliver_due()
        if sent or failed:
            current_app.logger.info("outbox: %d sent, %d failed attempts", sent, failed)
        if once:
            return
        session.remove()
        time.sleep(poll_seconds)
