"""Daily reporting at national scale, on PostgreSQL: today's answer status, a day's CSV
export, and daily-survey submissions from concurrent clients through gunicorn.

Set-up (see ``daily_data``): the benchmark database is emptied, migrated and filled with
8,060 hospitals and 40,000 designated clinics, the hospital and clinic daily surveys in
force for a month, and a month of answers to both (about 90% each day, 60% today).

Floors, measured in the same run:

* answer status: GET /healthz through the same test client (one request, one query);
* CSV export: the same rows written with the csv module to a StringIO and encoded with
  ``str.encode``, in the same chunks (for memory too);
* submissions: the same client harness against a bare WSGI app (``floor_app``) served by the
  same gunicorn settings, doing one SQLAlchemy Core INSERT and a commit per POST.

The SPEC figure of the CSV writer (180,000 rows × 100 columns) needs no database and runs
without PostgreSQL too.
"""

from __future__ import annotations

import random
import re
import secrets
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import psycopg
import sqlalchemy as sa
from flask import Flask

from gmis.accounts.sessions import token_hash
from gmis.csv_export import CsvWriter, Encoding
from gmis.db import session, utcnow
from gmis.demo import activity as demo_activity
from gmis.models import FacilityType, ResponseStatus, Role, SurveyResponse, User, UserSession
from gmis.reports import exports, operations
from gmis.surveys.engine import periods
from tools.bench import bed_view, csv_rows, daily_data, floor_app, http_load, postgres
from tools.bench.daily_data import DailySurvey, FacilityRow
from tools.bench.timing import median_seconds, report, report_value

SEED = 20_260_501
#: Hospitals with a user of their own, submitting through gunicorn.
SUBMITTING_HOSPITALS = 1_000
#: Concurrent client threads, and how long they send (at most one request per pair).
CLIENTS = 32
SUBMIT_SECONDS = 20.0
#: Two workers per core (the machine of SPEC.md has two): sync workers, as gunicorn's
#: documentation recommends for an app that is not async, one request per process at a time.
SERVER = http_load.ServerSettings(workers=4, worker_class="sync")
#: Requests of the in-process look at one submission (statements, time).
IN_PROCESS_SUBMISSIONS = 20
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class DataSet:
    app: Flask
    database: postgres.BenchDatabase
    today: date
    surveys: dict[str, DailySurvey]
    facilities: dict[FacilityType, list[FacilityRow]]
    #: Responses inserted per survey.
    responses: dict[str, int]
    national_cookie: str


def run() -> None:
    print("Daily reporting (PostgreSQL; figures for the whole country)")
    database, reason = postgres.find()
    if database is None:
        print(f"  skipped: these benchmarks need PostgreSQL, a database of their own: {reason}. "
              f"Set GMIS_BENCH_DATABASE_URL (default {postgres.DEFAULT_URL}; the name must "
              "contain \"bench\": its schema is dropped at every run)")
    else:
        data = set_up(database)
        try:
            answer_status(data)
            csv_export(data)
            bed_view.run(data, signed_in_client, fetch)
            submissions(data)
        finally:
            data.app.extensions["gmis.db"].engine.dispose()
    csv_writer_figure()


# --- set-up --------------------------------------------------------------------------------

