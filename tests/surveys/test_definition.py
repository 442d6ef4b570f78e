"""The definition format: what is accepted, and how a broken file is reported."""

import re

import pytest

from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.registry import build_registry
from gmis.surveys.engine.source_map import SourceMap, located

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
    # After the line and column (see test_a_problem_deep_in_a_section_names_its_line_and_column)
    assert any(re.sub(r"^\d+行目 \d+列 ", "", p).startswith(expected)
               for p in problems(MINIMAL.replace(old, new)))


def test_duplicate_field_keys_are_refused():
    text = MINIMAL + "      - {key: vacant, type: integer, label: もう一度}\n"
    assert problems(text) == ["11行目 10列 sections[0].fields[1].key: 項目キー「vacant」が "
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
    assert "10行目 46列 sections[0].fields[0].choices: 選択肢の値が重複しています。" in problems(
        text)


# --- where a problem is written ------------------------------------------------------------------

DEEP = """schema_version: 1
key: ward_status
title: 病棟状況
period: {kind: daily, due_time: "13:00"}
sections:
  - key: first
    title: 一つ目
    fields:
      - {key: a, type: integer, label: A}
  - key: second
    title: 二つ目
    fields:
      - key: b
        type: text
        label: B
      - key: c
        type: text
        label: C
        options:
          max_length: many
"""


def test_a_problem_deep_in_a_section_names_its_line_and_column():
    with pytest.raises(DefinitionError) as caught:
        compile_survey(parse_definition(DEEP, "wards.yaml"), build_registry(), "wards.yaml")
    # The compiler sees data, not text: the place comes from whoever holds the text.
    (problem,) = located(caught.value, DEEP).problems
    assert problem.path.startswith("sections[1].fields[1].options")
    assert (problem.line, problem.column) == (20, 11)  # max_length: many
    assert str(problem).startswith(f"20行目 11列 {problem.path}: ")


def test_a_missing_key_is_placed_at_the_mapping_that_lacks_it():
    text = DEEP.replace("        label: C\n", "")
    (problem,) = problems(text)
    assert problem == "16行目 9列 sections[1].fields[1].label: 必須のキーがありません。"


def test_json_definitions_give_the_line_too():
    text = ('{"schema_version": 1, "key": "k", "title": "t", "period": {"kind": "ad_hoc"},\n'
            ' "sections": [{"key": "s", "title": "S", "fields":\n'
            '   [{"key": "a", "type": "text", "label": "A", "colour": "red"}]}]}')
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "survey.json")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, 48)
    message = str(caught.value)
    assert message.startswith("survey.json: ")
    assert "\n  3行目 48列 sections[0].fields[0].colour: 知らないキーです" in message


def test_a_recursive_alias_does_not_hang_the_search_for_a_line():
    places = SourceMap.of("a: &x [1, *x]\nb: 2\n")
    assert places.where("b") == (2, 1) and places.where("a[1][1][0]") == (1, 4)



# --- unchanged_value: the answer on a day when nothing happened ------------------------------

def compiled_problems(field: str) -> list[str]:
    """The problems of MINIMAL with its one field replaced by ``field`` (a YAML mapping),
    as loading and compiling report them (the types check the value)."""
    from gmis.surveys.engine.builder import compile_survey
    from gmis.surveys.engine.registry import build_registry

    text = MINIMAL.replace("{key: vacant, type: integer, label: 空床数}", field)
    with pytest.raises(DefinitionError) as caught:
        compile_survey(parse_definition(text, "survey.yaml"), build_registry(), "survey.yaml")
    # Where in the file is tested above; here: which value and why.
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


CELLS = "rows: [{key: n95, label: N95}]"


