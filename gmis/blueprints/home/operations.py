"""What the homes of those who oversee (prefectures, cities, the national office) and of
aggregators show: today's figures, what waits for them, and a fortnight's trend.

Today's counts come from the answer status (``reports.operations.answer_status``) and the
bed totals from the bed view (``beds.operations.area_summary``), so a home never says
another number than the page it links to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from gmis import access
from gmis.access import Permission
from gmis.blueprints.beds.operations import FIGURES, BedFilter, area_summary
from gmis.blueprints.beds.operations import SURVEY_KEY as BED_SURVEY_KEY
from gmis.blueprints.reports.operations import (
    Overseen,
    StatusFilter,
    Tally,
    answer_status,
    overseen,
    overseen_surveys,
)
from gmis.db import session, utcnow
from gmis.models import (
    ANSWERED_STATUSES,
    Facility,
    Prefecture,
    ReminderBroadcast,
    ResponseStatus,
    SosRequest,
    SosStatus,
    Survey,
    SurveyResponse,
    User,
    aggregator_members,
)
from gmis.reminders import scope_key
from gmis.surveys import eligibility, periods, runtime
from gmis.surveys.builder import CompiledSurvey
from gmis.surveys.versions import version_in_force

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


def bed_totals(user: User) -> BedTotals | None:
    """The bed view's per-prefecture totals, added up (None without the bed survey)."""
    survey = session.scalars(sa.select(Survey).where(Survey.key == BED_SURVEY_KEY)).first()
    if survey is None:
        return None
    rows = area_summary(user, survey, BedFilter())
    return BedTotals(sum(r.hospitals for r in rows), sum(r.reported for r in rows),
                     sum(r.stale for r in rows),
                     {key: sum(r.figures[key] for r in rows) for key, _, _ in FIGURES})


# --- the aggregator's matrix ------------------------------------------------------------------

#: How each state of a cell reads: (label, icon). The icon repeats the label for the eye;
#: the label is always written, so nothing depends on colour.
CELL_STATES = {
    "unanswered": ("未回答", "○"),
    ResponseStatus.draft.value: ("一時保存", "✎"),
    ResponseStatus.submitted.value: ("提出済み", "✓"),
    ResponseStatus.returned.value: ("差戻し", "!"),
    ResponseStatus.accepted.value: ("受理済み", "✔"),
}


@dataclass
class MatrixColumn:
    survey: Survey
    compiled: CompiledSurvey
    period: periods.Period
    due: datetime | None
    overdue: bool = False
    answered: int = 0
    asked: int = 0

    @property
    def title(self) -> str:
        return self.compiled.definition.title


@dataclass(frozen=True)
class MatrixCell:
    column: MatrixColumn
    #: None: the survey does not ask this member.
    status: str | None

    @property
    def label(self) -> str:
        return CELL_STATES[self.status][0] if self.status else "対象外"

    @property
    def icon(self) -> str:
        return CELL_STATES[self.status][1] if self.status else "—"

    @property
    def action(self) -> str:
        return {"unanswered": "回答する", "draft": "続きを入力", "returned": "修正する"}.get(
            self.status or "", "確認する")

    @property
    def pending(self) -> bool:
        return self.status in ("unanswered", "draft", "returned")


@dataclass
class MemberMatrix:
    columns: list[MatrixColumn]
    rows: list[tuple[Facility, list[MatrixCell]]]


def _due_columns(user: User, now: datetime) -> list[MatrixColumn]:
    """The surveys in force today that an aggregator may answer for members, each with its
    current period when that can be answered now."""
    today = periods.today(now)
    columns = []
    for survey in session.scalars(sa.select(Survey).order_by(Survey.title, Survey.id)):
        version = version_in_force(survey, user.home_prefecture_code, today)
        if version is None:
            continue
        compiled = runtime.compiled(version)
        definition = compiled.definition
        if "facility" not in definition.respondents.roles or \
                not definition.respondents.aggregators_on_behalf:
            continue
        period = periods.current_period(definition.period, now)
        if periods.answerable(definition.period, period, now) is None:
            due = periods.due_at(definition.period, period)
            columns.append(MatrixColumn(survey, compiled, period, due,
                                        overdue=due is not None and now > due))
    return columns


def member_matrix(user: User, now: datetime | None = None) -> MemberMatrix:
    """Members × the surveys due this period: members, their designations and all their
    responses are three queries whatever the number of members."""
    now = now or utcnow()
    columns = _due_columns(user, now)
    members = list(session.scalars(
        sa.select(Facility)
        .join(aggregator_members, aggregator_members.c.facility_id == Facility.id)
        .where(aggregator_members.c.aggregator_id == user.aggregator_id,
               Facility.is_active.is_(True))
        .options(selectinload(Facility.designations))
        .order_by(Facility.name_kana, Facility.name, Facility.id)))
    statuses: dict[tuple[int, int], str] = {}
    if columns and members:
        current = {(c.survey.id, c.period.key) for c in columns}
        statuses = {(facility_id, survey_id): status.value
                    for facility_id, survey_id, period_key, status in session.execute(
                        sa.select(SurveyResponse.facility_id, SurveyResponse.survey_id,
                                  SurveyResponse.period_key, SurveyResponse.status)
                        .where(SurveyResponse.facility_id.in_([m.id for m in members]),
                               SurveyResponse.survey_id.in_([c.survey.id for c in columns]),
                               SurveyResponse.period_key.in_({key for _, key in current})))
                    if (survey_id, period_key) in current}
    rows = []
    for member in members:
        respondent = eligibility.for_facility(member, on_behalf=True)
        cells = []
        for column in columns:
            status = None
            if eligibility.answers(column.compiled.definition, respondent):
                status = statuses.get((member.id, column.survey.id), "unanswered")
                column.asked += 1
                column.answered += status in {s.value for s in ANSWERED_STATUSES}
            cells.append(MatrixCell(column, status))
        rows.append((member, cells))
    # A survey that asks none of the members is not theirs to answer: no column of dashes.
    kept = [n for n, column in enumerate(columns) if column.asked]
    return MemberMatrix([columns[n] for n in kept],
                        [(member, [cells[n] for n in kept]) for member, cells in rows])