def session_cookie(app: Flask, token: str) -> str:
    """The signed session cookie of a browser signed in with server-side session ``token``:
    what ``sessions.start`` leaves in the cookie (Flask-Login keeps the token as the user
    id, see ``User.get_id``)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": token, "_fresh": True, "_permanent": True})


def signed_in(users: Iterable[int], hours: int) -> dict[int, str]:
    """A server-side session for each user id, as signing in makes one; {user id: token}."""
    tokens = {user_id: secrets.token_urlsafe(32) for user_id in users}
    now = utcnow()
    if tokens:
        session.execute(sa.insert(UserSession), [
            dict(user_id=user_id, token_hash=token_hash(token), created_at=now,
                 last_seen_at=now, expires_at=now + timedelta(hours=hours),
                 ip_address="127.0.0.1", user_agent="gmis-bench")
            for user_id, token in tokens.items()])
    return tokens


def add_users(rows: list[dict]) -> list[int]:
    if not rows:
        return []
    statement = sa.insert(User).returning(User.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def set_up(database: postgres.BenchDatabase) -> DataSet:
    factor = daily_data.scale()
    hospitals = max(50, round(daily_data.HOSPITALS * factor))
    clinics = max(50, round(daily_data.DESIGNATED_CLINICS * factor))
    rng = random.Random(SEED)
    steps = []
    started = last = time.perf_counter()

    def step(label: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps.append(f"{label} {now - last:.1f} s")
        last = now

    app = postgres.migrated_app(database)
    step("schema dropped, migrated, reference data")
    with app.app_context():
        today = periods.today(utcnow())
        days = daily_data.answered_days(today)
        surveys = daily_data.publish_surveys(days[0] - timedelta(days=1))
        with postgres.connect(database) as connection:
            facilities = daily_data.insert_facilities(connection, rng, hospitals, clinics)
            step(f"{hospitals:,} hospitals and {clinics:,} designated clinics")
            counts = {}
            now = utcnow()
            for key, kind in (("hospital_daily", FacilityType.hospital),
                              ("clinic_daily", FacilityType.clinic)):
                variants = daily_data.answer_variants(surveys[key], rng)
                step(f"{len(variants)} {key} answers by the engine")
                counts[key] = daily_data.copy_responses(connection, daily_data.response_lines(
                    surveys[key], facilities[kind], days, variants, rng, today, now))
                step(f"{counts[key]:,} {key} responses by COPY")
        # As a database in service would be: statistics and visibility map up to date, and
        # the bulk load's dirty pages written out now rather than during the figures.
        with postgres.connect(database, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
            checkpoint = "CHECKPOINT"
            try:
                connection.execute("CHECKPOINT")
            except psycopg.Error:  # needs superuser or pg_checkpoint; only steadier figures
                checkpoint = "(no CHECKPOINT: not allowed)"
        step(f"VACUUM ANALYZE, {checkpoint}")
        national = add_users([dict(login_id="bench-national", name="厚労 太郎",
                                   email="national@example.jp", role=Role.national)])[0]
        token = signed_in([national], app.config["SESSION_LIFETIME_HOURS"])[national]
        session.commit()
    scaled = f", GMIS_BENCH_SCALE={factor:g}" if factor != 1 else ""
    print(f"  database {database.where}{scaled}: {sum(counts.values()):,} submitted answers "
          f"over {len(days)} days ({days[0]:%m/%d}–{days[-1]:%m/%d}, today's from about "
          f"{daily_data.ANSWERED_SHARE_TODAY:.0%}); set-up {time.perf_counter() - started:.1f} s")
    print("    " + "; ".join(steps))
    return DataSet(app, database, today, surveys, facilities, counts,
                   session_cookie(app, token))


def signed_in_client(data: DataSet, cookie: str):
    client = data.app.test_client()
    client.set_cookie(data.app.config["SESSION_COOKIE_NAME"], cookie)
    return client


def fetch(client, path: str) -> int:
    """GET ``path`` and read the whole (possibly streamed) body; its length in bytes."""
    response = client.get(path)
    try:
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return sum(len(chunk) for chunk in response.response)
    finally:
        response.close()


# --- a. answer status ------------------------------------------------------------------------

def answer_status(data: DataSet) -> None:
    client = signed_in_client(data, data.national_cookie)
    print(f"Today's answer status, national user ({data.today:%Y-%m-%d}; "
          "server time through the Flask test client)")
    asked, query_times = {}, {}
    with data.app.test_request_context():
        user = session.scalars(sa.select(User).where(User.login_id == "bench-national")).one()
        everywhere = operations.StatusFilter()
        for key in ("clinic_daily", "hospital_daily"):
            target = operations.overseen(user, key, data.today)
            asked[key] = operations.answer_status(user, target, everywhere).total
            query_times[key] = median_seconds(
                lambda target=target: operations.answer_status(user, target, everywhere))
    for key, tally in asked.items():
        print(f"  {key}: {tally.total:,} facilities asked, {tally.answered:,} answered today "
              f"({tally.percent}%)")
    floor = median_seconds(lambda: fetch(client, "/healthz"))
    pages = {key: median_seconds(lambda key=key: fetch(client, f"/reports/{key}/status"))
             for key in asked}
    clinics, hospitals = asked["clinic_daily"].total, asked["hospital_daily"].total
    report(f"GET status, clinic_daily ({clinics:,})", pages["clinic_daily"], floor)
    report(f"GET status, hospital_daily ({hospitals:,})", pages["hospital_daily"], floor)
    report(f"both status pages ({clinics + hospitals:,} facilities)",
           pages["clinic_daily"] + pages["hospital_daily"], 2 * floor, target_ms=200)
    report("answer_status() alone, clinic_daily", query_times["clinic_daily"], floor)
    report("answer_status() alone, hospital_daily", query_times["hospital_daily"], floor)
    print("  (floor: GET /healthz through the same client; the target is for the two pages "
          "together, floor × 2)")


# --- b. CSV export ---------------------------------------------------------------------------

def traced_peak(work: Callable[[], object]) -> float:
    """Peak of Python's heap while ``work`` runs (tracemalloc), in MB."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def export_rows(data: DataSet, key: str, day: date) -> tuple[list[str], list[list]]:
    """The header and rows the export of ``day`` writes, read once into memory (for the
    floor)."""
    with data.app.test_request_context():
        user = session.scalars(sa.select(User).where(User.login_id == "bench-national")).one()
        target = operations.overseen(user, key, data.today)
        filters = operations.ResponseFilter(start=day, end=day)
        export = exports.response_export(user, target.survey, filters)
        return list(export.header), list(export.rows)


