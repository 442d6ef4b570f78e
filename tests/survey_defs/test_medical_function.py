"""The function reports (医療機能情報の報告) as shipped: who reports them and when, the items the
public search reads, which items residents see, the conditions between items, and reports
of realistic facilities accepted or refused as a clerk would type them."""

from pathlib import Path

import pytest
import yaml

from gmis.models import Facility, FacilityType
from gmis.surveys.engine.validation import REQUIRED_MESSAGE, evaluate_form
from gmis.surveys.store import eligibility
from tests.fixtures.surveys import SURVEY_DEFS, compile_builtin, form_inputs

REPORTS = ("medical_function", "dental_function")

HOSPITAL = {"type": "hospital", "prefecture": "13", "designations": []}
CLINIC = {"type": "clinic", "prefecture": "13", "designations": []}
DENTAL_CLINIC = {"type": "dental_clinic", "prefecture": "13", "designations": []}

#: Weekday hours of an ordinary outpatient department, as typed: mornings and afternoons on
#: weekdays, Saturday mornings, closed on Sundays and holidays.
ORDINARY_HOURS = {
    **{f"{day}.{i}.{end}": time
       for day in ("mon", "tue", "wed", "thu", "fri")
       for i, (start, finish) in enumerate((("9:00", "12:00"), ("14:00", "17:30")))
       for end, time in (("start", start), ("end", finish))},
    "sat.0.start": "9:00", "sat.0.end": "12:00", "sun.closed": "1", "holiday.closed": "1",
}


def hours(key: str, typed: dict[str, str]) -> dict[str, str]:
    return {f"{key}.{name}": value for name, value in typed.items()}


#: What every report asks of a hospital or a clinic, as a clerk types it.
COMMON = {
    "facility_code": "13-1-12-3456-9", "name": "さくら総合病院",
    "name_kana": "サクラソウゴウビョウイン",
    "founder_type": "medical_corporation", "founder_name": "医療法人社団さくら会",
    "administrator_name": "厚労 太郎", "postal_code": "160-0023",
    "address": "東京都新宿区西新宿2-8-1", "main_phone": "03-5321-1111",
    "departments": ["internal", "surgery", "orthopaedics"],
    **hours("consultation_hours", ORDINARY_HOURS),
    "night_consultation": "no", "holiday_consultation": "no", "appointment": "available",
    "appointment_methods": ["phone", "web"],
    "nearest_stations.0.place": "JR新宿駅 西口", "nearest_stations.0.means": "walk",
    "nearest_stations.0.minutes": "10",
    "parking": "yes", "parking_spaces": "40", "parking_fee": "free_for_patients",
    "languages": ["english", "chinese"], "language_support": ["staff", "translation_device"],
    "barrier_free": ["step_free_entrance", "elevator", "accessible_toilet"],
    "smoking_policy": "premises", "online_consultation": "no", "second_opinion": "yes",
    "treatments": ["lifestyle_diseases", "gastroscopy", "fracture"],
    "equipment": ["ct", "ultrasound", "endoscope"], "infection_control": ["infection_team"],
    "home_care": "no", "payment_methods": ["cash", "credit_card"],
    "public_expense": ["public_assistance"],
    "outpatients_per_day": "320.5",
    "contact_name": "医事課 山田", "contact_phone": "03-5321-1112",
    "contact_email": "iji@sakura.example.jp",
}

#: A 200-bed general hospital.
HOSPITAL_REPORT = {
    **COMMON,
    "hospital_beds.general.permitted": "160", "hospital_beds.long_term.permitted": "40",
    "hospital_beds.psychiatric.permitted": "0", "hospital_beds.tuberculosis.permitted": "0",
    "hospital_beds.infectious.permitted": "0",
    "hospital_designations": ["emergency_notified", "secondary_emergency"],
    "referral_surcharge": "3,000",
    "private_rooms.single.rooms": "20", "private_rooms.single.lowest_fee": "5500",
    "private_rooms.single.highest_fee": "16500",
    "average_stay": "14.2", "ambulance_acceptances": "2400",
    **{f"staff.{row}.{column}": value
       for row, full, part in (("doctor", "35", "6.5"), ("nurse", "180", "12.0"),
                               ("pharmacist", "8", "0"))
       for column, value in (("full_time", full), ("part_time", part))},
    **{f"staff.{row}.{column}": "0"
       for row in ("dentist", "assistant_nurse", "midwife", "dietitian", "physical_therapist",
                   "occupational_therapist", "speech_therapist", "radiographer",
                   "lab_technician", "social_worker")
       for column in ("full_time", "part_time")},
    "specialists.0.qualification": "総合内科専門医", "specialists.0.doctors": "4",
}

