"""The built-in field types, listed explicitly (plugins come through the entry point)."""

from gmis.surveys.fields.numbers import DecimalField, IntegerField
from gmis.surveys.fields.text import TextField

BUILTIN_TYPES = (
    IntegerField,
    DecimalField,
    TextField,
)
