"""The definition format: what is accepted, and how a broken file is reported."""

import pytest

from gmis.surveys.definition import parse_definition
from gmis.surveys.errors import DefinitionError

MINIMAL = """
schema_version: 1
key: bed_status
title: 病床状況
period: {kind: daily, due_time: "13:00"}
sections:
  - key: beds
    title: 病床
    fields:
      - {key: vacant, type: integer, label: 空床数}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "survey.yaml")
    assert str(caught.value).startswith("survey.yaml: ")
    return [str(p) for p in caught.value.problems]


def test_minimal_definition_loads_with_defaults():
    definition = parse_definition(MINIMAL, "survey.yaml")
    assert definition.key == "bed_status"
    assert definition.respondents.roles == ("facility",)
    assert definition.period.backfill_periods == 0
    field = definition.field("vacant")
    assert (field.type, field.required, field.visible_if) == ("integer", False, None)


def test_json_is_accepted_too():
    text = ('{"schema_version": 1, "key": "k", "title": "t", "period": {"kind": "ad_hoc"},'
            ' "sections": [{"key": "s", "title": "S", "fields":'
            ' [{"key": "a", "type": "text", "label": "A"}]}]}')
    assert parse_definition(text, "survey.json").key == "k"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("schema_version: 1", "schema_version: 2"), "schema_version: schema_version は 1 です。"),
        (("key: bed_status", "key: Bed-Status"), "key: キーは英小文字で始まり"),
        (("title: 病床状況\n", ""), "title: 必須のキーがありません。"),
        (("kind: daily", "kind: monthly"), "period.kind: 次のいずれかを書いてください"),
        (('due_time: "13:00"', 'due_time: "25:00"'), "period.due_time: 時刻は HH:MM"),
        (("label: 空床数}", "label: 空床数, colour: red}"),
         "sections[0].fields[0].colour: 知らないキーです"),
        (("{key: vacant,", "{key: 2vacant,"), "sections[0].fields[0].key: キーは英小文字で始まり"),
    ],
)
def test_a_broken_definition_names_the_path_and_the_reason(change, expected):
    old, new = change
    assert any(p.startswith(expected) for p in problems(MINIMAL.replace(old, new)))


def test_duplicate_field_keys_are_refused():
    text = MINIMAL + "      - {key: vacant, type: integer, label: もう一度}\n"
    assert problems(text) == ["sections[0].fields[1].key: 項目キー「vacant」が "
                              "sections[0].fields[0].key と重複しています。"]


def test_bad_yaml_names_the_line():
    (problem,) = problems(MINIMAL.replace("title: 病床\n", "title: [病床\n"))
    assert "行目" in problem and "YAML/JSONとして読めません" in problem


def test_top_level_must_be_a_mapping():
    assert problems("- just\n- a list\n") == ["定義の最上位はキーと値の組(マッピング)です。"]


def test_duplicate_choice_values_are_refused():
    text = MINIMAL.replace(
        "{key: vacant, type: integer, label: 空床数}",
        "{key: status, type: text, label: 状況, choices: [{value: a, label: A}, "
        "{value: a, label: B}]}")
    assert "sections[0].fields[0].choices: 選択肢の値が重複しています。" in problems(text)
