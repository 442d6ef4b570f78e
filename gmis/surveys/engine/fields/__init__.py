"""The built-in field types, listed explicitly (plugins come through the entry point)."""

from gmis.surveys.engine.fields.choices import MultipleChoiceField, SingleChoiceField, YesNoField
from gmis.surveys.engine.fields.contact import (
    EmailField,
    FacilityCodeField,
    PhoneField,
    PostalCodeField,
)
from gmis.surveys.engine.fields.dates import DateField, TimeField
from gmis.surveys.engine.fields.hours import WeeklyHoursField
from gmis.surveys.engine.fields.numbers import DecimalField, IntegerField
from gmis.surveys.engine.fields.repeating import RepeatingGroupField
from gmis.surveys.engine.fields.table import TableField
from gmis.surveys.engine.fields.text import LongTextField, TextField

BUILTIN_TYPES = (
    IntegerField,
    DecimalField,
    TextField,
    LongTextField,
    SingleChoiceField,
    MultipleChoiceField,
    YesNoField,
    DateField,
    TimeField,
    WeeklyHoursField,
    PostalCodeField,
    PhoneField,
    EmailField,
    FacilityCodeField,
    TableField,
    RepeatingGroupField,
)
