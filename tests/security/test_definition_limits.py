"""Definitions are bounded as they are read and checked: size, nesting, aliases, repeated
keys, key lengths and counts are refused with a Japanese message naming the file, the place
and the limit, on the command line and on the web."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from gmis.models import Role
from gmis.surveys.engine import limits
from gmis.surveys.engine.definition import parse_bytes, parse_text
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.registry import build_registry
from gmis.surveys.store import versions
from tests.blueprints.test_survey_admin import OUTPATIENT, upload
from tests.fixtures.web import page_text


def problems_of(text: str, source: str = "survey.yaml") -> list[str]:
    """Every problem of ``text`` read as the CLI and the upload read a file."""
    with pytest.raises(DefinitionError) as caught:
        data = versions.plain_data(parse_bytes(text.encode(), source), source)
        versions.validate(data, build_registry(), source)
    assert caught.value.source == source
    return [str(p) for p in caught.value.problems]


def outpatient(**changes) -> dict:
    data = yaml.safe_load(OUTPATIENT)
    data.update(changes)
    return data


def as_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# --- size, before parsing ---------------------------------------------------------------------

def test_a_definition_over_the_size_limit_is_refused_before_it_is_parsed():
    text = as_yaml(outpatient(description="説明" * (limits.MAX_DEFINITION_BYTES // 3)))
    (problem,) = problems_of(text)
    assert f"最大 {limits.MAX_DEFINITION_BYTES // 1024:,} KB" in problem


# --- aliases: an alias bomb is refused where it is written, before anything expands -----------

BOMB = "\n".join(["schema_version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)])


def test_an_alias_bomb_is_refused_while_reading():
    with pytest.raises(DefinitionError) as caught:
        parse_text(BOMB, "bomb.yaml")
    (problem,) = caught.value.problems
    assert "エイリアスを展開すると" in problem.message and problem.line is not None
    assert f"{limits.MAX_DEFINITION_VALUES:,}個" in problem.message


def test_a_recursive_alias_is_refused():
    (problem,) = problems_of("schema_version: 1\nsections: &s [*s]\n")
    assert "エイリアスが自分自身を含んでいます" in problem


def test_aliases_that_share_a_list_of_choices_still_work():
    """The built-in hospital daily survey shares its service-status choices this way."""
    text = OUTPATIENT.replace("type: yes_no, label: 外来の受付",
                              "type: single_choice, label: 外来の受付, choices: &yn "
                              "[{value: y, label: はい}, {value: n, label: いいえ}]")
    text = text.replace("type: text, label: 担当者名",
                        "type: single_choice, label: 担当者名, choices: *yn")
    data = versions.plain_data(parse_bytes(text.encode(), "a.yaml"), "a.yaml")
    survey = versions.validate(data, build_registry(), "a.yaml")
    assert len(survey.fields["contact"].definition.choices) == 2


# --- a key written twice: the last silently won ----------------------------------------------

def test_a_key_written_twice_in_one_yaml_mapping_is_refused_with_its_lines():
    text = OUTPATIENT.replace("key: closed_reason\n        type: text\n",
                              "key: closed_reason\n        type: text\n        type: integer\n")
    (problem,) = problems_of(text)
    first = OUTPATIENT.splitlines().index("        type: text") + 1
    assert (f"キー「type」が同じマッピングに2回書かれています({first}行目と{first + 1}行目)"
            in problem)
    assert problem.startswith(f"{first + 1}行目")


def test_a_key_written_twice_in_a_json_object_is_refused():
    text = json.dumps(outpatient())[:-1] + ', "title": "別の題名"}'
    (problem,) = problems_of(text, "survey.json")
    assert "キー「title」が同じオブジェクトに2回書かれています" in problem


# --- nesting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("source, text", [
    ("deep.yaml", "schema_version: 1\ndescription: " + "[" * 100 + "]" * 100),
    ("deep.yaml", "schema_version: 1\ndescription: " + "[" * 50_000),
    ("deep.json", '{"description": ' + "[" * 100 + "]" * 100 + "}"),
    ("deep.json", '{"description": ' + "[" * 50_000 + "]" * 50_000 + "}"),
])
def test_deep_nesting_is_refused_naming_the_limit(source, text):
    (problem,) = problems_of(text, source)
    assert f"入れ子が深すぎます({limits.MAX_DOCUMENT_DEPTH}段まで)" in problem
    assert re.match(r"\d+行目", problem)


# --- key lengths: an unknown key was echoed whole in the message -----------------------------

def test_a_very_long_key_is_refused_without_echoing_it():
    (problem,) = problems_of(OUTPATIENT + "? " + "x" * 50_000 + "\n: 1\n")
    assert f"キーが長すぎます({limits.MAX_MAPPING_KEY_LENGTH}文字まで" in problem
    assert len(problem) < 200


# --- counts and text lengths -----------------------------------------------------------------

def field(i: int) -> dict:
    return {"key": f"f{i}", "type": "integer", "label": f"項目{i}"}


@pytest.mark.parametrize("changes, path, message", [
    (dict(sections=[{"key": f"s{i}", "title": "S", "fields": [field(i)]}
                    for i in range(limits.MAX_SECTIONS + 1)]),
     "sections", f"セクションは{limits.MAX_SECTIONS:,}個までです"),
    (dict(sections=[{"key": "s", "title": "S",
                     "fields": [field(i) for i in range(limits.MAX_FIELDS_PER_SECTION + 1)]}]),
     "sections[0].fields", f"1つのセクションの項目は{limits.MAX_FIELDS_PER_SECTION:,}個まで"),
    (dict(sections=[{"key": f"s{s}", "title": "S",
                     "fields": [field(s * 200 + i) for i in range(200)]} for s in range(6)]),
     "sections", f"項目は定義全体で{limits.MAX_FIELDS:,}個までです"),
    (dict(sections=[{"key": "s", "title": "S", "fields": [{
        **field(0), "type": "single_choice",
        "choices": [{"value": f"v{i}", "label": "L"} for i in range(limits.MAX_CHOICES + 1)]}]}]),
     "sections[0].fields[0].choices", f"選択肢は{limits.MAX_CHOICES:,}個までです"),
    (dict(rules=[{"key": f"r{i}", "expression": "true", "message": "M"}
                 for i in range(limits.MAX_RULES + 1)]),
     "rules", f"ルールは{limits.MAX_RULES:,}個までです"),
    (dict(description="長" * (limits.MAX_TEXT_LENGTH + 1)),
     "description", f"{limits.MAX_TEXT_LENGTH:,}文字以内"),
    (dict(sections=[{"key": "s", "title": "S", "fields": [{**field(0), "type": "x" * 5000}]}]),
     "sections[0].fields[0].type", "項目の種類の名前が長すぎます"),
])
def test_counts_and_lengths_are_bounded(changes, path, message):
    found = problems_of(as_yaml(outpatient(**changes)))
    assert any(f" {path}: " in f" {p}" and message in p for p in found), found
    assert all(len(p) < 300 for p in found)


# --- both ways in answer with the message ----------------------------------------------------

DUPLICATED = OUTPATIENT.replace("title: 外来状況調査\n", "title: 外来状況調査\ntitle: 別の題名\n")


def test_the_cli_refuses_with_the_file_and_the_line(runner, tmp_path):
    path = tmp_path / "outpatient.yaml"
    path.write_text(DUPLICATED, encoding="utf-8")
    result = runner.invoke(args=["surveys", "validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}: 5行目 1列: キー「title」が同じマッピングに2回書かれています" in result.output


def test_the_web_upload_refuses_with_a_422_and_keeps_what_was_pasted(make_user, signed_in):
    client = signed_in(make_user(role=Role.national))
    response = upload(client, DUPLICATED)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "キー「title」が同じマッピングに2回書かれています" in page_text(html)
    assert "title: 別の題名" in html  # the pasted text is shown again, not lost

    response = upload(client, file=("schema_version: 1\nsections: " + "[" * 5000).encode(),
                      name="deep.yaml")
    assert response.status_code == 422
    assert f"入れ子が深すぎます({limits.MAX_DOCUMENT_DEPTH}段まで)" in page_text(
        response.get_data(as_text=True))


# --- the documented limits are the enforced ones ---------------------------------------------

def test_every_limit_is_documented_with_its_value():
    doc = (Path(__file__).resolve().parents[2] / "docs/survey-definitions.md").read_text(
        encoding="utf-8")
    table = doc[doc.index("## 上限 / Limits"):doc.index("## Versions")]
    rows = dict(re.findall(r"^\| `([A-Z_]+)`[^|]*\| ([\d,]+)", table, re.MULTILINE))
    enforced = {name: value for name, value in vars(limits).items() if name.isupper()}
    assert rows.keys() == enforced.keys()
    for name, value in enforced.items():
        shown = int(rows[name].replace(",", ""))
        assert shown in (value, value // 1024), name
