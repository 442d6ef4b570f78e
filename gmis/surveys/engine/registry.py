"""Field types as plugins: a registry keyed by name.

Built-in types are listed explicitly in ``gmis.surveys.engine.fields.BUILTIN_TYPES``; other packages
add theirs through the ``gmis.field_types`` entry point (``name = "pkg.module:Class"``). Two
types with one name fail at start-up, naming both.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from gmis.surveys.engine.fields import BUILTIN_TYPES

# FieldType and Parsed live with the field types (``fields/base.py``), so that no type module
# imports the registry; they are still importable from here, where plugins have found them.
from gmis.surveys.engine.fields.base import FieldType, Parsed

__all__ = ["ENTRY_POINT_GROUP", "FieldType", "FieldTypeClash", "FieldTypeRegistry", "Parsed",
           "build_registry"]

ENTRY_POINT_GROUP = "gmis.field_types"

#: The palette's groups in the order the builder shows them (``FieldType.category``).
CATEGORIES = ("数値", "文字", "選択", "日付・時刻", "連絡先", "表・繰り返し", "その他")


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

    def palette(self) -> list[tuple[str, list[type[FieldType]]]]:
        """The types by category, for the survey builder: the built-ins' categories in
        their order, then those only plugins use, each type in the order registered."""
        groups: dict[str, list[type[FieldType]]] = {name: [] for name in CATEGORIES}
        for field_type in self:
            groups.setdefault(field_type.category, []).append(field_type)
        return [(name, types) for name, types in groups.items() if types]

    def template_folders(self) -> list[Path]:
        """The folders the types declare for their templates, each once, in the order the
        types were registered: the built-ins' first."""
        folders = (t.template_folder for t in self if t.template_folder is not None)
        return list(dict.fromkeys(folders))


def build_registry(extra: Iterable[type[FieldType]] = (), *,
                   plugins: bool = True) -> FieldTypeRegistry:
    """The built-in types, then those of installed plugins, then ``extra``."""
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
