"""The hospital daily survey (病院日次調査) as shipped: what a hospital must answer, what it
may leave out, and the checks between its figures."""

import pytest

from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from tests.fixtures.surveys import compile_builtin, form_inputs

#: An ordinary day of a 120-bed hospital with a few COVID patients.
ORDINARY_DAY = {
    "outpatient_testing": "yes", "pcr_available": "available",
    "outpatient_status": "normal", "inpatient_status": "normal",
    "emergency_status": "normal", "surgery_status": "normal",
    "staff_shortage": "no",
    "covid_inpatients": "5", "covid_severe_inpatients": "1",
    "covid_admitted_today": "2", "covid_discharged_today": "1",
    "tests_total": "30", "pcr_tests": "20", "antigen_quantitative_tests": "4",
    "antigen_qualitative_tests": "6",
    "total_beds": "120", "vacant_beds": "13", "covid_acceptable_beds": "3",
    "icu_beds": "8", "icu_vacant_beds": "2", "ventilators": "6", "ventilators_in_use": "1",
    "ecmo": "0",
}


@pytest.fixture(scope="module")
def survey():
    return compile_builtin("hospital_daily")


def answer(survey, **changes):
    values = {**ORDINARY_DAY, **changes}
    return evaluate_form(survey, form_inputs(values))


def test_an_ordinary_day_passes_and_the_occupied_beds_are_computed(survey):
    result = answer(survey)
    assert result.errors == {}
    assert result.values["occupied_beds"] == 107
    assert result.values["outpatient_testing"] is True


def test_the_keys_other_features_read_are_there(survey):
    # The bed view and the emergency supply (SOS) checks read these.
    assert {"covid_inpatients", "covid_acceptable_beds", "vacant_beds", "total_beds",
            "antigen_quantitative_tests", "antigen_qualitative_tests", "outpatient_testing",
            "pcr_available", "inpatient_status", "emergency_status"} <= survey.fields.keys()


def test_a_limited_service_asks_why(survey):
    assert "service_limit_reason" not in answer(survey).visible
    limited = answer(survey, emergency_status="limited")
    assert limited.errors == {"service_limit_reason": [REQUIRED_MESSAGE]}
    assert answer(survey, emergency_status="suspended",
                  service_limit_reason="職員の感染のため").errors == {}


def test_a_staff_shortage_asks_who_is_absent(survey):
    shortage = answer(survey, staff_shortage="yes")
    assert set(shortage.errors) == {"staff_absent_doctors", "staff_absent_nurses",
                                    "staff_absent_others"}
    assert answer(survey, staff_shortage="yes", staff_absent_doctors="0",
                  staff_absent_nurses="３", staff_absent_others="1").errors == {}


def test_equipment_in_use_is_asked_only_where_there_is_some(survey):
    none = answer(survey, icu_beds="0", icu_vacant_beds=None, ventilators="0",
                  ventilators_in_use=None)
    assert none.errors == {}
    assert answer(survey, ecmo="2").errors == {"ecmo_in_use": [REQUIRED_MESSAGE]}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"covid_severe_inpatients": "6"}, "covid_severe_inpatients",
     "重症者数は入院中の人数以下にしてください。"),
    ({"pcr_tests": "31"}, "pcr_tests", "PCR検査の人数は検査実施人数以下にしてください。"),
    ({"antigen_qualitative_tests": "40"}, "antigen_qualitative_tests",
     "抗原定性検査の人数は検査実施人数以下にしてください。"),
    ({"vacant_beds": "121"}, "vacant_beds", "空床数は稼働病床数以下にしてください。"),
    ({"icu_vacant_beds": "9"}, "icu_vacant_beds",
     "ICU等の空床数はICU等の病床数以下にしてください。"),
    ({"ventilators_in_use": "7"}, "ventilators_in_use",
     "使用中の人工呼吸器は保有台数以下にしてください。"),
    ({"ecmo": "1", "ecmo_in_use": "2"}, "ecmo_in_use",
     "使用中のECMOは保有台数以下にしてください。"),
])
def test_figures_that_contradict_each_other(survey, changes, field, message):
    assert answer(survey, **changes).errors == {field: [message]}


def test_every_required_question_is_asked_on_an_empty_form(survey):
    result = evaluate_form(survey, {})
    assert len(result.errors) == 21
    assert all(messages == [REQUIRED_MESSAGE] for messages in result.errors.values())
