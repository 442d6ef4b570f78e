"""Numbers: integers (counts of beds, patients, tests) and decimals."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from gmis.surveys.engine.fields.base import BuiltinField, Parsed, form_text
from gmis.text import normalise

_SEPARATORS = re.compile(r"[,\s]")


def _number_text(raw: Any) -> str:
    """Full-width digits and signs made half-width, thousands separators dropped."""
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    return _SEPARATORS.sub("", normalise(text)
                           .replace("−", "-").replace("ー", "-"))


def _format(value: Decimal | int | float) -> str:
    """1,234 / 12.5: a float (a computed value, or a bound written in YAML) shown as the
    decimal it was written as, not as 12.500000."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{Decimal(str(value)):,f}"


class _Number(BuiltinField):
    """What integers and decimals share; each sets ``_read``, which reads a typed number
    (full-width digits and separators allowed) and gives None for anything else."""

    uses = frozenset({"min", "max"})
    #: What a bound must be, in messages.
    kind: str = "数値"
    _read: ClassVar[Callable[[Any], int | Decimal | None]]

    def check_settings(self) -> list[tuple[str, str]]:
        problems = []
        bounds = {}
        for bound in ("min", "max"):
            value = getattr(self.definition, bound)
            if value is None:
                continue
            bounds[bound] = None if isinstance(value, bool) else self._read(value)
            if bounds[bound] is None:
                problems.append((bound, f"{bound} は{self.kind}で書いてください。"))
        if bounds.get("min") is not None and bounds.get("max") is not None \
                and bounds["min"] > bounds["max"]:
            problems.append(("max", "max が min より小さくなっています。"))
        return problems

    def validate(self, value) -> list[str]:
        # Bounds are read as typed answers are ("1,000" and full-width digits included).
        low, high = (None if bound is None else self._read(bound)
                     for bound in (self.definition.min, self.definition.max))
        unit = self.definition.unit
        if low is not None and high is not None and not low <= value <= high:
            return [f"{_format(low)}〜{_format(high)}{unit}の範囲で入力してください。"]
        if low is not None and value < low:
            return [f"{_format(low)}{unit}以上で入力してください。"]
        if high is not None and value > high:
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
    description = "患者数・病床数など、0以上の数や個数。"
    category = "数値"
    stored_as = "integer"
    kind = "整数"

    @staticmethod
    def _read(raw: Any) -> int | None:
        text = _number_text(raw)
        return int(text) if re.fullmatch(r"-?\d{1,15}", text) else None

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        if not _number_text(raw):
            return Parsed(None, raw)
        value = self._read(raw)
        if value is None:
            return Parsed(None, raw, "半角または全角の整数で入力してください(例: 12)。")
        return Parsed(value, raw)

    def from_json(self, value):
        if value is None:
            return None
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"not an integer: {value!r}")
        return int(value)

    def from_cel(self, value):
        """A computed whole number: CEL arithmetic with a double (``beds * 0.8``) gives a
        double, rounded half up as a person would."""
        if isinstance(value, float):
            return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return value


class DecimalField(_Number):
    """A number with decimals, e.g. a rate. Stored as text so that no digit is lost."""

    name = "decimal"
    label = "小数"
    description = "割合・体温など、小数点のある数値。"
    category = "数値"

    @staticmethod
    def _read(raw: Any) -> Decimal | None:
        text = _number_text(raw)
        if not re.fullmatch(r"-?\d{1,15}(\.\d{1,6})?", text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        if not _number_text(raw):
            return Parsed(None, raw)
        value = self._read(raw)
        if value is None:
            return Parsed(None, raw, "数値で入力してください(例: 12.5)。")
        return Parsed(value, raw)

    def to_json(self, value):
        return None if value is None else str(value)

    def from_json(self, value):
        if value is None:
            return None
        if isinstance(value, bool):
            raise ValueError(f"not a number: {value!r}")
        return Decimal(str(value))

    def to_cel(self, value):
        return float(value)

    def from_cel(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        return Decimal(str(value))
