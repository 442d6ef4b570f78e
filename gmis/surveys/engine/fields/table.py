"""表: a matrix of cells, e.g. medical supplies (rows) by stock, weekly use, outlook
(columns)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gmis.surveys.engine.fields.base import BuiltinField, Parsed, text_length
from gmis.surveys.engine.fields.subfields import SubFieldSchema, bind_all, key_field

COLUMN_TYPES = ("integer", "decimal", "text", "single_choice")
#: Listing every missing cell of a large table would bury the form; name a few.
MISSING_SHOWN = 3


class RowSchema(Schema):
    key = key_field
    label = fields.String(required=True, validate=text_length(1, 200),
                          metadata={"label": "行の名前"})


class ColumnSchema(SubFieldSchema):
    """A column may carry over (a stock) or have a value for a period when nothing
    happened (a week's use), as a field may: a table often holds both."""

    prefill = fields.Boolean(load_default=False, metadata={
        "label": "前回の回答を引き継ぐ", "help": "在庫数など、変わるまで続く数に付けます。"})
    unchanged_value = fields.Raw(load_default=None, metadata={
        "label": "変化なしの日の値", "help": "「前回から変更なし」で回答したときの値(例: 0)。"})


class TableOptions(Schema):
    rows = fields.List(fields.Nested(RowSchema), required=True, validate=validate.Length(
        min=1, max=200, error="行(rows)は1〜200行で書いてください。"), metadata={"label": "行"})
    columns = fields.List(fields.Nested(ColumnSchema), required=True, validate=validate.Length(
        min=1, max=30, error="列(columns)は1〜30列で書いてください。"), metadata={"label": "列"})


class TableField(BuiltinField):
    """A table: ``options.rows`` (key, label) by ``options.columns`` (key, label, type:
    integer, decimal, text or single_choice, with that type's min, max, unit, choices and
    options). Each cell behaves as a field of its column's type. The value maps rows to
    columns to values, filled cells only: ``{"n95": {"stock": 120}}``; in expressions every
    cell is present (``null`` when empty): ``supplies.n95.stock >= 0``. ``required``: every
    cell must be filled. Input names: ``f.<key>.<row>.<column>``."""

    name = "table"
    label = "表"
    description = "行(物資など)×列(在庫数など)のマス目に入力する表。"
    category = "表・繰り返し"
    starting_settings = {"options": {
        "rows": [{"key": "row_1", "label": "行1"}],
        "columns": [{"key": "column_1", "label": "列1", "type": "integer", "min": 0}]}}
    grouped = True
    options_schema = TableOptions

    def __init__(self, definition, options=None):
        super().__init__(definition, options)
        self.rows = tuple((row["key"], row["label"]) for row in self.options["rows"])
        # In a cell, a drop-down list: radio buttons would not fit.
        self.columns, self._problems = bind_all(
            self.options["columns"], "options.columns", "列", COLUMN_TYPES,
            defaults={"single_choice": {"widget": "select"}})

    def check_settings(self) -> list[tuple[str, str]]:
        problems, seen = [], set()
        for i, (key, _) in enumerate(self.rows):
            if key in seen:
                problems.append((f"options.rows[{i}].key", f"行のキー「{key}」が重複しています。"))
            seen.add(key)
        return problems + self._problems

    @staticmethod
    def where(row_label: str, column_label: str) -> str:
        return f"「{row_label}」の「{column_label}」"

    def cell_has_error(self, errors, row_label: str, column) -> bool:
        """Whether one of ``errors`` (this field's messages) is about this cell."""
        where = self.where(row_label, column.label)
        return any(where in error for error in errors or ())

    def cells(self):
        """(row key, row label, column) of every cell, row by row."""
        for row_key, row_label in self.rows:
            for column in self.columns:
                yield row_key, row_label, column

    def parse(self, form, name) -> Parsed:
        value, raw, errors = {}, {}, []
        for row_key, row_label, column in self.cells():
            parsed = column.type.parse(form, f"{name}.{row_key}.{column.key}")
            raw.setdefault(row_key, {})[column.key] = parsed.raw
            if parsed.error:
                errors.append(f"{self.where(row_label, column.label)}: {parsed.error}")
            elif not column.type.is_empty(parsed.value):
                value.setdefault(row_key, {})[column.key] = parsed.value
        if errors:
            return Parsed(None, raw, " ".join(errors))
        return Parsed(value or None, raw)

    def validate(self, value) -> list[str]:
        messages, missing = [], []
        for row_key, row_label, column in self.cells():
            cell = value.get(row_key, {}).get(column.key)
            if column.type.is_empty(cell):
                missing.append(self.where(row_label, column.label))
                continue
            messages.extend(f"{self.where(row_label, column.label)}: {message}"
                            for message in column.type.validate(cell))
        if self.definition.required and missing:
            listed = "、".join(missing[:MISSING_SHOWN])
            more = f"ほか{len(missing) - MISSING_SHOWN}か所" if len(missing) > MISSING_SHOWN else ""
            messages.insert(0, f"表のすべての欄を入力してください(未入力: {listed}{more})。")
        return messages

    def is_empty(self, value) -> bool:
        return not value

    def to_json(self, value):
        if value is None:
            return None
        return {row: {key: self._column(key).type.to_json(cell) for key, cell in cells.items()}
                for row, cells in value.items()}

    def from_json(self, value):
        """Stored cells of rows and columns this version still has (an answer given to an
        earlier version keeps what still fits)."""
        if value is None:
            return None
        if not isinstance(value, dict) or not all(isinstance(c, dict) for c in value.values()):
            raise ValueError(f"not a table: {value!r}")
        clean = {}
        for row_key, _, column in self.cells():
            cell = column.type.from_json(value.get(row_key, {}).get(column.key))
            if not column.type.is_empty(cell):
                clean.setdefault(row_key, {})[column.key] = cell
        return clean

    def iteration_bound(self) -> int:
        return len(self.rows)

    def to_cel(self, value):
        cel: dict = {}
        for row_key, _, column in self.cells():
            cell = value.get(row_key, {}).get(column.key)
            cel.setdefault(row_key, {})[column.key] = (
                None if column.type.is_empty(cell) else column.type.to_cel(cell))
        return cel

    def carried(self, value):
        """The whole table when the field is marked ``prefill``, else the cells of the
        columns marked so."""
        if self.definition.prefill:
            return value
        kept = {row: {key: cell for key, cell in cells.items()
                      if self._column(key).definition.prefill}
                for row, cells in value.items()}
        return {row: cells for row, cells in kept.items() if cells} or None

    def unchanged(self):
        whole = super().unchanged()
        if whole is not None:
            return whole
        cells = {}
        for row_key, _, column in self.cells():
            cell = column.type.unchanged()
            if cell is not None:
                cells.setdefault(row_key, {})[column.key] = cell
        return cells or None

    def overlay(self, base, value):
        rows = {**(base or {})}
        for row, cells in (value or {}).items():
            rows[row] = {**rows.get(row, {}), **cells}
        return rows or None

    def display(self, value) -> str:
        if self.is_empty(value):
            return ""
        parts = []
        for row_key, row_label in self.rows:
            cells = value.get(row_key, {})
            shown = [f"{column.label} {column.type.display(cells[column.key])}"
                     for column in self.columns if column.key in cells]
            if shown:
                parts.append(f"{row_label}: " + "、".join(shown))
        return " / ".join(parts)

    def as_input(self, value):
        """Every row and column: ``{row: {column: what the cell's input shows}}``."""
        value = value or {}
        return {row_key: {column.key: column.type.as_input(value.get(row_key, {})
                                                           .get(column.key))
                          for column in self.columns}
                for row_key, _ in self.rows}

    def _column(self, key: str):
        return next(column for column in self.columns if column.key == key)

    def csv_columns(self) -> list[str]:
        """One column per cell: ``<label>:<row label>:<column label>``."""
        return [f"{self.definition.label}:{row_label}:{header}"
                for _, row_label, column in self.cells()
                for header in column.type.csv_columns()]

    def csv_cells(self, value) -> list[str]:
        value = value or {}
        return [cell for row_key, _, column in self.cells()
                for cell in column.type.csv_cells(value.get(row_key, {}).get(column.key))]
