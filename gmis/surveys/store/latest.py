"""Each respondent's latest submitted response to each survey (``latest_responses``), kept
up to date as responses are submitted, so that "the latest figures" of every hospital are
one indexed join away instead of a search through a year of daily answers.

A response submitted for an earlier period (a backfilled day) never replaces a later one.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gmis.db import session
from gmis.models import ANSWERED_STATUSES, LatestResponse, ResponseStatus, SurveyResponse
from gmis.surveys.engine.fields.base import FieldType

#: The statuses of a response whose figures count as reported: answered, or returned for
#: a correction (its figures stand until corrected).
REPORTED = (*ANSWERED_STATUSES, ResponseStatus.returned)

#: The JSON accessor of each ``FieldType.stored_as``.
_READERS = {"integer": lambda value: value.as_integer(),
            "string": lambda value: value.as_string()}


def stored_answer(key: str, field_type: type[FieldType]) -> sa.ColumnElement:
    """The answer to field ``key`` of a response as an SQL value, read the way its type
    stores it (``FieldType.stored_as``): for sums, sorts and filters over many responses."""
    reader = _READERS.get(field_type.stored_as)
    if reader is None:
        raise ValueError(f"{field_type.name} の値はSQLで読めません。")
    return reader(SurveyResponse.answers[key])


def record_submitted(response: SurveyResponse) -> None:
    """Make ``response`` its respondent's latest, unless one of a later period is."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(LatestResponse).values(
        survey_id=response.survey_id, respondent_key=response.respondent_key,
        facility_id=response.facility_id, response_id=response.id,
        period_start=response.period_start)
    session.execute(statement.on_conflict_do_update(
        index_elements=[LatestResponse.survey_id, LatestResponse.respondent_key],
        set_={"response_id": statement.excluded.response_id,
              "period_start": statement.excluded.period_start,
              "facility_id": statement.excluded.facility_id},
        where=LatestResponse.period_start <= statement.excluded.period_start))


def rebuild(survey_id: int) -> int:
    """Recompute the survey's latest responses from all its responses (after a bulk load
    that bypassed ``record_submitted``); how many respondents have one."""
    session.execute(sa.delete(LatestResponse).where(LatestResponse.survey_id == survey_id))
    ranked = (sa.select(SurveyResponse.survey_id, SurveyResponse.respondent_key,
                        SurveyResponse.facility_id, SurveyResponse.id.label("response_id"),
                        SurveyResponse.period_start,
                        sa.func.row_number().over(
                            partition_by=SurveyResponse.respondent_key,
                            order_by=(SurveyResponse.period_start.desc(),
                                      SurveyResponse.id.desc())).label("rank"))
              .where(SurveyResponse.survey_id == survey_id,
                     SurveyResponse.status.in_(REPORTED))
              .subquery())
    session.execute(sa.insert(LatestResponse).from_select(
        ["survey_id", "respondent_key", "facility_id", "response_id", "period_start"],
        sa.select(ranked.c.survey_id, ranked.c.respondent_key, ranked.c.facility_id,
                  ranked.c.response_id, ranked.c.period_start).where(ranked.c.rank == 1)))
    return session.scalar(sa.select(sa.func.count()).select_from(LatestResponse)
                          .where(LatestResponse.survey_id == survey_id))
