"""Answers against a compiled survey: visibility, required, computed fields, rules."""

import pytest

from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.registry import build_registry
from gmis.surveys.engine.validation import (
    FORM_ERRORS,
    REQUIRED_MESSAGE,
    evaluate_form,
    prefill,
    stored_values,
)
from tests.fixtures.surveys import form_inputs

DEFINITION = """
schema_version: 1
key: beds
title: 病床
period: {kind: daily}
sections:
  - key: s
    title: S
    fields:
      - {key: total, type: integer, label: 病床数, required: true, min: 0, prefill: true}
      - {key: vacant, type: integer, label: 空床数, required: true, min: 0}
      - {key: icu, type: integer, label: ICU病床数, min: 0, max: 500}
      - {key: icu_vacant, type: integer, label: ICU空床数, visible_if: icu != null && icu > 0,
         required: true}
      - {key: note, type: text, label: 備考, required_if: vacant == 0}
      - {key: used, type: integer, label: 使用中, compute: total - vacant}
rules:
  - {key: vacant_le_total, expression: vacant <= total, message: 空床数は病床数以下にしてください。,
     fields: [vacant]}
  - {key: sane_icu, expression: icu <= total, message: ICU病床数が病床数を超えています。}
"""


@pytest.fixture(scope="module")
def survey():
    return compile_survey(parse_definition(DEFINITION, "beds.yaml"), build_registry())


def form(**values):
    return form_inputs(values)


def test_good_answers_pass_and_computed_field_is_filled(survey):
    result = evaluate_form(survey, form(total="100", vacant="30"))
    assert result.ok
    assert result.values["used"] == 70
    assert result.answers(survey) == {"total": 100, "vacant": 30, "used": 70}


def test_full_width_digits_are_accepted(survey):
    assert evaluate_form(survey, form(total="１，２００", vacant="３０")).values["total"] == 1200


def test_required_fields_are_reported_unless_partial(survey):
    assert evaluate_form(survey, form()).errors["total"] == [REQUIRED_MESSAGE]
    partial = evaluate_form(survey, form(), partial=True)
    assert partial.ok and {"total", "vacant"} <= partial.required


def test_text_in_a_number_field_keeps_what_was_typed(survey):
    result = evaluate_form(survey, form(total="たくさん", vacant="3"))
    assert result.errors["total"] == ["半角または全角の整数で入力してください(例: 12)。"]
    assert result.raw["total"] == "たくさん"
    assert result.values["vacant"] == 3


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("icu", "-1", "0〜500の範囲で入力してください。"),
    ("icu", "501", "0〜500の範囲で入力してください。"),
    ("total", "-3", "0以上で入力してください。"),
])
def test_out_of_range_numbers(survey, field, typed, message):
    result = evaluate_form(survey, form_inputs({"total": "100", "vacant": "3", field: typed}))
    assert result.errors[field] == [message]


def test_hidden_field_is_neither_required_nor_kept(survey):
    hidden = evaluate_form(survey, form(total="100", vacant="3", icu="0", icu_vacant="9"))
    assert hidden.ok
    assert "icu_vacant" not in hidden.visible and hidden.values["icu_vacant"] is None
    shown = evaluate_form(survey, form(total="100", vacant="3", icu="10"))
    assert shown.errors["icu_vacant"] == [REQUIRED_MESSAGE]


def test_required_if(survey):
    assert evaluate_form(survey, form(total="10", vacant="0")).errors["note"] == [
        REQUIRED_MESSAGE]
    assert "note" not in evaluate_form(survey, form(total="10", vacant="1")).errors


def test_rule_messages_go_to_their_fields_or_the_form(survey):
    result = evaluate_form(survey, form(total="10", vacant="20", icu="30", icu_vacant="1"))
    assert result.errors["vacant"] == ["空床数は病床数以下にしてください。"]
    assert result.errors[FORM_ERRORS] == ["ICU病床数が病床数を超えています。"]


def test_a_rule_waits_until_its_fields_are_answered(survey):
    result = evaluate_form(survey, form(vacant="20"), partial=True)
    assert result.ok


def test_prefill_takes_marked_fields_by_key_when_still_valid(survey):
    assert prefill(survey, {"total": 120, "vacant": 4, "gone": 1}) == {"total": 120}
    assert prefill(survey, {"total": -5}) == {}


def test_stored_answers_round_trip(survey):
    result = evaluate_form(survey, form(total="100", vacant="30"))
    assert stored_values(survey, result.answers(survey))["used"] == 70


COMPUTED = """
schema_version: 1
key: rates
title: 率
period: {kind: daily}
sections:
  - key: s
    title: S
    fields:
      - {key: beds, type: integer, label: 病床数, min: "1,000", max: "２０００"}
      - {key: planned, type: integer, label: 計画病床数, compute: double(beds) * 0.85}
      - {key: ratio, type: decimal, label: 比率, compute: double(beds) / 3.0}
"""


def test_computed_values_take_their_fields_type_and_are_stored_readably():
    survey = compile_survey(parse_definition(COMPUTED, "rates.yaml"), build_registry())
    result = evaluate_form(survey, form(beds="1,001"))
    assert result.ok
    assert result.values["planned"] == 851  # 850.85 rounded half up: a whole number
    assert str(result.values["ratio"]).startswith("333.66")
    stored = result.answers(survey)
    assert stored_values(survey, stored)["planned"] == 851


def test_bounds_written_with_separators_or_full_width_digits_are_read_like_answers():
    survey = compile_survey(parse_definition(COMPUTED, "rates.yaml"), build_registry())
    assert evaluate_form(survey, form(beds="999")).errors["beds"] == [
        "1,000〜2,000の範囲で入力してください。"]
