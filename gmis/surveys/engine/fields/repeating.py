"""繰り返し: a list of entries of the same few items, e.g. the staff on duty or the
patients transferred, as many as there are."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gmis.surveys.engine.fields.base import BuiltinField, Parsed, whole_number
from gmis.surveys.engine.fields.subfields import SCALAR_TYPES, SubFieldSchema, bind_all

ITEM_TYPES = tuple(SCALAR_TYPES)
#: Entry numbers beyond this in a submitted form are not read (a form never has them).
MAX_INDEX = 999


class ItemSchema(SubFieldSchema):
    help = fields.String(load_default="", metadata={"label": "説明"})
    #: Every entry must fill it in (empty entries are ignored, not refused).
    required = fields.Boolean(load_default=False, metadata={"label": "必須"})


class RepeatingGroupOptions(Schema):
    items = fields.List(fields.Nested(ItemSchema), required=True, data_key="fields",
                        validate=validate.Length(min=1, max=20,
                                                 error="fields は1〜20項目で書いてください。"),
                        metadata={"label": "1件の項目"})
    min_items = fields.Integer(load_default=0, validate=whole_number(0, 100),
                               metadata={"label": "最少件数",
                                         "help": "1件以上入力されたときに確認します。"})
    max_items = fields.Integer(load_default=20, validate=whole_number(1, 100), metadata={
        "label": "最多件数", "help": "CSVの列数もこの件数で決まります。"})
    #: Empty entries the form offers to fill in (without JavaScript, the only way to add).
    blank_rows = fields.Integer(load_default=1, validate=whole_number(0, 10), metadata={
        "label": "空欄の件数", "help": "入力済みの件の後に表示する空の入力欄の数です。"})


class RepeatingGroupField(BuiltinField):
    """Entries of the items in ``options.fields`` (scalar fields: key, label, type, help,
    unit, required, min, max, choices, options). The value is a list of maps of the filled
    items, ``[{"name": "山田", "hours": 8}]``; in expressions every item is present
    (``null`` when empty): ``staff.all(s, s.hours <= 24)``. Input names
    ``f.<key>.<index>.<item>``; an entry left entirely empty is ignored, so a person removes
    one by clearing it. CSV: ``max_items`` entries of columns ``<label>:<n>:<item label>``,
    so every version has a fixed set of columns."""

    name = "repeating_group"
    label = "繰り返し"
    description = "同じ項目の組を必要な数だけ入力する(転院搬送した患者など)。"
    category = "表・繰り返し"
    starting_settings = {"options": {"fields": [{"key": "item_1", "label": "項目1",
                                                 "type": "text"}]}}
    grouped = True
    options_schema = RepeatingGroupOptions

    def __init__(self, definition, options=None):
        super().__init__(definition, options)
        self.items, self._problems = bind_all(self.options["items"], "options.fields", "項目",
                                              ITEM_TYPES)

    def check_settings(self) -> list[tuple[str, str]]:
        problems = list(self._problems)
        if self.options["min_items"] > self.options["max_items"]:
            problems.append(("options.max_items",
                             "max_items が min_items より小さくなっています。"))
        return problems

    @staticmethod
    def where(number: int, item) -> str:
        return f"{number}件目の「{item.label}」"

    def item_has_error(self, errors, number: int, item) -> bool:
        """Whether one of ``errors`` (this field's messages) is about this item of the
        ``number``-th entry."""
        where = self.where(number, item)
        return any(where in error for error in errors or ())

    def _indices(self, form, name: str) -> list[int]:
        prefix = f"{name}."
        found = set()
        for key in form:
            if key.startswith(prefix):
                index = key[len(prefix):].partition(".")[0]
                if index.isascii() and index.isdigit() and int(index) <= MAX_INDEX:
                    found.add(int(index))
        return sorted(found)

    def parse(self, form, name) -> Parsed:
        entries, raw, errors = [], [], []
        for index in self._indices(form, name):
            entry, typed, entry_errors = {}, {}, []
            for item in self.items:
                parsed = item.type.parse(form, f"{name}.{index}.{item.key}")
                typed[item.key] = parsed.raw
                if parsed.error:
                    entry_errors.append((item, parsed.error))
                elif not item.type.is_empty(parsed.value):
                    entry[item.key] = parsed.value
            if not entry and not entry_errors:
                continue
            raw.append(typed)
            entries.append(entry)
            errors.extend(f"{self.where(len(raw), item)}: {error}" for item, error in entry_errors)
        if errors:
            return Parsed(None, raw, " ".join(errors))
        return Parsed(entries or None, raw)

    def validate(self, value) -> list[str]:
        messages = []
        low, high = self.options["min_items"], self.options["max_items"]
        if len(value) < low:
            messages.append(f"{low}件以上入力してください(現在{len(value)}件)。")
        if len(value) > high:
            messages.append(f"{high}件まで入力できます(現在{len(value)}件)。")
        for number, entry in enumerate(value, 1):
            for item in self.items:
                cell = entry.get(item.key)
                if item.type.is_empty(cell):
                    if item.definition.required:
                        messages.append(f"{self.where(number, item)}を入力してください。")
                    continue
                messages.extend(f"{self.where(number, item)}: {message}"
                                for message in item.type.validate(cell))
        return messages

    def is_empty(self, value) -> bool:
        return not value

    def to_json(self, value):
        if value is None:
            return None
        return [{item.key: item.type.to_json(entry[item.key])
                 for item in self.items if item.key in entry} for entry in value]

    def from_json(self, value):
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise ValueError(f"not a list of entries: {value!r}")
        entries = []
        for stored in value:
            entry = {}
            for item in self.items:
                cell = item.type.from_json(stored.get(item.key))
                if not item.type.is_empty(cell):
                    entry[item.key] = cell
            if entry:
                entries.append(entry)
        return entries

    def to_cel(self, value):
        # No more than max_items entries: more are refused by ``validate`` anyway, and
        # expressions were given their cost budget for max_items (``iteration_bound``).
        return [{item.key: None if item.type.is_empty(entry.get(item.key))
                 else item.type.to_cel(entry[item.key]) for item in self.items}
                for entry in value[:self.options["max_items"]]]

    def iteration_bound(self) -> int:
        return self.options["max_items"]

    def display(self, value) -> str:
        if self.is_empty(value):
            return ""
        return " / ".join(
            f"{number}件目: " + "、".join(f"{item.label} {item.type.display(entry[item.key])}"
                                         for item in self.items if item.key in entry)
            for number, entry in enumerate(value, 1))

    def as_input(self, value):
        """The entries as their items' inputs show them."""
        return [{item.key: item.type.as_input(entry.get(item.key)) for item in self.items}
                for entry in value or []]

    def input_rows(self, value) -> list[tuple[dict, bool]]:
        """The entries a form shows: (inputs, blank) for each entry given (``as_input`` or
        what was typed), then ``blank_rows`` empty ones, at least ``min_items`` in all and
        no more than ``max_items`` unless more were typed."""
        rows = list(value or [])
        count = max(min(max(len(rows) + self.options["blank_rows"], self.options["min_items"]),
                        self.options["max_items"]), len(rows))
        blank = {item.key: item.type.as_input(None) for item in self.items}
        return [(row, False) for row in rows] + [(dict(blank), True)] * (count - len(rows))

    def csv_columns(self) -> list[str]:
        return [f"{self.definition.label}:{number}:{header}"
                for number in range(1, self.options["max_items"] + 1)
                for item in self.items for header in item.type.csv_columns()]

    def csv_cells(self, value) -> list[str]:
        value = value or []
        cells = []
        for number in range(self.options["max_items"]):
            entry = value[number] if number < len(value) else {}
            for item in self.items:
                cells.extend(item.type.csv_cells(entry.get(item.key)))
        return cells
