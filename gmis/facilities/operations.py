"""Use cases of the facility master: search within the user's scope, read one facility,
change its master fields with optimistic concurrency.

No Flask here, so the command line, the demo and the benchmarks use the same functions as
the pages: a query string arrives as a mapping, a facility to show as a query that the
blueprint runs through the access policy, and a lost edit race as ``EditConflict`` (a
``gmis.refusals.Refused`` that carries what differs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from gmis import access, audit
from gmis.access import nationwide
from gmis.db import session, utcnow
from gmis.facilities.rules import clean_text, to_katakana
from gmis.filters import FilterError
from gmis.models import (
    DESIGNATIONS,
    Aggregator,
    Facility,
    FacilityDesignation,
    FacilityType,
    Prefecture,
    SecondaryArea,
    User,
    aggregator_members,
)
from gmis.pagination import Page
from gmis.refusals import Kind, Refused

PAGE_SIZE = 50
QUERY_MAX = 100

@dataclass
class Search:
    """The filters of the facility list (a ``gmis.filters.ListFilter``) and the page asked
    for."""

    text: str = ""
    facility_type: FacilityType | None = None
    prefecture_code: str = ""
    area_code: str = ""
    designation: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> Search:
        """Read the filters; every value that cannot be used is named in one ``FilterError``,
        so the list says all that is wrong at once."""
        search = cls(text=clean_text(args.get("q", ""))[:QUERY_MAX])
        errors = []
        type_value = args.get("type", "")
        if type_value:
            try:
                search.facility_type = FacilityType(type_value)
            except ValueError:
                errors.append("施設種別の指定が正しくありません。一覧から選んでください。")
        pref = args.get("pref", "")
        if pref and nationwide(user):
            if not (len(pref) == 2 and pref.isascii() and pref.isdigit()) or (
                    session.get(Prefecture, pref) is None):
                errors.append("都道府県の指定が正しくありません。一覧から選んでください。")
            else:
                search.prefecture_code = pref
        area = args.get("area", "")
        if area:
            if area in {a.code for a in area_choices(user, search.prefecture_code)}:
                search.area_code = area
            else:
                errors.append("二次医療圏の指定が正しくありません。一覧から選んでください。")
        designation = args.get("designation", "")
        if designation:
            if designation in DESIGNATIONS:
                search.designation = designation
            else:
                errors.append("指定の種類が正しくありません。一覧から選んでください。")
        page = args.get("page", "1") or "1"
        if page.isascii() and page.isdigit() and 1 <= int(page) <= 100_000:
            search.page = int(page)
        else:
            errors.append("ページ番号が正しくありません。")
        if errors:
            raise FilterError(*errors)
        return search

    def args(self) -> dict[str, str]:
        """The filters as query arguments, without the page: the pager adds its own."""
        args = {
            "q": self.text,
            "type": self.facility_type.value if self.facility_type else "",
            "pref": self.prefecture_code,
            "area": self.area_code,
            "designation": self.designation,
        }
        return {key: value for key, value in args.items() if value}

    def query_args(self, page: int = 1) -> dict:
        """The query string of this search on ``page`` (for pagination links)."""
        args: dict = self.args()
        if page > 1:
            args["page"] = page
        return args


def area_prefecture(user: User, search_prefecture: str = "") -> str | None:
    """The prefecture whose secondary areas the user may filter by."""
    if nationwide(user):
        return search_prefecture or None
    return user.home_prefecture_code


def area_choices(user: User, search_prefecture: str = "") -> list[SecondaryArea]:
    prefecture_code = area_prefecture(user, search_prefecture)
    if not prefecture_code:
        return []
    return list(session.scalars(
        sa.select(SecondaryArea)
        .where(SecondaryArea.prefecture_code == prefecture_code)
        .order_by(SecondaryArea.code)
    ))


def prefecture_choices(user: User) -> list[Prefecture]:
    if not nationwide(user):
        return []
    return list(session.scalars(sa.select(Prefecture).order_by(Prefecture.code)))


def text_condition(term: str) -> sa.ColumnElement[bool]:
    kana = to_katakana(term)
    return sa.or_(
        Facility.name.icontains(term, autoescape=True),
        Facility.name_kana.icontains(kana, autoescape=True),
        Facility.code.startswith(term.replace("-", ""), autoescape=True),
        Facility.address.icontains(term, autoescape=True),
    )


def search_facilities(user: User, search: Search) -> Page:
    """One page of the facilities in the user's scope matching ``search``."""
    query = access.facilities(user)
    for term in search.text.split():
        query = query.where(text_condition(term))
    if search.facility_type:
        query = query.where(Facility.facility_type == search.facility_type)
    if search.prefecture_code:
        query = query.where(Facility.prefecture_code == search.prefecture_code)
    if search.area_code:
        query = query.where(Facility.secondary_area_id.in_(
            sa.select(SecondaryArea.id).where(SecondaryArea.code == search.area_code)
        ))
    if search.designation:
        query = query.where(Facility.id.in_(
            sa.select(FacilityDesignation.facility_id)
            .where(FacilityDesignation.designation == search.designation)
        ))
    return Page.of(
        query.options(joinedload(Facility.prefecture), joinedload(Facility.secondary_area))
        .order_by(Facility.prefecture_code, Facility.name_kana, Facility.name, Facility.id),
        search.page,
        PAGE_SIZE,
    )


