"""Facility master import from CSV (医療機関マスタの一括取込).

Reads a CSV carried over from an older system or saved by Excel, checks every row with the
same rules as the edit screen, and upserts the facilities by 医療機関コード in one
transaction. The format is described in ``docs/facility-import.md``. The functions here do
the work without Flask; ``flask --app wsgi facilities import FILE`` (``gmis.facilities.cli``)
only reads the size limit from the configuration and prints the report. A file that cannot
be read as a whole (too large, its encoding, its header) is refused as ``invalid`` with the
reason in Japanese (``gmis.refusals``), and nothing is imported; a row's problems are listed
in the report instead.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from gmis import audit
from gmis.db import session, utcnow
from gmis.facilities import rules
from gmis.models import Facility, FacilityDesignation, Prefecture, SecondaryArea
from gmis.refusals import invalid
from gmis.text import digits_only, normalise

ENCODINGS = ("auto", "utf-8", "cp932")
ENCODING_NAMES = {"utf-8": "UTF-8", "cp932": "Shift_JIS(cp932)"}

#: Column key -> Japanese heading. The English key is accepted as a heading too.
COLUMNS = {
    "facility_type": "施設種別",
    "code": "医療機関コード",
    "insurance_code": "保険医療機関コード",
    "name": "名称",
    "name_kana": "名称カナ",
    "postal_code": "郵便番号",
    "address": "住所",
    "phone": "電話番号",
    "email": "メールアドレス",
    "beds": "病床数",
    "prefecture_code": "都道府県コード",
    "secondary_area": "二次医療圏",
    "designations": "指定",
    "latitude": "緯度",
    "longitude": "経度",
}
REQUIRED_COLUMNS = ("facility_type", "code", "name")
_HEADINGS = {**{key: key for key in COLUMNS}, **{label: key for key, label in COLUMNS.items()}}

#: Cleaned like the edit form: column key -> rule.
_FIELD_RULES = {
    "insurance_code": rules.clean_insurance_code,
    "name": rules.clean_name,
    "name_kana": rules.clean_kana,
    "postal_code": rules.clean_postal_code,
    "address": rules.clean_address,
    "phone": rules.clean_phone,
    "email": rules.clean_email,
    "beds": rules.clean_beds,
    "latitude": rules.clean_latitude,
    "longitude": rules.clean_longitude,
    "designations": rules.clean_designations,
}
_CHUNK = 1000


@dataclass(frozen=True)
class RowError:
    line: int  #: physical line in the file, the header being line 1
    message: str

    def __str__(self) -> str:
        return f"行 {self.line}: {self.message}"


@dataclass
class ImportReport:
    file_name: str
    encoding: str
    dry_run: bool
    skip_errors: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: True when the rows were written (the caller commits).
    imported: bool = False

    @property
    def error_rows(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def exit_code(self) -> int:
        return 1 if self.errors and not self.skip_errors else 0

    def summary(self) -> str:
        text = f"新規 {self.created}件、更新 {self.updated}件、エラー {self.error_rows}件"
        if self.dry_run:
            return text + "(検証のみ: データベースは変更していません)"
        if not self.imported:
            return text + "(エラーがあるため、1件も取り込んでいません)"
        return text


# --- reading the file ----------------------------------------------------------------------

def _position(data: bytes, error: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, error.start) + 1
    bad = data[error.start:error.end].hex(" ")
    return f"{line}行目(ファイル先頭から{error.start + 1}バイト目、0x{bad})"


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text of the file and the encoding it was read with; refused if unreadable."""
    if encoding not in ENCODINGS:
        raise invalid(f"文字コード「{encoding}」には対応していません(auto・utf-8・cp932)。")
    if encoding == "cp932" and _looks_like_utf8(data):
        raise invalid(
            "文字コードに Shift_JIS(cp932) が指定されましたが、このファイルは UTF-8 で"
            "書かれています。--encoding utf-8(または auto)を指定してください。"
        )
    positions: dict[str, str] = {}
    for candidate in (("utf-8", "cp932") if encoding == "auto" else (encoding,)):
        try:
            # utf-8-sig drops the byte-order mark Excel puts at the start of "CSV UTF-8".
            return data.decode("utf-8-sig" if candidate == "utf-8" else candidate), candidate
        except UnicodeDecodeError as error:
            positions[candidate] = _position(data, error)
    if encoding == "auto":
        detail = "、".join(f"{ENCODING_NAMES[c]}としては{p}" for c, p in positions.items())
        raise invalid(
            f"ファイルの文字コードを判別できません。{detail}に読み込めないバイトがあります。"
            "UTF-8 または Shift_JIS(cp932) で保存し直してください。"
        )
    name = ENCODING_NAMES[encoding]
    raise invalid(
        f"ファイルを{name}として読み込めません。{positions[encoding]}に{name}では読めない"
        "バイトがあります。文字コードを確認し、--encoding auto などを指定してください。"
    )


