"""The state between a right password and a right second-factor code.

It lives in the signed session cookie (nothing to clean up on the server, and the same on
every app server): which user, until when, and a fingerprint of the password hash, so that
a password changed meanwhile ends it. No session is started and nobody is signed in until
the code is right; the cookie cannot be forged without ``SECRET_KEY``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask import session as cookie

from gmis.db import session, utcnow
from gmis.models import User

_KEY = "two_factor_pending"


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    #: Where to go after signing in (already checked by the sign-in page).
    next: str | None
    expired: bool


def _fingerprint(user: User) -> str:
    # The password and the last completed sign-in: a pending state copied before either
    # changed (the password was changed, or the code was entered) is no longer one.
    last = user.last_login_at.isoformat() if user.last_login_at else ""
    return hashlib.sha256(f"{user.password_hash or ''}|{last}".encode()).hexdigest()[:16]


def begin(user: User, next_page: str | None) -> None:
    minutes = current_app.config["TWO_FACTOR_PENDING_MINUTES"]
    cookie[_KEY] = {
        "user": user.id,
        "until": (utcnow() + timedelta(minutes=minutes)).timestamp(),
        "password": _fingerprint(user),
        "next": next_page,
    }


def load() -> PendingSignIn | None:
    """The sign-in waiting for its code, or None (none begun, or its user gone, disabled,
    or with another password by now)."""
    state = cookie.get(_KEY)
    if not isinstance(state, dict) or not isinstance(state.get("user"), int):
        return None
    user = session.get(User, state["user"])
    if user is None or not user.is_active or state.get("password") != _fingerprint(user):
        end()
        return None
    expired = utcnow().timestamp() > float(state.get("until", 0))
    return PendingSignIn(user=user, next=state.get("next"), expired=expired)


def end() -> None:
    cookie.pop(_KEY, None)
