"""Function reports in the demo (医療機能情報・薬局機能情報の報告): accepted, published
reports of the demo's own facilities and of some of their neighbours, so that the public
search finds something, and a periodic-report window (定期報告期間) open today in the
prefectures of the demo's clinic and pharmacy users, for every published survey of period
kind ``report``, so that they can try a periodic report.

The reports go through the use cases a facility and its prefecture use (a new report
submitted through the fill form's submission, accepted through the review), from the typed
inputs of ``function_reports.yaml``: only the facility's own particulars, read from the
definition's ``publication`` block and field types, and a few of its choices differ."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml

from gmis.db import session
from gmis.japan_time import TOKYO
from gmis.models import Facility, Role, Survey, User
from gmis.surveys import reviewing, runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.publication import FACETS_BY_NAME, facet_fields
from gmis.surveys.engine.reports import ReportKind, report_key
from gmis.surveys.engine.validation import evaluate_form, input_name
from gmis.surveys.store import eligibility, responses, versions
from gmis.surveys.store.models import ReportWindow
from gmis.surveys.store.submission import Action, Result, submit
from gmis.text import format_phone, format_postal

TYPED_REPORTS = Path(__file__).with_name("function_reports.yaml")
#: Facilities of the demo prefecture that report, per survey, besides the demo users' own.
NEIGHBOURS = 40
#: The prefecture user who accepts the demo's reports.
REVIEWER = "demo-pref"

#: The demo users who report their facility's function information.
REPORTING_USERS = ("demo-clinic", "demo-pharmacy")
#: How long the demo's window has been open, and stays open, around the day it is loaded.
OPEN_BEFORE = timedelta(days=14)
OPEN_AFTER = timedelta(days=45)


def report_surveys() -> list[Survey]:
    """The published surveys of period kind ``report``, by key."""
    found = []
    for survey in session.scalars(sa.select(Survey).order_by(Survey.key)):
        version = versions.latest_published_national(survey)
        if version is not None and runtime.compiled(version).definition.period.kind == "report":
            found.append(survey)
    return found


def open_windows(today: date) -> int:
    """A window of this fiscal year's periodic report covering ``today``, per report survey
    and prefecture of the reporting demo users, unless the prefecture has set one; how many
    were made. Flushes, no commit."""
    fiscal_year = report_key(ReportKind.periodic, today).fiscal_year
    # Inside the fiscal year, as a prefecture must set it.
    starts_on = max(today - OPEN_BEFORE, date(fiscal_year, 4, 1))
    ends_on = min(today + OPEN_AFTER, date(fiscal_year + 1, 3, 31))
    prefectures = sorted({user.facility.prefecture_code for user in session.scalars(
        sa.select(User).where(User.login_id.in_(REPORTING_USERS))) if user.facility})
    made = 0
    for survey in report_surveys():
        for prefecture in prefectures:
            exists = session.scalar(sa.select(ReportWindow.id).where(
                ReportWindow.survey_id == survey.id, ReportWindow.prefecture_code == prefecture,
                ReportWindow.fiscal_year == fiscal_year))
            if exists is None:
                session.add(ReportWindow(survey_id=survey.id, prefecture_code=prefecture,
                                         fiscal_year=fiscal_year,
                                         starts_on=starts_on, ends_on=ends_on))
                made += 1
    session.flush()
    return made


def publish_reports(today: date, seed: int) -> int:
    """An accepted new report of every survey of kind ``report`` for the demo users'
    facilities and ``NEIGHBOURS`` others of each type of the reviewer's prefecture; how
    many were published. Flushes, no commit."""
    reviewer = session.scalars(sa.select(User).where(User.login_id == REVIEWER)).one()
    typed_reports = yaml.safe_load(TYPED_REPORTS.read_text(encoding="utf-8"))
    own = {user.facility_id: user for user in session.scalars(
        sa.select(User).where(User.role == Role.facility, User.login_id.like("demo-%")))}
    # Noon of the day: the reports were made then, whenever the demo is loaded.
    now = datetime.combine(today, time(12), TOKYO)
    published = 0
    for survey in report_surveys():
        version = versions.latest_published_national(survey)
        compiled = runtime.compiled(version)
        typed_by_type = typed_reports.get(survey.key, {})
        candidates = [facility for facility_type in typed_by_type
                      for facility in session.scalars(
                          sa.select(Facility).where(
                              Facility.facility_type == facility_type,
                              sa.or_(Facility.id.in_(own), Facility.prefecture_code
                                     == reviewer.prefecture_code))
                          .order_by(Facility.id.in_(own).desc(), Facility.id)
                          .limit(NEIGHBOURS + len(own)))]
        for facility in candidates:
            respondent = eligibility.for_facility(facility)
            if eligibility.refusal(compiled.definition, respondent):
                continue
            typed = _typed_for(compiled, facility, typed_by_type[facility.facility_type.value],
                               random.Random(seed * 7919 + facility.id))
            period = periods.report_period(report_key(ReportKind.new, today).key)
            target = responses.open_target(survey, respondent, period, now)
            # Facilities without a user of their own had theirs typed in by the prefecture.
            user = own.get(facility.id, reviewer)
            outcome = submit(target, {**typed, "revision": "0"}, Action.SUBMIT, user=user)
            if outcome.result is not Result.SUBMITTED:
                continue
            session.flush()
            reviewing.accept_report(outcome.saved.response, reviewer)
            published += 1
            if facility.id not in own and published % 20 == 0:
                # A change since, reported and waiting in the prefecture's review queue.
                _report_change(survey, respondent, compiled, typed, user, now, chance=random.Random(
                    seed * 104729 + facility.id))
    session.flush()
    return published


def _report_change(survey: Survey, respondent, compiled: CompiledSurvey, typed: dict,
                   user: User, now: datetime, chance: random.Random) -> None:
    """An ad-hoc report of other departments, treatments and languages, submitted."""
    period = periods.report_period(report_key(ReportKind.ad_hoc, now.date()).key)
    target = responses.open_target(survey, respondent, period, now)
    changed = _choices_of_its_own(compiled, dict(typed), chance)
    revision = str(target.response.revision) if target.response is not None else "0"
    submit(target, {**changed, "revision": revision}, Action.SUBMIT, user=user)


def full_report(compiled: CompiledSurvey, facility: Facility, seed: int = 1) -> dict:
    """The stored answers of the demo's report of ``compiled`` for ``facility`` (every item
    a clerk fills), e.g. to time the publication of a whole report."""
    typed_by_type = yaml.safe_load(TYPED_REPORTS.read_text(encoding="utf-8"))[
        compiled.definition.key]
    typed = typed_by_type.get(facility.facility_type.value) or next(iter(typed_by_type.values()))
    inputs = _typed_for(compiled, facility, typed, random.Random(seed))
    evaluation = evaluate_form(compiled, inputs, respondent=eligibility.for_facility(
        facility).expression_context() if compiled.uses_respondent else None)
    return {key: field.type.to_json(evaluation.values[key])
            for key, field in compiled.fields.items()
            if not field.type.is_empty(evaluation.values.get(key))}


def _typed_for(compiled: CompiledSurvey, facility: Facility, typed: dict,
               chance: random.Random) -> dict:
    """The typed report as ``facility`` types it: its particulars from the master, and a
    share of the departments, treatments and languages the definition searches by."""
    publication = compiled.definition.publication
    inputs = {input_name(key): value for key, value in typed.items()}

    def put(facet: str, value: str) -> None:
        for key in facet_fields(publication, FACETS_BY_NAME[facet]):
            if value:
                inputs[input_name(key)] = value

    put("name", facility.name)
    put("kana", facility.name_kana)
    put("address", facility.address)
    put("postal_code", format_postal(facility.postal_code) if facility.postal_code else "")
    put("phone", format_phone(facility.phone) if facility.phone else "")
    for key, field in compiled.fields.items():
        if field.definition.type == "facility_code" and facility.code:
            inputs[input_name(key)] = facility.code
    return _choices_of_its_own(compiled, inputs, chance)


def _choices_of_its_own(compiled: CompiledSurvey, inputs: dict, chance: random.Random) -> dict:
    """``inputs`` with a few of the departments, treatments and languages the definition
    searches by, drawn by ``chance``."""
    publication = compiled.definition.publication
    for facet in ("departments", "treatments", "languages"):
        for key in facet_fields(publication, FACETS_BY_NAME[facet]):
            choices = [choice.value for choice in compiled.fields[key].definition.choices]
            if input_name(key) in inputs and choices:
                inputs[input_name(key)] = chance.sample(choices, min(len(choices),
                                                                     chance.randint(1, 4)))
    return inputs
