"""報告の種類: the three kinds of report a survey of period kind ``report`` takes (the
medical and pharmacy function reports), and the period keys that name them.

- 新規報告 (new): the facility has no accepted report yet (a new opening); any day.
- 定期報告 (periodic): the situation as of 1 January, once per fiscal year, only inside the
  window the facility's prefecture set; pre-filled from the last accepted report.
- 随時報告 (ad hoc): a change at any time (basic information within 30 days of it),
  pre-filled from what is published.

A report is a response whose period key names its kind: ``periodic-FY2026``,
``new-20261204``, ``adhoc-20261204`` (a second ad-hoc report the same day:
``adhoc-20261204-2``). Pure: the windows and the reports already made are read by
``gmis.surveys.store.reports`` and passed in.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

#: Basic information must be reported within this many days of a change.
CHANGE_REPORT_DAYS = 30
#: Ad-hoc reports a facility may start on one day (each after the last was decided).
MAX_REPORTS_PER_DAY = 9


class ReportKind(enum.StrEnum):
    new = "new"
    periodic = "periodic"
    ad_hoc = "adhoc"

    @property
    def label(self) -> str:
        return {"new": "新規報告", "periodic": "定期報告", "adhoc": "随時報告"}[self.value]


_KEY = re.compile(r"(new|adhoc)-(\d{8})(?:-([2-9]))?|periodic-FY(\d{4})")


@dataclass(frozen=True)
class ReportKey:
    kind: ReportKind
    #: The day a new or ad-hoc report was started; 1 April of a periodic report's year.
    day: date
    #: 1, or 2-9 for further ad-hoc reports of the same day.
    sequence: int = 1

    @property
    def fiscal_year(self) -> int:
        return self.day.year if self.day.month >= 4 else self.day.year - 1

    @property
    def key(self) -> str:
        if self.kind == ReportKind.periodic:
            return f"periodic-FY{self.fiscal_year}"
        suffix = f"-{self.sequence}" if self.sequence > 1 else ""
        return f"{self.kind.value}-{self.day:%Y%m%d}{suffix}"


def parse_report_key(key: str) -> ReportKey | None:
    match = _KEY.fullmatch(key)
    if match is None:
        return None
    try:
        if match[4]:
            return ReportKey(ReportKind.periodic, date(int(match[4]), 4, 1))
        day = date(int(match[2][:4]), int(match[2][4:6]), int(match[2][6:]))
    except ValueError:
        return None
    return ReportKey(ReportKind(match[1]), day, int(match[3] or 1))


def report_key(kind: ReportKind, day: date, sequence: int = 1) -> ReportKey:
    """The report of ``kind`` started on ``day`` (a periodic one: of that day's fiscal
    year)."""
    if kind == ReportKind.periodic:
        return ReportKey(kind, date(day.year if day.month >= 4 else day.year - 1, 4, 1))
    return ReportKey(kind, day, sequence)


@dataclass(frozen=True)
class Window:
    """定期報告期間: the days (inclusive, Japan time) a prefecture accepts periodic reports
    of one fiscal year."""

    starts_on: date
    ends_on: date

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def label(self) -> str:
        return f"{_day(self.starts_on)}〜{_day(self.ends_on)}"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Situation:
    """What a facility's reports stand at, as the store read it."""

    today: date
    #: Whether an accepted report exists (published information to start from).
    has_accepted: bool
    #: The report being made or reviewed (draft, submitted or returned), if any.
    open_key: ReportKey | None
    #: The facility's prefecture's window for this fiscal year, if set.
    window: Window | None
    #: Whether this fiscal year's periodic report was accepted already.
    periodic_done: bool


def refusal(kind: ReportKind, situation: Situation) -> str | None:
    """Why a report of ``kind`` cannot be started now (Japanese), or None."""
    if situation.open_key is not None and situation.open_key.kind != kind:
        return (f"作成中または審査中の{situation.open_key.kind.label}があります。"
                "その報告が受理されるまで、ほかの報告は始められません。")
    if kind == ReportKind.new:
        if situation.has_accepted:
            return ("受理された報告がすでにあります。変更は随時報告、年1回の報告は"
                    "定期報告で行ってください。")
        return None
    if kind == ReportKind.periodic:
        if not situation.has_accepted:
            return ("前回の報告データがないため定期報告はできません。"
                    "「新規報告」で報告してください。")
        if situation.periodic_done:
            return "今年度の定期報告は受理済みです。変更があるときは随時報告を行ってください。"
        if situation.window is None:
            return "都道府県が今年度の定期報告期間をまだ設定していません。"
        if situation.today not in situation.window:
            return f"定期報告ができるのは定期報告期間({situation.window.label})の間だけです。"
        return None
    if not situation.has_accepted:
        return "公表されている情報がないため随時報告はできません。「新規報告」で報告してください。"
    return None
