"""Reporting periods, deadlines and the backfill window (all Japan time)."""

from datetime import UTC, date, datetime

import pytest

from gmis.surveys.engine import periods, reports
from gmis.surveys.engine.definition import PeriodDef
from gmis.surveys.engine.periods import (
    answerable,
    answerable_periods,
    due_at,
    fiscal_year_label,
    parse_period_key,
    period_for,
)

# 2026-11-21 (Saturday) 10:00 in Japan.
NOW = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "day", "key", "start", "end"), [
    ("daily", date(2026, 11, 21), "2026-11-21", date(2026, 11, 21), date(2026, 11, 21)),
    ("weekly", date(2026, 11, 21), "2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
    ("fiscal_year", date(2027, 2, 1), "FY2026", date(2026, 4, 1), date(2027, 3, 31)),
    ("ad_hoc", date(2026, 11, 21), "adhoc-2026-11-21", date(2026, 11, 21), date(2026, 11, 21)),
])
def test_periods_and_their_keys(kind, day, key, start, end):
    period = period_for(kind, day)
    assert (period.key, period.start, period.end) == (key, start, end)
    assert parse_period_key(kind, key) == period


@pytest.mark.parametrize(("kind", "key"), [("daily", "2026-13-01"), ("daily", "yesterday"),
                                           ("weekly", "2026-W60"), ("fiscal_year", "2026")])
def test_malformed_period_keys(kind, key):
    assert parse_period_key(kind, key) is None


def test_fiscal_years_are_labelled_in_reiwa():
    assert fiscal_year_label(2026) == "令和8年度"
    assert fiscal_year_label(2019) == "令和元年度"
    assert period_for("fiscal_year", date(2026, 5, 1)).label == "令和8年度"


def test_daily_deadline_is_13_00_japan_time():
    definition = PeriodDef(kind="daily", due_time="13:00")
    due = due_at(definition, period_for("daily", date(2026, 11, 21)))
    assert due.isoformat() == "2026-11-21T13:00:00+09:00"


def test_weekly_deadline_falls_on_its_weekday():
    definition = PeriodDef(kind="weekly", due_time="17:00", due_weekday="wednesday")
    assert due_at(definition, period_for("weekly", date(2026, 11, 21))).date() == date(
        2026, 11, 18)


def test_backfill_window():
    definition = PeriodDef(kind="daily", backfill_periods=3)
    keys = [p.key for p in answerable_periods(definition, NOW)]
    assert keys == ["2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18"]
    assert "2026年11月18日" in answerable(definition, period_for("daily", date(2026, 11, 17)),
                                        NOW)
    assert answerable(definition, period_for("daily", date(2026, 11, 22)), NOW) == (
        "まだ始まっていない期間には回答できません。")


def test_no_backfill_means_today_only():
    definition = PeriodDef(kind="daily")
    assert answerable(definition, period_for("daily", date(2026, 11, 20)), NOW) == (
        "過去の期間には回答できません。")


def test_fiscal_year_window_set_by_the_prefecture():
    definition = PeriodDef(kind="fiscal_year", window_start="01-04", window_end="03-31")
    this_year = period_for("fiscal_year", date(2026, 11, 21))
    assert "報告期間(1月4日〜3月31日)外" in answerable(definition, this_year, NOW)
    in_window = datetime(2027, 1, 10, 3, 0, tzinfo=UTC)
    assert answerable(definition, this_year, in_window) is None
    assert due_at(definition, this_year).date() == date(2027, 3, 31)


# --- reports (period kind report) ------------------------------------------------------------

@pytest.mark.parametrize(("key", "label", "start", "end"), [
    ("periodic-FY2026", "令和8年度 定期報告", date(2026, 4, 1), date(2027, 3, 31)),
    ("new-20261204", "新規報告(2026年12月4日(金))", date(2026, 12, 4), date(2026, 12, 4)),
    ("adhoc-20261204-2", "随時報告(2026年12月4日(金))", date(2026, 12, 4), date(2026, 12, 4)),
])
def test_a_report_is_a_period_named_by_its_kind(key, label, start, end):
    period = periods.parse_period_key("report", key)
    assert (period.label, period.start, period.end) == (label, start, end)
    assert reports.parse_report_key(key).key == key


@pytest.mark.parametrize("key", ["FY2026", "periodic-2026", "new-20261304", "adhoc-20261204-1",
                                 "adhoc-20261204-10", "new-2026-12-04", "2026-12-04"])
def test_keys_of_no_report_are_not_read(key):
    assert periods.parse_period_key("report", key) is None


def test_a_periodic_report_belongs_to_the_fiscal_year_of_its_window():
    # The report as of 1 January 2027 is made in the window of fiscal 2026.
    assert reports.report_key(reports.ReportKind.periodic, date(2027, 2, 1)).key == \
        "periodic-FY2026"
    assert periods.period_for("report", date(2027, 2, 1)).key == "periodic-FY2026"
