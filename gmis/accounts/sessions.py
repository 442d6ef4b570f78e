"""Server-side sessions: the cookie carries a random token whose hash is a row in
``user_sessions``. Signing out or changing the password deletes the user's rows, so a copied
cookie stops working at once, on every app server.

A session ends ``SESSION_LIFETIME_HOURS`` after sign-in (absolute) or after
``SESSION_IDLE_MINUTES`` without a request (idle); the next page then says which, on the
sign-in page it leads to.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, redirect, request, url_for
from flask import session as cookie
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from gmis.db import session, utcnow
from gmis.extensions import login_manager
from gmis.models import User, UserSession

#: How often ``last_seen_at`` is written: not on every request, to keep reads read-only.
#: The idle timeout is measured from it, so a session may end up to this much earlier than
#: ``SESSION_IDLE_MINUTES`` after the last request, never later.
TOUCH_INTERVAL = timedelta(minutes=5)

IDLE_TIMEOUT = "一定時間操作がなかったため、ログアウトしました。"
LIFETIME_OVER = "ログインの有効期限が切れました。"
#: Added when the request that found the session ended was a form being sent.
NOT_SAVED = ("送信された内容は保存されていません。ログインし直した後、もう一度入力・送信して"
             "ください(調査の回答は、自動保存された下書きから再開できます)。")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(to_sign_in)


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
            User.is_active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user_session, user = row
    reason = ended_because(user_session, now)
    if reason:
        # Said once: the row goes, and the cookie's token then finds nothing.
        session.delete(user_session)
        session.commit()
        flash(reason, "info")
        g.session_ended = True
        return None
    if now - user_session.last_seen_at > TOUCH_INTERVAL:
        user_session.last_seen_at = now
        session.commit()
    user.session_token = token
    return user


def ended_because(user_session: UserSession, now) -> str | None:
    """Why ``user_session`` is over (in Japanese), or None while it lasts."""
    if user_session.expires_at <= now:
        return LIFETIME_OVER
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if now - user_session.last_seen_at >= idle:
        return IDLE_TIMEOUT
    return None


def to_sign_in():
    """Flask-Login's answer to a page that needs a session: the sign-in page, which comes
    back here afterwards (``next``). When the session has just ended, its reason (flashed by
    ``load_user``) stands instead of the plain "please sign in", and a form that was being
    sent is said not to have been saved, so that nothing is lost without a word."""
    if g.get("session_ended"):
        if request.method == "POST":
            flash(NOT_SAVED, "error")
    else:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for(login_manager.login_view, next=page_to_return_to()))


def page_to_return_to() -> str:
    """Where signing in again leads: the page asked for; for a form that was sent, or an
    htmx request, the page it came from (its own address may answer POST or a fragment
    only), as long as that page is on this site."""
    if request.method == "GET" and not request.headers.get("HX-Request"):
        return request.full_path.removesuffix("?")
    page = urlsplit(request.headers.get("HX-Current-URL") or request.referrer or "")
    if page.netloc == request.host and page.path.startswith("/"):
        return page.path + (f"?{page.query}" if page.query else "")
    return request.full_path.removesuffix("?")


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
