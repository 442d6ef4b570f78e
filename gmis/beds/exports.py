"""What the bed view looks like as CSV: the table's export (place, figures, report) and the
full items (place, report, every field of the versions answered with), each as an ``Export``
the view streams."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa

from gmis.beds.operations import FIGURES, SERVICE_LABELS, SERVICES
from gmis.csv_export import Export
from gmis.db import session
from gmis.japan_time import to_tokyo
from gmis.surveys.engine.export import AnswerColumns

TABLE_FILENAME = "地域病床見える化.csv"
FULL_FILENAME = "地域病床見える化_全項目.csv"

PLACE = ["都道府県", "二次医療圏", "医療機関名", "医療機関コード", "電話番号"]
REPORTED = ["対象日", "報告日時", "古い情報"]


def bed_export(statement: sa.Select, columns: AnswerColumns | None, stale: date) -> Export:
    """The hospitals of ``statement`` (a bed table query) as the table's export, or with
    ``columns`` as the full items; figures older than ``stale`` are marked 古い."""
    return Export(FULL_FILENAME if columns is not None else TABLE_FILENAME, _header(columns),
                  _rows(statement, columns, stale))


def _header(columns: AnswerColumns | None) -> list[str]:
    """The table's export: place, figures, report; the full items (``columns`` given):
    place, report, every field."""
    if columns is not None:
        return [*PLACE, *REPORTED, *columns.header]
    figures = [*[label for _, _, label in FIGURES], *[f"{label}の受入" for _, label in SERVICES]]
    return [*PLACE, *figures, *REPORTED]


def _rows(statement: sa.Select, columns: AnswerColumns | None, stale: date) -> Iterator[list]:
    """The rows of ``statement``, read 1,000 at a time so a national export streams."""
    result = session.execute(statement.execution_options(yield_per=1000))
    for row in result:
        place = [row.prefecture, row.area or "", row.name, row.code or "", row.phone]
        reported = [row.period_start.isoformat() if row.period_start else "",
                    to_tokyo(row.submitted_at),
                    "報告なし" if row.period_start is None else
                    ("古い" if row.period_start < stale else "")]
        if columns is not None:
            yield [*place, *reported, *columns.cells(row.version_id, row.answers)]
        else:
            yield [*place, *[getattr(row, key) for key, _, _ in FIGURES],
                   *[SERVICE_LABELS.get(getattr(row, field) or "", "")
                     for field, _ in SERVICES], *reported]
