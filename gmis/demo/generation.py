"""``generate()``: the demo data set as a pure function of (facility count, seed), so that
a demo shown twice shows the same hospitals. Nothing here touches the database."""

from __future__ import annotations

import random
import re
from dataclasses import replace

from gmis.demo.names import CITY_PROPER, facility_name
from gmis.demo.places import municipality_areas, postal_addresses, prefecture_facts
from gmis.demo.records import (
    AggregatorRecord,
    ApplicationRecord,
    DemoData,
    FacilityRecord,
    FireDepartmentRecord,
    UserRecord,
)
from gmis.models import FacilityType, Role
from gmis.postal import PostalArea
from gmis.reference import read_csv
from gmis.text import with_check_digit

DEFAULT_FACILITIES = 4000
DEFAULT_SEED = 2026
MIN_FACILITIES = 10
TOKYO = "13"

#: 点数表 digit of the 医療機関コード.
_SCORE_TABLE = {
    FacilityType.hospital: "1",
    FacilityType.clinic: "1",
    FacilityType.dental_clinic: "3",
    FacilityType.pharmacy: "4",
}
_EMAIL_PREFIX = {
    FacilityType.hospital: "hospital",
    FacilityType.clinic: "clinic",
    FacilityType.dental_clinic: "dental",
    FacilityType.pharmacy: "pharmacy",
    FacilityType.outpatient_centre: "centre",
}
#: Share of each type after the outpatient/testing centres (1 % of the total).
_TYPE_SHARES = {
    FacilityType.hospital: 1,
    FacilityType.clinic: 2,
    FacilityType.dental_clinic: 1,
    FacilityType.pharmacy: 1,
}
#: The demo facility users need a hospital, a clinic and a pharmacy in Tokyo.
_TOKYO_MINIMUM = {FacilityType.hospital, FacilityType.clinic, FacilityType.pharmacy}

_MEDICAL_ASSOCIATIONS = [
    ("13", "新宿区医師会"), ("13", "世田谷区医師会"), ("01", "札幌市医師会"),
    ("04", "仙台市医師会"), ("14", "横浜市医師会"), ("23", "名古屋市医師会"),
    ("27", "大阪市医師会"), ("34", "広島市医師会"), ("40", "福岡市医師会"),
]

_DEMO_USERS = [
    # login ID, name, e-mail, role
    ("demo-hospital", "佐藤 健一", "kenichi.sato@example.jp", Role.facility),
    ("demo-clinic", "山田 美咲", "misaki.yamada@example.jp", Role.facility),
    ("demo-pharmacy", "鈴木 大輔", "daisuke.suzuki@example.jp", Role.facility),
    ("demo-aggregator", "高橋 由美子", "yumiko.takahashi@example.jp", Role.aggregator),
    ("demo-pref", "田中 誠", "makoto.tanaka@example.jp", Role.prefecture),
    ("demo-city", "伊藤 直樹", "naoki.ito@example.jp", Role.city),
    ("demo-fire", "渡辺 浩之", "hiroyuki.watanabe@example.jp", Role.fire_department),
    ("demo-national", "中村 陽子", "yoko.nakamura@example.jp", Role.national),
    ("demo-admin", "小林 拓也", "takuya.kobayashi@example.jp", Role.secretariat),
]
DEMO_CITY_CODE = "131041"  # 新宿区


