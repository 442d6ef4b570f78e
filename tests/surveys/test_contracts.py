"""Contracts: a survey version without a field a feature reads (the bed view's
``vacant_beds``, the fields SOS's system check reads), or with it of another type, is
refused when it is imported or published, with a message naming the feature and the
field."""

import re
from datetime import date

import pytest
import sqlalchemy as sa
import yaml

from gmis.beds.operations import FIGURES, SERVICES
from gmis.db import session
from gmis.models import Role, Survey, SurveyVersion
from gmis.sos.contract import of_rules
from gmis.sos.rules import RULES_FILE, parse_rules
from gmis.surveys.engine import contracts
from gmis.surveys.engine.contracts import Contract, FieldNeed
from gmis.surveys.engine.definition import load_definition
from gmis.surveys.engine.fields import BUILTIN_TYPES
from gmis.surveys.runtime import field_types
from gmis.surveys.store import versions
from gmis.surveys.store.latest import stored_answer
from tests.blueprints.test_survey_admin import ask_to_publish, tomorrow, upload
from tests.fixtures.surveys import SURVEY_DEFS

HOSPITAL_DAILY = (SURVEY_DEFS / "hospital_daily.yaml").read_text(encoding="utf-8")
#: The shipped hospital daily survey, its vacant beds renamed (rules and computations
#: follow, so the definition is sound but for the bed view).
WITHOUT_VACANT_BEDS = re.sub(r"\bvacant_beds\b", "free_beds", HOSPITAL_DAILY)
REFUSAL = "「地域病床見える化」が使う項目 vacant_beds(整数)がありません。"


def hospital_daily_count() -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion).join(Survey)
                          .where(Survey.key == "hospital_daily"))


