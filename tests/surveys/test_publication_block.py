"""A report survey's ``publication`` block: each facet names a public field of a type the
search can read, or the definition is refused with the key's path; and the report kind's
own limits on the period and the respondents."""

import pytest

from gmis.surveys.engine import publication
from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.registry import build_registry

FIELDS = """
sections:
  - key: basics
    title: 基本情報
    fields:
      - {key: name, type: text, label: 名称, required: true, public: true}
      - {key: phone, type: phone, label: 電話番号, public: true}
      - {key: hours, type: weekly_hours, label: 診療時間, public: true}
      - {key: parking, type: yes_no, label: 駐車場, public: true}
      - {key: contact, type: text, label: 報告担当者}
"""


def compile_text(publication_block: str, period: str = "report",
                 roles: str = "[facility]"):
    text = (f"schema_version: 1\nkey: r\ntitle: 報告\nrespondents: {{roles: {roles}}}\n"
            f"period: {{kind: {period}}}\n{publication_block}\n{FIELDS}")
    return compile_survey(parse_definition(text, "r.yaml"), build_registry())


def problems(publication_block: str, **kwargs) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as raised:
        compile_text(publication_block, **kwargs)
    return [(p.path, p.message) for p in raised.value.problems]


def test_a_block_naming_public_fields_of_the_right_types_compiles():
    survey = compile_text("publication: {name: name, phone: phone, hours: [hours], "
                          "flags: [parking]}")
    block = survey.definition.publication
    assert publication.facet_fields(block, publication.FACETS_BY_NAME["hours"]) == ("hours",)
    assert publication.facet_fields(block, publication.FACETS_BY_NAME["kana"]) == ()


def test_a_missing_field_is_refused_with_its_path():
    assert problems("publication: {name: name, hours: [hours, opening]}") == [
        ("publication.hours[1]",
         "公表の「曜日別の時間」に指定した項目キー「opening」がありません。")]


def test_a_field_of_another_type_is_refused():
    [(path, message)] = problems("publication: {name: name, phone: hours}")
    assert path == "publication.phone" and "phone の項目です" in message


def test_an_internal_field_cannot_be_searched_by():
    [(path, message)] = problems("publication: {name: contact}")
    assert path == "publication.name" and "公表しない項目" in message


def test_the_name_is_required():
    with pytest.raises(DefinitionError) as raised:
        compile_text("publication: {kana: name}")
    assert [p.path for p in raised.value.problems] == ["publication.name"]


def test_publication_belongs_to_report_surveys_only():
    with pytest.raises(DefinitionError) as raised:
        compile_text("publication: {name: name}", period="fiscal_year")
    assert "report" in raised.value.problems[0].message


def test_reports_are_made_by_facilities_only():
    with pytest.raises(DefinitionError) as raised:
        compile_text("", roles="[facility, prefecture]")
    assert raised.value.problems[0].path == "respondents.roles"


def test_a_report_survey_names_no_deadline_of_its_own():
    with pytest.raises(DefinitionError) as raised:
        parse_definition("schema_version: 1\nkey: r\ntitle: 報告\n"
                         "period: {kind: report, due_time: '13:00'}\n" + FIELDS, "r.yaml")
    assert "都道府県が設定" in raised.value.problems[0].message
