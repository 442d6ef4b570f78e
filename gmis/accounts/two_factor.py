"""Two-factor sign-in (二要素認証) with time-based one-time passwords (TOTP, RFC 6238) and
single-use recovery codes.

A user enrols by scanning a QR code (or typing the key) into an authenticator app and
confirming one code; from then on sign-in asks for a current code after the password.
Which roles must enrol is configuration (``TWO_FACTOR_REQUIRED_ROLES``, see
``required_roles``). Each use case changes data and flushes; the request commits.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata

import pyotp
import segno
import sqlalchemy as sa
from flask import Flask, current_app

from gmis import audit
from gmis.accounts import sessions
from gmis.db import session, utcnow
from gmis.models import RecoveryCode, Role, User

#: The name the authenticator app shows beside the codes.
ISSUER = "G-MIS"
#: Codes of one step before and after the current one are accepted: a phone's clock a
#: little fast or slow, or a code typed as it changed, still works (RFC 6238 §5.2).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
#: Letters and digits that cannot be mistaken for one another when read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUPS = 3
_RECOVERY_GROUP_LENGTH = 4

#: Required in production unless configured otherwise: the roles that read many facilities'
#: data. Facilities and aggregators may enrol but are not made to.
PRODUCTION_REQUIRED_ROLES = frozenset({Role.prefecture, Role.city, Role.fire_department,
                                       Role.national, Role.secretariat})

DEVELOPMENT_NOTICE = "開発用の設定のため二要素認証は必須になっていません。本番環境では必須です。"


class TwoFactorSettingError(ValueError):
    """GMIS_TWO_FACTOR_REQUIRED_ROLES names something that is not a role."""


# --- configuration -----------------------------------------------------------------------

def parse_required_roles(setting: str | None, environment: str | None) -> frozenset[Role]:
    """The roles that must enrol. Unset: none in development (the demo users sign in with
    the README's password alone), ``PRODUCTION_REQUIRED_ROLES`` anywhere else. Set: the
    comma-separated roles it names, and an empty value means none."""
    if setting is None:
        return frozenset() if environment == "development" else PRODUCTION_REQUIRED_ROLES
    names = [name.strip() for name in setting.split(",") if name.strip()]
    unknown = [name for name in names if name not in Role.__members__]
    if unknown:
        raise TwoFactorSettingError(
            f"GMIS_TWO_FACTOR_REQUIRED_ROLES={setting!r}: {', '.join(unknown)} は利用者の種別では"
            f"ありません。{', '.join(role.value for role in Role)} から、カンマ区切りで"
            "指定してください。")
    return frozenset(Role(name) for name in names)


def required_roles() -> frozenset[Role]:
    config = current_app.config
    return parse_required_roles(config.get("TWO_FACTOR_REQUIRED_ROLES"),
                                config.get("ENVIRONMENT"))


def init_app(app: Flask) -> None:
    """Refuse to start with a required-roles setting that names no role."""
    parse_required_roles(app.config.get("TWO_FACTOR_REQUIRED_ROLES"),
                         app.config.get("ENVIRONMENT"))
    app.jinja_env.globals["two_factor_notice"] = development_notice


def is_enrolled(user: User) -> bool:
    return user.two_factor_enabled_at is not None


def is_required(user: User) -> bool:
    return user.role in required_roles()


def enrolment_due(user: User) -> bool:
    """Whether ``user`` must enrol before doing anything else."""
    return is_required(user) and not is_enrolled(user)


def development_notice(user) -> str | None:
    """The banner for staff who would have to enrol in production but need not here."""
    if not getattr(user, "is_authenticated", False) or is_enrolled(user):
        return None
    if current_app.config.get("ENVIRONMENT") != "development" or is_required(user):
        return None
    return DEVELOPMENT_NOTICE if user.role in PRODUCTION_REQUIRED_ROLES else None


# --- the secret, its QR code and its codes -------------------------------------------------

def new_secret() -> str:
    """160 random bits in base32, the length RFC 4226 recommends."""
    return pyotp.random_base32()


def grouped_key(secret: str) -> str:
    """``JBSW Y3DP EHPK 3PXP …``: the key in groups of four, to type without losing one's
    place (authenticator apps ignore the spaces)."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(user: User, secret: str) -> str:
    """The enrolment QR code as inline SVG: drawn by the app, no image service, and no
    inline style for the Content-Security-Policy to refuse."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.login_id, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", svgclass="qr-code",
        lineclass=None)


def real_time() -> float:
    """Now, in real Unix time. Not the app's clock: a training instance's shifted clock
    (gmis/clock.py) must not shift the codes, which the phone computes from real time."""
    return time.time()


def matching_step(secret: str, code: str) -> int | None:
    """The time step (within ``DRIFT_STEPS``) whose code ``code`` is, or None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(real_time())
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def normalise_code(typed: str | None) -> str:
    """What was typed, without spaces and hyphens, full-width digits made half-width."""
    text = unicodedata.normalize("NFKC", typed or "").lower()
    return "".join(ch for ch in text if ch not in " -\t")


def looks_like_totp(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    return "-".join(
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LENGTH))
        for _ in range(_RECOVERY_GROUPS))


