"""回答状況・回答一覧: for prefectures, cities and the national office, who in their scope has
answered a survey for a period (counted by area and facility type, with the contacts of
those who have not), and the responses of a date range.

Every query starts from ``access``: the facilities and responses a user may see. Nothing
here knows it is served over HTTP: a survey that does not exist is refused as not found
(``gmis.refusals``), a filter that cannot be used as a ``FilterError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from gmis import access
from gmis.access import nationwide
from gmis.db import session, utcnow
from gmis.filters import FilterError, parse_day
from gmis.models import (
    ANSWERED_STATUSES,
    City,
    Facility,
    FacilityType,
    Prefecture,
    ResponseStatus,
    SecondaryArea,
    Survey,
    SurveyResponse,
    SurveyVersion,
    User,
)
from gmis.refusals import not_found
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.store import eligibility
from gmis.surveys.store.versions import version_in_force

#: The longest range of a list or an export, in days: a year of daily answers.
MAX_RANGE_DAYS = 366


@dataclass
class Overseen:
    """A survey as one reviewer oversees it for one period."""

    survey: Survey
    version: SurveyVersion
    compiled: CompiledSurvey
    period: periods.Period

    @property
    def asks_facilities(self) -> bool:
        return "facility" in self.compiled.definition.respondents.roles


def overseen(user: User, survey_key: str, day: date) -> Overseen:
    """The survey ``survey_key`` as ``user`` oversees it on ``day``. A survey that does not
    exist is no page at all (not found); a day without a version in force is the date typed
    in the form, refused as a ``FilterError``."""
    survey = session.scalars(sa.select(Survey).where(Survey.key == survey_key)).first()
    if survey is None:
        raise not_found()
    version = version_in_force(survey, user.home_prefecture_code, day)
    if version is None:
        raise FilterError(f"{day:%Y/%m/%d}に実施中の版がありません。日付を変えてください。")
    compiled = runtime.compiled(version)
    return Overseen(survey, version, compiled, periods.period_for(
        compiled.definition.period.kind, day))


def overseen_surveys(user: User) -> list[tuple[Survey, CompiledSurvey]]:
    """Every survey with a version in force today, as the user's prefecture has it."""
    today = periods.today(utcnow())
    found = []
    for survey in session.scalars(sa.select(Survey).order_by(Survey.title, Survey.id)):
        version = version_in_force(survey, user.home_prefecture_code, today)
        if version is not None:
            found.append((survey, runtime.compiled(version)))
    return found


# --- answer status ---------------------------------------------------------------------------

@dataclass
class Tally:
    """How many of one group of facilities have answered, and how many of those answered
    after the deadline (期限後)."""

    key: str
    label: str
    answered: int = 0
    late: int = 0
    draft: int = 0
    returned: int = 0
    unanswered: int = 0

    @property
    def total(self) -> int:
        return self.answered + self.draft + self.returned + self.unanswered

    @property
    def not_answered(self) -> int:
        return self.total - self.answered

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    def add(self, status: ResponseStatus | None, count: int, late: int = 0) -> None:
        if status in ANSWERED_STATUSES:
            self.answered += count
            self.late += late
        elif status == ResponseStatus.draft:
            self.draft += count
        elif status == ResponseStatus.returned:
            self.returned += count
        else:
            self.unanswered += count


@dataclass
class StatusFilter:
    """The facilities counted (a ``ListFilter``): by prefecture (nationwide users), secondary
    area and type."""

    prefecture_code: str = ""
    area_code: str = ""
    facility_type: FacilityType | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> StatusFilter:
        """Filters from query arguments; unknown values mean "all", outside the user's
        scope the query finds nothing."""
        code = args.get("pref", "") if nationwide(user) else ""
        area = args.get("area", "")
        kind = args.get("type", "")
        return cls(
            prefecture_code=code if len(code) == 2 and code.isdigit() else "",
            area_code=area if area.isdigit() else "",
            facility_type=FacilityType(kind) if kind in FacilityType.__members__ else None,
        )

    def args(self) -> dict[str, str]:
        args = {"pref": self.prefecture_code, "area": self.area_code,
                "type": self.facility_type.value if self.facility_type else ""}
        return {key: value for key, value in args.items() if value}

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        clauses = [Facility.prefecture_code == self.prefecture_code] \
            if self.prefecture_code else []
        return clauses + self.area_and_type()

    def area_and_type(self) -> list[sa.ColumnElement[bool]]:
        clauses = []
        if self.area_code:
            clauses.append(Facility.secondary_area_id.in_(
                sa.select(SecondaryArea.id).where(SecondaryArea.code == self.area_code)))
        if self.facility_type is not None:
            clauses.append(Facility.facility_type == self.facility_type)
        return clauses


