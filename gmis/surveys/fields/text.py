"""Free text on one line."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gmis.surveys.registry import FieldType, Parsed
from gmis.text import normalise


class TextOptions(Schema):
    max_length = fields.Integer(load_default=200, validate=validate.Range(min=1, max=2000))
    placeholder = fields.String(load_default="")


class TextField(FieldType):
    """One line of text, e.g. a contact person's name."""

    name = "text"
    label = "文字(1行)"
    options_schema = TextOptions

    def parse(self, form, name) -> Parsed:
        raw = form.get(name, "")
        value = normalise(raw)
        return Parsed(value or None, raw)

    def validate(self, value) -> list[str]:
        limit = self.options["max_length"]
        if len(value) > limit:
            return [f"{limit}文字以内で入力してください(現在{len(value)}文字)。"]
        return []
