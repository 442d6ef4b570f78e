"""受理済み報告のCSV: a prefecture's accepted function reports, one row per facility (the
report published now, or, for a fiscal year, the last one accepted in it), each in the
answer columns of the version it was answered with (``engine.export.AnswerColumns``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from gmis import access
from gmis.csv_export import Export
from gmis.db import session
from gmis.filters import FilterError
from gmis.japan_time import to_tokyo
from gmis.models import (
    City,
    Facility,
    Prefecture,
    ResponseStatus,
    SecondaryArea,
    Survey,
    SurveyResponse,
    SurveyVersion,
    User,
)
from gmis.surveys import runtime
from gmis.surveys.engine.export import AnswerColumns
from gmis.surveys.engine.periods import fiscal_year_label, report_period
from gmis.surveys.engine.reports import parse_report_key
from gmis.surveys.reviewing import japan_day_start, report_surveys, reports

#: The columns before the answers.
ACCEPTED_COLUMNS = ("医療機関コード", "名称", "種別", "都道府県", "二次医療圏",
                    "保健所設置市・特別区", "報告の種類", "報告", "提出日時", "受理日時", "版")
FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 2000, 2100


@dataclass
class AcceptedFilter:
    """The accepted reports exported (a ``gmis.filters.ListFilter``): one survey (the
    first report survey when none is named), optionally a fiscal year and, nationwide, a
    prefecture."""

    survey: Survey
    fiscal_year: int | None = None
    prefecture_code: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], user: User) -> AcceptedFilter:
        problems = []
        surveys = {s.key: s for s in report_surveys()}
        key = args.get("survey", "")
        survey = surveys.get(key) if key else next(iter(surveys.values()), None)
        if survey is None:
            problems.append("報告の調査を一覧から選んでください。" if key
                            else "報告の調査がまだありません。")
        text = (args.get("fy") or "").strip()
        fiscal_year = None
        if text:
            if not (text.isdigit() and FIRST_FISCAL_YEAR <= int(text) <= LAST_FISCAL_YEAR):
                problems.append("年度は西暦4桁(例: 2026)で入力してください。")
            else:
                fiscal_year = int(text)
        code = args.get("pref", "") if access.nationwide(user) else ""
        if code and not (len(code) == 2 and code.isdigit()):
            problems.append("都道府県は一覧から選んでください。")
        if problems:
            raise FilterError(*problems)
        return cls(survey, fiscal_year, code)

    def args(self) -> dict[str, str]:
        args = {"survey": self.survey.key,
                "fy": str(self.fiscal_year) if self.fiscal_year else "",
                "pref": self.prefecture_code}
        return {key: value for key, value in args.items() if value}

    def window(self, column) -> list[sa.ColumnElement[bool]]:
        """Accepted within the fiscal year (1 April to 31 March, Japan time)."""
        if self.fiscal_year is None:
            return []
        return [column >= japan_day_start(date(self.fiscal_year, 4, 1)),
                column < japan_day_start(date(self.fiscal_year + 1, 4, 1))]


def accepted_reports(user: User, filters: AcceptedFilter) -> sa.Select:
    """The latest accepted report of each facility in the user's scope (within the fiscal
    year when one is asked for)."""
    later = aliased(SurveyResponse)
    newer = sa.exists().where(
        later.survey_id == SurveyResponse.survey_id,
        later.respondent_key == SurveyResponse.respondent_key,
        later.status == ResponseStatus.accepted,
        sa.or_(later.accepted_at > SurveyResponse.accepted_at,
               sa.and_(later.accepted_at == SurveyResponse.accepted_at,
                       later.id > SurveyResponse.id)),
        *filters.window(later.accepted_at))
    query = reports(user).where(SurveyResponse.survey_id == filters.survey.id,
                                SurveyResponse.status == ResponseStatus.accepted,
                                SurveyResponse.accepted_at.is_not(None), ~newer,
                                *filters.window(SurveyResponse.accepted_at))
    if filters.prefecture_code:
        query = query.where(SurveyResponse.prefecture_code == filters.prefecture_code)
    return query


def accepted_export(user: User, filters: AcceptedFilter) -> Export:
    listed = accepted_reports(user, filters)
    version_ids = set(session.scalars(
        listed.with_only_columns(SurveyResponse.version_id).distinct().order_by(None)))
    answered = session.scalars(sa.select(SurveyVersion).where(
        SurveyVersion.id.in_(version_ids)).order_by(SurveyVersion.number.desc())).all()
    columns = AnswerColumns({v.id: runtime.compiled(v) for v in answered})
    statement = (
        listed.with_only_columns(
            Facility.code, Facility.name, Facility.facility_type,
            Prefecture.name.label("prefecture"), SecondaryArea.name.label("area"),
            City.name.label("city"), SurveyResponse.period_key, SurveyResponse.submitted_at,
            SurveyResponse.accepted_at, SurveyResponse.version_id, SurveyResponse.answers)
        .select_from(SurveyResponse)
        .join(Prefecture, Prefecture.code == SurveyResponse.prefecture_code)
        .outerjoin(Facility, Facility.id == SurveyResponse.facility_id)
        .outerjoin(SecondaryArea, SecondaryArea.id == Facility.secondary_area_id)
        .outerjoin(City, City.id == Facility.city_id)
        .order_by(SurveyResponse.prefecture_code, Facility.code, SurveyResponse.id))
    span = fiscal_year_label(filters.fiscal_year) if filters.fiscal_year else "公表中"
    return Export(f"{filters.survey.title}_受理済み_{span}.csv",
                  [*ACCEPTED_COLUMNS, *columns.header],
                  _rows(statement, columns, {v.id: v.number for v in answered}))


def _rows(statement: sa.Select, columns: AnswerColumns, version_numbers: dict[int, int]
          ) -> Iterator[list]:
    """The rows, read in batches while the file is sent (constant memory)."""
    for row in session.execute(statement.execution_options(yield_per=1000)):
        period = report_period(row.period_key)
        yield [row.code or "", row.name or "", row.facility_type.label if row.facility_type
               else "", row.prefecture, row.area or "", row.city or "",
               _kind(row.period_key), period.label if period else row.period_key,
               to_tokyo(row.submitted_at), to_tokyo(row.accepted_at),
               version_numbers[row.version_id], *columns.cells(row.version_id, row.answers)]


def _kind(period_key: str) -> str:
    key = parse_report_key(period_key)
    return key.kind.label if key else ""
