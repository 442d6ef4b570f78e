"""Dates and times as people in Japan write them: 2026/11/21, 令和8年11月21日, R8.11.21,
full-width digits; 9:05, ９時５分, 午後2時."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from gmis.japan_time import TOKYO
from gmis.surveys.engine.fields.base import BuiltinField, Parsed, form_text
from gmis.text import normalise

WEEKDAY_LABELS = "月火水木金土日"

#: Japanese eras: first year (元年) in the Gregorian calendar, first and last day.
ERAS = {
    "令和": (2019, date(2019, 5, 1), None),
    "平成": (1989, date(1989, 1, 8), date(2019, 4, 30)),
    "昭和": (1926, date(1926, 12, 25), date(1989, 1, 7)),
}
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}

_SEP = r"[-/.]"
_GREGORIAN = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})"
                        r"|(\d{4})年(\d{1,2})月(\d{1,2})日?|(\d{4})(\d{2})(\d{2})")
_ERA = re.compile(rf"(令和|平成|昭和|[RHS])(元|\d{{1,2}})(?:年|{_SEP})(\d{{1,2}})(?:月|{_SEP})"
                  r"(\d{1,2})日?", re.IGNORECASE)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_RELATIVE = re.compile(r"today(?:([+-])(\d{1,4}))?")

DATE_FORMAT_MESSAGE = ("日付は 2026-11-21、2026/11/21、令和8年11月21日、R8.11.21 の"
                       "いずれかの形で入力してください。")


def japanese_date(value: date) -> str:
    """2026年11月21日."""
    return f"{value.year}年{value.month}月{value.day}日"


def real_time() -> datetime:
    return datetime.now(UTC)


#: Where date bounds such as ``today-30`` read "now": real time, until the app hands over the
#: instance's clock (``gmis.surveys.runtime.init_app``), so that a training instance's shifted
#: time (gmis/clock.py) moves them too. The field types stay free of Flask: they do not look
#: for the current app themselves.
_now: Callable[[], datetime] = real_time


def use_clock(now: Callable[[], datetime]) -> None:
    """Read "now" from ``now`` (an aware datetime in UTC) from here on."""
    global _now
    _now = now


def today() -> date:
    """Today in Japan, by the instance's clock."""
    return _now().astimezone(TOKYO).date()


class DateUnreadable(ValueError):
    """The text is not a date; the message says why, in Japanese."""


def read_date(text: str) -> date:
    """A date typed in any of the accepted forms, or DateUnreadable."""
    text = normalise(text).replace(" ", "")
    # NFKC has made ㋿/㍻ into 令和/平成 and full-width digits and separators half-width.
    if match := _GREGORIAN.fullmatch(text):
        year, month, day = (int(g) for g in match.groups() if g is not None)
        era = None
    elif match := _ERA.fullmatch(text):
        name = _ERA_LETTERS.get(match[1].upper(), match[1])
        first, start, end = ERAS[name]
        era_year = 1 if match[2] == "元" else int(match[2])
        year, month, day = first + era_year - 1, int(match[3]), int(match[4])
        era = (name, era_year, start, end)
    else:
        raise DateUnreadable(DATE_FORMAT_MESSAGE)
    typed = f"{era[0]}{era[1]}年" if era else f"{year}年"
    typed += f"{month}月{day}日"
    try:
        value = date(year, month, day)
    except ValueError:
        raise DateUnreadable(f"{typed}という日付はありません。") from None
    if era is not None:
        name, era_year, start, end = era
        if era_year == 0 or value < start or (end is not None and value > end):
            span = f"{japanese_date(start)}から" + (f"{japanese_date(end)}まで" if end else "")
            raise DateUnreadable(f"{typed}はありません({name}は{span}です)。")
    return value


def date_bound(spec) -> tuple[date, str] | None:
    """A ``min``/``max`` of a date field (``2026-04-01``, ``today``, ``today-30``) as the
    date it means now and how to say it; None when it cannot be read."""
    if isinstance(spec, date):
        return spec, japanese_date(spec)
    if not isinstance(spec, str):
        return None
    if match := _RELATIVE.fullmatch(spec.strip()):
        days = int(match[2] or 0) * (-1 if match[1] == "-" else 1)
        value = today() + timedelta(days=days)
        return value, ("今日" if days == 0 else japanese_date(value))
    if _ISO.fullmatch(spec):
        try:
            value = date.fromisoformat(spec)
        except ValueError:
            return None
        return value, japanese_date(value)
    return None


