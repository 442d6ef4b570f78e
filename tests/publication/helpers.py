"""Reports accepted with answers one can spot in a page: every field of a definition given a
distinctive value of its type, stored as the engine stores it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

from gmis.db import session
from gmis.models import ResponseStatus, SurveyResponse
from gmis.surveys.runtime import compiled
from gmis.surveys.store import versions

WEEKDAY_HOURS = {day: [["09:00", "12:00"], ["14:00", "18:00"]]
                 for day in ("mon", "tue", "wed", "thu", "fri")}


def spotted(type_name: str, key: str, number: int, choices=()):
    """A stored (JSON) value of ``type_name`` that nothing else on a page has."""
    match type_name:
        case "text" | "long_text":
            return f"LEAK-{key}-X"
        case "integer":
            return 3_100_000 + number * 1_013
        case "decimal":
            return 7_700_000.5 + number * 1_009
        case "email":
            return f"leak-{key.replace('_', '-')}@example.jp"
        case "phone":
            return f"09{number:04d}777{number % 10}"[:11]
        case "postal_code":
            return "1600023"
        case "facility_code":
            return "1311234569"
        case "date":
            return f"2011-{(number % 12) + 1:02d}-{(number % 27) + 1:02d}"
        case "time":
            return f"04:{number % 60:02d}"
        case "yes_no":
            return True
        case "single_choice":
            return choices[-1].value
        case "multiple_choice":
            return [choice.value for choice in choices]
        case "weekly_hours":
            return {**WEEKDAY_HOURS, "sat": [["09:00", "12:00"]], "sun": [],
                    "holiday": [["10:00", "15:00"]]}
    return None


def every_answer(survey_compiled) -> dict:
    numbers = count(1)
    answers = {}
    for key, field in survey_compiled.fields.items():
        if field.compute is not None:
            continue
        type_ = field.type
        if type_.name == "table":
            answers[key] = {row: {c.key: spotted(c.type.name, f"{key}-{row}-{c.key}",
                                                 next(numbers), c.definition.choices)
                                  for c in type_.columns} for row, _ in type_.rows}
        elif type_.name == "repeating_group":
            answers[key] = [{i.key: spotted(i.type.name, f"{key}-{i.key}", next(numbers),
                                            i.definition.choices) for i in type_.items}]
        else:
            answers[key] = spotted(type_.name, key, next(numbers), field.definition.choices)
    return {key: value for key, value in answers.items() if value is not None}


def accepted_report(survey, facility, answers, *, status=ResponseStatus.accepted,
                    period_key="new-20261204", accepted_at=None) -> SurveyResponse:
    version = versions.version_in_force(survey, facility.prefecture_code, date(2026, 12, 4))
    now = accepted_at or datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    response = SurveyResponse(
        survey=survey, version=version, respondent_key=f"facility:{facility.id}",
        facility_id=facility.id, prefecture_code=facility.prefecture_code,
        period_key=period_key, period_start=date(2026, 12, 4), status=status,
        answers=answers, submitted_at=now,
        accepted_at=now if status == ResponseStatus.accepted else None)
    session.add(response)
    session.flush()
    return response


def compiled_of(survey, facility):
    return compiled(versions.version_in_force(survey, facility.prefecture_code,
                                              date(2026, 12, 4)))
