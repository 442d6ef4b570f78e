"""Business days (開庁日) of Japan's public offices, and the daily 13:00 cut-off of emergency
supply requests.

Offices are closed on Saturdays, Sundays, national holidays (from the maintained
``holidays`` package, substitute holidays included) and over the New Year, 29 December to
3 January, as the law on administrative bodies' closed days (行政機関の休日に関する法律) sets.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import holidays

from gmis.japan_time import TOKYO

#: Requests applied for at or after this time (Japan time) are handled the next business day.
CUT_OFF = time(13, 0)


@cache
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year, language="ja")


def holiday_name(day: date) -> str | None:
    """Why offices are closed on ``day`` (Japanese), or None on a business day."""
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    name = _national_holidays(day.year).get(day)
    if name:
        return name
    if (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3):
        return "年末年始"
    return None


def is_business_day(day: date) -> bool:
    return holiday_name(day) is None


def next_business_day(day: date) -> date:
    """The first business day after ``day``."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def handling_date(applied_at: datetime) -> date:
    """The day a request applied for at ``applied_at`` is handled: that day when it is a
    business day and before 13:00 Japan time, otherwise the next business day."""
    local = applied_at.astimezone(TOKYO)
    if local.time() < CUT_OFF and is_business_day(local.date()):
        return local.date()
    return next_business_day(local.date())


def handling_notice(now: datetime) -> str:
    """What a request form says before applying: handled today, or on which business day."""
    handled = handling_date(now)
    local = now.astimezone(TOKYO)
    if handled == local.date():
        return (f"本日{CUT_OFF:%H:%M}までに申請すると、本日({handled.month}月{handled.day}日)の"
                "対応になります。13時以降・土日祝日・年末年始の申請は、翌営業日の対応になります。")
    return (f"現在{local.month}月{local.day}日 {local:%H:%M}です。今申請すると、対応は翌営業日の"
            f"{handled.month}月{handled.day}日になります(13時以降・土日祝日・年末年始の申請は"
            "翌営業日の対応です)。")
