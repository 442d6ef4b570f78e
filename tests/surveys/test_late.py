"""期限後: a response first submitted after its period's deadline is marked late; a later
correction or a resubmission after a return keeps the mark of the first submission."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gmis.japan_time import TOKYO
from gmis.models import ResponseStatus
from gmis.surveys.engine import periods
from gmis.surveys.engine.definition import PeriodDef
from gmis.surveys.engine.periods import is_late, period_for
from gmis.surveys.runtime import field_types
from gmis.surveys.store import eligibility, responses, versions


def jst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO)


DAILY = PeriodDef(kind="daily", due_time="13:00")
#: The weekly supplies survey's deadline: Wednesday 13:00 of the week.
WEEKLY = PeriodDef(kind="weekly", due_time="13:00", due_weekday="wednesday")
#: A fiscal-year survey is due at the end of its reporting window.
FISCAL_YEAR = PeriodDef(kind="fiscal_year", window_start="01-04", window_end="03-31")
DAY = period_for("daily", date(2026, 11, 21))
WEEK = period_for("weekly", date(2026, 11, 16))
YEAR = period_for("fiscal_year", date(2026, 11, 21))


@pytest.mark.parametrize(("definition", "period", "submitted_at", "late"), [
    (DAILY, DAY, jst(2026, 11, 21, 9, 0), False),
    (DAILY, DAY, jst(2026, 11, 21, 12, 59, 59), False),
    (DAILY, DAY, jst(2026, 11, 21, 13, 0), False),
    (DAILY, DAY, jst(2026, 11, 21, 13, 0, 1), True),
    (DAILY, DAY, jst(2026, 11, 22, 8, 0), True),
    # Stored times are UTC: 04:00 UTC is 13:00 in Japan.
    (DAILY, DAY, datetime(2026, 11, 21, 4, 0, tzinfo=UTC), False),
    (DAILY, DAY, datetime(2026, 11, 21, 4, 1, tzinfo=UTC), True),
    (WEEKLY, WEEK, jst(2026, 11, 16, 9, 0), False),
    (WEEKLY, WEEK, jst(2026, 11, 18, 13, 0), False),
    (WEEKLY, WEEK, jst(2026, 11, 18, 13, 30), True),
    (WEEKLY, WEEK, jst(2026, 11, 22, 10, 0), True),
    (FISCAL_YEAR, YEAR, jst(2027, 3, 31, 23, 59), False),
    (FISCAL_YEAR, YEAR, jst(2027, 4, 1, 0, 0), True),
    (PeriodDef(kind="daily"), DAY, jst(2026, 12, 31, 23, 0), False),
    (PeriodDef(kind="weekly"), WEEK, jst(2027, 1, 4, 9, 0), False),
    (PeriodDef(kind="fiscal_year"), YEAR, jst(2027, 6, 1, 9, 0), False),
], ids=["daily-morning", "daily-12:59:59", "daily-exactly-13:00", "daily-13:00:01",
        "daily-next-day", "utc-at-deadline", "utc-after-deadline", "weekly-monday",
        "weekly-exactly-wednesday-13:00", "weekly-wednesday-13:30", "weekly-sunday",
        "fiscal-year-last-minute", "fiscal-year-after-window", "daily-no-deadline",
        "weekly-no-deadline", "fiscal-year-no-window"])
def test_late_is_after_the_periods_deadline(definition, period, submitted_at, late):
    assert is_late(definition, period, submitted_at) is late


# --- through the engine --------------------------------------------------------------------

BEDS = {
    "schema_version": 1, "key": "bed_count", "title": "病床数の報告",
    "period": {"kind": "daily", "due_time": "13:00", "backfill_periods": 3},
    "sections": [{"key": "beds", "title": "病床", "fields": [
        {"key": "total", "type": "integer", "label": "病床数", "min": 0, "required": True},
    ]}],
}


class Clock:
    """The engine's clock, set by the test: ``clock.at(13, 30)`` is that time in Japan on
    the day the test answers for."""

    def __init__(self, monkeypatch):
        self.now = jst(2026, 11, 21, 9, 0)
        monkeypatch.setattr(responses, "utcnow", lambda: self.now)

    def at(self, hour: int, minute: int = 0, days_later: int = 0) -> datetime:
        self.now = jst(2026, 11, 21, hour, minute) + timedelta(days=days_later)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def publish():
    def publish(definition=BEDS):
        version = versions.import_definition(definition, field_types(), source="t.yaml").version
        versions.publish(version, date(2020, 4, 1))
        return version.survey
    return publish


def save(survey, user, clock, *, submit=True, total="100"):
    period = periods.period_for("daily", date(2026, 11, 21))
    target = responses.open_target(survey, eligibility.for_facility(user.facility), period,
                                   now=clock.now)
    answers = responses.read_answers(target, {"f.total": total}, None, partial=not submit)
    revision = target.response.revision if target.response is not None else 0
    return responses.save(target, answers, user=user, revision=revision,
                          submit=submit).response


@pytest.mark.parametrize(("hour", "minute", "late"), [(12, 59, False), (13, 0, False),
                                                       (13, 1, True), (18, 0, True)])
def test_a_first_submission_is_late_after_13_00(publish, make_user, clock, hour, minute, late):
    hospital = make_user()
    clock.at(hour, minute)
    response = save(publish(), hospital, clock)
    assert response.status == ResponseStatus.submitted and response.late is late


def test_a_draft_is_never_late_until_it_is_submitted(publish, make_user, clock):
    survey, hospital = publish(), make_user()
    clock.at(14)
    draft = save(survey, hospital, clock, submit=False)
    assert draft.status == ResponseStatus.draft and not draft.late
    clock.at(15)
    assert save(survey, hospital, clock).late


def test_a_correction_or_a_resubmission_after_the_deadline_keeps_the_first_mark(
        publish, make_user, clock):
    survey, hospital = publish(), make_user()
    clock.at(10)
    response = save(survey, hospital, clock)
    assert not response.late
    clock.at(14)
    corrected = save(survey, hospital, clock, total="101")
    assert not corrected.late and corrected.submitted_at == clock.now

    responses.return_response(corrected, hospital, "病床数を確認してください。")
    clock.at(9, days_later=1)
    resubmitted = save(survey, hospital, clock, total="102")
    assert resubmitted.status == ResponseStatus.submitted and not resubmitted.late


def test_a_late_answer_stays_late_when_corrected_in_time_of_the_next_day(
        publish, make_user, clock):
    survey, hospital = publish(), make_user()
    clock.at(15)
    assert save(survey, hospital, clock).late
    clock.at(9, days_later=1)
    assert save(survey, hospital, clock, total="101").late


def test_submitting_in_time_clears_the_mark(publish, make_user, clock):
    survey, hospital = publish(), make_user()
    clock.at(10)
    response = save(survey, hospital, clock, submit=False)
    response.late = True  # as a backfilled mark of an earlier submission would be
    clock.at(11)
    assert not save(survey, hospital, clock).late


def test_a_survey_without_a_deadline_is_never_late(publish, make_user, clock):
    survey = publish({**BEDS, "key": "bed_count_open",
                      "period": {"kind": "daily", "backfill_periods": 3}})
    clock.at(13, days_later=2)
    assert not save(survey, make_user(), clock).late