def check_size(size: int, limit: int | None) -> None:
    """Refuse a file over ``limit`` bytes: it would be held in memory whole, decoded and
    checked row by row. ``None`` is no limit (a caller that already holds the data)."""
    if limit is not None and size > limit:
        raise invalid(
            f"ファイルが大きすぎます({size / 1024 / 1024:.1f}MB)。取り込めるのは"
            f"{limit // (1024 * 1024)}MBまでです。ファイルを分けるか、"
            "GMIS_FACILITY_IMPORT_MAX_MB で上限を変更してください。"
        )


def _looks_like_utf8(data: bytes) -> bool:
    """UTF-8 with Japanese in it, which cp932 would often "read" into mojibake silently."""
    if data.startswith(b"\xef\xbb\xbf"):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.isascii()


def read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The column keys of the header and each data row with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise invalid("ファイルが空です。1行目に見出し行が必要です。") from None
    except csv.Error as error:
        raise invalid(f"行 1: CSVとして読み込めません({error})。") from None
    columns = _columns(header)
    rows = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise invalid(f"行 {line}: CSVとして読み込めません({error})。") from None
        if any(cell.strip() for cell in cells):
            rows.append((line, cells))
        line = reader.line_num + 1
    return columns, rows


def _columns(header: list[str]) -> list[str]:
    headings = [normalise(cell) for cell in header]
    unknown = [h for h in headings if h not in _HEADINGS]
    keys = [_HEADINGS.get(h, "") for h in headings]
    problems = []
    if unknown:
        problems.append("不明な列があります: " + "、".join(f"「{h}」" for h in unknown))
    duplicated = sorted({COLUMNS[k] for k in keys if k and keys.count(k) > 1})
    if duplicated:
        problems.append("同じ列が複数あります: " + "、".join(f"「{h}」" for h in duplicated))
    missing = [COLUMNS[k] for k in REQUIRED_COLUMNS if k not in keys]
    if missing:
        problems.append("必須の列がありません: " + "、".join(f"「{h}」" for h in missing))
    if ("latitude" in keys) != ("longitude" in keys):
        problems.append("「緯度」と「経度」の列は両方そろえてください")
    if problems:
        usable = "、".join(COLUMNS.values())
        raise invalid("行 1(見出し行): " + "。".join(problems) + f"。使える列: {usable}")
    return keys


# --- checking rows -------------------------------------------------------------------------

def _restore_leading_zeros(values: dict[str, str]) -> None:
    """Excel turns 0110113719 into 110113719 and 060-0001 into 600001; put the zeros back
    where the intended value is unambiguous (no valid value has that length)."""
    for key, length in (("code", 9), ("postal_code", 6), ("prefecture_code", 1)):
        digits = digits_only(values.get(key))
        if key in values and len(digits) == length and digits.isdigit():
            values[key] = "0" + digits
    phone = digits_only(values.get("phone"))
    if phone.isdigit() and len(phone) in (9, 10) and not phone.startswith("0"):
        values["phone"] = "0" + phone


