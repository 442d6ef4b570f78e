"""住民向けの検索: the public search over the published listings.

``parse`` reads the query string into a ``Query``, bounding every parameter and refusing
what cannot be searched for with a Japanese reason (``SearchRefused``); ``search`` runs it
on the index tables alone (``gmis.publication.models``): never a report, a definition or
the facility master.

Name and kana are matched folded (``gmis.text.search_fold``): anywhere in ``search_text``
(a trigram index on PostgreSQL; SQLite scans) or at the start of ``kana_key``. Terms are
EXISTS on ``public_listing_terms``; "open now" and "open at" on ``public_listing_hours``,
a public holiday by its ``holiday`` rows. "Near" is a bounding box on the position index,
then the distance, worked out on a flat map (exact enough within tens of kilometres).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

import holidays
import sqlalchemy as sa

from gmis import postal
from gmis.db import session
from gmis.facilities.models import FacilityType
from gmis.japan_time import TOKYO
from gmis.publication.models import (
    PublicListing,
    PublicListingHours,
    PublicListingTerm,
    PublicVocabulary,
)
from gmis.refusals import Kind, Refused
from gmis.surveys.engine.fields.hours import DAY_KEYS, DAYS
from gmis.text import digits_only, normalise, search_fold

#: The longest text a parameter may have (a name, a municipality, a term).
MAX_TEXT = 100
#: How many values a repeatable parameter may have (types, flags).
MAX_VALUES = 20
PER_PAGE = 20
DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 50.0
SORTS = {"name": "名前順", "distance": "近い順", "reported": "報告日の新しい順"}
DAY_LABELS = {day: long for day, _, long in DAYS}
#: Kilometres per degree of latitude (and of longitude at the equator).
KM_PER_DEGREE = 111.32
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_PREFECTURE = re.compile(r"0[1-9]|[1-3]\d|4[0-7]")
#: Joins the terms one choice of the form stands for (a choice value holding it would be
#: read as two; values are written in letters, digits and _).
TERM_JOIN = "|"
#: The facets of the terms, by parameter name.
TERM_PARAMETERS = {"department": "departments", "treatment": "treatments",
                   "language": "languages", "flag": "flags"}
#: What the search shows of its types: those that report function information.
SEARCHED_TYPES = (FacilityType.hospital, FacilityType.clinic, FacilityType.dental_clinic,
                  FacilityType.pharmacy)


class SearchRefused(Refused):
    """A search that cannot be run as asked: the page shows the form as typed with it."""

    def __init__(self, message: str):
        super().__init__(message, Kind.INVALID)


@dataclass(frozen=True)
class Query:
    prefecture: str = ""
    municipality: str = ""
    area: int | None = None
    types: tuple[str, ...] = ()
    #: (facet, term) pairs, every one required.
    #: (facet, the terms one chosen value stands for): a listing has one of them.
    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: "now" or "at".
    open: str = ""
    day: str = ""
    time: str = ""
    #: What was typed, as typed, and folded for matching.
    text: str = ""
    folded: str = ""
    near: tuple[float, float] | None = None
    postal_code: str = ""
    radius: float = DEFAULT_RADIUS_KM
    sort: str = "name"
    page: int = 1

    @property
    def searching_near(self) -> bool:
        return self.near is not None or bool(self.postal_code)


@dataclass
class Hit:
    listing: PublicListing
    #: Kilometres from the place searched near, when the search was near a place.
    distance: float | None = None
    open_now: bool = False


@dataclass
class Result:
    query: Query
    hits: list[Hit]
    total: int
    number: int
    per_page: int
    #: Where "near" was searched from, and what it was (a note when not found).
    origin: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


# --- reading the query -----------------------------------------------------------------------

def _text(args: Mapping, name: str, limit: int = MAX_TEXT, label: str = "") -> str:
    values = _values(args, name, label)
    if len(values) > 1:
        raise SearchRefused(f"{label or name}は1つだけ指定してください。")
    return _checked(values[0], limit, label or name) if values else ""


def _values(args: Mapping, name: str, label: str = "") -> list[str]:
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else ([args[name]] if name in args else [])
    values = [value for value in values if value is not None and value.strip() != ""]
    if len(values) > MAX_VALUES:
        raise SearchRefused(f"{label or name}は{MAX_VALUES}個まで指定できます。")
    return values


def _checked(value: str, limit: int, label: str) -> str:
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") for char in value):
        raise SearchRefused(f"{label}に使えない文字(制御文字)が含まれています。")
    value = normalise(value)
    if len(value) > limit:
        raise SearchRefused(f"{label}は{limit}文字以内で入力してください。")
    return value


def parse(args: Mapping, page: int = 1) -> Query:
    """The search the query string asks for, or ``SearchRefused``."""
    prefecture = _text(args, "pref", 2, "都道府県")
    if prefecture and not _PREFECTURE.fullmatch(prefecture):
        raise SearchRefused("都道府県の指定が正しくありません。一覧から選んでください。")
    municipality = _text(args, "municipality", 40, "市区町村")
    area_text = _text(args, "area", 10, "二次医療圏")
    area = None
    if area_text:
        if not area_text.isdigit():
            raise SearchRefused("二次医療圏の指定が正しくありません。一覧から選んでください。")
        area = int(area_text)
    types = tuple(_checked(value, 32, "種別") for value in _values(args, "type", "種別"))
    known = {t.value for t in SEARCHED_TYPES}
    if any(value not in known for value in types):
        raise SearchRefused("種別の指定が正しくありません。一覧から選んでください。")
    terms = []
    for name, facet in TERM_PARAMETERS.items():
        for value in _values(args, name, _TERM_LABELS[facet]):
            # One choice of the form may stand for the same label in several definitions.
            alike = tuple(_checked(term, 128, _TERM_LABELS[facet])
                          for term in value.split(TERM_JOIN))
            if len(alike) > MAX_VALUES:
                raise SearchRefused(f"{_TERM_LABELS[facet]}の指定が正しくありません。"
                                    "一覧から選んでください。")
            terms.append((facet, alike))

    # The form offers 「いま」 and 「曜日と時刻」 side by side: both ticked means the chosen time.
    openings = {_checked(value, 8, "診療日時") for value in _values(args, "open", "診療日時")}
    opening = "at" if "at" in openings else next(iter(openings), "")
    if len(openings) > 2 or openings - {"now", "at"}:
        opening = "?"
    day, time = "", ""
    if opening not in ("", "now", "at"):
        raise SearchRefused("診療日時の指定が正しくありません。")
    if opening == "at":
        day = _text(args, "day", 8, "曜日")
        time = _text(args, "time", 5, "時刻")
        if day not in DAY_KEYS:
            raise SearchRefused("曜日を選んでください。")
        matched = _TIME.fullmatch(time)
        if not matched:
            raise SearchRefused("時刻は「14:30」のように24時間制で入力してください。")
        time = f"{int(matched.group(1)):02d}:{matched.group(2)}"

    text = _text(args, "q", MAX_TEXT, "名称・フリガナ")
    folded = search_fold(text)
    if "|" in folded:
        raise SearchRefused("名称・フリガナに使えない文字「|」が含まれています。")

    near = None
    near_text = _text(args, "near", 40, "現在地")
    if near_text:
        near = _position(near_text)
    postal_text = _text(args, "postal", 10, "郵便番号")
    postal_code = ""
    if postal_text and near is None:
        postal_code = digits_only(postal_text)
        if not re.fullmatch(r"\d{7}", postal_code):
            raise SearchRefused("郵便番号は7桁の数字で入力してください(例: 160-0023)。")
    radius_text = _text(args, "radius", 6, "距離")
    radius = DEFAULT_RADIUS_KM
    if radius_text:
        try:
            radius = float(radius_text)
        except ValueError:
            raise SearchRefused("距離は数字(km)で入力してください。") from None
        if not 0.1 <= radius <= MAX_RADIUS_KM:
            raise SearchRefused(f"距離は0.1〜{MAX_RADIUS_KM:g}kmで指定してください。")

    sort = _text(args, "sort", 10, "並び順")
    if sort and sort not in SORTS:
        raise SearchRefused("並び順の指定が正しくありません。")
    if sort == "distance" and near is None and not postal_code:
        raise SearchRefused("近い順に並べるには、現在地か郵便番号を指定してください。")
    sort = sort or ("distance" if near is not None or postal_code else "name")
    return Query(prefecture=prefecture, municipality=municipality, area=area, types=types,
                 terms=tuple(terms), open=opening, day=day, time=time, text=text,
                 folded=folded, near=near, postal_code=postal_code, radius=radius, sort=sort,
                 page=page)


_TERM_LABELS = {"departments": "診療科目", "treatments": "疾患・治療・サービス",
                "languages": "対応言語", "flags": "条件"}


_POSITION_UNREADABLE = "現在地の位置を読み取れませんでした。もう一度お試しください。"


def _position(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        latitude, longitude = (float(part) for part in parts)
    except ValueError:
        raise SearchRefused(_POSITION_UNREADABLE) from None
    if not (math.isfinite(latitude) and math.isfinite(longitude)
            and -90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SearchRefused(_POSITION_UNREADABLE)
    return latitude, longitude


def valid_prefecture(code: str) -> bool:
    return bool(_PREFECTURE.fullmatch(code or ""))


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``\\`` as the escape: % and _ are letters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- running it ------------------------------------------------------------------------------

@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def day_of(moment: date) -> str:
    """mon … sun, or holiday on Japan's public holidays."""
    if moment in _holidays(moment.year):
        return "holiday"
    return DAY_KEYS[moment.weekday()]


