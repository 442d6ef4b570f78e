"""機能情報の報告: a facility's report home (which kind is due and until when, the three
ways to begin one, the report being made and every earlier one), beginning and deleting a
report, and the prefectures' periodic windows (定期報告期間).

The kinds' rules are ``gmis.surveys.engine.reports`` (pure) as read by
``gmis.surveys.store.reports``; the fill page itself is the one of every survey. Nothing here
reads a request or builds a URL; what cannot be done is raised as ``Refused``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from gmis import access, audit
from gmis.clock import YEARS
from gmis.db import session, utcnow
from gmis.models import (
    Prefecture,
    ReportWindow,
    ResponseChange,
    ResponseEvent,
    ResponseStatus,
    Role,
    Survey,
    SurveyResponse,
    User,
)
from gmis.refusals import conflict, forbidden, invalid, not_found
from gmis.surveys import answering, runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.reports import (
    CHANGE_REPORT_DAYS,
    ReportKey,
    ReportKind,
    Situation,
    Window,
    parse_report_key,
)
from gmis.surveys.store import eligibility, reports, responses
from gmis.surveys.store.eligibility import Respondent
from gmis.surveys.store.versions import version_in_force

KIND_DESCRIPTIONS = {
    ReportKind.new: "開設したときなど、まだ受理された報告がないときの最初の報告です。",
    ReportKind.periodic: "年1回、1月1日時点の情報を、都道府県が定めた定期報告期間に報告します。"
                         "前回受理された報告の内容から始まります。",
    ReportKind.ad_hoc: "基本情報などが変わったときに、いつでも報告します。"
                       "公表中の情報から始まり、変えた項目だけを確認します。",
}


def report_compiled(survey: Survey, prefecture_code: str | None,
                    day: date) -> CompiledSurvey | None:
    """The survey's version in force as compiled, when it is a report survey."""
    version = version_in_force(survey, prefecture_code, day)
    compiled = runtime.usable(version) if version is not None else None
    if compiled is None or compiled.definition.period.kind != "report":
        return None
    return compiled


# --- the report home ---------------------------------------------------------------------

@dataclass(frozen=True)
class KindButton:
    kind: ReportKind
    description: str
    #: Why the button is disabled (Japanese), or None.
    refused: str | None

    @property
    def label(self) -> str:
        return self.kind.label


@dataclass(frozen=True)
class HistoryRow:
    response: SurveyResponse
    key: ReportKey | None
    period_label: str
    #: When a reviewer accepted or returned it last.
    decided_at: datetime | None


@dataclass
class ReportHome:
    survey: Survey
    compiled: CompiledSurvey
    respondent: Respondent
    situation: Situation
    published: SurveyResponse | None
    open: SurveyResponse | None
    buttons: list[KindButton]
    history: list[HistoryRow] = field(default_factory=list)
    change_days: int = CHANGE_REPORT_DAYS

    @property
    def title(self) -> str:
        return self.compiled.definition.title

    @property
    def window(self) -> Window | None:
        return self.situation.window

    @property
    def open_key(self) -> ReportKey | None:
        return self.situation.open_key

    @property
    def discardable(self) -> bool:
        """削除: a draft never submitted may be thrown away so another kind can begin."""
        return is_discardable(self.open)

    @staticmethod
    def period_label(response: SurveyResponse) -> str:
        return report_label(response.period_key)

    @property
    def due(self) -> list[str]:
        """What is due, and until when (the first line is the main one)."""
        return due_lines(self.situation)


def report_label(period_key: str) -> str:
    """"令和8年度 定期報告", "随時報告(12月4日)"."""
    period = periods.report_period(period_key)
    return period.label if period is not None else period_key


def is_discardable(response: SurveyResponse | None) -> bool:
    return (response is not None and response.status == ResponseStatus.draft
            and response.submitted_at is None)


