"""What each built-in survey carries over to the next period and what it takes on a period
when nothing happened (前日から変更なし): stock figures (inpatients, vacant beds, stock)
carry over; flow figures (a day's admissions, tests, a week's use) start empty in the form and
are 0 on an unchanged day. An ordinary answer, taken as the previous one, makes a complete
unchanged day for every built-in survey."""

from __future__ import annotations

import pytest

from gmis.surveys.engine.validation import evaluate, evaluate_form, prefill
from gmis.surveys.store.unchanged import MIXED, UNCHANGED, unchanged_answers
from tests.fixtures.surveys import (
    CLINIC_DAY,
    HOSPITAL_DAY,
    compile_builtin,
    form_inputs,
    supplies_week,
)
from tests.survey_defs import test_consultation_centre, test_prefecture_supplies
from tests.survey_defs.test_medical_function import DENTAL_REPORT, HOSPITAL_REPORT
from tests.survey_defs.test_pharmacy_function import PHARMACY
from tests.survey_defs.test_treatment_status import ORDINARY_DAY as TREATMENT_DAY

SUPPLY_ROWS = ("surgical_mask", "n95_mask", "gown", "face_shield", "eye_shield", "gloves")


def prefecture_week() -> dict[str, str]:
    typed = {f"supplies.{row}.{column}": value
             for row, values in test_prefecture_supplies.ORDINARY_WEEK.items()
             for column, value in zip(test_prefecture_supplies.COLUMNS, values, strict=True)}
    return {**typed, **test_prefecture_supplies.SOS}


#: survey → (an ordinary answer as typed, fields carried whole, fields with an
#: unchanged_value, {table: (columns carried, columns with an unchanged_value)}).
CARRY_OVER = {
    "hospital_daily": (HOSPITAL_DAY, {
        "outpatient_testing", "pcr_available", "outpatient_status", "inpatient_status",
        "emergency_status", "surgery_status", "service_limit_reason", "staff_shortage",
        "staff_absent_doctors", "staff_absent_nurses", "staff_absent_others",
        "covid_inpatients", "covid_severe_inpatients", "total_beds", "vacant_beds",
        "covid_acceptable_beds", "icu_beds", "icu_vacant_beds", "ventilators",
        "ventilators_in_use", "ecmo", "ecmo_in_use",
    }, {
        "covid_admitted_today", "covid_discharged_today", "tests_total", "pcr_tests",
        "antigen_quantitative_tests", "antigen_qualitative_tests",
    }, {}),
    "clinic_daily": (CLINIC_DAY, {
        "outpatient_testing", "pcr_available", "testing_status", "testing_limit_reason",
    }, {
        "fever_patients", "remote_consultations", "referred_patients", "tests_total",
        "pcr_tests", "antigen_quantitative_tests", "antigen_qualitative_tests",
        "positive_patients",
    }, {}),
    "supplies_weekly": (supplies_week(), {
        "procurement_details", "contact_name", "contact_phone",
    }, set(), {"supplies": ({"stock", "outlook", "procurement"}, {"weekly_use"})}),
    "treatment_status": (TREATMENT_DAY, {
        "secured_beds", "secured_severe_beds", "immediate_beds", "secured_rooms",
        "available_rooms", "inpatients", "severe_inpatients", "hotel_patients",
        "home_patients", "care_facility_patients", "adjusting_patients",
    }, set(), {}),
    "prefecture_supplies": (prefecture_week(), {"response_notes"}, {
        "sos_requests", "sos_fulfilled",
    }, {"supplies": ({"stockpile", "status"}, {"distributed"})}),
    "consultation_centre": (test_consultation_centre.ORDINARY_DAY, {
        "centres", "general_line",
    }, {
        "consultations", "led_to_care", "after_hours_consultations", "general_consultations",
    }, {}),
    # A function report stands until it changes; only the year's results are counted anew,
    # and a pharmacy in its first year leaves them empty.
    "pharmacy_function": (PHARMACY, {
        "pharmacy_code", "name", "name_kana", "name_english", "founder_name", "manager_name",
        "postal_code", "address", "phone", "fax", "website", "opening_hours",
        "night_holiday_opening", "night_holiday_hours", "out_of_hours_support",
        "out_of_hours_phone", "contact_name", "contact_email", "access", "parking",
        "parking_spaces", "barrier_free", "languages", "other_languages",
        "health_support_pharmacy", "certifications", "narcotics_licence",
        "narcotics_licence_number", "sterile_preparation", "pharmacy_services", "home_visits",
        "home_visit_services", "home_visit_area", "payment_methods", "itemised_receipt",
        "staff", "pharmacist_qualifications",
    }, set(), {}),
    # A function report stands until it changes: all of it carries over but what is said to
    # the prefecture about this one report.
    "medical_function": (HOSPITAL_REPORT, {
        "facility_code", "name", "name_kana", "name_en", "founder_type", "founder_name",
        "administrator_name", "postal_code", "address", "main_phone", "after_hours_phone",
        "fax", "website", "departments", "departments_other", "consultation_hours",
        "reception_hours", "night_consultation", "night_hours", "holiday_consultation",
        "holiday_hours", "appointment", "appointment_methods", "hospital_beds",
        "clinic_beds", "hospital_designations", "nearest_stations", "access_notes",
        "parking", "parking_spaces", "parking_fee", "languages", "language_support",
        "barrier_free", "smoking_policy", "online_consultation", "second_opinion",
        "specialist_outpatients", "treatments", "equipment", "infection_control",
        "home_care", "home_care_services", "home_care_area", "payment_methods",
        "public_expense", "referral_surcharge", "private_rooms", "staff", "specialists",
        "outpatients_per_day", "average_stay", "ambulance_acceptances", "procedures",
        "home_deaths", "accreditation", "public_notes", "contact_department",
        "contact_name", "contact_phone", "contact_email",
    }, set(), {}),
    "dental_function": (DENTAL_REPORT, {
        "facility_code", "name", "name_kana", "founder_name", "administrator_name",
        "postal_code", "address", "main_phone", "website", "departments",
        "consultation_hours", "night_consultation", "night_hours", "holiday_consultation",
        "holiday_hours", "appointment", "nearest_stations", "parking", "parking_spaces",
        "languages", "barrier_free", "smoking_policy", "dental_treatments",
        "dental_equipment", "infection_control", "home_visits", "home_visit_places",
        "home_visit_services", "home_visit_area", "payment_methods", "public_expense",
        "self_pay_treatments", "staff", "specialists", "home_visit_count", "contact_name",
        "contact_phone", "contact_email",
    }, set(), {}),
}
CASES = [pytest.param(key, *case, id=key) for key, case in CARRY_OVER.items()]


