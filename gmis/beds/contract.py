"""The fields of the hospital daily survey the bed view reads: its figures (summed, sorted,
so integers) and the acceptance statuses (read as the choice's value). A hospital daily
version without them is refused; the bed view takes its keys from here."""

from __future__ import annotations

from gmis.surveys.engine.contracts import Contract, FieldNeed

FEATURE = "地域病床見える化"
SURVEY_KEY = "hospital_daily"

VACANT_BEDS = FieldNeed.of_types("vacant_beds", "integer")
ACCEPTABLE_BEDS = FieldNeed.of_types("covid_acceptable_beds", "integer")
INPATIENTS = FieldNeed.of_types("covid_inpatients", "integer")
INPATIENT_STATUS = FieldNeed.of_types("inpatient_status", "single_choice")
EMERGENCY_STATUS = FieldNeed.of_types("emergency_status", "single_choice")

CONTRACT = Contract(FEATURE, SURVEY_KEY, (VACANT_BEDS, ACCEPTABLE_BEDS, INPATIENTS,
                                          INPATIENT_STATUS, EMERGENCY_STATUS))


def contracts() -> tuple[Contract, ...]:
    return (CONTRACT,)
