"""What a phone transfers and waits for to fill today's hospital daily survey, measured in
Chromium: the first visit (cold cache; also of yesterday's submitted answer), a repeat visit
(warm cache), each move to the next section, and on slow 3G (400 kbit/s, 400 ms round trip)
the time to first paint, DOMContentLoaded and load, when the page is usable. Targets: first
visit < 50 KB, repeat visit < 15 KB, usable < 2 s.

Floor: the sign-in page in the same browser, cold and warm, on the same network.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from pathlib import Path

import gmis
from gmis.accounts.passwords import hash_password
from gmis.db import session, utcnow
from gmis.demo.activity import typed_day
from gmis.models import Facility, FacilityType, Role, User
from gmis.surveys.engine import periods
from gmis.surveys.runtime import field_types
from gmis.surveys.store import eligibility, responses, versions
from gmis.text import with_check_digit
from tools.bench.browser import (
    CHROMIUM,
    SLOW_3G,
    UNTHROTTLED,
    Meter,
    Transfer,
    phone,
    served,
)
from tools.bench.scratch import scratch_app
from tools.bench.timing import report, report_value

#: The built-in definition shipped with the product (the benchmarks live outside it).
SURVEY = Path(gmis.__file__).resolve().parent / "survey_defs" / "hospital_daily.yaml"
LOGIN_ID = "bench-weight"
PASSWORD = "Bench-Weight2026"
#: The id of the section a person sees (the first one laid out on screen).
VISIBLE_SECTION = """() => {
  const shown = [...document.querySelectorAll("section.survey-section")]
    .find((section) => section.offsetParent !== null);
  return shown ? shown.id : null;
}"""


def _install(app) -> tuple[str, str]:
    """The built-in daily survey and a hospital user who submitted yesterday's answers; the
    paths of today's fill page and of yesterday's (a submitted answer, open to correct)."""
    import yaml

    with app.app_context():
        version = versions.import_definition(
            yaml.safe_load(SURVEY.read_text(encoding="utf-8")), field_types(),
            source=SURVEY.name).version
        versions.publish(version, date(2020, 4, 1))
        user = User(login_id=LOGIN_ID, name="計測 太郎", email="w@example.jp",
                    role=Role.facility, password_hash=hash_password(PASSWORD),
                    facility=Facility(facility_type=FacilityType.hospital,
                                      code=with_check_digit("131010001"),
                                      name="計測病院", prefecture_code="13", beds=320))
        session.add(user)
        session.flush()
        today = periods.today(utcnow())
        yesterday = today - timedelta(days=1)
        target = responses.open_target(version.survey, eligibility.respondent_of(user),
                                       periods.period_for("daily", yesterday))
        form = {f"f.{key}": value for key, value in typed_day(random.Random(11), 320).items()}
        responses.save(target, responses.read_answers(target, form, None), user=user,
                       revision=0, submit=True)
        session.commit()
        return (f"/surveys/hospital_daily/{today.isoformat()}",
                f"/surveys/hospital_daily/{yesterday.isoformat()}")


def _sign_in(page) -> None:
    page.goto("/login")
    page.get_by_label("ユーザID").fill(LOGIN_ID)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url("**/home")


def _visible_title(page) -> str:
    return page.locator(f"#{page.evaluate(VISIBLE_SECTION)} h2").first.inner_text().split()[0]


def _section_switches(page, meter: Meter) -> tuple[list[str], list[tuple[Transfer, float]]]:
    """The sections' titles, and (transfer, seconds on slow 3G until the next one shows) for
    each press of 次へ."""
    titles, switches = [_visible_title(page)], []
    while page.get_by_role("button", name="次へ").count():
        before = page.evaluate(VISIBLE_SECTION)
        meter.network(SLOW_3G)
        try:
            meter.start()
            started = time.perf_counter()
            page.get_by_role("button", name="次へ").click()
            page.wait_for_function(f"(before) => ({VISIBLE_SECTION})() !== before", arg=before)
            seconds = time.perf_counter() - started
            switches.append((meter.finish(), seconds))
        finally:
            meter.network(UNTHROTTLED)
        titles.append(_visible_title(page))
    return titles, switches


def run() -> None:
    if not CHROMIUM.exists():
        print(f"Fill page weight: skipped, Chromium is not installed at {CHROMIUM}")
        return
    with scratch_app() as app, served(app) as base_url, phone(base_url) as page:
        fill, submitted = _install(app)
        meter = Meter(page)
        sign_in_cold = meter.measure(lambda: page.goto("/login"))
        sign_in_warm = meter.measure(lambda: page.goto("/login"))
        floor_times = meter.timings("/login", cold=True)
        _sign_in(page)

        meter.forget_cache()
        first = meter.measure(lambda: page.goto(fill))
        repeat = meter.measure(lambda: page.goto(fill))
        titles, switches = _section_switches(page, meter)
        meter.forget_cache()
        submitted_first = meter.measure(lambda: page.goto(submitted))
        cold_times = meter.timings(fill, cold=True)
        warm_times = meter.timings(fill, cold=False)

    print("Hospital daily survey's fill page on a phone, in Chromium")
    report_value("first visit (cold cache), transferred", first.bytes / 1024,
                 sign_in_cold.bytes / 1024, "KB", "< 50 KB")
    report_value("repeat visit (warm cache), transferred", repeat.bytes / 1024,
                 sign_in_warm.bytes / 1024, "KB", "< 15 KB")
    report_value("first visit of a submitted day, transferred", submitted_first.bytes / 1024,
                 sign_in_cold.bytes / 1024, "KB", "< 50 KB")
    print(f"    requests: first visit {first.requests}, repeat visit {repeat.requests}; "
          f"encodings: {', '.join(sorted(first.encodings)) or 'none'}")
    for number, (transfer, seconds) in enumerate(switches, start=1):
        step = f"section {number} → {number + 1}"
        report_value(f"{step}: transferred", transfer.bytes / 1024,
                     sign_in_warm.bytes / 1024, "KB")
        report(f"{step}: slow 3G, {transfer.requests} request(s)", seconds, floor_times[0])
    print("    sections: " + ", ".join(f"{n} {t}" for n, t in enumerate(titles, start=1)))
    for name, index, target in (("first paint", 0, None), ("DOMContentLoaded", 1, None),
                                ("load: usable", 2, 2000)):
        report(f"slow 3G, first visit: {name}", cold_times[index], floor_times[index], target)
    for name, index, target in (("first paint", 0, None), ("load: usable", 2, 2000)):
        report(f"slow 3G, repeat visit: {name}", warm_times[index], floor_times[index],
               target)
    print("  (floor: the sign-in page, cold or warm as the figure, on the same network; for "
          "a section's time, the sign-in page's first paint)")
