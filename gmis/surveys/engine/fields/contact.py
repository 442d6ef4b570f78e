"""Codes and contact details, checked the way the registration forms check them: postal
code (looked up), phone number, e-mail address and 医療機関コード."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from gmis.postal import lookup
from gmis.surveys.engine.fields.base import BuiltinField, Parsed, form_text
from gmis.text import (
    digits_only,
    facility_code_error,
    format_phone,
    format_postal,
    normalise_email,
    phone_error,
)


class _Code(BuiltinField):
    """Stored as digits only; ``from_json`` takes only what ``parse`` would store."""

    pattern: re.Pattern

    def from_json(self, value):
        if value is not None and not (isinstance(value, str) and self.pattern.fullmatch(value)):
            raise ValueError(f"not a {self.name}: {value!r}")
        return value


class PostalCodeField(_Code):
    """郵便番号: seven digits (〒, hyphens and full-width digits accepted) of a code that
    exists; shown as 〒160-0023 with the address it stands for."""

    name = "postal_code"
    label = "郵便番号"
    description = "7桁の郵便番号。住所の候補を表示します。"
    category = "連絡先"
    pattern = re.compile(r"\d{7}")

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        code = digits_only(raw)
        if not code:
            return Parsed(None, raw)
        if not self.pattern.fullmatch(code):
            return Parsed(None, raw, "郵便番号は7桁の数字で入力してください(例: 160-0023)。")
        return Parsed(code, raw)

    def validate(self, value) -> list[str]:
        if lookup(value) is None:
            return [f"郵便番号 {format_postal(value)} は見つかりません。番号をご確認ください。"]
        return []

    def address(self, value) -> str:
        """The part of the address ``value`` (stored, or as typed) determines; empty if it
        is not a known code."""
        found = lookup(value) if isinstance(value, str) and value.strip() else None
        return found.address if found else ""

    def display(self, value) -> str:
        if self.is_empty(value):
            return ""
        address = self.address(value)
        return f"〒{format_postal(value)}" + (f" {address}" if address else "")

    def as_input(self, value):
        return "" if value is None else format_postal(value)

    def csv_cells(self, value) -> list[str]:
        # No address here: a look-up per row would slow a national export down.
        return ["" if self.is_empty(value) else format_postal(value)]


class PhoneField(_Code):
    """電話番号: digits of a Japanese number (hyphens, brackets, +81 accepted), shown with
    hyphens where the numbering plan puts them."""

    name = "phone"
    label = "電話番号"
    description = "電話番号。ハイフンの有無を問いません。"
    category = "連絡先"
    pattern = re.compile(r"0\d{9,10}")

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        digits = digits_only(raw)
        if not digits:
            return Parsed(None, raw)
        if digits.startswith("+81"):
            digits = "0" + digits[3:].removeprefix("0")
        error = phone_error(digits)
        return Parsed(None, raw, error) if error else Parsed(digits, raw)

    def display(self, value) -> str:
        return "" if self.is_empty(value) else format_phone(value)

    def as_input(self, value):
        return "" if value is None else format_phone(value)


EMAIL_MESSAGE = "メールアドレスの形式が正しくありません(例: info@example.jp)。"


class EmailField(BuiltinField):
    """メールアドレス: checked for form only (no look-up of the domain)."""

    name = "email"
    label = "メールアドレス"
    description = "メールアドレス。"
    category = "連絡先"

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        text = normalise_email(raw)
        if not text:
            return Parsed(None, raw)
        if "@" not in text:
            return Parsed(None, raw, "メールアドレスに「@」がありません(例: info@example.jp)。")
        try:
            address = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            return Parsed(None, raw, EMAIL_MESSAGE)
        return Parsed(address, raw)

    def from_json(self, value):
        if value is not None and not (isinstance(value, str) and "@" in value):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value


class FacilityCodeField(_Code):
    """医療機関コード: ten digits with a valid check digit (都道府県番号, 点数表番号 checked)."""

    name = "facility_code"
    label = "医療機関コード"
    description = "10桁の医療機関コード。"
    category = "連絡先"
    pattern = re.compile(r"\d{10}")

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        code = digits_only(raw)
        if not code:
            return Parsed(None, raw)
        error = facility_code_error(code)
        return Parsed(None, raw, error) if error else Parsed(code, raw)
