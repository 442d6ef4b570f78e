"""Demo data: deterministic generation, valid codes, real addresses, loaded only once."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
import sqlalchemy as sa

from gmis import demo, postal
from gmis.db import session
from gmis.demo import activity as demo_activity
from gmis.models import (
    Aggregator,
    ApplicationStatus,
    Facility,
    FacilityType,
    FireDepartment,
    RegistrationApplication,
    Role,
    SurveyResponse,
    User,
)
from gmis.text import facility_code_error
from tests.fixtures.web import post_form

SMALL = 60


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return demo.generate(demo.DEFAULT_FACILITIES)


def test_the_same_seed_gives_the_same_data():
    assert demo.generate(SMALL, seed=7) == demo.generate(SMALL, seed=7)


def test_another_seed_gives_other_data():
    assert demo.generate(SMALL, seed=7) != demo.generate(SMALL, seed=8)


def test_too_few_facilities_are_refused():
    with pytest.raises(ValueError):
        demo.generate(demo.MIN_FACILITIES - 1)


def test_every_facility_code_is_valid_unique_and_matches_the_type(data):
    score_digit = {FacilityType.hospital: "1", FacilityType.clinic: "1",
                   FacilityType.dental_clinic: "3", FacilityType.pharmacy: "4"}
    codes = [f.code for f in data.facilities if f.code is not None]
    assert len(codes) == len(set(codes))
    for facility in data.facilities:
        if facility.facility_type == FacilityType.outpatient_centre:
            assert facility.code is None
            continue
        assert facility_code_error(facility.code) is None, facility.code
        assert facility.code[:2] == facility.prefecture_code
        assert facility.code[2] == score_digit[facility.facility_type]


def test_types_in_realistic_proportions_over_all_prefectures(data):
    types = Counter(f.facility_type for f in data.facilities)
    assert len(data.facilities) == demo.DEFAULT_FACILITIES
    assert types[FacilityType.clinic] == 2 * types[FacilityType.hospital]
    assert 700 <= types[FacilityType.hospital] <= 900
    assert types[FacilityType.outpatient_centre] == 40
    for facility_type in FacilityType:
        if facility_type != FacilityType.outpatient_centre:
            prefectures = {f.prefecture_code for f in data.facilities
                           if f.facility_type == facility_type}
            assert len(prefectures) == 47, facility_type
    hospitals = Counter(f.prefecture_code for f in data.facilities
                        if f.facility_type == FacilityType.hospital)
    assert hospitals["13"] > hospitals["31"]  # 東京都 > 鳥取県


def test_addresses_and_postal_codes_are_real(data):
    connection = sqlite3.connect(postal.data_path())
    try:
        for facility in data.facilities[::97]:
            rows = connection.execute(
                "SELECT json_extract(data, '$.prefecture') || json_extract(data, '$.city')"
                " || json_extract(data, '$.neighborhood') FROM postal_data WHERE code = ?",
                (facility.postal_code,),
            ).fetchall()
            assert any(facility.address.startswith(row[0]) for row in rows), facility
    finally:
        connection.close()


def test_facility_details_are_plausible(data):
    for facility in data.facilities:
        assert facility.phone.startswith("0") and len(facility.phone) == 10, facility.phone
        assert facility.email.endswith("@example.jp")
        assert facility.name_kana and all("\u30a0" <= c <= "\u30ff" or c in " ・"
                                          for c in facility.name_kana), facility.name_kana
        assert facility.secondary_area_code.startswith(facility.prefecture_code)
        if facility.facility_type == FacilityType.hospital:
            assert 20 <= facility.beds <= 900
        elif facility.beds is not None:
            assert facility.facility_type == FacilityType.clinic and 0 <= facility.beds <= 19
    designated = [f for f in data.facilities if "outpatient_testing" in f.designations]
    assert len(designated) > len(data.facilities) // 5
    assert any("pcr_testing" in f.designations for f in data.facilities)
    assert any(f.latitude is not None for f in data.facilities)
    in_wards = {f.city_code for f in data.facilities if f.address.startswith("東京都新宿区")}
    assert in_wards <= {"131041"}


def test_medical_associations_have_member_clinics_of_their_prefecture(data):
    assert data.aggregators[0].prefecture_code == "13"
    for aggregator in data.aggregators:
        assert 10 <= len(aggregator.members) <= 30
        for position in aggregator.members:
            member = data.facilities[position]
            assert member.facility_type == FacilityType.clinic
            assert member.prefecture_code == aggregator.prefecture_code


def test_one_to_three_fire_departments_per_prefecture(data):
    per_prefecture = Counter(d.prefecture_code for d in data.fire_departments)
    assert len(per_prefecture) == 47
    assert all(1 <= n <= 3 for n in per_prefecture.values())
    assert any(d.name == "東京消防庁" for d in data.fire_departments)


def test_load_creates_a_demo_user_for_every_role_who_can_sign_in(app):
    loaded = demo.load(SMALL)
    assert loaded is not None
    users = {u.login_id: u for u in session.scalars(sa.select(User).where(
        User.login_id.like("demo-%")))}
    assert {u.role for u in users.values()} == set(Role)
    assert users["demo-hospital"].facility.facility_type == FacilityType.hospital
    assert users["demo-hospital"].facility.prefecture_code == "13"
    assert "outpatient_testing" in users["demo-clinic"].facility.designation_keys
    assert users["demo-pharmacy"].facility.facility_type == FacilityType.pharmacy
    assert users["demo-aggregator"].aggregator.prefecture_code == "13"
    assert users["demo-pref"].prefecture_code == "13"
    assert users["demo-city"].city.code == "131041"
    assert users["demo-fire"].fire_department.name == "東京消防庁"
    for login_id in users:
        client = app.test_client()
        response = post_form(client, "/login",
                             {"login_id": login_id, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, login_id
        if users[login_id].role == Role.fire_department:
            # It starts on the bed view (which needs the surveys this test does not import).
            assert response.headers["Location"].endswith("/beds")
            continue
        assert response.headers["Location"].endswith("/home")
        home = client.get("/home")
        assert home.status_code == 200, login_id
        assert users[login_id].name in home.get_data(as_text=True)


def test_load_writes_every_generated_record():
    expected = demo.generate(SMALL)
    demo.load(SMALL)
    assert session.scalar(sa.select(sa.func.count()).select_from(Facility)) == SMALL
    codes = set(session.scalars(sa.select(Facility.code).where(Facility.code.is_not(None))))
    assert codes == {f.code for f in expected.facilities if f.code}
    assert session.scalar(sa.select(sa.func.count()).select_from(Aggregator)) == len(
        expected.aggregators)
    assert session.scalar(sa.select(sa.func.count()).select_from(FireDepartment)) == len(
        expected.fire_departments)
    shinjuku = session.scalars(
        sa.select(Facility).where(Facility.address.like("東京都新宿区%"))).all()
    assert all(f.city is not None and f.city.name == "新宿区" for f in shinjuku)


def test_second_load_does_nothing(runner):
    first = runner.invoke(args=["demo", "load", "--facilities", str(SMALL)])
    assert first.exit_code == 0, first.output
    assert "demo-national" in first.output
    counts = session.scalar(sa.select(sa.func.count()).select_from(Facility))
    second = runner.invoke(args=["demo", "load", "--facilities", str(SMALL)])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Facility)) == counts == SMALL
    assert demo.load(SMALL) is None


def test_every_facility_of_a_municipality_lies_in_one_secondary_area(data):
    municipality = {a.postal_code: a.municipality
                    for addresses in demo.postal_addresses().values() for a in addresses}
    areas_by_town = {}
    for f in data.facilities:
        areas_by_town.setdefault(municipality[f.postal_code], set()).add(f.secondary_area_code)
    assert all(len(areas) == 1 for areas in areas_by_town.values())


def test_the_tokyo_prefecture_has_pending_applications_to_review():
    demo.load(SMALL)
    applications = session.scalars(sa.select(RegistrationApplication)).all()
    assert len(applications) == 3
    assert all(a.status == ApplicationStatus.pending and a.prefecture_code == "13"
               and len(a.number) == 14 for a in applications)
    # One comes from a facility that already has an account.
    existing = {u.facility.code for u in session.scalars(
        sa.select(User).where(User.facility_id.is_not(None)))}
    assert sum(a.facility_code in existing for a in applications) == 1


def test_with_the_daily_survey_set_up_the_hospitals_have_two_weeks_of_answers(
        builtin_survey):
    from gmis.db import utcnow
    from gmis.models import SurveyResponse
    from gmis.surveys.engine import periods

    builtin_survey("hospital_daily", effective_from=periods.today(utcnow()))
    demo.load(SMALL)
    responses = session.scalars(sa.select(SurveyResponse)).all()
    days = {r.period_start for r in responses}
    assert len(days) == demo_activity.ANSWERED_DAYS
    hospital = session.scalar(sa.select(User.facility_id).where(
        User.login_id == "demo-hospital"))
    today = periods.today(utcnow())
    assert not [r for r in responses if r.facility_id == hospital and r.period_start == today]
    sample = responses[0].answers
    assert sample["occupied_beds"] == sample["total_beds"] - sample["vacant_beds"]


def test_tokyo_has_emergency_supply_requests_to_review():
    from gmis.models import SosRequest, SosStatus

    demo.load(SMALL)
    requests = session.scalars(sa.select(SosRequest)).all()
    assert requests and all(r.status == SosStatus.reviewing and r.prefecture_code == "13"
                            and r.title.endswith("_緊急配布要請") for r in requests)
    # Their history names who filed them, a person of the requesting hospital.
    assert all(e.user is not None and e.user.facility_id == r.facility_id
               for r in requests for e in r.events)


def test_after_set_up_the_bed_view_shows_what_the_answer_status_counts(builtin_survey):
    """A fresh installation's bed view is full: every hospital that answered today shows
    today's figures, as after live submissions."""
    from gmis.beds import operations as beds
    from gmis.db import utcnow
    from gmis.reports import operations as reports
    from gmis.surveys.engine import periods

    today = periods.today(utcnow())
    survey = builtin_survey("hospital_daily", effective_from=today)
    demo.load(SMALL)
    national = session.scalars(sa.select(User).where(User.login_id == "demo-national")).one()

    status = reports.answer_status(national, reports.overseen(national, survey.key, today),
                                   reports.StatusFilter())
    rows = session.execute(beds.table_query(national, survey, beds.BedFilter())).all()
    assert status.total.answered > 0
    assert sum(row.period_start == today for row in rows) == status.total.answered
    # Hospitals that did not answer today show their latest earlier day, not 報告なし.
    answered_ever = session.scalar(sa.select(sa.func.count(sa.distinct(
        SurveyResponse.facility_id))).where(SurveyResponse.survey_id == survey.id))
    summary = beds.area_summary(national, survey, beds.BedFilter(), stale_days=1)
    assert sum(area.reported for area in summary) == answered_ever


