"""Configuration read from environment variables (all prefixed ``GMIS_``).

Every setting is documented in README.md; defaults suit a single developer machine.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"GMIS_{name}", default)


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _env_bool(name: str, default: bool) -> bool:
    return (_env(name, "1" if default else "0") or "").lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """The settings of this process, as a mapping for ``app.config``."""
    return {
        "SECRET_KEY": _env("SECRET_KEY", "dev-only-secret-change-me"),
        "DATABASE_URL": _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'gmis.sqlite3'}"),
        # Absolute base of links in e-mails (password set-up, reset); the request host is
        # not trusted for this because it can be forged.
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_SECURE": _env_bool("SECURE_COOKIES", False),
        # How many reverse proxies in front of the app set X-Forwarded-For (0: none).
        "PROXY_HOPS": _env_int("PROXY_HOPS", 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A session ends this long after sign-in, however busy, and after this long
        # without a request (docs/security.md).
        "SESSION_LIFETIME_HOURS": _env_int("SESSION_LIFETIME_HOURS", 12),
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 60),
        # The cookie outlives its server-side session by a day, so that the sign-in page can
        # still say why the session ended; it signs nobody in by itself.
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=_env_int("SESSION_LIFETIME_HOURS", 12) + 24),
        "LOGIN_MAX_FAILURES": _env_int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _env_int("LOGIN_LOCK_MINUTES", 15),
        # Roles that must sign in with a second factor (comma list of role names, e.g.
        # "prefecture,city"; empty: none). Unset: none in development, the staff roles
        # elsewhere (gmis/accounts/two_factor.py, docs/security.md).
        "TWO_FACTOR_REQUIRED_ROLES": _env("TWO_FACTOR_REQUIRED_ROLES"),
        # How long the code may take to type after the right password.
        "TWO_FACTOR_PENDING_MINUTES": _env_int("TWO_FACTOR_PENDING_MINUTES", 5),
        "PASSWORD_RESET_HOURS": _env_int("PASSWORD_RESET_HOURS", 2),
        "ACCOUNT_SETUP_DAYS": _env_int("ACCOUNT_SETUP_DAYS", 14),
        # "log" writes outgoing mail to the application log; "smtp" sends it.
        "MAIL_BACKEND": _env("MAIL_BACKEND", "log"),
        "MAIL_SENDER": _env("MAIL_SENDER", "G-MIS事務局 <no-reply@gmis.example.jp>"),
        "SMTP_HOST": _env("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _env_int("SMTP_PORT", 25),
        "SMTP_USERNAME": _env("SMTP_USERNAME"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", False),
        "MAIL_MAX_ATTEMPTS": _env_int("MAIL_MAX_ATTEMPTS", 10),
        # Reminders go to facilities that have not answered this long before a deadline.
        "SURVEY_REMINDER_MINUTES": _env_int("SURVEY_REMINDER_MINUTES", 60),
        # The bed view marks figures of days longer ago than this as old.
        "BED_STALE_DAYS": _env_int("BED_STALE_DAYS", 1),
        # "production" refuses the training clock below; development, acceptance, training.
        "ENVIRONMENT": _env("ENV", "development"),
        # A training or acceptance instance's Japan time (gmis/clock.py, docs/operations.md):
        # GMIS_CLOCK shown at the real GMIS_CLOCK_FROM and running on, or GMIS_CLOCK_OFFSET.
        "CLOCK": _env("CLOCK"),
        "CLOCK_FROM": _env("CLOCK_FROM"),
        "CLOCK_OFFSET": _env("CLOCK_OFFSET"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    }
