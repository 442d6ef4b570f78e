"""Audit log: every write and every export is recorded with who, what and when."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from gmis.db import session
from gmis.models import AuditEvent


def record(action: str, obj=None, *, user=None, **details) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the change)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        details=details,
        ip_address=(request.remote_addr or "") if has_request_context() else "",
    )
    session.add(event)
    return event
