"""The impact report of a new version: every change classified, the fields others read
named, and the older answers the new version would refuse counted."""

import yaml

from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.contracts import Contract, FieldNeed
from gmis.surveys.engine.definition import load_definition
from gmis.surveys.engine.diff import diff_definitions
from gmis.surveys.engine.impact import Impact, classify, readers, refusals, with_counts
from gmis.surveys.engine.registry import build_registry

OLD = yaml.safe_load("""
schema_version: 1
key: beds
title: 病床
period: {kind: daily}
sections:
  - key: s
    title: 病床
    fields:
      - {key: beds, type: integer, label: 稼働病床数, min: 0}
      - {key: vacant_beds, type: integer, label: 空床数, min: 0}
      - {key: note, type: text, label: 備考}
      - {key: ward, type: single_choice, label: 病棟,
         choices: [{value: a, label: A}, {value: b, label: B}]}
""")

REGISTRY = build_registry(plugins=False)
BED_VIEW = Contract("地域病床見える化", "beds", (FieldNeed.of_types("vacant_beds", "integer"),))


def changed(edit):
    new = yaml.safe_load(yaml.safe_dump(OLD))
    edit(new)
    return new


def fields(document):
    return {f["key"]: f for f in document["sections"][0]["fields"]}


def report(new, extensions=None):
    old_def, new_def = load_definition(OLD), load_definition(new)
    read_by = readers(old_def, extensions, contracts=[BED_VIEW])
    return classify(old_def, new_def, diff_definitions(old_def, new_def), read_by)


def test_labels_help_and_optional_fields_are_safe():
    def edit(d):
        fields(d)["beds"]["label"] = "稼働している病床の数"
        fields(d)["note"]["help"] = "自由に"
        d["sections"][0]["fields"].append({"key": "memo", "type": "text", "label": "メモ"})
    found = report(changed(edit))
    assert found.worst == Impact.safe
    assert {item.change for item in found.items} >= {"任意の項目を追加"}


def test_what_respondents_must_answer_affects_answers():
    def edit(d):
        fields(d)["beds"]["max"] = 100
        fields(d)["ward"]["choices"] = [{"value": "a", "label": "A"}]
        d["sections"][0]["fields"].append(
            {"key": "icu", "type": "integer", "label": "ICU", "required": True})
        d["rules"] = [{"key": "le", "expression": "vacant_beds <= beds",
                       "message": "空床数は稼働病床数以下です。", "fields": ["vacant_beds"]}]
    found = report(changed(edit))
    answers = {item.key or item.rule: item for item in found.of(Impact.answers)}
    assert set(answers) == {"beds", "ward", "icu", "vacant_beds"}
    assert answers["icu"].change == "必須の項目を追加"
    assert found.of(Impact.consumers) == []


def test_a_removed_or_retyped_field_names_who_reads_it():
    def edit(d):
        d["sections"][0]["fields"] = [f for f in d["sections"][0]["fields"]
                                      if f["key"] != "vacant_beds"]
        fields(d)["note"]["type"] = "long_text"
    extension = changed(lambda d: d["sections"][0]["fields"].append(
        {"key": "extra", "type": "integer", "label": "独自", "visible_if": "vacant_beds > 0"}))
    found = report(changed(edit), {"東京都": load_definition(extension)})
    broken = {item.key: item for item in found.of(Impact.consumers)}
    assert broken["vacant_beds"].consumers == (
        "「地域病床見える化」", "東京都の版の式・ルール", "CSV出力の列「空床数」")
    assert broken["note"].consumers == ("CSV出力の列「備考」",)
    assert found.worst == Impact.consumers
    assert found.items[0].impact == Impact.consumers  # the worst first


def test_older_answers_the_new_version_refuses_are_counted():
    def edit(d):
        fields(d)["beds"]["max"] = 100
        d["rules"] = [{"key": "le", "expression": "vacant_beds <= beds",
                       "message": "空床数は稼働病床数以下です。", "fields": ["vacant_beds"]}]
        d["sections"][0]["fields"].append(
            {"key": "icu", "type": "integer", "label": "ICU", "required": True})
    new = changed(edit)
    survey = compile_survey(load_definition(new), REGISTRY)
    answers = [{"beds": 50, "vacant_beds": 10}, {"beds": 150, "vacant_beds": 10},
               {"beds": 20, "vacant_beds": 30, "gone": "a field the new version lacks"}]
    counted = with_counts(report(new), survey, refusals(survey, answers))
    by_key = {item.key: item.failing for item in counted.of(Impact.answers)}
    assert counted.checked == 3
    assert by_key == {"beds": 1, "vacant_beds": 1, "icu": 3}