def _response_of_facility(target: Overseen):
    # Periods of one kind never share a start, so the (indexed) start names the period; the
    # key as well would make the planner expect far fewer rows than there are.
    return sa.and_(SurveyResponse.survey_id == target.survey.id,
                   SurveyResponse.period_start == target.period.start,
                   SurveyResponse.facility_id == Facility.id)


def _asked(user: User, target: Overseen, filters: StatusFilter) -> list:
    return [access.facility_scope(user), eligibility.asked_facilities(target.compiled.definition),
            *filters.clauses()]


@dataclass
class AnswerStatus:
    total: Tally
    #: By prefecture for a nationwide view, by secondary area within one prefecture.
    by_place: list[Tally] = field(default_factory=list)
    by_type: list[Tally] = field(default_factory=list)
    place_kind: str = "area"


def answer_status(user: User, target: Overseen, filters: StatusFilter) -> AnswerStatus:
    """One GROUP BY over the facilities asked: a few thousand rows per prefecture, and about
    48,000 nationwide, are counted by the database rather than loaded. Late answers are
    counted in the same pass (a NULL for every response in time, and for no response)."""
    by_prefecture = nationwide(user) and not filters.prefecture_code
    place = Facility.prefecture_code if by_prefecture else Facility.secondary_area_id
    late = sa.func.count(sa.case((SurveyResponse.late, 1)))
    rows = session.execute(
        sa.select(place, Facility.facility_type, SurveyResponse.status, sa.func.count(), late)
        .select_from(Facility)
        .outerjoin(SurveyResponse, _response_of_facility(target))
        .where(*_asked(user, target, filters))
        .group_by(place, Facility.facility_type, SurveyResponse.status)
    ).all()
    if by_prefecture:
        names = dict(session.execute(sa.select(Prefecture.code, Prefecture.name)).all())
    else:
        ids = {row[0] for row in rows if row[0] is not None}
        names = dict(session.execute(sa.select(SecondaryArea.id, SecondaryArea.name)
                                     .where(SecondaryArea.id.in_(ids))).all()) if ids else {}
    total = Tally("", "合計")
    places: dict = {}
    types: dict = {}
    for place_key, kind, status, count, late_count in rows:
        total.add(status, count, late_count)
        label = names.get(place_key, "二次医療圏の登録なし")
        places.setdefault(place_key, Tally(str(place_key or ""), label)).add(
            status, count, late_count)
        types.setdefault(kind, Tally(kind.value, kind.label)).add(status, count, late_count)
    order = list(FacilityType)
    return AnswerStatus(
        total=total,
        by_place=sorted(places.values(), key=lambda t: (t.key == "", t.key if by_prefecture
                                                        else t.label)),
        by_type=sorted(types.values(), key=lambda t: order.index(FacilityType(t.key))),
        place_kind="prefecture" if by_prefecture else "area",
    )


def not_answered(user: User, target: Overseen, filters: StatusFilter) -> sa.Select:
    """The facilities asked that have not answered, for a page of the list with contacts."""
    return (
        sa.select(Facility)
        .outerjoin(SurveyResponse, _response_of_facility(target))
        .where(*_asked(user, target, filters),
               sa.or_(SurveyResponse.id.is_(None),
                      SurveyResponse.status.not_in(ANSWERED_STATUSES)))
        # Each row shows the area and, nationwide, the prefecture: loaded with the page.
        .options(joinedload(Facility.secondary_area), joinedload(Facility.prefecture))
        .order_by(Facility.prefecture_code, Facility.secondary_area_id, Facility.name_kana,
                  Facility.id)
    )


def statuses_of(target: Overseen, facilities: list[Facility]) -> dict[int, ResponseStatus]:
    """The response status of each listed facility that has a response."""
    if not facilities:
        return {}
    return dict(session.execute(
        sa.select(SurveyResponse.facility_id, SurveyResponse.status)
        .where(SurveyResponse.survey_id == target.survey.id,
               SurveyResponse.period_key == target.period.key,
               SurveyResponse.facility_id.in_([f.id for f in facilities]))).all())


# --- responses of a date range -----------------------------------------------------------------

