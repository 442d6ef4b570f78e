"""The daily survey of designated clinics (「診療・検査医療機関」日次調査) as shipped: who answers
it, what a clinic must answer, what it may leave out, and the checks between its figures."""

from datetime import date, datetime

import pytest

from gmis.japan_time import TOKYO
from gmis.models import Facility, FacilityDesignation, FacilityType
from gmis.surveys.engine import periods
from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from gmis.surveys.store import eligibility
from tests.fixtures.surveys import compile_builtin, form_inputs

#: An ordinary day of a designated clinic: a dozen fever patients, ten of them tested.
ORDINARY_DAY = {
    "outpatient_testing": "yes", "pcr_available": "available",
    "testing_status": "normal",
    "fever_patients": "12", "remote_consultations": "2", "referred_patients": "1",
    "tests_total": "10", "pcr_tests": "3", "antigen_quantitative_tests": "0",
    "antigen_qualitative_tests": "8", "positive_patients": "4",
}


@pytest.fixture(scope="module")
def survey():
    return compile_builtin("clinic_daily")


def answer(survey, **changes):
    values = {**ORDINARY_DAY, **changes}
    return evaluate_form(survey, form_inputs(values))


def facility(facility_type, *designations):
    return Facility(facility_type=facility_type, prefecture_code="13", name="テスト",
                    designations=[FacilityDesignation(designation=d) for d in designations])


def test_an_ordinary_day_passes(survey):
    result = answer(survey)
    assert result.errors == {}
    assert result.values["outpatient_testing"] is True
    assert result.values["tests_total"] == 10


def test_the_keys_other_features_read_are_there(survey):
    # The emergency supply (SOS) checks read these, as they do in the hospital daily survey.
    fields = survey.fields
    assert {"tests_total", "pcr_tests", "antigen_quantitative_tests",
            "antigen_qualitative_tests", "outpatient_testing", "pcr_available"} <= fields.keys()
    assert fields["outpatient_testing"].definition.type == "yes_no"
    assert [c.value for c in fields["pcr_available"].definition.choices] == ["available",
                                                                              "unavailable"]
    for key in ("outpatient_testing", "pcr_available"):
        assert fields[key].definition.prefill and fields[key].definition.locked


@pytest.mark.parametrize(("respondent", "refusal"), [
    (eligibility.for_facility(facility(FacilityType.clinic, "outpatient_testing")), None),
    (eligibility.for_facility(facility(FacilityType.outpatient_centre, "outpatient_testing")),
     None),
    (eligibility.for_facility(facility(FacilityType.clinic, "outpatient_testing"),
                              on_behalf=True), None),
    (eligibility.for_facility(facility(FacilityType.clinic)),
     "この調査は、指定を受けた医療機関等のみが回答します。"),
    (eligibility.for_facility(facility(FacilityType.hospital, "outpatient_testing")),
     "病院はこの調査の回答対象ではありません。"),
    (eligibility.Respondent(key="prefecture:13", kind="prefecture", name="東京都",
                            prefecture_code="13"), eligibility.NOT_ASKED),
])
def test_designated_clinics_and_centres_answer(survey, respondent, refusal):
    assert eligibility.refusal(survey.definition, respondent) == refusal


def test_due_at_13_00_and_the_past_week_may_be_caught_up(survey):
    period = survey.definition.period
    now = datetime(2026, 11, 21, 9, 0, tzinfo=TOKYO)
    today = periods.current_period(period, now)
    assert periods.due_at(period, today) == datetime(2026, 11, 21, 13, 0, tzinfo=TOKYO)
    assert periods.answerable(period, periods.period_for("daily", date(2026, 11, 14)),
                              now) is None
    assert periods.answerable(period, periods.period_for("daily", date(2026, 11, 13)),
                              now) is not None


@pytest.mark.parametrize(("changes", "shown", "hidden"), [
    ({}, set(), {"testing_limit_reason"}),
    ({"testing_status": "limited"}, {"testing_limit_reason"}, set()),
    ({"testing_status": "suspended"}, {"testing_limit_reason"}, set()),
    ({"fever_patients": "0", "remote_consultations": None, "referred_patients": None}, set(),
     {"remote_consultations", "referred_patients"}),
    ({"tests_total": "0", "pcr_tests": "0", "antigen_qualitative_tests": "0",
      "positive_patients": None}, set(), {"positive_patients"}),
])
def test_conditional_questions(survey, changes, shown, hidden):
    result = answer(survey, **changes)
    assert shown <= result.visible and not hidden & result.visible
    assert result.errors == {key: [REQUIRED_MESSAGE] for key in shown}


def test_a_limited_service_passes_once_the_reason_is_given(survey):
    assert answer(survey, testing_status="suspended",
                  testing_limit_reason="医師の体調不良のため休止します。").errors == {}


def test_a_day_without_patients_or_tests_passes(survey):
    assert answer(survey, fever_patients="0", remote_consultations=None, referred_patients=None,
                  tests_total="0", pcr_tests="0", antigen_qualitative_tests="0",
                  positive_patients=None).errors == {}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"remote_consultations": "13"}, "remote_consultations",
     "電話・オンラインで診療した人数は受診者数以下にしてください。"),
    ({"referred_patients": "13"}, "referred_patients",
     "他の医療機関等に紹介した人数は受診者数以下にしてください。"),
    ({"pcr_tests": "11"}, "pcr_tests", "PCR検査の人数は検査実施人数以下にしてください。"),
    ({"antigen_quantitative_tests": "11", "pcr_tests": "0"}, "antigen_quantitative_tests",
     "抗原定量検査の人数は検査実施人数以下にしてください。"),
    ({"antigen_qualitative_tests": "11"}, "antigen_qualitative_tests",
     "抗原定性検査の人数は検査実施人数以下にしてください。"),
    ({"tests_total": "12"}, "tests_total",
     "検査実施人数は、PCR検査・抗原定量検査・抗原定性検査の人数の合計以下にしてください。"),
    ({"positive_patients": "11"}, "positive_patients",
     "陽性と判明した人数は検査実施人数以下にしてください。"),
    ({"pcr_available": "unavailable"}, "pcr_tests",
     "PCR検査実施の可否が「不可」の場合、PCR検査実施人数は0人です。"
     "PCR検査を実施している場合は、可否を「可能」にしてください。"),
])
def test_figures_that_contradict_each_other(survey, changes, field, message):
    assert answer(survey, **changes).errors == {field: [message]}


def test_no_pcr_tests_is_consistent_with_pcr_unavailable(survey):
    assert answer(survey, pcr_available="unavailable", pcr_tests="0",
                  antigen_quantitative_tests="2").errors == {}


def test_every_required_question_is_asked_on_an_empty_form(survey):
    result = evaluate_form(survey, {})
    assert set(result.errors) == {"outpatient_testing", "pcr_available", "testing_status",
                                  "fever_patients", "tests_total", "pcr_tests",
                                  "antigen_quantitative_tests", "antigen_qualitative_tests"}
    assert all(messages == [REQUIRED_MESSAGE] for messages in result.errors.values())