def apportion(total: int, weights: dict[str, float],
              minimum: dict[str, int] | None = None) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, ties by key)."""
    counts = {key: (minimum or {}).get(key, 0) for key in weights}
    remaining = total - sum(counts.values())
    weight_sum = sum(weights.values())
    quotas = {key: remaining * weight / weight_sum for key, weight in weights.items()}
    for key, quota in quotas.items():
        counts[key] += int(quota)
    left = total - sum(counts.values())
    by_remainder = sorted(weights, key=lambda key: (int(quotas[key]) - quotas[key], key))
    for key in by_remainder[:left]:
        counts[key] += 1
    return counts


def _type_counts(facility_count: int) -> dict[FacilityType, int]:
    centres = max(1, round(facility_count / 100))
    shares = apportion(facility_count - centres, {t.value: s for t, s in _TYPE_SHARES.items()})
    return {**{FacilityType(t): n for t, n in shares.items()},
            FacilityType.outpatient_centre: centres}


def _phone(rng: random.Random, area_code: str) -> str:
    digits = 10 - len(area_code)
    return area_code + str(rng.randint(2 * 10 ** (digits - 1), 10 ** digits - 1))


def _street_number(rng: random.Random, address: PostalArea) -> str:
    if address.chome:
        return f"{rng.randint(1, 6)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    if rng.random() < 0.4:
        return str(rng.randint(1, 3000))
    return f"{rng.randint(1, 2000)}-{rng.randint(1, 15)}"


def _beds(rng: random.Random, facility_type: FacilityType) -> int | None:
    if facility_type == FacilityType.hospital:
        return min(900, max(20, round(rng.lognormvariate(4.9, 0.65))))
    if facility_type == FacilityType.clinic:
        roll = rng.random()
        if roll < 0.12:
            return rng.randint(1, 19)  # 有床診療所
        if roll < 0.22:
            return 0
    return None


def _designations(rng: random.Random, facility_type: FacilityType,
                  beds: int | None) -> tuple[str, ...]:
    found = []
    if facility_type == FacilityType.outpatient_centre:
        return ("outpatient_testing", "pcr_testing")
    if facility_type == FacilityType.hospital:
        if rng.random() < 0.35 + (0.3 if beds and beds >= 200 else 0):
            found.append("covid_inpatient")
        if rng.random() < 0.65:
            found.append("outpatient_testing")
        if rng.random() < 0.45:
            found.append("pcr_testing")
    elif facility_type == FacilityType.clinic and rng.random() < 0.45:
        found.append("outpatient_testing")
        if rng.random() < 0.35:
            found.append("pcr_testing")
    return tuple(sorted(found))


class _Generator:
    """The state of one generation run: one random stream and what is already taken."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.facts = prefecture_facts()
        self.addresses = postal_addresses()
        self.area_of = municipality_areas(self.addresses)
        self.cities: dict[str, dict[str, str]] = {}
        for row in read_csv("health_centre_cities.csv"):
            self.cities.setdefault(row["prefecture_code"], {})[row["name"]] = row["code"]
        self.used_codes: set[str] = set()
        self.used_names: set[tuple[str, str]] = set()
        self.facilities: list[FacilityRecord] = []

    def city_code(self, prefecture_code: str, city: str) -> str | None:
        """The health-centre city or special ward of a municipality name, if it is one:
        an exact match, or a ward of a designated city (札幌市中央区 lies in 札幌市)."""
        cities = self.cities.get(prefecture_code, {})
        if city in cities:
            return cities[city]
        match = re.match(r"(.+?市).+区$", city)
        return cities.get(match.group(1)) if match else None

    def facility_code(self, prefecture_code: str, facility_type: FacilityType) -> str:
        while True:
            district, number = self.rng.randint(1, 40), self.rng.randint(1, 9999)
            code = with_check_digit(
                f"{prefecture_code}{_SCORE_TABLE[facility_type]}{district:02d}{number:04d}"
            )
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def facility(self, facility_type: FacilityType, prefecture_code: str) -> FacilityRecord:
        rng, facts = self.rng, self.facts[prefecture_code]
        for _attempt in range(20):  # a name already used in the prefecture: pick again
            address = rng.choice(self.addresses[prefecture_code])
            name, kana = facility_name(rng, facility_type, address)
            if (prefecture_code, name) not in self.used_names:
                break
        self.used_names.add((prefecture_code, name))
        code = (None if facility_type == FacilityType.outpatient_centre
                else self.facility_code(prefecture_code, facility_type))
        beds = _beds(rng, facility_type)
        located = rng.random() < 0.4
        return FacilityRecord(
            facility_type=facility_type,
            code=code,
            insurance_code=code[3:] if code else None,
            name=name,
            name_kana=kana,
            postal_code=address.postal_code,
            address=address.prefecture + address.city + address.town
            + _street_number(rng, address),
            phone=_phone(rng, facts.area_code),
            email=f"{_EMAIL_PREFIX[facility_type]}{len(self.facilities) + 1:05d}@example.jp",
            beds=beds,
            prefecture_code=prefecture_code,
            secondary_area_code=self.area_of[address.municipality],
            city_code=self.city_code(prefecture_code, address.city),
            latitude=round(facts.latitude + rng.uniform(-0.12, 0.12), 6) if located else None,
            longitude=round(facts.longitude + rng.uniform(-0.12, 0.12), 6) if located else None,
            designations=_designations(rng, facility_type, beds),
        )

    def make_facilities(self, facility_count: int) -> None:
        for facility_type, count in _type_counts(facility_count).items():
            weights = {
                code: facts.hospitals if facility_type == FacilityType.hospital
                else facts.population
                for code, facts in self.facts.items()
            }
            minimum = {TOKYO: 1} if facility_type in _TOKYO_MINIMUM else {}
            for prefecture_code, n in apportion(count, weights, minimum).items():
                for _ in range(n):
                    self.facilities.append(self.facility(facility_type, prefecture_code))

    def positions(self, facility_type: FacilityType, prefecture_code: str) -> list[int]:
        return [i for i, f in enumerate(self.facilities)
                if f.facility_type == facility_type and f.prefecture_code == prefecture_code]

    def aggregators(self) -> list[AggregatorRecord]:
        found = []
        for prefecture_code, name in _MEDICAL_ASSOCIATIONS:
            clinics = self.positions(FacilityType.clinic, prefecture_code)
            if not clinics and prefecture_code != TOKYO:
                continue
            size = min(self.rng.randint(10, 30), len(clinics))
            found.append(AggregatorRecord(
                name=name,
                prefecture_code=prefecture_code,
                phone=_phone(self.rng, self.facts[prefecture_code].area_code),
                email=f"office{len(found) + 1:02d}@med-association.example.jp",
                members=tuple(sorted(self.rng.sample(clinics, size))),
            ))
        return found

    def fire_departments(self) -> list[FireDepartmentRecord]:
        found = [FireDepartmentRecord("東京消防庁", TOKYO),
                 FireDepartmentRecord("稲城市消防本部", TOKYO)]
        for code, facts in self.facts.items():
            if code == TOKYO:
                continue
            found.append(FireDepartmentRecord(f"{facts.capital}消防局", code))
            others = sorted({a.city for a in self.addresses[code]
                             if CITY_PROPER.fullmatch(a.city) and a.city != facts.capital})
            for city in self.rng.sample(others, min(len(others), self.rng.randint(0, 2))):
                found.append(FireDepartmentRecord(f"{city}消防本部", code))
        return found

    def ensure_designated_tokyo_clinic(self) -> int:
        """The demo clinic user's clinic: a Tokyo 診療・検査医療機関 (made one if none is)."""
        clinics = self.positions(FacilityType.clinic, TOKYO)
        for position in clinics:
            if "outpatient_testing" in self.facilities[position].designations:
                return position
        position = clinics[0]
        self.facilities[position] = replace(self.facilities[position],
                                            designations=("outpatient_testing",))
        return position

    def users(self, aggregators: list[AggregatorRecord],
              fire_departments: list[FireDepartmentRecord]) -> list[UserRecord]:
        hospitals = self.positions(FacilityType.hospital, TOKYO)
        organisations = {
            "demo-hospital": dict(facility=max(hospitals,
                                               key=lambda i: (self.facilities[i].beds, -i))),
            "demo-clinic": dict(facility=self.ensure_designated_tokyo_clinic()),
            "demo-pharmacy": dict(facility=self.positions(FacilityType.pharmacy, TOKYO)[0]),
            "demo-aggregator": dict(aggregator=next(
                i for i, a in enumerate(aggregators) if a.prefecture_code == TOKYO)),
            "demo-pref": dict(prefecture_code=TOKYO),
            "demo-city": dict(city_code=DEMO_CITY_CODE),
            "demo-fire": dict(fire_department=next(
                i for i, d in enumerate(fire_departments) if d.name == "東京消防庁")),
        }
        return [UserRecord(login_id, name, email, role, **organisations.get(login_id, {}))
                for login_id, name, email, role in _DEMO_USERS]


    def applications(self, users: list[UserRecord]) -> list[ApplicationRecord]:
        """Two Tokyo facilities not yet in the master, and one from the demo hospital,
        which already has an account (its approval sends the "existing account" e-mail)."""
        newcomers = [self.facility(t, TOKYO) for t in (FacilityType.clinic,
                                                        FacilityType.pharmacy)]
        hospital = self.facilities[next(u.facility for u in users
                                        if u.login_id == "demo-hospital")]
        contacts = ["佐藤 美咲", "鈴木 健一", "高橋 由美"]
        return [
            ApplicationRecord(f.facility_type, f.code, f.name, f.postal_code, f.address,
                              f.phone, contact, f"apply{number}@example.jp")
            for number, (f, contact) in enumerate(zip([*newcomers, hospital], contacts,
                                                      strict=True), start=1)
        ]


def generate(facility_count: int = DEFAULT_FACILITIES, seed: int = DEFAULT_SEED) -> DemoData:
    """The demo data set as plain records; the same arguments give the same records."""
    if facility_count < MIN_FACILITIES:
        raise ValueError(f"at least {MIN_FACILITIES} facilities are needed")
    generator = _Generator(seed)
    generator.make_facilities(facility_count)
    aggregators = generator.aggregators()
    fire_departments = generator.fire_departments()
    users = generator.users(aggregators, fire_departments)
    applications = generator.applications(users)
    return DemoData(tuple(generator.facilities), tuple(aggregators), tuple(fire_departments),
                    tuple(users), tuple(applications))
