"""The latest answer of a facility to a survey, defined once: its response of the latest
period among those whose figures count as reported (``REPORTED``). ``response_of`` finds it
for one facility; for lists, ``latest_responses`` holds it for every respondent, kept up to
date as responses are submitted, so that "the latest figures" of every hospital are one
indexed join away (``outerjoin_latest``) instead of a search through a year of daily answers.

A response submitted for an earlier period (a backfilled day) never replaces a later one.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gmis.db import session
from gmis.models import (
    ANSWERED_STATUSES,
    Facility,
    LatestResponse,
    ResponseStatus,
    Survey,
    SurveyResponse,
)
from gmis.surveys.engine.fields.base import FieldType
from gmis.surveys.store.eligibility import for_facility

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


def response_of(survey: Survey, facility: Facility, *, since: date | None = None,
                answered_only: bool = False) -> SurveyResponse | None:
    """The facility's latest answer to the survey (None when it has none): the one
    ``latest_responses`` holds for it, unless narrowed.

    ``since``: of a period starting on that day or later. ``answered_only``: a response
    returned for a correction does not count (``ANSWERED_STATUSES``), so an earlier answer
    may be the latest. The system check of emergency supply requests asks for both: a
    recent answer, standing as it was given."""
    counted = ANSWERED_STATUSES if answered_only else REPORTED
    query = (sa.select(SurveyResponse)
             .where(SurveyResponse.survey_id == survey.id,
                    # By respondent, as ix_response_respondent_start is ordered.
                    SurveyResponse.respondent_key == for_facility(facility).key,
                    SurveyResponse.status.in_(counted))
             .order_by(SurveyResponse.period_start.desc(), SurveyResponse.id.desc()))
    if since is not None:
        query = query.where(SurveyResponse.period_start >= since)
    return session.scalars(query.limit(1)).first()


def outerjoin_latest(query: sa.Select, survey: Survey) -> sa.Select:
    """``query``, over facilities, with each ``Facility``'s latest answer to the survey as
    ``SurveyResponse`` (its columns NULL when it has none): ``response_of`` for all of them
    at once, read from ``latest_responses``."""
    return (query
            .outerjoin(LatestResponse, sa.and_(LatestResponse.survey_id == survey.id,
                                               LatestResponse.facility_id == Facility.id))
            .outerjoin(SurveyResponse, SurveyResponse.id == LatestResponse.response_id))


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
