"""報告の状況: what a facility's reports to a survey of period kind ``report`` stand at (the
published one, the one being made, the prefecture's window), read once for the pure rules of
``gmis.surveys.engine.reports``, and those rules applied where a report is opened and
submitted.

A report opens as a response under the period key of its kind. A key with no response yet is
opened only when it is the one a facility may start today: today's new or ad-hoc report (an
ad-hoc one numbered after the reports already made that day) or this fiscal year's periodic
report, and only when ``refusal()`` says nothing against its kind. A response that exists
opens as every response does (a returned one is answered again, an accepted one only shown).

A draft is checked again when it is submitted: a periodic draft whose window closed after it
was begun can still be saved (nothing typed is lost) and deleted, but not submitted, as the
real system's button works only inside the window. A report already submitted once (under
review, or returned to be corrected) came in time: its corrections are not held to the window.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from gmis.db import session
from gmis.models import ReportWindow, ResponseStatus, Survey, SurveyResponse
from gmis.refusals import Kind, Refused, conflict, not_found
from gmis.surveys.engine import periods
from gmis.surveys.engine.periods import Period
from gmis.surveys.engine.reports import (
    MAX_REPORTS_PER_DAY,
    ReportKey,
    ReportKind,
    Situation,
    Window,
    parse_report_key,
    refusal,
    report_key,
)
from gmis.surveys.store.eligibility import Respondent

#: A report being made or reviewed: it blocks starting another.
OPEN_STATUSES = (ResponseStatus.draft, ResponseStatus.submitted, ResponseStatus.returned)


class ReportOpen(Refused):
    """Another report is being made or reviewed: the page links to it (``response``)."""

    def __init__(self, message: str, response: SurveyResponse):
        super().__init__(message, Kind.CONFLICT)
        self.response = response


def _reports(survey: Survey, respondent_key: str) -> sa.Select:
    return sa.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                           SurveyResponse.respondent_key == respondent_key)


def latest_accepted(survey: Survey, respondent_key: str, *,
                    before: SurveyResponse | None = None) -> SurveyResponse | None:
    """The published report (公表中の報告): the latest accepted by ``accepted_at``; with
    ``before``, the one published before that report was accepted."""
    query = _reports(survey, respondent_key).where(
        SurveyResponse.status == ResponseStatus.accepted)
    if before is not None:
        query = query.where(SurveyResponse.id != before.id)
        if before.accepted_at is not None:
            query = query.where(SurveyResponse.accepted_at <= before.accepted_at)
    return session.scalars(query.order_by(SurveyResponse.accepted_at.desc().nulls_last(),
                                          SurveyResponse.id.desc())).first()


def open_report(survey: Survey, respondent_key: str) -> SurveyResponse | None:
    """The report being made or reviewed (draft, submitted or returned), if any."""
    return session.scalars(_reports(survey, respondent_key)
                           .where(SurveyResponse.status.in_(OPEN_STATUSES))
                           .order_by(SurveyResponse.id.desc())).first()


def history(survey: Survey, respondent_key: str) -> list[SurveyResponse]:
    """Every report of the respondent, the latest begun first."""
    return list(session.scalars(_reports(survey, respondent_key)
                                .order_by(SurveyResponse.created_at.desc(),
                                          SurveyResponse.id.desc())))


def window_for(survey: Survey, prefecture_code: str, fiscal_year: int) -> ReportWindow | None:
    return session.scalars(sa.select(ReportWindow).where(
        ReportWindow.survey_id == survey.id, ReportWindow.prefecture_code == prefecture_code,
        ReportWindow.fiscal_year == fiscal_year)).first()


def situation(survey: Survey, respondent: Respondent, today: date) -> Situation:
    fiscal_year = periods.fiscal_year_of(today)
    opened = open_report(survey, respondent.key)
    window = window_for(survey, respondent.prefecture_code, fiscal_year)
    periodic = report_key(ReportKind.periodic, today).key
    periodic_done = session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_key == respondent.key,
        SurveyResponse.period_key == periodic,
        SurveyResponse.status == ResponseStatus.accepted)) > 0
    return Situation(
        today=today,
        has_accepted=latest_accepted(survey, respondent.key) is not None,
        open_key=parse_report_key(opened.period_key) if opened is not None else None,
        window=Window(window.starts_on, window.ends_on) if window is not None else None,
        periodic_done=periodic_done)


def next_key(survey: Survey, respondent: Respondent, kind: ReportKind,
             today: date) -> ReportKey | None:
    """The key a report of ``kind`` begun today takes: an ad-hoc one after those already
    made today (None when the day's reports are used up)."""
    if kind != ReportKind.ad_hoc:
        return report_key(kind, today)
    prefix = report_key(kind, today).key
    taken = set(session.scalars(sa.select(SurveyResponse.period_key).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_key == respondent.key,
        SurveyResponse.period_key.like(f"{prefix}%"))))
    used = [parsed.sequence for parsed in map(parse_report_key, taken) if parsed is not None]
    sequence = max(used, default=0) + 1
    if sequence > MAX_REPORTS_PER_DAY:
        return None
    return report_key(kind, today, sequence)


def start_refusal(survey: Survey, respondent: Respondent, kind: ReportKind,
                  today: date) -> Refused | None:
    """Why a report of ``kind`` cannot be begun today, as the refusal to raise, or None."""
    found = situation(survey, respondent, today)
    if found.open_key is not None:
        opened = open_report(survey, respondent.key)
        return ReportOpen(
            f"作成中または審査中の{found.open_key.kind.label}({opened.status.label})があります。"
            "その報告が受理されるまで、ほかの報告は始められません。", opened)
    reason = refusal(kind, found)
    if reason:
        return conflict(reason)
    if next_key(survey, respondent, kind, today) is None:
        return conflict(f"随時報告は1日{MAX_REPORTS_PER_DAY}件までです。翌日に報告してください。")
    return None


def check_opening(survey: Survey, respondent: Respondent, period: Period,
                  response: SurveyResponse | None, today: date) -> None:
    """Raise Refused unless the report ``period`` names may be opened today: an existing
    response always (its status decides the rest), a new one only as ``next_key``."""
    if response is not None:
        return
    wanted = parse_report_key(period.key)
    if wanted is None:
        raise not_found()
    refused = start_refusal(survey, respondent, wanted.kind, today)
    if refused is not None:
        raise refused
    if wanted != next_key(survey, respondent, wanted.kind, today):
        if wanted.kind == ReportKind.periodic:
            raise conflict("定期報告は今年度の分だけを作成できます。")
        raise conflict(f"{wanted.kind.label}は当日の日付で作成してください。"
                       "報告ホームの「報告を始める」から始めてください。")


def check_submission(survey: Survey, respondent: Respondent, response: SurveyResponse | None,
                     period: Period, today: date) -> None:
    """Raise Refused when a draft (never submitted) may no longer be submitted: the rules of
    its kind changed since it was begun (the window closed, another report was accepted)."""
    # A report not stored yet was checked as it was opened (``check_opening``), this request.
    if response is None or response.status != ResponseStatus.draft:
        return
    kind = parse_report_key(period.key).kind
    found = situation(survey, respondent, today)
    reason = refusal(kind, found)
    if reason is None:
        return
    if kind == ReportKind.periodic and found.window is not None and today > found.window.ends_on:
        reason = (f"定期報告期間({found.window.label})が終わったため、この定期報告は提出"
                  "できません。入力した内容は一時保存されています。変更を報告するには、"
                  "報告ホームでこの下書きを削除してから随時報告をしてください。")
    raise conflict(reason)
