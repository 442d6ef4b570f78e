"""Every built-in field type, table-driven: what it reads from a form (full-width included),
what it refuses and how it says so, its constraints, how it is stored, what expressions see,
its CSV columns and the problems of its definition; then a small survey per composite type
from definition to evaluated answers."""

import datetime
import json
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import Choice, FieldDef, parse_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.fields import BUILTIN_TYPES, dates
from gmis.surveys.engine.fields.base import UNREADABLE
from gmis.surveys.engine.registry import build_registry
from gmis.surveys.engine.validation import (
    FORM_ERRORS,
    REQUIRED_MESSAGE,
    evaluate_form,
    stored_values,
)

TYPES = {t.name: t for t in BUILTIN_TYPES}
TODAY = datetime.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: TODAY)


STATUS = (Choice("normal", "通常"), Choice("limited", "制限"), Choice("stopped", "停止"))
SUPPLIES = {
    "rows": [{"key": "surgical", "label": "サージカルマスク"},
             {"key": "n95", "label": "N95マスク"}],
    "columns": [
        {"key": "stock", "label": "在庫数", "type": "integer", "min": 0, "unit": "枚"},
        {"key": "outlook", "label": "見通し", "type": "single_choice",
         "choices": [{"value": "w1", "label": "1週間以内"}, {"value": "w4", "label": "4週間以上"}]},
    ],
}
STAFF = {
    "fields": [
        {"key": "name", "label": "氏名", "type": "text", "required": True},
        {"key": "hours", "label": "勤務時間", "type": "integer", "min": 0, "max": 24},
    ],
    "max_items": 3,
}

#: Field definitions the tables below refer to by name.
FIELDS = {
    "integer": {"type": "integer"},
    "beds": {"type": "integer", "min": 0, "max": 500, "unit": "床"},
    "count": {"type": "integer", "min": 0},
    "decimal": {"type": "decimal"},
    "rate": {"type": "decimal", "min": 0.5},
    "text": {"type": "text"},
    "long_text": {"type": "long_text"},
    "short_note": {"type": "long_text", "options": {"max_length": 10}},
    "single_choice": {"type": "single_choice", "choices": STATUS},
    "multiple_choice": {"type": "multiple_choice", "choices": STATUS},
    "two_or_more": {"type": "multiple_choice", "choices": STATUS, "min": 2},
    "at_most_one": {"type": "multiple_choice", "choices": STATUS, "max": 1},
    "exactly_two": {"type": "multiple_choice", "choices": STATUS, "min": 2, "max": 2},
    "yes_no": {"type": "yes_no"},
    "ari_nashi": {"type": "yes_no", "options": {"yes_label": "あり", "no_label": "なし"}},
    "date": {"type": "date"},
    "not_future": {"type": "date", "max": "today"},
    "not_past": {"type": "date", "min": "today"},
    "last_week": {"type": "date", "min": "today-7"},
    "fiscal_year": {"type": "date", "min": "2026-04-01", "max": "2027-03-31"},
    "time": {"type": "time"},
    "daytime": {"type": "time", "min": "08:00", "max": "20:00"},
    "weekly_hours": {"type": "weekly_hours"},
    "postal_code": {"type": "postal_code"},
    "phone": {"type": "phone"},
    "email": {"type": "email"},
    "facility_code": {"type": "facility_code"},
    "table": {"type": "table", "label": "物資", "options": SUPPLIES},
    "full_table": {"type": "table", "label": "物資", "required": True, "options": SUPPLIES},
    "rates": {"type": "table", "label": "率", "options": {
        "rows": [{"key": "a", "label": "A病棟"}],
        "columns": [{"key": "rate", "label": "稼働率", "type": "decimal"}]}},
    "repeating_group": {"type": "repeating_group", "label": "職員", "options": STAFF},
    "two_staff": {"type": "repeating_group", "label": "職員",
                  "options": {**STAFF, "min_items": 2}},
}


def make(spec):
    """A field type bound to the definition ``spec`` (a name in FIELDS, or a dict)."""
    kwargs = dict(FIELDS[spec] if isinstance(spec, str) else spec)
    kwargs.setdefault("label", "項目")
    field_type = TYPES[kwargs["type"]]
    definition = FieldDef(key="item", **kwargs)
    return field_type(definition, field_type.load_options(definition.options))


def form(typed) -> MultiDict:
    """What a browser sends for field ``item``: one value, several (a list), or inputs below
    the field's name (a dict of ``suffix: value``)."""
    if isinstance(typed, dict):
        return MultiDict([(f"f.item.{suffix}", value) for suffix, value in typed.items()])
    if isinstance(typed, list):
        return MultiDict([("f.item", value) for value in typed])
    return MultiDict({"f.item": typed})


def parse(spec, typed):
    return make(spec).parse(form(typed), "f.item")


# --- reading forms ---------------------------------------------------------------------

