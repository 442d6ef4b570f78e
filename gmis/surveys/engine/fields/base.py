"""What every field type builds on: ``FieldType`` (the class a built-in or plugin type
subclasses) and ``Parsed`` (one field read from a form). Here rather than in the registry, so
that the type modules import only this module and the registry imports the types, never the
other way round.

Then what the built-in types share: refusing definition keys a type gives no meaning to,
checking that a ``default`` (or an ``unchanged_value``) is itself a valid answer, and reading
form values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, validate

from gmis.surveys.engine import limits
from gmis.surveys.engine.definition import FieldDef


@dataclass(frozen=True)
class Parsed:
    """One field read from a submitted form."""

    #: The clean value (None when left empty or unreadable).
    value: Any
    #: What the person typed, shown again when it could not be read.
    raw: Any
    error: str | None = None


class FieldType:
    """A kind of survey field. Subclasses set ``name`` and ``label`` and override what differs.

    Values are stored as JSON (``to_json``/``from_json``), read from forms (``parse``: input
    names start with the field's ``name``), checked (``validate``), offered to expressions
    (``to_cel``) and exported (``csv_columns``/``csv_cells``). Each type has the templates
    ``fields/<name>/input.html``, ``display.html`` and ``print.html`` in the folder that
    ``template_folder`` names: a plugin package's own, the application's for the built-ins
    (``BUILTIN_TEMPLATE_FOLDER``). The app looks up every type's templates the same way.
    """

    name: ClassVar[str]
    #: Japanese name shown to people who write definitions.
    label: ClassVar[str]
    #: One line on what the type is for, under its name in the survey builder's palette.
    description: ClassVar[str] = ""
    #: The palette group it is listed in (数値, 文字, 選択, 日付・時刻, 連絡先, 表・繰り返し...).
    category: ClassVar[str] = "その他"
    #: Which of the definition's ``min``, ``max`` and ``choices`` this type gives a meaning
    #: to: the builder offers those settings, and a built-in type refuses the others.
    uses: ClassVar[frozenset[str]] = frozenset()
    #: What a field of this type added in the survey builder starts with, so that it is a
    #: valid field from the first click (a choice needs choices, a table rows and columns).
    starting_settings: ClassVar[dict] = {}
    #: Schema of ``FieldDef.options`` for this type; None: the type takes no options. The
    #: survey builder renders its settings form from it: each schema field's ``metadata``
    #: gives its Japanese ``label``, a ``help`` line and, for a fixed set of values, the
    #: ``choices`` labels (``gmis.surveys.engine.settings``).
    options_schema: ClassVar[type[Schema] | None] = None
    #: The control is a group (radios, checkboxes, a table): wrapped in <fieldset>/<legend>.
    grouped: ClassVar[bool] = False
    template_folder: ClassVar[Path | None] = None
    #: How the stored JSON value reads as an SQL value: "integer" or "string" (None: not a
    #: single value a query can read). A query over answers (the bed view's sums and sorts)
    #: asks the type instead of spelling a JSON accessor (``gmis.surveys.store.latest``).
    stored_as: ClassVar[str | None] = None

    def __init__(self, definition: FieldDef, options: dict | None = None):
        self.definition = definition
        self.options = options if options is not None else definition.options

    # --- the definition ------------------------------------------------------------------

    @classmethod
    def load_options(cls, raw: dict) -> dict:
        """``FieldDef.options`` validated; raises ValidationError."""
        if cls.options_schema is None:
            if raw:
                raise ValidationError({"options": ["この種類の項目には options はありません。"]})
            return {}
        return cls.options_schema().load(raw)

    def check_definition(self) -> list[tuple[str, str]]:
        """Problems with this field's definition as (sub-path, Japanese message)."""
        return []

    # --- values --------------------------------------------------------------------------

    def parse(self, form: Mapping[str, Any], name: str) -> Parsed:
        raw = form.get(name, "")
        raw = raw.strip() if isinstance(raw, str) else raw
        return Parsed(raw or None, raw)

    def validate(self, value: Any) -> list[str]:
        """Type constraints of a non-empty value (ranges, choices, lengths)."""
        return []

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, value: Any) -> Any:
        return value

    def to_cel(self, value: Any) -> Any:
        return value

    def from_cel(self, value: Any) -> Any:
        """A computed field's CEL result as this type's value."""
        return value

    def iteration_bound(self) -> int:
        """The most elements ``to_cel`` of a value can hold (rows, chosen values), which
        bounds the work of a comprehension over the field (``rows.all(r, ...)``). Types
        with a list or map value and a smaller bound say so."""
        return limits.DEFAULT_ITERATION_BOUND

    # --- carried over, and a day when nothing happened -------------------------------------

    def carried(self, value: Any) -> Any:
        """What of an earlier (valid) answer a new response starts from: all of it for a
        field marked ``prefill``, else nothing (None). A composite type may keep a part."""
        return value if self.definition.prefill else None

    def unchanged(self) -> Any:
        """The answer on a day when nothing happened (``unchanged_value``), or None."""
        value = self.definition.unchanged_value
        return None if value is None else self.from_json(value)

    def overlay(self, base: Any, value: Any) -> Any:
        """``value`` laid over ``base`` (a carried answer over the unchanged one): a
        composite type merges its parts."""
        return value

    def display(self, value: Any) -> str:
        """Plain text, for history, CSV and messages."""
        return "" if self.is_empty(value) else str(value)

    def as_input(self, value: Any) -> Any:
        """A stored value as the raw form value that shows it in the input."""
        return "" if value is None else value

    # --- CSV ---------------------------------------------------------------------------------

    def csv_columns(self) -> list[str]:
        return [self.definition.label]

    def csv_cells(self, value: Any) -> list[str]:
        return [self.display(value)]

    # --- templates -----------------------------------------------------------------------

    def template(self, kind: str) -> str:
        """``input``, ``display`` or ``print``."""
        return f"fields/{self.name}/{kind}.html"


#: The folder of the built-in types' ``fields/<name>/`` templates: the application's own
#: template folder, where the product's design keeps them. The built-ins declare it as a plugin
#: declares its package's folder, so that one loader finds both (``gmis.surveys.runtime``).
BUILTIN_TEMPLATE_FOLDER = Path(__file__).resolve().parents[3] / "templates"

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

    #: Why ``min``/``max`` do not apply, when a hint helps (e.g. where lengths are set).
    bounds_hint: ClassVar[str] = ""
    template_folder: ClassVar[Path | None] = BUILTIN_TEMPLATE_FOLDER

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
