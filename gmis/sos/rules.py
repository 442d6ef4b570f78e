"""The rules of emergency supply requests (緊急配布要請): the items that may be requested and
the conditions checked against a facility's survey answers, read from ``gmis/sos/sos.yaml``.

The file is data: it is validated like a survey definition (every problem reported with its
path) and its expressions are CEL, compiled once and checked to use only ``daily``,
``weekly`` and ``item``. The survey fields they read are declared with their types
(``survey_fields``), exactly those, so that the contract of SOS (``gmis/sos/contract.py``)
can refuse a survey version whose field the conditions could not read.
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
from gmis.surveys.engine.fields import BUILTIN_TYPES

RULES_FILE = Path(__file__).resolve().parent / "sos.yaml"
#: What an expression may name.
NAMES = frozenset({"daily", "weekly", "item"})
CHECKS = ("conditions", "answered")
#: The names of the answers the conditions read (``daily.<field>``), in ``survey_fields``.
ANSWERS = ("daily", "weekly")
TYPE_NAMES = tuple(field_type.name for field_type in BUILTIN_TYPES)

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


def _field_types() -> fields.Dict:
    """Field key → the name of a built-in field type."""
    return fields.Dict(
        keys=fields.String(validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE)),
        values=fields.String(validate=validate.OneOf(
            TYPE_NAMES, error="項目の種類「{input}」はありません。使える種類: {choices}")),
        load_default=dict)


class SurveyFieldsSchema(_Strict):
    daily = _field_types()
    weekly = _field_types()


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
    survey_fields = fields.Nested(SurveyFieldsSchema, load_default=dict)
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
    #: The survey fields the conditions read, by answers ("daily", "weekly"): field key →
    #: the name of its field type.
    survey_fields: dict[str, dict[str, str]]
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
            Problem(re.sub(r"^((?:facility_types|survey_fields\.\w+)\.[^.]+)\.value", r"\1",
                           p.path), p.message)
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
    survey_fields = {answers: dict(loaded["survey_fields"].get(answers, {}))
                     for answers in ANSWERS}
    _check_declared(survey_fields, [(f"daily_conditions[{i}].expression", c.expression)
                                    for i, c in enumerate(conditions)]
                    + [("item_condition.expression", item_condition.expression)], problems)
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
        survey_fields=survey_fields,
        facility_types={kind: (SurveyCheck(**checks["daily"]), SurveyCheck(**checks["weekly"]))
                        for kind, checks in loaded["facility_types"].items()},
    )


def _check_declared(survey_fields: dict[str, dict[str, str]],
                    expressions: list[tuple[str, Expression | None]],
                    problems: list[Problem]) -> None:
    """Every survey field an expression reads is declared in ``survey_fields``, and every
    one declared is read: the declaration is what the contract asks of the surveys."""
    read: set[tuple[str, str]] = set()
    complete = True
    for path, expression in expressions:
        if expression is None:  # not compiled (a problem already): what it reads is unknown
            complete = False
            continue
        for answers, key in sorted(expression.members):
            if answers not in ANSWERS:
                continue
            read.add((answers, key))
            if key not in survey_fields[answers]:
                problems.append(Problem(path, f"{answers}.{key} の項目の種類が "
                                              f"survey_fields.{answers} にありません。"))
    for answers in ANSWERS if complete else ():
        for key in survey_fields[answers]:
            if (answers, key) not in read:
                problems.append(Problem(f"survey_fields.{answers}.{key}",
                                        f"どの条件も {answers}.{key} を読んでいません。"))


@cache
def rules() -> Rules:
    """The rules in force (read once per process)."""
    return parse_rules(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")), RULES_FILE.name)
