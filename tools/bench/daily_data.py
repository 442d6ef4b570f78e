"""The daily-reporting data set of the benchmarks: the hospitals and designated clinics
(診療・検査医療機関) of the whole country, the hospital and clinic daily surveys in force
for a month, and a month of submitted answers to both.

Facilities are spread evenly over the 330 secondary areas (the real distribution does not
matter for these figures). Answers are made by the survey engine, as the fill page would
store them, but only a couple of hundred per survey: evaluating 1.4 million forms would
take longer than every benchmark together, so rows cycle through them. Rows are written
with PostgreSQL's COPY.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa
import yaml

import gmis
from gmis.db import session, utcnow
from gmis.demo import activity as demo_activity
from gmis.japan_time import TOKYO
from gmis.models import City, FacilityType, SecondaryArea, SurveyVersion
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.validation import evaluate_form
from gmis.surveys.store import versions
from gmis.text import with_check_digit

#: The built-in definitions shipped with the product (the benchmarks live outside it).
SURVEY_DEFS = Path(gmis.__file__).resolve().parent / "survey_defs"

#: The real figures of SPEC.md: every hospital, and the clinics designated 診療・検査医療機関.
HOSPITALS = 8_060
DESIGNATED_CLINICS = 40_000
#: Days of answers before today; the surveys are in force from the day before the first.
ANSWERED_DAYS = 30
ANSWERED_SHARE = 0.9
ANSWERED_SHARE_TODAY = 0.6
#: Distinct stored answers made by the engine per survey, cycled through by the rows.
VARIANTS = 200
#: 医療機関コード: the third digit (点数表) of hospitals and clinics.
SCORE_TABLE = "1"


def scale() -> float:
    """GMIS_BENCH_SCALE (default 1): a quick run with a fraction of the facilities."""
    try:
        value = float(os.environ.get("GMIS_BENCH_SCALE", "1") or "1")
    except ValueError:
        value = 1.0
    return min(max(value, 0.001), 1.0)


@dataclass(frozen=True)
class FacilityRow:
    id: int
    facility_type: FacilityType
    prefecture_code: str
    city_id: int | None
    beds: int | None


@dataclass(frozen=True)
class DailySurvey:
    key: str
    survey_id: int
    version_id: int
    compiled: CompiledSurvey


# --- facilities ------------------------------------------------------------------------------

def _beds(rng: random.Random) -> int:
    band = rng.random()
    if band < 0.35:
        return rng.randint(20, 99)
    if band < 0.65:
        return rng.randint(100, 199)
    if band < 0.9:
        return rng.randint(200, 499)
    return rng.randint(500, 1200)


def insert_facilities(connection: psycopg.Connection, rng: random.Random, hospitals: int,
                      clinics: int) -> dict[FacilityType, list[FacilityRow]]:
    """The hospitals and the designated clinics, every one in a secondary area (and some in
    a health-centre city); committed."""
    areas = [tuple(row) for row in session.execute(
        sa.select(SecondaryArea.id, SecondaryArea.prefecture_code, SecondaryArea.name)
        .order_by(SecondaryArea.code))]
    cities: dict[str, list[int]] = {}
    for city_id, prefecture_code in session.execute(sa.select(City.id, City.prefecture_code)):
        cities.setdefault(prefecture_code, []).append(city_id)
    now = utcnow()
    numbers: dict[str, int] = {}
    kinds = [(FacilityType.hospital, hospitals), (FacilityType.clinic, clinics)]
    with connection.cursor() as cursor:
        with cursor.copy(
                "COPY facilities (facility_type, code, name, name_kana, postal_code, address,"
                " phone, email, beds, prefecture_code, secondary_area_id, city_id, is_active,"
                " created_at, updated_at) FROM STDIN") as copy:
            for kind, count in kinds:
                label = "病院" if kind == FacilityType.hospital else "クリニック"
                for index in range(count):
                    area_id, prefecture_code, area_name = areas[index % len(areas)]
                    number = numbers[prefecture_code] = numbers.get(prefecture_code, 0) + 1
                    code = with_check_digit(f"{prefecture_code}{SCORE_TABLE}{number:06d}")
                    local = cities.get(prefecture_code)
                    city_id = rng.choice(local) if local and rng.random() < 0.3 else None
                    copy.write_row((
                        kind.value, code, f"{area_name}ベンチ{label}{index + 1:05d}",
                        f"ベンチ{label}{index + 1:05d}", "1000001",
                        f"{area_name}ベンチ町{index % 50 + 1}丁目{index % 20 + 1}番",
                        "0312345678", f"bench{code}@example.jp",
                        _beds(rng) if kind == FacilityType.hospital else None,
                        prefecture_code, area_id, city_id, True, now, now))
        facilities: dict[FacilityType, list[FacilityRow]] = {kind: [] for kind, _ in kinds}
        cursor.execute("SELECT id, facility_type, prefecture_code, city_id, beds"
                       " FROM facilities ORDER BY id")
        for row in cursor:
            facility = FacilityRow(row[0], FacilityType(row[1]), row[2], row[3], row[4])
            facilities[facility.facility_type].append(facility)
        with cursor.copy("COPY facility_designations (facility_id, designation)"
                         " FROM STDIN") as copy:
            for clinic in facilities[FacilityType.clinic]:
                copy.write_row((clinic.id, "outpatient_testing"))
    connection.commit()
    return facilities


# --- surveys and answers -------------------------------------------------------------------

def publish_surveys(since: date) -> dict[str, DailySurvey]:
    """The built-in hospital and clinic daily surveys, published nationwide from ``since``;
    committed."""
    published = {}
    for key in ("hospital_daily", "clinic_daily"):
        data = yaml.safe_load((SURVEY_DEFS / f"{key}.yaml").read_text(encoding="utf-8"))
        version = versions.import_definition(data, runtime.field_types(),
                                             source=f"{key}.yaml").version
        versions.publish(version, since)
        session.flush()
        published[key] = version.id
    session.commit()
    surveys = {}
    for key, version_id in published.items():
        version = session.get(SurveyVersion, version_id)
        surveys[key] = DailySurvey(key, version.survey_id, version.id, runtime.compiled(version))
    return surveys


def typed_clinic_day(rng: random.Random) -> dict[str, str]:
    """One day's answers of a designated clinic to the clinic daily survey, as typed."""
    fever = rng.randint(0, 40)
    tests = rng.randint(0, fever)
    pcr_available = rng.random() < 0.75
    pcr = rng.randint(0, tests) if pcr_available else 0
    quantitative = rng.randint(0, tests - pcr)
    limited = rng.random() < 0.06
    typed = {
        "outpatient_testing": "yes",
        "pcr_available": "available" if pcr_available else "unavailable",
        "testing_status": "limited" if limited else "normal",
        "fever_patients": str(fever), "tests_total": str(tests), "pcr_tests": str(pcr),
        "antigen_quantitative_tests": str(quantitative),
        "antigen_qualitative_tests": str(tests - pcr - quantitative),
    }
    if limited:
        typed["testing_limit_reason"] = "医師の体調不良のため、本日から3日間は午前のみです。"
    if fever:
        typed["remote_consultations"] = str(rng.randint(0, fever // 3))
        typed["referred_patients"] = str(rng.randint(0, fever // 4))
    if tests:
        typed["positive_patients"] = str(rng.randint(0, tests // 3))
    if rng.random() < 0.1:
        typed["remarks"] = "抗原検査キットの在庫が残り少なくなっています。"
    return typed


def answer_variants(survey: DailySurvey, rng: random.Random,
                    count: int = VARIANTS) -> list[dict]:
    """``count`` stored answers, each typed and evaluated by the engine as on the fill page."""
    variants = []
    for _ in range(count):
        if survey.key == "hospital_daily":
            variants.append(demo_activity.stored_day(survey.compiled, rng, _beds(rng)))
            continue
        form = {f"f.{k}": v for k, v in typed_clinic_day(rng).items()}
        evaluation = evaluate_form(survey.compiled, form)
        if not evaluation.ok:
            raise ValueError(f"bench answers refused by the survey: {evaluation.errors}")
        variants.append(evaluation.answers(survey.compiled))
    return variants


def _copy_text(value: str) -> str:
    """A value in COPY's text format."""
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


RESPONSE_COLUMNS = ("survey_id, version_id, respondent_key, facility_id, prefecture_code,"
                    " city_id, period_key, period_start, status, answers, revision,"
                    " return_comment, created_at, updated_at, submitted_at, updated_by_id,"
                    " answered_on_behalf")


def response_lines(survey: DailySurvey, facilities: list[FacilityRow], days: list[date],
                   variants: list[dict], rng: random.Random, today: date,
                   now: datetime) -> Iterator[str]:
    """COPY lines of submitted responses: about 90% of ``facilities`` each day, 60% today,
    submitted in the morning Japan time (today's before now)."""
    # Stored as SQLAlchemy's JSON type stores them (json.dumps with its defaults).
    answers = [_copy_text(json.dumps(v)) for v in variants]
    head = f"{survey.survey_id}\t{survey.version_id}\t"
    for day_number, day in enumerate(days):
        share = ANSWERED_SHARE_TODAY if day == today else ANSWERED_SHARE
        period = periods.period_for("daily", day)
        morning = datetime.combine(day, time(8), TOKYO)
        latest = max(0, min(270, int((now - morning).total_seconds() // 60) - 1))
        if day != today:
            latest = 270
        stamps = [(morning + timedelta(minutes=m)).isoformat() for m in range(latest + 1)]
        day_part = f"\t{period.key}\t{period.start.isoformat()}\tsubmitted\t"
        for index, facility in enumerate(facilities):
            if rng.random() > share:
                continue
            stamp = stamps[rng.randint(0, latest)]
            city = facility.city_id if facility.city_id is not None else "\\N"
            yield (f"{head}facility:{facility.id}\t{facility.id}\t{facility.prefecture_code}"
                   f"\t{city}{day_part}{answers[(index * 7 + day_number) % len(answers)]}"
                   f"\t1\t\t{stamp}\t{stamp}\t{stamp}\t\\N\tf\n")


def copy_responses(connection: psycopg.Connection, lines: Iterable[str],
                   batch: int = 5000) -> int:
    """Write the lines with one COPY; committed. How many rows."""
    count, pending = 0, []
    with connection.cursor() as cursor, cursor.copy(
            f"COPY survey_responses ({RESPONSE_COLUMNS}) FROM STDIN") as copy:
        for line in lines:
            pending.append(line)
            if len(pending) == batch:
                copy.write("".join(pending))
                count, pending = count + len(pending), []
        if pending:
            copy.write("".join(pending))
            count += len(pending)
    connection.commit()
    return count


def answered_days(today: date) -> list[date]:
    """The days answered: the month before today, then today."""
    return [today - timedelta(days=n) for n in range(ANSWERED_DAYS, -1, -1)]
