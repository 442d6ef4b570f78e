"""The function reports (薬局機能情報の報告) as shipped: who reports and how often, which
items are public and which stay internal, the items the public search reads, and a
pharmacy's report answered as its clerk would, with the conditions and checks between its
items."""

from datetime import date, datetime

import pytest
import yaml

from gmis.db import session
from gmis.japan_time import TOKYO
from gmis.models import Facility, FacilityType
from gmis.surveys.engine import periods
from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from gmis.surveys.store import eligibility, responses, submission
from gmis.surveys.store.submission import Action, Result
from gmis.text import with_check_digit
from tests.fixtures.surveys import SURVEY_DEFS, cell_inputs, compile_builtin, form_inputs

FUNCTION_REPORTS = ("pharmacy_function",)
CATEGORIES = ("基本情報", "アクセス・サービス", "費用負担", "実績")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def hours(days: dict[str, list[tuple[str, str]] | None]) -> dict[str, str]:
    """Weekly hours as typed: each day's ranges, or None for 休診."""
    typed = {}
    for day, ranges in days.items():
        if ranges is None:
            typed[f"{day}.closed"] = "1"
        for i, (start, end) in enumerate(ranges or ()):
            typed.update({f"{day}.{i}.start": start, f"{day}.{i}.end": end})
    return typed


#: A town pharmacy near a clinic: open on weekdays and Saturday morning, on the district's
#: holiday rota, reachable by phone out of hours, visiting patients at home.
PHARMACY = {
    "pharmacy_code": with_check_digit("134123456"),
    "name": "さくら薬局 西新宿店", "name_kana": "ｻｸﾗﾔｯｷｮｸ ﾆｼｼﾝｼﾞｭｸﾃﾝ",
    "name_english": "Sakura Pharmacy Nishi-Shinjuku",
    "founder_name": "株式会社さくらファーマシー", "manager_name": "薬師寺 恵",
    "postal_code": "160-0023", "address": "東京都新宿区西新宿2-8-1 1階",
    "phone": "03-5321-1111", "fax": "03-5321-1112", "website": "https://www.example.jp/",
    **{f"opening_hours.{key}": value for key, value in hours({
        **{day: [("09:00", "13:00"), ("14:00", "19:00")] for day in WEEKDAYS},
        "sat": [("09:00", "13:00")], "sun": None, "holiday": None}).items()},
    "night_holiday_opening": "yes",
    **{f"night_holiday_hours.{key}": value for key, value in hours({
        "sun": [("09:00", "17:00")], "holiday": [("09:00", "17:00")]}).items()},
    "out_of_hours_support": "with_partners", "out_of_hours_phone": "090-1234-5678",
    "contact_name": "厚労 花子", "contact_email": "hanako@example.jp",
    "access": "JR新宿駅西口から徒歩8分", "parking": "yes", "parking_spaces": "3",
    "barrier_free": ["step_free_entrance", "automatic_door", "written_communication"],
    "languages": ["english", "chinese", "other"], "other_languages": "ネパール語",
    "health_support_pharmacy": "yes", "certifications": ["regional_cooperation"],
    "narcotics_licence": "yes", "narcotics_licence_number": "第12345号",
    "sterile_preparation": "shared_facility",
    "pharmacy_services": ["private_counselling", "e_prescription", "online_eligibility"],
    "home_visits": "yes",
    "home_visit_services": ["medical_insurance", "care_insurance", "narcotics", "sterile"],
    "home_visit_area": "新宿区・中野区",
    "payment_methods": ["cash", "credit_card", "qr_code"], "itemised_receipt": "yes",
    "staff.pharmacist.full_time": "3", "staff.pharmacist.part_time": "2",
    "staff.registered_seller.full_time": "0", "staff.registered_seller.part_time": "1",
    "staff.clerk.full_time": "2", "staff.clerk.part_time": "1",
    "staff.other.full_time": "0", "staff.other.part_time": "0",
    "pharmacist_qualifications.0.qualification": "がん薬物療法認定薬剤師",
    "pharmacist_qualifications.0.pharmacists": "1",
    "prescriptions_per_year": "24,500", "home_visits_per_year": "310", "generic_ratio": "88.5",
}

