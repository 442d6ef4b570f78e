"""The templates of every built-in field type: the input shows the value (or what was typed)
under the right names with the right keyboard; display and print show the answer."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from gmis.surveys import runtime
from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.fields import BUILTIN_TYPES
from gmis.surveys.engine.fields.base import BUILTIN_TEMPLATE_FOLDER
from gmis.surveys.engine.registry import build_registry
from gmis.surveys.engine.validation import evaluate_form, input_name

TEMPLATES = Path(__file__).parents[2] / "gmis" / "templates" / "fields"

DEFINITION = """
schema_version: 1
key: everything
title: すべての種類
period: {kind: ad_hoc}
sections:
  - key: main
    title: 項目
    fields:
      - {key: beds, type: integer, label: 病床数, unit: 床}
      - {key: rate, type: decimal, label: 稼働率}
      - {key: contact, type: text, label: 担当者, options: {placeholder: 山田 花子}}
      - {key: note, type: long_text, label: 備考, options: {rows: 3}}
      - key: status
        type: single_choice
        label: 外来
        choices: [{value: normal, label: 通常}, {value: limited, label: 制限}]
      - key: area
        type: single_choice
        label: 二次医療圏
        options: {widget: select}
        choices: [{value: c1, label: 区中央部}, {value: c2, label: 区南部}]
      - key: symptoms
        type: multiple_choice
        label: 症状
        choices: [{value: fever, label: 発熱}, {value: cough, label: 咳}]
      - {key: accepting, type: yes_no, label: 受入可否, options: {yes_label: 可, no_label: 否}}
      - {key: reported, type: date, label: 報告日}
      - {key: opens, type: time, label: 開始時刻}
      - {key: hours, type: weekly_hours, label: 診療時間}
      - {key: postal, type: postal_code, label: 郵便番号}
      - {key: phone, type: phone, label: 電話番号}
      - {key: email, type: email, label: メールアドレス}
      - {key: code, type: facility_code, label: 医療機関コード}
      - key: supplies
        type: table
        label: 物資
        options:
          rows: [{key: surgical, label: サージカルマスク}, {key: n95, label: N95マスク}]
          columns:
            - {key: stock, label: 在庫数, type: integer, unit: 枚}
            - key: outlook
              label: 見通し
              type: single_choice
              choices: [{value: w1, label: 1週間以内}, {value: w4, label: 4週間以上}]
      - key: staff
        type: repeating_group
        label: 職員
        options:
          blank_rows: 2
          fields:
            - {key: name, label: 氏名, type: text, required: true, help: 姓名を入力}
            - {key: nurse, label: 看護師, type: yes_no}
