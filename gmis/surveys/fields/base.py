"""What the built-in field types share: refusing definition keys a type gives no meaning to,
checking that a ``default`` (or an ``unchanged_value``) is itself a valid answer, and reading
form values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import validate

from gmis.surveys.definition import FieldDef
from gmis.surveys.registry import FieldType

#: Errors ``from_json`` raises for a stored or default value it cannot read.
UNREADABLE = (TypeError, ValueError, KeyError, AttributeError, ArithmeticError)


def text_length(low: int, high: int) -> validate.Length:
    return validate.Length(min=low, max=high, error="{min}〜{max}文字で書いてください。")


def whole_number(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error="{min}〜{max}の整数で書いてください。")


def form_text(form: Mapping[str, Any], name: str) -> str:
    """The submitted text of ``name`` ("" when absent)."""
    raw = form.get(name, "")
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else ""
    return raw if isinstance(raw, str) else str(raw)


def form_list(form: Mapping[str, Any], name: str) -> list[str]:
    """Every submitted value of ``name``: a MultiDict's list, or a plain mapping's value."""
    getlist = getattr(form, "getlist", None)
    if getlist is not None:
        values = getlist(name)
    else:
        value = form.get(name)
        values = [] if value is None else value if isinstance(value, list | tuple) else [value]
    return [v if isinstance(v, str) else str(v) for v in values]


class BuiltinField(FieldType):
    """A built-in type: ``check_definition`` refuses ``min``/``max``/``choices`` where the
    type does not use them (instead of ignoring them), runs the type's own
    ``check_settings`` and then checks the ``default``."""

    #: Which of ``min``, ``max`` and ``choices`` this type gives a meaning to.
    uses: ClassVar[frozenset[str]] = frozenset()
    #: Why ``min``/``max`` do not apply, when a hint helps (e.g. where lengths are set).
    bounds_hint: ClassVar[str] = ""

    def __init__(self, definition: FieldDef, options: dict | None = None):
        # Options straight from a definition get their defaults (the builder passes them
        # loaded already).
        super().__init__(definition, self.load_options(definition.options)
                         if options is None else options)

    def check_definition(self) -> list[tuple[str, str]]:
        problems = []
        for key in ("min", "max"):
            if key not in self.uses and getattr(self.definition, key) is not None:
                problems.append((key, f"「{self.label}」の項目には {key} は使えません。"
                                      f"{self.bounds_hint}"))
        if "choices" not in self.uses and self.definition.choices:
            problems.append(("choices", f"「{self.label}」の項目には choices は使えません。"))
        problems.extend(self.check_settings())
        if not problems:
            for key, name in (("default", "既定値"), ("unchanged_value", "変化なしの値")):
                if getattr(self.definition, key) is not None:
                    problems.extend((key, message) for message in self._value_problems(key, name))
        return problems

    def check_settings(self) -> list[tuple[str, str]]:
        """Problems of this type's own settings (bounds, choices, options)."""
        return []

    def _value_problems(self, key: str, name: str) -> list[str]:
        """A value the definition gives in the stored form (``default``,
        ``unchanged_value``) must be a valid answer of this type."""
        try:
            value = self.from_json(getattr(self.definition, key))
        except UNREADABLE:
            return [f"{name}({key})が「{self.label}」の値として読めません。"]
        if self.is_empty(value):
            return []
        return [f"{name}({key}): {message}" for message in self.validate(value)]

    def csv_cells(self, value: Any) -> list[str]:
        if self.is_empty(value):
            return [""] * len(self.csv_columns())
        return [self.display(value)]