def csv_export(data: DataSet) -> None:
    day = data.today - timedelta(days=1)
    client = signed_in_client(data, data.national_cookie)
    print(f"A day's national CSV export, cp932 ({day:%Y-%m-%d}; whole request through the test "
          "client, streamed body consumed)")
    for key in ("clinic_daily", "hospital_daily"):
        path = f"/reports/{key}/export.csv?from={day}&to={day}"
        head, rows = export_rows(data, key, day)
        size = fetch(client, path)

        def floor_work(head=head, rows=rows):
            return sum(len(c) for c in csv_rows.plain_chunks(head, iter(rows)))

        seconds = median_seconds(lambda path=path: fetch(client, path), repeat=5, warmup=1)
        floor = median_seconds(floor_work, repeat=5, warmup=1)
        peak = traced_peak(lambda path=path: fetch(client, path))
        floor_peak = traced_peak(floor_work)
        print(f"  {key}: {len(rows):,} rows × {len(head)} columns, {size / 1e6:.1f} MB")
        report(f"GET export.csv, {key}", seconds, floor)
        report_value(f"  peak memory (tracemalloc), {key}", peak, floor_peak, "MB")
    print("  (floor: the same rows, already in memory, through csv.writer into a StringIO "
          "and str.encode, in the same chunks)")


def csv_writer_figure() -> None:
    head = csv_rows.header()
    print(f"CSV writer, SPEC figure: {csv_rows.ROWS:,} rows × {len(head)} columns, cp932 "
          "(gmis.csv_export.CsvWriter, no database)")
    sizes = []

    def writer_work():
        writer = CsvWriter(head, Encoding.CP932)
        sizes.append(sum(len(c) for c in writer.chunks(csv_rows.rows())))
        return writer

    def floor_work():
        return sum(len(c) for c in csv_rows.plain_chunks(head, csv_rows.rows()))

    seconds = median_seconds(writer_work, repeat=3, warmup=0)
    floor = median_seconds(floor_work, repeat=3, warmup=0)
    peak = traced_peak(writer_work)
    floor_peak = traced_peak(floor_work)
    print(f"  {sizes[-1] / 1e6:.0f} MB of CSV; a cp932-less character and a formula-like cell "
          f"every {csv_rows.RARE_EVERY:,} rows")
    report("CsvWriter, 180,000 × 100", seconds, floor, target_ms=15_000)
    report_value("  peak memory (tracemalloc)", peak, floor_peak, "MB", "< 200 MB")
    print("  (floor: csv.writer into a StringIO emptied every 64 KB, and str.encode)")


# --- c. submissions --------------------------------------------------------------------------