def due_lines(found: Situation) -> list[str]:
    window = found.window
    lines = []
    if not found.has_accepted:
        lines.append("新規報告をしてください。")
    elif found.periodic_done:
        lines.append("今年度の定期報告は受理されています。")
    elif window is None:
        lines.append("都道府県が今年度の定期報告期間をまだ設定していません。")
    elif found.today in window:
        lines.append(f"定期報告をしてください(期限: {_day(window.ends_on)})。")
    elif found.today < window.starts_on:
        lines.append(f"今年度の定期報告は{_day(window.starts_on)}から始まります。")
    else:
        lines.append("今年度の定期報告期間は終わりました。")
    if window is not None:
        lines.append(f"定期報告期間: {window.label}")
    if found.has_accepted:
        lines.append(f"所在地・電話番号・診療時間などの基本情報が変わったときは、変更から"
                     f"{CHANGE_REPORT_DAYS}日以内に随時報告をしてください。")
    return lines


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def open_home(user: User, survey_key: str, now: datetime | None = None) -> ReportHome:
    """The report home of the facility ``user`` reports for (its own users only: an
    aggregator does not report function information)."""
    today = periods.today(now or utcnow())
    survey = answering.survey_named(survey_key)
    if user.role == Role.aggregator:
        raise not_found()
    respondent = answering.respondent_for(user, None)
    compiled = report_compiled(survey, respondent.prefecture_code, today)
    if compiled is None:
        raise not_found("この調査は報告の調査ではありません。")
    reason = eligibility.refusal(compiled.definition, respondent)
    if reason:
        raise forbidden(reason)
    found = reports.situation(survey, respondent, today)
    opened = reports.open_report(survey, respondent.key)
    buttons = []
    for kind in ReportKind:
        refused = reports.start_refusal(survey, respondent, kind, today)
        if refused is not None and opened is not None and found.open_key.kind == kind:
            refused = None  # the button continues the report being made
        buttons.append(KindButton(kind, KIND_DESCRIPTIONS[kind],
                                  refused.message if refused is not None else None))
    return ReportHome(survey, compiled, respondent, found,
                      reports.latest_accepted(survey, respondent.key), opened, buttons,
                      _history(survey, respondent))


def _history(survey: Survey, respondent: Respondent) -> list[HistoryRow]:
    rows = reports.history(survey, respondent.key)
    decided = dict(session.execute(
        sa.select(ResponseEvent.response_id, sa.func.max(ResponseEvent.occurred_at))
        .where(ResponseEvent.response_id.in_([r.id for r in rows]),
               ResponseEvent.action.in_(("accepted", "returned")))
        .group_by(ResponseEvent.response_id)).all()) if rows else {}
    return [HistoryRow(response, parse_report_key(response.period_key),
                       report_label(response.period_key),
                       response.accepted_at or decided.get(response.id))
            for response in rows]


def start(user: User, survey_key: str, kind_value: str, now: datetime | None = None) -> str:
    """報告を始める: the period key of the report of ``kind_value`` to fill (the one being
    made when it is of that kind). Nothing is written until the fill page saves."""
    try:
        kind = ReportKind(kind_value)
    except ValueError:
        raise invalid("報告の種類(新規報告・定期報告・随時報告)を選んでください。") from None
    home = open_home(user, survey_key, now)
    today = home.situation.today
    if home.open is not None and home.open_key is not None and home.open_key.kind == kind:
        return home.open.period_key
    refused = reports.start_refusal(home.survey, home.respondent, kind, today)
    if refused is not None:
        raise refused
    return reports.next_key(home.survey, home.respondent, kind, today).key


def discard(user: User, survey_key: str, response_id: int,
            now: datetime | None = None) -> SurveyResponse:
    """削除: throw away the facility's draft report that was never submitted (its changes
    and events go with it; the audit log keeps that it was deleted)."""
    home = open_home(user, survey_key, now)
    response = home.open
    if response is None or response.id != response_id:
        raise conflict("削除できる作成中の報告がありません。")
    if not is_discardable(response):
        raise conflict("提出したことのある報告は削除できません。審査の結果をお待ちください。")
    audit.record("survey.report_discarded", response, user=user, survey=home.survey.key,
                 period=response.period_key, respondent=response.respondent_key)
    session.execute(sa.delete(ResponseChange).where(ResponseChange.response_id == response.id))
    session.execute(sa.delete(ResponseEvent).where(ResponseEvent.response_id == response.id))
    session.delete(response)
    session.flush()
    return response


def published_differences(compiled: CompiledSurvey, response: SurveyResponse) -> list | None:
    """変更した項目: how a report differs from the information published before it (None
    when nothing was published before it, or it is not a report)."""
    if parse_report_key(response.period_key) is None:
        return None
    before = reports.latest_accepted(
        response.survey, response.respondent_key,
        before=response if response.status == ResponseStatus.accepted else None)
    if before is None or before.id == response.id:
        return None
    return responses.differences(compiled, before.answers, response.answers)


# --- the prefectures' windows ------------------------------------------------------------

@dataclass(frozen=True)
class WindowInput:
    """定期報告期間 as typed, with what is wrong with it (by input name)."""

    survey_key: str
    fiscal_year: str
    starts_on: str
    ends_on: str
    errors: dict[str, str] = field(default_factory=dict)


def report_surveys(prefecture_code: str | None, day: date) -> list[tuple[Survey, str]]:
    """The surveys of period kind ``report`` in force on ``day``, with their titles."""
    return [(survey, compiled.definition.title)
            for survey, compiled in answering.surveys_in_force(prefecture_code, day)
            if compiled.definition.period.kind == "report"]


