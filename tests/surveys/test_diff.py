"""The diff between two versions of a definition: what a reviewer sees before publishing."""

import pytest

from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.diff import Change, diff_definitions

BASE = """
schema_version: 1
key: beds
title: 病床状況
period: {kind: daily, due_time: "13:00"}
sections:
  - key: beds
    title: 病床
    fields:
      - {key: total, type: integer, label: 病床数, required: true, min: 0, max: 5000}
      - {key: vacant, type: integer, label: 空床数, visible_if: total > 0}
  - key: staff
    title: 職員
    fields:
      - {key: contact, type: text, label: 担当者}
rules:
  - {key: vacant_le_total, expression: vacant <= total, message: 空床数が病床数を超えています。}
"""


def definition(text: str = BASE):
    return parse_definition(text, "beds.yaml")


def diff(*replacements: tuple[str, str]):
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return diff_definitions(definition(), definition(text))


def test_the_same_definition_has_no_differences():
    result = diff()
    assert result.is_empty


def test_a_first_version_adds_everything():
    result = diff_definitions(None, definition())
    assert [f.key for f in result.fields_added] == ["total", "vacant", "contact"]
    assert [s.key for s in result.sections_added] == ["beds", "staff"]
    assert [r.key for r in result.rules_added] == ["vacant_le_total"]
    assert not result.fields_removed and not result.fields_changed and not result.survey


@pytest.mark.parametrize(
    ("replacement", "key", "expected"),
    [
        (("label: 空床数", "label: 空床数(一般)"), "vacant",
         Change("項目名", "空床数", "空床数(一般)")),
        (("type: text, label: 担当者", "type: integer, label: 担当者"), "contact",
         Change("種類", "text", "integer")),
        (("required: true, ", ""), "total", Change("必須", "はい", "いいえ")),
        (("visible_if: total > 0", "visible_if: total > 10"), "vacant",
         Change("表示条件", "total > 0", "total > 10")),
        (("label: 空床数, visible_if: total > 0", "label: 空床数"), "vacant",
         Change("表示条件", "total > 0", "(なし)")),
        (("max: 5000", "max: 3000"), "total", Change("範囲", "0〜5000", "0〜3000")),
        (("min: 0, max: 5000", "max: 5000"), "total", Change("範囲", "0〜5000", "〜5000")),
        (("label: 担当者}", "label: 担当者, help: 氏名を書いてください}"), "contact",
         Change("説明文", "(なし)", "氏名を書いてください")),
        (("label: 空床数,", "label: 空床数, unit: 床,"), "vacant", Change("単位", "(なし)", "床")),
        (("label: 担当者}", "label: 担当者, options: {max_length: 40}}"), "contact",
         Change("種類ごとの設定", "(なし)", '{"max_length": 40}')),
        (("label: 担当者}", "label: 担当者, locked: true}"), "contact",
         Change("固定項目(都道府県による変更不可)", "いいえ", "はい")),
        (("label: 担当者}", "label: 担当者, prefill: true}"), "contact",
         Change("前回回答の引継ぎ", "いいえ", "はい")),
        (("label: 空床数, visible_if: total > 0}", "label: 空床数, compute: total - 1}"), "vacant",
         Change("計算式", "(なし)", "total - 1")),
    ],
)
def test_a_changed_field_names_the_attribute_with_both_values(replacement, key, expected):
    result = diff(replacement)
    (change,) = result.fields_changed
    assert change.key == key
    assert expected in change.changes
    assert not result.fields_added and not result.fields_removed


def test_choices_are_compared_value_by_label():
    text = BASE.replace("label: 担当者}", "label: 担当者}\n      - {key: open, type: text, "
                        "label: 外来, choices: [{value: '1', label: あり}]}")
    result = diff_definitions(definition(text), definition(text.replace(
        "{value: '1', label: あり}", "{value: '1', label: あり}, {value: '0', label: なし}")))
    (change,) = result.field_change("open").changes
    assert change == Change("選択肢", "1: あり", "1: あり / 0: なし")


def test_type_labels_are_shown_with_the_type_name():
    result = diff_definitions(definition(), definition(
        BASE.replace("type: text, label: 担当者", "type: integer, label: 担当者")),
        type_labels={"text": "文字(1行)", "integer": "整数"})
    assert result.field_change("contact").changes == (
        Change("種類", "文字(1行)(text)", "整数(integer)"),)


