"""The password rule and password hashing.

Rule (from the operating manual): upper- and lower-case ASCII letters and digits, 8 characters
or more. We also accept long passphrases (up to 128 characters) and refuse passwords that appear
in the leaked-password lists shipped with zxcvbn.
"""

from __future__ import annotations

import re
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, login_id: str = "") -> list[str]:
    """Everything wrong with ``password``, in Japanese; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"{MIN_LENGTH}文字以上にしてください(現在{len(password)}文字)。")
    if len(password) > MAX_LENGTH:
        problems.append(f"{MAX_LENGTH}文字以内にしてください。")
    missing = [
        label
        for pattern, label in ((r"[A-Z]", "英大文字"), (r"[a-z]", "英小文字"), (r"[0-9]", "数字"))
        if not re.search(pattern, password)
    ]
    if missing:
        problems.append("半角の" + "・".join(missing) + "を含めてください。")
    lowered = password.lower()
    stem = re.sub(r"\d+$", "", lowered)  # "Password2026" is as weak as "password"
    if lowered in _common_passwords() or (stem and stem in _common_passwords()):
        problems.append("よく使われていて推測されやすいパスワードです。別のものにしてください。")
    if login_id and login_id.lower() in password.lower():
        problems.append("ユーザID(ログインID)を含まないパスワードにしてください。")
    return problems


def hash_password(password: str) -> str:
    # Werkzeug's default is scrypt, a memory-hard KDF: slow for an attacker with a leaked table.
    return generate_password_hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    return hash_password("timing-equaliser-Aa1")


def burn_equal_time(password: str) -> None:
    """Spend as long as a real check, so unknown IDs cannot be told apart by timing."""
    check_password_hash(_dummy_hash(), password)