def fiscal_year_asked(text: str | None, today: date) -> int:
    """The fiscal year a windows page shows: ``?year=`` when it is a year, else this one."""
    if text and text.isdigit() and int(text) in YEARS:
        return int(text)
    return periods.fiscal_year_of(today)


def _parse_day(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def set_window(user: User, typed: WindowInput) -> ReportWindow:
    """Create or change the window of the user's own prefecture for one report survey and
    fiscal year. Raises Refused (422) with ``typed.errors`` filled in when it is wrong."""
    if user.role != Role.prefecture:
        raise forbidden("定期報告期間を設定できるのは都道府県の担当者だけです。")
    errors = typed.errors
    today = periods.today(utcnow())
    survey = session.scalars(sa.select(Survey).where(Survey.key == typed.survey_key)).first()
    if survey is None or report_compiled(survey, user.prefecture_code, today) is None:
        errors["survey"] = "報告の調査を選んでください。"
    year = int(typed.fiscal_year) if typed.fiscal_year.strip().isdigit() else None
    if year is None or year not in YEARS:
        errors["fiscal_year"] = "年度を西暦4桁で入力してください(例: 2026)。"
    starts, ends = _parse_day(typed.starts_on), _parse_day(typed.ends_on)
    if starts is None:
        errors["starts_on"] = "開始日を「2027-01-04」の形で入力してください。"
    if ends is None:
        errors["ends_on"] = "終了日を「2027-03-31」の形で入力してください。"
    if starts and ends and ends < starts:
        errors["ends_on"] = "終了日は開始日と同じか、それより後の日付にしてください。"
    if year is not None and "fiscal_year" not in errors:
        first, last = date(year, 4, 1), date(year + 1, 3, 31)
        label = f"{periods.fiscal_year_label(year)}({_day(first)}〜{_day(last)})"
        for key, day in (("starts_on", starts), ("ends_on", ends)):
            if day is not None and key not in errors and not first <= day <= last:
                errors[key] = f"{label}の中の日付にしてください。"
    if errors:
        raise invalid("定期報告期間を設定できませんでした。赤字の項目を直してください。")
    window = reports.window_for(survey, user.prefecture_code, year)
    before = (window.starts_on.isoformat(), window.ends_on.isoformat()) if window else None
    if window is None:
        window = ReportWindow(survey_id=survey.id, prefecture_code=user.prefecture_code,
                              fiscal_year=year, starts_on=starts, ends_on=ends)
        try:
            with session.begin_nested():
                window.updated_by_id = user.id
                session.add(window)
                session.flush()
        except IntegrityError:
            # Set by a request that got there first (a double click): change that one.
            window = reports.window_for(survey, user.prefecture_code, year)
    window.starts_on, window.ends_on = starts, ends
    window.updated_at, window.updated_by_id = utcnow(), user.id
    session.flush()
    audit.record("survey.report_window_set", window, user=user, survey=survey.key,
                 prefecture=user.prefecture_code, fiscal_year=year,
                 starts_on=starts.isoformat(), ends_on=ends.isoformat(),
                 before=list(before) if before else None)
    return window


@dataclass
class WindowsPage:
    fiscal_year: int
    surveys: list[tuple[Survey, str]]
    #: The prefectures shown: the user's own, or all of them (national, secretariat).
    prefectures: list[Prefecture]
    windows: dict[tuple[int, str], ReportWindow]
    editable: bool

    @property
    def fiscal_year_label(self) -> str:
        return periods.fiscal_year_label(self.fiscal_year)

    def window(self, survey: Survey, prefecture: Prefecture) -> ReportWindow | None:
        return self.windows.get((survey.id, prefecture.code))


def windows_page(user: User, fiscal_year: int) -> WindowsPage:
    """Every report survey's window for ``fiscal_year``: a prefecture its own (to set),
    national and the secretariat every prefecture's (to read)."""
    today = periods.today(utcnow())
    own = None if access.nationwide(user) else user.prefecture_code
    prefectures = list(session.scalars(
        sa.select(Prefecture).where(Prefecture.code == own if own else sa.true())
        .order_by(Prefecture.code)))
    surveys = report_surveys(own, today)
    query = sa.select(ReportWindow).where(ReportWindow.fiscal_year == fiscal_year,
                                          ReportWindow.survey_id.in_([s.id for s, _ in surveys]))
    if own:
        query = query.where(ReportWindow.prefecture_code == own)
    windows = {(w.survey_id, w.prefecture_code): w for w in session.scalars(query)}
    return WindowsPage(fiscal_year, surveys, prefectures, windows,
                       editable=user.role == Role.prefecture)