@pytest.mark.parametrize(("field", "expected"), [
    ("{key: tests, type: integer, label: 検査数, min: 0, unchanged_value: -1}",
     "sections[0].fields[0].unchanged_value: 変化なしの値(unchanged_value): "
     "0以上で入力してください。"),
    ("{key: tests, type: integer, label: 検査数, unchanged_value: many}",
     "sections[0].fields[0].unchanged_value: 変化なしの値(unchanged_value)が「整数」の値として"
     "読めません。"),
    ("{key: status, type: single_choice, label: 状況, choices: [{value: normal, label: 通常}],"
     " unchanged_value: closed}",
     "sections[0].fields[0].unchanged_value: 変化なしの値(unchanged_value): "),
    ("{key: open, type: yes_no, label: 開設, unchanged_value: perhaps}",
     "sections[0].fields[0].unchanged_value: 変化なしの値(unchanged_value)が「はい/いいえ」"),
    ("{key: used, type: integer, label: 使用数, compute: '1 + 1', unchanged_value: 0}",
     "sections[0].fields[0].unchanged_value: 計算項目には変化なしの値(unchanged_value)を"
     "指定できません"),
    ("{key: supplies, type: table, label: 物資, options: {" + CELLS + ", columns: "
     "[{key: used, label: 使用量, type: integer, min: 0, unchanged_value: -5}]}}",
     "sections[0].fields[0].options.columns[0].unchanged_value: 変化なしの値(unchanged_value): "
     "0以上で入力してください。"),
    ("{key: supplies, type: table, label: 物資, options: {" + CELLS + ", columns: "
     "[{key: stock, label: 在庫, type: integer, prefill: maybe}]}}",
     "sections[0].fields[0].options.columns[0].prefill: true または false で書いてください。"),
    ("{key: staff, type: repeating_group, label: 職員, options: {fields: "
     "[{key: name, label: 氏名, type: text, prefill: true}]}}",
     "sections[0].fields[0].options.fields[0].prefill: 知らないキーです"),
])
def test_an_unchanged_value_must_be_an_answer_of_the_field(field, expected):
    found = compiled_problems(field)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(("field", "value"), [
    ("{key: tests, type: integer, label: 検査数, min: 0, unchanged_value: 0}", 0),
    ("{key: rate, type: decimal, label: 流量, unchanged_value: '0.5'}", "0.5"),
    ("{key: open, type: yes_no, label: 開設, unchanged_value: false}", False),
    ("{key: note, type: text, label: 連絡, unchanged_value: 特になし}", "特になし"),
    ("{key: tests, type: integer, label: 検査数}", None),
])
def test_a_valid_unchanged_value_is_kept_as_written(field, value):
    from gmis.surveys.engine.builder import compile_survey
    from gmis.surveys.engine.registry import build_registry

    text = MINIMAL.replace("{key: vacant, type: integer, label: 空床数}", field)
    survey = compile_survey(parse_definition(text, "survey.yaml"), build_registry())
    (compiled,) = survey.fields.values()
    assert compiled.definition.unchanged_value == value


@pytest.mark.parametrize(("period", "message"), [
    ("{kind: daily, due_weekday: monday}",
     "締切の曜日(due_weekday)は週次の調査にだけ指定できます。"),
    ("{kind: weekly, window_start: '04-01', window_end: '05-31'}",
     "報告期間(window_start・window_end)は年度の調査にだけ指定できます。"),
    ("{kind: fiscal_year, window_start: '02-30', window_end: '03-31'}",
     "その日付は毎年あるとは限りません"),
    ("{kind: fiscal_year, window_start: '04-01', window_end: '02-29'}",
     "その日付は毎年あるとは限りません"),
    ("{kind: fiscal_year, window_start: '03-01', window_end: '05-31'}",
     "報告期間の終了が開始より前です"),
])
def test_a_deadline_or_window_outside_its_period_is_refused(period, message):
    found = problems(MINIMAL.replace('{kind: daily, due_time: "13:00"}', period))
    assert any(message in p for p in found), found


def test_a_window_across_the_new_year_within_the_fiscal_year_is_accepted():
    parse_definition(MINIMAL.replace('{kind: daily, due_time: "13:00"}',
                                     "{kind: fiscal_year, window_start: '12-01', "
                                     "window_end: '01-31'}"))


def test_a_field_is_internal_unless_it_says_it_is_public():
    definition = parse_definition(MINIMAL.replace(
        "{key: vacant, type: integer, label: 空床数}",
        "{key: vacant, type: integer, label: 空床数, public: true}\n"
        "      - {key: note, type: text, label: 備考}"))
    assert [(f.key, f.public) for f in definition.iter_fields()] == [
        ("vacant", True), ("note", False)]
    assert any("public" in p for p in problems(MINIMAL.replace(
        "label: 空床数}", "label: 空床数, public: yes please}")))