def _open_at(day: str, minute: int):
    return sa.exists().where(PublicListingHours.listing_id == PublicListing.id,
                             PublicListingHours.day == day,
                             PublicListingHours.opens <= minute,
                             PublicListingHours.closes > minute)


def _minute(time: str) -> int:
    hours, minutes = time.split(":")
    return int(hours) * 60 + int(minutes)


def postal_position(postal_code: str) -> tuple[float, float] | None:
    """Where a postal code is. Japan Post's data has no positions: the published facilities
    of that code (their positions, averaged) stand for it, when there are any."""
    latitude, longitude = session.execute(
        sa.select(sa.func.avg(PublicListing.latitude), sa.func.avg(PublicListing.longitude))
        .where(PublicListing.postal_code == postal_code,
               PublicListing.latitude.is_not(None), PublicListing.longitude.is_not(None))
    ).one()
    if latitude is None or longitude is None:
        return None
    return float(latitude), float(longitude)


def search(query: Query, now: datetime) -> Result:
    """One page of the listings ``query`` finds, with the total; ``now`` (UTC) answers
    "open now"."""
    statement = sa.select(PublicListing)
    notes: list[str] = []
    if query.prefecture:
        statement = statement.where(PublicListing.prefecture_code == query.prefecture)
    if query.municipality:
        statement = statement.where(PublicListing.municipality.like(
            like_escaped(query.municipality) + "%", escape="\\"))
    if query.area is not None:
        statement = statement.where(PublicListing.secondary_area_id == query.area)
    if query.types:
        statement = statement.where(PublicListing.facility_type.in_(
            [FacilityType(value) for value in query.types]))
    for facet, alike in query.terms:
        statement = statement.where(sa.exists().where(
            PublicListingTerm.listing_id == PublicListing.id,
            PublicListingTerm.facet == facet, PublicListingTerm.term.in_(alike)))
    local = now.astimezone(TOKYO)
    if query.open == "now":
        statement = statement.where(_open_at(day_of(local.date()),
                                             local.hour * 60 + local.minute))
    elif query.open == "at":
        statement = statement.where(_open_at(query.day, _minute(query.time)))
    if query.folded:
        pattern = like_escaped(query.folded)
        statement = statement.where(sa.or_(
            PublicListing.search_text.like(f"%{pattern}%", escape="\\"),
            PublicListing.kana_key.like(f"{pattern}%", escape="\\")))

    origin = query.near
    if query.postal_code and origin is None:
        if postal.lookup(query.postal_code) is None:
            raise SearchRefused("その郵便番号は見つかりませんでした。番号をご確認ください。")
        origin = postal_position(query.postal_code)
        if origin is None:
            raise SearchRefused("この郵便番号の位置がわからないため、近くを探せません。"
                                "「現在地から探す」か、市区町村で探してください。")
    squared = None
    if origin is not None:
        latitude, longitude = origin
        degrees_lat = query.radius / KM_PER_DEGREE
        scale = KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01)
        degrees_lon = query.radius / scale
        dy = (PublicListing.latitude - latitude) * KM_PER_DEGREE
        dx = (PublicListing.longitude - longitude) * scale
        squared = dy * dy + dx * dx
        statement = statement.where(
            PublicListing.latitude.between(latitude - degrees_lat, latitude + degrees_lat),
            PublicListing.longitude.between(longitude - degrees_lon, longitude + degrees_lon),
            squared <= query.radius * query.radius)

    total = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    number = min(query.page, pages)
    if query.sort == "distance" and squared is not None:
        order = (squared, PublicListing.id)
    elif query.sort == "reported":
        order = (PublicListing.reported_at.desc(), PublicListing.id)
    else:
        order = (PublicListing.kana_key, PublicListing.name, PublicListing.id)
    if squared is not None:
        rows = session.execute(statement.add_columns(squared.label("squared")).order_by(*order)
                               .limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all()
        hits = [Hit(listing, math.sqrt(max(float(distance), 0.0))) for listing, distance in rows]
    else:
        hits = [Hit(listing) for listing in session.scalars(
            statement.order_by(*order).limit(PER_PAGE).offset((number - 1) * PER_PAGE))]
    _mark_open(hits, now)
    return Result(query, hits, total, number, PER_PAGE, origin, notes)


def open_listings(listing_ids: list[int], now: datetime) -> set[int]:
    """Which of the listings are open at ``now`` (UTC), by their published hours."""
    if not listing_ids:
        return set()
    local = now.astimezone(TOKYO)
    minute = local.hour * 60 + local.minute
    return set(session.scalars(sa.select(PublicListingHours.listing_id).where(
        PublicListingHours.listing_id.in_(listing_ids),
        PublicListingHours.day == day_of(local.date()),
        PublicListingHours.opens <= minute, PublicListingHours.closes > minute)))


def _mark_open(hits: list[Hit], now: datetime) -> None:
    found = open_listings([hit.listing.id for hit in hits], now)
    for hit in hits:
        hit.open_now = hit.listing.id in found


def vocabulary() -> dict[str, list[tuple[str, str]]]:
    """The choices of every published version, merged: each label once, standing for every
    term it labels (``TERM_JOIN``-joined), so that 「車椅子で使えるトイレ」 of the medical and
    the pharmacy report is one choice finding both."""
    merged: dict[str, dict[str, list[str]]] = {}
    for facets in session.scalars(sa.select(PublicVocabulary.facets)
                                  .order_by(PublicVocabulary.version_id)):
        for facet, pairs in (facets or {}).items():
            by_label = merged.setdefault(facet, {})
            for term, label in pairs:
                alike = by_label.setdefault(label, [])
                if term not in alike and len(alike) < MAX_VALUES:
                    alike.append(term)
    return {facet: [(TERM_JOIN.join(terms), label) for label, terms in by_label.items()]
            for facet, by_label in merged.items()}


def listing(listing_id: int) -> PublicListing | None:
    return session.get(PublicListing, listing_id)
