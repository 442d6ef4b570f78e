"""CSV downloads (survey responses, bed views, supply requests): Excel-friendly encodings,
protection against formula injection, streaming in constant memory, an audit trail.

Most users open downloads in Excel on Windows, which reads a CSV without a byte-order mark
as Shift_JIS (cp932); that is the default. UTF-8 with a BOM is offered for everything else
and for text cp932 cannot hold.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context

from gmis.audit import record
from gmis.db import session
from gmis.filters import FilterError
from gmis.models import User
from gmis.web import content_disposition

#: Characters of CSV text per chunk: large enough that per-chunk costs (encoding, a write
#: to the socket) vanish, small enough that memory stays flat.
CHUNK_SIZE = 64 * 1024
#: 〓 (geta mark), the customary stand-in for a character a Japanese encoding cannot hold.
GETA = "\u3013"
#: Places remembered per replaced character: enough to find them, bounded in memory.
PLACES_KEPT = 3

#: What a cell may hold (bool is an int and is written True/False; datetime is a date).
Cell = str | int | float | Decimal | date | None


class UnsupportedEncodingError(FilterError):
    """The encoding asked for is neither cp932 nor UTF-8: an argument of the export's query
    that cannot be used, refused like any other filter."""

    def __init__(self, value: str):
        super().__init__("文字コードは cp932(Shift_JIS) または utf-8 を指定してください。")
        self.value = value


class Encoding(enum.StrEnum):
    CP932 = "cp932"
    UTF8_SIG = "utf-8-sig"

    @classmethod
    def from_argument(cls, value: str | None) -> Encoding:
        """The encoding named by a request argument (``?encoding=sjis``); cp932 when absent."""
        name = (value or "").strip().lower().replace("_", "-")
        if name in ("", "cp932", "sjis", "shift-jis", "shiftjis", "ms932", "windows-31j"):
            return cls.CP932
        if name in ("utf8", "utf-8", "utf-8-sig", "utf8-sig"):
            return cls.UTF8_SIG
        raise UnsupportedEncodingError(value or "")

    @property
    def codec(self) -> str:
        # Plain utf-8: "utf-8-sig" would put a BOM in front of every chunk.
        return "cp932" if self is Encoding.CP932 else "utf-8"

    @property
    def preamble(self) -> bytes:
        """Bytes before the first row: the BOM that makes Excel read the file as UTF-8."""
        return b"" if self is Encoding.CP932 else codecs.BOM_UTF8

    @property
    def charset(self) -> str:
        # Windows-31J is the IANA name of cp932 (Shift_JIS plus Microsoft's extensions).
        return "Windows-31J" if self is Encoding.CP932 else "UTF-8"

    @property
    def label(self) -> str:
        return "Shift_JIS(cp932)" if self is Encoding.CP932 else "UTF-8"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# After an optional sign: what Python writes for an int, a float or a Decimal.
_UNSIGNED_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|nan"
_SIGNED_NUMBER = re.compile(rf"[+-]?(?:{_UNSIGNED_NUMBER})")
_CELL_START = rf'(?:"?[=@\t]|"[\r+-]|[+-](?!(?:{_UNSIGNED_NUMBER})(?:,|\r\n)))'
#: Where, in CSV text written by ``csv.writer``, a cell may start like a formula: after a
#: comma or a line break, quoted or not (the chunk's first cell is checked apart: a
#: leading character class makes the search several times faster than ``^`` would). It
#: never misses one: a carriage return is always quoted, a plain number never is. It may
#: hit a comma or line break inside a quoted cell, which only costs a closer look.
_FORMULA_CANDIDATE = re.compile(rf"[,\n]{_CELL_START}")
_FORMULA_AT_START = re.compile(_CELL_START)


def neutralise_formula(text: str) -> str:
    """``text`` made safe from spreadsheet formula injection.

    A cell starting with ``= + - @``, a tab or a carriage return can be run as a formula
    (``=HYPERLINK(...)``, DDE ``-cmd|...``) by Excel; a leading ``'`` makes it plain text,
    the OWASP recommendation. A cell that is just a signed number (-3, "-0.5", 1e-05) is
    left alone, whether it came as a number or as text: negative figures (a change in bed
    counts, a balance) are legitimate data, Excel reads them as numbers, and prefixing them
    would turn them into text nobody can sum. Such a cell cannot carry a formula, so
    nothing is lost by leaving it.
    """
    if text.startswith(_FORMULA_STARTS) and not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


#: Characters that cp932 holds under another code point (JIS and Microsoft map a few JIS
#: characters differently: text typed on a Mac has U+2014 where Windows has U+2015). They
#: look the same in Excel, so they are mapped quietly instead of becoming 〓.
_CP932_EQUIVALENTS = str.maketrans({
    "\u2014": "\u2015",  # EM DASH → HORIZONTAL BAR (JIS 1-29 "―")
    "\u00a5": "\uffe5",  # YEN SIGN → FULLWIDTH YEN SIGN
    "\u203e": "\uffe3",  # OVERLINE → FULLWIDTH MACRON
    "\u00a0": " ",       # NO-BREAK SPACE
})


@dataclass
class ReplacedCharacter:
    count: int = 0
    #: (Excel row number, column name) of the first few occurrences.
    places: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ReplacementReport:
    """Which characters the encoding could not hold, how often and where."""

    characters: dict[str, ReplacedCharacter] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.characters)

    @property
    def total(self) -> int:
        return sum(found.count for found in self.characters.values())

    def add(self, char: str, line: int, column: str) -> None:
        found = self.characters.setdefault(char, ReplacedCharacter())
        found.count += 1
        if len(found.places) < PLACES_KEPT:
            found.places.append((line, column))

    def notice(self, encoding: Encoding) -> str:
        """The sentence for the last row of the file. The characters are named by code
        point: the file's encoding cannot show them, which is the point."""
        listed = []
        for char, found in list(self.characters.items())[:10]:
            line, column = found.places[0]
            more = "ほか" if found.count > 1 else ""
            listed.append(f"{_code_point(char)} {found.count}文字({line}行目「{column}」{more})")
        if len(self.characters) > 10:
            listed.append(f"ほか{len(self.characters) - 10}種類")
        advice = ("UTF-8 で出力し直すと置き換えずに出力できます。"
                  if encoding is Encoding.CP932 else "")
        return (f"※ {encoding.label}で表せない文字 {self.total}文字を「{GETA}」に置き換えました: "
                f"{'、'.join(listed)}。{advice}")

    def audit_details(self) -> dict[str, Any]:
        return {"replaced": self.total, "characters": [
            {"character": char, "code_point": _code_point(char), "count": found.count,
             "places": [list(place) for place in found.places]}
            for char, found in self.characters.items()]}


