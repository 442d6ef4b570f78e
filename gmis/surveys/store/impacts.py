"""The impact report of a version against the one it replaces (``engine.impact``), with what
only the database knows: the prefectures' extensions that read the survey's fields, and the
answers given to the replaced version in its last period, checked against the new one."""

from __future__ import annotations

import sqlalchemy as sa

from gmis.db import session
from gmis.models import ANSWERED_STATUSES, SurveyResponse, SurveyVersion, VersionStatus
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.definition import SurveyDefinition, load_definition
from gmis.surveys.engine.diff import DefinitionDiff
from gmis.surveys.engine.impact import ImpactReport, classify, readers, refusals, with_counts

#: Answers of the last period checked against the new version: enough to tell whether a
#: narrower range refuses many, few enough for the version page to stay quick.
CHECKED_AT_MOST = 500


def extensions_of(version: SurveyVersion) -> dict[str, SurveyDefinition]:
    """For a national version: each prefecture's newest version of the same survey, by
    prefecture name (a prefecture's own version has none)."""
    if version.prefecture_code is not None:
        return {}
    newest = (sa.select(SurveyVersion.prefecture_code, sa.func.max(SurveyVersion.number)
                        .label("number"))
              .where(SurveyVersion.survey_id == version.survey_id,
                     SurveyVersion.prefecture_code.is_not(None),
                     SurveyVersion.status == VersionStatus.published)
              .group_by(SurveyVersion.prefecture_code).subquery())
    found = session.scalars(
        sa.select(SurveyVersion).join(newest, sa.and_(
            SurveyVersion.prefecture_code == newest.c.prefecture_code,
            SurveyVersion.number == newest.c.number))
        .where(SurveyVersion.survey_id == version.survey_id))
    return {v.scope_label: load_definition(v.definition, f"版{v.number}") for v in found}


def last_period_answers(version: SurveyVersion) -> list[dict]:
    """The answers given to ``version`` in the latest period anyone answered it, newest
    first, at most ``CHECKED_AT_MOST``."""
    latest = session.scalar(
        sa.select(sa.func.max(SurveyResponse.period_start))
        .where(SurveyResponse.version_id == version.id,
               SurveyResponse.status.in_(ANSWERED_STATUSES)))
    if latest is None:
        return []
    return list(session.scalars(
        sa.select(SurveyResponse.answers)
        .where(SurveyResponse.version_id == version.id, SurveyResponse.period_start == latest,
               SurveyResponse.status.in_(ANSWERED_STATUSES))
        .order_by(SurveyResponse.id.desc()).limit(CHECKED_AT_MOST)))


def impact_report(version: SurveyVersion, survey: CompiledSurvey,
                  against: SurveyVersion | None, old: SurveyDefinition | None,
                  diff: DefinitionDiff) -> ImpactReport | None:
    """What publishing ``version`` (compiled: ``survey``) changes for those who answer and
    those who read the answers, compared with ``against``; None with nothing to compare."""
    if against is None or old is None:
        return None
    report = classify(old, survey.definition, diff, readers(old, extensions_of(version)))
    answers = last_period_answers(against)
    if not answers:
        return report
    return with_counts(report, survey, refusals(survey, answers))