def test_the_shipped_definitions_satisfy_every_contract():
    for path in sorted(SURVEY_DEFS.glob("*.yaml")):
        definition = load_definition(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        assert versions.contract_problems(definition) == [], path.name
    surveys = {c.survey for c in contracts.declared()}
    assert {"hospital_daily", "supplies_weekly"} <= surveys


def test_the_bed_view_reads_the_keys_of_its_contract():
    (bed_view,) = [c for c in contracts.declared() if c.feature == "地域病床見える化"]
    read = {field for _, field, _ in FIGURES} | {field for field, _ in SERVICES}
    assert read == {need.key for need in bed_view.fields}


def test_the_sos_contract_is_read_from_its_rules_file():
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    data["daily_conditions"].append({"key": "ventilators", "description": "人工呼吸器が1台以上",
                                     "expression": "daily.ventilators >= 1"})
    data["survey_fields"]["daily"]["ventilators"] = "integer"
    by_survey = {c.survey: {n.key for n in c.fields}
                 for c in of_rules(parse_rules(data, RULES_FILE.name))}
    assert {"ventilators", "covid_inpatients", "pcr_available"} <= by_survey["hospital_daily"]
    assert by_survey["supplies_weekly"] == {"supplies"}
    # Clinics' daily answers are only required to exist: none of their fields is needed.
    assert "clinic_daily" not in by_survey
    # Each field with the type the rules declare for it.
    needs = {n.key: n for c in of_rules(parse_rules(data, RULES_FILE.name)) for n in c.fields}
    assert [needs[key].described for key in ("ventilators", "pcr_available", "supplies")] == [
        "ventilators(整数)", "pcr_available(単一選択)", "supplies(表)"]


def test_a_field_of_another_type_is_named_with_the_type_found():
    contract = Contract("地域病床見える化", "hospital_daily",
                        (FieldNeed("vacant_beds", ("integer",), "整数"),))
    (breach,) = contracts.breaches("hospital_daily", {"vacant_beds": "text"}, [contract])
    assert breach.message(lambda name: "文字(1行)") == (
        "「地域病床見える化」が使う項目 vacant_beds(整数)が「文字(1行)」になっています。"
        "地域病床見える化はこの種類の値を読めません。")
    assert contracts.breaches("other_survey", {}, [contract]) == []


def test_the_web_upload_without_vacant_beds_is_refused_and_keeps_the_text(make_user,
                                                                         signed_in):
    national = signed_in(make_user(role=Role.national))
    response = upload(national, WITHOUT_VACANT_BEDS, name="hospital_daily.yaml")
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert REFUSAL in html
    assert "free_beds" in html  # what was typed is shown again
    assert hospital_daily_count() == 0


def test_the_cli_import_without_vacant_beds_is_refused(runner, tmp_path):
    path = tmp_path / "hospital_daily.yaml"
    path.write_text(WITHOUT_VACANT_BEDS, encoding="utf-8")
    for command in ("import", "validate"):
        result = runner.invoke(args=["surveys", command, str(path)])
        assert result.exit_code != 0, result.output
        assert REFUSAL in result.output
    assert hospital_daily_count() == 0


def stored_drafts() -> tuple[SurveyVersion, SurveyVersion]:
    """The shipped hospital daily survey imported, and a draft without vacant_beds stored
    as one imported before the bed view declared what it reads would be."""
    imported = versions.import_definition(yaml.safe_load(HOSPITAL_DAILY), field_types(),
                                          source="hospital_daily.yaml")
    draft = SurveyVersion(survey=imported.version.survey, number=2,
                          definition=yaml.safe_load(WITHOUT_VACANT_BEDS), checksum="x",
                          source_name="hospital_daily.yaml")
    session.add(draft)
    session.commit()
    return imported.version, draft


def test_publishing_on_the_web_a_draft_without_vacant_beds_is_refused(make_user, signed_in):
    national = signed_in(make_user(role=Role.national))
    _, draft = stored_drafts()
    response = ask_to_publish(national, draft, tomorrow())
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert REFUSAL in html
    assert session.get(SurveyVersion, draft.id).effective_from is None


def test_a_draft_stored_without_vacant_beds_is_not_published(app):
    shipped, draft = stored_drafts()
    try:
        versions.publish(draft, date(2026, 4, 1))
    except ValueError as refused:
        assert REFUSAL in str(refused)
    else:
        raise AssertionError("published a hospital daily survey without vacant_beds")
    versions.publish(shipped, date(2026, 4, 1))  # the shipped one is


def pcr_as_yes_no() -> dict:
    """The shipped hospital daily survey, its PCR availability asked as yes or no: a sound
    definition, but the system check compares the answer with the choice "available"."""
    data = yaml.safe_load(HOSPITAL_DAILY)
    (field,) = [f for s in data["sections"] for f in s["fields"] if f["key"] == "pcr_available"]
    field["type"] = "yes_no"
    del field["choices"]
    return data


SOS_REFUSAL = ("「緊急配布要請(システムチェック)」が使う項目 pcr_available(単一選択)が"
               "「はい/いいえ」になっています。緊急配布要請(システムチェック)はこの種類の値を読めません。")


def test_a_field_the_system_check_reads_as_another_type_is_refused(runner, tmp_path):
    path = tmp_path / "hospital_daily.yaml"
    path.write_text(yaml.safe_dump(pcr_as_yes_no(), allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code != 0, result.output
    assert SOS_REFUSAL in result.output
    assert hospital_daily_count() == 0


def test_a_draft_stored_with_a_field_of_another_type_is_not_published(app):
    shipped, _ = stored_drafts()
    draft = SurveyVersion(survey=shipped.survey, number=3,
                          definition=pcr_as_yes_no(), checksum="y",
                          source_name="hospital_daily.yaml")
    session.add(draft)
    session.commit()
    with pytest.raises(ValueError) as refused:
        versions.publish(draft, date(2026, 4, 1))
    assert str(refused.value).startswith(
        "この版は公開できません: 「緊急配布要請(システムチェック)」が使う項目 "
        "pcr_available(単一選択)が")
    assert session.get(SurveyVersion, draft.id).effective_from is None


def test_a_field_type_tells_how_its_stored_value_reads_in_sql():
    by_name = {field_type.name: field_type for field_type in BUILTIN_TYPES}
    assert (by_name["integer"].stored_as, by_name["single_choice"].stored_as) == ("integer",
                                                                                  "string")
    (bed_view,) = [c for c in contracts.declared() if c.feature == "地域病床見える化"]
    for need in bed_view.fields:  # every field the bed view reads in a query can be read
        assert stored_answer(need.key, by_name[need.types[0]]) is not None
    with pytest.raises(ValueError, match="table の値はSQLで読めません"):
        stored_answer("supplies", by_name["table"])
