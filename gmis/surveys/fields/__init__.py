"""The built-in field types, listed explicitly (plugins come through the entry point)."""

from gmis.surveys.fields.choices import MultipleChoiceField, SingleChoiceField, YesNoField
from gmis.surveys.fields.contact import (
    EmailField,
    FacilityCodeField,
    PhoneField,
    PostalCodeField,
)
from gmis.surveys.fields.dates import DateField, TimeField
from gmis.surveys.fields.hours import WeeklyHoursField
from gmis.surveys.fields.numbers import DecimalField, IntegerField
from gmis.surveys.fields.repeating import RepeatingGroupField
from gmis.surveys.fields.table import TableField
from gmis.surveys.fields.text import LongTextField, TextField

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