#: The items the public search and the facility page read, with the type each is read as.
SEARCHED = {
    "name": "text", "name_kana": "text", "postal_code": "postal_code", "address": "text",
    "phone": "phone", "opening_hours": "weekly_hours", "night_holiday_hours": "weekly_hours",
    "languages": "multiple_choice", "barrier_free": "multiple_choice",
    "payment_methods": "multiple_choice", "health_support_pharmacy": "yes_no",
    "certifications": "multiple_choice", "home_visits": "yes_no",
    "sterile_preparation": "single_choice", "narcotics_licence": "yes_no",
    "parking": "yes_no", "staff": "table",
}
#: What residents never see: who reported, how to reach them, the licence number, notes.
INTERNAL = {"pharmacy_code", "contact_name", "contact_email", "narcotics_licence_number",
            "remarks"}


@pytest.fixture(scope="module")
def survey():
    return compile_builtin("pharmacy_function")


def answer(survey, **changes):
    """The pharmacy's report with ``changes`` (None leaves an item empty)."""
    return evaluate_form(survey, form_inputs({**PHARMACY, **changes}))


def without(*prefixes: str) -> dict[str, None]:
    """Changes that leave every input of the items ``prefixes`` empty."""
    return {key: None for key in PHARMACY if key.split(".")[0] in prefixes}


@pytest.mark.parametrize("key", FUNCTION_REPORTS)
def test_every_field_says_whether_it_is_public(key):
    # The default is internal; a report written for publication says so for every item.
    document = yaml.safe_load((SURVEY_DEFS / f"{key}.yaml").read_text(encoding="utf-8"))
    fields = [field for section in document["sections"] for field in section["fields"]]
    assert [f["key"] for f in fields if not isinstance(f.get("public"), bool)] == []
    assert len(fields) == len(compile_builtin(key).fields)


@pytest.mark.parametrize("key", FUNCTION_REPORTS)
def test_yearly_as_of_january_without_aggregators_and_sections_in_the_categories(key):
    definition = compile_builtin(key).definition
    assert definition.period.kind == "report"
    # The window is each prefecture's to set, not the definition's.
    assert definition.period.window_start is None and definition.period.window_end is None
    assert list(definition.respondents.roles) == ["facility"]
    assert list(definition.respondents.facility_types) == ["pharmacy"]
    assert not definition.respondents.aggregators_on_behalf
    assert [s.title.split(":")[0] for s in definition.sections][0] == "基本情報"
    assert {s.title.split(":")[0] for s in definition.sections} == set(CATEGORIES)


def test_what_residents_see_and_what_stays_internal(survey):
    internal = {f.key for f in survey.fields.values() if not f.definition.public}
    assert internal == INTERNAL


def test_the_items_the_search_reads_are_public_with_their_types(survey):
    for key, type_name in SEARCHED.items():
        field = survey.fields[key]
        assert (field.type.name, field.definition.public) == (type_name, True), key


def test_only_the_years_results_start_afresh(survey):
    # The periodic report starts from the last accepted one; the results are counted anew.
    fresh = {f.key for f in survey.fields.values() if not f.definition.prefill}
    assert fresh == {"remarks", "prescriptions_per_year", "home_visits_per_year",
                     "generic_ratio"}


@pytest.mark.parametrize(("facility_type", "on_behalf", "refusal"), [
    (FacilityType.pharmacy, False, None),
    (FacilityType.pharmacy, True, "この調査は、とりまとめ団体による代理回答の対象ではありません。"),
    (FacilityType.hospital, False, "病院はこの調査の回答対象ではありません。"),
    (FacilityType.clinic, False, "診療所はこの調査の回答対象ではありません。"),
])
def test_pharmacies_report_themselves(survey, facility_type, on_behalf, refusal):
    facility = Facility(facility_type=facility_type, prefecture_code="13", name="テスト")
    respondent = eligibility.for_facility(facility, on_behalf=on_behalf)
    assert eligibility.refusal(survey.definition, respondent) == refusal


def test_one_report_a_fiscal_year(survey):
    period = periods.current_period(survey.definition.period,
                                    datetime(2027, 1, 15, 10, 0, tzinfo=TOKYO))
    assert (period.start, period.end) == (date(2026, 4, 1), date(2027, 3, 31))


