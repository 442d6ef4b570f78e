"""The instance's clock: real time, or on a training or acceptance instance a Japan time of
its choosing (研修用の時刻), so that a prefecture can rehearse the 13:00 cut-off of emergency
supply requests, a holiday weekend or a reporting window with its staff.

A shifted clock is real time plus a fixed shift computed from the settings alone: it keeps
running, so sessions, lockouts, reset links and mail retries still expire and the cut-off
can be watched passing, and every worker, app server and cron job of the instance shows
the same time without agreeing on anything but their environment. Production refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, has_app_context

from gmis.japan_time import TOKYO

#: Values of GMIS_ENV. Only "production" changes behaviour: it refuses a shifted clock.
ENVIRONMENTS = ("development", "acceptance", "training", "production")

#: A shifted clock must show a time in these years: a typo such as 20266 or +3000d is
#: refused rather than running the instance in another century (period keys, era names and
#: the holiday calendar are only meant for this one).
YEARS = range(2000, 2100)

_JAPAN_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)")
_OFFSET = re.compile(r"([+-]?)(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?")


class ClockSettingError(ValueError):
    """A clock setting the instance cannot start with; the message names the variable."""


@dataclass(frozen=True)
class Clock:
    #: How far the instance's time is ahead of real time (negative: behind).
    shift: timedelta = timedelta(0)

    @property
    def shifted(self) -> bool:
        return bool(self.shift)

    def utcnow(self) -> datetime:
        return datetime.now(UTC) + self.shift


REAL_TIME = Clock()


def utcnow() -> datetime:
    """Now, timezone-aware in UTC, by the current app's clock (real time outside an app)."""
    clock = current_app.extensions.get("gmis.clock", REAL_TIME) if has_app_context() \
        else REAL_TIME
    return clock.utcnow()


def parse_japan_time(name: str, value: str) -> datetime:
    """``2026-12-28T12:50`` (seconds optional, a space for the T allowed) as Japan time."""
    match = _JAPAN_TIME.fullmatch(value.strip())
    if not match:
        raise ClockSettingError(
            f"GMIS_{name}={value!r}: 日本時間を 2026-12-28T12:50 の形で指定してください。")
    try:
        return datetime.fromisoformat(f"{match[1]}T{match[2]}").replace(tzinfo=TOKYO)
    except ValueError:
        raise ClockSettingError(f"GMIS_{name}={value!r}: その日時はありません。") from None


def parse_offset(value: str) -> timedelta:
    """``+3d2h``, ``-1d``, ``+2h30m``: days, hours and minutes, in that order."""
    match = _OFFSET.fullmatch(value.strip())
    if not match or not any(match.group(2, 3, 4)):
        raise ClockSettingError(
            f"GMIS_CLOCK_OFFSET={value!r}: +3d2h、-1d、+2h30m のように、符号と"
            "日数(d)・時間(h)・分(m)をこの順に指定してください。")
    days, hours, minutes = (int(part or 0) for part in match.group(2, 3, 4))
    shift = timedelta(days=days, hours=hours, minutes=minutes)
    return -shift if match[1] == "-" else shift


def from_settings(environment: str | None, clock: str | None, clock_from: str | None,
                  offset: str | None) -> Clock:
    """The clock the settings ask for (GMIS_ENV, GMIS_CLOCK with GMIS_CLOCK_FROM, or
    GMIS_CLOCK_OFFSET; empty values count as unset), or ClockSettingError saying why not."""
    environment = environment or "development"
    if environment not in ENVIRONMENTS:
        raise ClockSettingError(
            f"GMIS_ENV={environment!r}: {'、'.join(ENVIRONMENTS)} のいずれかを指定してください。")
    if not (clock or clock_from or offset):
        return REAL_TIME
    if environment == "production":
        raise ClockSettingError(
            "本番環境 (GMIS_ENV=production) では GMIS_CLOCK・GMIS_CLOCK_FROM・"
            "GMIS_CLOCK_OFFSET を指定できません。時刻をずらすと、回答期限、緊急配布要請の"
            "受付日、記録される日時がすべて実際とずれるためです。")
    if clock and offset:
        raise ClockSettingError(
            "GMIS_CLOCK と GMIS_CLOCK_OFFSET は、どちらか一方だけを指定してください。")
    if offset:
        if clock_from:
            raise ClockSettingError(
                "GMIS_CLOCK_FROM は GMIS_CLOCK と組み合わせて指定します"
                "(GMIS_CLOCK_OFFSET には不要です)。")
        shift, setting = parse_offset(offset), f"GMIS_CLOCK_OFFSET={offset!r}"
    elif not clock:
        raise ClockSettingError(
            "GMIS_CLOCK_FROM は GMIS_CLOCK と組み合わせて指定します。")
    elif not clock_from:
        # Without an anchor each process would start its own clock when it starts (a cron
        # job at every run): the workers would disagree on the time.
        raise ClockSettingError(
            f"GMIS_CLOCK={clock!r}: その時刻を示す実際の日本時間を GMIS_CLOCK_FROM に"
            "指定してください(例: GMIS_CLOCK_FROM=2026-03-05T10:00)。時計はそこから進みます。")
    else:
        shift = parse_japan_time("CLOCK", clock) - parse_japan_time("CLOCK_FROM", clock_from)
        setting = f"GMIS_CLOCK={clock!r} (GMIS_CLOCK_FROM={clock_from!r})"
    try:
        shown = datetime.now(TOKYO) + shift
    except OverflowError:
        shown = None
    if shown is None or shown.year not in YEARS:
        raise ClockSettingError(
            f"{setting}: 研修用の時刻が {YEARS.start}年から{YEARS.stop - 1}年までに"
            "なるように指定してください。")
    return Clock(shift)


def japanese_time(value: datetime) -> str:
    """2026年12月28日 12:50, Japan time."""
    local = value.astimezone(TOKYO)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def notice(clock: Clock | None = None) -> str | None:
    """The banner of every page (and the start-up log line) while the clock is shifted;
    ``clock`` defaults to the current app's."""
    clock = clock or current_app.extensions.get("gmis.clock", REAL_TIME)
    if not clock.shifted:
        return None
    shown = japanese_time(clock.utcnow())
    return f"研修用の時刻で動作しています: {shown}(実際の時刻とは異なります)"


def init_app(app: Flask) -> None:
    """Set the app's clock from its configuration; a bad or forbidden setting stops the
    start-up with ClockSettingError."""
    clock = from_settings(app.config.get("ENVIRONMENT"), app.config.get("CLOCK"),
                          app.config.get("CLOCK_FROM"), app.config.get("CLOCK_OFFSET"))
    app.extensions["gmis.clock"] = clock
    app.jinja_env.globals["clock_notice"] = notice
    if clock.shifted:
        app.logger.warning("%s", notice(clock))
