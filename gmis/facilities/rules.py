"""How each facility master field is normalised and checked.

One set of rules shared by the edit form and the CSV import, so a value the screen refuses
is refused by the import with the same Japanese message, and vice versa. Each ``clean_*``
takes what a person typed (full-width digits, hyphens, spaces) and returns the value to
store, or raises ``RuleError`` with the message to show.
"""

from __future__ import annotations

import math
import re

from email_validator import EmailNotValidError, validate_email

from gmis.models import DESIGNATIONS, FacilityType
from gmis.text import digits_only, facility_code_error, normalise, phone_error

NAME_MAX = 120
KANA_MAX = 240
ADDRESS_MAX = 200
EMAIL_MAX = 254
BEDS_MAX = 99_999

#: Japan lies within these bounds (沖ノ鳥島 to 択捉島, 与那国島 to 南鳥島); a value outside
#: them is almost always latitude and longitude swapped or a typing slip.
LATITUDE_RANGE = (20.0, 46.0)
LONGITUDE_RANGE = (122.0, 154.0)

#: 点数表 digits (3rd digit of the 医療機関コード) each facility type may carry.
SCORE_TABLE_DIGITS = {
    FacilityType.hospital: {"1"},
    FacilityType.clinic: {"1"},
    FacilityType.dental_clinic: {"3"},
    FacilityType.pharmacy: {"4"},
    FacilityType.outpatient_centre: {"1", "3", "4"},
}

_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RuleError(ValueError):
    """A value a person typed that cannot be stored; ``str(error)`` is the Japanese reason."""


def clean_text(value: str | None) -> str:
    """``normalise``, and control characters (which PostgreSQL refuses in text, NUL above
    all) made into spaces."""
    return normalise(_CONTROL.sub(" ", value or ""))


def to_katakana(value: str) -> str:
    """ひらがな to カタカナ, so kana typed either way is stored (and searched) alike."""
    return _HIRAGANA.sub(lambda m: chr(ord(m.group()) + 0x60), value)


def clean_name(value: str | None) -> str:
    value = clean_text(value)
    if not value:
        raise RuleError("名称を入力してください。")
    if len(value) > NAME_MAX:
        raise RuleError(f"名称は{NAME_MAX}文字以内で入力してください。")
    return value


def clean_kana(value: str | None) -> str:
    value = to_katakana(clean_text(value))
    if len(value) > KANA_MAX:
        raise RuleError(f"名称カナは{KANA_MAX}文字以内で入力してください。")
    return value


def clean_postal_code(value: str | None) -> str:
    value = digits_only(value)
    if value and not re.fullmatch(r"\d{7}", value):
        raise RuleError("郵便番号は7桁の数字で入力してください(例: 160-0023)。")
    return value


def clean_address(value: str | None) -> str:
    value = clean_text(value)
    if len(value) > ADDRESS_MAX:
        raise RuleError(f"住所は{ADDRESS_MAX}文字以内で入力してください。")
    return value


def clean_phone(value: str | None) -> str:
    value = digits_only(value)
    if value and (message := phone_error(value)):
        raise RuleError(message)
    return value


def clean_email(value: str | None) -> str:
    value = clean_text(value)
    if not value:
        return ""
    if len(value) > EMAIL_MAX:
        raise RuleError(f"メールアドレスは{EMAIL_MAX}文字以内で入力してください。")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise RuleError(
            "メールアドレスの形式が正しくありません(例: info@example.jp)。"
        ) from None


def clean_beds(value: str | int | None) -> int | None:
    if isinstance(value, int):
        text = str(value)
    else:
        text = normalise(value).replace(",", "").removesuffix("床").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d+", text) or int(text) > BEDS_MAX:
        raise RuleError("病床数は0以上の整数で入力してください。")
    return int(text)


def _clean_degrees(value: str | float | None, label: str, bounds: tuple[float, float]):
    text = normalise(str(value) if isinstance(value, float) else value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise RuleError(f"{label}は数値(度単位の10進数)で入力してください。") from None
    low, high = bounds
    if not math.isfinite(number) or not low <= number <= high:
        raise RuleError(
            f"{label}は{low:g}〜{high:g}の範囲で入力してください(日本国内の位置)。"
            "緯度と経度が逆になっていないかご確認ください。"
        )
    return number


def clean_latitude(value: str | float | None) -> float | None:
    return _clean_degrees(value, "緯度", LATITUDE_RANGE)


def clean_longitude(value: str | float | None) -> float | None:
    return _clean_degrees(value, "経度", LONGITUDE_RANGE)


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise RuleError("緯度と経度は両方入力するか、両方とも空欄にしてください。")


def clean_insurance_code(value: str | None) -> str | None:
    value = digits_only(value)
    if not value:
        return None
    if not re.fullmatch(r"\d{7}|\d{10}", value):
        raise RuleError("保険医療機関コードは7桁または10桁の数字で入力してください。")
    return value


def clean_facility_code(value: str | None, facility_type: FacilityType | None = None) -> str:
    code = digits_only(value)
    if not code:
        raise RuleError("医療機関コードを入力してください。")
    if message := facility_code_error(code):
        raise RuleError(message)
    if facility_type is not None and code[2] not in SCORE_TABLE_DIGITS[facility_type]:
        raise RuleError(
            f"医療機関コードの3桁目({code[2]})が施設種別「{facility_type.label}」と"
            "合っていません(病院・診療所は1、歯科診療所は3、薬局は4)。"
        )
    return code


_TYPE_BY_TEXT = {
    **{member.value: member for member in FacilityType},
    **{member.label: member for member in FacilityType},
}


def clean_facility_type(value: str | None) -> FacilityType:
    text = normalise(value)
    if not text:
        raise RuleError("施設種別を入力してください。")
    try:
        return _TYPE_BY_TEXT[text]
    except KeyError:
        labels = "・".join(member.label for member in FacilityType)
        raise RuleError(f"施設種別「{text}」は使えません({labels}のいずれか)。") from None


_DESIGNATION_BY_TEXT = {**{key: key for key in DESIGNATIONS},
                        **{label: key for key, label in DESIGNATIONS.items()}}


def clean_designations(value: str | None) -> list[str]:
    """Labels or keys separated by ``;`` or ``、`` (full-width ``；`` too)."""
    keys: list[str] = []
    for part in re.split(r"[;、,]", normalise(value)):
        part = part.strip()
        if not part:
            continue
        key = _DESIGNATION_BY_TEXT.get(part)
        if key is None:
            raise RuleError(f"指定「{part}」は登録されていません。")
        if key not in keys:
            keys.append(key)
    return sorted(keys)