@dataclass
class ResponseFilter(StatusFilter):
    """The responses listed (a ``ListFilter``): the facilities' filters, the periods that
    start within a range of days (today when not given), the status and late answers."""

    start: date = date.min
    end: date = date.max
    status: ResponseStatus | None = None
    #: 期限後のみ: only responses first submitted after the deadline.
    late: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> ResponseFilter:
        base = StatusFilter.from_args(args, user)
        today = periods.today(utcnow())
        start = parse_day(args.get("from"), "開始日", today)
        end = parse_day(args.get("to"), "終了日", start)
        if end < start:
            raise FilterError("終了日は開始日以降にしてください。")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise FilterError(f"期間は{MAX_RANGE_DAYS}日以内にしてください。")
        status = args.get("status", "")
        return cls(base.prefecture_code, base.area_code, base.facility_type, start, end,
                   ResponseStatus(status) if status in ResponseStatus.__members__ else None,
                   late=args.get("late") == "1")

    def args(self) -> dict[str, str]:
        args = {**super().args(), "from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.status is not None:
            args["status"] = self.status.value
        if self.late:
            args["late"] = "1"
        return args

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        clauses = [SurveyResponse.period_start.between(self.start, self.end)]
        if self.status is not None:
            clauses.append(SurveyResponse.status == self.status)
        if self.late:
            clauses.append(SurveyResponse.late.is_(True))
        if self.prefecture_code:
            clauses.append(SurveyResponse.prefecture_code == self.prefecture_code)
        facility_clauses = self.area_and_type()
        if facility_clauses:
            clauses.append(SurveyResponse.facility_id.in_(
                sa.select(Facility.id).where(*facility_clauses)))
        return clauses


def listed_responses(user: User, survey: Survey, filters: ResponseFilter) -> sa.Select:
    """``responses`` with what each row of the list shows loaded along (one query a page)."""
    return responses(user, survey, filters).options(
        joinedload(SurveyResponse.facility).joinedload(Facility.secondary_area),
        joinedload(SurveyResponse.prefecture), joinedload(SurveyResponse.city),
        joinedload(SurveyResponse.updated_by))


def responses(user: User, survey: Survey, filters: ResponseFilter) -> sa.Select:
    """The responses to ``survey`` in the user's scope, newest period first. Drafts are
    the respondents' own until submitted: ``access`` leaves out other respondents', and the
    user's own organisation's are left out too unless asked for."""
    query = access.responses(user).where(SurveyResponse.survey_id == survey.id,
                                         *filters.clauses())
    if filters.status is None:
        query = query.where(SurveyResponse.status != ResponseStatus.draft)
    return query.order_by(SurveyResponse.period_start.desc(), SurveyResponse.prefecture_code,
                          SurveyResponse.respondent_key)


# --- prefectures' and cities' own surveys -----------------------------------------------------

@dataclass(frozen=True)
class OrganisationStatus:
    """A prefecture or city asked by a survey it answers itself, and its response."""

    key: str
    name: str
    kind: str
    response: SurveyResponse | None

    @property
    def answered(self) -> bool:
        return self.response is not None and self.response.status in ANSWERED_STATUSES


def organisation_status(user: User, target: Overseen) -> list[OrganisationStatus]:
    """Who of the prefectures and cities in the user's scope has answered the period: all
    of them nationwide, a prefecture itself and its cities, a city itself."""
    roles = target.compiled.definition.respondents.roles
    asked_prefectures = target.compiled.definition.respondents.prefectures
    found: list[tuple[str, str, str]] = []
    if "prefecture" in roles and user.city_id is None:
        query = sa.select(Prefecture).order_by(Prefecture.code)
        if not nationwide(user):
            query = query.where(Prefecture.code == user.home_prefecture_code)
        found += [(f"prefecture:{p.code}", p.name, "都道府県") for p in session.scalars(query)
                  if not asked_prefectures or p.code in asked_prefectures]
    if "city" in roles:
        query = sa.select(City).order_by(City.prefecture_code, City.code)
        if user.city_id is not None:
            query = query.where(City.id == user.city_id)
        elif not nationwide(user):
            query = query.where(City.prefecture_code == user.home_prefecture_code)
        found += [(f"city:{c.id}", c.name, "保健所設置市・特別区") for c in session.scalars(query)
                  if not asked_prefectures or c.prefecture_code in asked_prefectures]
    responses = {r.respondent_key: r for r in session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.survey_id == target.survey.id,
                                        SurveyResponse.period_key == target.period.key))}
    return [OrganisationStatus(key, name, kind, responses.get(key)) for key, name, kind in found]
