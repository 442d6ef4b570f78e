"""Rows for the CSV figure of SPEC.md (180,000 facilities × 100 columns, cp932), and the floor
they are written against.

The rows look like a response export: the twelve columns every export starts with (period,
prefecture, area, facility, code, type, status, two times, who, on behalf, version) and 88
answer cells as the survey engine writes them (numbers as text, choice labels, yes/no, empty
cells, a sentence with a comma or quotes now and then, a negative change in bed counts).
Two hundred distinct rows are cycled through, so making them costs next to nothing. Once in
every 10,000 rows a facility name holds a character cp932 lacks (𠮷) and a remark starts
like a formula, so the writer's slow paths run as often as they might in real data.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from gmis.csv_export import CHUNK_SIZE

ROWS = 180_000
COLUMNS = 100
DISTINCT = 200
RARE_EVERY = 10_000

PREFECTURES = ["北海道", "宮城県", "東京都", "神奈川県", "愛知県", "大阪府", "広島県", "福岡県",
               "沖縄県"]
AREAS = ["区中央部", "南渡島", "横浜", "名古屋・尾張中部", "大阪市", "広島", "福岡・糸島", "南部"]
CHOICES = ["通常どおり", "制限あり", "停止", "可能", "不可", "指定を受けている"]
SENTENCES = ["職員の感染による人員不足のため、救急を制限しています。",
             '医師会より「発熱外来の輪番」について連絡あり。',
             "特記事項なし"]


def header() -> list[str]:
    return ["対象期間", "都道府県", "二次医療圏", "回答者", "医療機関コード", "種別", "状態",
            "提出日時", "最終更新日時", "最終更新者", "代理回答", "版",
            *(f"項目{n:02d}(人)" for n in range(1, COLUMNS - 11))]


def _distinct_rows(rng: random.Random) -> list[list]:
    rows = []
    submitted = datetime(2026, 5, 1, 23, 30, tzinfo=UTC)
    for number in range(DISTINCT):
        cells: list = [
            "2026-05-02", rng.choice(PREFECTURES), rng.choice(AREAS),
            f"医療法人社団ベンチ会 ベンチ病院{number:03d}", f"13100{number:04d}5", "病院",
            "提出済み", (submitted + timedelta(minutes=number)).strftime("%Y/%m/%d %H:%M"),
            (submitted + timedelta(minutes=number + 5)).strftime("%Y/%m/%d %H:%M"), "",
            "代理回答" if number % 20 == 0 else "", 1]
        for column in range(COLUMNS - len(cells)):
            kind = column % 11
            if kind < 7:
                cells.append(str(rng.randint(0, 999 if kind else 99_999)))
            elif kind == 7:
                cells.append(rng.choice(CHOICES))
            elif kind == 8:
                cells.append(rng.choice(["はい", "いいえ"]))
            elif kind == 9:
                cells.append("" if rng.random() < 0.7 else rng.choice(SENTENCES))
            else:
                cells.append(str(rng.randint(-5, 5)))
        rows.append(cells)
    return rows


def rows(count: int = ROWS, seed: int = 5) -> Iterator[list]:
    """``count`` rows of 100 cells, made as they are taken."""
    distinct = _distinct_rows(random.Random(seed))
    for number in range(count):
        row = distinct[number % DISTINCT]
        if number % RARE_EVERY == RARE_EVERY - 1:
            row = [*row[:3], row[3] + "(𠮷野)", *row[4:-1], "=HYPERLINK(\"x\")"]
        yield row


def plain_chunks(head: list[str], rows_: Iterator[list]) -> Iterator[bytes]:
    """The floor: the same rows through the csv module into a StringIO emptied every
    CHUNK_SIZE characters, each chunk encoded with ``str.encode`` (no formula check, no
    report of characters cp932 lacks: those become "?")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for row in rows_:
        writer.writerow(row)
        if buffer.tell() >= CHUNK_SIZE:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            yield text.encode("cp932", errors="replace")
    if buffer.tell():
        yield buffer.getvalue().encode("cp932", errors="replace")
