"""CSV downloads: encodings, formula neutralisation, characters cp932 lacks, streaming in
constant memory, the Flask response and its audit events."""

from __future__ import annotations

import codecs
import csv
import io
import re
import tracemalloc
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from flask_login import login_user

from gmis.csv_export import (
    CHUNK_SIZE,
    GETA,
    CsvWriter,
    Encoding,
    Export,
    UnsupportedEncodingError,
    content_disposition,
    csv_response,
    neutralise_formula,
)
from gmis.db import session
from gmis.models import AuditEvent, Facility, Role, User

HEADER = ["医療機関名", "住所", "病床数", "備考"]


def export(rows, encoding=Encoding.CP932, **options) -> tuple[list[bytes], CsvWriter]:
    writer = CsvWriter(HEADER, encoding, **options)
    return list(writer.chunks(rows)), writer


def read(data: bytes, encoding: Encoding) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding.value), newline="")))


# --- encodings -----------------------------------------------------------------------------

@pytest.mark.parametrize(("argument", "expected"), [
    (None, Encoding.CP932), ("", Encoding.CP932), ("cp932", Encoding.CP932),
    ("SJIS", Encoding.CP932), ("Shift_JIS", Encoding.CP932), ("utf8", Encoding.UTF8_SIG),
    ("UTF-8", Encoding.UTF8_SIG), (" utf-8-sig ", Encoding.UTF8_SIG),
])
def test_encoding_is_read_from_the_request_argument(argument, expected):
    assert Encoding.from_argument(argument) is expected


@pytest.mark.parametrize("argument", ["euc-jp", "latin-1", "utf-16", "shift"])
def test_other_encodings_are_refused_with_a_message_for_the_user(argument):
    with pytest.raises(UnsupportedEncodingError) as caught:
        Encoding.from_argument(argument)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "文字コードは cp932(Shift_JIS) または utf-8 を指定してください。"
    assert caught.value.value == argument


ROWS = [
    ("髙橋医院", "東京都八王子市元本郷町3-24-1", 19, None),
    ("﨑山クリニック", "大阪府大阪市北区, 梅田1-1", -3, '院長いわく「"至急"」'),
    ("①第一病院", "改行\r\nあり", 0.5, "複数行\nの備考"),
    ("㈱メディカル～", "", True, ""),
]
EXPECTED = [
    ["髙橋医院", "東京都八王子市元本郷町3-24-1", "19", ""],
    ["﨑山クリニック", "大阪府大阪市北区, 梅田1-1", "-3", '院長いわく「"至急"」'],
    ["①第一病院", "改行\r\nあり", "0.5", "複数行\nの備考"],
    ["㈱メディカル～", "", "True", ""],
]


@pytest.mark.parametrize("encoding", list(Encoding))
@pytest.mark.parametrize("chunk_size", [CHUNK_SIZE, 1])
def test_round_trip_through_the_csv_reader(encoding, chunk_size):
    chunks, writer = export(ROWS, encoding, chunk_size=chunk_size)
    data = b"".join(chunks)
    assert read(data, encoding) == [HEADER, *EXPECTED]
    assert not writer.report  # 髙, 﨑, ①, ㈱ are Microsoft extensions cp932 has
    assert writer.rows_written == 4
    header_line = ",".join(HEADER).encode(encoding.codec) + b"\r\n"  # CRLF, as Excel expects
    assert data.startswith(encoding.preamble + header_line)
    assert data.count(codecs.BOM_UTF8) == (encoding is Encoding.UTF8_SIG)  # once, not per chunk
    if chunk_size == 1:
        assert len(chunks) >= len(ROWS)


# --- characters cp932 lacks ----------------------------------------------------------------

UNREPRESENTABLE = [
    ("𠮷野病院", "東京都", 1, None),
    ("中央病院", "東京都", 2, "😀よろしく"),
    ("𠮷田医院", "東京都", 3, ""),
]


@pytest.mark.parametrize("chunk_size", [CHUNK_SIZE, 1])
def test_characters_cp932_lacks_become_geta_and_are_reported_in_a_last_row(chunk_size):
    chunks, writer = export(UNREPRESENTABLE, Encoding.CP932, chunk_size=chunk_size)
    *rows, notice = read(b"".join(chunks), Encoding.CP932)
    assert rows == [HEADER, ["〓野病院", "東京都", "1", ""],
                    ["中央病院", "東京都", "2", "〓よろしく"], ["〓田医院", "東京都", "3", ""]]
    assert len(notice) == 1
    assert notice[0] == (
        "※ Shift_JIS(cp932)で表せない文字 3文字を「〓」に置き換えました: "
        "U+20BB7 2文字(2行目「医療機関名」ほか)、U+1F600(GRINNING FACE) 1文字(3行目「備考」)。"
        "UTF-8 で出力し直すと置き換えずに出力できます。")
    report = writer.report
    assert report.total == 3
    assert report.characters["𠮷"].count == 2
    assert report.characters["𠮷"].places == [(2, "医療機関名"), (4, "医療機関名")]
    assert report.characters["😀"].places == [(3, "備考")]


