"""Audit log: every write and every export is recorded with who, what and when; so are the
attempts that were refused (failed sign-ins, refused pages, records out of one's scope).

Rows form a hash chain (gmis/audit_chain.py), built as they are written: just before a
flush inserts new rows, the writer takes the chain's lock, reads the newest row's hash and
links the new rows to it. The lock is PostgreSQL's transaction-level advisory lock, so it is
held until the transaction ends: writers on every worker and every app server queue there,
one transaction at a time, and the chain stays one line. It is taken at the flush that
inserts the rows, which for most requests is the one their commit makes, so it is held
about as long as the commit takes. SQLite serialises writers anyway; there the writer takes
the database's write lock before it reads the newest hash, so that no one can slip in
between.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from gmis import audit_chain
from gmis.db import AppSession, database, session, utcnow
from gmis.models import AuditEvent

#: The advisory lock key of the chain (any constant; "gmis_aud" in ASCII).
CHAIN_LOCK_KEY = 0x676D69735F617564
#: Longest text kept of a value a visitor typed (a login ID): enough to recognise it, too
#: short to fill the log with whatever was pasted into the field.
TYPED_VALUE_LIMIT = 64
#: Rows read per query by ``verify``: a million rows are never in memory at once.
VERIFY_BATCH = 2_000

_PENDING = "gmis_audit_independent"
_HOLDS_LOCK = "gmis.audit.holds_chain_lock"

_independent_sessions = sessionmaker(class_=AppSession, join_transaction_mode="create_savepoint")


def record(action: str, obj=None, *, user=None, **details) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the change)."""
    event_ = AuditEvent(**_fields(action, obj, user, details))
    session.add(event_)
    return event_


def record_now(action: str, obj=None, *, user=None, **details) -> None:
    """Record an event that must be kept whatever becomes of the request's own transaction:
    a failed sign-in, a refused page, a rate-limit hit, a wrong second factor.

    The event is written in a transaction of its own and committed. In a request, that
    happens as the request ends, after its transaction was committed or rolled back (an
    error, an ``abort``), so the row is kept even when nothing else of the request is, and
    the request never waits on the chain's lock while holding it. Outside a request (the
    CLI, a job) it is written at once. Arguments are those of ``record``; ``details`` must
    not carry secrets (never a password or a code): pass what was typed through
    ``typed()``.
    """
    fields = _fields(action, obj, user, details)
    if has_request_context():
        g.setdefault(_PENDING, []).append(fields)
        return
    if session.info.get(_HOLDS_LOCK):
        # Waiting here for the lock our own open transaction holds would wait for ever.
        raise RuntimeError("record_now() while this transaction holds the audit chain's "
                           "lock: commit first, or use record()")
    _write_independently([fields])


def typed(value: str | None, limit: int = TYPED_VALUE_LIMIT) -> str:
    """A value a visitor typed, as the audit log keeps it: at most ``limit`` characters."""
    return (value or "")[:limit]


def _fields(action: str, obj, user, details: dict) -> dict:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    return dict(
        action=action,
        user_id=user.id if user is not None else None,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        details=details,
        ip_address=(request.remote_addr or "") if has_request_context() else "",
    )


def _write_independently(events: list[dict]) -> None:
    with _independent_sessions(bind=database().bind) as own:
        own.add_all(AuditEvent(**fields) for fields in events)
        own.commit()


def _write_pending(_exc) -> None:
    """``teardown_request``: write the request's ``record_now`` events, once its own
    transaction is over."""
    pending = g.pop(_PENDING, None)
    if not pending:
        return
    session.remove()  # ends the request's transaction (and releases the chain's lock)
    try:
        _write_independently(pending)
    except Exception:  # the answer is already made; the log must still say what was lost
        current_app.logger.exception("audit events could not be written: %s", pending)


# --- the chain -------------------------------------------------------------------------------