def test_the_demo_clinic_and_pharmacy_have_a_periodic_report_window_open_today(
        builtin_survey):
    from gmis.db import utcnow
    from gmis.surveys.engine import periods
    from gmis.surveys.store.models import ReportWindow

    surveys = [builtin_survey(key) for key in ("medical_function", "pharmacy_function")]
    demo.load(SMALL)
    today = periods.today(utcnow())
    for login_id in ("demo-clinic", "demo-pharmacy"):
        user = session.scalars(sa.select(User).where(User.login_id == login_id)).one()
        assert user.role == Role.facility
        for survey in surveys:
            window = session.scalars(sa.select(ReportWindow).where(
                ReportWindow.survey_id == survey.id,
                ReportWindow.prefecture_code == user.facility.prefecture_code)).one()
            assert window.starts_on <= today <= window.ends_on


def test_residents_find_the_demo_facilities_and_the_clinic_can_make_its_periodic_report(
        builtin_survey, client):
    from gmis.publication.models import PublicListing
    from gmis.surveys import reporting
    from gmis.surveys.engine.reports import ReportKind

    for key in ("medical_function", "dental_function", "pharmacy_function"):
        builtin_survey(key)
    demo.load(SMALL)
    listings = session.scalars(sa.select(PublicListing)).all()
    assert {listing.facility_type.value for listing in listings} == {
        "hospital", "clinic", "dental_clinic", "pharmacy"}
    clinic = session.scalars(sa.select(User).where(User.login_id == "demo-clinic")).one()
    listing = next(x for x in listings if x.facility_id == clinic.facility_id)
    assert listing.name == clinic.facility.name
    page = client.get(f"/public/search?q={clinic.facility.name_kana[:3]}")
    assert clinic.facility.name in page.get_data(as_text=True)
    # Published already, inside the window: the clinic's periodic report can begin.
    assert reporting.start(clinic, "medical_function", ReportKind.periodic.value).startswith(
        "periodic-FY")
