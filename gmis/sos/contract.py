"""The survey fields the system check (システムチェック) reads, with their types, taken from
``sos.yaml`` rather than spelled again: its ``survey_fields`` (exactly the ``daily.<field>``
and ``weekly.<field>`` its conditions read), asked of each daily or weekly survey checked
with ``conditions``. A version of such a survey without one of them, or with one of another
type, would fail every request's check, so it is refused."""

from __future__ import annotations

from gmis.sos.rules import ANSWERS, Rules, rules
from gmis.surveys.engine.contracts import Contract, FieldNeed

FEATURE = "緊急配布要請(システムチェック)"


def of_rules(found: Rules) -> tuple[Contract, ...]:
    """One contract per survey the conditions are checked against."""
    surveys: dict[str, dict[str, str]] = {}
    for checks in found.facility_types.values():
        for answers, check in zip(ANSWERS, checks, strict=True):
            if check.check == "conditions":
                surveys.setdefault(check.survey, {}).update(found.survey_fields[answers])
    return tuple(Contract(FEATURE, survey, tuple(FieldNeed.of_types(key, type_name)
                                                 for key, type_name in sorted(needed.items())))
                 for survey, needed in sorted(surveys.items()) if needed)


def contracts() -> tuple[Contract, ...]:
    return of_rules(rules())
