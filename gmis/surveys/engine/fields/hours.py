"""診療時間(曜日別): opening hours per day of the week and on public holidays."""

from __future__ import annotations

import re

from marshmallow import Schema, fields

from gmis.surveys.engine.fields.base import BuiltinField, Parsed, form_text, whole_number
from gmis.surveys.engine.fields.dates import TimeUnreadable, read_time

#: (key, short label, name in messages).
DAYS = (
    ("mon", "月", "月曜日"),
    ("tue", "火", "火曜日"),
    ("wed", "水", "水曜日"),
    ("thu", "木", "木曜日"),
    ("fri", "金", "金曜日"),
    ("sat", "土", "土曜日"),
    ("sun", "日", "日曜日"),
    ("holiday", "祝", "祝日"),
)
DAY_KEYS = tuple(day for day, _, _ in DAYS)
CLOSED = "休診"
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


class WeeklyHoursOptions(Schema):
    #: Time ranges a day may have (morning and afternoon: 2).
    ranges = fields.Integer(load_default=2, validate=whole_number(1, 4), metadata={
        "label": "1日の時間帯の数", "help": "午前と午後に分かれる場合は2です。"})


class WeeklyHoursField(BuiltinField):
    """For each day (月〜日, 祝日): closed, or up to ``ranges`` time ranges. The value maps
    days to lists of ``[start, end]``, e.g. ``{"mon": [["09:00", "12:00"], ["14:00",
    "18:00"]], "sun": []}``; a day that is missing, or empty, is closed. End times may be
    24:00. In expressions every day is present: ``hours.sat.size() > 0``."""

    name = "weekly_hours"
    label = "診療時間(曜日別)"
    description = "曜日ごとの診療・営業時間(1日に複数の時間帯)。"
    category = "日付・時刻"
    grouped = True
    options_schema = WeeklyHoursOptions
    days = DAYS

    @property
    def slots(self) -> int:
        return self.options["ranges"]

    def _where(self, long: str, number: int) -> str:
        return f"{long}の時間帯" if self.slots == 1 else f"{long}の{number}つ目の時間帯"

    def day_has_error(self, errors, day: str) -> bool:
        """Whether one of ``errors`` (this field's messages) is about ``day``."""
        long = next(name for key, _, name in DAYS if key == day)
        return any(long in error for error in errors or ())

    def parse(self, form, name) -> Parsed:
        value, raw, errors = {}, {}, []
        for day, _, long in DAYS:
            closed = bool(form_text(form, f"{name}.{day}.closed").strip())
            typed = [[form_text(form, f"{name}.{day}.{i}.start"),
                      form_text(form, f"{name}.{day}.{i}.end")] for i in range(self.slots)]
            raw[day] = {"closed": closed, "ranges": typed}
            ranges, anything_typed = [], False
            for number, (start, end) in enumerate(typed, 1):
                if not start.strip() and not end.strip():
                    continue
                anything_typed = True
                if not start.strip() or not end.strip():
                    errors.append(f"{self._where(long, number)}: "
                                  "開始と終了の両方を入力してください。")
                    continue
                try:
                    ranges.append([read_time(start), read_time(end, end_of_day=True)])
                except TimeUnreadable as error:
                    errors.append(f"{self._where(long, number)}: {error}")
            if closed and anything_typed:
                errors.append(f"{long}は「{CLOSED}」と時間帯の両方が入力されています。"
                              "どちらか一方にしてください。")
            elif closed:
                value[day] = []
            elif ranges:
                value[day] = sorted(ranges)
        if errors:
            return Parsed(None, raw, " ".join(errors))
        return Parsed(value or None, raw)

    def validate(self, value) -> list[str]:
        messages = []
        for day, _, long in DAYS:
            ranges = value.get(day, [])
            if len(ranges) > self.slots:
                messages.append(f"{long}の時間帯は{self.slots}つまでです。")
            previous = None
            for number, (start, end) in enumerate(ranges, 1):
                if end <= start:
                    messages.append(f"{self._where(long, number)}: "
                                    f"終了({end})は開始({start})より後の時刻にしてください。")
                elif previous is not None and start < previous[1]:
                    messages.append(f"{long}の時間帯が重なっています"
                                    f"({previous[0]}-{previous[1]} と {start}-{end})。")
                previous = [start, end]
        return messages

    def from_json(self, value):
        if value is None:
            return None
        if not isinstance(value, dict) or set(value) - set(DAY_KEYS):
            raise ValueError(f"not weekly hours: {value!r}")
        clean = {}
        for day in DAY_KEYS:
            if day not in value:
                continue
            ranges = value[day]
            if not isinstance(ranges, list) or not all(
                    isinstance(r, list | tuple) and len(r) == 2
                    and all(isinstance(t, str) and _TIME.fullmatch(t) for t in r)
                    for r in ranges):
                raise ValueError(f"not time ranges: {ranges!r}")
            clean[day] = [list(r) for r in ranges]
        return clean

    def to_cel(self, value):
        return {day: [list(r) for r in value.get(day, [])] for day in DAY_KEYS}

    def day_text(self, value, day: str) -> str:
        """``09:00-12:00,14:00-18:00``, or 休診."""
        ranges = value.get(day) or []
        return ",".join(f"{start}-{end}" for start, end in ranges) or CLOSED

    def display(self, value) -> str:
        if self.is_empty(value):
            return ""
        return " / ".join(f"{short} {self.day_text(value, day)}" for day, short, _ in DAYS)

    def as_input(self, value):
        """Every day as ``{"closed": bool, "ranges": [[start, end], ...]}``, with as many
        ranges as the form shows (blank ones to fill)."""
        shown = {}
        for day in DAY_KEYS:
            ranges = [list(r) for r in (value or {}).get(day, [])][:self.slots]
            shown[day] = {"closed": bool(value) and not ranges,
                          "ranges": ranges + [["", ""]] * (self.slots - len(ranges))}
        return shown

    def csv_columns(self) -> list[str]:
        """One column per day: ``09:00-12:00,14:00-18:00``, 休診, or empty if unanswered."""
        return [f"{self.definition.label}:{long}" for _, _, long in DAYS]

    def csv_cells(self, value) -> list[str]:
        if self.is_empty(value):
            return [""] * len(DAYS)
        return [self.day_text(value, day) for day in DAY_KEYS]
