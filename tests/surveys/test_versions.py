"""Versions in the database: importing, publishing, the version in force, locked items."""

import math
import re
from datetime import date

import pytest
import yaml

from gmis.db import session
from gmis.models import AuditEvent, VersionStatus
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.runtime import field_types
from gmis.surveys.store import versions
from tests.fixtures.surveys import LOCKED_BEDS

BEDS = LOCKED_BEDS


def load(text: str = BEDS) -> dict:
    return yaml.safe_load(text)


def import_(text: str = BEDS, prefecture_code: str | None = None) -> versions.Imported:
    return versions.import_definition(load(text), field_types(), source="beds.yaml",
                                      prefecture_code=prefecture_code)


def test_import_numbers_versions_and_skips_the_same_definition():
    first = import_()
    assert first.created and first.version.number == 1
    assert first.version.status == VersionStatus.draft
    assert first.version.survey.title == "病床"
    again = import_()
    assert not again.created and again.version == first.version
    second = import_(BEDS.replace("title: 病床\nperiod", "title: 病床状況\nperiod"))
    assert second.created and second.version.number == 2
    assert second.version.survey.title == "病床状況"
    actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["survey.version_imported", "survey.version_imported"]


def test_going_back_to_an_earlier_definition_makes_a_new_version():
    import_()
    import_(BEDS.replace("備考", "メモ"))
    assert import_().version.number == 3


def test_publish_once_with_its_date():
    version = import_().version
    versions.publish(version, date(2026, 4, 1))
    assert version.status == VersionStatus.published and version.effective_from == date(2026, 4, 1)
    with pytest.raises(ValueError, match="すでに公開されています"):
        versions.publish(version, date(2026, 5, 1))


@pytest.mark.parametrize(
    ("day", "prefecture", "expected"),
    [
        (date(2026, 3, 31), None, None),
        (date(2026, 4, 1), None, "national 1"),
        (date(2026, 4, 30), "13", "national 1"),
        (date(2026, 5, 1), "13", "tokyo"),
        (date(2026, 5, 1), "27", "national 1"),
        (date(2026, 6, 1), "13", "tokyo"),       # same start: the prefecture's own wins
        (date(2026, 6, 1), "27", "national 2"),
        (date(2026, 7, 1), "27", "national 2"),  # the national draft is never in force
    ],
)
def test_the_version_in_force(day, prefecture, expected):
    national_1 = import_().version
    versions.publish(national_1, date(2026, 4, 1))
    tokyo = import_(BEDS + "      - {key: extra, type: integer, label: 都独自}\n", "13").version
    versions.publish(tokyo, date(2026, 5, 1))
    national_2 = import_(BEDS.replace("備考", "メモ")).version
    versions.publish(national_2, date(2026, 6, 1))
    tokyo_again = import_(BEDS.replace("備考", "特記事項"), "13").version
    versions.publish(tokyo_again, date(2026, 6, 1))
    import_(BEDS.replace("備考", "下書き"))
    names = {national_1.id: "national 1", national_2.id: "national 2", tokyo.id: "tokyo",
             tokyo_again.id: "tokyo"}
    found = versions.version_in_force(national_1.survey, prefecture, day)
    assert (names[found.id] if found else None) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{key: total, type: integer, label: 病床数, locked: true, min: 0}", "",
         "は削除できません。"),
        ("label: 病床数", "label: 総病床数", "(変更された属性: 項目名)"),
        ("min: 0}", "min: 1}", "(変更された属性: 最小値)"),
        ("type: integer, label: 病床数", "type: decimal, label: 病床数", "(変更された属性: 種類)"),
        ("min: 0}", "min: 0, required: true}", "(変更された属性: 必須)"),
    ],
)
def test_locked_items_may_not_be_removed_or_changed(old, new, expected):
    base = parse_definition(BEDS)
    text = BEDS.replace(old, new)
    if not new:
        text = text.replace("      - \n", "")
    problems = versions.locked_field_problems(base, parse_definition(text))
    assert len(problems) == 1 and expected in problems[0].message


def test_unlocked_items_may_be_changed_and_items_added():
    base = parse_definition(BEDS)
    extension = parse_definition(BEDS.replace("備考", "都の備考")
                                 + "      - {key: extra, type: integer, label: 都独自}\n")
    assert versions.locked_field_problems(base, extension) == []


def test_an_extension_needs_a_published_national_version():
    import_()
    with pytest.raises(DefinitionError, match="公開されていないため、拡張できません"):
        import_(prefecture_code="13")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 4, 1), "2026-04-01"),
        ({1: "a"}, {"1": "a"}),
        ([date(2026, 4, 1), 1.5, None, True], ["2026-04-01", 1.5, None, True]),
    ],
)
def test_plain_data_makes_yaml_values_json_values(value, expected):
    assert versions.plain_data({"default": value}, "x.yaml") == {"default": expected}


@pytest.mark.parametrize("value", [b"\x00\x01", {1, 2}, math.nan, math.inf])
def test_plain_data_refuses_values_json_cannot_hold(value):
    with pytest.raises(DefinitionError) as caught:
        versions.plain_data({"sections": [{"default": value}]}, "x.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "sections[0].default" and "この値は使えません" in problem.message


def test_plain_data_refuses_definitions_of_absurd_size():
    text = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcde", "bcdef", strict=True))
    with pytest.raises(DefinitionError, match="定義が大きすぎます"):
        versions.plain_data(yaml.safe_load(text), "x.yaml")
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(DefinitionError, match="入れ子が深すぎます"):
        versions.plain_data(deep, "x.yaml")


def test_an_extension_is_published_only_on_top_of_the_newest_national_version():
    national_1 = import_().version
    versions.publish(national_1, date(2026, 4, 1))
    tokyo = import_(BEDS + "      - {key: extra, type: integer, label: 都独自}\n", "13").version
    with pytest.raises(ValueError, match=re.escape("全国版(版1)の適用開始日2026/04/01以降")):
        versions.publish(tokyo, date(2026, 3, 31))
    national_2 = import_(BEDS.replace("label: 病床数", "label: 許可病床数")).version
    versions.publish(national_2, date(2026, 5, 1))
    with pytest.raises(ValueError, match=re.escape("全国版(版3)が公開されました")) as caught:
        versions.publish(tokyo, date(2026, 5, 1))
    assert "「許可病床数」は変更できません" in str(caught.value)
    assert tokyo.status == VersionStatus.draft
