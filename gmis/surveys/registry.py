"""Field types as plugins: a registry keyed by name.

Built-in types are listed explicitly in ``gmis.surveys.fields.BUILTIN_TYPES``; other packages
add theirs through the ``gmis.field_types`` entry point (``name = "pkg.module:Class"``). Two
types with one name fail at start-up, naming both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError

from gmis.surveys import limits
from gmis.surveys.definition import FieldDef

ENTRY_POINT_GROUP = "gmis.field_types"


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
    ``fields/<name>/input.html``, ``display.html`` and ``print.html``; a plugin package
    sets ``template_folder`` to the folder that holds its own ``fields/<name>/`` templates.
    """

    name: ClassVar[str]
    #: Japanese name shown to people who write definitions.
    label: ClassVar[str]
    #: Schema of ``FieldDef.options`` for this type; None: the type takes no options.
    options_schema: ClassVar[type[Schema] | None] = None
    #: The control is a group (radios, checkboxes, a table): wrapped in <fieldset>/<legend>.
    grouped: ClassVar[bool] = False
    template_folder: ClassVar[Path | None] = None

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


class FieldTypeClash(Exception):
    pass


class FieldTypeRegistry:
    def __init__(self):
        self._types: dict[str, type[FieldType]] = {}
        self._sources: dict[str, str] = {}

    def register(self, field_type: type[FieldType], source: str = "built-in") -> None:
        name = field_type.name
        if name in self._types:
            raise FieldTypeClash(
                f"field type {name!r} is defined twice: by {self._sources[name]} "
                f"({self._types[name].__module__}.{self._types[name].__qualname__}) and by "
                f"{source} ({field_type.__module__}.{field_type.__qualname__})"
            )
        self._types[name] = field_type
        self._sources[name] = source

    def get(self, name: str) -> type[FieldType] | None:
        return self._types.get(name)

    def names(self) -> list[str]:
        return sorted(self._types)

    def __iter__(self):
        return iter(self._types.values())

    def template_folders(self) -> list[Path]:
        return [t.template_folder for t in self if t.template_folder is not None]


def build_registry(extra: Iterable[type[FieldType]] = (), *,
                   plugins: bool = True) -> FieldTypeRegistry:
    """The built-in types, then those of installed plugins, then ``extra``."""
    from gmis.surveys.fields import BUILTIN_TYPES

    registry = FieldTypeRegistry()
    for field_type in BUILTIN_TYPES:
        registry.register(field_type)
    if plugins:
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            registry.register(entry_point.load(),
                              source=f"entry point {entry_point.name!r} "
                                     f"of {entry_point.dist.name if entry_point.dist else '?'}")
    for field_type in extra:
        registry.register(field_type, source="the application")
    return registry
