"""Settings forms described by the definition's own schemas, so that the survey builder has
no form code of its own for a survey's settings, a field's or a field type's options.

``settings_of(schema)`` reads a marshmallow schema (the definition format's, or a field
type's ``options_schema``, built-in or plugin alike) into ``Setting`` descriptions: the kind
of control, the Japanese label and help from each schema field's ``metadata``, the choices
of a ``OneOf``, the columns of a list of records. ``read_settings`` turns what such a form
sent back into the plain data the schema loads; the schema itself then checks it, with the
format's own Japanese messages, so a setting is checked in one place whether it was typed
into the builder or into a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from marshmallow import Schema, fields, validate

from gmis.surveys.engine import limits
from gmis.surveys.engine.document import DocumentRefused, read_document

#: The controls a setting is edited with: one line, several lines, a whole number, a number,
#: a check box, one of fixed values, any of fixed values, one value per line, a group of
#: settings (the period), a list of records (a table of inputs), a value of any type (the
#: ``min`` of a date), a CEL expression, a field type, a field type's own options (rendered
#: from that type's schema) and a mapping written as YAML (a column's options).
KINDS = ("text", "long_text", "integer", "number", "boolean", "choice", "choices", "lines",
         "group", "records", "value", "expression", "field_type", "options", "mapping")


@dataclass(frozen=True)
class Setting:
    #: The key in the document.
    name: str
    label: str
    help: str
    #: One of ``KINDS``.
    kind: str
    required: bool = False
    default: Any = None
    #: (value, label) of a ``choice``.
    choices: tuple[tuple[str, str], ...] = ()
    #: The columns of each record of a ``records`` setting.
    columns: tuple[Setting, ...] = ()
    #: Bounds of a number, as the schema's Range says.
    low: Any = None
    high: Any = None


def settings_of(schema: Schema | type[Schema] | None,
                only: frozenset[str] | None = None) -> list[Setting]:
    """The settings of ``schema`` in its declared order (``only``: those names)."""
    if schema is None:
        return []
    instance = schema() if isinstance(schema, type) else schema
    result = []
    for attribute, declared in instance.fields.items():
        name = declared.data_key or attribute
        if only is not None and name not in only:
            continue
        # Not settings: the format's version, and the sections, fields and rules, which
        # the builder's structure editor changes.
        if declared.metadata.get("builder") in ("hidden", "structure"):
            continue
        result.append(_setting(name, declared))
    return result


def _setting(name: str, declared: fields.Field) -> Setting:
    metadata = declared.metadata
    label = metadata.get("label") or name
    help_text = metadata.get("help", "")
    default = declared.load_default
    default = None if default is fields.missing_ or callable(default) else default
    common = {"name": name, "label": label, "help": help_text, "required": declared.required,
              "default": default}
    kind = metadata.get("kind")
    if kind is None:
        kind = _kind(declared)
    if kind in ("records", "group"):
        inner = declared.inner.schema if isinstance(declared, fields.List) else declared.schema
        return Setting(**common, kind=kind, columns=tuple(settings_of(inner)))
    if kind in ("choice", "choices"):
        labels = metadata.get("choices", {})
        inner = declared.inner if isinstance(declared, fields.List) else declared
        one_of = next((v for v in _validators(inner) if isinstance(v, validate.OneOf)), None)
        values = one_of.choices if one_of is not None else tuple(labels)
        return Setting(**common, kind=kind,
                       choices=tuple((str(v), labels.get(v, str(v))) for v in values))
    low = high = None
    for validator in _validators(declared):
        if isinstance(validator, validate.Range):
            low, high = validator.min, validator.max
    return Setting(**common, kind=kind, low=low, high=high)


def _validators(declared: fields.Field) -> list:
    return list(declared.validators)


def _kind(declared: fields.Field) -> str:
    if isinstance(declared, fields.Boolean):
        return "boolean"
    if isinstance(declared, fields.Integer):
        return "integer"
    if isinstance(declared, fields.Float | fields.Decimal | fields.Number):
        return "number"
    if isinstance(declared, fields.Nested):
        return "group"
    if isinstance(declared, fields.List):
        return "records" if isinstance(declared.inner, fields.Nested) else "lines"
    if isinstance(declared, fields.String):
        if any(isinstance(v, validate.OneOf) for v in _validators(declared)):
            return "choice"
        return "text"
    return "value"


# --- reading a settings form -------------------------------------------------------------------

def read_settings(settings: list[Setting], form: Mapping[str, Any], prefix: str) -> dict:
    """What a settings form sent, as the plain data of a document: inputs are named
    ``<prefix>.<name>`` (records: ``<prefix>.<name>.<row>.<column>``). An empty input is
    left out, so the schema's default applies; a number that is not one is kept as typed,
    for the schema to refuse with its own message."""
    data: dict[str, Any] = {}
    for setting in settings:
        name = f"{prefix}.{setting.name}"
        value = _read(setting, form, name)
        if value is not None:
            data[setting.name] = value
    return data


def _read(setting: Setting, form: Mapping[str, Any], name: str) -> Any:
    if setting.kind == "options":
        return None  # read with the field type's own settings (its ``options_schema``)
    if setting.kind == "boolean":
        return True if _text(form, name) in ("1", "on", "true", "y") else None
    if setting.kind == "group":
        return read_settings(list(setting.columns), form, name) or None
    if setting.kind == "records":
        rows = []
        for row in _row_numbers(form, name):
            record = read_settings(list(setting.columns), form, f"{name}.{row}")
            if record:
                rows.append(record)
        return rows or None
    text = _text(form, name)
    if setting.kind == "choices":
        chosen = _texts(form, name)
        return [value for value, _ in setting.choices if value in chosen] or None
    if setting.kind == "lines":
        values = [line.strip() for line in text.splitlines() if line.strip()]
        return values or None
    if not text.strip():
        return None
    if setting.kind == "integer":
        return _number(text, integer=True)
    if setting.kind == "mapping":
        return _mapping(text)
    if setting.kind in ("number", "value"):
        return _number(text, integer=False) if setting.kind == "number" else _value(text)
    return text if setting.kind in ("long_text", "expression") else text.strip()


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return value if isinstance(value, str) else str(value)


def _texts(form: Mapping[str, Any], name: str) -> set[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist is not None else form.get(name) or []
    return {v for v in ([values] if isinstance(values, str) else values) if isinstance(v, str)}


def _row_numbers(form: Mapping[str, Any], name: str) -> list[int]:
    """The row numbers a records setting sent, in order (a form sends ``name.<n>.<column>``)."""
    start = f"{name}."
    numbers = set()
    for key in form:
        if key.startswith(start):
            head = key[len(start):].split(".", 1)[0]
            if head.isdigit() and len(head) <= 4:
                numbers.add(int(head))
    return sorted(numbers)


def _number(text: str, integer: bool) -> Any:
    cleaned = text.strip().replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return text.strip()
    if not number.is_finite() or number.adjusted() >= limits.MAX_NUMBER_DIGITS:
        return text.strip()
    if integer or (number == number.to_integral_value() and "." not in cleaned):
        return int(number) if number == number.to_integral_value() else text.strip()
    return float(number)


def _value(text: str) -> Any:
    """A setting of any type (``min`` of a date, the ``default`` of a choice): a number when
    it reads as one, true/false, else the text."""
    cleaned = text.strip()
    if cleaned in ("true", "false"):
        return cleaned == "true"
    number = _number(cleaned, integer=False)
    return number if not isinstance(number, str) else cleaned


def _mapping(text: str) -> Any:
    """A mapping typed as YAML (``{widget: radio}``), read within the format's bounds; what
    does not read as one is kept as typed, for the schema to refuse."""
    try:
        value = read_document(text, is_json=False)
    except (DocumentRefused, yaml.YAMLError):
        return text
    return value
