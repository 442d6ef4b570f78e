"""The training clock (研修用の時刻): its settings, production's refusal, and everything that
asks "what time is it" following it: timestamps, sign-in, the SOS handling day, a survey's
"today" and deadline, and the banner on every page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from gmis import clock, create_app
from gmis.clock import ClockSettingError, from_settings
from gmis.db import session, utcnow
from gmis.japan_time import TOKYO
from gmis.models import SosRequest, SosStatus
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.validation import evaluate_form
from gmis.surveys.runtime import field_types
from tests.blueprints.test_sos import Requester
from tests.fixtures.factories import PASSWORD
from tests.fixtures.surveys import HOSPITAL_DAY, supplies_week
from tests.fixtures.web import client_of, page_text, post_form, sign_in

FIVE_SECONDS = timedelta(seconds=5)
#: A survey whose date may not lie after today (by the instance's clock).
DATED_SURVEY = """
schema_version: 1
key: dated
title: 届出
period: {kind: ad_hoc}
sections:
  - key: main
    title: 届出
    fields:
      - {key: reported, type: date, label: 届出日, max: today}
"""
#: Production refuses to start with the development secret key.
PRODUCTION_KEY = "k" * 64


def japan(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def real_japan_time(delta: timedelta = timedelta(0)) -> str:
    """Real Japan time (plus ``delta``) as a GMIS_CLOCK_FROM value."""
    return (datetime.now(TOKYO) + delta).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize(("offset", "shift"), [
    ("+3d2h", timedelta(days=3, hours=2)),
    ("-1d", timedelta(days=-1)),
    ("+2h30m", timedelta(hours=2, minutes=30)),
    ("45m", timedelta(minutes=45)),
    (" -10d ", timedelta(days=-10)),
])
def test_an_offset_shifts_real_time(offset, shift):
    assert from_settings(None, None, None, offset).shift == shift


@pytest.mark.parametrize(("shown", "since", "shift"), [
    ("2026-12-28T12:50", "2026-12-01T09:00", timedelta(days=27, hours=3, minutes=50)),
    ("2026-12-28 12:50:30", "2026-12-28T12:50", timedelta(seconds=30)),
    ("2026-05-02T10:00", "2026-05-03T10:00", timedelta(days=-1)),
])
def test_a_japan_time_runs_from_the_real_time_given(shown, since, shift):
    assert from_settings("training", shown, since, None).shift == shift


@pytest.mark.parametrize(("settings", "message"), [
    ({"offset": "3 days"}, "GMIS_CLOCK_OFFSET='3 days': +3d2h、-1d、+2h30m のように"),
    ({"offset": "+2h3d"}, "日数(d)・時間(h)・分(m)をこの順に"),
    ({"offset": "+"}, "GMIS_CLOCK_OFFSET='+'"),
    ({"offset": "+40000d"}, "研修用の時刻が 2000年から2099年までになるように"),
    ({"offset": "+9999999d"}, "GMIS_CLOCK_OFFSET='+9999999d'"),
    ({"clock": "2026/12/28 12:50", "clock_from": "2026-12-01T09:00"},
     "GMIS_CLOCK='2026/12/28 12:50': 日本時間を 2026-12-28T12:50 の形で"),
    ({"clock": "2026-02-30T12:50", "clock_from": "2026-12-01T09:00"},
     "GMIS_CLOCK='2026-02-30T12:50': その日時はありません。"),
    ({"clock": "2026-12-28T12:50+09:00", "clock_from": "2026-12-01T09:00"},
     "日本時間を 2026-12-28T12:50 の形で"),
    ({"clock": "2026-12-28T12:50", "clock_from": "tomorrow"}, "GMIS_CLOCK_FROM='tomorrow'"),
    ({"clock": "2026-12-28T12:50"}, "その時刻を示す実際の日本時間を GMIS_CLOCK_FROM に"),
    ({"clock_from": "2026-12-01T09:00"}, "GMIS_CLOCK_FROM は GMIS_CLOCK と組み合わせて"),
    ({"offset": "+1d", "clock_from": "2026-12-01T09:00"}, "GMIS_CLOCK_OFFSET には不要"),
    ({"clock": "2026-12-28T12:50", "clock_from": "2026-12-01T09:00", "offset": "+1d"},
     "どちらか一方だけ"),
    ({"clock": "1926-12-25T12:00", "clock_from": real_japan_time()}, "2000年から2099年まで"),
    ({"environment": "prod", "offset": "+1d"},
     "GMIS_ENV='prod': development、acceptance、training、production のいずれか"),
])
def test_bad_settings_are_refused_with_a_message(settings, message):
    arguments = {"environment": None, "clock": None, "clock_from": None, "offset": None}
    with pytest.raises(ClockSettingError) as refused:
        from_settings(**{**arguments, **settings})
    assert message in str(refused.value)


@pytest.mark.parametrize("settings", [
    {"CLOCK_OFFSET": "+3d"},
    {"CLOCK": "2026-12-28T12:50", "CLOCK_FROM": "2026-12-01T09:00"},
    {"CLOCK_OFFSET": "+0m"},
])
def test_production_does_not_start_with_a_clock_setting(settings):
    with pytest.raises(ClockSettingError, match=r"本番環境 \(GMIS_ENV=production\) では"):
        create_app({"DATABASE_URL": "sqlite://", "ENVIRONMENT": "production",
                    "SECRET_KEY": PRODUCTION_KEY, **settings})


def test_production_starts_on_real_time():
    app = create_app({"DATABASE_URL": "sqlite://", "ENVIRONMENT": "production",
                      "SECRET_KEY": PRODUCTION_KEY, "CLOCK": "", "CLOCK_OFFSET": ""})
    with app.app_context():
        assert abs(utcnow() - datetime.now(UTC)) < FIVE_SECONDS


def test_utcnow_follows_an_offset_clock():
    app = create_app({"DATABASE_URL": "sqlite://", "CLOCK_OFFSET": "+3d2h"})
    with app.app_context():
        assert abs(utcnow() - datetime.now(UTC) - timedelta(days=3, hours=2)) < FIVE_SECONDS
    # Outside the app (and in every other app) time is real.
    assert abs(utcnow() - datetime.now(UTC)) < FIVE_SECONDS


def test_utcnow_follows_a_japan_time_clock_that_keeps_running():
    settings = {"DATABASE_URL": "sqlite://", "CLOCK": "2026-12-28T12:50",
                "CLOCK_FROM": real_japan_time(-timedelta(minutes=10))}
    app = create_app(settings)
    with app.app_context():
        # Ten real minutes after GMIS_CLOCK_FROM, the instance says 13:00.
        assert abs(utcnow() - japan("2026-12-28T13:00")) < FIVE_SECONDS
    # A worker or cron job started later with the same settings tells the same time.
    later = create_app(settings)
    assert later.extensions["gmis.clock"] == app.extensions["gmis.clock"]


def test_start_up_logs_the_shifted_time(caplog):
    create_app({"DATABASE_URL": "sqlite://", "CLOCK": "2026-12-28T12:50",
                "CLOCK_FROM": real_japan_time()})
    assert ("研修用の時刻で動作しています: 2026年12月28日 12:50(実際の時刻とは異なります)"
            in caplog.text)


@pytest.fixture
def set_clock(app, monkeypatch):
    """``set_clock("2026-12-28T12:50")``: the test app runs at that Japan time from now on,
    as with GMIS_CLOCK=2026-12-28T12:50 and GMIS_CLOCK_FROM the real time now."""

    def set_to(shown: str) -> None:
        monkeypatch.setitem(app.extensions, "gmis.clock",
                            from_settings("training", shown, real_japan_time(), None))

    return set_to


def test_every_page_shows_the_banner_while_the_clock_is_shifted(client, set_clock):
    set_clock("2026-12-28T12:50")
    html = client.get("/login").get_data(as_text=True)
    assert ('<p class="clock-banner" role="note">研修用の時刻で動作しています: '
            "2026年12月28日 12:50(実際の時刻とは異なります)</p>") in html
    assert "研修用の時刻" in client.get("/no-such-page").get_data(as_text=True)


def test_no_banner_on_real_time(client):
    assert "研修用の時刻" not in client.get("/login").get_data(as_text=True)
    assert clock.notice(clock.REAL_TIME) is None


def test_sign_in_and_lockouts_run_on_the_shifted_time(app, client, make_user, set_clock):
    set_clock("2026-12-28T12:50")
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_form(client, "/login", {"login_id": user.login_id, "password": "Wrong-pass1"})
    # Locked: even the right password is refused (with the answer of a wrong one).
    locked = post_form(client, "/login", {"login_id": user.login_id, "password": PASSWORD})
    assert locked.status_code == 401
    # Fifteen minutes later by the instance's clock, the lock has run out.
    set_clock("2026-12-28T13:06")
    sign_in(client, user)
    assert client.get("/home").status_code == 200


@pytest.mark.parametrize(("shown", "handled"), [
    ("2026-12-28T12:50", date(2026, 12, 28)),  # Monday before 13:00: the same day
    ("2026-12-28T13:05", date(2027, 1, 4)),  # after 13:00: past the year-end holidays
])
def test_the_sos_handling_day_follows_the_clock(app, make_user, builtin_survey, answer_survey,
                                               set_clock, shown, handled):
    set_clock(shown)
    hospital = make_user()
    today = periods.today(utcnow())
    answer_survey(builtin_survey("hospital_daily"), hospital, today, HOSPITAL_DAY)
    short_of_gloves = supplies_week({"gloves": "within_1_week"})
    answer_survey(builtin_survey("supplies_weekly"), hospital, today, short_of_gloves)
    session.commit()
    form = Requester(client_of(app, hospital))
    assert f"{handled.month}月{handled.day}日" in page_text(form.html)
    assert form.post("apply", general_confirmed="y", quantity_gloves="50").status_code == 303
    request = session.scalars(sa.select(SosRequest)).one()
    assert request.status == SosStatus.reviewing
    assert request.handling_date == handled
    assert request.title.startswith("2026/12/28_")


@pytest.mark.parametrize(("shown", "overdue"), [
    ("2026-12-28T12:50", False), ("2026-12-28T13:10", True),
])
def test_a_surveys_today_and_deadline_follow_the_clock(app, make_user, builtin_survey,
                                                      set_clock, shown, overdue):
    builtin_survey("hospital_daily")
    session.commit()
    set_clock(shown)
    page = page_text(client_of(app, make_user()).get("/surveys").get_data(as_text=True))
    mark = "締切超過 " if overdue else ""
    assert f"2026年12月28日(月) 今回 未回答 {mark}締切 2026/12/28 13:00" in page


@pytest.mark.parametrize(("answer", "refused"), [("2026-12-28", False), ("2026-12-29", True)])
def test_a_date_fields_today_follows_the_clock(app, set_clock, answer, refused):
    survey = compile_survey(parse_definition(DATED_SURVEY), field_types())
    set_clock("2026-12-28T12:50")
    errors = evaluate_form(survey, {"f.reported": answer}).errors
    assert ("reported" in errors) is refused
