"""The consultation-centre counts (受診・相談センター等の相談件数) as shipped: answered by
prefectures and by health-centre cities and special wards, what each must answer and the
checks between the counts."""

from datetime import date, datetime

import pytest

from gmis.japan_time import TOKYO
from gmis.models import Facility, FacilityType
from gmis.surveys.engine import periods
from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from gmis.surveys.store import eligibility
from tests.fixtures.surveys import compile_builtin, form_inputs

#: An ordinary day of a prefecture with a few centres and a general helpline.
ORDINARY_DAY = {
    "centres": "6", "general_line": "yes",
    "consultations": "480", "led_to_care": "130", "after_hours_consultations": "95",
    "general_consultations": "260",
}

PREFECTURE = eligibility.Respondent(key="prefecture:13", kind="prefecture", name="東京都",
                                    prefecture_code="13")
CITY = eligibility.Respondent(key="city:4", kind="city", name="新宿区", prefecture_code="13",
                              city_id=4)


@pytest.fixture(scope="module")
def survey():
    return compile_builtin("consultation_centre")


def answer(survey, **changes):
    values = {**ORDINARY_DAY, **changes}
    return evaluate_form(survey, form_inputs(values))


def test_an_ordinary_day_passes(survey):
    result = answer(survey)
    assert result.errors == {}
    assert result.values["general_line"] is True


@pytest.mark.parametrize(("respondent", "refusal"), [
    (PREFECTURE, None),
    (CITY, None),
    (eligibility.for_facility(Facility(facility_type=FacilityType.hospital,
                                       prefecture_code="13", name="テスト")),
     eligibility.NOT_ASKED),
])
def test_prefectures_and_cities_answer(survey, respondent, refusal):
    assert eligibility.refusal(survey.definition, respondent) == refusal


def test_due_at_13_00_and_the_past_week_may_be_caught_up(survey):
    period = survey.definition.period
    now = datetime(2026, 11, 21, 9, 0, tzinfo=TOKYO)
    assert periods.due_at(period, periods.current_period(period, now)) == datetime(
        2026, 11, 21, 13, 0, tzinfo=TOKYO)
    assert periods.answerable(period, periods.period_for("daily", date(2026, 11, 14)),
                              now) is None
    assert periods.answerable(period, periods.period_for("daily", date(2026, 11, 13)),
                              now) is not None


@pytest.mark.parametrize(("changes", "hidden"), [
    ({"centres": "0", "consultations": None, "led_to_care": None,
      "after_hours_consultations": None},
     {"consultations", "led_to_care", "after_hours_consultations"}),
    ({"general_line": "no", "general_consultations": None}, {"general_consultations"}),
])
def test_what_is_not_set_up_is_not_asked(survey, changes, hidden):
    result = answer(survey, **changes)
    assert result.errors == {} and not hidden & result.visible


def test_a_city_without_a_centre_or_a_helpline_can_still_answer(survey):
    result = answer(survey, centres="0", general_line="no", consultations=None,
                    led_to_care=None, after_hours_consultations=None,
                    general_consultations=None)
    assert result.errors == {}


@pytest.mark.parametrize(("changes", "asked"), [
    ({"consultations": None, "led_to_care": None, "after_hours_consultations": None},
     {"consultations", "led_to_care", "after_hours_consultations"}),
    ({"general_consultations": None}, {"general_consultations"}),
])
def test_what_is_set_up_is_asked(survey, changes, asked):
    result = answer(survey, **changes)
    assert asked <= result.visible
    assert result.errors == {key: [REQUIRED_MESSAGE] for key in asked}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"led_to_care": "481"}, "led_to_care", "受診につながった件数は相談件数以下にしてください。"),
    ({"after_hours_consultations": "481"}, "after_hours_consultations",
     "夜間・休日の相談件数は相談件数以下にしてください。"),
])
def test_counts_that_contradict_each_other(survey, changes, field, message):
    assert answer(survey, **changes).errors == {field: [message]}


def test_every_required_question_is_asked_on_an_empty_form(survey):
    result = evaluate_form(survey, {})
    assert set(result.errors) == {"centres", "general_line"}
    assert all(messages == [REQUIRED_MESSAGE] for messages in result.errors.values())
