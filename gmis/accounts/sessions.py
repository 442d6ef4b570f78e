"""Server-side sessions: the cookie carries a random token whose hash is a row in
``user_sessions``. Signing out or changing the password deletes the user's rows, so a copied
cookie stops working at once, on every app server."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask import session as cookie
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from gmis.db import session, utcnow
from gmis.extensions import login_manager
from gmis.models import User, UserSession

#: How often ``last_seen_at`` is written: not on every request, to keep reads read-only.
TOUCH_INTERVAL = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)


def load_user(token: str) -> User | None:
    now = utcnow()
    row = session.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        # Facility users' pages nearly all show or use their facility: loaded with them.
        .options(joinedload(User.facility))
        .where(
            UserSession.token_hash == token_hash(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
            User.is_active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user_session, user = row
    if now - user_session.last_seen_at > TOUCH_INTERVAL:
        user_session.last_seen_at = now
        session.commit()
    user.session_token = token
    return user


def start(user: User) -> None:
    """Sign ``user`` in with a brand-new session (the old cookie's contents are dropped)."""
    token = secrets.token_urlsafe(32)
    hours = current_app.config["SESSION_LIFETIME_HOURS"]
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(hours=hours),
            ip_address=request.remote_addr or "",
            user_agent=(request.user_agent.string or "")[:255],
        )
    )
    cookie.clear()
    user.session_token = token
    login_user(user)
    cookie.permanent = True


def end_all(user: User) -> int:
    """End every session of ``user``; returns how many there were."""
    result = session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))
    return result.rowcount


def sign_out(user: User) -> None:
    end_all(user)
    logout_user()
    cookie.clear()