def test_utf8_keeps_every_character():
    chunks, writer = export(UNREPRESENTABLE, Encoding.UTF8_SIG)
    rows = read(b"".join(chunks), Encoding.UTF8_SIG)
    assert rows == [HEADER, *([str(c) if c is not None else "" for c in row]
                              for row in UNREPRESENTABLE)]
    assert not writer.report


def test_characters_cp932_holds_under_another_code_point_are_mapped_quietly():
    # An em dash typed on a Mac is JIS 1-29, which cp932 holds as U+2015.
    chunks, writer = export([("外来 9:00\u201417:00", "¥1,000", 0, None)], Encoding.CP932)
    assert read(b"".join(chunks), Encoding.CP932)[1][:2] == ["外来 9:00―17:00", "￥1,000"]
    assert not writer.report


def test_many_replaced_characters_keep_the_report_bounded():
    rows = [(chr(0x20000 + n), "", n, None) for n in range(30)] * 10
    chunks, writer = export(rows, Encoding.CP932)
    notice = read(b"".join(chunks), Encoding.CP932)[-1][0]
    assert "ほか20種類" in notice
    assert writer.report.total == 300
    assert all(len(found.places) == 3 for found in writer.report.characters.values())


# --- formula neutralisation ----------------------------------------------------------------