def test_added_and_removed_fields():
    result = diff(("      - {key: contact, type: text, label: 担当者}",
                   "      - {key: phone, type: text, label: 電話番号}"))
    assert [f.key for f in result.fields_added] == ["phone"]
    assert [f.key for f in result.fields_removed] == ["contact"]
    assert not result.fields_changed and not result.fields_reordered


def test_a_field_moved_to_another_section():
    vacant = "      - {key: vacant, type: integer, label: 空床数, visible_if: total > 0}"
    moved = BASE.replace(vacant + "\n", "").replace("label: 担当者}", "label: 担当者}\n" + vacant)
    result = diff_definitions(definition(), definition(moved))
    assert result.field_change("vacant").changes == (
        Change("セクション", "病床(beds)", "職員(staff)"),)
    assert not result.fields_reordered


def test_fields_in_another_order():
    swapped = BASE.replace(
        "      - {key: total, type: integer, label: 病床数, required: true, min: 0, max: 5000}\n"
        "      - {key: vacant, type: integer, label: 空床数, visible_if: total > 0}",
        "      - {key: vacant, type: integer, label: 空床数, visible_if: total > 0}\n"
        "      - {key: total, type: integer, label: 病床数, required: true, min: 0, max: 5000}")
    result = diff_definitions(definition(), definition(swapped))
    assert result.fields_reordered and not result.fields_changed


@pytest.mark.parametrize(
    ("replacement", "added", "removed", "renamed"),
    [
        (("title: 職員", "title: 職員体制"), [], [], ["staff"]),
        (("key: staff\n    title: 職員", "key: people\n    title: 職員"), ["people"], ["staff"],
         []),
    ],
)
def test_sections_added_removed_and_renamed(replacement, added, removed, renamed):
    result = diff(replacement)
    assert [s.key for s in result.sections_added] == added
    assert [s.key for s in result.sections_removed] == removed
    assert [s.key for s in result.sections_renamed] == renamed


def test_a_renamed_section_shows_both_titles():
    (change,) = diff(("title: 職員", "title: 職員体制")).sections_changed
    assert change.changes == (Change("見出し", "職員", "職員体制"),)


@pytest.mark.parametrize(
    ("replacement", "added", "removed", "changed"),
    [
        (("message: 空床数が病床数を超えています。", "message: 空床数は病床数以下です。"), [], [],
         [Change("メッセージ", "空床数が病床数を超えています。", "空床数は病床数以下です。")]),
        (("expression: vacant <= total", "expression: vacant < total"), [], [],
         [Change("条件式", "vacant <= total", "vacant < total")]),
        (("key: vacant_le_total", "key: vacant_within_total"), ["vacant_within_total"],
         ["vacant_le_total"], []),
    ],
)
def test_rules_added_removed_and_changed(replacement, added, removed, changed):
    result = diff(replacement)
    assert [r.key for r in result.rules_added] == added
    assert [r.key for r in result.rules_removed] == removed
    assert [c for rule in result.rules_changed for c in rule.changes] == changed


@pytest.mark.parametrize(
    ("replacement", "expected"),
    [
        (("title: 病床状況", "title: 病床状況調査"), Change("調査名", "病床状況", "病床状況調査")),
        (("kind: daily", "kind: ad_hoc"), Change("周期", "毎日", "随時")),
        (('due_time: "13:00"', 'due_time: "12:00"'), Change("締切時刻", "13:00", "12:00")),
        (("period: {kind: daily, due_time: \"13:00\"}",
          "period: {kind: daily, due_time: \"13:00\", backfill_periods: 7}"),
         Change("過去分の回答可能期間", "0期間前まで", "7期間前まで")),
        (("period:", "respondents: {roles: [facility], facility_types: [hospital, clinic]}\n"
                     "period:"), Change("対象施設種別", "(なし)", "病院、診療所")),
        (("period:", "respondents: {roles: [prefecture]}\nperiod:"),
         Change("回答者", "医療機関等", "都道府県")),
        (("period:", "respondents: {aggregators_on_behalf: true}\nperiod:"),
         Change("とりまとめ団体の代理回答", "いいえ", "はい")),
    ],
)
def test_period_and_respondent_changes(replacement, expected):
    result = diff(replacement)
    assert result.survey == (expected,)
    assert not result.fields_changed