PARSE_OK = [
    ("integer", "12", 12),
    ("integer", "１，２００", 1200),
    ("integer", "－５", -5),
    ("integer", " 7 ", 7),
    ("integer", "", None),
    ("decimal", "12.5", Decimal("12.5")),
    ("decimal", "１２．５０", Decimal("12.50")),
    ("decimal", "1,234.5", Decimal("1234.5")),
    ("text", "  東京都　新宿区  ", "東京都 新宿区"),
    ("text", "ＡＢＣ ｶﾀｶﾅ", "ABC カタカナ"),
    ("text", "   ", None),
    ("long_text", "一行目  \r\n　二行目\r\n\r\n", "一行目\n　二行目"),
    ("long_text", "ＡＢＣ ｶﾞｰｾﾞ ①", "ABC ガーゼ ①"),
    ("long_text", " \n ", None),
    ("single_choice", "limited", "limited"),
    ("single_choice", " normal ", "normal"),
    ("single_choice", "", None),
    ("multiple_choice", ["stopped", "normal"], ["normal", "stopped"]),
    ("multiple_choice", [], None),
    ("yes_no", "yes", True),
    ("yes_no", "no", False),
    ("yes_no", "はい", True),
    ("yes_no", "ＮＯ", False),
    ("ari_nashi", "あり", True),
    ("yes_no", "", None),
    ("date", "2026-11-21", "2026-11-21"),
    ("date", "2026/11/21", "2026-11-21"),
    ("date", "２０２６／１１／２１", "2026-11-21"),
    ("date", "2026年1月5日", "2026-01-05"),
    ("date", "2026.1.5", "2026-01-05"),
    ("date", "20261121", "2026-11-21"),
    ("date", "令和8年11月21日", "2026-11-21"),
    ("date", "令和 8 年 11 月 21 日", "2026-11-21"),
    ("date", "R8.11.21", "2026-11-21"),
    ("date", "ｒ８／１１／２１", "2026-11-21"),
    ("date", "Ｒ０８．１１．２１", "2026-11-21"),
    ("date", "㋿8年11月21日", "2026-11-21"),
    ("date", "令和元年5月1日", "2019-05-01"),
    ("date", "平成31年4月30日", "2019-04-30"),
    ("date", "H31.4.30", "2019-04-30"),
    ("date", "昭和64年1月7日", "1989-01-07"),
    ("time", "09:05", "09:05"),
    ("time", "9:05", "09:05"),
    ("time", "９：０５", "09:05"),
    ("time", "0905", "09:05"),
    ("time", "905", "09:05"),
    ("time", "9時5分", "09:05"),
    ("time", "１８時", "18:00"),
    ("time", "午後2時半", "14:30"),
    ("time", "23:59", "23:59"),
    ("weekly_hours", {"mon.0.start": "9:00", "mon.0.end": "12:00",
                      "mon.1.start": "14:00", "mon.1.end": "18:00"},
     {"mon": [["09:00", "12:00"], ["14:00", "18:00"]]}),
    ("weekly_hours", {"tue.0.start": "１４：００", "tue.0.end": "１８：００",
                      "tue.1.start": "9:00", "tue.1.end": "12:00"},
     {"tue": [["09:00", "12:00"], ["14:00", "18:00"]]}),
    ("weekly_hours", {"sat.0.start": "18:00", "sat.0.end": "24:00", "sun.closed": "1"},
     {"sat": [["18:00", "24:00"]], "sun": []}),
    ("weekly_hours", {"mon.0.start": "", "mon.0.end": ""}, None),
    ("postal_code", "160-0023", "1600023"),
    ("postal_code", "〒１６０－００２３", "1600023"),
    ("phone", "03-5321-1111", "0353211111"),
    ("phone", "０９０（１２３４）５６７８", "09012345678"),
    ("phone", "+81 3-5321-1111", "0353211111"),
    ("email", " Taro@Example.JP ", "Taro@example.jp"),
    ("email", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
    ("facility_code", "1311234569", "1311234569"),
    ("facility_code", "１３－１１２－３４５６９", "1311234569"),
    ("table", {"surgical.stock": "１，２００", "n95.outlook": "w1", "n95.stock": ""},
     {"surgical": {"stock": 1200}, "n95": {"outlook": "w1"}}),
    ("table", {"surgical.stock": "", "n95.outlook": ""}, None),
    ("repeating_group", {"0.name": "山田", "0.hours": "８", "1.name": "", "1.hours": "",
                         "2.name": "佐藤"},
     [{"name": "山田", "hours": 8}, {"name": "佐藤"}]),
    ("repeating_group", {"0.name": " ", "0.hours": ""}, None),
]


@pytest.mark.parametrize(("spec", "typed", "value"), PARSE_OK,
                         ids=[f"{s}-{t!r}"[:60] for s, t, _ in PARSE_OK])
def test_good_input_is_read(spec, typed, value):
    parsed = parse(spec, typed)
    assert parsed.error is None
    assert parsed.value == value


DATE_FORMS = ("日付は 2026-11-21、2026/11/21、令和8年11月21日、R8.11.21 のいずれかの形で"
              "入力してください。")
TIME_FORMS = "時刻は 09:05 のように24時間制で入力してください。"
INTEGER = "半角または全角の整数で入力してください(例: 12)。"

PARSE_BAD = [
    ("integer", "たくさん", INTEGER),
    ("integer", "1.5", INTEGER),
    ("decimal", "12.5.1", "数値で入力してください(例: 12.5)。"),
    ("single_choice", "other", "選択肢の中から選んでください。"),
    ("multiple_choice", ["normal", "bogus"], "選択肢の中から選んでください。"),
    ("yes_no", "maybe", "「はい」か「いいえ」を選んでください。"),
    ("ari_nashi", "はい?", "「あり」か「なし」を選んでください。"),
    ("date", "11/21", DATE_FORMS),
    ("date", "あした", DATE_FORMS),
    ("date", "2026-02-30", "2026年2月30日という日付はありません。"),
    ("date", "R8.2.30", "令和8年2月30日という日付はありません。"),
    ("date", "令和0年12月1日", "令和0年12月1日はありません(令和は2019年5月1日からです)。"),
    ("date", "令和1年4月30日", "令和1年4月30日はありません(令和は2019年5月1日からです)。"),
    ("date", "平成31年5月1日",
     "平成31年5月1日はありません(平成は1989年1月8日から2019年4月30日までです)。"),
    ("time", "25:00", "時刻は 00:00〜23:59 の範囲で入力してください。"),
    ("time", "9:60", "時刻は 00:00〜23:59 の範囲で入力してください。"),
    ("time", "24:00", "時刻は 00:00〜23:59 の範囲で入力してください。"),
    ("time", "9", TIME_FORMS),
    ("time", "午後13時", "午前・午後をつけるときは12時までで入力してください。"),
    ("weekly_hours", {"mon.0.start": "9:00"},
     "月曜日の1つ目の時間帯: 開始と終了の両方を入力してください。"),
    ("weekly_hours", {"tue.0.start": "朝", "tue.0.end": "12:00"},
     f"火曜日の1つ目の時間帯: {TIME_FORMS}"),
    ("weekly_hours", {"holiday.closed": "1", "holiday.0.start": "9:00",
                      "holiday.0.end": "12:00"},
     "祝日は「休診」と時間帯の両方が入力されています。どちらか一方にしてください。"),
    ("postal_code", "160-002", "郵便番号は7桁の数字で入力してください(例: 160-0023)。"),
    ("phone", "03-1234",
     "電話番号は0から始まる10桁または11桁の数字で入力してください(ハイフンは省略可)。"),
    ("email", "taro.example.jp", "メールアドレスに「@」がありません(例: info@example.jp)。"),
    ("email", "taro@", "メールアドレスの形式が正しくありません(例: info@example.jp)。"),
    ("facility_code", "123", "医療機関コードは10桁の数字で入力してください。"),
    ("facility_code", "1311234560",
     "医療機関コードのチェックデジット(10桁目)が正しくありません。番号をご確認ください。"),
    ("table", {"surgical.stock": "many", "n95.outlook": "w9"},
     "「サージカルマスク」の「在庫数」: 半角または全角の整数で入力してください(例: 12)。 "
     "「N95マスク」の「見通し」: 選択肢の中から選んでください。"),
    ("repeating_group", {"0.name": "", "0.hours": "", "1.name": "山田", "1.hours": "八"},
     f"1件目の「勤務時間」: {INTEGER}"),
]


@pytest.mark.parametrize(("spec", "typed", "error"), PARSE_BAD,
                         ids=[f"{s}-{t!r}"[:60] for s, t, _ in PARSE_BAD])
def test_unreadable_input_is_refused_in_japanese(spec, typed, error):
    parsed = parse(spec, typed)
    assert (parsed.value, parsed.error) == (None, error)
    assert parsed.raw


@pytest.mark.parametrize(("spec", "typed", "raw"), [
    ("integer", "たくさん", "たくさん"),
    ("date", "令和8年13月1日", "令和8年13月1日"),
    ("multiple_choice", ["normal", "bogus"], ["normal", "bogus"]),
    ("table", {"surgical.stock": "many"},
     {"surgical": {"stock": "many", "outlook": ""}, "n95": {"stock": "", "outlook": ""}}),
    ("repeating_group", {"0.name": "", "1.name": "山田", "1.hours": "八"},
     [{"name": "山田", "hours": "八"}]),
])
def test_what_was_typed_is_kept_to_show_again(spec, typed, raw):
    assert parse(spec, typed).raw == raw


def test_weekly_hours_keeps_every_day_as_typed():
    raw = parse("weekly_hours", {"mon.0.start": "朝", "mon.0.end": "12:00"}).raw
    assert raw["mon"] == {"closed": False, "ranges": [["朝", "12:00"], ["", ""]]}
    assert set(raw) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"}


def test_multiple_choice_reads_a_plain_mapping_too():
    field = make("multiple_choice")
    assert field.parse({"f.item": ["stopped", "limited"]}, "f.item").value == [
        "limited", "stopped"]
    assert field.parse({"f.item": "normal"}, "f.item").value == ["normal"]


# --- constraints ---------------------------------------------------------------------

VALIDATE = [
    ("beds", 501, ["0〜500床の範囲で入力してください。"]),
    ("beds", 500, []),
    ("count", -1, ["0以上で入力してください。"]),
    ("rate", Decimal("0.4"), ["0.5以上で入力してください。"]),
    ("text", "あ" * 201, ["200文字以内で入力してください(現在201文字)。"]),
    ("text", "あ" * 200, []),
    ("short_note", "あいうえお\nかきくけこ", ["10文字以内で入力してください(現在11文字)。"]),
    ("single_choice", "closed", ["選択肢の中から選んでください。"]),
    ("two_or_more", ["normal"], ["2個以上選んでください(現在1個)。"]),
    ("at_most_one", ["normal", "stopped"], ["1個まで選んでください(現在2個)。"]),
    ("exactly_two", ["normal"], ["2個選んでください(現在1個)。"]),
    ("exactly_two", ["normal", "stopped"], []),
    ("not_future", "2026-11-22", ["今日以前の日付を入力してください。"]),
    ("not_future", "2026-11-21", []),
    ("not_past", "2026-11-20", ["今日以降の日付を入力してください。"]),
    ("last_week", "2026-11-13", ["2026年11月14日以降の日付を入力してください。"]),
    ("fiscal_year", "2027-04-01", ["2026年4月1日〜2027年3月31日の日付を入力してください。"]),
    ("daytime", "07:59", ["08:00〜20:00の時刻を入力してください。"]),
    ("daytime", "20:00", []),
    ("weekly_hours", {"mon": [["12:00", "09:00"]]},
     ["月曜日の1つ目の時間帯: 終了(09:00)は開始(12:00)より後の時刻にしてください。"]),
    ("weekly_hours", {"fri": [["09:00", "13:00"], ["12:00", "18:00"]]},
     ["金曜日の時間帯が重なっています(09:00-13:00 と 12:00-18:00)。"]),
    ("weekly_hours", {"sat": [["09:00", "10:00"], ["11:00", "12:00"], ["13:00", "14:00"]]},
     ["土曜日の時間帯は2つまでです。"]),
    ("postal_code", "9999999", ["郵便番号 999-9999 は見つかりません。番号をご確認ください。"]),
    ("postal_code", "1600023", []),
    ("table", {"surgical": {"stock": -1}},
     ["「サージカルマスク」の「在庫数」: 0枚以上で入力してください。"]),
    ("full_table", {"surgical": {"stock": 10, "outlook": "w1"}, "n95": {"stock": 5}},
     ["表のすべての欄を入力してください(未入力: 「N95マスク」の「見通し」)。"]),
    ("repeating_group", [{"hours": 25}],
     ["1件目の「氏名」を入力してください。",
      "1件目の「勤務時間」: 0〜24の範囲で入力してください。"]),
    ("repeating_group", [{"name": n} for n in "ABCD"], ["3件まで入力できます(現在4件)。"]),
    ("two_staff", [{"name": "山田"}], ["2件以上入力してください(現在1件)。"]),
]


@pytest.mark.parametrize(("spec", "value", "messages"), VALIDATE,
                         ids=[f"{s}-{v!r}"[:60] for s, v, _ in VALIDATE])
def test_constraints(spec, value, messages):
    assert make(spec).validate(value) == messages


def test_a_required_table_names_a_few_missing_cells_and_counts_the_rest():
    (message,) = make("full_table").validate({"surgical": {"stock": 1}})
    assert message == ("表のすべての欄を入力してください(未入力: 「サージカルマスク」の「見通し」、"
                       "「N95マスク」の「在庫数」、「N95マスク」の「見通し」)。")
    field = make({**FIELDS["full_table"], "options": {
        **SUPPLIES, "rows": [{"key": f"r{i}", "label": f"行{i}"} for i in range(3)]}})
    assert field.validate({"r0": {"stock": 1}}).pop().endswith("「行1」の「見通し」ほか2か所)。")


# --- storage, expressions, display, CSV --------------------------------------------------

STORED = [
    ("integer", 1200, 1200),
    ("decimal", Decimal("12.50"), "12.50"),
    ("long_text", "一行目\n二行目", "一行目\n二行目"),
    ("single_choice", "limited", "limited"),
    ("multiple_choice", ["normal", "stopped"], ["normal", "stopped"]),
    ("yes_no", False, False),
    ("date", "2026-11-21", "2026-11-21"),
    ("time", "09:05", "09:05"),
    ("weekly_hours", {"mon": [["09:00", "12:00"]], "sun": []},
     {"mon": [["09:00", "12:00"]], "sun": []}),
    ("postal_code", "1600023", "1600023"),
    ("phone", "0353211111", "0353211111"),
    ("email", "taro@example.jp", "taro@example.jp"),
    ("facility_code", "1311234569", "1311234569"),
    ("table", {"surgical": {"stock": 1200}, "n95": {"outlook": "w1"}},
     {"surgical": {"stock": 1200}, "n95": {"outlook": "w1"}}),
    ("rates", {"a": {"rate": Decimal("1.5")}}, {"a": {"rate": "1.5"}}),
    ("repeating_group", [{"name": "山田", "hours": 8}], [{"name": "山田", "hours": 8}]),
]


@pytest.mark.parametrize(("spec", "value", "stored"), STORED, ids=[s for s, _, _ in STORED])
def test_json_round_trip(spec, value, stored):
    field = make(spec)
    assert field.to_json(value) == stored
    assert json.loads(json.dumps(stored, ensure_ascii=False)) == stored
    assert field.from_json(stored) == value


@pytest.mark.parametrize(("spec", "stored"), [
    ("integer", "many"),
    ("integer", 1.5),
    ("decimal", "x"),
    ("yes_no", "maybe"),
    ("multiple_choice", "normal"),
    ("date", "2026/11/21"),
    ("time", "9:00"),
    ("weekly_hours", {"someday": []}),
    ("weekly_hours", {"mon": [["09:00"]]}),
    ("postal_code", "160-0023"),
    ("table", [1, 2]),
    ("repeating_group", {"name": "山田"}),
])
def test_unreadable_stored_values_raise(spec, stored):
    with pytest.raises(UNREADABLE):
        make(spec).from_json(stored)


def test_stored_table_cells_the_version_no_longer_has_are_dropped():
    assert make("table").from_json({"surgical": {"stock": 5, "gone": 1}, "old_row": {}}) == {
        "surgical": {"stock": 5}}


ALL_DAYS_CLOSED = {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")}

CEL = [
    ("integer", 3, 3),
    ("decimal", Decimal("1.5"), 1.5),
    ("yes_no", True, True),
    ("date", "2026-11-21", "2026-11-21"),
    ("multiple_choice", ["normal"], ["normal"]),
    ("weekly_hours", {"mon": [["09:00", "12:00"]]},
     {**ALL_DAYS_CLOSED, "mon": [["09:00", "12:00"]]}),
    ("table", {"n95": {"stock": 3}},
     {"surgical": {"stock": None, "outlook": None}, "n95": {"stock": 3, "outlook": None}}),
    ("rates", {"a": {"rate": Decimal("0.5")}}, {"a": {"rate": 0.5}}),
    ("repeating_group", [{"name": "山田"}], [{"name": "山田", "hours": None}]),
]


@pytest.mark.parametrize(("spec", "value", "cel"), CEL, ids=[s for s, _, _ in CEL])
def test_values_in_expressions(spec, value, cel):
    assert make(spec).to_cel(value) == cel


DISPLAY = [
    ("beds", 1200, "1,200床"),
    ("rate", Decimal("12.50"), "12.50"),
    ("single_choice", "limited", "制限"),
    ("multiple_choice", ["normal", "stopped"], "通常、停止"),
    ("yes_no", False, "いいえ"),
    ("ari_nashi", True, "あり"),
    ("yes_no", "no", "いいえ"),
    ("date", "2026-11-21", "2026年11月21日(土)"),
    ("postal_code", "1600023", "〒160-0023 東京都新宿区西新宿"),
    ("phone", "0353211111", "03-5321-1111"),
    ("weekly_hours", {"mon": [["09:00", "12:00"], ["14:00", "18:00"]]},
     "月 09:00-12:00,14:00-18:00 / 火 休診 / 水 休診 / 木 休診 / 金 休診 / 土 休診 / 日 休診"
     " / 祝 休診"),
    ("table", {"surgical": {"stock": 1200}, "n95": {"outlook": "w1"}},
     "サージカルマスク: 在庫数 1,200枚 / N95マスク: 見通し 1週間以内"),
    ("repeating_group", [{"name": "山田", "hours": 8}, {"name": "佐藤"}],
     "1件目: 氏名 山田、勤務時間 8 / 2件目: 氏名 佐藤"),
]


@pytest.mark.parametrize(("spec", "value", "text"), DISPLAY, ids=[s for s, _, _ in DISPLAY])
def test_display_as_text(spec, value, text):
    assert make(spec).display(value) == text


CSV = [
    ("integer", 1200, ["項目"], ["1200"]),
    ("integer", None, ["項目"], [""]),
    ("decimal", Decimal("0.50"), ["項目"], ["0.50"]),
    ("single_choice", "limited", ["項目"], ["制限"]),
    ("multiple_choice", ["normal", "stopped"], ["項目:通常", "項目:制限", "項目:停止"],
     ["1", "0", "1"]),
    ("multiple_choice", None, ["項目:通常", "項目:制限", "項目:停止"], ["", "", ""]),
    ("yes_no", False, ["項目"], ["いいえ"]),
    ("date", "2026-11-21", ["項目"], ["2026-11-21"]),
    ("postal_code", "1600023", ["項目"], ["160-0023"]),
    ("phone", "0353211111", ["項目"], ["03-5321-1111"]),
    ("weekly_hours", {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], "sun": []},
     ["項目:月曜日", "項目:火曜日", "項目:水曜日", "項目:木曜日", "項目:金曜日", "項目:土曜日",
      "項目:日曜日", "項目:祝日"],
     ["09:00-12:00,14:00-18:00", "休診", "休診", "休診", "休診", "休診", "休診", "休診"]),
    ("weekly_hours", None, [f"項目:{d}" for d in ("月曜日", "火曜日", "水曜日", "木曜日",
                                                 "金曜日", "土曜日", "日曜日", "祝日")],
     [""] * 8),
    ("table", {"surgical": {"stock": 1200}, "n95": {"outlook": "w1"}},
     ["物資:サージカルマスク:在庫数", "物資:サージカルマスク:見通し", "物資:N95マスク:在庫数",
      "物資:N95マスク:見通し"],
     ["1200", "", "", "1週間以内"]),
    ("repeating_group", [{"name": "山田", "hours": 8}],
     ["職員:1:氏名", "職員:1:勤務時間", "職員:2:氏名", "職員:2:勤務時間", "職員:3:氏名",
      "職員:3:勤務時間"],
     ["山田", "8", "", "", "", ""]),
]


@pytest.mark.parametrize(("spec", "value", "columns", "cells"), CSV,
                         ids=[f"{s}-{v!r}"[:40] for s, v, _, _ in CSV])
def test_csv_columns_and_cells(spec, value, columns, cells):
    field = make(spec)
    assert field.csv_columns() == columns
    assert field.csv_cells(value) == cells


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_type_gives_as_many_cells_as_columns_for_no_answer(name):
    spec = next(s for s in FIELDS.values() if s["type"] == name)
    field = make(spec)
    assert len(field.csv_cells(None)) == len(field.csv_columns())


GROUPED = {"single_choice", "multiple_choice", "yes_no", "weekly_hours", "table",
           "repeating_group"}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_group_controls_are_marked_grouped(name):
    spec = next(s for s in FIELDS.values() if s["type"] == name)
    assert make(spec).grouped is (name in GROUPED)


def test_a_drop_down_single_choice_is_one_control_with_a_label():
    field = make({**FIELDS["single_choice"], "options": {"widget": "select"}})
    assert field.grouped is False


# --- definitions -----------------------------------------------------------------------

CHECK = [
    ({"type": "integer", "min": "abc"}, [("min", "min は整数で書いてください。")]),
    ({"type": "integer", "min": 10, "max": 1}, [("max", "max が min より小さくなっています。")]),
    ({"type": "decimal", "max": "x"}, [("max", "max は数値で書いてください。")]),
    ({"type": "text", "max": 10},
     [("max", "「文字(1行)」の項目には max は使えません。"
              "文字数の上限は options.max_length で指定してください。")]),
    ({"type": "yes_no", "choices": STATUS},
     [("choices", "「はい/いいえ」の項目には choices は使えません。")]),
    ({"type": "single_choice"}, [("choices", "選択肢(choices)を1つ以上書いてください。")]),
    ({"type": "multiple_choice", "choices": STATUS, "min": 5},
     [("min", "min が選択肢の数(3)を超えています。")]),
    ({"type": "multiple_choice", "choices": STATUS, "max": "two"},
     [("max", "max は選べる数(0以上の整数)で書いてください。")]),
    ({"type": "date", "min": "yesterday"},
     [("min", "min は 2026-04-01 のような日付か today (today-7 なども可)で書いてください。")]),
    ({"type": "date", "min": "2027-01-01", "max": "2026-01-01"},
     [("max", "max が min より前の日付になっています。")]),
    ({"type": "date", "min": datetime.date(2026, 4, 1), "max": "today+30"}, []),
    ({"type": "time", "min": 1080},
     [("min", 'min は "09:00" のように HH:MM を引用符で囲んで書いてください。')]),
    ({"type": "postal_code", "min": 1}, [("min", "「郵便番号」の項目には min は使えません。")]),
    ({"type": "integer", "min": 0, "default": -1},
     [("default", "既定値(default): 0以上で入力してください。")]),
    ({"type": "yes_no", "default": "maybe"},
     [("default", "既定値(default)が「はい/いいえ」の値として読めません。")]),
    ({"type": "yes_no", "default": False}, []),
    ({"type": "table", "options": {
        "rows": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}],
        "columns": [
            {"key": "n", "label": "N", "type": "integer", "min": "x"},
            {"key": "o", "label": "O", "type": "single_choice"},
            {"key": "d", "label": "D", "type": "date"},
            {"key": "t", "label": "T", "type": "text", "options": {"max_length": 0}},
            {"key": "n", "label": "N2", "type": "integer"},
        ]}},
     [("options.rows[1].key", "行のキー「a」が重複しています。"),
      ("options.columns[0].min", "min は整数で書いてください。"),
      ("options.columns[1].choices", "選択肢(choices)を1つ以上書いてください。"),
      ("options.columns[2].type",
       "列の種類(type)「date」は使えません。使える種類: integer, decimal, text, single_choice"),
      ("options.columns[3].options.max_length", "1〜2000の整数で書いてください。"),
      ("options.columns[4].key", "列のキー「n」が重複しています。")]),
    ({"type": "repeating_group", "options": {
        "fields": [{"key": "t", "label": "T", "type": "table"},
                   {"key": "c", "label": "C", "type": "single_choice",
                    "choices": [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]}],
        "min_items": 5, "max_items": 2}},
     [("options.fields[0].type", "項目の種類(type)「table」は使えません。使える種類: "
                                 "integer, decimal, text, long_text, single_choice, "
                                 "multiple_choice, yes_no, date, time, postal_code, phone, "
                                 "email, facility_code"),
      ("options.fields[1].choices", "選択肢の値が重複しています。"),
      ("options.max_items", "max_items が min_items より小さくなっています。")]),
]