@pytest.mark.parametrize(("value", "written"), [
    ("=SUM(A1)", "'=SUM(A1)"),
    ("+1+1", "'+1+1"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("@x", "'@x"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("=1,2", "'=1,2"),  # quoted in the file
    ('-"x"', "'-\"x\""),
    ("-", "'-"),
    ("+81-3-1234-5678", "'+81-3-1234-5678"),
    ("-3", "-3"),  # negative figures are data
    ("-0.5", "-0.5"),
    ("+2", "+2"),
    ("12", "12"),
    (-3, "-3"),
    (-0.5, "-0.5"),
    (-1e-05, "-1e-05"),
    (12, "12"),
    ("1-2", "1-2"),
    ("医療=安全", "医療=安全"),
    (" =1", " =1"),
])
def test_cells_that_start_like_a_formula_get_a_quote(value, written):
    if isinstance(value, str):
        assert neutralise_formula(value) == written
    # First cell of a chunk, cells after a comma, and the last cell of a line.
    chunks, _ = export([(value, "病院", value, value)], Encoding.UTF8_SIG)
    assert read(b"".join(chunks), Encoding.UTF8_SIG)[1] == [written, "病院", written, written]


def test_the_header_is_neutralised_too():
    writer = CsvWriter(["=見出し", "-"], Encoding.UTF8_SIG)
    assert read(b"".join(writer.chunks([])), Encoding.UTF8_SIG) == [["'=見出し", "'-"]]


# --- streaming -----------------------------------------------------------------------------

def test_chunks_are_yielded_while_rows_are_still_coming():
    total, consumed = 50_000, 0

    def rows():
        nonlocal consumed
        for number in range(total):
            consumed += 1
            yield (f"病院{number}", "東京都新宿区西新宿2-8-1", number, None)

    chunks = CsvWriter(HEADER, Encoding.CP932).chunks(rows())
    first = next(chunks)
    assert 0 < consumed < total / 10
    assert len(first) >= CHUNK_SIZE
    rest = list(chunks)
    assert consumed == total
    assert len(rest) > 5


def test_a_large_export_runs_in_constant_memory():
    rows, columns = 200_000, 20
    template = ("東京都新宿区西新宿2-8-1", 120, -3, 0.5, None, "髙橋医院", "一般病床", "-5",
                "2024-04-01", "備考欄の文章", 7, "", "03-5321-1111", 42, 1.25, "済", None,
                "看護師", 0)

    def generated():
        for number in range(rows):
            yield (number, *template)

    writer = CsvWriter([f"項目{n}" for n in range(columns)], Encoding.CP932)
    size = lines = 0
    tracemalloc.start()
    try:
        for chunk in writer.chunks(generated()):
            size += len(chunk)
            lines += chunk.count(b"\r\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == rows + 1
    assert size > 15_000_000  # the file is far larger than the memory it took
    assert peak < 20_000_000


# --- the Flask response --------------------------------------------------------------------

@pytest.mark.parametrize(("filename", "fallback"), [
    ("医療機関一覧_2024年度.csv", "2024.csv"),
    ("調査回答.csv", "download.csv"),
    ("bed-view 2024.csv", "bed-view_2024.csv"),
    ('a"b\r\n.csv', "a_b_.csv"),
])
def test_content_disposition_has_an_ascii_fallback_and_the_japanese_name(filename, fallback):
    value = content_disposition(filename)
    match = re.fullmatch(r"attachment; filename=\"([^\"]+)\"; filename\*=UTF-8''([\w.%~-]+)",
                         value)
    assert match, value
    assert match.group(1) == fallback
    assert unquote(match.group(2)) == filename


@pytest.fixture
def facilities(make_facility):
    return [make_facility(name="髙橋医院", beds=19), make_facility(name="𠮷野病院", beds=40),
            make_facility(name='=HYPERLINK("http://example.com")', beds=None)]


def download(app, user, facilities, encoding):
    """What a view would do, in a request of its own: the rows are queried while the body
    streams, after the view's session has been closed by the end of the request."""
    ids = [facility.id for facility in facilities]

    def facility_rows():
        for name, beds in session.execute(sa.select(Facility.name, Facility.beds)
                                          .where(Facility.id.in_(ids)).order_by(Facility.id)):
            yield name, beds, None if beds is None else beds - 20  # a negative figure stays one

    with app.test_request_context("/facilities/export",
                                  environ_base={"REMOTE_ADDR": "192.0.2.10"}):
        login_user(session.get(User, user.id))  # loaded in the request's session, as in a view
        export = Export("医療機関一覧_2024年度.csv", ["医療機関名", "病床数", "基準との差"],
                        facility_rows())
        response = csv_response(export, encoding, audit_action="facility.exported",
                                audit_details={"prefecture_code": "13", "query": "病院"})
    return response


def audit_events(*actions: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(actions))
                                .order_by(AuditEvent.id)))


def test_csv_response_streams_an_audited_download(app, make_user, facilities):
    user = make_user(role=Role.prefecture)
    response = download(app, user, facilities, Encoding.CP932)
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=Windows-31J; header=present"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"2024.csv\"; filename*=UTF-8''%E5%8C%BB%E7%99%82%E6%A9%9F%E9%96"
        "%A2%E4%B8%80%E8%A6%A7_2024%E5%B9%B4%E5%BA%A6.csv")

    # Committed before the first byte: the request's own transaction is gone already.
    (exported,) = audit_events("facility.exported")
    assert exported.user_id == user.id
    assert exported.ip_address == "192.0.2.10"
    assert exported.details == {"filename": "医療機関一覧_2024年度.csv", "encoding": "cp932",
                                "filters": {"prefecture_code": "13", "query": "病院"}}
    assert audit_events("export.replaced_characters") == []

    *rows, notice = read(response.get_data(), Encoding.CP932)
    assert rows == [["医療機関名", "病床数", "基準との差"], ["髙橋医院", "19", "-1"],
                    [f"{GETA}野病院", "40", "20"], ["'=HYPERLINK(\"http://example.com\")", "", ""]]
    assert "U+20BB7 1文字(3行目「医療機関名」)" in notice[0]

    (replaced,) = audit_events("export.replaced_characters")
    assert replaced.user_id == user.id
    assert replaced.details == {
        "export_event_id": exported.id, "export_action": "facility.exported",
        "filename": "医療機関一覧_2024年度.csv", "encoding": "cp932", "rows": 3, "replaced": 1,
        "characters": [{"character": "𠮷", "code_point": "U+20BB7", "count": 1,
                        "places": [[3, "医療機関名"]]}],
    }


def test_a_utf8_download_replaces_nothing(app, make_user, facilities):
    user = make_user(role=Role.prefecture)
    response = download(app, user, facilities, Encoding.UTF8_SIG)
    assert response.headers["Content-Type"] == "text/csv; charset=UTF-8; header=present"
    data = response.get_data()
    assert data.startswith(codecs.BOM_UTF8)
    assert read(data, Encoding.UTF8_SIG)[1:] == [
        ["髙橋医院", "19", "-1"], ["𠮷野病院", "40", "20"],
        ["'=HYPERLINK(\"http://example.com\")", "", ""]]
    assert [event.details["encoding"] for event in audit_events("facility.exported")] == [
        "utf-8-sig"]
    assert audit_events("export.replaced_characters") == []
