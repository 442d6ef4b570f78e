"""The answer columns of a survey's CSV export across the versions a date range was
answered with.

Every response is exported in the columns of the version it was answered with. A range
that spans versions gets the union of their columns: the newest version's, in its order,
then those only older versions had. A column is identified by its field key (and, for a field of
several columns such as a table, its header), so a cell lands under the same heading
whichever version it came from, and a response leaves empty what its version did not ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.validation import stored_values

ColumnId = tuple[str, str]


def _columns(compiled: CompiledSurvey) -> list[tuple[ColumnId, str]]:
    """(identity, header) of every answer column of one version, in its order."""
    columns = []
    for key, field in compiled.fields.items():
        headers = field.type.csv_columns()
        if len(headers) == 1:  # a renamed question is still the same column
            columns.append(((key, ""), headers[0]))
        else:
            columns.extend(((key, header), header) for header in headers)
    return columns


class AnswerColumns:
    """The answer columns of versions given as {version id: compiled}, newest first."""

    def __init__(self, versions: Mapping[int, CompiledSurvey]):
        self.versions = dict(versions)
        self.positions: dict[ColumnId, int] = {}
        self.header: list[str] = []
        for compiled in self.versions.values():
            for identity, header in _columns(compiled):
                if identity not in self.positions:
                    self.positions[identity] = len(self.header)
                    self.header.append(header)
        self._layouts = {version_id: [self.positions[identity] for identity, _ in _columns(c)]
                         for version_id, c in self.versions.items()}

    def cells(self, version_id: int | None, answers: Mapping[str, Any] | None) -> list[str]:
        """One response's answers (as stored) under the union's columns; blanks where
        there is no response (``version_id`` None)."""
        row = [""] * len(self.header)
        if version_id is None:
            return row
        compiled = self.versions[version_id]
        values = stored_values(compiled, answers)
        cells = [cell for key, field in compiled.fields.items()
                 for cell in field.type.csv_cells(values.get(key))]
        for position, cell in zip(self._layouts[version_id], cells, strict=True):
            row[position] = cell
        return row
