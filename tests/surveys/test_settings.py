"""Settings forms come from the definition's schemas: every setting of the format and of
every built-in field type has a Japanese label, and what a settings form sends back is the
data the schema loads."""

import pytest
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from gmis.surveys.engine.definition import (
    FieldSchema,
    PeriodSchema,
    RespondentsSchema,
    RuleSchema,
    SectionSchema,
    SurveyDefinitionSchema,
)
from gmis.surveys.engine.fields import BUILTIN_TYPES
from gmis.surveys.engine.fields.table import TableOptions
from gmis.surveys.engine.registry import CATEGORIES, FieldType, build_registry
from gmis.surveys.engine.settings import read_settings, settings_of

SCHEMAS = [SurveyDefinitionSchema, RespondentsSchema, PeriodSchema, SectionSchema, FieldSchema,
           RuleSchema, *(t.options_schema for t in BUILTIN_TYPES if t.options_schema)]


def every_setting(settings):
    for setting in settings:
        yield setting
        yield from every_setting(setting.columns)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_every_setting_has_a_japanese_label(schema):
    unlabelled = [s.name for s in every_setting(settings_of(schema))
                  if s.label == s.name or s.label.isascii()]
    assert unlabelled == []


def test_every_built_in_type_says_what_it_is_for_in_the_palette():
    for field_type in BUILTIN_TYPES:
        assert field_type.description and not field_type.description.isascii()
        assert field_type.category in CATEGORIES[:-1], field_type.name


def test_the_palette_groups_types_by_category():
    palette = dict(build_registry(plugins=False).palette())
    assert [t.name for t in palette["数値"]] == ["integer", "decimal"]
    assert [t.name for t in palette["表・繰り返し"]] == ["table", "repeating_group"]
    assert list(palette)[0] == "数値" and "その他" not in palette


def test_kinds_come_from_the_schema():
    period = {s.name: s for s in settings_of(PeriodSchema)}
    assert period["kind"].kind == "choice"
    assert ("weekly", "毎週(月曜始まり)") in period["kind"].choices
    assert period["backfill_periods"].kind == "integer"
    assert (period["backfill_periods"].low, period["backfill_periods"].high) == (0, 366)
    field = {s.name: s for s in settings_of(FieldSchema)}
    assert field["visible_if"].kind == "expression" and field["required"].kind == "boolean"
    assert field["choices"].kind == "records"
    assert [c.name for c in field["choices"].columns] == ["value", "label"]
    assert {s.name: s for s in settings_of(RespondentsSchema)}["facility_types"].kind == "choices"


def test_a_table_is_edited_as_rows_and_columns():
    settings = settings_of(TableOptions)
    form = MultiDict({
        "o.rows.0.key": "n95", "o.rows.0.label": "N95マスク",
        "o.rows.1.key": "", "o.rows.1.label": "",  # an empty row is left out
        "o.rows.2.key": "gown", "o.rows.2.label": "ガウン",
        "o.columns.0.key": "stock", "o.columns.0.label": "在庫数",
        "o.columns.0.type": "integer", "o.columns.0.min": "0", "o.columns.0.max": "9,999",
        "o.columns.0.prefill": "1",
        "o.columns.1.key": "outlook", "o.columns.1.label": "見通し",
        "o.columns.1.type": "single_choice",
        "o.columns.1.choices.0.value": "short", "o.columns.1.choices.0.label": "1週間未満",
        "o.columns.1.options": "{widget: radio}",
    })
    options = read_settings(settings, form, "o")
    assert options == {
        "rows": [{"key": "n95", "label": "N95マスク"}, {"key": "gown", "label": "ガウン"}],
        "columns": [
            {"key": "stock", "label": "在庫数", "type": "integer", "min": 0, "max": 9999,
             "prefill": True},
            {"key": "outlook", "label": "見通し", "type": "single_choice",
             "choices": [{"value": "short", "label": "1週間未満"}],
             "options": {"widget": "radio"}},
        ]}
    TableOptions().load(options)


def test_a_value_that_is_not_a_number_is_kept_for_the_schema_to_refuse():
    settings = settings_of(PeriodSchema)
    data = read_settings(settings, {"p.kind": "daily", "p.backfill_periods": "三"}, "p")
    assert data == {"kind": "daily", "backfill_periods": "三"}
    errors = PeriodSchema().validate(data)
    assert "backfill_periods" in errors


def test_checkboxes_keep_only_offered_values_in_their_order():
    settings = settings_of(RespondentsSchema)
    form = MultiDict([("r.facility_types", "pharmacy"), ("r.facility_types", "hospital"),
                      ("r.facility_types", "castle")])
    assert read_settings(settings, form, "r")["facility_types"] == ["hospital", "pharmacy"]


def test_a_plugin_types_settings_come_from_its_schema():
    class BadgeOptions(Schema):
        colour = fields.String(load_default="red", validate=validate.OneOf(("red", "blue")),
                               metadata={"label": "色", "choices": {"red": "赤", "blue": "青"}})
        size = fields.Integer(load_default=3, metadata={"label": "大きさ"})

    class Badge(FieldType):
        name = "badge"
        label = "バッジ"
        description = "色つきのバッジ。"
        category = "装飾"
        options_schema = BadgeOptions

    registry = build_registry([Badge], plugins=False)
    assert dict(registry.palette())["装飾"] == [Badge]
    colour, size = settings_of(Badge.options_schema)
    assert (colour.kind, colour.label, colour.choices, colour.default) == (
        "choice", "色", (("red", "赤"), ("blue", "青")), "red")
    assert (size.kind, size.label) == ("integer", "大きさ")


def test_a_surveys_settings_read_with_their_groups():
    form = MultiDict([("s.key", "beds"), ("s.title", "病床"), ("s.period.kind", "weekly"),
                      ("s.period.due_time", "13:00"), ("s.period.due_weekday", "wednesday"),
                      ("s.respondents.roles", "facility"),
                      ("s.respondents.aggregators_on_behalf", "1")])
    data = read_settings(settings_of(SurveyDefinitionSchema), form, "s")
    assert data == {"key": "beds", "title": "病床",
                    "respondents": {"roles": ["facility"], "aggregators_on_behalf": True},
                    "period": {"kind": "weekly", "due_time": "13:00",
                               "due_weekday": "wednesday"}}
