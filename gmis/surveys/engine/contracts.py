"""What a feature reads from a survey definition, declared, so that a definition that no
longer has it is refused when it is imported or published, not found out later by a bed
view gone blank or supply requests that fail every check.

A feature (the bed view, SOS) declares a ``Contract``: the survey it reads and, for each
field it reads, the field key and the types whose stored value it knows how to read. The
feature then takes its keys from its contract instead of spelling them again, so the
contract cannot drift from the code.

Pure: the features that declare contracts are listed by module name in ``FEATURES`` and
imported only when the contracts are first asked for, so the survey engine does not
depend on them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from gmis.surveys.engine.fields import BUILTIN_TYPES

#: The modules that declare contracts, each with ``contracts()`` returning its contracts.
#: Listed explicitly, as the built-in field types are.
FEATURES = ("gmis.beds.contract", "gmis.sos.contract")


@dataclass(frozen=True)
class FieldNeed:
    """One field a feature reads."""

    key: str
    #: The field types whose value the feature can read.
    types: tuple[str, ...]
    #: The accepted types as people who write definitions call them: 「整数」.
    type_label: str

    @classmethod
    def of_types(cls, key: str, *types: str) -> FieldNeed:
        """``key`` read as one of the built-in field ``types`` (by name), labelled as the
        types call themselves: ``FieldNeed.of_types("vacant_beds", "integer")`` is
        ``vacant_beds(整数)``."""
        labels = {field_type.name: field_type.label for field_type in BUILTIN_TYPES}
        return cls(key, types, "または".join(labels[name] for name in types))

    @property
    def described(self) -> str:
        """``vacant_beds(整数)``, as a message names it."""
        return f"{self.key}({self.type_label})"


@dataclass(frozen=True)
class Contract:
    #: The feature, in Japanese, as its users know it: 「地域病床見える化」.
    feature: str
    survey: str
    fields: tuple[FieldNeed, ...]


@dataclass(frozen=True)
class Breach:
    """A field a contract needs that a definition lacks, or holds as another type."""

    contract: Contract
    need: FieldNeed
    #: The type the definition gives the field; None when the field is missing.
    found_type: str | None

    def message(self, type_label: Callable[[str], str] = str) -> str:
        """In Japanese, naming the feature and the field; ``type_label`` gives a type
        name as people who write definitions know it."""
        said = f"「{self.contract.feature}」が使う項目 {self.need.described}"
        if self.found_type is None:
            return f"{said}がありません。"
        return (f"{said}が「{type_label(self.found_type)}」になっています。"
                f"{self.contract.feature}はこの種類の値を読めません。")


def breaches(survey_key: str, field_types: Mapping[str, str],
             contracts: Iterable[Contract] | None = None) -> list[Breach]:
    """What a definition of ``survey_key`` whose top-level fields have ``field_types``
    (key → type name) breaks of ``contracts`` (by default every declared one)."""
    found = []
    for contract in declared() if contracts is None else contracts:
        if contract.survey != survey_key:
            continue
        for need in contract.fields:
            type_name = field_types.get(need.key)
            if type_name is None:
                found.append(Breach(contract, need, None))
            elif type_name not in need.types:
                found.append(Breach(contract, need, type_name))
    return found


@cache
def declared() -> tuple[Contract, ...]:
    """Every contract of the features in ``FEATURES`` (read once per process)."""
    return tuple(contract for name in FEATURES
                 for contract in importlib.import_module(name).contracts())
