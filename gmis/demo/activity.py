"""What the demo's hospitals have been doing: plausible answers to the hospital daily survey
(病院日次調査), also used by the benchmarks, each hospital's figures following its bed count;
and a few emergency supply requests awaiting the prefecture's review.

Answers are made by the survey engine itself (typed as a person would, then evaluated), so
they are exactly what the fill page would have stored, computed fields included; rows are
inserted in bulk, without per-field history (no person typed them), and what a submission
keeps up to date besides the response itself (each hospital's latest figures) is then
rebuilt from them, so that the bed view reads the same as after live submissions.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from gmis.db import session, utcnow
from gmis.japan_time import TOKYO
from gmis.models import (
    Facility,
    FacilityType,
    ResponseStatus,
    Role,
    SosEvent,
    SosRequest,
    SosRequestItem,
    SosStatus,
    Survey,
    SurveyResponse,
    User,
    VersionStatus,
)
from gmis.sos.business_days import handling_date
from gmis.sos.rules import rules as sos_rules
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.validation import evaluate_form, input_name
from gmis.surveys.store import latest
from gmis.surveys.store.versions import version_in_force

SURVEY_KEY = "hospital_daily"


def typed_day(rng: random.Random, beds: int) -> dict[str, str]:
    """One day's answers of a hospital of ``beds`` beds, as form values."""
    icu = max(0, beds // 40)
    ventilators = max(0, beds // 50)
    ecmo = 1 if beds >= 300 else 0
    vacant = rng.randint(0, max(1, beds // 6))
    inpatients = rng.randint(0, max(1, beds // 30))
    tests = rng.randint(0, 60)
    pcr = rng.randint(0, tests)
    limited = rng.random() < 0.08
    typed = {
        "outpatient_testing": "yes" if rng.random() < 0.6 else "no",
        "pcr_available": "available" if rng.random() < 0.8 else "unavailable",
        "outpatient_status": "normal", "inpatient_status": "normal",
        "emergency_status": "limited" if limited else "normal", "surgery_status": "normal",
        "staff_shortage": "no",
        "covid_inpatients": str(inpatients),
        "covid_severe_inpatients": str(rng.randint(0, inpatients // 4)),
        "covid_admitted_today": str(rng.randint(0, 3)),
        "covid_discharged_today": str(rng.randint(0, 3)),
        "tests_total": str(tests), "pcr_tests": str(pcr),
        "antigen_quantitative_tests": str(rng.randint(0, tests - pcr)),
        "antigen_qualitative_tests": str(rng.randint(0, tests - pcr)),
        "total_beds": str(beds), "vacant_beds": str(vacant),
        "covid_acceptable_beds": str(rng.randint(0, min(vacant, 10))),
        "icu_beds": str(icu), "ventilators": str(ventilators), "ecmo": str(ecmo),
    }
    if icu:
        typed["icu_vacant_beds"] = str(rng.randint(0, icu))
    if ventilators:
        typed["ventilators_in_use"] = str(rng.randint(0, ventilators))
    if ecmo:
        typed["ecmo_in_use"] = str(rng.randint(0, ecmo))
    if limited:
        typed["service_limit_reason"] = "職員の感染による人員不足のため、救急を制限しています。"
    return typed


def stored_day(compiled: CompiledSurvey, rng: random.Random, beds: int) -> dict:
    typed = {input_name(key): value for key, value in typed_day(rng, beds).items()}
    evaluation = evaluate_form(compiled, typed)
    if not evaluation.ok:
        raise ValueError(f"demo answers refused by the survey: {evaluation.errors}")
    return evaluation.answers(compiled)


@dataclass(frozen=True)
class DailyAnswers:
    survey: Survey
    compiled: CompiledSurvey
    version_id: int


def hospital_daily(since: date) -> DailyAnswers | None:
    """The hospital daily survey in force nationwide since ``since``; None before set-up
    imported it. A fresh installation publishes it from the day of set-up: the demo then
    moves that first version's start back, as if the system had been running since."""
    survey = session.scalars(sa.select(Survey).where(Survey.key == SURVEY_KEY)).first()
    if survey is None:
        return None
    version = version_in_force(survey, None, since)
    if version is None:
        first = next((v for v in survey.versions if v.prefecture_code is None
                      and v.status == VersionStatus.published), None)
        answered = session.scalar(sa.select(SurveyResponse.id).where(
            SurveyResponse.survey_id == survey.id).limit(1))
        if first is None or answered is not None:
            return None
        first.effective_from = since
        session.flush()
        version = first
    return DailyAnswers(survey, runtime.compiled(version), version.id)


def response_rows(target: DailyAnswers, hospitals: list[Facility], days: list[date],
                  rng: random.Random, *, answered_share: float = 0.9,
                  skip: set[int] = frozenset()) -> Iterator[dict]:
    """Rows for ``SurveyResponse`` of ``hospitals`` answering on ``days`` (about
    ``answered_share`` of them each day, submitted in the morning Japan time)."""
    for day in days:
        period = periods.period_for("daily", day)
        for hospital in hospitals:
            if hospital.id in skip or rng.random() > answered_share:
                continue
            submitted = datetime.combine(day, time(8), TOKYO) + timedelta(
                minutes=rng.randint(0, 270))
            yield dict(
                survey_id=target.survey.id, version_id=target.version_id,
                respondent_key=f"facility:{hospital.id}", facility_id=hospital.id,
                prefecture_code=hospital.prefecture_code, city_id=hospital.city_id,
                period_key=period.key, period_start=period.start,
                status=ResponseStatus.submitted,
                answers=stored_day(target.compiled, rng, hospital.beds or 50),
                revision=1, return_comment="", created_at=submitted, updated_at=submitted,
                submitted_at=submitted, answered_on_behalf=False,
            )


def insert(rows: Iterator[dict], batch: int = 2000) -> int:
    """Insert rows in batches; how many."""
    count, pending = 0, []
    for row in rows:
        pending.append(row)
        if len(pending) == batch:
            session.execute(sa.insert(SurveyResponse), pending)
            count, pending = count + len(pending), []
    if pending:
        session.execute(sa.insert(SurveyResponse), pending)
        count += len(pending)
    return count


def hospitals() -> list[Facility]:
    return list(session.scalars(sa.select(Facility).where(
        Facility.facility_type == FacilityType.hospital, Facility.is_active.is_(True))
        .order_by(Facility.id)))


#: Days of hospital daily answers in the demo, today included.
ANSWERED_DAYS = 14


def answer_hospital_daily(seed: int) -> int:
    """Two weeks of hospital daily answers, today's from about two thirds of the hospitals
    (the demo hospital's own is left for the person trying the demo)."""
    today = periods.today(utcnow())
    target = hospital_daily(today - timedelta(days=ANSWERED_DAYS - 1))
    if target is None:
        return 0
    rng = random.Random(seed)
    every_hospital = hospitals()
    demo_hospital = session.scalar(sa.select(User.facility_id).where(
        User.login_id == "demo-hospital"))
    past = [today - timedelta(days=n) for n in range(ANSWERED_DAYS - 1, 0, -1)]
    count = insert(response_rows(target, every_hospital, past, rng))
    count += insert(response_rows(
        target, every_hospital, [today], rng, answered_share=0.65, skip={demo_hospital}))
    latest.rebuild(target.survey.id)
    return count


#: Emergency supply requests awaiting 東京都's review in the demo: (items, remark, the staff
#: member who filed it: name, e-mail local part).
DEMO_SOS_REQUESTS = (
    ({"n95_mask": 400, "surgical_mask": 2000}, "入院患者が増え、N95マスクの在庫が3日分です。",
     ("加藤 恵", "megumi.kato")),
    ({"gloves": 1500}, "納入業者の欠品により手袋が調達できません。",
     ("吉田 翔太", "shota.yoshida")),
    ({"face_shield": 300, "eye_shield": 50}, "", ("山本 千尋", "chihiro.yamamoto")),
)


def file_sos_requests() -> int:
    """A few requests of 東京都's hospitals, applied this morning and awaiting review."""
    hospitals = session.scalars(
        sa.select(Facility).where(Facility.prefecture_code == "13",
                                  Facility.facility_type == FacilityType.hospital,
                                  ~Facility.id.in_(sa.select(User.facility_id).where(
                                      User.facility_id.is_not(None))))
        .order_by(Facility.id).limit(len(DEMO_SOS_REQUESTS))).all()
    now = utcnow()
    order = [item.key for item in sos_rules().items]
    for hospital, (items, remark, (name, mailbox)) in zip(hospitals, DEMO_SOS_REQUESTS,
                                                          strict=False):
        applied = now - timedelta(hours=2)
        # The history names who acted; an account without a password cannot sign in.
        staff = User(login_id=f"staff-{hospital.code}", name=name,
                     email=f"{mailbox}@example.jp", role=Role.facility, facility=hospital)
        session.add(SosRequest(
            facility=hospital, prefecture_code="13", title=SosRequest.title_for(hospital, applied),
            status=SosStatus.reviewing, general_confirmed=True,
            n95_confirmed="n95_mask" in items, remark=remark, applied_at=applied,
            handling_date=handling_date(applied), created_at=applied, updated_at=applied,
            items=[SosRequestItem(item_key=key, quantity=quantity, position=order.index(key))
                   for key, quantity in items.items()],
            events=[SosEvent(action="created", occurred_at=applied, user=staff),
                    SosEvent(action="applied", occurred_at=applied, user=staff)]))
    session.flush()
    return len(hospitals)
