"""The treatment status survey (療養状況調査) as shipped: answered by prefectures for any day of
the past year, the patients by place of care and the beds and rooms secured for them."""

from datetime import date, datetime

import pytest

from gmis.japan_time import TOKYO
from gmis.models import Facility, FacilityType
from gmis.surveys.engine import periods
from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from gmis.surveys.store import eligibility
from tests.fixtures.surveys import compile_builtin, form_inputs

#: An ordinary day of a prefecture in a quiet phase.
ORDINARY_DAY = {
    "secured_beds": "1200", "secured_severe_beds": "150", "immediate_beds": "900",
    "secured_rooms": "800", "available_rooms": "600",
    "inpatients": "310", "severe_inpatients": "12", "hotel_patients": "95",
    "home_patients": "420", "care_facility_patients": "18", "adjusting_patients": "37",
}

PREFECTURE = eligibility.Respondent(key="prefecture:13", kind="prefecture", name="東京都",
                                    prefecture_code="13")


@pytest.fixture(scope="module")
def survey():
    return compile_builtin("treatment_status")


def answer(survey, **changes):
    values = {**ORDINARY_DAY, **changes}
    return evaluate_form(survey, form_inputs(values))


def test_an_ordinary_day_passes_and_the_patients_are_added_up(survey):
    result = answer(survey)
    assert result.errors == {}
    assert result.values["patients_total"] == 310 + 95 + 420 + 18 + 37


def test_the_total_waits_for_every_count(survey):
    assert answer(survey, home_patients=None).values["patients_total"] is None


@pytest.mark.parametrize(("respondent", "refusal"), [
    (PREFECTURE, None),
    (eligibility.Respondent(key="city:4", kind="city", name="新宿区", prefecture_code="13",
                            city_id=4), eligibility.NOT_ASKED),
    (eligibility.for_facility(Facility(facility_type=FacilityType.hospital,
                                       prefecture_code="13", name="テスト")),
     eligibility.NOT_ASKED),
])
def test_prefectures_answer(survey, respondent, refusal):
    assert eligibility.refusal(survey.definition, respondent) == refusal


def test_any_day_of_the_past_year_may_be_answered_or_corrected(survey):
    period = survey.definition.period
    now = datetime(2026, 11, 21, 9, 0, tzinfo=TOKYO)
    assert periods.due_at(period, periods.current_period(period, now)) is None
    assert periods.answerable(period, periods.period_for("daily", date(2025, 11, 20)),
                              now) is None
    assert periods.answerable(period, periods.period_for("daily", date(2025, 11, 19)),
                              now) is not None
    assert periods.answerable(period, periods.period_for("daily", date(2026, 11, 22)),
                              now) is not None


@pytest.mark.parametrize(("changes", "hidden"), [
    ({"secured_beds": "0", "secured_severe_beds": None, "immediate_beds": None},
     {"secured_severe_beds", "immediate_beds"}),
    ({"secured_rooms": "0", "available_rooms": None, "hotel_patients": "0"},
     {"available_rooms"}),
])
def test_no_beds_or_rooms_asks_nothing_about_them(survey, changes, hidden):
    result = answer(survey, **changes)
    assert result.errors == {} and not hidden & result.visible


@pytest.mark.parametrize(("changes", "asked"), [
    ({"secured_severe_beds": None, "immediate_beds": None},
     {"secured_severe_beds", "immediate_beds"}),
    ({"available_rooms": None}, {"available_rooms"}),
])
def test_beds_or_rooms_ask_how_many_are_ready(survey, changes, asked):
    result = answer(survey, **changes)
    assert asked <= result.visible
    assert result.errors == {key: [REQUIRED_MESSAGE] for key in asked}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"severe_inpatients": "311"}, "severe_inpatients", "重症者数は入院者数以下にしてください。"),
    ({"secured_severe_beds": "1201"}, "secured_severe_beds",
     "重症者用の確保病床数は確保病床数以下にしてください。"),
    ({"immediate_beds": "1201"}, "immediate_beds", "即応病床数は確保病床数以下にしてください。"),
    ({"available_rooms": "801"}, "available_rooms", "受入可能室数は確保居室数以下にしてください。"),
    ({"secured_rooms": "0", "available_rooms": None}, "hotel_patients",
     "確保居室数が0の場合、宿泊療養者数は0人です。宿泊療養施設がある場合は確保居室数を入力してください。"),
])
def test_figures_that_contradict_each_other(survey, changes, field, message):
    assert answer(survey, **changes).errors == {field: [message]}


def test_every_required_question_is_asked_on_an_empty_form(survey):
    result = evaluate_form(survey, {})
    assert set(result.errors) == {"secured_beds", "secured_rooms", "inpatients",
                                  "severe_inpatients", "hotel_patients", "home_patients",
                                  "care_facility_patients", "adjusting_patients"}
    assert all(messages == [REQUIRED_MESSAGE] for messages in result.errors.values())