def _chain_new_events(db_session, _flush_context, _instances) -> None:
    """``before_flush``: link the audit rows this flush inserts to the chain's head."""
    _refuse_changes(db_session)
    new_events = sorted((obj for obj in db_session.new if isinstance(obj, AuditEvent)),
                        key=lambda obj: sa.inspect(obj).insert_order)
    if not new_events:
        return
    connection = db_session.connection()
    _hold_chain_lock(connection)
    db_session.info[_HOLDS_LOCK] = True
    head = connection.scalar(sa.select(AuditEvent.row_hash).order_by(AuditEvent.id.desc())
                             .limit(1))
    previous = head or audit_chain.GENESIS
    for audit_event in new_events:
        previous = _link(audit_event, previous)


def _refuse_changes(db_session) -> None:
    """Audit rows are only ever added: changing or deleting one would break the chain (and
    the trust in it), so the code that tries it fails instead."""
    for obj in (*db_session.deleted, *db_session.dirty):
        if isinstance(obj, AuditEvent) and (obj in db_session.deleted
                                            or db_session.is_modified(obj)):
            raise RuntimeError(f"audit event {obj.id} cannot be changed or deleted")


def _hold_chain_lock(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    elif connection.dialect.name == "sqlite":
        # Any write takes SQLite's write lock for the rest of the transaction; this one
        # changes nothing.
        connection.execute(sa.update(AuditEvent).where(sa.false()).values(id=AuditEvent.id))


def _link(audit_event: AuditEvent, previous_hash: str) -> str:
    """Fill in the row's defaults (they are hashed, so they must be set before the insert),
    link it to ``previous_hash`` and return its own hash."""
    audit_event.occurred_at = audit_event.occurred_at or utcnow()
    audit_event.object_type = audit_event.object_type or ""
    audit_event.object_id = audit_event.object_id or ""
    audit_event.ip_address = audit_event.ip_address or ""
    # Hashed as the database will give it back: tuples become lists, keys strings.
    audit_event.details = json.loads(json.dumps(audit_event.details or {}))
    audit_event.previous_hash = previous_hash
    audit_event.row_hash = audit_chain.row_hash(
        previous_hash, occurred_at=audit_event.occurred_at, user_id=audit_event.user_id,
        action=audit_event.action, object_type=audit_event.object_type,
        object_id=audit_event.object_id, details=audit_event.details,
        ip_address=audit_event.ip_address)
    return audit_event.row_hash


def _forget_lock(db_session, transaction) -> None:
    """``after_transaction_end``: the advisory lock ends with the outermost transaction."""
    if transaction.parent is None:
        db_session.info.pop(_HOLDS_LOCK, None)


# --- verification ----------------------------------------------------------------------------

def chain_rows(batch: int = VERIFY_BATCH) -> Iterator[audit_chain.ChainRow]:
    """Every audit row in id order, read ``batch`` rows per query (by id, not by offset, so
    that each query is as quick as the first)."""
    columns = [AuditEvent.id, AuditEvent.occurred_at, AuditEvent.user_id, AuditEvent.action,
               AuditEvent.object_type, AuditEvent.object_id, AuditEvent.details,
               AuditEvent.ip_address, AuditEvent.previous_hash, AuditEvent.row_hash]
    last_id = 0
    while True:
        rows = session.execute(sa.select(*columns).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(batch)).all()
        for row in rows:
            yield audit_chain.ChainRow(*row)
        if len(rows) < batch:
            return
        last_id = rows[-1].id


def verify(noted: str | None = None, batch: int = VERIFY_BATCH) -> audit_chain.Walk:
    """Walk the whole chain from its first row; see ``audit_chain.walk``."""
    return audit_chain.walk(chain_rows(batch), noted)


def init_app(app: Flask) -> None:
    app.teardown_request(_write_pending)
    for name, listener in (("before_flush", _chain_new_events),
                           ("after_transaction_end", _forget_lock)):
        if not event.contains(AppSession, name, listener):
            event.listen(AppSession, name, listener)
