"""Where the demo's facilities are: facts about each prefecture (gmis/demo/
prefecture_facts.csv), the real addresses facilities are given (Japan Post's, through
gmis/postal.py), and the secondary area each municipality is put in."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gmis.postal import PostalArea, areas
from gmis.reference import read_csv

#: Per prefecture: capital, main telephone area code, population (10,000s, 2020 census,
#: rounded), hospitals (approximate), latitude and longitude of the prefectural office.
#: The prefectures' names are reference data (gmis/data/prefectures.csv); these figures
#: only shape the demo, so they live with it.
PREFECTURE_FACTS = Path(__file__).resolve().parent / "prefecture_facts.csv"

_PLACE_NAME = re.compile(r"[\u4e00-\u9fff\u3041-\u3096\u30a1-\u30f6\u30fc々]{1,6}")
_KATAKANA = re.compile(r"[\u30a1-\u30f6\u30fc]+")


@dataclass(frozen=True)
class PrefectureFacts:
    code: str
    capital: str
    area_code: str
    population: int
    hospitals: int
    latitude: float
    longitude: float


def prefecture_facts() -> dict[str, PrefectureFacts]:
    """The facts of each prefecture by its JIS code."""
    with open(PREFECTURE_FACTS, encoding="utf-8", newline="") as handle:
        return {
            row["code"]: PrefectureFacts(
                row["code"], row["capital"], row["area_code"], int(row["population_10k"]),
                int(row["hospitals"]), float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
        }


@cache
def postal_addresses() -> dict[str, tuple[PostalArea, ...]]:
    """Addresses by prefecture code, in postal-code order. Read once per process.

    Only towns with a short, plain name and a katakana reading are kept, because facility
    names are built from them.
    """
    buckets: dict[str, list[PostalArea]] = {}
    for area in areas():
        if not area.town or not _PLACE_NAME.fullmatch(area.town):
            continue
        if not _KATAKANA.fullmatch(area.town_kana) or not _KATAKANA.fullmatch(area.city_kana):
            continue
        buckets.setdefault(area.municipality[:2], []).append(area)
    return {code: tuple(addresses) for code, addresses in sorted(buckets.items())}


def municipality_areas(addresses: dict[str, tuple[PostalArea, ...]]) -> dict[str, str]:
    """Each municipality's secondary area, so that every facility of a town lies in the same
    area. The real assignment is not in the reference data; neighbouring municipalities have
    neighbouring JIS codes, so each prefecture's municipalities, in code order, are cut into
    as many consecutive runs as it has areas (Tokyo's wards land in the 区部 areas)."""
    area_codes: dict[str, list[str]] = {}
    for row in read_csv("secondary_areas.csv"):
        area_codes.setdefault(row["prefecture_code"], []).append(row["code"])
    area_of = {}
    for prefecture_code, prefecture_addresses in addresses.items():
        municipalities = sorted({a.municipality for a in prefecture_addresses})
        codes = area_codes[prefecture_code]
        for index, municipality in enumerate(municipalities):
            area_of[municipality] = codes[index * len(codes) // len(municipalities)]
    return area_of
