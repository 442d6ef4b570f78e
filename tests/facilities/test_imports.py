"""Facility master CSV import: encodings, row checks with line numbers, upsert, the command."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gmis.db import session
from gmis.facilities.imports import import_csv, import_file
from gmis.models import AuditEvent, Facility, FacilityType
from gmis.refusals import Kind, Refused
from tests.fixtures.factories import facility_code

HEADER = ("施設種別,医療機関コード,名称,名称カナ,郵便番号,住所,電話番号,メールアドレス,病床数,"
          "二次医療圏,指定,緯度,経度")


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def write(tmp_path, text: str, encoding: str = "utf-8", name: str = "master.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def facility(code: str) -> Facility | None:
    return session.scalars(sa.select(Facility).where(Facility.code == code)).one_or_none()


def imported_codes(*codes: str) -> set[str]:
    return set(session.scalars(sa.select(Facility.code).where(Facility.code.in_(codes))))


@pytest.fixture
def codes():
    return {
        "hospital": facility_code("13", FacilityType.hospital),
        "clinic": facility_code("13", FacilityType.clinic),
        "dental": facility_code("27", FacilityType.dental_clinic),
        "pharmacy": facility_code("01", FacilityType.pharmacy),
    }


@pytest.fixture
def good_rows(codes):
    return [
        f'病院,{codes["hospital"]},新宿中央病院,シンジュクチュウオウビョウイン,160-0023,'
        f'東京都新宿区西新宿2-8-1,03-5321-1111,info@shinjuku.example.jp,"1,200",区西部,'
        f'診療・検査医療機関;pcr_testing,35.6895,139.6917',
        f'clinic,{codes["clinic"]},髙橋医院,たかはしいいん,１９２－００４６,東京都八王子市,'
        f'０４２－６２６－３１１１,,,1309,,,',
        f'歯科診療所,{codes["dental"]},﨑山歯科,サキヤマシカ,,大阪府堺市,,,,堺市,,,',
        f'薬局,{codes["pharmacy"]},すずらん薬局,,,北海道函館市,,,,南渡島,,,',
    ]


# --- good files ----------------------------------------------------------------------------

def test_good_utf8_file_is_imported(codes, good_rows):
    report = import_csv(csv_text(*good_rows).encode(), "master.csv")
    assert (report.created, report.updated, report.errors) == (4, 0, [])
    assert report.summary() == "新規 4件、更新 0件、エラー 0件"
    session.flush()

    hospital = facility(codes["hospital"])
    assert hospital.facility_type == FacilityType.hospital
    assert (hospital.prefecture_code, hospital.secondary_area.name) == ("13", "区西部")
    assert (hospital.postal_code, hospital.phone, hospital.beds) == ("1600023", "0353211111", 1200)
    assert hospital.designation_keys == {"outpatient_testing", "pcr_testing"}
    assert (hospital.latitude, hospital.longitude) == (35.6895, 139.6917)

    clinic = facility(codes["clinic"])  # full-width input, hiragana kana, area by code
    assert (clinic.name_kana, clinic.postal_code, clinic.phone) == (
        "タカハシイイン", "1920046", "0426263111")
    assert clinic.secondary_area.code == "1309" and clinic.beds is None
    assert facility(codes["dental"]).secondary_area.name == "堺市"
    assert facility(codes["pharmacy"]).prefecture_code == "01"  # from the code's first digits

    (event,) = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "facility.imported")).all()
    assert event.details["file"] == "master.csv"
    assert (event.details["created"], event.details["updated"], event.details["errors"]) == (
        4, 0, 0)


def test_utf8_with_byte_order_mark(codes, good_rows):
    report = import_csv(b"\xef\xbb\xbf" + csv_text(*good_rows).encode())
    assert (report.encoding, report.created) == ("utf-8", 4)


def test_english_column_keys_are_accepted(codes):
    text = csv_text(f"hospital,{codes['hospital']},英語見出し病院",
                    header="facility_type,code,name")
    assert import_csv(text.encode()).created == 1


@pytest.mark.parametrize("encoding_option", ["auto", "cp932"])
def test_good_cp932_file_from_excel(runner, tmp_path, codes, good_rows, encoding_option):
    path = write(tmp_path, csv_text(*good_rows), encoding="cp932")
    result = runner.invoke(args=["facilities", "import", str(path),
                                 "--encoding", encoding_option])
    assert result.exit_code == 0, result.output
    assert "Shift_JIS(cp932)" in result.output
    assert "新規 4件、更新 0件、エラー 0件" in result.output
    assert facility(codes["clinic"]).name == "髙橋医院"
    assert facility(codes["dental"]).name == "﨑山歯科"


def test_existing_facility_is_updated_by_code(runner, tmp_path, make_facility):
    existing = make_facility(name="旧名称病院", address="旧住所", latitude=35.0, longitude=139.0)
    path = write(tmp_path, csv_text(f"病院,{existing.code},新名称病院,,,東京都新宿区1-1,,,,,",
                                    header=HEADER.removesuffix(",緯度,経度")))
    result = runner.invoke(args=["facilities", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新規 0件、更新 1件、エラー 0件" in result.output
    session.expire_all()
    assert (existing.name, existing.address) == ("新名称病院", "東京都新宿区1-1")
    # Columns the file does not carry are left as they were.
    assert (existing.latitude, existing.longitude) == (35.0, 139.0)
    assert session.scalar(sa.select(sa.func.count()).select_from(Facility).where(
        Facility.code == existing.code)) == 1


def test_excel_dropped_leading_zeros_are_restored(codes):
    code = codes["pharmacy"]  # 01...: Excel shows it as a 9-digit number
    text = csv_text(f"薬局,{code.lstrip('0')},ゼロ落ち薬局,,600001,,112345678,,,,,,")
    report = import_csv(text.encode())
    assert report.errors == []
    session.flush()
    restored = facility(code)
    assert (restored.postal_code, restored.phone) == ("0600001", "0112345678")


def test_dry_run_writes_nothing(runner, tmp_path, codes, good_rows):
    path = write(tmp_path, csv_text(*good_rows))
    result = runner.invoke(args=["facilities", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "新規 4件、更新 0件、エラー 0件(検証のみ" in result.output
    assert imported_codes(*codes.values()) == set()


# --- rows with problems --------------------------------------------------------------------

BAD_ROWS = [
    # (row, the reason expected in the report)
    ("病院,{hospital_bad_digit},チェック違い病院", "チェックデジット"),
    ("薬局,{hospital},種別違い", "3桁目(1)が施設種別「薬局」と合っていません"),
    ("城,{clinic},種別不明", "施設種別「城」は使えません"),
    ("病院,{hospital},,", "名称を入力してください。"),
    ("病院,{hospital},病床マイナス病院,,,,,,-5", "病床数は0以上の整数で入力してください。"),
    ("病院,{hospital},圏外病院,,,,,,,大阪市", "二次医療圏「大阪市」は都道府県コード13に登録されて"),
    ("病院,{hospital},圏コード違い病院,,,,,,,2701",
     "二次医療圏コード「2701」は都道府県コード13の医療圏ではありません。"),
    ("病院,{hospital},緯度逆病院,,,,,,,,,139.7,35.6", "緯度は20〜46の範囲で入力してください"),
    ("病院,{hospital},片方病院,,,,,,,,,35.6,", "緯度と経度は両方入力するか"),
    ("病院,{hospital},指定不明病院,,,,,,,,感染症;謎の指定", "指定「感染症」は登録されていません。"),
    ("病院,{hospital},電話誤り病院,,,,12-34", "電話番号は0から始まる10桁または11桁の数字"),
    ("病院,{hospital},郵便誤り病院,,12345678", "郵便番号は7桁の数字で入力してください"),
    ("病院,{hospital},メール誤り病院,,,,,a@@b", "メールアドレスの形式が正しくありません"),
    ("病院,{hospital},列多すぎ病院,,,,,,,,,,,余分", "列の数(14)が見出し行(13)より多く"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS)
def test_each_bad_row_is_reported_with_its_line(codes, row, reason):
    bad_digit = codes["hospital"][:9] + str((int(codes["hospital"][9]) + 1) % 10)
    text = csv_text(f"病院,{facility_code()},良い病院",
                    row.format(hospital_bad_digit=bad_digit, **codes))
    report = import_csv(text.encode())
    assert any(str(e).startswith("行 3: ") and reason in str(e) for e in report.errors), \
        report.errors
    assert report.exit_code == 1 and not report.imported


def test_broken_rows_stop_the_whole_import(runner, tmp_path, codes, good_rows):
    rows = [
        good_rows[0],
        f'病院,{codes["clinic"]},"改行を含む\r\n名称の病院",,,"東京都\r\n新宿区"',  # lines 3-5
        "病院,1234567890,不正コード病院",                                           # line 6
        good_rows[2],
        f"病院,{codes['hospital']},重複病院",                                       # line 8
        "",
        "病院,,コードなし病院",                                                    # line 10
    ]
    path = write(tmp_path, csv_text(*rows))
    result = runner.invoke(args=["facilities", "import", str(path)])
    assert result.exit_code == 1
    assert "行 6: 医療機関コードのチェックデジット" in result.output
    assert f"行 8: 医療機関コード{codes['hospital']}は2行目と重複しています。" in result.output
    assert "行 10: 医療機関コードを入力してください。" in result.output
    assert "行 3" not in result.output  # the multi-line row is fine
    assert "新規 3件、更新 0件、エラー 3件(エラーがあるため、1件も取り込んでいません)" in (
        result.output)
    assert imported_codes(*codes.values()) == set()
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "facility.imported")) == 0


def test_skip_errors_imports_the_good_rows(runner, tmp_path, codes, good_rows):
    rows = [good_rows[0], "病院,1234567890,不正コード病院", good_rows[1]]
    path = write(tmp_path, csv_text(*rows))
    result = runner.invoke(args=["facilities", "import", str(path), "--skip-errors"])
    assert result.exit_code == 0, result.output
    assert "行 3: 医療機関コードのチェックデジット" in result.output
    assert "新規 2件、更新 0件、エラー 1件" in result.output
    assert imported_codes(*codes.values()) == {codes["hospital"], codes["clinic"]}
    event = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "facility.imported")).one()
    assert event.details["errors"] == 1 and event.details["error_lines"] == [3]


# --- files that cannot be read -------------------------------------------------------------

def test_cp932_file_read_as_utf8_is_refused(runner, tmp_path, codes, good_rows):
    path = write(tmp_path, csv_text(*good_rows), encoding="cp932")
    result = runner.invoke(args=["facilities", "import", str(path), "--encoding", "utf-8"])
    assert result.exit_code == 2
    assert "ファイルをUTF-8として読み込めません。1行目(ファイル先頭から1バイト目" in result.output
    assert "1件も取り込んでいません。" in result.output
    assert imported_codes(*codes.values()) == set()


def test_utf8_file_read_as_cp932_is_refused(tmp_path, good_rows):
    with pytest.raises(Refused, match="このファイルは UTF-8 で書かれています") as refused:
        import_file(write(tmp_path, csv_text(*good_rows)), encoding="cp932")
    assert refused.value.kind == Kind.INVALID


def test_file_in_neither_encoding_is_refused(runner, tmp_path, codes):
    data = csv_text(f"病院,{codes['hospital']},良い病院").encode() + b"\xff\xfe\xfd,x\r\n"
    (tmp_path / "broken.csv").write_bytes(data)
    result = runner.invoke(args=["facilities", "import", str(tmp_path / "broken.csv")])
    assert result.exit_code == 2
    assert "文字コードを判別できません" in result.output
    assert "UTF-8としては3行目(ファイル先頭から" in result.output
    assert "Shift_JIS(cp932)としては1行目" in result.output  # the UTF-8 kanji of the header


@pytest.mark.parametrize(("header", "message"), [
    ("施設種別,医療機関コード,名称,備考", "不明な列があります: 「備考」"),
    ("施設種別,名称", "必須の列がありません: 「医療機関コード」"),
    ("施設種別,医療機関コード,名称,名称,緯度", "同じ列が複数あります: 「名称」"),
    ("施設種別,医療機関コード,名称,緯度", "「緯度」と「経度」の列は両方そろえてください"),
])
def test_bad_header_is_refused(header, message):
    with pytest.raises(Refused, match=message) as refused:
        import_csv(csv_text(header=header).encode())
    assert refused.value.kind == Kind.INVALID


def test_empty_file_is_refused(runner, tmp_path):
    path = write(tmp_path, "")
    result = runner.invoke(args=["facilities", "import", str(path)])
    assert result.exit_code == 2 and "ファイルが空です" in result.output