class _Reference:
    """Everything rows are checked against, loaded once rather than queried per row."""

    def __init__(self):
        self.prefectures = set(session.scalars(sa.select(Prefecture.code)))
        self.area_by_code: dict[str, tuple[int, str]] = {}
        self.area_by_name: dict[tuple[str, str], int] = {}
        for area_id, code, prefecture_code, name in session.execute(
            sa.select(SecondaryArea.id, SecondaryArea.code, SecondaryArea.prefecture_code,
                      SecondaryArea.name)
        ):
            self.area_by_code[code] = (area_id, prefecture_code)
            self.area_by_name[(prefecture_code, normalise(name))] = area_id
        self.existing: dict[str, int] = {
            code: facility_id for code, facility_id in session.execute(
                sa.select(Facility.code, Facility.id).where(Facility.code.is_not(None)))
        }

    def area_id(self, text: str, prefecture_code: str) -> int | None:
        text = normalise(text)
        if not text:
            return None
        if text.isdigit() and len(text) == 4:
            area_id, area_prefecture = self.area_by_code.get(text, (None, None))
            if area_id is None:
                raise rules.RuleError(f"二次医療圏コード「{text}」は登録されていません。")
            if area_prefecture != prefecture_code:
                raise rules.RuleError(
                    f"二次医療圏コード「{text}」は都道府県コード{prefecture_code}の医療圏ではありません。"
                )
            return area_id
        area_id = self.area_by_name.get((prefecture_code, text))
        if area_id is None:
            raise rules.RuleError(
                f"二次医療圏「{text}」は都道府県コード{prefecture_code}に登録されていません。"
            )
        return area_id


def check_row(values: dict[str, str], reference: _Reference) -> tuple[dict, list[str]]:
    """The row as model values (only the columns present), and why it cannot be imported."""
    _restore_leading_zeros(values)
    clean: dict = {}
    problems: list[str] = []

    def attempt(key, clean_value, *args):
        try:
            clean[key] = clean_value(*args)
        except rules.RuleError as error:
            problems.append(str(error))

    attempt("facility_type", rules.clean_facility_type, values["facility_type"])
    attempt("code", rules.clean_facility_code, values["code"], clean.get("facility_type"))
    for key, rule in _FIELD_RULES.items():
        if key in values:
            attempt(key, rule, values[key])
    if "latitude" in clean and "longitude" in clean:
        attempt("_coordinates", rules.check_coordinates, clean["latitude"], clean["longitude"])
        clean.pop("_coordinates", None)
    if "code" in clean:
        prefecture_code = clean["code"][:2]
        given = digits_only(values.get("prefecture_code"))
        if given and given != prefecture_code:
            problems.append(
                f"都道府県コード「{given}」が医療機関コードの先頭2桁({prefecture_code})と"
                "一致しません。"
            )
        elif prefecture_code not in reference.prefectures:
            problems.append(f"都道府県コード「{prefecture_code}」は登録されていません。")
        else:
            clean["prefecture_code"] = prefecture_code
            if "secondary_area" in values:
                attempt("secondary_area_id", reference.area_id, values["secondary_area"],
                        prefecture_code)
    return clean, problems


def check_rows(columns: list[str], rows: list[tuple[int, list[str]]], reference: _Reference,
               report: ImportReport) -> list[dict]:
    """The importable rows; every problem of every row goes into ``report.errors``."""
    good: list[dict] = []
    first_line_of: dict[str, int] = {}
    width = len(columns)
    for line, cells in rows:
        if len(cells) > width:
            report.errors.append(RowError(
                line, f"列の数({len(cells)})が見出し行({width})より多くなっています。"
                "値に「,」を含む場合は「\"」で囲んでください。"))
            continue
        values = dict(zip(columns, cells + [""] * (width - len(cells)), strict=True))
        clean, problems = check_row(values, reference)
        code = clean.get("code")
        if code and code in first_line_of:
            problems.append(f"医療機関コード{code}は{first_line_of[code]}行目と重複しています。")
        elif code:
            first_line_of[code] = line
        if problems:
            report.errors.extend(RowError(line, problem) for problem in problems)
        else:
            good.append(clean)
    return good