@pytest.mark.parametrize(("spec", "problems"), CHECK, ids=[repr(s)[:60] for s, _ in CHECK])
def test_definition_problems_have_sub_paths(spec, problems):
    assert make(spec).check_definition() == problems


@pytest.mark.parametrize("name", sorted(TYPES))
def test_the_sample_definitions_have_no_problems(name):
    for spec in (s for s in FIELDS.values() if s["type"] == name):
        assert make(spec).check_definition() == []


# --- end to end: definition, compile, evaluate --------------------------------------------

def survey(fields: str, rules: str = ""):
    text = f"""
schema_version: 1
key: weekly_supplies
title: 医療用物資の状況
period: {{kind: weekly}}
sections:
  - key: main
    title: 状況
    fields:
{fields}
{rules}
"""
    return compile_survey(parse_definition(text, "survey.yaml"), build_registry(plugins=False),
                          "survey.yaml")


def problems(fields: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        survey(fields)
    return [str(p) for p in caught.value.problems]


SUPPLY_SURVEY = """
      - key: supplies
        type: table
        label: 物資
        options:
          rows:
            - {key: surgical, label: サージカルマスク}
            - {key: n95, label: N95マスク}
          columns:
            - {key: stock, label: 在庫数, type: integer, unit: 枚}
            - {key: used, label: 週間使用量, type: integer, min: 0, unit: 枚}
            - key: outlook
              label: 在庫の見通し
              type: single_choice
              choices:
                - {value: w1, label: 1週間以内}
                - {value: w2_3, label: 2〜3週間}
                - {value: w4, label: 4週間以上}
"""
SUPPLY_RULES = """
rules:
  - key: n95_stock
    expression: supplies.n95.stock >= 0
    message: N95マスクの在庫数に負の数は入力できません。
    fields: [supplies]
"""


def test_table_end_to_end_with_a_rule_over_a_cell():
    supplies = survey(SUPPLY_SURVEY, SUPPLY_RULES)
    result = evaluate_form(supplies, {"f.supplies.n95.stock": "－３",
                                      "f.supplies.n95.used": "１２０",
                                      "f.supplies.surgical.outlook": "w4"})
    assert result.errors == {"supplies": ["N95マスクの在庫数に負の数は入力できません。"]}
    result = evaluate_form(supplies, {"f.supplies.n95.stock": "1,200",
                                      "f.supplies.n95.used": "120",
                                      "f.supplies.surgical.outlook": "w4"})
    assert result.ok
    answers = result.answers(supplies)
    assert answers == {"supplies": {"n95": {"stock": 1200, "used": 120},
                                    "surgical": {"outlook": "w4"}}}
    assert stored_values(supplies, answers) == {"supplies": result.values["supplies"]}


def test_a_rule_over_an_empty_cell_waits_until_it_is_answered():
    supplies = survey(SUPPLY_SURVEY, SUPPLY_RULES)
    assert evaluate_form(supplies, {"f.supplies.surgical.stock": "5"}).ok


def test_a_cell_error_names_its_row_and_column():
    supplies = survey(SUPPLY_SURVEY)
    result = evaluate_form(supplies, {"f.supplies.surgical.used": "-1"})
    assert result.errors == {
        "supplies": ["「サージカルマスク」の「週間使用量」: 0枚以上で入力してください。"]}


def test_yes_no_end_to_end_drives_visibility():
    beds = survey("""
      - {key: has_icu, type: yes_no, label: ICUの有無, required: true}
      - {key: icu_beds, type: integer, label: ICU病床数, required: true, min: 0,
         visible_if: has_icu == true}
""")
    shown = evaluate_form(beds, {"f.has_icu": "yes"})
    assert "icu_beds" in shown.visible
    assert shown.errors == {"icu_beds": [REQUIRED_MESSAGE]}
    hidden = evaluate_form(beds, {"f.has_icu": "no", "f.icu_beds": "4"})
    assert hidden.ok and "icu_beds" not in hidden.visible
    assert hidden.answers(beds) == {"has_icu": False}


def test_multiple_choice_end_to_end_in_an_expression():
    symptoms = survey("""
      - key: symptoms
        type: multiple_choice
        label: 症状
        choices: [{value: fever, label: 発熱}, {value: cough, label: 咳}]
      - {key: fever_days, type: integer, label: 発熱日数, visible_if: '"fever" in symptoms'}
""")
    result = evaluate_form(symptoms, MultiDict([("f.symptoms", "cough"), ("f.symptoms", "fever"),
                                                ("f.fever_days", "２")]))
    assert result.values == {"symptoms": ["fever", "cough"], "fever_days": 2}


def test_dates_compare_as_text_in_rules():
    onset = survey("""
      - {key: onset, type: date, label: 発症日}
      - {key: reported, type: date, label: 届出日, max: today}
""", """
rules:
  - {key: order, expression: onset <= reported, message: 発症日は届出日以前にしてください。,
     fields: [onset]}
""")
    result = evaluate_form(onset, {"f.onset": "R8.11.20", "f.reported": "2026/11/19"})
    assert result.errors == {"onset": ["発症日は届出日以前にしてください。"]}
    assert evaluate_form(onset, {"f.onset": "令和8年11月1日", "f.reported": "2026-11-19"}).ok


def test_weekly_hours_end_to_end():
    clinic = survey("""
      - {key: hours, type: weekly_hours, label: 診療時間, required: true}
""", """
rules:
  - {key: weekdays, expression: hours.mon.size() > 0 || hours.tue.size() > 0,
     message: 月曜日か火曜日の診療時間を入力してください。}
""")
    assert evaluate_form(clinic, {}).errors == {"hours": [REQUIRED_MESSAGE]}
    closed = evaluate_form(clinic, {"f.hours.mon.closed": "1", "f.hours.tue.closed": "1"})
    assert closed.errors == {FORM_ERRORS: ["月曜日か火曜日の診療時間を入力してください。"]}
    result = evaluate_form(clinic, {"f.hours.mon.0.start": "９：００",
                                    "f.hours.mon.0.end": "12:30"})
    assert result.ok
    assert result.answers(clinic) == {"hours": {"mon": [["09:00", "12:30"]]}}


def test_repeating_group_end_to_end():
    staff = survey("""
      - key: staff
        type: repeating_group
        label: 夜勤職員
        required: true
        options:
          max_items: 5
          fields:
            - {key: name, label: 氏名, type: text, required: true}
            - {key: nurse, label: 看護師, type: yes_no}
            - {key: hours, label: 勤務時間, type: integer, min: 0, max: 24, unit: 時間}
""", """
rules:
  - {key: a_nurse, expression: "staff.exists(s, s.nurse == true)",
     message: 看護師を1人以上入力してください。, fields: [staff]}
""")
    result = evaluate_form(staff, {"f.staff.0.name": "山田", "f.staff.0.nurse": "no",
                                   "f.staff.1.name": "", "f.staff.1.nurse": "",
                                   "f.staff.2.hours": "３０"})
    assert result.errors == {"staff": ["2件目の「氏名」を入力してください。",
                                       "2件目の「勤務時間」: 0〜24時間の範囲で入力してください。"]}
    result = evaluate_form(staff, {"f.staff.0.name": "山田", "f.staff.0.nurse": "no",
                                   "f.staff.3.name": "佐藤", "f.staff.3.nurse": "yes"})
    assert result.ok
    assert result.answers(staff) == {"staff": [{"name": "山田", "nurse": False},
                                               {"name": "佐藤", "nurse": True}]}
    no_nurse = evaluate_form(staff, {"f.staff.0.name": "山田", "f.staff.0.nurse": "no"})
    assert no_nurse.errors == {"staff": ["看護師を1人以上入力してください。"]}


def test_options_problems_are_reported_with_their_path_in_the_file():
    found = problems("""
      - {key: note, type: long_text, label: 備考, options: {rows: 1, colour: red}}
      - key: supplies
        type: table
        label: 物資
        options:
          rows: [{key: n95, label: N95}]
          columns: [{key: stock, label: 在庫数, type: integr}]
      - {key: open, type: yes_no, label: 開設, options: {yes_label: ""}}
""")
    assert sorted(found) == [
        "sections[0].fields[0].options.colour: 知らないキーです(綴りを確認してください)。",
        "sections[0].fields[0].options.rows: 2〜30の整数で書いてください。",
        "sections[0].fields[1].options.columns[0].type: 列の種類(type)「integr」は使えません。"
        "使える種類: integer, decimal, text, single_choice",
        "sections[0].fields[2].options.yes_label: 1〜50文字で書いてください。",
    ]


def test_a_table_without_rows_is_refused():
    found = problems("""
      - {key: supplies, type: table, label: 物資, options: {columns: []}}
""")
    assert found == [
        "sections[0].fields[0].options.rows: 必須のキーがありません。",
        "sections[0].fields[0].options.columns: 列(columns)は1〜30列で書いてください。"]
