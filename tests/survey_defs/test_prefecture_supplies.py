"""The prefectures' supplies survey (医療用物資備蓄状況・対応状況調査) as shipped: answered by
prefectures for any week of the past year, their stockpile and distribution by item (the rows
of the facilities' weekly survey) and how they are coping."""

from datetime import date, datetime
from pathlib import Path

import pytest

from gmis.japan_time import TOKYO
from gmis.models import Facility, FacilityType
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.registry import build_registry
from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from gmis.surveys.store import eligibility
from tests.fixtures.surveys import cell_inputs, form_inputs

DEFINITION = Path(__file__).resolve().parents[2] / "gmis/survey_defs/prefecture_supplies.yaml"
FACILITIES_SURVEY = DEFINITION.with_name("supplies_weekly.yaml")

COLUMNS = ("stockpile", "distributed", "status")

#: An ordinary week: (stockpile, distributed this week, status).
ORDINARY_WEEK = {
    "surgical_mask": ("2,400,000", "120000", "sufficient"),
    "n95_mask": ("180000", "6000", "sufficient"),
    "gown": ("350000", "20000", "sufficient"),
    "face_shield": ("90000", "3000", "sufficient"),
    "eye_shield": ("15000", "0", "sufficient"),
    "gloves": ("1200000", "80000", "sufficient"),
}
SOS = {"sos_requests": "3", "sos_fulfilled": "2"}


def compile_file(path):
    return compile_survey(parse_definition(path.read_text(encoding="utf-8"), path.name),
                          build_registry())


@pytest.fixture(scope="module")
def survey():
    return compile_file(DEFINITION)


def answer(survey, rows=None, **changes):
    """The ordinary week with ``rows`` ({row: {column: value}}) and ``changes`` (other
    fields) changed; None leaves a cell or field empty."""
    cells = {row: dict(zip(COLUMNS, values, strict=True))
             for row, values in ORDINARY_WEEK.items()}
    for row, columns in (rows or {}).items():
        cells[row].update(columns)
    form = cell_inputs("supplies", cells)
    fields = {**SOS, **changes}
    form.update(form_inputs(fields))
    return evaluate_form(survey, form)


def test_an_ordinary_week_passes(survey):
    result = answer(survey)
    assert result.errors == {}
    assert result.values["supplies"]["surgical_mask"]["stockpile"] == 2_400_000
    assert "response_notes" not in result.required


def test_the_rows_are_those_of_the_facilities_weekly_survey(survey):
    facilities = compile_file(FACILITIES_SURVEY).fields["supplies"].type
    assert survey.fields["supplies"].type.rows == facilities.rows


@pytest.mark.parametrize(("respondent", "refusal"), [
    (eligibility.Respondent(key="prefecture:27", kind="prefecture", name="大阪府",
                            prefecture_code="27"), None),
    (eligibility.Respondent(key="city:4", kind="city", name="新宿区", prefecture_code="13",
                            city_id=4), eligibility.NOT_ASKED),
    (eligibility.for_facility(Facility(facility_type=FacilityType.hospital,
                                       prefecture_code="13", name="テスト")),
     eligibility.NOT_ASKED),
])
def test_prefectures_answer(survey, respondent, refusal):
    assert eligibility.refusal(survey.definition, respondent) == refusal


def test_any_week_of_the_past_year_may_be_answered_or_corrected(survey):
    period = survey.definition.period
    now = datetime(2026, 11, 20, 9, 0, tzinfo=TOKYO)
    open_weeks = periods.answerable_periods(period, now)
    assert len(open_weeks) == 53
    assert open_weeks[0].start == date(2026, 11, 16)
    assert open_weeks[-1].start == date(2025, 11, 17)
    assert periods.due_at(period, open_weeks[0]) is None


@pytest.mark.parametrize("status", ["partly_short", "needs_support"])
def test_an_item_not_covered_asks_how_the_prefecture_is_coping(survey, status):
    rows = {"gown": {"status": status}}
    result = answer(survey, rows)
    assert result.errors == {"response_notes": [REQUIRED_MESSAGE]}
    assert answer(survey, rows, response_notes="国に追加供給を要請しています。").errors == {}


def test_the_response_may_be_described_when_all_is_well(survey):
    assert answer(survey, response_notes="特記事項なし").errors == {}


def test_requests_ask_how_many_were_fulfilled(survey):
    assert answer(survey, sos_fulfilled=None).errors == {"sos_fulfilled": [REQUIRED_MESSAGE]}
    no_requests = answer(survey, sos_requests="0", sos_fulfilled=None)
    assert no_requests.errors == {} and "sos_fulfilled" not in no_requests.visible


def test_more_fulfilled_than_requested_is_refused(survey):
    assert answer(survey, sos_fulfilled="4").errors == {
        "sos_fulfilled": ["備蓄から配布した件数は受け付けた緊急配布要請の件数以下にしてください。"]}


def test_every_cell_of_the_table_is_required(survey):
    result = answer(survey, {"n95_mask": {"distributed": None}})
    assert result.errors == {"supplies": [
        "表のすべての欄を入力してください(未入力: 「N95マスク・DS2マスク」の「今週の配布量」)。"]}


def test_every_required_question_is_asked_on_an_empty_form(survey):
    result = evaluate_form(survey, {})
    assert set(result.errors) == {"supplies", "sos_requests"}
    assert all(messages == [REQUIRED_MESSAGE] for messages in result.errors.values())
