"""Cross-cutting records: the e-mail outbox and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gmis.db import Base, stored_enum, utcnow


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(Base):
    """An e-mail waiting to be sent. Written in the same transaction as the change it reports,
    so a message exists exactly when its change was committed, whatever the mail server does."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    #: A part of ``body`` that must not outlive the sending (a password set-up or reset
    #: link): it is cut out of the body once the message is sent or given up.
    secret: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        stored_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)


class AuditEvent(Base):
    """One write or export: who did what to which record, and when.

    Rows form a hash chain (see gmis/audit.py): they are only ever added, never changed or
    deleted, and ``flask audit verify`` finds the first that was."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: None for anonymous actions (a public registration application) and the CLI.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(64), default="")
    object_id: Mapped[str] = mapped_column(sa.String(64), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    #: The ``row_hash`` of the row before this one (gmis.audit_chain.GENESIS for the first).
    #: Unique: two rows naming the same predecessor would fork the chain, which the
    #: database refuses even if the lock that keeps writers in line were ever bypassed.
    previous_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: SHA-256 over this row's content and ``previous_hash`` (gmis.audit_chain.row_hash).
    row_hash: Mapped[str] = mapped_column(sa.String(64))