def _code_point(char: str) -> str:
    name = unicodedata.name(char, "")
    # Emoji and symbols are recognisable by name; "CJK UNIFIED IDEOGRAPH-20BB7" adds nothing.
    return f"U+{ord(char):04X}" + (f"({name})" if name and "CJK" not in name else "")


class CsvWriter:
    """Turns a header and rows into encoded chunks, one buffer's worth at a time.

    Rows are written to a ``StringIO`` that is emptied after every chunk, so memory does not
    grow with the number of rows. Both safety measures work on a chunk's text, cheaply in
    the common case: one regular-expression search finds whether any cell may start like a
    formula, one strict ``encode`` whether every character fits. Only a chunk that fails
    is read back into cells and fixed one cell at a time.
    """

    def __init__(self, header: Sequence[str], encoding: Encoding = Encoding.CP932, *,
                 chunk_size: int = CHUNK_SIZE):
        self.header = list(header)
        self.encoding = encoding
        self.chunk_size = chunk_size
        self.report = ReplacementReport()
        self.rows_written = 0
        self._buffer = io.StringIO()
        # CRLF, as Excel writes CSV itself; quoting only where needed; None becomes "".
        self._csv = csv.writer(self._buffer, lineterminator="\r\n")

    def chunks(self, rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
        """The whole file, in chunks of bytes; ``rows`` is consumed as chunks are taken.

        When characters were replaced, one last row says which, how many and where: a
        streamed response has sent its headers long before the end is reached, so the file
        itself is the only place left to tell, and it is what the person opening it in
        Excel sees.
        """
        if self.encoding.preamble:
            yield self.encoding.preamble
        writerow, buffer, first_line = self._csv.writerow, self._buffer, 1
        writerow(self.header)
        for row in rows:
            writerow(row)
            self.rows_written += 1
            if buffer.tell() >= self.chunk_size:
                yield self._flush(first_line)
                first_line = self.rows_written + 2  # the header is row 1
        if buffer.tell():
            yield self._flush(first_line)
        if self.report:
            writerow([self.report.notice(self.encoding)])
            yield self._flush(0)

    def _flush(self, first_line: int) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        if _FORMULA_AT_START.match(text) or _FORMULA_CANDIDATE.search(text):
            text = self._rewrite(text, first_line, lambda cell, line, index:
                                 neutralise_formula(cell))
        try:
            return text.encode(self.encoding.codec)
        except UnicodeEncodeError:
            return self._rewrite(text, first_line, self._replace).encode(self.encoding.codec)

    def _rewrite(self, text: str, first_line: int,
                 fix: Callable[[str, int, int], str]) -> str:
        """``text`` with ``fix(cell, row number, column index)`` applied to every cell.

        Reading our own output back is exact, and it tells the row and column of each cell
        without keeping the rows of every chunk around just in case.
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for line, cells in enumerate(csv.reader(io.StringIO(text, newline="")), first_line):
            writer.writerow([fix(cell, line, index) for index, cell in enumerate(cells)])
        return out.getvalue()

    def _replace(self, cell: str, line: int, index: int) -> str:
        if self._encodable(cell):
            return cell
        cell = cell.translate(_CP932_EQUIVALENTS) if self.encoding is Encoding.CP932 else cell
        kept = []
        for char in cell:
            if not self._encodable(char):
                self.report.add(char, line, self._column_name(line, index))
                char = GETA
            kept.append(char)
        return "".join(kept)

    def _column_name(self, line: int, index: int) -> str:
        if line == 1 or index >= len(self.header):
            return f"{index + 1}列目"
        # The name goes into the notice row, so it must be encodable itself.
        return "".join(c if self._encodable(c) else GETA for c in self.header[index])

    def _encodable(self, text: str) -> bool:
        try:
            text.encode(self.encoding.codec)
        except UnicodeEncodeError:  # in UTF-8 only a lone surrogate, never a real character
            return False
        return True


@dataclass(frozen=True)
class Export:
    """A CSV file as a capability lays it out: its name, its header and its rows.

    ``rows`` is lazy (a generator that runs its queries when iterated): the view returns
    before the file is sent, and ``csv_response`` streams the rows after it.
    """

    filename: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def csv_response(export: Export, encoding: Encoding = Encoding.CP932, *, audit_action: str,
                 audit_details: Mapping[str, Any] | None = None,
                 audit_object: object | None = None) -> Response:
    """``export`` as a streamed download, recorded in the audit log before the first byte
    is sent.

    The export event (who, ``audit_action``, ``audit_object``, the file name, the encoding
    and ``audit_details`` such as the filters, under "filters") is committed here: the body
    is sent after the view has returned, when a failure can no longer be reported, and an
    export that leaves no trace is worse than one that failed.

    The view's database session ends when the view returns (``teardown_request``), before
    the body streams; while streaming, ``session`` is a new session for the same request.
    So ``export.rows`` must be lazy, a generator that runs its queries when iterated, and
    must not use ORM objects or results the view loaded (their session is closed by then):
    select them inside the generator. If the client goes away mid-download the generator is
    closed and nothing more is recorded; the export event already says who asked for what.
    """
    filename = export.filename
    event = record(audit_action, audit_object, filename=filename, encoding=str(encoding),
                   filters=dict(audit_details or {}))
    session.flush()
    event_id, user_id = event.id, event.user_id
    session.commit()
    writer = CsvWriter(export.header, encoding)

    def body() -> Iterator[bytes]:
        yield from writer.chunks(export.rows)
        if writer.report:
            user = session.get(User, user_id) if user_id is not None else None
            record("export.replaced_characters", user=user, export_event_id=event_id,
                   export_action=audit_action, filename=filename, encoding=str(encoding),
                   rows=writer.rows_written, **writer.report.audit_details())
            session.commit()

    response = Response(stream_with_context(body()),
                        content_type=f"text/csv; charset={encoding.charset}; header=present")
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response
