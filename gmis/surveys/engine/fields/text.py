"""Free text: one line, or several (a remark, a description of a situation)."""

from __future__ import annotations

import re
import unicodedata

from marshmallow import Schema, fields

from gmis.surveys.engine.fields.base import BuiltinField, Parsed, form_text, whole_number
from gmis.text import normalise

_LENGTH_HINT = "文字数の上限は options.max_length で指定してください。"

#: Full-width ASCII and half-width kana: folded to their usual width. Other compatibility
#: characters (①, ㈱, the ideographic space that indents a paragraph) mean something in
#: prose and are kept as written.
_ODD_WIDTH = re.compile(r"[\uff01-\uff5e\uff61-\uff9f]+")


class TextOptions(Schema):
    max_length = fields.Integer(load_default=200, validate=whole_number(1, 2000),
                                metadata={"label": "最大文字数"})
    placeholder = fields.String(load_default="", metadata={
        "label": "入力例", "help": "入力欄に薄く表示する例です。"})


class _Text(BuiltinField):
    bounds_hint = _LENGTH_HINT

    def validate(self, value) -> list[str]:
        limit = self.options["max_length"]
        if len(value) > limit:
            return [f"{limit}文字以内で入力してください(現在{len(value)}文字)。"]
        return []

    def from_json(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"not text: {value!r}")
        return value


class TextField(_Text):
    """One line of text, e.g. a contact person's name."""

    name = "text"
    label = "文字(1行)"
    description = "名前や短い説明など、1行の文字。"
    category = "文字"
    options_schema = TextOptions

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        value = normalise(raw)
        return Parsed(value or None, raw)


class LongTextOptions(Schema):
    max_length = fields.Integer(load_default=2000, validate=whole_number(1, 20000),
                                metadata={"label": "最大文字数"})
    #: Height of the box, in lines.
    rows = fields.Integer(load_default=5, validate=whole_number(2, 30),
                          metadata={"label": "入力欄の高さ(行)"})
    placeholder = fields.String(load_default="", metadata={
        "label": "入力例", "help": "入力欄に薄く表示する例です。"})


def normalise_prose(text: str) -> str:
    """Line breaks as ``\\n``, full-width ASCII and half-width kana folded, spaces at the
    ends of lines and blank lines around the text dropped; the text otherwise as typed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ODD_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n").rstrip()


class LongTextField(_Text):
    """文章(複数行): several lines of text, e.g. 備考 or the state of a ward."""

    name = "long_text"
    label = "文章(複数行)"
    description = "備考や経過など、複数行の文章。"
    category = "文字"
    options_schema = LongTextOptions

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        value = normalise_prose(raw)
        return Parsed(value if value.strip() else None, raw)