def ordinary_answers(survey, typed: dict) -> dict:
    """The stored answers of an ordinary period, as the previous one."""
    result = evaluate_form(survey, form_inputs(typed))
    assert result.ok, result.errors
    return result.answers(survey)


@pytest.mark.parametrize(("key", "typed", "carried", "unchanged", "tables"), CASES)
def test_the_definition_says_which_figures_carry_over(key, typed, carried, unchanged, tables):
    survey = compile_builtin(key)
    fields = survey.fields.values()
    assert {f.key for f in fields if f.definition.prefill} == carried
    assert {f.key for f in fields if f.definition.unchanged_value is not None} == unchanged
    assert all(f.definition.unchanged_value == 0 for f in fields if f.key in unchanged)
    for table, (stock, flow) in tables.items():
        columns = survey.fields[table].type.columns
        assert {c.key for c in columns if c.definition.prefill} == stock
        assert {c.key for c in columns if c.definition.unchanged_value is not None} == flow


@pytest.mark.parametrize(("key", "typed", "carried", "unchanged", "tables"), CASES)
def test_the_next_form_starts_from_the_stock_and_leaves_the_flows_empty(
        key, typed, carried, unchanged, tables):
    survey = compile_builtin(key)
    previous = ordinary_answers(survey, typed)
    started = prefill(survey, previous)
    assert set(started) == carried & set(previous) | set(tables)
    assert not set(started) & unchanged
    for table, (stock, _) in tables.items():
        for row in SUPPLY_ROWS:
            assert set(started[table][row]) == stock
            assert {k: v for k, v in started[table][row].items()} == {
                k: v for k, v in survey.fields[table].type.from_json(previous[table])[row].items()
                if k in stock}


@pytest.mark.parametrize(("key", "typed", "carried", "unchanged", "tables"), CASES)
def test_an_unchanged_period_after_an_ordinary_one_is_complete(
        key, typed, carried, unchanged, tables):
    survey = compile_builtin(key)
    values, sources = unchanged_answers(survey, ordinary_answers(survey, typed))
    assert {k for k, source in sources.items() if source == UNCHANGED} == unchanged
    assert {k for k, source in sources.items() if source == MIXED} == set(tables)
    result = evaluate(survey, values)
    assert result.ok, result.errors
    for field_key in unchanged & result.visible:
        assert result.values[field_key] == 0
    for table, (_, flow) in tables.items():
        assert all(result.values[table][row][column] == 0
                   for row in SUPPLY_ROWS for column in flow)
