"""Function reports in the demo (医療機能情報・薬局機能情報の報告): a periodic-report window
(定期報告期間) open today in the prefectures of the demo's clinic and pharmacy users, for
every published survey of period kind ``report``, so that they can try a periodic report."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from gmis.db import session
from gmis.models import Survey, User
from gmis.surveys import runtime
from gmis.surveys.engine.reports import ReportKind, report_key
from gmis.surveys.store import versions
from gmis.surveys.store.models import ReportWindow

#: The demo users who report their facility's function information.
REPORTING_USERS = ("demo-clinic", "demo-pharmacy")
#: How long the demo's window has been open, and stays open, around the day it is loaded.
OPEN_BEFORE = timedelta(days=14)
OPEN_AFTER = timedelta(days=45)


def report_surveys() -> list[Survey]:
    """The published surveys of period kind ``report``, by key."""
    found = []
    for survey in session.scalars(sa.select(Survey).order_by(Survey.key)):
        version = versions.latest_published_national(survey)
        if version is not None and runtime.compiled(version).definition.period.kind == "report":
            found.append(survey)
    return found


def open_windows(today: date) -> int:
    """A window of this fiscal year's periodic report covering ``today``, per report survey
    and prefecture of the reporting demo users, unless the prefecture has set one; how many
    were made. Flushes, no commit."""
    fiscal_year = report_key(ReportKind.periodic, today).fiscal_year
    prefectures = sorted({user.facility.prefecture_code for user in session.scalars(
        sa.select(User).where(User.login_id.in_(REPORTING_USERS))) if user.facility})
    made = 0
    for survey in report_surveys():
        for prefecture in prefectures:
            exists = session.scalar(sa.select(ReportWindow.id).where(
                ReportWindow.survey_id == survey.id, ReportWindow.prefecture_code == prefecture,
                ReportWindow.fiscal_year == fiscal_year))
            if exists is None:
                session.add(ReportWindow(survey_id=survey.id, prefecture_code=prefecture,
                                         fiscal_year=fiscal_year,
                                         starts_on=today - OPEN_BEFORE,
                                         ends_on=today + OPEN_AFTER))
                made += 1
    session.flush()
    return made