@dataclass
class Submitters:
    hospitals: list[FacilityRow]
    browsers: dict[int, http_load.Browser]
    days: list[date]


def prepare_submitters(data: DataSet, hospitals: list[FacilityRow]) -> Submitters:
    """A user and a signed-in browser for each hospital, and no answers of theirs in the
    backfill window (today and the 7 days before), which the run fills."""
    survey = data.surveys["hospital_daily"]
    backfill = survey.compiled.definition.period.backfill_periods
    days = [data.today - timedelta(days=n) for n in range(backfill, -1, -1)]
    with data.app.app_context():
        user_ids = add_users([dict(login_id=f"bench-hospital-{h.id}", name=f"病院 職員{h.id}",
                                   email=f"hospital{h.id}@example.jp", role=Role.facility,
                                   facility_id=h.id) for h in hospitals])
        tokens = signed_in(user_ids, data.app.config["SESSION_LIFETIME_HOURS"])
        session.execute(sa.delete(SurveyResponse).where(
            SurveyResponse.survey_id == survey.survey_id,
            SurveyResponse.facility_id.in_([h.id for h in hospitals]),
            SurveyResponse.period_start >= days[0]))
        session.commit()
    name = data.app.config["SESSION_COOKIE_NAME"]
    browsers = {h.id: http_load.Browser({name: session_cookie(data.app, tokens[user_id])})
                for h, user_id in zip(hospitals, user_ids, strict=True)}
    return Submitters(hospitals, browsers, days)


def submission_form(rng: random.Random, hospital: FacilityRow, csrf_token: str) -> dict:
    typed = demo_activity.typed_day(rng, hospital.beds or 50)
    return {"csrf_token": csrf_token, "section": "", "revision": "0", "action": "submit",
            **{f"f.{key}": value for key, value in typed.items()}}


def jobs_of(submitters: Submitters, rng: random.Random) -> list[http_load.Job]:
    """One submission per (hospital, day), day by day from the oldest open one."""
    return [http_load.Job(submitters.browsers[h.id], f"/surveys/hospital_daily/{day}",
                          submission_form(rng, h, submitters.browsers[h.id].csrf_token),
                          (h.id, day.isoformat()))
            for day in submitters.days for h in submitters.hospitals]


def in_process_submissions(data: DataSet, submitters: Submitters) -> None:
    """A few submissions through the test client: server time and SQL statements each."""
    engine = data.app.extensions["gmis.db"].engine
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    rng = random.Random(SEED + 1)
    times, counts = [], []
    try:
        for hospital in submitters.hospitals:
            browser = submitters.browsers[hospital.id]
            client = signed_in_client(data, next(iter(browser.cookies.values())))
            response = client.get("/home")
            token = CSRF_META.search(response.get_data(as_text=True)).group(1)
            for day in submitters.days:
                form = submission_form(rng, hospital, token)
                statements.clear()
                begun = time.perf_counter()
                response = client.post(f"/surveys/hospital_daily/{day}", data=form)
                times.append(time.perf_counter() - begun)
                counts.append(len(statements))
                if response.status_code != 303:
                    raise RuntimeError(f"in-process submission: {response.status_code}")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    client = signed_in_client(data, data.national_cookie)
    floor = median_seconds(lambda: fetch(client, "/healthz"))
    report(f"one submission in-process ({statistics.median(counts):.0f} SQL statements)",
           statistics.median(times), floor)


def fetch_csrf_tokens(port: int, submitters: Submitters) -> None:
    def sign_in(connection, hospital: FacilityRow) -> None:
        browser = submitters.browsers[hospital.id]
        status, body = http_load.send(connection, "GET", "/home", browser)
        found = CSRF_META.search(body.decode()) if status == 200 else None
        if found is None:
            raise RuntimeError(f"GET /home for hospital {hospital.id}: {status}")
        browser.csrf_token = found.group(1)

    http_load.in_parallel(sign_in, submitters.hospitals, port=port)


