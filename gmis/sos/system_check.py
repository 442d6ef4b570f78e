"""システムチェック: whether a facility may request the items it asks for, judged from its
latest daily and weekly survey answers by the rules of ``gmis/sos/sos.yaml``.

Every failed condition is named in plain Japanese with the survey to answer or correct, so
that the facility knows what to fix before applying again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from gmis.db import session
from gmis.models import Facility, Survey, SurveyResponse
from gmis.sos.rules import Rules, SurveyCheck
from gmis.surveys import runtime
from gmis.surveys.engine import periods
from gmis.surveys.engine.expressions import Unknown
from gmis.surveys.engine.validation import expression_values
from gmis.surveys.store import latest

KIND_LABELS = {"daily": "日次調査", "weekly": "週次調査"}


@dataclass(frozen=True)
class Failure:
    message: str
    #: The survey to answer or correct, and which period's response (None: the current one).
    survey_key: str | None = None
    period_key: str | None = None


@dataclass
class Result:
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Latest:
    survey: Survey
    response: SurveyResponse | None
    values: dict


def latest_answer(survey_key: str, facility: Facility, since: date) -> Latest | None:
    """The facility's latest answer to the survey from ``since`` on, as it was given (one
    returned for a correction does not count), with its values as expressions see them;
    None when the survey does not exist."""
    survey = session.scalars(sa.select(Survey).where(Survey.key == survey_key)).first()
    if survey is None:
        return None
    response = latest.response_of(survey, facility, since=since, answered_only=True)
    if response is None:
        return Latest(survey, None, {})
    return Latest(survey, response, expression_values(runtime.compiled(response.version),
                                                      response.answers))


def _holds(condition, variables: dict) -> bool:
    return condition.expression.is_true(variables) is True


def check(rules: Rules, facility: Facility, item_keys: list[str], now: datetime) -> Result:
    result = Result()
    checks = rules.facility_types.get(facility.facility_type.value)
    if checks is None:
        result.failures.append(Failure(
            f"{facility.facility_type.label}は緊急配布要請の対象ではありません。"))
        return result
    today = periods.today(now)
    found: dict[str, Latest | None] = {}
    for kind, survey_check, days in (("daily", checks[0], rules.daily_within_days),
                                     ("weekly", checks[1], rules.weekly_within_days)):
        found[kind] = _answered(result, kind, survey_check, facility,
                                today - timedelta(days=days), days)
    daily, weekly = found["daily"], found["weekly"]
    variables = {"daily": daily.values if daily else {}, "weekly": weekly.values if weekly else {}}

    if daily and daily.response and checks[0].check == "conditions" and not any(
            _holds(c, variables) for c in rules.daily_conditions):
        listed = "\n".join(f"・{c.description}" for c in rules.daily_conditions)
        result.failures.append(Failure(
            f"{daily.response.period_start:%Y/%m/%d}の日次調査の回答が、次のいずれの条件も"
            f"満たしていません。\n{listed}", daily.survey.key, daily.response.period_key))
    if weekly and weekly.response and checks[1].check == "conditions":
        for key in item_keys:
            item = rules.item(key)
            outcome = rules.item_condition.expression.evaluate(
                {**variables, "item": {"key": item.key, "supplies_row": item.supplies_row}})
            if outcome is Unknown or outcome is not True:
                result.failures.append(Failure(
                    rules.item_condition.description.format(item=item.label)
                    + "ではありません。", weekly.survey.key, weekly.response.period_key))
    return result


def _answered(result: Result, kind: str, survey_check: SurveyCheck, facility: Facility,
              since: date, days: int) -> Latest | None:
    found = latest_answer(survey_check.survey, facility, since)
    if found is None:
        result.failures.append(Failure(f"{KIND_LABELS[kind]}({survey_check.survey})が"
                                       "登録されていません。都道府県にお問い合わせください。"))
    elif found.response is None:
        title = runtime.compiled(found.survey.versions[-1]).definition.title
        result.failures.append(Failure(
            f"{KIND_LABELS[kind]}「{title}」の直近{days}日以内の回答がありません。"
            "回答(提出)してから申請してください。", found.survey.key))
    return found