class DateField(BuiltinField):
    """日付: stored as ISO text (``2026-11-21``), which compares correctly as text in
    expressions. ``min``/``max``: an ISO date or ``today`` (``today-7``, ``today+30``)."""

    name = "date"
    label = "日付"
    description = "年月日。和暦の入力も読み取ります。"
    category = "日付・時刻"
    uses = frozenset({"min", "max"})

    def check_settings(self) -> list[tuple[str, str]]:
        problems, bounds = [], {}
        for key in ("min", "max"):
            spec = getattr(self.definition, key)
            if spec is None:
                continue
            bounds[key] = date_bound(spec)
            if bounds[key] is None:
                problems.append((key, f"{key} は 2026-04-01 のような日付か today "
                                      "(today-7 なども可)で書いてください。"))
        # Two fixed dates can be compared now; a bound relative to today moves.
        fixed = [b for k, b in bounds.items()
                 if b and not _RELATIVE.fullmatch(str(getattr(self.definition, k)).strip())]
        if len(fixed) == 2 and fixed[0][0] > fixed[1][0]:
            problems.append(("max", "max が min より前の日付になっています。"))
        return problems

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        if not raw.strip():
            return Parsed(None, raw)
        try:
            return Parsed(read_date(raw).isoformat(), raw)
        except DateUnreadable as error:
            return Parsed(None, raw, str(error))

    def validate(self, value) -> list[str]:
        day = date.fromisoformat(value)
        low = None if self.definition.min is None else date_bound(self.definition.min)
        high = None if self.definition.max is None else date_bound(self.definition.max)
        if low and high and not low[0] <= day <= high[0]:
            return [f"{low[1]}〜{high[1]}の日付を入力してください。"]
        if low and day < low[0]:
            return [f"{low[1]}以降の日付を入力してください。"]
        if high and day > high[0]:
            return [f"{high[1]}以前の日付を入力してください。"]
        return []

    def from_json(self, value):
        if value is None:
            return None
        if not isinstance(value, str) or not _ISO.fullmatch(value):
            raise ValueError(f"not an ISO date: {value!r}")
        return date.fromisoformat(value).isoformat()

    def display(self, value) -> str:
        if self.is_empty(value):
            return ""
        day = date.fromisoformat(value)
        return f"{japanese_date(day)}({WEEKDAY_LABELS[day.weekday()]})"

    def csv_cells(self, value) -> list[str]:
        return ["" if self.is_empty(value) else value]


# --- times ---------------------------------------------------------------------------------

TIME_FORMAT_MESSAGE = "時刻は 09:05 のように24時間制で入力してください。"
_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_CLOCK = re.compile(r"(午前|午後|AM|PM)?(\d{1,2})(?::(\d{2})|時(?:(\d{1,2})分|(半))?)"
                    r"|(\d{1,2})(\d{2})", re.IGNORECASE)


class TimeUnreadable(ValueError):
    pass


def read_time(text: str, *, end_of_day: bool = False) -> str:
    """``HH:MM`` of a time typed as 9:05, 09:05, 0905, ９時５分, 午後2時半; TimeUnreadable
    otherwise. ``end_of_day`` admits 24:00 (closing at midnight)."""
    text = normalise(text).replace(" ", "")
    match = _CLOCK.fullmatch(text)
    if not match:
        raise TimeUnreadable(TIME_FORMAT_MESSAGE)
    meridiem, hour, minute, minute_jp, half, hour_4, minute_4 = match.groups()
    hour = int(hour if hour is not None else hour_4)
    minute = 30 if half else int(minute or minute_jp or minute_4 or 0)
    if meridiem:
        if hour > 12:
            raise TimeUnreadable("午前・午後をつけるときは12時までで入力してください。")
        hour = hour % 12 + (12 if meridiem.upper() in ("午後", "PM") else 0)
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not end_of_day)):
        raise TimeUnreadable("時刻は 00:00〜23:59 の範囲で入力してください。"
                             if not end_of_day else
                             "時刻は 00:00〜24:00 の範囲で入力してください。")
    return f"{hour:02d}:{minute:02d}"


class TimeField(BuiltinField):
    """時刻: ``HH:MM``, 24-hour; text in expressions (``"09:00" <= opens``).
    ``min``/``max``: ``HH:MM``."""

    name = "time"
    label = "時刻"
    description = "時刻(24時間制)。"
    category = "日付・時刻"
    uses = frozenset({"min", "max"})

    def check_settings(self) -> list[tuple[str, str]]:
        problems = []
        for key in ("min", "max"):
            bound = getattr(self.definition, key)
            if bound is not None and not (isinstance(bound, str) and _HH_MM.fullmatch(bound)):
                # YAML reads an unquoted 18:00 as the number 1080.
                problems.append((key, f"{key} は \"09:00\" のように HH:MM を引用符で囲んで"
                                      "書いてください。"))
        low, high = self.definition.min, self.definition.max
        if not problems and low is not None and high is not None and low > high:
            problems.append(("max", "max が min より前の時刻になっています。"))
        return problems

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        if not raw.strip():
            return Parsed(None, raw)
        try:
            return Parsed(read_time(raw), raw)
        except TimeUnreadable as error:
            return Parsed(None, raw, str(error))

    def validate(self, value) -> list[str]:
        low, high = self.definition.min, self.definition.max
        if low is not None and high is not None and not low <= value <= high:
            return [f"{low}〜{high}の時刻を入力してください。"]
        if low is not None and value < low:
            return [f"{low}以降の時刻を入力してください。"]
        if high is not None and value > high:
            return [f"{high}以前の時刻を入力してください。"]
        return []

    def from_json(self, value):
        if value is not None and not (isinstance(value, str) and _HH_MM.fullmatch(value)):
            raise ValueError(f"not a time: {value!r}")
        return value
