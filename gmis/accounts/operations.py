"""Account use cases: sign-in with lock-out, issuing accounts, set-up and reset links,
password changes. Each changes data and flushes; the request commits."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from gmis import audit, mail
from gmis.accounts import passwords, sessions
from gmis.db import session, utcnow
from gmis.models import AccountToken, Role, TokenPurpose, User


class SignInError(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


WRONG_CREDENTIALS = "ユーザIDまたはパスワードが正しくありません。"


def sign_in(login_id: str, password: str) -> User:
    """Check credentials and start a session, or raise ``SignInError``."""
    user = authenticate(login_id, password)
    start_session(user)
    return user


def _audit_refusals(check: Callable[..., User]) -> Callable[..., User]:
    """Record every refused sign-in in the audit log, in a transaction of its own (see
    ``audit.record_now``): the ID as typed (cut to a bounded length), why it was refused,
    the account when the ID is one; never the password."""

    @functools.wraps(check)
    def checked(login_id: str, password: str, *args, **kwargs) -> User:
        account = session.scalars(sa.select(User).where(User.login_id == login_id)).first()
        reason = _refusal_reason(account)  # as the account was before this attempt
        try:
            return check(login_id, password, *args, **kwargs)
        except SignInError:
            audit.record_now("user.sign_in_failed", account, login_id=audit.typed(login_id),
                             reason=reason)
            raise

    return checked


def _refusal_reason(account: User | None) -> str:
    """Why a sign-in to ``account`` would be refused, should it be."""
    if account is None or not account.is_active or account.password_hash is None:
        return "unknown_id"
    if account.locked_until and account.locked_until > utcnow():
        return "locked"
    return "wrong_password"


@_audit_refusals
def authenticate(login_id: str, password: str) -> User:
    """The user whose ID and password these are, or ``SignInError``; no session is started.

    After ``LOGIN_MAX_FAILURES`` wrong passwords in a row the account is locked for
    ``LOGIN_LOCK_MINUTES``. The counters live in the database, so every worker process and
    every app server sees the same lock.
    """
    config = current_app.config
    user = session.scalars(sa.select(User).where(User.login_id == login_id)).first()
    if user is None or not user.is_active or user.password_hash is None:
        passwords.burn_equal_time(password)
        raise SignInError(WRONG_CREDENTIALS, 401)
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise SignInError(
            f"ログインに続けて失敗したため、アカウントを一時的にロックしています。"
            f"約{minutes}分後に再度お試しください。",
            429,
        )
    if not passwords.verify_password(user.password_hash, password):
        # Increment in SQL so that concurrent failures on several workers all count.
        session.execute(
            sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        )
        session.refresh(user, ["failed_logins"])
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            audit.record("user.locked", user, user=user)
        session.commit()
        raise SignInError(WRONG_CREDENTIALS, 401)
    return user


def start_session(user: User) -> None:
    """Sign ``user`` in, once every factor has been checked."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    sessions.start(user)
    audit.record("user.sign_in", user, user=user)


# --- tokens sent by e-mail ---------------------------------------------------------------

def _new_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def _link(token: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(
        "auth.set_password", token=token
    )


def find_token(token: str) -> AccountToken | None:
    """A token that can still be used, or None (unknown, used or expired)."""
    return session.scalars(
        sa.select(AccountToken).where(
            AccountToken.token_hash == hashlib.sha256(token.encode()).hexdigest(),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    ).first()


def request_password_reset(login_id: str) -> None:
    """Send a reset link if the ID exists. The caller answers the same either way."""
    user = session.scalars(
        sa.select(User).where(User.login_id == login_id, User.is_active.is_(True))
    ).first()
    if user is None or not user.email:
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    token = _new_token(user, TokenPurpose.password_reset, timedelta(hours=hours))
    mail.enqueue(user.email, "password_reset", user=user, link=_link(token), hours=hours)
    audit.record("user.password_reset_requested", user, user=user)


def send_account_setup(user: User) -> None:
    """The account-issuance e-mail: the login ID and a link to set the first password."""
    days = current_app.config["ACCOUNT_SETUP_DAYS"]
    token = _new_token(user, TokenPurpose.account_setup, timedelta(days=days))
    mail.enqueue(user.email, "account_issued", user=user, link=_link(token), days=days)


def set_password_with_token(token_row: AccountToken, new_password: str) -> User:
    user = token_row.user
    token_row.used_at = utcnow()
    # Other unused links of the same user stop working too: the newest password wins.
    session.execute(
        sa.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    _store_password(user, new_password)
    audit.record(f"user.password_set.{token_row.purpose.value}", user, user=user)
    return user


def change_password(user: User, new_password: str) -> None:
    """Change the password, end every session (stolen cookies included), and start a fresh
    one for the person who made the change."""
    _store_password(user, new_password)
    audit.record("user.password_changed", user, user=user)
    sessions.start(user)


def _store_password(user: User, new_password: str) -> None:
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    sessions.end_all(user)


# --- issuing accounts --------------------------------------------------------------------

def generate_login_id() -> str:
    """An opaque ID such as ``gm48213907``: easy to read out on the phone, not guessable
    from the facility."""
    while True:
        candidate = f"gm{secrets.randbelow(10**8):08d}"
        exists = session.scalar(sa.select(sa.exists().where(User.login_id == candidate)))
        if not exists:
            return candidate


def issue_account(
    *, role: Role, name: str, email: str, login_id: str | None = None, **organisation
) -> User:
    """Create a user without a password and send the account-issuance e-mail."""
    user = User(
        login_id=login_id or generate_login_id(),
        role=role,
        name=name,
        email=email,
        **organisation,
    )
    session.add(user)
    session.flush()
    send_account_setup(user)
    audit.record("user.issued", user, role=role.value, login_id=user.login_id)
    return user


def addresses_of(organisation: sa.ColumnElement[bool]) -> list[str]:
    """The e-mail addresses of the active users ``organisation`` selects (a WHERE clause on
    User, e.g. ``User.facility_id == 12``), each once, for notices to an organisation."""
    return list(dict.fromkeys(session.scalars(sa.select(User.email).where(
        organisation, User.is_active.is_(True), User.email != "").order_by(User.id))))