def stored_pairs(data: DataSet, submitters: Submitters) -> tuple[int, int, int, set]:
    """The responses of the submitting hospitals in the window: (rows, submitted rows,
    distinct (respondent, period), the (facility, period) pairs submitted)."""
    survey = data.surveys["hospital_daily"]
    with data.app.app_context():
        where = (SurveyResponse.survey_id == survey.survey_id,
                 SurveyResponse.facility_id.in_([h.id for h in submitters.hospitals]),
                 SurveyResponse.period_start >= submitters.days[0])
        submitted = SurveyResponse.status == ResponseStatus.submitted
        rows, distinct = session.execute(sa.select(
            sa.func.count(), sa.func.count(sa.distinct(sa.tuple_(
                SurveyResponse.respondent_key, SurveyResponse.period_key)))).where(*where)).one()
        pairs = set(session.execute(sa.select(SurveyResponse.facility_id,
                                              SurveyResponse.period_key)
                                    .where(*where, submitted)).all())
    return rows, len(pairs), distinct, {tuple(pair) for pair in pairs}


def submissions(data: DataSet) -> None:
    hospitals = data.facilities[FacilityType.hospital]
    count = min(SUBMITTING_HOSPITALS, len(hospitals) - 10)
    submitters = prepare_submitters(data, hospitals[:count])
    print(f"Hospital daily submissions: {CLIENTS} concurrent clients, {SERVER.describe()}, "
          f"PostgreSQL; {count:,} signed-in hospitals × {len(submitters.days)} open days, "
          f"at most {SUBMIT_SECONDS:g} s")
    probe = prepare_submitters(data, hospitals[count:count + 3])
    in_process_submissions(data, probe)
    jobs_rng = random.Random(SEED + 2)
    env = {"GMIS_DATABASE_URL": data.database.url, "GMIS_SECRET_KEY": postgres.SECRET_KEY}
    with http_load.Gunicorn("gmis:create_app()", SERVER, env) as server:
        fetch_csrf_tokens(server.port, submitters)
        jobs = jobs_of(submitters, jobs_rng)
        result = http_load.run_jobs(server.port, jobs, clients=CLIENTS, seconds=SUBMIT_SECONDS)
        server_log = server.log_tail()
    engine = data.app.extensions["gmis.db"].engine
    floor_app.metadata.create_all(engine)
    with http_load.Gunicorn("tools.bench.floor_app:app", SERVER, env) as server:
        floor = http_load.run_jobs(server.port, jobs, clients=CLIENTS, seconds=SUBMIT_SECONDS)
    with engine.connect() as connection:
        floor_rows = connection.scalar(sa.select(sa.func.count()).select_from(floor_app.inserts))

    statuses = result.statuses()
    accepted = {o.job.tag for o in result.outcomes if o.status == 303}
    rows, submitted, distinct, stored = stored_pairs(data, submitters)
    lost = len(accepted - stored)
    duplicated = rows - distinct
    unacknowledged = len(stored - accepted)
    other = sum(n for status, n in statuses.items() if status not in (303, 409))
    print(f"  sent {len(result.outcomes):,} of {len(jobs):,} in "
          f"{result.ended - result.started:.1f} s; statuses "
          + ", ".join(f"{s or 'failed'} × {n:,}" for s, n in sorted(statuses.items()))
          + (f"; client errors {dict(result.errors)}" if result.errors else ""))
    report_value("submissions per second", result.rate, floor.rate, "/s", "≥ 500/s")
    report("latency p50", result.latency(0.5), floor.latency(0.5))
    report("latency p99", result.latency(0.99), floor.latency(0.99), target_ms=250)
    print(f"  database: {submitted:,} submitted rows for {len(accepted):,} answers 303; "
          f"{rows:,} rows, {distinct:,} distinct (respondent, period); {other:,} answers "
          "neither 303 nor 409")
    print(f"  lost {lost}, duplicated {duplicated}"
          + (f", stored without a 303 reaching the client {unacknowledged}"
             if unacknowledged else ""))
    print(f"  (floor: {len(floor.outcomes):,} POSTs to a bare WSGI app doing one Core INSERT "
          f"and commit, same gunicorn settings; {floor_rows:,} rows stored; statuses "
          + ", ".join(f"{s or 'failed'} × {n:,}" for s, n in sorted(floor.statuses().items()))
          + "; rate and latencies after a 2 s warm-up)")
    if other and server_log.strip():
        print("  gunicorn log (last lines):\n" + server_log)
