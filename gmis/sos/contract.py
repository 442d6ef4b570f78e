"""The survey fields the system check (システムチェック) reads, taken from ``sos.yaml`` rather
than spelled again: every ``daily.<field>`` of the daily conditions in each daily survey
checked with ``conditions``, and every ``weekly.<field>`` of the item condition in each
weekly survey checked so. A version of such a survey without one of them would fail every
request's check, so it is refused.

The rules do not say a field's type (an expression may compare a number or a choice), so
the contract asks for the field to be there, of any type."""

from __future__ import annotations

from gmis.sos.rules import Rules, rules
from gmis.surveys.engine.contracts import Contract, FieldNeed

FEATURE = "緊急配布要請(システムチェック)"


def _read(expressions, name: str) -> set[str]:
    """The members of ``name`` the expressions read (``daily.covid_inpatients``)."""
    return {member for expression in expressions if expression is not None
            for variable, member in expression.members if variable == name}


def of_rules(found: Rules) -> tuple[Contract, ...]:
    """One contract per survey the conditions are checked against."""
    read = {"daily": _read([c.expression for c in found.daily_conditions], "daily"),
            "weekly": _read([found.item_condition.expression], "weekly")}
    surveys: dict[str, set[str]] = {}
    for checks in found.facility_types.values():
        for kind, check in zip(("daily", "weekly"), checks, strict=True):
            if check.check == "conditions":
                surveys.setdefault(check.survey, set()).update(read[kind])
    return tuple(Contract(FEATURE, survey, tuple(FieldNeed(key) for key in sorted(keys)))
                 for survey, keys in sorted(surveys.items()) if keys)


def contracts() -> tuple[Contract, ...]:
    return of_rules(rules())