def test_a_full_report_of_a_town_pharmacy_is_accepted(survey):
    result = answer(survey)
    assert result.errors == {}
    values = result.values
    assert values["name_kana"] == "サクラヤッキョク ニシシンジュクテン"
    assert values["opening_hours"]["sat"] == [["09:00", "13:00"]]
    assert values["opening_hours"]["sun"] == []
    assert values["night_holiday_hours"]["holiday"] == [["09:00", "17:00"]]
    assert values["staff"]["pharmacist"] == {"full_time": 3, "part_time": 2}
    assert values["prescriptions_per_year"] == 24500
    assert values["pharmacist_qualifications"] == [
        {"qualification": "がん薬物療法認定薬剤師", "pharmacists": 1}]


def test_a_small_pharmacy_without_the_optional_services_is_accepted(survey):
    # No night hours, no home visits, no licence, no languages, no website, first year.
    result = answer(survey, night_holiday_opening="no", out_of_hours_support="none",
                    parking="no", narcotics_licence="no", home_visits="no",
                    certifications=["none"], health_support_pharmacy="no",
                    sterile_preparation="none",
                    **without("night_holiday_hours", "out_of_hours_phone", "parking_spaces",
                              "narcotics_licence_number", "home_visit_services",
                              "home_visit_area", "languages", "other_languages", "website",
                              "fax", "name_english", "pharmacy_code", "barrier_free",
                              "pharmacist_qualifications", "prescriptions_per_year",
                              "home_visits_per_year", "generic_ratio"))
    assert result.errors == {}
    assert not {"night_holiday_hours", "out_of_hours_phone", "parking_spaces",
                "narcotics_licence_number", "home_visit_services", "home_visit_area",
                "home_visits_per_year", "other_languages"} & result.visible


@pytest.mark.parametrize(("changes", "asked"), [
    ({"night_holiday_opening": "yes"}, "night_holiday_hours"),
    ({"out_of_hours_support": "limited"}, "out_of_hours_phone"),
    ({"parking": "yes"}, "parking_spaces"),
    ({"narcotics_licence": "yes"}, "narcotics_licence_number"),
    ({"home_visits": "yes"}, "home_visit_services"),
    ({"languages": ["other"]}, "other_languages"),
])
def test_an_item_that_applies_asks_for_its_details(survey, changes, asked):
    hidden = {"night_holiday_opening": "no", "out_of_hours_support": "none", "parking": "no",
              "narcotics_licence": "no", "home_visits": "no", "languages": ["english"]}
    details = without("night_holiday_hours", "out_of_hours_phone", "parking_spaces",
                      "narcotics_licence_number", "home_visit_services", "other_languages")
    assert asked not in answer(survey, **hidden, **details).visible
    result = answer(survey, **{**hidden, **changes}, **details)
    assert asked in result.visible
    assert result.errors == {asked: [REQUIRED_MESSAGE]}


def test_home_visit_details_are_asked_only_of_a_pharmacy_that_visits(survey):
    visiting = answer(survey)
    assert {"home_visit_services", "home_visit_area", "home_visits_per_year"} <= (
        visiting.visible)
    not_visiting = answer(survey, home_visits="no")
    assert not {"home_visit_services", "home_visit_area", "home_visits_per_year"} & (
        not_visiting.visible)
    # What was typed for a hidden item is not kept.
    assert "home_visits_per_year" not in not_visiting.answers(survey)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name_kana": "さくらやっきょく"}, "name_kana",
     "薬局の名称(フリガナ)は全角カタカナで入力してください。"),
    ({"pharmacy_code": with_check_digit("131123456")}, "pharmacy_code",
     "薬局コードは3桁目が4(薬局)のコードを入力してください。"),
    ({"website": "www.example.jp"}, "website",
     "ホームページのアドレスは https:// から始めてください。"),
    ({"certifications": ["regional_cooperation", "none"]}, "certifications",
     "「いずれの認定も受けていない」は、認定と同時には選べません。"),
    ({"narcotics_licence": "no", "narcotics_licence_number": None}, "home_visit_services",
     "在宅で医療用麻薬を管理するには麻薬小売業者の免許が必要です。免許の有無を確認してください。"),
    ({"sterile_preparation": "none"}, "home_visit_services",
     "無菌製剤を供給するには、無菌製剤処理を実施している必要があります。"
     "無菌製剤処理の回答を確認してください。"),
    ({"staff.pharmacist.full_time": "0"}, "staff",
     "管理薬剤師を含め、常勤の薬剤師を1人以上入力してください。"),
])
def test_a_wrong_report_is_refused_with_the_reason(survey, changes, field, message):
    assert answer(survey, **changes).errors == {field: [message]}