#: A clinic of one doctor without beds, open in the evening on Mondays and Thursdays.
CLINIC_REPORT = {
    **COMMON,
    "name": "さくら内科クリニック", "name_kana": "サクラナイカクリニック",
    "founder_type": "individual",
    "founder_name": "厚労 花子", "administrator_name": "厚労 花子", "departments": ["internal"],
    "parking": "no", "parking_spaces": None, "parking_fee": None,
    "night_consultation": "yes",
    **hours("night_hours", {"mon.0.start": "18:00", "mon.0.end": "20:00",
                            "thu.0.start": "18:00", "thu.0.end": "20:00"}),
    "home_care": "yes", "home_care_services": ["regular_visits", "end_of_life"],
    "home_care_area": "新宿区", "home_deaths": "6",
    "clinic_beds": "0", "outpatients_per_day": "45",
    **{f"staff.{row}.{column}": "0"
       for row in ("dentist", "pharmacist", "assistant_nurse", "midwife", "dietitian",
                   "physical_therapist", "occupational_therapist", "speech_therapist",
                   "radiographer", "lab_technician", "social_worker")
       for column in ("full_time", "part_time")},
    "staff.doctor.full_time": "1", "staff.doctor.part_time": "0.5",
    "staff.nurse.full_time": "2", "staff.nurse.part_time": "1.2",
}

#: A dental clinic of two dentists that visits care homes.
DENTAL_REPORT = {
    "facility_code": "1331234573", "name": "みどり歯科クリニック",
    "name_kana": "ミドリシカクリニック",
    "founder_name": "医療法人みどり会", "administrator_name": "歯科 一郎",
    "postal_code": "1600023", "address": "東京都新宿区西新宿2-8-1 みどりビル2階",
    "main_phone": "03-5321-2222", "departments": ["dentistry", "paediatric_dentistry"],
    **hours("consultation_hours", ORDINARY_HOURS),
    "night_consultation": "no", "holiday_consultation": "yes",
    **hours("holiday_hours", {"sun.0.start": "9:00", "sun.0.end": "12:00"}),
    "appointment": "required", "parking": "no", "languages": ["english"],
    "barrier_free": ["step_free_entrance"], "smoking_policy": "building",
    "dental_treatments": ["caries", "periodontal", "dentures"], "home_visits": "yes",
    "home_visit_places": ["care_facilities"], "home_visit_services": ["dentures", "oral_care"],
    "home_visit_area": "新宿区", "home_visit_count": "120", "payment_methods": ["cash"],
    "staff.dentist.full_time": "2", "staff.dentist.part_time": "0",
    "staff.dental_hygienist.full_time": "3", "staff.dental_hygienist.part_time": "0.8",
    "staff.dental_technician.full_time": "0", "staff.dental_technician.part_time": "0",
    "staff.dental_assistant.full_time": "2", "staff.dental_assistant.part_time": "0",
    "contact_name": "受付 佐藤", "contact_phone": "03-5321-2222",
    "contact_email": "info@midori.example.jp",
}


@pytest.fixture(scope="module")
def medical():
    return compile_builtin("medical_function")


@pytest.fixture(scope="module")
def dental():
    return compile_builtin("dental_function")


def report(survey, typed, respondent, **changes):
    return evaluate_form(survey, form_inputs({**typed, **changes}), respondent=respondent)


def raw_fields(key: str) -> list[dict]:
    document = yaml.safe_load(Path(SURVEY_DEFS / f"{key}.yaml").read_text(encoding="utf-8"))
    return [field for section in document["sections"] for field in section["fields"]]


# --- what the definitions say ---------------------------------------------------------------

@pytest.mark.parametrize("key", REPORTS)
def test_every_field_says_whether_residents_see_it(key):
    unsaid = [f["key"] for f in raw_fields(key) if not isinstance(f.get("public"), bool)]
    assert unsaid == []