"""

#: A submission that fills every field.
TYPED = MultiDict([
    ("f.beds", "１２０"), ("f.rate", "0.85"), ("f.contact", "山田 花子"),
    ("f.note", "一行目\n二行目"), ("f.status", "limited"), ("f.area", "c2"),
    ("f.symptoms", "fever"), ("f.symptoms", "cough"), ("f.accepting", "no"),
    ("f.reported", "令和8年11月21日"), ("f.opens", "9:05"),
    ("f.hours.mon.0.start", "9:00"), ("f.hours.mon.0.end", "12:00"),
    ("f.hours.mon.1.start", "14:00"), ("f.hours.mon.1.end", "24:00"),
    ("f.hours.sun.closed", "1"),
    ("f.postal", "1600023"), ("f.phone", "0353211111"), ("f.email", "taro@example.jp"),
    ("f.code", "1311234569"),
    ("f.supplies.n95.stock", "1,200"), ("f.supplies.n95.outlook", "w4"),
    ("f.staff.0.name", "山田"), ("f.staff.0.nurse", "yes"),
])


@pytest.fixture(scope="module")
def survey():
    return compile_survey(parse_definition(DEFINITION, "everything.yaml"),
                          build_registry(plugins=False))


@pytest.fixture(scope="module")
def values(survey):
    evaluation = evaluate_form(survey, TYPED)
    assert evaluation.ok, evaluation.errors
    return evaluation.values


class Controls(HTMLParser):
    """The form controls of a fragment: name → the attributes of each element with it."""

    def __init__(self, html: str):
        super().__init__()
        self.controls: dict[str, list[dict]] = {}
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attributes = {k: ("" if v is None else v) for k, v in attrs}
        if tag in ("input", "select", "textarea") and "name" in attributes:
            self.controls.setdefault(attributes["name"], []).append({"tag": tag, **attributes})


def render(app, survey, key: str, kind: str, value, errors=(), required=False) -> str:
    field = survey.fields[key]
    context = {"field": field, "value": value}
    if kind == "input":
        context.update(name=input_name(key), errors=list(errors), required=required,
                       describedby=f"f-{key}-help", input_id=f"f-{key}")
    with app.test_request_context():
        return app.jinja_env.get_template(field.type.template(kind)).render(**context)


def render_input(app, survey, values, key: str, **kwargs) -> Controls:
    field = survey.fields[key]
    return Controls(render(app, survey, key, "input", field.type.as_input(values[key]), **kwargs))


def the(controls: Controls, name: str) -> dict:
    (control,) = controls.controls[name]
    return control


# --- inputs ----------------------------------------------------------------------------

#: (field, input name, attributes it must have).
SCALAR_INPUTS = [
    ("beds", "f.beds", {"value": "120", "inputmode": "numeric", "type": "text"}),
    ("rate", "f.rate", {"value": "0.85", "inputmode": "decimal", "type": "text"}),
    ("contact", "f.contact", {"value": "山田 花子", "placeholder": "山田 花子"}),
    ("area", "f.area", {"tag": "select"}),
    ("reported", "f.reported", {"type": "date", "value": "2026-11-21"}),
    ("opens", "f.opens", {"type": "time", "value": "09:05"}),
    ("postal", "f.postal", {"value": "160-0023", "inputmode": "numeric",
                            "autocomplete": "postal-code"}),
    ("phone", "f.phone", {"type": "tel", "inputmode": "tel", "value": "03-5321-1111"}),
    ("email", "f.email", {"type": "email", "inputmode": "email", "value": "taro@example.jp"}),
    ("code", "f.code", {"inputmode": "numeric", "value": "1311234569"}),
]


@pytest.mark.parametrize(("key", "name", "attributes"), SCALAR_INPUTS,
                         ids=[k for k, _, _ in SCALAR_INPUTS])
def test_scalar_inputs(app, survey, values, key, name, attributes):
    control = the(render_input(app, survey, values, key), name)
    assert {k: control.get(k) for k in attributes} == attributes
    assert control["id"] == f"f-{key}"
    assert control["aria-describedby"].startswith(f"f-{key}-help")
    assert "required" not in control  # a draft may be saved unfinished


def test_long_text_keeps_its_lines(app, survey, values):
    html = render(app, survey, "note", "input", values["note"])
    assert 'rows="3"' in html and "一行目\n二行目</textarea>" in html


def test_a_drop_down_list_selects_the_answer(app, survey, values):
    html = render(app, survey, "area", "input", values["area"])
    assert '<option value="c2" selected>区南部</option>' in html


@pytest.mark.parametrize(("key", "checked", "unchecked"), [
    ("status", ["limited"], ["normal", ""]),
    ("symptoms", ["fever", "cough"], []),
    ("accepting", ["no"], ["yes", ""]),
])
def test_choices_check_the_answer(app, survey, values, key, checked, unchecked):
    controls = render_input(app, survey, values, key).controls[input_name(key)]
    assert sorted(c["value"] for c in controls if "checked" in c) == sorted(checked)
    assert {c["value"] for c in controls if "checked" not in c} == set(unchecked)


def test_yes_no_uses_its_labels(app, survey, values):
    html = render(app, survey, "accepting", "input", "")
    assert "> 可</label>" in html and "> 否</label>" in html


def test_a_required_radio_group_has_no_way_back_to_no_answer(app, survey):
    controls = Controls(render(app, survey, "status", "input", "", required=True))
    assert [c["value"] for c in controls.controls["f.status"]] == ["normal", "limited"]
    assert all(c["aria-required"] == "true" for c in controls.controls["f.status"])


def test_postal_code_shows_its_address(app, survey, values):
    html = render(app, survey, "postal", "input", "160-0023")
    assert "東京都新宿区西新宿" in html
    assert 'aria-describedby="f-postal-help f-postal-address"' in html


def test_weekly_hours_inputs(app, survey, values):
    controls = render_input(app, survey, values, "hours")
    assert the(controls, "f.hours.mon.0.start")["value"] == "09:00"
    assert the(controls, "f.hours.mon.1.end")["value"] == "24:00"
    assert the(controls, "f.hours.mon.1.end")["type"] == "text"  # a time input cannot hold it
    assert the(controls, "f.hours.mon.0.end")["aria-label"] == "月曜日 1つ目の終了"
    assert "checked" in the(controls, "f.hours.sun.closed")
    assert "checked" in the(controls, "f.hours.tue.closed")  # missing day: closed
    assert "checked" not in the(controls, "f.hours.mon.closed")
    days = {name.split(".")[2] for name in controls.controls}
    assert days == {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"}
    assert len(controls.controls) == 8 * (1 + 2 * 2)


def test_weekly_hours_of_a_new_answer_are_blank(app, survey):
    controls = render_input(app, survey, {"hours": None}, "hours")
    assert not any("checked" in c or c.get("value") not in ("", "1")
                   for cs in controls.controls.values() for c in cs)


def test_table_inputs_are_named_by_row_and_column(app, survey, values):
    controls = render_input(app, survey, values, "supplies", required=True)
    assert set(controls.controls) == {"f.supplies.surgical.stock", "f.supplies.surgical.outlook",
                                      "f.supplies.n95.stock", "f.supplies.n95.outlook"}
    stock = the(controls, "f.supplies.n95.stock")
    assert (stock["value"], stock["inputmode"]) == ("1200", "numeric")
    assert stock["aria-label"] == "N95マスク 在庫数"
    assert stock["aria-required"] == "true"
    assert the(controls, "f.supplies.n95.outlook")["tag"] == "select"
    html = render(app, survey, "supplies", "input", survey.fields["supplies"].type.as_input(
        values["supplies"]))
    assert "table-cards" in html and "在庫数<span class=\"unit\">(枚)</span>" in html
    # Each cell names its column for the card a phone shows in place of the header row.
    assert ('<label class="cell-label" for="f-supplies-n95-stock">在庫数'
            '<span class="unit">(枚)</span></label>') in html


def test_every_table_cell_is_labelled_by_its_column_for_a_phone(app, survey):
    html = render(app, survey, "supplies", "input", None)
    ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html)
    assert ids == [f"f-supplies-{row}-{column}" for row in ("surgical", "n95")
                   for column in ("stock", "outlook")]
    assert re.findall(r'<label class="cell-label" for="([^"]+)"', html) == ids


def test_a_table_column_of_radio_buttons_names_its_group(app):
    definition = DEFINITION.split("    fields:\n")[0] + """    fields:
      - key: wards
        type: table
        label: 病棟
        options:
          rows: [{key: east, label: 東病棟}]
          columns:
            - key: open
              label: 受入
              type: single_choice
              options: {widget: radio}
              choices: [{value: y, label: 可}, {value: n, label: 否}]
