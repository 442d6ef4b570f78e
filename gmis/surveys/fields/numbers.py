"""Numbers: integers (counts of beds, patients, tests) and decimals."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from gmis.surveys.registry import FieldType, Parsed
from gmis.text import normalise

_SEPARATORS = re.compile(r"[,\s]")


def _number_text(raw: Any) -> str:
    """Full-width digits and signs made half-width, thousands separators dropped."""
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    return _SEPARATORS.sub("", normalise(text)
                           .replace("−", "-").replace("ー", "-"))


def _format(value: Decimal | int) -> str:
    return f"{value:,}" if isinstance(value, int) else format(value, "f")


class _Number(FieldType):
    def _bounds_problems(self, parse) -> list[tuple[str, str]]:
        problems = []
        for bound in ("min", "max"):
            value = getattr(self.definition, bound)
            if value is not None and parse(value) is None:
                problems.append((bound, f"{bound} は数値で書いてください。"))
        return problems

    def validate(self, value) -> list[str]:
        low, high = self.definition.min, self.definition.max
        unit = self.definition.unit
        if low is not None and high is not None and not Decimal(str(low)) <= value <= Decimal(
                str(high)):
            return [f"{_format(low)}〜{_format(high)}{unit}の範囲で入力してください。"]
        if low is not None and value < Decimal(str(low)):
            return [f"{_format(low)}{unit}以上で入力してください。"]
        if high is not None and value > Decimal(str(high)):
            return [f"{_format(high)}{unit}以下で入力してください。"]
        return []

    def display(self, value) -> str:
        if self.is_empty(value):
            return ""
        return _format(value) + (self.definition.unit or "")

    def csv_cells(self, value) -> list[str]:
        return ["" if value is None else str(value)]


class IntegerField(_Number):
    """A whole number, e.g. 空床数. Accepts full-width digits and thousands separators."""

    name = "integer"
    label = "整数"

    @staticmethod
    def _read(raw: Any) -> int | None:
        text = _number_text(raw)
        return int(text) if re.fullmatch(r"-?\d{1,15}", text) else None

    def check_definition(self):
        return self._bounds_problems(self._read)

    def parse(self, form, name) -> Parsed:
        raw = form.get(name, "")
        if not _number_text(raw):
            return Parsed(None, raw)
        value = self._read(raw)
        if value is None:
            return Parsed(None, raw, "半角または全角の整数で入力してください(例: 12)。")
        return Parsed(value, raw)

    def from_json(self, value):
        return None if value is None else int(value)


class DecimalField(_Number):
    """A number with decimals, e.g. a rate. Stored as text so that no digit is lost."""

    name = "decimal"
    label = "小数"

    @staticmethod
    def _read(raw: Any) -> Decimal | None:
        text = _number_text(raw)
        if not re.fullmatch(r"-?\d{1,15}(\.\d{1,6})?", text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None

    def check_definition(self):
        return self._bounds_problems(self._read)

    def parse(self, form, name) -> Parsed:
        raw = form.get(name, "")
        if not _number_text(raw):
            return Parsed(None, raw)
        value = self._read(raw)
        if value is None:
            return Parsed(None, raw, "数値で入力してください(例: 12.5)。")
        return Parsed(value, raw)

    def to_json(self, value):
        return None if value is None else str(value)

    def from_json(self, value):
        return None if value is None else Decimal(str(value))

    def to_cel(self, value):
        return float(value)
