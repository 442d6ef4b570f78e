"""Account use cases: sign-in with lock-out, issuing accounts, set-up and reset links,
password changes. Each changes data and flushes; the request commits.

Nothing here reads the app's configuration or builds a URL itself: the callers pass the
lock-out rule (``Lockout``) and what account e-mails need (``AccountMail``), made from
the app they run in, so the use cases work the same from a page, the mail worker or a
command."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from gmis import audit, mail
from gmis.accounts import passwords, sessions
from gmis.db import session, utcnow
from gmis.models import AccountToken, PasswordResetRequest, Role, TokenPurpose, User

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class Lockout:
    """When wrong attempts lock an account: the ``max_failures``-th one in a row locks it
    for ``minutes`` (``LOGIN_MAX_FAILURES``, ``LOGIN_LOCK_MINUTES``)."""

    max_failures: int
    minutes: int

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Lockout:
        return cls(config["LOGIN_MAX_FAILURES"], config["LOGIN_LOCK_MINUTES"])


@dataclass(frozen=True)
class AccountMail:
    """What account e-mails need from the app: the address of the set-password page for a
    token, and how long reset links (``PASSWORD_RESET_HOURS``) and account set-up links
    (``ACCOUNT_SETUP_DAYS``) last."""

    base_url: str
    set_password_path: Callable[[str], str]
    reset_hours: int
    setup_days: int

    @classmethod
    def of(cls, app: Flask) -> AccountMail:
        # Built from the URL map, not url_for: the mail worker has no request to build it in.
        urls = app.url_map.bind("")
        return cls(
            base_url=app.config["BASE_URL"],
            set_password_path=lambda token: urls.build("auth.set_password", {"token": token}),
            reset_hours=app.config["PASSWORD_RESET_HOURS"],
            setup_days=app.config["ACCOUNT_SETUP_DAYS"],
        )

    def link(self, token: str) -> str:
        return self.base_url.rstrip("/") + self.set_password_path(token)


#: The one answer to every refused sign-in: an unknown ID, a wrong password, a locked
#: account. Telling them apart would let anybody find out which IDs exist (and which are
#: locked), so the page says for all of them that repeated failures lock sign-in.
WRONG_CREDENTIALS = (
    "ユーザIDまたはパスワードが正しくありません。"
    "続けて失敗すると、安全のため、しばらくの間ログインできなくなります。"
)


class SignInError(Exception):
    """A refused sign-in, whatever the reason: ``WRONG_CREDENTIALS`` on the sign-in form.

    Not a ``gmis.refusals.Refused``: none of its kinds is 401, the answer while who is asking
    is not established, and it is never answered with the error page."""

    status = 401

    def __init__(self):
        super().__init__(WRONG_CREDENTIALS)
        self.message = WRONG_CREDENTIALS


class AccountLocked(Exception):
    """Too many wrong passwords in a row: the account refuses passwords for a while.
    ``signed_out``: this attempt locked it, and every session of the user has ended.

    Not a ``gmis.refusals.Refused``: the callers act on ``signed_out`` (sign the browser out
    and go to the sign-in page, or show the form again with the reason) and each says the
    lock in words of its own page."""

    def __init__(self, signed_out: bool):
        super().__init__("account locked")
        self.signed_out = signed_out


class TokenAlreadyUsed(Exception):
    """Another request used the same set-password link first.

    Not a ``gmis.refusals.Refused``: the page answers it exactly as it answers a link that
    was used or expired before (the invalid-link page, 410), not with a message of its own."""


#: Shown on the sign-in page after wrong current passwords locked the account.
LOCKED_BY_PASSWORD_CHANGE = (
    "現在のパスワードの確認に続けて失敗したため、ログアウトしました。"
    "しばらくしてから、ログインし直してください。"
)


def _record_refusal(login_id: str, claim: sa.Row | None) -> None:
    """Note a refused sign-in in the audit log, in a transaction of its own (see
    ``audit.record_now``): the ID as typed (cut to a bounded length), why it was refused,
    the account when the ID is one; never the password. The account is read the same way
    whatever the reason, so that the work does not tell the reasons apart."""
    account = session.scalars(sa.select(User).where(User.login_id == login_id)).first()
    if claim is not None:
        reason = "wrong_password"
    elif account is None or not account.is_active or account.password_hash is None:
        reason = "unknown_id"
    else:
        reason = "locked"
    audit.record_now("user.sign_in_failed", account, login_id=audit.typed(login_id),
                     reason=reason)


def authenticate(login_id: str, password: str, lockout: Lockout) -> User:
    """The user whose ID and password these are, or ``SignInError``; no session is started.

    Every attempt on an existing, unlocked account is counted before the password is
    looked at (see ``_claim_attempt``); the ``lockout.max_failures``-th one in a row locks
    the account for ``lockout.minutes``, and a completed sign-in (``start_session``) clears
    the count. While the account is locked even the right password is refused, unchecked,
    with the same answer as a wrong one. The counters live in the database, so every
    worker process and every app server sees the same lock.
    """
    claim = _claim_attempt(login_id, lockout)
    if claim is None:
        # Unknown, inactive, without a password yet, or locked: the same time as a check.
        passwords.burn_equal_time(password)
        _record_refusal(login_id, claim)
        raise SignInError
    if not passwords.verify_password(claim.password_hash, password):
        if _locks_now(claim):
            _record_lock(claim.id)
        _record_refusal(login_id, claim)
        raise SignInError
    return session.get(User, claim.id)


def _claim_attempt(login_id: str, lockout: Lockout) -> sa.Row | None:
    """Count one password attempt on ``login_id``, or None when none may be made.

    One UPDATE checks that the account exists and is not locked, adds the attempt, and
    locks the account when the attempt reaches the limit, so that concurrent guesses on
    several workers can never check more than ``lockout.max_failures`` passwords before
    the lock. It is committed at once: no rollback can take an attempt back, and the row is not
    held while the (slow) password check runs.
    """
    now = utcnow()
    reaches_limit = User.failed_logins + 1 >= lockout.max_failures
    claim = session.execute(
        sa.update(User)
        .where(
            User.login_id == login_id,
            User.is_active.is_(True),
            User.password_hash.is_not(None),
            sa.or_(User.locked_until.is_(None), User.locked_until <= now),
        )
        .values(
            failed_logins=sa.case((reaches_limit, 0), else_=User.failed_logins + 1),
            locked_until=sa.case(
                (reaches_limit, now + timedelta(minutes=lockout.minutes)),
                else_=User.locked_until,
            ),
        )
        .returning(User.id, User.password_hash, User.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    return claim


def _locks_now(claim: sa.Row) -> bool:
    return claim.locked_until is not None and claim.locked_until > utcnow()


def _record_lock(user_id: int) -> None:
    # Kept whatever the request answers; written once its own transaction is over, so that
    # this read never has to turn into a write while other sign-ins write.
    user = session.get(User, user_id)
    audit.record_now("user.locked", user, user=user)


def locked_message(user: User) -> str | None:
    """What a locked account is told (the same at the password and at the code), or None
    when it is not locked."""
    now = utcnow()
    if not (user.locked_until and user.locked_until > now):
        return None
    minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
    return (f"ログインに続けて失敗したため、アカウントを一時的にロックしています。"
            f"約{minutes}分後に再度お試しください。")


def second_factor_attempt(user: User, check: Callable[[], str | None],
                          lockout: Lockout) -> str | None:
    """Run ``check`` (a second-factor code's verification, answering how it passed or None)
    as one attempt counted towards the same lock-out as the password, before the code is
    looked at: concurrent guesses cannot check more codes than the limit allows.

    Raises ``AccountLocked`` when the account is locked already (``signed_out`` False) or
    this wrong code locked it (True)."""
    claim = _claim_attempt(user.login_id, lockout)
    if claim is None:
        raise AccountLocked(signed_out=False)
    passed = check()
    if passed is None and _locks_now(claim):
        _record_lock(user.id)
        raise AccountLocked(signed_out=True)
    return passed


def start_session(user: User) -> None:
    """Sign ``user`` in, once every factor has been checked."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    if user.two_factor_enabled_at is None:
        # A secret shown on the enrolment page but never confirmed is not carried into a
        # new session: whoever saw it in an earlier one cannot wait for it to be enrolled.
        user.two_factor_secret = None
    sessions.start(user)
    audit.record("user.sign_in", user, user=user)


def confirm_current_password(user: User, password: str, lockout: Lockout) -> bool:
    """Whether ``password`` is the signed-in ``user``'s current one (changing the password
    and enrolling in two-factor ask for it); see ``counted_check``."""
    return counted_check(
        user, lambda password_hash: passwords.verify_password(password_hash, password), lockout
    )


def counted_check(user: User, check: Callable[[str], bool], lockout: Lockout) -> bool:
    """A signed-in ``user`` proving who they are again (``check`` gets the stored password
    hash): one attempt counted towards the same lock-out as at sign-in, before anything is
    checked, so that a borrowed session cannot be used to guess the password or a code. The
    wrong attempt that locks the account ends every session of the user and raises
    ``AccountLocked``, as does an account that is locked already (then the sessions are
    kept: somebody else may have locked it from the sign-in page, and that must not sign
    its owner out)."""
    claim = _claim_attempt(user.login_id, lockout)
    if claim is None:
        raise AccountLocked(signed_out=False)
    if check(claim.password_hash):
        user.failed_logins = 0
        user.locked_until = None
        return True
    if _locks_now(claim):
        _record_lock(user.id)
        sessions.end_all(user)
        session.commit()
        raise AccountLocked(signed_out=True)
    return False


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


def find_token(token: str) -> AccountToken | None:
    """A token that can still be used, or None (unknown, used or expired)."""
    return session.scalars(
        sa.select(AccountToken).where(
            AccountToken.token_hash == hashlib.sha256(token.encode()).hexdigest(),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    ).first()


def request_password_reset(login_id: str, ip_address: str = "") -> None:
    """Note that a reset link was asked for ``login_id``; the mail worker sends it
    (``send_requested_resets``) if the ID exists. Exactly the same work is done here for
    every ID, so neither the answer nor its timing tells whether the ID exists."""
    session.add(PasswordResetRequest(login_id=login_id[:64], ip_address=ip_address[:45]))


def send_requested_resets(account_mail: AccountMail, limit: int = 100) -> int:
    """The worker's side of password resets: a link and an e-mail for each request whose ID
    exists and has an address; every request is then deleted. Returns how many were read."""
    requests = session.scalars(
        sa.select(PasswordResetRequest).order_by(PasswordResetRequest.id).limit(limit)
        # Several workers may run: each request is taken by one of them.
        .with_for_update(skip_locked=True)
    ).all()
    hours = account_mail.reset_hours
    for reset in requests:
        user = session.scalars(
            sa.select(User).where(User.login_id == reset.login_id, User.is_active.is_(True))
        ).first()
        if user is not None and user.email:
            link = account_mail.link(
                _new_token(user, TokenPurpose.password_reset, timedelta(hours=hours)))
            mail.enqueue(user.email, "password_reset", secret=link, user=user, link=link,
                         hours=hours)
            audit.record("user.password_reset_requested", user, user=user,
                         requested_from=reset.ip_address)
        session.delete(reset)
    session.commit()
    return len(requests)


def send_account_setup(user: User, account_mail: AccountMail) -> None:
    """The account-issuance e-mail: the login ID and a link to set the first password."""
    days = account_mail.setup_days
    link = account_mail.link(_new_token(user, TokenPurpose.account_setup, timedelta(days=days)))
    mail.enqueue(user.email, "account_issued", secret=link, user=user, link=link, days=days)


def set_password_with_token(token_row: AccountToken, new_password: str) -> User:
    """Set the password through a link, which is used up; ``TokenAlreadyUsed`` when another
    request used (or the expiry ended) the link between reading it and now."""
    _use_token(token_row)
    user = token_row.user
    _store_password(user, new_password)
    audit.record(f"user.password_set.{token_row.purpose.value}", user, user=user)
    return user


def _use_token(token_row: AccountToken) -> None:
    # A conditional UPDATE: of two requests with the same link, the database lets exactly
    # one change the row; the other sees it used and is refused. It starts a transaction
    # of its own (the one that read the link had written nothing): on SQLite a write after
    # a read fails outright ("database is locked") when another request wrote in between,
    # where a fresh one waits for it and then sees the link used.
    token_id = token_row.id  # read before the commit expires it: the UPDATE comes first
    session.commit()
    now = utcnow()
    used = session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == token_id, AccountToken.used_at.is_(None),
               AccountToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise TokenAlreadyUsed
    token_row.used_at = now


def change_password(user: User, new_password: str) -> None:
    """Change the password, end every session (stolen cookies included), and start a fresh
    one for the person who made the change."""
    _store_password(user, new_password)
    audit.record("user.password_changed", user, user=user)
    sessions.start(user)


def _store_password(user: User, new_password: str) -> None:
    """Every way of setting a password comes here: the new password ends every session and
    every set-password link the user still had (a link mailed before the change must not
    undo it)."""
    now = utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    session.execute(
        sa.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    sessions.end_all(user)


def init_app(app: Flask) -> None:
    # Read at each delivery, from the worker's own app, as the mail worker always did.
    mail.before_delivery(app, lambda: send_requested_resets(AccountMail.of(app)))


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
    *, role: Role, name: str, email: str, account_mail: AccountMail,
    login_id: str | None = None, **organisation
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
    send_account_setup(user, account_mail)
    audit.record("user.issued", user, role=role.value, login_id=user.login_id)
    return user


def addresses_of(organisation: sa.ColumnElement[bool]) -> list[str]:
    """The e-mail addresses of the active users ``organisation`` selects (a WHERE clause on
    User, e.g. ``User.facility_id == 12``), each once, for notices to an organisation."""
    return list(dict.fromkeys(session.scalars(sa.select(User.email).where(
        organisation, User.is_active.is_(True), User.email != "").order_by(User.id))))
