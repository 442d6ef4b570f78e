"""The response list as CSV: the columns every export starts with, then the answers, each
response in the columns of the version it was answered with."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from gmis.csv_export import Export
from gmis.db import session
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
from gmis.reports.operations import ResponseFilter, responses
from gmis.surveys import runtime
from gmis.surveys.engine.export import AnswerColumns

#: The columns every export starts with, before the answers of the versions answered.
RESPONSE_COLUMNS = ("対象期間", "都道府県", "二次医療圏", "回答者", "医療機関コード", "種別",
                    "状態", "提出日時", "期限後", "最終更新日時", "最終更新者", "代理回答", "版")


def response_export(user: User, survey: Survey, filters: ResponseFilter) -> Export:
    """The export of the responses the list shows, each in the columns of its own version."""
    listed = responses(user, survey, filters)
    version_ids = set(session.scalars(
        listed.with_only_columns(SurveyResponse.version_id).distinct().order_by(None)))
    answered = session.scalars(sa.select(SurveyVersion).where(
        SurveyVersion.id.in_(version_ids)).order_by(SurveyVersion.number.desc())).all()
    columns = AnswerColumns({v.id: runtime.compiled(v) for v in answered})
    statement = (
        listed.with_only_columns(
            SurveyResponse.period_key, Prefecture.name.label("prefecture"),
            SecondaryArea.name.label("area"), Facility.name.label("facility"),
            City.name.label("city"), Facility.code.label("code"), Facility.facility_type,
            SurveyResponse.status, SurveyResponse.submitted_at, SurveyResponse.late,
            SurveyResponse.updated_at,
            User.name.label("updated_by"), SurveyResponse.answered_on_behalf.label("on_behalf"),
            SurveyResponse.version_id, SurveyResponse.answers)
        .select_from(SurveyResponse)
        .join(Prefecture, Prefecture.code == SurveyResponse.prefecture_code)
        .outerjoin(Facility, Facility.id == SurveyResponse.facility_id)
        .outerjoin(SecondaryArea, SecondaryArea.id == Facility.secondary_area_id)
        .outerjoin(City, City.id == SurveyResponse.city_id)
        .outerjoin(User, User.id == SurveyResponse.updated_by_id))
    span = (f"{filters.start:%Y%m%d}" if filters.start == filters.end
            else f"{filters.start:%Y%m%d}-{filters.end:%Y%m%d}")
    return Export(f"{survey.title}_{span}.csv", [*RESPONSE_COLUMNS, *columns.header],
                  _rows(statement, columns, {v.id: v.number for v in answered}))


def _rows(statement: sa.Select, columns: AnswerColumns, version_numbers: dict[int, int]
          ) -> Iterator[list]:
    """The rows, read in batches while the file is sent (constant memory)."""
    result = session.execute(statement.execution_options(yield_per=1000))
    for row in result:
        yield [row.period_key, row.prefecture, row.area or "",
               row.facility or row.city or row.prefecture, row.code or "",
               row.facility_type.label if row.facility_type else "",
               ResponseStatus(row.status).label, to_tokyo(row.submitted_at),
               "○" if row.late else "", to_tokyo(row.updated_at), row.updated_by or "",
               "代理回答" if row.on_behalf else "", version_numbers[row.version_id],
               *columns.cells(row.version_id, row.answers)]