def _write(rows: list[dict], reference: _Reference, report: ImportReport) -> None:
    """Upsert by code with a few bulk statements (not one round trip per facility)."""
    now = utcnow()
    designations: dict[str, list[str]] = {}
    new, changed = [], []
    for row in rows:
        if "designations" in row:
            designations[row["code"]] = row.pop("designations")
        facility_id = reference.existing.get(row["code"])
        if facility_id is None:
            new.append({**row, "created_at": now, "updated_at": now})
        else:
            changed.append({**row, "id": facility_id, "updated_at": now})
    # Plain executemany (no RETURNING): psycopg pipelines one prepared statement, where a
    # multi-row VALUES list would make it parse a huge query text per batch.
    for start in range(0, len(new), _CHUNK):
        session.execute(sa.insert(Facility), new[start:start + _CHUNK])
    for start in range(0, len(changed), _CHUNK):
        session.execute(sa.update(Facility), changed[start:start + _CHUNK])
    if designations:
        ids = {row["code"]: row["id"] for row in changed}
        new_codes = [row["code"] for row in new if row["code"] in designations]
        for start in range(0, len(new_codes), _CHUNK):
            ids.update(session.execute(
                sa.select(Facility.code, Facility.id)
                .where(Facility.code.in_(new_codes[start:start + _CHUNK]))
            ).tuples().all())
        replaced = [ids[code] for code in designations]
        for start in range(0, len(replaced), _CHUNK):
            session.execute(sa.delete(FacilityDesignation).where(
                FacilityDesignation.facility_id.in_(replaced[start:start + _CHUNK])))
        links = [{"facility_id": ids[code], "designation": key}
                 for code, keys in designations.items() for key in keys]
        for start in range(0, len(links), _CHUNK):
            session.execute(sa.insert(FacilityDesignation), links[start:start + _CHUNK])
    report.created, report.updated = len(new), len(changed)
    # Facilities loaded before the import must show what it wrote.
    session.expire_all()


def import_csv(data: bytes, file_name: str = "", *, encoding: str = "auto",
               skip_errors: bool = False, dry_run: bool = False,
               max_bytes: int | None = None) -> ImportReport:
    """Check and import a facility CSV; the caller commits when ``report.imported``.

    Refused when the file cannot be read at all (or is over ``max_bytes``).
    Rows with problems are listed in ``report.errors``; then nothing is written unless
    ``skip_errors`` is given.
    """
    check_size(len(data), max_bytes)
    text, used = decode(data, encoding)
    columns, rows = read_rows(text)
    report = ImportReport(file_name=file_name, encoding=used, dry_run=dry_run,
                          skip_errors=skip_errors, rows=len(rows))
    reference = _Reference()
    good = check_rows(columns, rows, reference, report)
    if dry_run or (report.errors and not skip_errors):
        report.created = sum(1 for row in good if row["code"] not in reference.existing)
        report.updated = len(good) - report.created
        return report
    with session.begin_nested():
        _write(good, reference, report)
        audit.record(
            "facility.imported", None, file=file_name, encoding=used, rows=report.rows,
            created=report.created, updated=report.updated, errors=report.error_rows,
            error_lines=sorted({e.line for e in report.errors})[:1000],
        )
    report.imported = True
    return report


def import_file(path: str | Path, *, max_bytes: int | None = None, **options) -> ImportReport:
    path = Path(path)
    check_size(path.stat().st_size, max_bytes)  # before reading it into memory
    return import_csv(path.read_bytes(), path.name, max_bytes=max_bytes, **options)