def facility_query(user: User, facility_id: int) -> sa.Select:
    """Facility ``facility_id`` among those ``user`` may see, with what its pages show (the
    blueprint runs it through the access policy, which answers 404 and notes a look outside
    the user's scope)."""
    return (
        access.facilities(user)
        .where(Facility.id == facility_id)
        .options(
            joinedload(Facility.prefecture),
            joinedload(Facility.secondary_area),
            joinedload(Facility.city),
            selectinload(Facility.designations),
        )
    )


def aggregators_of(facility: Facility) -> list[Aggregator]:
    return list(session.scalars(
        sa.select(Aggregator)
        .join(aggregator_members, aggregator_members.c.aggregator_id == Aggregator.id)
        .where(aggregator_members.c.facility_id == facility.id)
        .order_by(Aggregator.name)
    ))


def areas_of_prefecture(prefecture_code: str) -> list[SecondaryArea]:
    return list(session.scalars(
        sa.select(SecondaryArea)
        .where(SecondaryArea.prefecture_code == prefecture_code)
        .order_by(SecondaryArea.code)
    ))


# --- editing -------------------------------------------------------------------------------

class EditConflict(Refused):
    """Somebody else saved the facility after the form was shown: a conflict, which carries
    more than its message. The edit page shows the facility as it is now and what differs
    from what was typed, so that the user can review and save again."""

    def __init__(self, facility: Facility, differences: list[tuple[str, str, str]]):
        super().__init__(
            "この画面を開いた後に、ほかの方がこの医療機関の情報を更新しました。"
            "入力内容はまだ保存されていません。現在の登録内容を確認し、"
            "必要であればもう一度「保存する」を押してください。", Kind.CONFLICT)
        self.facility = facility
        #: (field label, value now stored, value the user typed) for each field that differs.
        self.differences = differences


FIELD_LABELS = {
    "name": "名称", "name_kana": "名称カナ", "postal_code": "郵便番号", "address": "住所",
    "phone": "電話番号", "email": "メールアドレス", "beds": "病床数",
    "secondary_area_id": "二次医療圏", "designations": "指定", "latitude": "緯度",
    "longitude": "経度", "insurance_code": "保険医療機関コード",
}


def _current_values(facility: Facility) -> dict:
    values = {name: getattr(facility, name) for name in FIELD_LABELS if name != "designations"}
    values["designations"] = sorted(facility.designation_keys)
    return values


def _parse_stamp(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value or "")
    except ValueError:
        return None


def _display(name: str, value, areas: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "(空欄)"
    if name == "secondary_area_id":
        return areas.get(value, str(value))
    if name == "designations":
        return "、".join(DESIGNATIONS.get(key, key) for key in value)
    return str(value)


def update_facility(facility: Facility, values: dict, shown_stamp: str | None) -> dict:
    """Store the edited master fields; returns the changes as ``{field: [old, new]}``.

    ``shown_stamp`` is the facility's ``updated_at`` when the form was shown. The row is
    written only if it still carries that stamp (checked in the UPDATE itself, so two
    simultaneous saves cannot both pass); otherwise ``EditConflict`` is raised and nothing
    is written.
    """
    current = _current_values(facility)
    changes = {name: [current[name], value] for name, value in values.items()
               if current[name] != value}
    if not changes:
        # The form matches what is stored, so there is nothing anybody's save could lose.
        return {}
    expected = _parse_stamp(shown_stamp)
    stamp = utcnow()
    claimed = expected is not None and session.execute(
        sa.update(Facility)
        .where(Facility.id == facility.id, Facility.updated_at == expected)
        .values(updated_at=stamp)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not claimed:
        session.expire(facility)
        now = _current_values(facility)
        areas = {a.id: a.name for a in areas_of_prefecture(facility.prefecture_code)}
        differences = [
            (FIELD_LABELS[name], _display(name, now[name], areas), _display(name, value, areas))
            for name, value in values.items() if now[name] != value
        ]
        raise EditConflict(facility, differences)
    for name, (_old, new) in changes.items():
        if name == "designations":
            kept = {d.designation: d for d in facility.designations}
            facility.designations = [kept.get(key) or FacilityDesignation(designation=key)
                                     for key in new]
        else:
            setattr(facility, name, new)
    facility.updated_at = stamp
    session.flush()
    audit.record("facility.updated", facility, changes=changes)
    return changes