# --- use cases ------------------------------------------------------------------------------

def claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used, unless it (or a later one) already was. One UPDATE with the
    comparison in its WHERE clause: two requests with the same code, on any workers, cannot
    both succeed."""
    result = session.execute(
        sa.update(User)
        .where(User.id == user.id,
               sa.or_(User.two_factor_last_step.is_(None), User.two_factor_last_step < step))
        .values(two_factor_last_step=step))
    return result.rowcount == 1


def claim_recovery_code(user: User, typed: str) -> bool:
    """Use up one unused recovery code of ``user`` (atomically, like ``claim_step``)."""
    result = session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(typed),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()))
    return result.rowcount == 1


def check_code(user: User, typed: str) -> str | None:
    """How ``typed`` proves the second factor (``"totp"`` or ``"recovery_code"``), or None
    when it does not. A code that works is used up."""
    code = normalise_code(typed)
    if looks_like_totp(code):
        step = matching_step(user.two_factor_secret or "", code) if is_enrolled(user) else None
        return "totp" if step is not None and claim_step(user, step) else None
    if code and claim_recovery_code(user, code):
        audit.record("two_factor.recovery_code_used", user, user=user,
                     remaining=remaining_recovery_codes(user))
        return "recovery_code"
    return None


def remaining_recovery_codes(user: User) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def enrol(user: User, secret: str, step: int) -> list[str]:
    """Turn two-factor sign-in on with ``secret``, whose code of ``step`` the user has just
    typed (that code cannot then sign in). Returns the new recovery codes, to be shown once:
    only their hashes are kept."""
    user.two_factor_secret = secret
    user.two_factor_enabled_at = utcnow()
    user.two_factor_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record("two_factor.enrolled", user, user=user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    _delete_recovery_codes(user)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)) for code in codes)
    session.flush()
    return codes


def _delete_recovery_codes(user: User) -> None:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _turn_off(user: User) -> None:
    user.two_factor_secret = None
    user.two_factor_enabled_at = None
    user.two_factor_last_step = None
    _delete_recovery_codes(user)


def disable(user: User) -> None:
    """The user turns two-factor sign-in off (to change phones, enrol again)."""
    _turn_off(user)
    audit.record("two_factor.disabled", user, user=user)


def reset(user: User) -> None:
    """The secretariat turns ``user``'s two-factor sign-in off (a lost phone and no recovery
    codes left). Every session of the user ends, so the next sign-in is a fresh one, which
    asks for enrolment where the role requires it."""
    _turn_off(user)
    ended = sessions.end_all(user)
    audit.record("two_factor.reset", user, login_id=user.login_id, sessions_ended=ended)