@pytest.mark.parametrize(("key", "internal"), [
    ("medical_function", {"contact_department", "contact_name", "contact_phone",
                          "contact_email", "entered_by", "remarks"}),
    ("dental_function", {"contact_name", "contact_phone", "contact_email", "remarks"}),
])
def test_only_the_contact_and_notes_to_the_prefecture_are_internal(key, internal):
    survey = compile_builtin(key)
    assert {k for k, f in survey.fields.items() if not f.definition.public} == internal


@pytest.mark.parametrize("key", REPORTS)
def test_a_yearly_report_carried_over_from_the_last_one(key):
    survey = compile_builtin(key)
    period = survey.definition.period
    assert period.kind == "report"
    assert (period.window_start, period.window_end) == (None, None)  # set per prefecture
    # Everything stands until it changes but what is said to the prefecture each time.
    assert {k for k, f in survey.fields.items() if not f.definition.prefill} == (
        {"entered_by", "remarks"} if key == "medical_function" else {"remarks"})


@pytest.mark.parametrize(("key", "types"), [
    ("medical_function", {
        "facility_code": "facility_code", "name": "text", "name_kana": "text",
        "postal_code": "postal_code", "address": "text", "main_phone": "phone",
        "website": "text", "departments": "multiple_choice",
        "consultation_hours": "weekly_hours", "night_hours": "weekly_hours",
        "holiday_hours": "weekly_hours", "languages": "multiple_choice",
        "barrier_free": "multiple_choice", "parking": "yes_no",
        "payment_methods": "multiple_choice", "treatments": "multiple_choice",
        "home_care": "yes_no", "online_consultation": "yes_no", "staff": "table",
        "hospital_beds": "table", "hospital_designations": "multiple_choice",
    }),
    ("dental_function", {
        "facility_code": "facility_code", "name": "text", "name_kana": "text",
        "postal_code": "postal_code", "address": "text", "main_phone": "phone",
        "departments": "multiple_choice", "consultation_hours": "weekly_hours",
        "night_hours": "weekly_hours", "holiday_hours": "weekly_hours",
        "languages": "multiple_choice", "barrier_free": "multiple_choice",
        "parking": "yes_no", "payment_methods": "multiple_choice",
        "dental_treatments": "multiple_choice", "home_visits": "yes_no", "staff": "table",
    }),
])
def test_the_items_the_public_search_reads_are_public_and_of_their_type(key, types):
    fields = compile_builtin(key).fields
    assert {k: fields[k].definition.type for k in types} == types
    assert all(fields[k].definition.public for k in types)


def test_the_staff_table_has_full_and_part_time_columns(medical, dental):
    for survey, profession in ((medical, "doctor"), (dental, "dental_hygienist")):
        table = survey.fields["staff"].type
        assert [c.key for c in table.columns] == ["full_time", "part_time"]
        assert profession in dict(table.rows)


@pytest.mark.parametrize(("key", "section_titles"), [
    ("medical_function", ("基本情報", "アクセス・サービス", "費用負担", "実績")),
    ("dental_function", ("基本情報", "アクセス・サービス", "費用負担", "実績")),
])
def test_sections_fall_in_the_four_categories(key, section_titles):
    titles = [s.title for s in compile_builtin(key).definition.sections]
    assert all(title.startswith(section_titles) for title in titles)
    assert {c for c in section_titles if any(t.startswith(c) for t in titles)} == set(
        section_titles)


def facility(facility_type):
    return Facility(facility_type=facility_type, prefecture_code="13", name="テスト")


@pytest.mark.parametrize(("key", "facility_type", "refusal"), [
    ("medical_function", FacilityType.hospital, None),
    ("medical_function", FacilityType.clinic, None),
    ("medical_function", FacilityType.dental_clinic,
     "歯科診療所はこの調査の回答対象ではありません。"),
    ("medical_function", FacilityType.pharmacy, "薬局はこの調査の回答対象ではありません。"),
    ("dental_function", FacilityType.dental_clinic, None),
    ("dental_function", FacilityType.clinic, "診療所はこの調査の回答対象ではありません。"),
])
def test_who_reports(key, facility_type, refusal):
    respondent = eligibility.for_facility(facility(facility_type))
    assert eligibility.refusal(compile_builtin(key).definition, respondent) == refusal


