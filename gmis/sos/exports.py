"""What emergency supply requests look like outside the pages: the review queue as a CSV
``Export`` (one column per item of the rules file) and the file name of a request's PDF."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from gmis.csv_export import Export
from gmis.db import session
from gmis.japan_time import to_tokyo
from gmis.models import SosRequest
from gmis.sos.rules import Rules

CSV_FILENAME = "緊急配布要請.csv"


def queue_export(statement: sa.Select, rules: Rules) -> Export:
    """The requests of ``statement`` (a queue query), one column per item of ``rules``."""
    return Export(CSV_FILENAME, _header(rules), _rows(statement, rules))


def _header(rules: Rules) -> list[str]:
    return ["タイトル", "対応状況", "申請日時", "対応日", "都道府県", "医療機関コード",
            "医療機関名", *[f"{i.label}({i.unit})" for i in rules.items], "備考", "差戻しの理由"]


def _rows(statement: sa.Select, rules: Rules) -> Iterator[list]:
    """The rows of ``statement`` (a queue query), read 500 at a time: a national export
    streams without holding every request in memory."""
    items = rules.items
    for found in session.scalars(statement.execution_options(yield_per=500)):
        yield [found.title, found.status.label, to_tokyo(found.applied_at),
               found.handling_date.isoformat() if found.handling_date else "",
               found.prefecture.name, found.facility.code or "", found.facility.name,
               *[found.quantity(i.key) or "" for i in items], found.remark,
               found.return_comment]


def pdf_filename(sos_request: SosRequest) -> str:
    """The title, which holds the date as 2026/12/01: a "/" cannot be in a file name."""
    return sos_request.title.replace("/", "-") + ".pdf"
