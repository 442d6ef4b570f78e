"""Configuration read from environment variables (all prefixed ``GMIS_``).

Every setting is documented in README.md; defaults suit a single developer machine.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

#: The signing key of a development checkout. Anybody can read it here, so anybody could
#: sign a session cookie with it: outside development it is refused (``check_secret_key``).
DEVELOPMENT_SECRET_KEY = "dev-only-secret-change-me"
#: A shorter key can be searched for; 32 characters is what ``secrets.token_hex(16)`` gives.
MIN_SECRET_KEY_LENGTH = 32
MEGABYTE = 1024 * 1024


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"GMIS_{name}", default)


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _env_bool(name: str, default: bool) -> bool:
    return (_env(name, "1" if default else "0") or "").lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """The settings of this process, as a mapping for ``app.config``."""
    return {
        "SECRET_KEY": _env("SECRET_KEY", DEVELOPMENT_SECRET_KEY),
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
        **request_limits(),
        **rate_limits(),
        **database_timeouts(),
    }


def request_limits() -> dict:
    """What one request may carry (docs/operations.md, "Limits and rate limits"). Werkzeug
    refuses a larger body with 413 from its Content-Length, before reading it."""
    return {
        "MAX_CONTENT_LENGTH": _env_int("MAX_REQUEST_MB", 4) * MEGABYTE,
        # The whole of an urlencoded form, and each text part of a multipart one.
        "MAX_FORM_MEMORY_SIZE": _env_int("MAX_FORM_KB", 1024) * 1024,
        # Inputs of a multipart form: a 500-field survey with its tables stays well below.
        "MAX_FORM_PARTS": _env_int("MAX_FORM_PARTS", 5000),
        # A facility-master CSV given to ``facilities import``: read whole into memory; the
        # whole nation's ~240,000 facilities are about 70 MB.
        "FACILITY_IMPORT_MAX_MB": _env_int("FACILITY_IMPORT_MAX_MB", 200),
    }


def rate_limits() -> dict:
    """Flask-Limiter's settings and the limits of gmis/rate_limits.py, each a limit string
    such as ``10 per minute`` (several joined with ``;``)."""
    return {
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        # memory:// counts in each process alone; production shares redis:// among all.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX", "gmis"),
        # Counts the requests of the last minute (hour...), with no burst at a window's edge.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_SIGN_IN": _env("RATELIMIT_SIGN_IN", "30 per minute; 300 per hour"),
        "RATELIMIT_SIGN_IN_ACCOUNT": _env("RATELIMIT_SIGN_IN_ACCOUNT", "20 per hour"),
        "RATELIMIT_PASSWORD_RESET": _env("RATELIMIT_PASSWORD_RESET", "10 per hour"),
        "RATELIMIT_PASSWORD_RESET_ACCOUNT": _env("RATELIMIT_PASSWORD_RESET_ACCOUNT",
                                                 "3 per hour; 10 per day"),
        "RATELIMIT_REGISTRATION": _env("RATELIMIT_REGISTRATION", "30 per hour"),
        "RATELIMIT_REGISTRATION_EMAIL": _env("RATELIMIT_REGISTRATION_EMAIL", "3 per day"),
        "RATELIMIT_POSTAL_LOOKUP": _env("RATELIMIT_POSTAL_LOOKUP", "60 per minute"),
        "RATELIMIT_PUBLIC": _env("RATELIMIT_PUBLIC", "120 per minute"),
    }


def database_timeouts() -> dict:
    """How long the app waits for the database: a server that is down or stuck gives a 503
    page in seconds instead of holding every worker."""
    return {
        "DATABASE_CONNECT_TIMEOUT": _env_int("DATABASE_CONNECT_TIMEOUT", 5),
        "DATABASE_STATEMENT_TIMEOUT": _env_int("DATABASE_STATEMENT_TIMEOUT", 30),
    }


class InsecureSecretKey(RuntimeError):
    """The app was started outside development without a secret key of its own."""


def check_secret_key(config) -> None:
    """Refuse to start outside development (and outside tests) with the development key or
    a short one: whoever knows the key can sign a session cookie for any user."""
    if config.get("TESTING") or config.get("ENVIRONMENT") == "development":
        return
    key = config.get("SECRET_KEY") or ""
    if key != DEVELOPMENT_SECRET_KEY and len(key) >= MIN_SECRET_KEY_LENGTH:
        return
    problem = ("既定の開発用の値のまま" if key == DEVELOPMENT_SECRET_KEY
               else f"{MIN_SECRET_KEY_LENGTH}文字未満")
    raise InsecureSecretKey(
        f"GMIS_SECRET_KEY が{problem}です。GMIS_ENV={config.get('ENVIRONMENT')} では起動しません。"
        f"{MIN_SECRET_KEY_LENGTH}文字以上のランダムな値を設定してください。\n"
        f"GMIS_SECRET_KEY is the development default or shorter than {MIN_SECRET_KEY_LENGTH} "
        f"characters; refusing to start with GMIS_ENV={config.get('ENVIRONMENT')}. Set a long "
        "random value, the same on every app server, e.g.\n"
        "  export GMIS_SECRET_KEY=$(python -c \"import secrets; print(secrets.token_hex(32))\")"
    )
