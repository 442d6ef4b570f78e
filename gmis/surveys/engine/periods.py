"""Reporting periods: a day, a week (Monday to Sunday), a fiscal year (April to March,
labelled in 令和) or an ad-hoc report; when each is due and which may still be answered.

All dates are Japan time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from gmis.japan_time import TOKYO
from gmis.surveys.engine.definition import WEEKDAYS, PeriodDef
from gmis.surveys.engine.reports import ReportKind, parse_report_key, report_key

WEEKDAY_LABELS = "月火水木金土日"


@dataclass(frozen=True)
class Period:
    kind: str
    #: Stored with responses: "2026-11-21", "2026-W47", "FY2026", "adhoc-2026-11-21",
    #: and a report's ("periodic-FY2026", "new-20261204": ``engine.reports``).
    key: str
    start: date
    end: date

    @property
    def label(self) -> str:
        match self.kind:
            case "daily" | "ad_hoc":
                return f"{_day(self.start)}"
            case "weekly":
                return f"{_day(self.start)}〜{_day(self.end)}"
            case "report":
                report = parse_report_key(self.key)
                if report.kind == ReportKind.periodic:
                    return f"{fiscal_year_label(report.fiscal_year)} {report.kind.label}"
                return f"{report.kind.label}({_day(self.start)})"
            case _:
                return fiscal_year_label(self.start.year)


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAY_LABELS[day.weekday()]})"


def era_year(year: int) -> str:
    """令和 (from 2019), 平成 before: 2026 → 令和8, 2019 → 令和元."""
    if year >= 2019:
        n = year - 2018
        return "令和元" if n == 1 else f"令和{n}"
    n = year - 1988
    return "平成元" if n == 1 else f"平成{n}"


def fiscal_year_label(fiscal_year: int) -> str:
    return f"{era_year(fiscal_year)}年度"


def fiscal_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def period_for(kind: str, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    match kind:
        case "daily":
            return Period(kind, day.isoformat(), day, day)
        case "weekly":
            monday = day - timedelta(days=day.weekday())
            year, week, _ = monday.isocalendar()
            return Period(kind, f"{year}-W{week:02d}", monday, monday + timedelta(days=6))
        case "fiscal_year":
            year = fiscal_year_of(day)
            return Period(kind, f"FY{year}", date(year, 4, 1), date(year + 1, 3, 31))
        case "ad_hoc":
            return Period(kind, f"adhoc-{day.isoformat()}", day, day)
        case "report":
            # A report survey's period in force: the fiscal year's periodic report.
            return report_period(report_key(ReportKind.periodic, day).key)
    raise ValueError(f"unknown period kind {kind!r}")


def parse_period_key(kind: str, key: str) -> Period | None:
    """The period a stored or typed key names, or None when malformed or of another kind."""
    try:
        if kind == "daily" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
            return period_for(kind, date.fromisoformat(key))
        if kind == "ad_hoc" and re.fullmatch(r"adhoc-\d{4}-\d{2}-\d{2}", key):
            return period_for(kind, date.fromisoformat(key.removeprefix("adhoc-")))
        if kind == "weekly" and (m := re.fullmatch(r"(\d{4})-W(\d{2})", key)):
            return period_for(kind, date.fromisocalendar(int(m[1]), int(m[2]), 1))
        if kind == "fiscal_year" and (m := re.fullmatch(r"FY(\d{4})", key)):
            return period_for(kind, date(int(m[1]), 4, 1))
        if kind == "report":
            return report_period(key)
    except ValueError:
        return None
    return None


def report_period(key: str) -> Period | None:
    """A report as a period: a periodic report spans its fiscal year, the others their
    day."""
    report = parse_report_key(key)
    if report is None:
        return None
    if report.kind == ReportKind.periodic:
        return Period("report", key, report.day, date(report.day.year + 1, 3, 31))
    return Period("report", key, report.day, report.day)


def today(now: datetime) -> date:
    return now.astimezone(TOKYO).date()


def due_at(definition: PeriodDef, period: Period) -> datetime | None:
    """When the period's answer is due (Japan time), if the survey sets a deadline."""
    if not definition.due_time:
        if definition.kind == "fiscal_year" and definition.window_end:
            return datetime.combine(window(definition, period)[1], time(23, 59), TOKYO)
        return None
    hour, minute = (int(part) for part in definition.due_time.split(":"))
    day = period.start
    if definition.kind == "weekly" and definition.due_weekday:
        day = period.start + timedelta(days=WEEKDAYS.index(definition.due_weekday))
    return datetime.combine(day, time(hour, minute), TOKYO)


def is_late(definition: PeriodDef, period: Period, submitted_at: datetime) -> bool:
    """期限後: submitted after the period's deadline. Exactly at the deadline is in time, and
    a period without a deadline is never late."""
    due = due_at(definition, period)
    return due is not None and submitted_at > due


def window(definition: PeriodDef, period: Period) -> tuple[date, date]:
    """The dates of a fiscal-year survey's reporting window within ``period``."""
    def within_year(month_day: str) -> date:
        month, day = (int(part) for part in month_day.split("-"))
        year = period.start.year if month >= 4 else period.start.year + 1
        return date(year, month, day)

    if not (definition.window_start and definition.window_end):
        return period.start, period.end
    return within_year(definition.window_start), within_year(definition.window_end)


def current_period(definition: PeriodDef, now: datetime) -> Period:
    return period_for(definition.kind, today(now))


def answerable(definition: PeriodDef, period: Period, now: datetime) -> str | None:
    """Why ``period`` cannot be answered now (Japanese), or None when it can."""
    if definition.kind == "report":
        # The kinds' own rules need the prefecture's window and the reports made:
        # ``gmis.surveys.store.reports`` applies them.
        return None if period.start <= today(now) else "まだ始まっていない期間には回答できません。"
    current = current_period(definition, now)
    if period.start > current.start:
        return "まだ始まっていない期間には回答できません。"
    if definition.kind == "fiscal_year":
        start, end = window(definition, current)
        if period != current:
            return "過去の年度には回答できません。"
        if not start <= today(now) <= end:
            return (f"{fiscal_year_label(current.start.year)}の報告期間"
                    f"({start.month}月{start.day}日〜{end.month}月{end.day}日)外です。")
        return None
    if period.kind == "ad_hoc":
        return None if period == current else "随時報告は当日分のみ作成できます。"
    earliest = current
    for _ in range(definition.backfill_periods):
        earliest = period_for(definition.kind, earliest.start - timedelta(days=1))
    if period.start < earliest.start:
        if definition.backfill_periods == 0:
            return "過去の期間には回答できません。"
        return f"回答できるのは{earliest.label}以降の期間です。"
    return None


def answerable_periods(definition: PeriodDef, now: datetime,
                       limit: int | None = None) -> list[Period]:
    """The current period and the past ones still open for backfilling, newest first (at
    most ``limit`` of them: a prefecture's survey may reach a year back)."""
    periods = [current_period(definition, now)]
    if definition.kind in ("daily", "weekly"):
        count = definition.backfill_periods if limit is None else min(
            definition.backfill_periods, limit - 1)
        for _ in range(count):
            periods.append(period_for(definition.kind, periods[-1].start - timedelta(days=1)))
    return [p for p in periods if answerable(definition, p, now) is None]
