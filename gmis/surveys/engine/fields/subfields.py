"""Fields inside a field: the columns of a table and the items of a repeating group.

Each is an ordinary scalar field type bound to a ``FieldDef`` made from its part of the
options, so a cell is read, checked, stored, shown and exported exactly as the same type
on its own would do it; the composite type only adds where (row, column, item) it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from marshmallow import Schema, ValidationError, fields, post_load, validate

from gmis.surveys.engine.definition import (
    KEY_MESSAGE,
    KEY_PATTERN,
    ChoiceSchema,
    FieldDef,
    schema_problems,
)
from gmis.surveys.engine.fields.base import FieldType, text_length
from gmis.surveys.engine.fields.choices import MultipleChoiceField, SingleChoiceField, YesNoField
from gmis.surveys.engine.fields.contact import (
    EmailField,
    FacilityCodeField,
    PhoneField,
    PostalCodeField,
)
from gmis.surveys.engine.fields.dates import DateField, TimeField
from gmis.surveys.engine.fields.numbers import DecimalField, IntegerField
from gmis.surveys.engine.fields.text import LongTextField, TextField

#: The built-in types a table column or a repeating group's item may have: those whose
#: value is one answer (no tables in tables).
SCALAR_TYPES: dict[str, type[FieldType]] = {t.name: t for t in (
    IntegerField, DecimalField, TextField, LongTextField, SingleChoiceField,
    MultipleChoiceField, YesNoField, DateField, TimeField, PostalCodeField, PhoneField,
    EmailField, FacilityCodeField,
)}

key_field = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE),
                          metadata={"label": "キー"})


class SubFieldSchema(Schema):
    """What a column or an item may say: a subset of a field's keys."""

    key = key_field
    label = fields.String(required=True, validate=text_length(1, 200),
                          metadata={"label": "項目名"})
    type = fields.String(required=True, metadata={"label": "種類", "kind": "field_type"})
    unit = fields.String(load_default="", metadata={"label": "単位"})
    min = fields.Raw(load_default=None, metadata={"label": "最小値"})
    max = fields.Raw(load_default=None, metadata={"label": "最大値"})
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list,
                          metadata={"label": "選択肢"})
    options = fields.Dict(keys=fields.String(), load_default=dict,
                          metadata={"label": "種類ごとの設定", "kind": "mapping"})

    @post_load
    def make(self, data, **kwargs) -> FieldDef:
        return FieldDef(**{**data, "choices": tuple(data["choices"])})


@dataclass(frozen=True)
class SubField:
    """A bound column or item, shaped for the templates like a ``CompiledField``."""

    definition: FieldDef
    type: FieldType

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def label(self) -> str:
        return self.definition.label


def bind(definition: FieldDef, defaults: Mapping[str, dict] | None = None
         ) -> tuple[SubField, list[tuple[str, str]]]:
    """``definition`` (loaded by a ``SubFieldSchema``) as a bound field, and the problems of
    its definition with sub-paths relative to it (``options.max_length``, ``min``).
    ``defaults`` gives options per type that differ inside a composite (a drop-down list
    rather than radio buttons in a table cell)."""
    field_type = SCALAR_TYPES[definition.type]
    preset = dict((defaults or {}).get(definition.type, {}))
    problems: list[tuple[str, str]] = []
    try:
        options = field_type.load_options({**preset, **definition.options})
    except ValidationError as error:
        messages = error.messages
        if isinstance(messages, dict) and "options" in messages:
            messages = messages["options"]
        problems.extend((problem.path, problem.message)
                        for problem in schema_problems(messages, "options"))
        options = field_type.load_options(preset)
    values = [choice.value for choice in definition.choices]
    if len(values) != len(set(values)):
        problems.append(("choices", "選択肢の値が重複しています。"))
    instance = field_type(definition, options)
    if not problems:
        problems.extend(instance.check_definition())
    return SubField(definition, instance), problems


def bind_all(definitions: Sequence[FieldDef], path: str, what: str,
             allowed: Sequence[str], defaults: Mapping[str, dict] | None = None
             ) -> tuple[tuple[SubField, ...], list[tuple[str, str]]]:
    """The definitions of ``allowed`` types bound (the others reported, not bound), with
    the problems of each under ``path[i]``; keys must differ."""
    bound, problems, seen = [], [], set()
    for i, definition in enumerate(definitions):
        if definition.key in seen:
            problems.append((f"{path}[{i}].key",
                             f"{what}のキー「{definition.key}」が重複しています。"))
        seen.add(definition.key)
        if definition.type not in allowed:
            problems.append((f"{path}[{i}].type", f"{what}の種類(type)「{definition.type}」は"
                                                  f"使えません。使える種類: {', '.join(allowed)}"))
            continue
        sub, found = bind(definition, defaults)
        bound.append(sub)
        problems.extend((f"{path}[{i}].{sub_path}" if sub_path else f"{path}[{i}]", message)
                        for sub_path, message in found)
    return tuple(bound), problems
