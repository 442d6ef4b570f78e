"""The rules of emergency supply requests (緊急配布要請): the items that may be requested and
the conditions checked against a facility's survey answers, read from ``gmis/sos/sos.yaml``.

The file is data: it is validated like a survey definition (every problem reported with its
path) and its expressions are CEL, compiled once and checked to use only ``daily``,
``weekly`` and ``item``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from gmis.surveys.engine.definition import KEY_MESSAGE, KEY_PATTERN, schema_problems
from gmis.surveys.engine.errors import DefinitionError, Problem
from gmis.surveys.engine.expressions import Expression, ExpressionSyntaxError, compile_expression

RULES_FILE = Path(__file__).resolve().parent / "sos.yaml"
#: What an expression may name.
NAMES = frozenset({"daily", "weekly", "item"})
CHECKS = ("conditions", "answered")

_key = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE))


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ItemSchema(_Strict):
    key = _key
    label = fields.String(required=True, validate=validate.Length(min=1, max=60))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=8))
    supplies_row = fields.String(required=True)
    needs_n95_confirmation = fields.Boolean(load_default=False)


class ConditionSchema(_Strict):
    key = _key
    expression = fields.String(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=300))


class ItemConditionSchema(_Strict):
    expression = fields.String(required=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=300))


class SurveyCheckSchema(_Strict):
    survey = fields.String(required=True)
    check = fields.String(required=True, validate=validate.OneOf(CHECKS))


class FacilityTypeSchema(_Strict):
    daily = fields.Nested(SurveyCheckSchema, required=True)
    weekly = fields.Nested(SurveyCheckSchema, required=True)


class RulesSchema(_Strict):
    schema_version = fields.Integer(required=True, validate=validate.Equal(1))
    items = fields.List(fields.Nested(ItemSchema), required=True,
                        validate=validate.Length(min=1))
    max_quantity = fields.Integer(required=True, validate=validate.Range(min=1))
    daily_within_days = fields.Integer(required=True, validate=validate.Range(min=0, max=60))
    weekly_within_days = fields.Integer(required=True, validate=validate.Range(min=0, max=60))
    daily_conditions = fields.List(fields.Nested(ConditionSchema), required=True)
    item_condition = fields.Nested(ItemConditionSchema, required=True)
    facility_types = fields.Dict(keys=fields.String(), values=fields.Nested(FacilityTypeSchema),
                                 required=True)


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    unit: str
    supplies_row: str
    needs_n95_confirmation: bool


@dataclass(frozen=True)
class Condition:
    key: str
    expression: Expression
    description: str


@dataclass(frozen=True)
class SurveyCheck:
    survey: str
    #: "conditions" or "answered".
    check: str


@dataclass(frozen=True)
class Rules:
    items: tuple[Item, ...]
    max_quantity: int
    daily_within_days: int
    weekly_within_days: int
    daily_conditions: tuple[Condition, ...]
    item_condition: Condition
    #: By facility type value; a type missing here cannot request.
    facility_types: dict[str, tuple[SurveyCheck, SurveyCheck]]

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)


def _compile(source: str, path: str, problems: list[Problem]) -> Expression | None:
    try:
        expression = compile_expression(source)
    except ExpressionSyntaxError as error:
        problems.append(Problem(path, str(error)))
        return None
    unknown = expression.variables - NAMES
    if unknown:
        problems.append(Problem(path, "使えない名前があります: " + "、".join(sorted(unknown))
                                + "(daily, weekly, item のみ)"))
    return expression


def parse_rules(data: dict, source: str) -> Rules:
    """Rules from plain data; DefinitionError listing every problem."""
    try:
        loaded = RulesSchema().load(data)
    except ValidationError as error:
        # marshmallow puts a dict value's errors under "value": drop it from the path.
        raise DefinitionError(source, [
            Problem(re.sub(r"^(facility_types\.[^.]+)\.value", r"\1", p.path), p.message)
            for p in schema_problems(error.messages)]) from None
    problems: list[Problem] = []
    conditions = []
    for i, raw in enumerate(loaded["daily_conditions"]):
        expression = _compile(raw["expression"], f"daily_conditions[{i}].expression", problems)
        conditions.append(Condition(raw["key"], expression, raw["description"]))
    item_raw = loaded["item_condition"]
    item_condition = Condition("item", _compile(item_raw["expression"],
                                                "item_condition.expression", problems),
                               item_raw["description"])
    items = tuple(Item(**raw) for raw in loaded["items"])
    keys = [i.key for i in items]
    for i, key in enumerate(keys):
        if keys.index(key) != i:
            problems.append(Problem(f"items[{i}].key", f"品目のキー「{key}」が重複しています。"))
    if problems:
        raise DefinitionError(source, problems)
    return Rules(
        items=items, max_quantity=loaded["max_quantity"],
        daily_within_days=loaded["daily_within_days"],
        weekly_within_days=loaded["weekly_within_days"],
        daily_conditions=tuple(conditions), item_condition=item_condition,
        facility_types={kind: (SurveyCheck(**checks["daily"]), SurveyCheck(**checks["weekly"]))
                        for kind, checks in loaded["facility_types"].items()},
    )


@cache
def rules() -> Rules:
    """The rules in force (read once per process)."""
    return parse_rules(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")), RULES_FILE.name)
