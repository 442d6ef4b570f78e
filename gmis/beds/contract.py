"""The fields of the hospital daily survey the bed view reads: its figures (summed, sorted,
so integers) and the acceptance statuses (read as the choice's value). A hospital daily
version without them is refused; the bed view takes its keys from here."""

from __future__ import annotations

from gmis.surveys.engine.contracts import Contract, FieldNeed

FEATURE = "地域病床見える化"
SURVEY_KEY = "hospital_daily"

_INTEGER = dict(types=("integer",), type_label="整数")
_CHOICE = dict(types=("single_choice",), type_label="単一選択")

VACANT_BEDS = FieldNeed("vacant_beds", **_INTEGER)
ACCEPTABLE_BEDS = FieldNeed("covid_acceptable_beds", **_INTEGER)
INPATIENTS = FieldNeed("covid_inpatients", **_INTEGER)
INPATIENT_STATUS = FieldNeed("inpatient_status", **_CHOICE)
EMERGENCY_STATUS = FieldNeed("emergency_status", **_CHOICE)

CONTRACT = Contract(FEATURE, SURVEY_KEY, (VACANT_BEDS, ACCEPTABLE_BEDS, INPATIENTS,
                                          INPATIENT_STATUS, EMERGENCY_STATUS))


def contracts() -> tuple[Contract, ...]:
    return (CONTRACT,)
