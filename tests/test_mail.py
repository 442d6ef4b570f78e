"""The outbox: nothing is lost while the mail server is down, nothing is sent twice."""

import sqlalchemy as sa

from gmis import mail
from gmis.db import session, utcnow
from gmis.models import OutboxMessage, OutboxStatus


def _queue(user_email="someone@example.jp"):
    from tests.fixtures.factories import _sequence

    message = mail.enqueue(user_email, "password_reset",
                           user=type("U", (), {"name": "試験 花子", "login_id": "gm1"})(),
                           link=f"http://gmis.test/x/{next(_sequence)}", hours=2)
    session.commit()
    return message


def test_queued_mail_arrives_over_smtp_with_japanese_subject(inbox):
    _queue()
    assert mail.deliver_due() == (1, 0)
    (message,) = inbox.to("someone@example.jp")
    assert message["Subject"] == "【G-MIS】パスワード再設定のご案内"
    assert "試験 花子 様" in message.get_content()


def test_mail_waits_while_the_server_is_down_and_is_sent_later(app, inbox):
    message = _queue()
    app.config["SMTP_PORT"], port = 1, app.config["SMTP_PORT"]  # nothing listens on port 1
    try:
        assert mail.deliver_due() == (0, 1)
    finally:
        app.config["SMTP_PORT"] = port
    session.refresh(message)
    assert message.status == OutboxStatus.pending
    assert message.attempts == 1
    assert message.last_error
    assert message.next_attempt_at > utcnow()
    assert inbox.messages == []
    # Not due yet: the worker leaves it alone until its back-off has passed.
    assert mail.deliver_due() == (0, 0)
    message.next_attempt_at = utcnow()
    session.commit()
    assert mail.deliver_due() == (1, 0)
    assert len(inbox.to("someone@example.jp")) == 1


def test_a_sent_message_is_not_sent_again(inbox):
    _queue()
    mail.deliver_due()
    mail.deliver_due()
    assert len(inbox.messages) == 1


def test_message_gives_up_after_the_configured_attempts(app):
    message = _queue()
    message.attempts = app.config["MAIL_MAX_ATTEMPTS"] - 1
    session.commit()
    app.config["SMTP_PORT"], port = 1, app.config["SMTP_PORT"]
    try:
        mail.deliver_due()
    finally:
        app.config["SMTP_PORT"] = port
    session.refresh(message)
    assert message.status == OutboxStatus.failed


def test_nothing_is_queued_when_the_change_is_rolled_back():
    mail.enqueue("x@example.jp", "password_reset",
                 user=type("U", (), {"name": "x", "login_id": "x"})(), link="l", hours=1)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_worker_command_sends_once(runner, inbox):
    _queue()
    result = runner.invoke(args=["mail", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 1
