"""システムチェック: each condition of the source, passing and failing, against the
facility's latest daily and weekly answers."""

from datetime import timedelta

import pytest

from gmis.db import utcnow
from gmis.models import FacilityDesignation, FacilityType, Role
from gmis.sos.rules import rules
from gmis.sos.system_check import check
from gmis.surveys.engine import periods
from gmis.surveys.store import responses
from tests.fixtures.surveys import CLINIC_DAY, HOSPITAL_DAY, supplies_week

#: A hospital day that meets none of the daily conditions.
QUIET_DAY = {**HOSPITAL_DAY, "antigen_quantitative_tests": "0", "antigen_qualitative_tests": "0",
             "covid_inpatients": "0", "covid_severe_inpatients": "0",
             "covid_acceptable_beds": "0", "outpatient_testing": "no",
             "pcr_available": "unavailable"}


def today():
    return periods.today(utcnow())


@pytest.fixture
def surveys(builtin_survey):
    return {key: builtin_survey(key) for key in ("hospital_daily", "clinic_daily",
                                                 "supplies_weekly")}


@pytest.fixture
def hospital(make_user, make_facility):
    return make_user(facility=make_facility())


def messages(result):
    return [f.message for f in result.failures]


@pytest.mark.parametrize("met", [
    {"antigen_quantitative_tests": "1"},
    {"antigen_qualitative_tests": "2"},
    {"covid_inpatients": "1"},
    {"covid_acceptable_beds": "1"},
    {"outpatient_testing": "yes"},
    {"pcr_available": "available"},
])
def test_any_one_daily_condition_is_enough(surveys, hospital, answer_survey, met):
    answer_survey(surveys["hospital_daily"], hospital, today(), {**QUIET_DAY, **met})
    answer_survey(surveys["supplies_weekly"], hospital, today(),
                  supplies_week({"surgical_mask": "within_1_week"}))
    assert check(rules(), hospital.facility, ["surgical_mask"], utcnow()).ok


def test_a_day_meeting_no_condition_is_refused_with_every_condition_named(
        surveys, hospital, answer_survey):
    answer_survey(surveys["hospital_daily"], hospital, today(), QUIET_DAY)
    answer_survey(surveys["supplies_weekly"], hospital, today(),
                  supplies_week({"surgical_mask": "2_to_3_weeks"}))
    result = check(rules(), hospital.facility, ["surgical_mask"], utcnow())
    [failure] = result.failures
    assert "いずれの条件も満たしていません" in failure.message
    assert "「入院中」が1以上" in failure.message
    assert "「PCR検査実施の可否」が「可能」" in failure.message
    assert failure.survey_key == "hospital_daily" and failure.period_key == today().isoformat()


@pytest.mark.parametrize(("outlook", "ok"), [
    ("within_1_week", True), ("2_to_3_weeks", True), ("4_weeks_or_more", False)])
def test_each_requested_item_needs_a_short_stock_outlook(surveys, hospital, answer_survey,
                                                        outlook, ok):
    answer_survey(surveys["hospital_daily"], hospital, today(), HOSPITAL_DAY)
    answer_survey(surveys["supplies_weekly"], hospital, today(),
                  supplies_week({"n95_mask": outlook, "surgical_mask": "within_1_week"}))
    result = check(rules(), hospital.facility, ["surgical_mask", "n95_mask"], utcnow())
    assert result.ok is ok
    if not ok:
        assert messages(result) == [
            "週次調査で「N95マスク(DS2を含む)」の「在庫の見通し」が「1週間以内」または"
            "「2〜3週間」ではありません。"]
        assert result.failures[0].survey_key == "supplies_weekly"


def test_missing_or_old_answers_are_named(surveys, hospital, answer_survey):
    old = answer_survey(surveys["hospital_daily"], hospital, today() - timedelta(days=7),
                        HOSPITAL_DAY)
    old.period_start -= timedelta(days=1)  # as if answered a day before the window
    result = check(rules(), hospital.facility, ["gloves"], utcnow())
    assert messages(result) == [
        "日次調査「病院日次調査」の直近7日以内の回答がありません。回答(提出)してから申請してください。",
        "週次調査「医療用物資の週次調査」の直近14日以内の回答がありません。回答(提出)してから申請してください。",
    ]
    assert [f.survey_key for f in result.failures] == ["hospital_daily", "supplies_weekly"]


def test_a_draft_is_not_an_answer(surveys, hospital, answer_survey):
    answer_survey(surveys["hospital_daily"], hospital, today(), HOSPITAL_DAY, submit=False)
    answer_survey(surveys["supplies_weekly"], hospital, today(), supplies_week(
        {"gloves": "within_1_week"}))
    assert "日次調査「病院日次調査」" in messages(
        check(rules(), hospital.facility, ["gloves"], utcnow()))[0]


def test_a_returned_answer_is_not_an_answer_the_one_before_it_is(
        surveys, hospital, make_user, answer_survey):
    answer_survey(surveys["hospital_daily"], hospital, today() - timedelta(days=1), QUIET_DAY)
    sent_back = answer_survey(surveys["hospital_daily"], hospital, today(), HOSPITAL_DAY)
    answer_survey(surveys["supplies_weekly"], hospital, today(), supplies_week(
        {"gloves": "within_1_week"}))
    assert check(rules(), hospital.facility, ["gloves"], utcnow()).ok
    responses.return_response(sent_back, make_user(role=Role.prefecture), "ご確認ください。")
    [failure] = check(rules(), hospital.facility, ["gloves"], utcnow()).failures
    assert "いずれの条件も満たしていません" in failure.message
    assert failure.period_key == (today() - timedelta(days=1)).isoformat()


def test_a_clinic_needs_a_daily_answer_but_not_its_conditions(surveys, make_user,
                                                             make_facility, answer_survey):
    clinic = make_user(facility=make_facility(
        facility_type=FacilityType.clinic,
        designations=[FacilityDesignation(designation="outpatient_testing")]))
    answer_survey(surveys["supplies_weekly"], clinic, today(),
                  supplies_week({"face_shield": "within_1_week"}))
    assert "日次調査「「診療・検査医療機関」日次調査」" in messages(
        check(rules(), clinic.facility, ["face_shield"], utcnow()))[0]
    quiet = {**CLINIC_DAY, "outpatient_testing": "no", "pcr_available": "unavailable",
             "pcr_tests": "0", "antigen_qualitative_tests": "0", "tests_total": "0",
             "positive_patients": "0"}
    answer_survey(surveys["clinic_daily"], clinic, today(), quiet)
    assert check(rules(), clinic.facility, ["face_shield"], utcnow()).ok


def test_dental_clinics_and_pharmacies_cannot_request(make_facility):
    for kind in (FacilityType.dental_clinic, FacilityType.pharmacy):
        result = check(rules(), make_facility(facility_type=kind), ["gloves"], utcnow())
        assert messages(result) == [f"{kind.label}は緊急配布要請の対象ではありません。"]
