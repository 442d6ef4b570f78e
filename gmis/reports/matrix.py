"""An aggregator's home: its member facilities × the surveys due this period, each cell
with the member's status and the way to answer for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from gmis.db import session, utcnow
from gmis.models import (
    ANSWERED_STATUSES,
    Facility,
    ResponseStatus,
    Survey,
    SurveyResponse,
    User,
    aggregator_members,
)
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.store import eligibility
from gmis.surveys.store.versions import version_in_force

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
        compiled = runtime.usable(version)
        if compiled is None:
            continue
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
