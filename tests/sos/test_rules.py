"""The SOS rules file: valid as shipped; a broken one is refused with paths."""

import pytest
import yaml

from gmis.sos.rules import RULES_FILE, TYPE_NAMES, parse_rules, rules
from gmis.surveys.engine.errors import DefinitionError


def test_the_shipped_rules_load_with_the_items_of_the_source():
    shipped = rules()
    assert [i.label for i in shipped.items] == [
        "サージカルマスク", "N95マスク(DS2を含む)", "フェイスシールド", "アイシールド(ゴーグル)",
        "非滅菌手袋"]
    assert [i.key for i in shipped.items if i.needs_n95_confirmation] == ["n95_mask"]
    assert len(shipped.daily_conditions) == 5
    assert set(shipped.facility_types) == {"hospital", "clinic", "outpatient_centre"}


def test_a_broken_file_names_every_problem():
    data = {
        "schema_version": 1, "max_quantity": 10, "daily_within_days": 7,
        "weekly_within_days": 14,
        "items": [{"key": "mask", "label": "マスク", "unit": "枚", "supplies_row": "m"},
                  {"key": "mask", "label": "マスク", "unit": "枚", "supplies_row": "m"}],
        "daily_conditions": [{"key": "x", "expression": "daily.a >", "description": "壊れた式"},
                             {"key": "y", "expression": "monthly.a > 1", "description": "名前"}],
        "item_condition": {"expression": "true", "description": "d"},
        "facility_types": {"hospital": {"daily": {"survey": "d", "check": "sometimes"},
                                        "weekly": {"survey": "w", "check": "answered"}}},
    }
    with pytest.raises(DefinitionError) as refused:
        parse_rules(data, "sos.yaml")
    assert [p.path for p in refused.value.problems] == ["facility_types.hospital.daily.check"]
    data["facility_types"]["hospital"]["daily"]["check"] = "answered"
    with pytest.raises(DefinitionError) as refused:
        parse_rules(data, "sos.yaml")
    paths = [p.path for p in refused.value.problems]
    assert paths == ["daily_conditions[0].expression", "daily_conditions[1].expression",
                     "items[1].key"]
    assert "monthly" in refused.value.problems[1].message


def test_the_fields_the_conditions_read_are_declared_with_their_types_exactly():
    assert rules().survey_fields["weekly"] == {"supplies": "table"}
    assert rules().survey_fields["daily"]["pcr_available"] == "single_choice"
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    data["daily_conditions"].append({"key": "icu", "description": "ICUの空床が1以上",
                                     "expression": "daily.icu_vacant_beds >= 1"})
    data["survey_fields"]["daily"]["ecmo"] = "integer"
    data["survey_fields"]["weekly"]["supplies"] = "grid"
    with pytest.raises(DefinitionError) as refused:
        parse_rules(data, "sos.yaml")
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("survey_fields.weekly.supplies",
         "項目の種類「grid」はありません。使える種類: " + ", ".join(TYPE_NAMES))]
    data["survey_fields"]["weekly"]["supplies"] = "table"
    with pytest.raises(DefinitionError) as refused:
        parse_rules(data, "sos.yaml")
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("daily_conditions[5].expression",
         "daily.icu_vacant_beds の項目の種類が survey_fields.daily にありません。"),
        ("survey_fields.daily.ecmo", "どの条件も daily.ecmo を読んでいません。")]
