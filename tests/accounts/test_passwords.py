import pytest

from gmis.accounts.passwords import hash_password, password_problems, verify_password


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Kanagawa-Ward9", []),
        ("Tk9" + "x" * 61, []),  # 64 characters are accepted
        ("Ab1" + "y" * 125, []),  # and 128
        ("Ab1" + "y" * 126, ["128文字以内にしてください。"]),
        ("Short1A", ["8文字以上にしてください(現在7文字)。"]),
        ("alllowercase1", ["半角の英大文字を含めてください。"]),
        ("ALLUPPERCASE1", ["半角の英小文字を含めてください。"]),
        ("NoDigitsHere", ["半角の数字を含めてください。"]),
        ("ｐａｓｓｗｏｒｄ", ["半角の英大文字・英小文字・数字を含めてください。"]),
    ],
)
def test_password_rule_names_what_is_missing(password, expected):
    assert password_problems(password) == expected


@pytest.mark.parametrize("password", ["Password1", "Password2026", "Iloveyou1", "Qwerty123"])
def test_common_passwords_are_refused(password):
    assert "よく使われていて推測されやすいパスワードです。別のものにしてください。" in (
        password_problems(password)
    )


def test_password_may_not_contain_the_login_id():
    assert "ユーザID(ログインID)を含まないパスワードにしてください。" in password_problems(
        "Gm12345678Ab", login_id="gm12345678"
    )


def test_hash_is_slow_kdf_and_verifies():
    hashed = hash_password("Kanagawa-Ward9")
    assert hashed.startswith("scrypt:")
    assert verify_password(hashed, "Kanagawa-Ward9")
    assert not verify_password(hashed, "kanagawa-ward9")
    assert not verify_password(None, "anything")