"""
    radios = compile_survey(parse_definition(definition, "wards.yaml"),
                            build_registry(plugins=False))
    html = render(app, radios, "wards", "input", None)
    # No single control to point a <label> at: the visible header is for sight only, the
    # group carries the name.
    assert '<span class="cell-label" aria-hidden="true">受入</span>' in html
    assert 'role="group" aria-label="東病棟 受入"' in html
    assert "<label class=\"cell-label\"" not in html


def test_repeating_group_shows_the_entries_then_blank_ones(app, survey, values):
    controls = render_input(app, survey, values, "staff")
    assert set(controls.controls) == {f"f.staff.{i}.{item}" for i in range(3)
                                      for item in ("name", "nurse")}
    assert the(controls, "f.staff.0.name")["value"] == "山田"
    assert the(controls, "f.staff.2.name")["value"] == ""
    assert the(controls, "f.staff.1.name")["aria-describedby"] == "f-staff-1-name-help"
    html = render(app, survey, "staff", "input", survey.fields["staff"].type.as_input(
        values["staff"]))
    assert "3件目(追加する場合に入力)" in html
    assert '<label for="f-staff-0-name">氏名' in html


# --- what was typed, shown again with the errors ------------------------------------------

BAD = [
    ("beds", MultiDict({"f.beds": "たくさん"}), {"f.beds": "たくさん"}),
    ("reported", MultiDict({"f.reported": "令和8年13月1日"}), {"f.reported": "令和8年13月1日"}),
    ("opens", MultiDict({"f.opens": "25時"}), {"f.opens": "25時"}),
    ("hours", MultiDict({"f.hours.mon.0.start": "朝"}), {"f.hours.mon.0.start": "朝"}),
    ("supplies", MultiDict({"f.supplies.n95.stock": "many"}),
     {"f.supplies.n95.stock": "many", "f.supplies.surgical.stock": ""}),
    ("staff", MultiDict({"f.staff.4.name": "山田", "f.staff.4.nurse": "maybe"}),
     {"f.staff.0.name": "山田", "f.staff.1.name": ""}),
]


@pytest.mark.parametrize(("key", "typed", "shown"), BAD, ids=[k for k, _, _ in BAD])
def test_what_was_typed_comes_back_with_the_error(app, survey, key, typed, shown):
    evaluation = evaluate_form(survey, typed)
    assert key in evaluation.errors and key in evaluation.raw
    controls = Controls(render(app, survey, key, "input", evaluation.raw[key],
                               errors=evaluation.errors[key]))
    for name, value in shown.items():
        assert the(controls, name)["value"] == value
    assert any(c.get("aria-invalid") == "true" for cs in controls.controls.values()
               for c in cs)


def test_only_the_cells_a_message_names_are_marked_invalid(app, survey):
    evaluation = evaluate_form(survey, MultiDict({"f.supplies.n95.stock": "many"}))
    controls = Controls(render(app, survey, "supplies", "input", evaluation.raw["supplies"],
                               errors=evaluation.errors["supplies"]))
    invalid = {name for name, cs in controls.controls.items()
               if any(c.get("aria-invalid") for c in cs)}
    assert invalid == {"f.supplies.n95.stock"}


def test_a_date_that_could_not_be_read_is_shown_in_a_text_box(app, survey):
    control = the(Controls(render(app, survey, "reported", "input", "令和8年13月1日")),
                  "f.reported")
    assert control["type"] == "text"


def test_choices_typed_wrong_leave_nothing_checked_but_keep_the_rest(app, survey):
    evaluation = evaluate_form(survey, MultiDict([("f.symptoms", "fever"),
                                                  ("f.symptoms", "bogus")]))
    controls = Controls(render(app, survey, "symptoms", "input", evaluation.raw["symptoms"]))
    assert [c["value"] for c in controls.controls["f.symptoms"] if "checked" in c] == ["fever"]


# --- display and print -------------------------------------------------------------------

SHOWN = [
    ("beds", ["120床"]),
    ("rate", ["0.85"]),
    ("contact", ["山田 花子"]),
    ("note", ["一行目<br>二行目"]),
    ("status", ["制限"]),
    ("area", ["区南部"]),
    ("symptoms", ["発熱、咳"]),
    ("accepting", ["否"]),
    ("reported", ["2026年11月21日(土)"]),
    ("opens", ["09:05"]),
    ("hours", ["09:00-12:00", "14:00-24:00", "休診"]),
    ("postal", ["〒160-0023", "東京都新宿区西新宿"]),
    ("phone", ["03-5321-1111"]),
    ("email", ["taro@example.jp"]),
    ("code", ["1311234569"]),
    ("supplies", ["N95マスク", "1,200枚", "4週間以上", "サージカルマスク"]),
    ("staff", ["山田", "はい", "氏名"]),
]


@pytest.mark.parametrize("kind", ["display", "print"])
@pytest.mark.parametrize(("key", "fragments"), SHOWN, ids=[k for k, _ in SHOWN])
def test_display_and_print_show_the_answer(app, survey, values, kind, key, fragments):
    html = render(app, survey, key, kind, values[key])
    for fragment in fragments:
        assert fragment in html
    assert not Controls(html).controls, "no form controls outside the form"


@pytest.mark.parametrize("kind", ["display", "print"])
@pytest.mark.parametrize("key", [k for k, _ in SHOWN])
def test_an_unanswered_field_says_so(app, survey, kind, key):
    assert "未回答" in render(app, survey, key, kind, None)


def test_print_has_no_scrolling_box(app, survey, values):
    assert "table-wrap" not in render(app, survey, "supplies", "print", values["supplies"])


# --- the templates as files ----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(t.name for t in BUILTIN_TYPES))
def test_every_built_in_type_has_its_three_templates(name):
    for kind in ("input", "display", "print"):
        assert (TEMPLATES / name / f"{kind}.html").is_file()


def test_built_in_types_declare_the_folder_of_their_templates_as_plugins_do():
    assert BUILTIN_TEMPLATE_FOLDER / "fields" == TEMPLATES
    assert {t.template_folder for t in BUILTIN_TYPES} == {BUILTIN_TEMPLATE_FOLDER}
    assert build_registry(plugins=False).template_folders() == [BUILTIN_TEMPLATE_FOLDER]


def test_an_app_finds_the_built_in_templates_through_the_folder_their_types_declare(tmp_path):
    """One way to every type's templates: an app whose own template folder holds none
    still finds the built-ins' (and the macros they import) where the types say they are."""
    app = Flask(__name__, template_folder=str(tmp_path))
    runtime.init_app(app)
    names = ["fields/_controls.html",
             *(f"fields/{t.name}/{kind}.html" for t in BUILTIN_TYPES
               for kind in ("input", "display", "print"))]
    for name in names:
        _source, filename, _uptodate = app.jinja_env.loader.get_source(app.jinja_env, name)
        assert Path(filename) == TEMPLATES.parent / name


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_keep_to_the_content_security_policy(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\sstyle=|<script|\son[a-z]+=", text)


def test_the_whole_field_renders_inside_the_survey_wrapper(app, survey, values):
    with app.test_request_context():
        template = app.jinja_env.get_template("surveys/_field.html")
        for key, field in survey.fields.items():
            html = template.render(field=field, value=field.type.as_input(values[key]),
                                   errors=[], required=False, hidden=False,
                                   validate_url="/validate")
            tag = "fieldset" if field.type.grouped else "div"
            assert html.lstrip().startswith(f"<{tag} "), key
            assert Controls(html).controls, key
