"""The public search (医療情報ネット) at national scale, on PostgreSQL: 240,000 published
listings, searched through the app's HTTP endpoint (the Flask test client), p50 and p95.

Set-up (not measured): the benchmark database is emptied and migrated; the three function
report definitions are published; 8,060 hospitals, 105,207 clinics, 66,378 dental clinics
and 62,828 pharmacies (the national counts) are spread over the 47 prefectures by
population, each at a real address of Japan Post's table (so in a real municipality), with
a position near its prefecture's office; each has an accepted report and a listing with
terms (departments, treatments, languages, flags drawn from the definition's own choices),
hours rows and its kana. Everything is written with COPY.

Searches (``/public/search``, see the URL contract): department + municipality, open now +
type, kana prefix, near a point; the facility page. The floor: a bare indexed SELECT of
the same run (a listing's row by prefecture and type, through psycopg), its median.
Publishing one accepted report (``publication.indexing.publish``) is measured when that
module is there.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
import yaml
from flask import Flask

from gmis import create_app
from gmis.db import session, utcnow
from gmis.demo import places
from gmis.models import FacilityType, SecondaryArea, SurveyVersion
from gmis.surveys import runtime
from gmis.surveys.engine.publication import FACETS_BY_NAME, facet_fields
from gmis.surveys.store import versions
from gmis.text import search_fold, with_check_digit
from tools.bench import daily_data, postgres
from tools.bench.timing import report

SEED = 20_261_204
#: The national counts of SPEC.md (issue 15): facility type, how many, the definition that
#: reports it, the 点数表 digit of its code, and what its name ends with (and its reading).
POPULATION = (
    (FacilityType.hospital, 8_060, "medical_function", "1", "病院", "ビョウイン"),
    (FacilityType.clinic, 105_207, "medical_function", "1", "クリニック", "クリニック"),
    (FacilityType.dental_clinic, 66_378, "dental_function", "3", "歯科医院", "シカイイン"),
    (FacilityType.pharmacy, 62_828, "pharmacy_function", "4", "薬局", "ヤッキョク"),
)
SEARCHES = 60
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")


@dataclass
class Published:
    key: str
    survey_id: int
    version_id: int
    #: facet → the terms its fields offer (flags: ``field`` or ``field.value``).
    terms: dict[str, list[str]]


@dataclass
class Loaded:
    app: Flask
    database: postgres.BenchDatabase
    listings: int
    #: (municipality, prefecture code) pairs with listings, and sample kana keys.
    municipalities: list[tuple[str, str]]
    kana: list[str]
    points: list[tuple[float, float]]
    departments: list[str]
    listing_ids: list[int]


def run() -> None:
    print("Public search (PostgreSQL; 240,000 published listings)")
    database, reason = postgres.find()
    if database is None:
        print(f"  skipped: this benchmark needs PostgreSQL, a database of its own: {reason}. "
              f"Set GMIS_BENCH_DATABASE_URL (default {postgres.DEFAULT_URL})")
        return
    loaded = load(database)
    try:
        searches(loaded)
        publishing(loaded)
    finally:
        loaded.app.extensions["gmis.db"].engine.dispose()


# --- set-up --------------------------------------------------------------------------------

def publish_reports() -> dict[str, Published]:
    published = {}
    for key in sorted({row[2] for row in POPULATION}):
        data = yaml.safe_load((daily_data.SURVEY_DEFS / f"{key}.yaml").read_text("utf-8"))
        version = versions.import_definition(data, runtime.field_types(),
                                             source=f"{key}.yaml").version
        versions.publish(version, date(2020, 4, 1))
        session.flush()
        compiled = runtime.compiled(session.get(SurveyVersion, version.id))
        publication = compiled.definition.publication
        terms: dict[str, list[str]] = {}
        for facet in ("departments", "treatments", "languages", "flags"):
            for field_key in facet_fields(publication, FACETS_BY_NAME[facet]):
                field = compiled.fields[field_key].definition
                if field.choices and facet != "flags":
                    terms.setdefault(facet, []).extend(c.value for c in field.choices)
                elif field.choices:
                    terms.setdefault(facet, []).extend(f"{field_key}.{c.value}"
                                                       for c in field.choices)
                else:
                    terms.setdefault(facet, []).append(field_key)
        # Two fields of one facet may offer the same choice: a term is stored once.
        terms = {facet: list(dict.fromkeys(values)) for facet, values in terms.items()}
        published[key] = Published(key, version.survey_id, version.id, terms)
    session.commit()
    return published


def hours_of(rng: random.Random, kind: FacilityType) -> list[tuple[str, int, int]]:
    """A week of hours as the listing stores them: weekday mornings and afternoons, some
    evenings and Saturdays, a few open round the clock."""
    if rng.random() < (0.3 if kind == FacilityType.hospital else 0.02):
        return [(day, 0, 1440) for day in DAYS]
    rows = []
    late = rng.random() < 0.2
    for day in DAYS[:5]:
        if kind == FacilityType.pharmacy:
            rows.append((day, 9 * 60, (21 if late else 18) * 60))
        else:
            rows.append((day, 9 * 60, 12 * 60 + 30))
            rows.append((day, 14 * 60 + 30, (20 if late else 18) * 60))
    if rng.random() < 0.6:
        rows.append(("sat", 9 * 60, 13 * 60))
    if rng.random() < 0.05:
        rows.append(("sun", 10 * 60, 16 * 60))
    return rows


def load(database: postgres.BenchDatabase) -> Loaded:
    rng = random.Random(SEED)
    factor = daily_data.scale()
    started = time.perf_counter()
    postgres.migrated_app(database).extensions["gmis.db"].engine.dispose()
    # Residents' pages are rate limited per address; one client asks them all here.
    app = create_app({"DATABASE_URL": database.url, "SECRET_KEY": postgres.SECRET_KEY,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        published = publish_reports()
        facts = places.prefecture_facts()
        addresses = places.postal_addresses()
        area_of = places.municipality_areas(addresses)
        area_ids = dict(session.execute(sa.select(SecondaryArea.code, SecondaryArea.id)).all())
        weights = [facts[code].population for code in addresses]
        codes = list(addresses)
        now = utcnow()
        numbers: dict[tuple[str, str], int] = {}
        rows = []
        for kind, count, key, table, suffix, suffix_kana in POPULATION:
            for _ in range(max(20, round(count * factor))):
                prefecture = rng.choices(codes, weights)[0]
                place = rng.choice(addresses[prefecture])
                number = numbers[(prefecture, table)] = numbers.get((prefecture, table), 0) + 1
                fact = facts[prefecture]
                rows.append(dict(
                    kind=kind, key=key, prefecture=prefecture,
                    code=with_check_digit(f"{prefecture}{table}{number:06d}"),
                    name=f"{place.town}{suffix}", kana=f"{place.town_kana}{suffix_kana}",
                    postal=place.postal_code, municipality=place.city,
                    address=f"{place.prefecture}{place.city}{place.town}{rng.randint(1, 9)}-"
                            f"{rng.randint(1, 30)}",
                    area=area_ids[area_of[place.municipality]],
                    lat=fact.latitude + rng.gauss(0, 0.15),
                    lon=fact.longitude + rng.gauss(0, 0.15)))
        with postgres.connect(database) as connection, connection.cursor() as cursor:
            with cursor.copy(
                    "COPY facilities (facility_type, code, name, name_kana, postal_code, "
                    "address, phone, email, prefecture_code, secondary_area_id, is_active, "
                    "latitude, longitude, created_at, updated_at) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row["kind"].value, row["code"], row["name"], row["kana"],
                                    row["postal"], row["address"], "0312345678",
                                    f"b{row['code']}@example.jp", row["prefecture"],
                                    row["area"], True, row["lat"], row["lon"], now, now))
            cursor.execute("SELECT id FROM facilities ORDER BY id")
            for row, (facility_id,) in zip(rows, cursor.fetchall(), strict=True):
                row["facility_id"] = facility_id
            period_key, period_start = f"periodic-FY{now.year - 1}", date(now.year - 1, 4, 1)
            with cursor.copy(
                    "COPY survey_responses (survey_id, version_id, respondent_key, "
                    "facility_id, prefecture_code, period_key, period_start, status, answers, "
                    "revision, return_comment, created_at, updated_at, submitted_at, "
                    "accepted_at, answered_on_behalf) FROM STDIN") as copy:
                for row in rows:
                    survey = published[row["key"]]
                    copy.write_row((survey.survey_id, survey.version_id,
                                    f"facility:{row['facility_id']}", row["facility_id"],
                                    row["prefecture"], period_key, period_start, "accepted",
                                    "{}", 1, "", now, now, now, now, False))
            cursor.execute("SELECT id FROM survey_responses ORDER BY id")
            for row, (response_id,) in zip(rows, cursor.fetchall(), strict=True):
                row["response_id"] = response_id
            with cursor.copy(
                    "COPY public_listings (survey_id, facility_id, response_id, version_id, "
                    "facility_type, prefecture_code, secondary_area_id, municipality, name, "
                    "name_kana, search_text, kana_key, postal_code, address, phone, website, "
                    "latitude, longitude, sections, reported_at, published_at) FROM STDIN"
                    ) as copy:
                for row in rows:
                    survey = published[row["key"]]
                    copy.write_row((
                        survey.survey_id, row["facility_id"], row["response_id"],
                        survey.version_id, row["kind"].value, row["prefecture"], row["area"],
                        row["municipality"], row["name"], row["kana"],
                        search_fold(row["name"] + row["kana"]), search_fold(row["kana"]),
                        row["postal"], row["address"], "0312345678", "", row["lat"],
                        row["lon"], "[]", now - timedelta(days=rng.randint(0, 300)), now))
            cursor.execute("SELECT id FROM public_listings ORDER BY id")
            listing_ids = [listing_id for (listing_id,) in cursor.fetchall()]
            with cursor.copy("COPY public_listing_terms (listing_id, facet, term) FROM STDIN"
                             ) as copy:
                for row, listing_id in zip(rows, listing_ids, strict=True):
                    offered = published[row["key"]].terms
                    many = {"departments": 12 if row["kind"] == FacilityType.hospital else 2,
                            "treatments": 6, "languages": 1, "flags": 5}
                    for facet, terms in offered.items():
                        if facet == "languages" and rng.random() < 0.7:
                            continue
                        for term in rng.sample(terms, min(len(terms),
                                                          rng.randint(1, many[facet]))):
                            copy.write_row((listing_id, facet, term))
            with cursor.copy("COPY public_listing_hours (listing_id, day, opens, closes) "
                             "FROM STDIN") as copy:
                for row, listing_id in zip(rows, listing_ids, strict=True):
                    for day, opens, closes in hours_of(rng, row["kind"]):
                        copy.write_row((listing_id, day, opens, closes))
            connection.commit()
        with postgres.connect(database, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    counts = {kind.label: sum(1 for r in rows if r["kind"] == kind) for kind, *_ in POPULATION}
    print(f"  set-up {time.perf_counter() - started:.0f} s (not measured): "
          + ", ".join(f"{label} {count:,}" for label, count in counts.items()))
    municipalities = sorted({(r["municipality"], r["prefecture"]) for r in rows})
    sample = rng.sample(rows, 200)
    return Loaded(app, database, len(rows), rng.sample(municipalities, 100),
                  [r["kana"] for r in sample], [(r["lat"], r["lon"]) for r in sample],
                  published["medical_function"].terms["departments"],
                  rng.sample(listing_ids, SEARCHES))


# --- measurement ---------------------------------------------------------------------------

def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1,
                                                   round(0.95 * (len(ordered) - 1)))]


def timed(paths: list[str], client) -> list[float]:
    samples = []
    for path in paths[:3]:  # warm-up
        client.get(path).close()
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        samples.append(time.perf_counter() - started)
        if response.status_code != 200 or not body:
            raise RuntimeError(f"GET {path}: {response.status_code}")
    return samples


def floor_seconds(loaded: Loaded) -> float:
    """A bare indexed SELECT: twenty listings of one prefecture and type, by name."""
    samples = []
    with postgres.connect(loaded.database) as connection:
        for index in range(SEARCHES):
            prefecture = f"{index % 47 + 1:02d}"
            started = time.perf_counter()
            connection.execute(
                "SELECT id, name, address FROM public_listings WHERE prefecture_code = %s"
                " AND facility_type = 'clinic' LIMIT 20", (prefecture,)).fetchall()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def search_paths(loaded: Loaded) -> dict[str, list[str]]:
    rng = random.Random(SEED + 1)
    days = ("mon", "tue", "wed", "thu", "fri")
    return {
        "department + municipality": [
            f"/public/search?pref={pref}&municipality={name}&department={rng.choice(loaded.departments[:12])}"
            for name, pref in (rng.choice(loaded.municipalities) for _ in range(SEARCHES))],
        "open now + type": [
            f"/public/search?pref={index % 47 + 1:02d}&open=now&type=clinic"
            for index in range(SEARCHES)],
        "open at (day, time) + type": [
            f"/public/search?pref={index % 47 + 1:02d}&open=at&day={rng.choice(days)}"
            f"&time=19:00&type=pharmacy" for index in range(SEARCHES)],
        "kana prefix": [f"/public/search?q={kana[:3]}" for kana in loaded.kana[:SEARCHES]],
        "near a point (5 km)": [
            f"/public/search?near={lat:.4f},{lon:.4f}&sort=distance"
            for lat, lon in loaded.points[:SEARCHES]],
        "facility page": [f"/public/facilities/{i}" for i in loaded.listing_ids],
    }


def searches(loaded: Loaded) -> None:
    floor = floor_seconds(loaded)
    client = loaded.app.test_client()
    if client.get("/public/search").status_code == 404:
        report("bare indexed SELECT (the floor)", floor, floor)
        print("  search not measured: this installation has no /public/search")
        return
    print(f"  through the Flask test client, {SEARCHES} different requests each; "
          "ratio to the floor's median")
    for name, paths in search_paths(loaded).items():
        p50, p95 = percentiles(timed(paths, client))
        target = 50 if name == "facility page" else 200
        report(f"{name} p50", p50, floor)
        report(f"{name} p95", p95, floor, target_ms=target)
    print(f"  (floor: a bare indexed SELECT of 20 listings by prefecture and type, "
          f"{floor * 1000:.2f} ms)")


def publishing(loaded: Loaded) -> None:
    try:
        from gmis.publication import indexing
    except ImportError:
        print("  publishing not measured: gmis.publication.indexing is not there")
        return
    measure_publish(loaded, indexing.publish)


def measure_publish(loaded: Loaded, publish: Callable) -> None:
    """Publish one accepted report again (its listing replaced), inside a transaction
    rolled back each time, so every run does the same work."""
    from gmis.demo.reporting import full_report
    from gmis.models import SurveyResponse
    from gmis.publication.models import PublicListing
    from gmis.surveys import runtime

    with loaded.app.app_context():
        response_id = session.scalar(sa.select(PublicListing.response_id)
                                     .where(PublicListing.id == loaded.listing_ids[0]))
        # A whole report, as a facility fills it: the loaded ones hold only what is searched.
        response = session.get(SurveyResponse, response_id)
        response.answers = full_report(runtime.compiled(response.version), response.facility)
        session.commit()
        samples = []
        for _ in range(15):
            response = session.get(SurveyResponse, response_id)
            started = time.perf_counter()
            publish(response)
            session.flush()
            samples.append(time.perf_counter() - started)
            session.rollback()
        floor = floor_seconds(loaded)
        report("publish one accepted report", statistics.median(samples), floor, target_ms=50)
