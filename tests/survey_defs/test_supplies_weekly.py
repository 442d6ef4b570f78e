"""The weekly survey of medical supplies (医療用物資の週次調査) as shipped: who answers it, the
supplies table the emergency supply checks read, and the checks between its cells."""

from datetime import date, datetime

import pytest

from gmis.japan_time import TOKYO
from gmis.models import Facility, FacilityType
from gmis.surveys.engine import periods
from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from gmis.surveys.store import eligibility
from tests.fixtures.surveys import cell_inputs, compile_builtin, form_inputs

ROWS = {"surgical_mask": "サージカルマスク", "n95_mask": "N95マスク・DS2マスク",
        "gown": "ガウン(アイソレーションガウン)", "face_shield": "フェイスシールド",
        "eye_shield": "アイシールド(ゴーグル)", "gloves": "非滅菌手袋"}
COLUMNS = ("stock", "weekly_use", "outlook", "procurement")

#: An ordinary week of a mid-sized hospital: (stock, weekly use, outlook, procurement).
ORDINARY_WEEK = {
    "surgical_mask": ("12000", "2500", "4_weeks_or_more", "normal"),
    "n95_mask": ("600", "200", "2_to_3_weeks", "normal"),
    "gown": ("1,500", "400", "2_to_3_weeks", "normal"),
    "face_shield": ("800", "150", "4_weeks_or_more", "normal"),
    "eye_shield": ("40", "0", "4_weeks_or_more", "normal"),
    "gloves": ("9000", "2000", "4_weeks_or_more", "normal"),
}
CONTACT = {"contact_name": "物品管理課 山田", "contact_phone": "03-5321-1111"}


@pytest.fixture(scope="module")
def survey():
    return compile_builtin("supplies_weekly")


def answer(survey, rows=None, **changes):
    """The ordinary week with ``rows`` ({row: {column: value}}) and ``changes`` (other
    fields) changed; None leaves a cell or field empty."""
    cells = {row: dict(zip(COLUMNS, values, strict=True))
             for row, values in ORDINARY_WEEK.items()}
    for row, columns in (rows or {}).items():
        cells[row].update(columns)
    form = cell_inputs("supplies", cells)
    fields = {**CONTACT, **changes}
    form.update(form_inputs(fields))
    return evaluate_form(survey, form)


def test_an_ordinary_week_passes(survey):
    result = answer(survey)
    assert result.errors == {}
    assert result.values["supplies"]["gown"] == {"stock": 1500, "weekly_use": 400,
                                                 "outlook": "2_to_3_weeks",
                                                 "procurement": "normal"}
    assert "procurement_details" not in result.visible


def test_the_keys_other_features_read_are_there(survey):
    # The emergency supply (SOS) checks read supplies.<row>.outlook.
    table = survey.fields["supplies"].type
    assert dict(table.rows) == ROWS
    assert tuple(column.key for column in table.columns) == COLUMNS
    outlook = next(column for column in table.columns if column.key == "outlook")
    assert [(c.value, c.label) for c in outlook.definition.choices] == [
        ("within_1_week", "1週間以内"), ("2_to_3_weeks", "2〜3週間"),
        ("4_weeks_or_more", "4週間以上")]
    assert survey.fields["supplies"].definition.required


@pytest.mark.parametrize(("facility_type", "on_behalf", "refusal"), [
    (FacilityType.hospital, False, None),
    (FacilityType.clinic, False, None),
    (FacilityType.outpatient_centre, False, None),
    (FacilityType.clinic, True, None),
    (FacilityType.pharmacy, False, "薬局はこの調査の回答対象ではありません。"),
    (FacilityType.dental_clinic, False, "歯科診療所はこの調査の回答対象ではありません。"),
])
def test_hospitals_clinics_and_centres_answer(survey, facility_type, on_behalf, refusal):
    facility = Facility(facility_type=facility_type, prefecture_code="13", name="テスト")
    respondent = eligibility.for_facility(facility, on_behalf=on_behalf)
    assert eligibility.refusal(survey.definition, respondent) == refusal


def test_prefectures_do_not_answer(survey):
    prefecture = eligibility.Respondent(key="prefecture:13", kind="prefecture", name="東京都",
                                        prefecture_code="13")
    assert eligibility.refusal(survey.definition, prefecture) == eligibility.NOT_ASKED


def test_weekly_from_monday_due_on_wednesday_and_two_weeks_back(survey):
    period = survey.definition.period
    now = datetime(2026, 11, 20, 9, 0, tzinfo=TOKYO)  # a Friday
    week = periods.current_period(period, now)
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert periods.due_at(period, week) == datetime(2026, 11, 18, 13, 0, tzinfo=TOKYO)
    assert [p.start for p in periods.answerable_periods(period, now)] == [
        date(2026, 11, 16), date(2026, 11, 9), date(2026, 11, 2)]


@pytest.mark.parametrize("procurement", ["partly_unavailable", "unavailable"])
def test_an_item_that_cannot_be_procured_asks_why(survey, procurement):
    rows = {"n95_mask": {"procurement": procurement}}
    result = answer(survey, rows)
    assert "procurement_details" in result.visible
    assert result.errors == {"procurement_details": [REQUIRED_MESSAGE]}
    assert answer(survey, rows, procurement_details="納入が2週間遅れる見込みです。").errors == {}


@pytest.mark.parametrize(("row", "label"), ROWS.items())
def test_stock_below_a_weeks_use_runs_out_within_the_week(survey, row, label):
    short = answer(survey, {row: {"stock": "10", "weekly_use": "11"}})
    message = (f"「{label}」の「在庫の見通し」: 在庫量が1週間の使用量より少ないため、"
               "「1週間以内」を選んでください。")
    assert short.errors == {"supplies": [message]}
    # The message names the cell, so the form marks it.
    outlook = next(c for c in survey.fields["supplies"].type.columns if c.key == "outlook")
    assert survey.fields["supplies"].type.cell_has_error(short.errors["supplies"], label,
                                                          outlook)
    assert answer(survey, {row: {"stock": "10", "weekly_use": "11",
                                 "outlook": "within_1_week"}}).errors == {}


def test_no_stock_and_no_use_passes(survey):
    assert answer(survey, {"eye_shield": {"stock": "0", "weekly_use": "0"}}).errors == {}


def test_every_cell_of_the_table_is_required(survey):
    result = answer(survey, {"gloves": {"stock": None, "outlook": None}})
    assert result.errors == {"supplies": [
        "表のすべての欄を入力してください(未入力: 「非滅菌手袋」の「在庫量」、"
        "「非滅菌手袋」の「在庫の見通し」)。"]}


def test_cells_are_checked_like_fields(survey):
    result = answer(survey, {"gown": {"stock": "-1"}})
    assert result.errors == {"supplies": ["「ガウン(アイソレーションガウン)」の「在庫量」: "
                                          "0〜99,999,999の範囲で入力してください。"]}


def test_every_required_question_is_asked_on_an_empty_form(survey):
    result = evaluate_form(survey, {})
    assert set(result.errors) == {"supplies", "contact_name", "contact_phone"}
    assert all(messages == [REQUIRED_MESSAGE] for messages in result.errors.values())