@pytest.mark.parametrize("key", REPORTS)
def test_the_facility_reports_itself_not_an_aggregator(key):
    respondent = eligibility.for_facility(facility(FacilityType.clinic
                                                   if key == "medical_function"
                                                   else FacilityType.dental_clinic),
                                          on_behalf=True)
    assert eligibility.refusal(compile_builtin(key).definition, respondent) == (
        "この調査は、とりまとめ団体による代理回答の対象ではありません。")


# --- realistic reports ------------------------------------------------------------------------

def test_a_hospitals_full_report_is_accepted(medical):
    result = report(medical, HOSPITAL_REPORT, HOSPITAL)
    assert result.errors == {}
    assert result.values["facility_code"] == "1311234569"
    assert result.values["referral_surcharge"] == 3000
    assert result.values["consultation_hours"]["mon"] == [["09:00", "12:00"], ["14:00", "17:30"]]
    assert result.values["hospital_beds"]["general"] == {"permitted": 160}
    assert {"hospital_beds", "hospital_designations", "specialist_outpatients",
            "referral_surcharge", "private_rooms", "average_stay",
            "ambulance_acceptances"} <= result.visible
    assert "clinic_beds" not in result.visible


def test_a_clinics_full_report_is_accepted(medical):
    result = report(medical, CLINIC_REPORT, CLINIC)
    assert result.errors == {}
    assert result.values["night_hours"]["thu"] == [["18:00", "20:00"]]
    assert result.values["clinic_beds"] == 0
    # What only hospitals report is not asked of a clinic, and not kept.
    hidden = {"hospital_beds", "hospital_designations", "specialist_outpatients",
              "referral_surcharge", "private_rooms", "average_stay", "ambulance_acceptances"}
    assert not hidden & result.visible
    assert not hidden & set(result.answers(medical))


def test_a_dental_clinics_full_report_is_accepted(dental):
    result = report(dental, DENTAL_REPORT, DENTAL_CLINIC)
    assert result.errors == {}
    assert result.values["holiday_hours"]["sun"] == [["09:00", "12:00"]]
    assert result.values["home_visit_count"] == 120


@pytest.mark.parametrize(("survey_key", "typed", "respondent"), [
    ("medical_function", HOSPITAL_REPORT, HOSPITAL),
    ("medical_function", CLINIC_REPORT, CLINIC),
    ("dental_function", DENTAL_REPORT, DENTAL_CLINIC),
])
def test_an_empty_report_asks_for_the_basic_information(survey_key, typed, respondent):
    result = evaluate_form(compile_builtin(survey_key), {}, respondent=respondent)
    assert {"name", "name_kana", "postal_code", "address", "main_phone", "departments",
            "consultation_hours", "payment_methods", "contact_email"} <= set(result.errors)
    assert result.errors["name"] == [REQUIRED_MESSAGE]


# --- conditions ---------------------------------------------------------------------------------

def test_night_hours_are_asked_only_when_open_at_night(medical):
    closed = report(medical, CLINIC_REPORT, CLINIC, night_consultation="no",
                    **{f"night_hours.{day}.0.{end}": None
                       for day in ("mon", "thu") for end in ("start", "end")})
    assert closed.errors == {} and "night_hours" not in closed.visible
    missing = report(medical, CLINIC_REPORT, CLINIC,
                     **{f"night_hours.{day}.0.{end}": None
                        for day in ("mon", "thu") for end in ("start", "end")})
    assert missing.errors == {"night_hours": [REQUIRED_MESSAGE]}


def test_night_hours_end_after_six_in_the_evening(medical):
    result = report(medical, CLINIC_REPORT, CLINIC, **{"night_hours.mon.0.start": "16:00",
                                                      "night_hours.mon.0.end": "17:30"})
    assert result.errors == {"night_hours": [
        "夜間の診療時間には、18時より後に終わる時間帯を入力してください。"]}


def test_home_care_details_only_when_doing_home_care(medical):
    result = report(medical, CLINIC_REPORT, CLINIC, home_care="no")
    assert result.errors == {}
    assert not {"home_care_services", "home_care_area", "home_deaths"} & result.visible
    asked = report(medical, CLINIC_REPORT, CLINIC, home_care_services=None, home_care_area=None)
    assert asked.errors == {"home_care_services": [REQUIRED_MESSAGE],
                            "home_care_area": [REQUIRED_MESSAGE]}


