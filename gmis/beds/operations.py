"""地域病床見える化: each hospital's latest hospital-daily figures, for prefectures, cities,
fire departments and the national office, within their scope.

The figures come from ``latest_responses`` (one row per hospital), so a whole prefecture,
or all ~8,000 hospitals of the country, is one indexed join: filtered, sorted and counted by
the database, and paged.

Nothing here knows it is served over HTTP: what cannot be shown is raised as
``gmis.refusals.Refused``, which the app's error handler answers (a bed survey not imported
or a hospital out of scope: not found; another prefecture asked for: forbidden, and noted in
the audit log); the stale-days setting is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from gmis import access, audit
from gmis.beds.contract import (
    ACCEPTABLE_BEDS,
    CONTRACT,
    EMERGENCY_STATUS,
    INPATIENT_STATUS,
    INPATIENTS,
    SURVEY_KEY,
    VACANT_BEDS,
)
from gmis.db import session, utcnow
from gmis.facilities.operations import text_condition
from gmis.models import (
    Facility,
    FacilityType,
    Prefecture,
    SecondaryArea,
    Survey,
    SurveyResponse,
    SurveyVersion,
    User,
)
from gmis.refusals import Refused, forbidden, not_found
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.export import AnswerColumns
from gmis.surveys.engine.fields import BUILTIN_TYPES
from gmis.surveys.store import latest
from gmis.surveys.store.versions import version_in_force

#: The figures of the table: (sort key, field key of the hospital daily survey, heading);
#: the keys are those of the bed view's contract.
FIGURES = (
    ("vacant", VACANT_BEDS.key, "空床数"),
    ("acceptable", ACCEPTABLE_BEDS.key, "コロナ受入可能数"),
    ("inpatients", INPATIENTS.key, "コロナ入院中"),
)
#: Service statuses shown as the acceptance status: (field key, heading).
SERVICES = ((INPATIENT_STATUS.key, "入院"), (EMERGENCY_STATUS.key, "救急"))
SERVICE_LABELS = {"normal": "通常", "limited": "制限あり", "suspended": "停止"}
SEARCH_MAX = 100


#: What a user who may see only their own prefecture's beds is told when asking for another's.
OUT_OF_SCOPE = "ほかの都道府県の病床情報は表示できません。"


def bed_survey() -> Survey:
    """The hospital daily survey the figures come from; refused as not found when it has not
    been imported (there is no bed view to show)."""
    survey = session.scalars(sa.select(Survey).where(Survey.key == SURVEY_KEY)).first()
    if survey is None:
        raise not_found()
    return survey


#: The field types the contract names, by name: each tells how its value reads in SQL.
_TYPES = {field_type.name: field_type for field_type in BUILTIN_TYPES}
_NEEDS = {need.key: need for need in CONTRACT.fields}


def _answer(key: str):
    """The latest answer to ``key`` as the database reads it, by the type the contract
    accepts for it."""
    return latest.stored_answer(key, _TYPES[_NEEDS[key].types[0]])


@dataclass
class BedFilter:
    """The hospitals of the bed view (a ``gmis.filters.ListFilter``): by prefecture,
    secondary area and text, and the column they are sorted by."""

    prefecture_code: str = ""
    area_code: str = ""
    text: str = ""
    sort: str = "area"
    descending: bool = False
    #: What could not be used, in Japanese (an empty result, never an error page).
    notice: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> BedFilter:
        """The filters of the query string. Another prefecture than one's own is refused
        (``out_of_scope``) for everybody but national users."""
        code = (args.get("pref") or "").strip()
        if code and not access.nationwide(user) and code != user.home_prefecture_code:
            raise out_of_scope(user, code)
        found = cls(prefecture_code=code if len(code) == 2 and code.isdigit() else "",
                    area_code=(args.get("area") or "").strip(),
                    text=(args.get("q") or "").strip()[:SEARCH_MAX])
        sort = args.get("sort") or "area"
        if sort.lstrip("-") in SORT_KEYS:
            found.sort, found.descending = sort.lstrip("-"), sort.startswith("-")
        else:
            found.notice = "並べ替えの指定が正しくないため、二次医療圏順に表示しています。"
        if not found.area_code.isdigit():
            found.area_code = ""
        return found

    def args(self) -> dict[str, str]:
        sort = f"-{self.sort}" if self.descending else self.sort
        args = {"pref": self.prefecture_code, "area": self.area_code, "q": self.text,
                "sort": "" if sort == "area" else sort}
        return {key: value for key, value in args.items() if value}

    def sort_arg(self, key: str) -> str:
        """The sort argument of a column heading: its key, or the reverse when sorted by it."""
        return f"-{key}" if self.sort == key and not self.descending else key


SORT_KEYS = {"area", "name", "reported", *(key for key, _, _ in FIGURES)}


def _sort_column(key: str):
    if key == "area":
        return SecondaryArea.code
    if key == "name":
        return Facility.name_kana
    if key == "reported":
        return SurveyResponse.submitted_at
    return next(_answer(field) for sort, field, _ in FIGURES if sort == key)


def stale_before(stale_days: int, now: datetime | None = None) -> date:
    """The first day whose figures are still current: a day's figures describe that day
    (0:00, Japan time), so those of an earlier day than this are marked as old whenever
    they were sent (``stale_days`` is GMIS_BED_STALE_DAYS: 1 keeps today's and
    yesterday's)."""
    return periods.today(now or utcnow()) - timedelta(days=stale_days)


def base_query(user: User, survey: Survey, filters: BedFilter) -> sa.Select:
    """Every hospital in scope with its latest figures (none when it has not reported)."""
    query = (
        sa.select(Facility.id, Facility.name, Facility.code, Facility.phone,
                  Prefecture.name.label("prefecture"), SecondaryArea.name.label("area"),
                  SecondaryArea.code.label("area_code"), SurveyResponse.id.label("response_id"),
                  SurveyResponse.version_id, SurveyResponse.answers,
                  SurveyResponse.submitted_at, SurveyResponse.period_start,
                  *[_answer(field).label(key) for key, field, _ in FIGURES],
                  *[_answer(field).label(field) for field, _ in SERVICES])
        .select_from(Facility)
        .join(Prefecture, Prefecture.code == Facility.prefecture_code)
        .outerjoin(SecondaryArea, SecondaryArea.id == Facility.secondary_area_id))
    query = latest.outerjoin_latest(query, survey).where(
        access.facility_scope(user), Facility.facility_type == FacilityType.hospital,
        Facility.is_active.is_(True))
    if filters.prefecture_code:
        query = query.where(Facility.prefecture_code == filters.prefecture_code)
    if filters.area_code:
        query = query.where(SecondaryArea.code == filters.area_code)
    if filters.text:
        query = query.where(text_condition(filters.text))
    return query


def table_query(user: User, survey: Survey, filters: BedFilter) -> sa.Select:
    column = _sort_column(filters.sort)
    order = column.desc().nulls_last() if filters.descending else column.asc().nulls_last()
    return base_query(user, survey, filters).order_by(order, SecondaryArea.code,
                                                      Facility.name_kana, Facility.id)


@dataclass
class AreaSummary:
    area: str
    hospitals: int
    reported: int
    stale: int
    figures: dict[str, int]


def area_summary(user: User, survey: Survey, filters: BedFilter, stale_days: int
                 ) -> list[AreaSummary]:
    """Per secondary area (per prefecture, nationwide): hospitals, how many reported
    recently (within ``stale_days``, see ``stale_before``), and the sums of the figures,
    over the filtered hospitals."""
    rows = base_query(user, survey, filters).subquery()
    nationwide = access.nationwide(user) and not filters.prefecture_code
    place = rows.c.prefecture if nationwide else sa.func.coalesce(rows.c.area, "二次医療圏なし")
    order = sa.func.min(rows.c.area_code) if not nationwide else sa.func.min(rows.c.prefecture)
    fresh = rows.c.period_start >= stale_before(stale_days)
    result = session.execute(
        sa.select(place, sa.func.count(), sa.func.count(rows.c.response_id),
                  sa.func.sum(sa.case((sa.and_(rows.c.response_id.is_not(None),
                                               sa.not_(fresh)), 1), else_=0)),
                  *[sa.func.coalesce(sa.func.sum(rows.c[key]), 0) for key, _, _ in FIGURES])
        .group_by(place).order_by(order)).all()
    return [AreaSummary(row[0], row[1], row[2], row[3] or 0,
                        {key: row[4 + i] for i, (key, _, _) in enumerate(FIGURES)})
            for row in result]


def out_of_scope(user: User, prefecture_code: str) -> Refused:
    """The refusal of another prefecture's beds to ``user``, once the attempt is recorded in
    the audit log (committed here: a refused request commits nothing after it)."""
    audit.record("beds.refused", user=user, prefecture=prefecture_code)
    session.commit()
    return forbidden(OUT_OF_SCOPE)


def hospital_in_scope(user: User, facility_id: int) -> Facility:
    """The hospital ``facility_id`` if ``user`` may see it; refused as not found otherwise:
    another prefecture's hospital looks exactly like one that does not exist."""
    facility = session.scalars(access.facilities(user).where(
        Facility.id == facility_id, Facility.facility_type == FacilityType.hospital)).first()
    if facility is None:
        exists = session.get(Facility, facility_id)
        if exists is not None:  # someone else's hospital, not a typo: noted
            audit.record("beds.refused", user=user, facility=facility_id)
            session.commit()
        raise not_found()
    return facility


def recent_responses(survey: Survey, facility: Facility, days: int = 7) -> list[SurveyResponse]:
    """The hospital's reports of the last ``days`` days, newest first (trend on the detail)."""
    newest = latest.response_of(survey, facility)
    if newest is None:
        return []
    return list(session.scalars(
        sa.select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id,
               SurveyResponse.facility_id == facility.id,
               SurveyResponse.period_start > newest.period_start - timedelta(days=days),
               SurveyResponse.submitted_at.is_not(None))
        .order_by(SurveyResponse.period_start.desc())))


def answer_columns(survey: Survey, version_ids: set[int], prefecture_code: str | None
                   ) -> AnswerColumns:
    """The full-item columns: the version in force (in the prefecture shown) first, then
    what older versions of the listed responses had."""
    in_force = version_in_force(survey, prefecture_code, periods.today(utcnow()))
    ids = set(version_ids) | ({in_force.id} if in_force else set())
    versions = session.scalars(sa.select(SurveyVersion).where(SurveyVersion.id.in_(ids))
                               .order_by(SurveyVersion.number.desc())).all() if ids else []
    return AnswerColumns({v.id: runtime.compiled(v) for v in versions})


def version_ids(query: sa.Select) -> set[int]:
    """The versions the responses of a bed query were answered with."""
    found = query.order_by(None).subquery()
    return set(session.scalars(sa.select(found.c.version_id).distinct()
                               .where(found.c.version_id.is_not(None))))
