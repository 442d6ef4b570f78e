"""Compiling a definition: unknown types, expressions and computed fields checked at load time."""

import pytest

from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.registry import build_registry

TEMPLATE = """
schema_version: 1
key: beds
title: 病床
period: {{kind: daily}}
sections:
  - key: s
    title: S
    fields:
      - {{key: total, type: integer, label: 病床数}}
      - {{key: vacant, type: {vacant_type}, label: 空床数{vacant}}}
      - {{key: used, type: integer, label: 使用中{used}}}
{rules}
"""


def compile_text(vacant="", used=", compute: total - vacant", rules="", vacant_type="integer"):
    text = TEMPLATE.format(vacant=vacant, used=used, rules=rules, vacant_type=vacant_type)
    return compile_survey(parse_definition(text, "beds.yaml"), build_registry(), "beds.yaml")


def problems(**parts) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        compile_text(**parts)
    return [str(p) for p in caught.value.problems]


def test_a_good_definition_compiles_with_computed_fields_in_order():
    survey = compile_text()
    assert survey.computed_order == ("used",)
    assert survey.fields["used"].compute.variables == {"total", "vacant"}


def test_unknown_field_type_lists_the_known_ones():
    (problem,) = problems(vacant_type="counter")
    assert problem.startswith("sections[0].fields[1].type: 項目の種類「counter」はありません。")
    assert "integer" in problem


def test_expression_naming_a_missing_field_is_refused_with_its_path():
    assert problems(vacant=", visible_if: totl > 0") == [
        "sections[0].fields[1].visible_if: 式が知らない項目キー「totl」を参照しています。"]


def test_expression_syntax_error_is_refused_at_load_time():
    (problem,) = problems(vacant=", required_if: 'total >'")
    assert problem.startswith("sections[0].fields[1].required_if: 式の書き方が正しくありません")


def test_rule_naming_a_missing_field_is_refused():
    rules = ("rules:\n  - {key: r, expression: vacant <= total, message: 空床数が多すぎます,"
             " fields: [vacnt]}")
    assert problems(rules=rules) == ["rules[0].fields: 知らない項目キー「vacnt」です。"]


def test_cycle_in_computed_fields_is_refused():
    (problem,) = problems(vacant=", compute: used + 1", used=", compute: vacant - 1")
    assert "計算項目が循環しています" in problem
    assert "vacant → used → vacant" in problem or "used → vacant → used" in problem


def test_macro_variables_are_not_taken_for_fields():
    survey = compile_text(rules="rules:\n  - {key: r, expression: '[total, vacant].all(n, n >= 0)',"
                                " message: 負の数は入力できません}")
    assert survey.rules[0].expression.variables == {"total", "vacant"}


def test_every_problem_is_reported_at_once():
    found = problems(vacant_type="counter", vacant=", visible_if: nothing > 0",
                     used=", compute: used + 1")
    assert len(found) == 3
