"""The SOS rules file: valid as shipped; a broken one is refused with paths."""

import pytest

from gmis.sos.rules import parse_rules, rules
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
