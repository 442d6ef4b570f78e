"""Normalising what people type (full-width digits, hyphens, spaces) and validating codes."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_DASHES = "-‐‑‒–—―−ー－ｰ"
_DASH_RE = re.compile(f"[{re.escape(_DASHES)}]")


def normalise(value: str | None) -> str:
    """NFKC (full-width ASCII to half-width, half-width kana to full-width), trimmed,
    inner runs of white space collapsed."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()


#: Katakana ァ (U+30A1) to ヶ (U+30F6) sit 0x60 above their hiragana.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def search_fold(value: str | None) -> str:
    """What is typed into a search and what it is matched against, folded alike: NFKC
    (half-width kana and full-width letters to their usual forms), katakana as hiragana,
    lower case, without spaces: 「ｻｸﾗ」, 「サクラ」 and 「さくら」 all become 「さくら」."""
    folded = normalise(value).translate(_KATAKANA_TO_HIRAGANA).lower()
    return re.sub(r"\s+", "", folded)


def normalise_email(value: str | None) -> str:
    """Half-width, without spaces, the domain in lower case (only the domain is
    case-insensitive)."""
    local, at, domain = normalise(value).replace(" ", "").rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else domain


def digits_only(value: str | None) -> str:
    """For codes and numbers typed with full-width digits, hyphens, spaces or 〒."""
    value = _DASH_RE.sub("", normalise(value))
    return re.sub(r"[\s〒()]", "", value)


def luhn_check_digit(payload: str) -> int:
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


#: 点数表 digit of a 医療機関コード: 1 医科, 3 歯科, 4 薬局.
SCORE_TABLE_LABELS = {"1": "医科", "3": "歯科", "4": "薬局"}


def facility_code_error(code: str) -> str | None:
    """Why ``code`` (already digits only) is not a valid 医療機関コード, or None.

    Layout: prefecture (2) + 点数表 (1) + 郡市区 (2) + number (4) + check digit (1);
    the check digit is Luhn over the first nine digits.
    """
    if not re.fullmatch(r"\d{10}", code):
        return "医療機関コードは10桁の数字で入力してください。"
    if not "01" <= code[:2] <= "47":
        return "医療機関コードの先頭2桁(都道府県番号)は01〜47です。"
    if code[2] not in SCORE_TABLE_LABELS:
        return "医療機関コードの3桁目(点数表番号)は1(医科)・3(歯科)・4(薬局)のいずれかです。"
    if luhn_check_digit(code[:9]) != int(code[9]):
        return "医療機関コードのチェックデジット(10桁目)が正しくありません。番号をご確認ください。"
    return None


def with_check_digit(first_nine: str) -> str:
    return first_nine + str(luhn_check_digit(first_nine))


def phone_error(phone: str) -> str | None:
    if not re.fullmatch(r"0\d{9,10}", phone):
        return "電話番号は0から始まる10桁または11桁の数字で入力してください(ハイフンは省略可)。"
    return None


def format_phone(phone: str) -> str:
    """Digits as stored, shown with hyphens where Japan's numbering plan puts them
    (011-611-6202, 03-5321-1111, 0557-12-3456); the split depends on the area code."""
    try:
        number = phonenumbers.parse(phone, "JP")
    except phonenumbers.NumberParseException:
        return phone
    if not phonenumbers.is_possible_number(number):
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def format_postal(code: str) -> str:
    return f"{code[:3]}-{code[3:]}" if len(code) == 7 else code