def test_parking_details_only_with_a_car_park(medical):
    result = report(medical, HOSPITAL_REPORT, HOSPITAL, parking_spaces=None)
    assert result.errors == {"parking_spaces": [REQUIRED_MESSAGE]}
    assert "parking_fee" not in report(medical, CLINIC_REPORT, CLINIC).visible


def test_how_languages_are_handled_is_asked_when_any_is_offered(medical):
    none = report(medical, HOSPITAL_REPORT, HOSPITAL, languages=None, language_support=None)
    assert none.errors == {} and "language_support" not in none.visible
    asked = report(medical, HOSPITAL_REPORT, HOSPITAL, language_support=None)
    assert asked.errors == {"language_support": [REQUIRED_MESSAGE]}


def test_dental_home_visit_details_only_when_visiting(dental):
    result = report(dental, DENTAL_REPORT, DENTAL_CLINIC, home_visits="no",
                    home_visit_count=None)
    assert result.errors == {}
    assert not {"home_visit_places", "home_visit_services", "home_visit_area",
                "home_visit_count"} & result.visible


# --- wrong reports ---------------------------------------------------------------------------

def test_a_hospital_has_at_least_twenty_beds(medical):
    result = report(medical, HOSPITAL_REPORT, HOSPITAL,
                    **{"hospital_beds.general.permitted": "15",
                       "hospital_beds.long_term.permitted": "4"})
    assert result.errors == {"hospital_beds": [
        "病院の許可病床数は合計20床以上です(19床以下は診療所です)。病床数を確認してください。"]}


def test_every_bed_type_of_a_hospital_is_filled(medical):
    result = report(medical, HOSPITAL_REPORT, HOSPITAL,
                    **{"hospital_beds.infectious.permitted": None})
    assert result.errors == {"hospital_beds": [
        "表のすべての欄を入力してください(未入力: 「感染症病床」の「許可病床数」)。"]}


def test_a_clinic_has_nineteen_beds_at_most(medical):
    result = report(medical, CLINIC_REPORT, CLINIC, clinic_beds="20")
    assert result.errors == {"clinic_beds": ["0〜19床の範囲で入力してください。"]}


def test_a_special_functions_hospital_charges_at_least_7000_yen(medical):
    result = report(medical, HOSPITAL_REPORT, HOSPITAL,
                    hospital_designations=["special_functions"])
    assert result.errors == {"referral_surcharge": [
        "特定機能病院の紹介状なしの初診時の特別の料金は7,000円以上です。金額を確認してください。"]}
    assert report(medical, HOSPITAL_REPORT, HOSPITAL, referral_surcharge="7700",
                  hospital_designations=["special_functions"]).errors == {}


def test_a_report_without_a_doctor_is_refused(medical, dental):
    result = report(medical, CLINIC_REPORT, CLINIC, **{"staff.doctor.full_time": "0",
                                                      "staff.doctor.part_time": "0"})
    assert result.errors == {"staff": [
        "医師の人数が0人になっています。「医師」の常勤・非常勤の人数を確認してください。"]}
    result = report(dental, DENTAL_REPORT, DENTAL_CLINIC, **{"staff.dentist.full_time": "0"})
    assert result.errors == {"staff": [
        "歯科医師の人数が0人になっています。「歯科医師」の常勤・非常勤の人数を確認してください。"]}


def test_private_room_fees_in_order(medical):
    result = report(medical, HOSPITAL_REPORT, HOSPITAL,
                    **{"private_rooms.single.lowest_fee": "20000"})
    assert result.errors == {"private_rooms": [
        "差額ベッドの料金は、最低の料金を最高の料金以下にしてください。"]}


def test_a_wrong_code_phone_or_hours_are_refused_with_the_types_messages(medical):
    result = report(medical, HOSPITAL_REPORT, HOSPITAL, main_phone="03-5321",
                    **{"consultation_hours.tue.0.end": None})
    assert set(result.errors) == {"main_phone", "consultation_hours"}
    assert result.errors["main_phone"] == [
        "電話番号は0から始まる10桁または11桁の数字で入力してください(ハイフンは省略可)。"]
    assert result.errors["consultation_hours"] == [
        "火曜日の1つ目の時間帯: 開始と終了の両方を入力してください。"]
