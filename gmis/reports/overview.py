"""What the homes of those who oversee (prefectures, cities, the national office) show:
today's figures, what waits for them, and a fortnight's trend (aggregators: ``matrix``).

Today's counts come from the answer status (``operations.answer_status``) and the bed
totals from the bed view (``gmis.beds.operations.area_summary``), so a home never says
another number than the page it links to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from gmis import access
from gmis.access import Permission
from gmis.beds.operations import FIGURES, BedFilter, area_summary
from gmis.beds.operations import SURVEY_KEY as BED_SURVEY_KEY
from gmis.db import session, utcnow
from gmis.models import (
    ANSWERED_STATUSES,
    Facility,
    Prefecture,
    ReminderBroadcast,
    SosRequest,
    SosStatus,
    Survey,
    SurveyResponse,
    User,
)
from gmis.reports.operations import (
    Overseen,
    StatusFilter,
    Tally,
    answer_status,
    overseen,
    overseen_surveys,
)
from gmis.surveys.engine import periods
from gmis.surveys.reminders import scope_key
from gmis.surveys.store import eligibility

#: Days of the response-rate chart, today included.
TREND_DAYS = 14


@dataclass(frozen=True)
class DayRate:
    day: date
    answered: int
    asked: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.asked) if self.asked else 0


@dataclass
class SurveyToday:
    """One overseen survey's current period, as the home shows it."""

    target: Overseen
    total: Tally
    #: Nationwide: by prefecture (every prefecture with facilities asked).
    by_place: list[Tally]
    #: Daily surveys: the response rate of the last TREND_DAYS days, oldest first.
    trend: list[DayRate] = field(default_factory=list)
    #: The reminder to the non-responders of the user's scope already sent, if any.
    reminded: ReminderBroadcast | None = None


def surveys_today(user: User, now: datetime | None = None) -> list[SurveyToday]:
    """Each survey the user oversees that asks facilities and whose current period can be
    answered now: today's tally and, for a daily survey, its trend."""
    now = now or utcnow()
    today = periods.today(now)
    found = []
    for survey, compiled in overseen_surveys(user):
        if "facility" not in compiled.definition.respondents.roles:
            continue
        target = overseen(user, survey.key, today)
        if periods.answerable(compiled.definition.period, target.period, now) is not None:
            continue  # e.g. a fiscal-year survey outside its window: nothing to chase
        status = answer_status(user, target, StatusFilter())
        item = SurveyToday(target, status.total, status.by_place)
        if compiled.definition.period.kind == "daily":
            item.trend = response_trend(user, target, status.total.total)
        found.append(item)
    _attach_reminders(user, found)
    return found


def response_trend(user: User, target: Overseen, asked: int) -> list[DayRate]:
    """The answered share of the last TREND_DAYS days up to the target's, in one GROUP BY.
    Each day is measured against the facilities asked today (the master of past days is not
    kept), so today's point is exactly today's rate."""
    first = target.period.start - timedelta(days=TREND_DAYS - 1)
    answered = dict(session.execute(
        sa.select(SurveyResponse.period_start, sa.func.count())
        .join(Facility, Facility.id == SurveyResponse.facility_id)
        .where(SurveyResponse.survey_id == target.survey.id,
               SurveyResponse.period_start.between(first, target.period.start),
               SurveyResponse.status.in_(ANSWERED_STATUSES),
               access.facility_scope(user),
               eligibility.asked_facilities(target.compiled.definition))
        .group_by(SurveyResponse.period_start)).all())
    days = [first + timedelta(days=n) for n in range(TREND_DAYS)]
    return [DayRate(day, min(answered.get(day, 0), asked), asked) for day in days]


def _attach_reminders(user: User, items: list[SurveyToday]) -> None:
    if not items or not access.can(user, Permission.review_responses):
        return
    sent = {(b.survey_id, b.period_key): b for b in session.scalars(
        sa.select(ReminderBroadcast)
        .where(ReminderBroadcast.scope_key == scope_key(user),
               ReminderBroadcast.survey_id.in_([i.target.survey.id for i in items]),
               ReminderBroadcast.period_key.in_({i.target.period.key for i in items}))
        .options(selectinload(ReminderBroadcast.sent_by)))}
    for item in items:
        item.reminded = sent.get((item.target.survey.id, item.target.period.key))


def pending_supply_requests(user: User) -> dict[str, int]:
    """Emergency supply requests awaiting review (都道府県・国確認中), by prefecture."""
    return dict(session.execute(
        sa.select(SosRequest.prefecture_code, sa.func.count())
        .where(access.sos_request_scope(user), SosRequest.status == SosStatus.reviewing)
        .group_by(SosRequest.prefecture_code)).all())


# --- the national home ------------------------------------------------------------------------

@dataclass
class PrefectureRow:
    code: str
    name: str
    #: (survey today, its tally in this prefecture or None when it asks nobody there).
    tallies: list[tuple[SurveyToday, Tally | None]]
    pending_supplies: int


def by_prefecture(items: list[SurveyToday], pending: dict[str, int]) -> list[PrefectureRow]:
    """The 47 prefectures, each with the tallies the nationwide status counted for it."""
    places = [{t.key: t for t in item.by_place} for item in items]
    return [PrefectureRow(code, name, [(item, found.get(code))
                                       for item, found in zip(items, places, strict=True)],
                          pending.get(code, 0))
            for code, name in session.execute(
                sa.select(Prefecture.code, Prefecture.name).order_by(Prefecture.code))]


@dataclass(frozen=True)
class BedTotals:
    hospitals: int
    reported: int
    stale: int
    figures: dict[str, int]

    @property
    def headings(self) -> list[tuple[str, int]]:
        return [(heading, self.figures[key]) for key, _, heading in FIGURES]


def bed_totals(user: User, stale_days: int) -> BedTotals | None:
    """The bed view's per-prefecture totals, added up (None without the bed survey);
    ``stale_days`` as the bed view counts old figures (GMIS_BED_STALE_DAYS)."""
    survey = session.scalars(sa.select(Survey).where(Survey.key == BED_SURVEY_KEY)).first()
    if survey is None:
        return None
    rows = area_summary(user, survey, BedFilter(), stale_days)
    return BedTotals(sum(r.hospitals for r in rows), sum(r.reported for r in rows),
                     sum(r.stale for r in rows),
                     {key: sum(r.figures[key] for r in rows) for key, _, _ in FIGURES})
