"""``load()``: the demo data set written in bulk, once per installation, with what the
demo's hospitals have been doing (gmis/demo/activity.py)."""

from __future__ import annotations

import sqlalchemy as sa

from gmis import audit
from gmis.accounts.passwords import hash_password
from gmis.db import session, utcnow
from gmis.demo import activity, reporting
from gmis.demo.generation import DEFAULT_FACILITIES, DEFAULT_SEED, generate
from gmis.demo.records import DemoData
from gmis.models import (
    Aggregator,
    City,
    Facility,
    FacilityDesignation,
    FireDepartment,
    RegistrationApplication,
    SecondaryArea,
    User,
    aggregator_members,
)
from gmis.reference import load_reference_data
from gmis.surveys.engine import periods

DEMO_PASSWORD = "GmisDemo2026"
#: Its presence means the demo data set has been loaded.
MARKER_LOGIN_ID = "demo-national"

def is_loaded() -> bool:
    return session.scalar(sa.select(User.id).where(User.login_id == MARKER_LOGIN_ID)) is not None


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    statement = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def write(data: DemoData) -> None:
    """Insert ``data`` in bulk (a few statements, no commit)."""
    area_ids = dict(session.execute(sa.select(SecondaryArea.code, SecondaryArea.id)).all())
    city_ids = dict(session.execute(sa.select(City.code, City.id)).all())
    facility_ids = _insert_returning_ids(Facility, [
        dict(facility_type=f.facility_type, code=f.code, insurance_code=f.insurance_code,
             name=f.name, name_kana=f.name_kana, postal_code=f.postal_code, address=f.address,
             phone=f.phone, email=f.email, beds=f.beds, prefecture_code=f.prefecture_code,
             secondary_area_id=area_ids[f.secondary_area_code],
             city_id=city_ids.get(f.city_code) if f.city_code else None,
             latitude=f.latitude, longitude=f.longitude)
        for f in data.facilities
    ])
    designations = [dict(facility_id=facility_ids[i], designation=key)
                    for i, f in enumerate(data.facilities) for key in f.designations]
    if designations:
        session.execute(sa.insert(FacilityDesignation), designations)
    aggregator_ids = _insert_returning_ids(Aggregator, [
        dict(name=a.name, prefecture_code=a.prefecture_code, phone=a.phone, email=a.email)
        for a in data.aggregators
    ])
    members = [dict(aggregator_id=aggregator_ids[i], facility_id=facility_ids[m])
               for i, a in enumerate(data.aggregators) for m in a.members]
    if members:
        session.execute(sa.insert(aggregator_members), members)
    fire_department_ids = _insert_returning_ids(FireDepartment, [
        dict(name=d.name, prefecture_code=d.prefecture_code) for d in data.fire_departments
    ])
    password_hash = hash_password(DEMO_PASSWORD)  # once: the KDF is slow on purpose
    session.add_all([
        User(login_id=u.login_id, name=u.name, email=u.email, role=u.role,
             password_hash=password_hash,
             facility_id=facility_ids[u.facility] if u.facility is not None else None,
             aggregator_id=aggregator_ids[u.aggregator] if u.aggregator is not None else None,
             fire_department_id=(fire_department_ids[u.fire_department]
                                 if u.fire_department is not None else None),
             prefecture_code=u.prefecture_code,
             city_id=city_ids[u.city_code] if u.city_code else None)
        for u in data.users
    ])
    applications = [
        RegistrationApplication(
            facility_type=a.facility_type, facility_code=a.facility_code,
            facility_name=a.facility_name, postal_code=a.postal_code, address=a.address,
            phone=a.phone, contact_name=a.contact_name, email=a.email,
            prefecture_code=a.facility_code[:2])
        for a in data.applications
    ]
    session.add_all(applications)
    session.flush()
    for application in applications:
        application.assign_number()
    session.flush()


def load(facility_count: int = DEFAULT_FACILITIES, seed: int = DEFAULT_SEED) -> DemoData | None:
    """Load the demo data set unless it is there already (then None). Flushes, no commit."""
    if is_loaded():
        return None
    load_reference_data()
    data = generate(facility_count, seed)
    write(data)
    answers = activity.answer_hospital_daily(seed)
    requests = activity.file_sos_requests()
    windows = reporting.open_windows(periods.today(utcnow()))
    published = reporting.publish_reports(periods.today(utcnow()), seed)
    audit.record("demo.loaded", facilities=len(data.facilities), seed=seed,
                 daily_answers=answers, sos_requests=requests, report_windows=windows,
                 published_reports=published)
    session.flush()
    return data