def test_night_hours_that_are_all_closed_are_no_night_hours(survey):
    closed = {f"night_holiday_hours.{key}": value for key, value in hours(
        {"sun": None, "holiday": None}).items()}
    result = answer(survey, **without("night_holiday_hours"), **closed)
    assert result.errors == {"night_holiday_hours": [
        "夜間・休日の開局時間を1つ以上入力してください。ない場合は「ない」を選んでください。"]}


def test_opening_hours_are_checked_day_by_day(survey):
    result = answer(survey, **{"opening_hours.mon.1.start": "12:00"})
    assert result.errors == {"opening_hours": [
        "月曜日の時間帯が重なっています(09:00-13:00 と 12:00-19:00)。"]}


def test_every_cell_of_the_staff_table_is_required(survey):
    result = evaluate_form(survey, {**form_inputs({k: v for k, v in PHARMACY.items()
                                                    if not k.startswith("staff.")}),
                                    **cell_inputs("staff", {"pharmacist": {"full_time": "2"}})})
    assert list(result.errors) == ["staff"]
    assert result.errors["staff"][0].startswith("表のすべての欄を入力してください(未入力: "
                                                "「薬剤師」の「非常勤」")


def test_every_required_item_is_asked_on_an_empty_form(survey):
    result = evaluate_form(survey, {})
    assert set(result.errors) == {
        "name", "name_kana", "founder_name", "manager_name", "postal_code", "address",
        "phone", "opening_hours", "night_holiday_opening", "out_of_hours_support",
        "contact_name", "contact_email", "parking", "health_support_pharmacy",
        "certifications", "narcotics_licence", "sterile_preparation", "home_visits",
        "payment_methods", "itemised_receipt", "staff"}
    assert all(messages == [REQUIRED_MESSAGE] for messages in result.errors.values())


def test_next_years_report_starts_from_this_one_except_the_results(
        make_facility, make_user, builtin_survey):
    """The periodic report is the last accepted one with the changes made: a pharmacy whose
    new report was accepted in 令和7年度 opens 令和8年度's report filled in, with only the
    year's results to count."""
    from gmis.models import ReportWindow
    from gmis.surveys.engine.reports import ReportKind, report_key

    survey = builtin_survey("pharmacy_function")
    user = make_user(facility=make_facility(facility_type=FacilityType.pharmacy))
    respondent = eligibility.respondent_of(user)
    reported = datetime(2026, 1, 15, 10, 0, tzinfo=TOKYO)
    target = responses.open_target(survey, respondent, periods.report_period(
        report_key(ReportKind.new, reported.date()).key), reported)
    outcome = submission.submit(target, {**form_inputs(PHARMACY), "revision": "0"},
                                Action.SUBMIT, user=user)
    assert outcome.result == Result.SUBMITTED, outcome.answers.evaluation.errors
    responses.accept(outcome.saved.response, user)
    outcome.saved.response.accepted_at = reported
    session.add(ReportWindow(survey_id=survey.id, prefecture_code="13", fiscal_year=2026,
                             starts_on=date(2027, 1, 4), ends_on=date(2027, 3, 31)))
    session.flush()

    next_year = datetime(2027, 1, 12, 9, 0, tzinfo=TOKYO)
    started = responses.open_target(survey, respondent, periods.report_period(
        "periodic-FY2026"), next_year).answers
    assert started["name"] == "さくら薬局 西新宿店"
    assert started["staff"]["pharmacist"] == {"full_time": 3, "part_time": 2}
    assert not {"prescriptions_per_year", "home_visits_per_year", "generic_ratio",
                "remarks"} & set(started)
