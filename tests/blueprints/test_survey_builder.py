"""調査ビルダー on the web: starting a draft, changing it click by click (each change stored
at once), refusals with the draft kept, two people on one draft, undo, trying logic, the
preview, the file round trip and sending a draft to publishing."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from gmis.db import session
from gmis.models import (
    ResponseStatus,
    Role,
    SurveyDraft,
    SurveyResponse,
    SurveyVersion,
    VersionStatus,
)
from gmis.surveys.engine import authoring
from gmis.surveys.engine.definition import load_definition
from gmis.surveys.publishing import today_in_japan
from gmis.surveys.runtime import field_types
from gmis.surveys.store import versions
from tests.fixtures.surveys import LOCKED_BEDS
from tests.fixtures.web import client_of, csrf_token, form_fields, post_form
from tests.fixtures.web import page_text as text

BUILDER = "/admin/surveys/builder"


@pytest.fixture
def national(app, make_user):
    user = make_user(Role.national)
    session.commit()
    return client_of(app, user)


def start(client, key="bed_check", title="病床確認", period="daily"):
    response = post_form(client, f"{BUILDER}/new", {"key": key, "title": title,
                                                    "period": period}, page=BUILDER)
    assert response.status_code == 303, text(response.get_data(as_text=True))
    return int(response.headers["Location"].rsplit("/", 1)[1])


def draft_of(draft_id) -> SurveyDraft:
    session.expire_all()
    return session.get(SurveyDraft, draft_id)


def post(client, draft_id, path, data=None, htmx=True):
    draft = draft_of(draft_id)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"{BUILDER}/{draft_id}{path}", headers=headers, data={
        "revision": draft.revision, "csrf_token": csrf_token(client, f"{BUILDER}/{draft_id}"),
        **(data or {})})


def labels(draft_id):
    return [f["label"] for _, f in authoring.fields_of(draft_of(draft_id).document)]


def test_a_new_survey_opens_in_the_editor(national):
    draft_id = start(national)
    page = national.get(f"{BUILDER}/{draft_id}").get_data(as_text=True)
    assert "調査の設定" in page and "病床確認" in page
    # The palette lists every registered type, with what it is for.
    for field_type in field_types():
        assert field_type.label in page and field_type.description in page
    listed = text(national.get(BUILDER).get_data(as_text=True))
    assert "病床確認" in listed and "新規作成" in listed


def test_a_bad_start_keeps_what_was_typed(national):
    response = post_form(national, f"{BUILDER}/new", {"key": "Bad Key", "title": "病床"},
                         page=BUILDER)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "キーは英小文字で始まり" in page and 'value="Bad Key"' in page


def test_fields_are_added_from_the_palette_and_changed(national):
    draft_id = start(national)
    response = post(national, draft_id, "/fields", {"type": "integer", "section": "section_1",
                                                    "after": "field_1",
                                                    "item": "section:section_1"})
    assert response.status_code == 200
    assert labels(draft_id) == ["項目1", "新しい整数の項目"]
    # The new field opens with the focus on its heading, wherever the palette was scrolled.
    heading = re.compile(r'<h2 id="panel-heading" tabindex="-1" autofocus>新しい整数の項目')
    assert heading.search(response.get_data(as_text=True))
    key = [k for k in authoring.field_keys(draft_of(draft_id).document) if k != "field_1"][0]
    response = post(national, draft_id, f"/fields/{key}", {
        "field.key": "vacant_beds", "field.label": "空床数", "field.unit": "床",
        "field.required": "1", "field.min": "0", "field.max": "9999",
        "field.visible_if": "field_1 != null && field_1 > 0", "item": f"field:{key}"})
    assert response.status_code == 200, text(response.get_data(as_text=True))
    # A settings form saves as it is typed into: the focus stays where the typing is.
    assert "autofocus" not in response.get_data(as_text=True)
    field = draft_of(draft_id).document["sections"][0]["fields"][1]
    assert field == {"key": "vacant_beds", "type": "integer", "label": "空床数", "unit": "床",
                     "required": True, "min": 0, "max": 9999,
                     "visible_if": "field_1 != null && field_1 > 0"}


def test_a_table_is_edited_by_its_rows_and_columns(national):
    draft_id = start(national)
    post(national, draft_id, "/fields", {"type": "table", "section": "section_1"})
    key = authoring.field_keys(draft_of(draft_id).document)[1]
    page = national.get(f"{BUILDER}/{draft_id}?item=field:{key}").get_data(as_text=True)
    assert "行の名前" in page and "列" in page
    # Each cell of a table of settings is named by its row, for screen readers.
    assert re.search(r'for="s-options-rows-1-key">2行目のキー<', page)
    assert re.search(r'for="s-options-rows-1-label">2行目の行の名前<', page)
    response = post(national, draft_id, f"/fields/{key}", {
        "field.key": key, "field.label": "物資",
        "options.rows.0.key": "n95", "options.rows.0.label": "N95マスク",
        "options.columns.0.key": "stock", "options.columns.0.label": "在庫数",
        "options.columns.0.type": "integer", "options.columns.0.min": "0"})
    assert response.status_code == 200, text(response.get_data(as_text=True))
    options = draft_of(draft_id).document["sections"][0]["fields"][1]["options"]
    assert options == {"rows": [{"key": "n95", "label": "N95マスク"}],
                       "columns": [{"key": "stock", "label": "在庫数", "type": "integer",
                                    "min": 0}]}
    # A row half typed is refused in the form's own words, as its rows are numbered.
    half = post(national, draft_id, f"/fields/{key}", {
        "field.key": key, "field.label": "物資",
        "options.rows.0.key": "n95", "options.rows.0.label": "N95マスク",
        "options.rows.1.key": "gown",
        "options.columns.0.key": "stock", "options.columns.0.label": "在庫数",
        "options.columns.0.type": "integer"})
    assert half.status_code == 422
    assert "行 2の「行の名前」: 必須のキーがありません。" in text(half.get_data(as_text=True))


def test_a_bad_setting_is_refused_next_to_it_and_nothing_is_lost(national):
    draft_id = start(national)
    before = draft_of(draft_id).document
    response = post(national, draft_id, "/fields/field_1", {
        "field.key": "field_1", "field.label": "", "field.min": "十"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "入力に誤りがあるため、保存していません" in text(page)
    assert 'value="十"' in page  # what was typed is shown again
    assert draft_of(draft_id).document == before


@pytest.mark.parametrize("typed", ["1e5000", "1e999999999", "9" * 5000])
def test_a_number_of_thousands_of_digits_is_kept_as_typed_not_built(national, typed):
    # An integer of thousands of digits cannot be stored as JSON, and 1e999999999 would be
    # built digit by digit: such a setting is kept as typed, for the schema to refuse.
    draft_id = start(national)
    response = post(national, draft_id, "/survey", {
        "survey.key": "bed_check", "survey.title": "病床確認", "survey.period.kind": "daily",
        "survey.period.backfill_periods": typed})
    assert response.status_code == 422
    assert "整数で書いてください" in text(response.get_data(as_text=True))
    assert typed[:40] in response.get_data(as_text=True)


def test_deleting_a_field_others_read_is_refused_and_lists_them(national):
    draft_id = start(national)
    post(national, draft_id, "/fields", {"type": "integer", "section": "section_1"})
    second = authoring.field_keys(draft_of(draft_id).document)[1]
    post(national, draft_id, f"/fields/{second}", {"field.key": second, "field.label": "使用",
                                                   "field.compute": "field_1 * 2"})
    response = post(national, draft_id, "/fields/field_1/delete")
    assert response.status_code == 422
    assert "項目「使用」の計算式で使われているため、削除できません" in text(
        response.get_data(as_text=True))
    assert len(labels(draft_id)) == 2


def test_renaming_a_key_rewrites_the_formulas_that_read_it(national):
    draft_id = start(national)
    post(national, draft_id, "/fields", {"type": "integer", "section": "section_1"})
    second = authoring.field_keys(draft_of(draft_id).document)[1]
    post(national, draft_id, f"/fields/{second}", {"field.key": second, "field.label": "倍",
                                                   "field.compute": "field_1 * 2"})
    post(national, draft_id, "/fields/field_1", {"field.key": "beds", "field.label": "病床"})
    fields = draft_of(draft_id).document["sections"][0]["fields"]
    assert fields[0]["key"] == "beds" and fields[1]["compute"] == "beds * 2"


def test_moving_with_buttons_and_between_sections(national):
    draft_id = start(national)
    post(national, draft_id, "/fields", {"type": "text", "section": "section_1"})
    post(national, draft_id, "/fields/field_1/move", {"direction": "down"})
    assert labels(draft_id) == ["新しい文字(1行)の項目", "項目1"]
    post(national, draft_id, "/sections", {"title": "二つ目"})
    post(national, draft_id, "/fields/field_1/move", {"section": "section_2", "index": "0"})
    sections = draft_of(draft_id).document["sections"]
    assert [f["key"] for f in sections[1]["fields"]] == ["field_1"]


def test_a_change_on_a_stale_page_is_a_conflict_not_an_overwrite(app, national, make_user):
    draft_id = start(national)
    colleague = client_of(app, make_user(Role.secretariat, name="事務局 花子"))
    stale = draft_of(draft_id).revision
    post(colleague, draft_id, "/fields", {"type": "integer", "section": "section_1"})
    response = national.post(f"{BUILDER}/{draft_id}/fields/field_1", headers={"HX-Request": "1"},
                             data={"revision": stale, "field.key": "field_1",
                                   "field.label": "私の変更",
                                   "csrf_token": csrf_token(national, BUILDER)})
    assert response.status_code == 409
    assert "事務局 花子さんが変更しました" in text(response.get_data(as_text=True))
    assert labels(draft_id) == ["項目1", "新しい整数の項目"]


def test_undo_and_redo(national):
    draft_id = start(national)
    post(national, draft_id, "/fields", {"type": "integer", "section": "section_1"})
    response = post(national, draft_id, "/undo")
    assert "「整数の項目を追加」を元に戻しました" in text(response.get_data(as_text=True))
    assert labels(draft_id) == ["項目1"]
    post(national, draft_id, "/redo")
    assert len(labels(draft_id)) == 2


def test_logic_is_tried_with_sample_answers(national):
    draft_id = start(national)
    post(national, draft_id, "/fields", {"type": "text", "section": "section_1"})
    second = authoring.field_keys(draft_of(draft_id).document)[1]
    post(national, draft_id, f"/fields/{second}", {
        "field.key": second, "field.label": "理由", "field.visible_if": "field_1 > 10",
        "field.required_if": "field_1 > 20"})
    shown = post(national, draft_id, "/try", {"field": second, "f.field_1": "25"})
    assert "表示する" in text(shown.get_data(as_text=True))
    assert "必須" in text(shown.get_data(as_text=True))
    # The fields left empty are not reported: only what the sample answers say.
    assert "入力してください" not in text(shown.get_data(as_text=True))
    hidden = post(national, draft_id, "/try", {"field": second, "f.field_1": "3"})
    assert "表示しない" in text(hidden.get_data(as_text=True))


def test_expressions_are_checked_as_typed_and_keys_offered(national):
    draft_id = start(national)
    unknown = post(national, draft_id, "/check", {"expression_input": "field.visible_if",
                                                  "field.visible_if": "missing > 1"})
    assert "知らない項目キー「missing」" in text(unknown.get_data(as_text=True))
    broken = post(national, draft_id, "/check", {"expression_input": "field.visible_if",
                                                 "field.visible_if": "field_1 > ("})
    assert "括弧「(」が閉じていません" in text(broken.get_data(as_text=True))
    offered = post(national, draft_id, "/check", {"expression_input": "field.visible_if",
                                                  "field.visible_if": "fie"})
    assert 'data-complete="field_1"' in offered.get_data(as_text=True)
    too_long = post(national, draft_id, "/check", {"expression_input": "field.visible_if",
                                                   "field.visible_if": "1 + " * 2000 + "1"})
    assert too_long.status_code == 200 and "長すぎ" in text(too_long.get_data(as_text=True))


def test_the_preview_checks_what_is_typed_and_stores_nothing(national):
    draft_id = start(national)
    post(national, draft_id, "/fields/field_1", {"field.key": "field_1", "field.label": "病床",
                                                 "field.required": "1", "field.max": "10"})
    page = national.get(f"{BUILDER}/{draft_id}/preview?width=phone")
    assert page.status_code == 200 and 'name="f.field_1"' in page.get_data(as_text=True)
    checked = post(national, draft_id, "/preview", {"f.field_1": "99"})
    assert "10以下" in text(checked.get_data(as_text=True))
    assert session.query(SurveyVersion).count() == 0


def test_export_and_import_round_trip(national):
    draft_id = start(national)
    exported = national.get(f"{BUILDER}/{draft_id}/export")
    assert exported.headers["Content-Type"].startswith("application/x-yaml")
    document = yaml.safe_load(exported.get_data(as_text=True))
    assert document == draft_of(draft_id).document
    edited = exported.get_data(as_text=True).replace("項目1", "手で直した項目")
    response = post(national, draft_id, "/import",
                    {"file": (io.BytesIO(edited.encode()), "bed_check.yaml")})
    assert response.status_code == 200
    assert labels(draft_id) == ["手で直した項目"]
    bad = post(national, draft_id, "/import", {"file": (io.BytesIO(b"- a\n- list\n"), "x.yaml")})
    assert bad.status_code == 422 and "読み込めませんでした" in text(bad.get_data(as_text=True))


def test_a_draft_with_problems_is_not_sent_and_a_good_one_is(national):
    draft_id = start(national)
    # A choice without its choices: kept as a draft, listed as a problem, not sent.
    post(national, draft_id, "/fields/field_1/type", {"type": "single_choice"})
    page = text(national.get(f"{BUILDER}/{draft_id}?item=problems").get_data(as_text=True))
    assert "誤りが1件あります" in page
    refused = post(national, draft_id, "/publish")
    assert refused.status_code == 422
    assert "誤りがあるため、公開の手続きに進めません" in text(refused.get_data(as_text=True))
    draft_id = start(national, key="ready_survey", title="完成した調査")
    response = post(national, draft_id, "/publish", htmx=False)
    assert response.status_code == 303
    version = session.query(SurveyVersion).one()
    assert response.headers["Location"].endswith(f"/admin/surveys/versions/{version.id}")
    assert version.status == VersionStatus.draft and version.survey.key == "ready_survey"


def test_a_prefecture_survey_without_a_national_one_lists_why_it_is_not_sent(app, make_user):
    # A prefecture's version extends a published national survey; a blank one has none, and
    # the list of problems says so rather than "nothing to fix" next to a refusal.
    prefecture = client_of(app, make_user(Role.prefecture, prefecture_code="13"))
    draft_id = start(prefecture, key="tokyo_only")
    page = text(prefecture.get(f"{BUILDER}/{draft_id}?item=problems").get_data(as_text=True))
    assert "誤りが1件あります" in page
    assert "全国版の調査「tokyo_only」が公開されていないため、拡張できません" in page
    refused = post(prefecture, draft_id, "/publish")
    assert refused.status_code == 422 and draft_of(draft_id).version_id is None


def test_a_draft_the_same_as_the_version_in_force_is_not_sent(national):
    # Sent, it became the published version itself, "registered as a draft" to publish.
    version = versions.import_definition(yaml.safe_load(LOCKED_BEDS), field_types(),
                                         source="beds.yaml").version
    versions.publish(version, today_in_japan())
    session.commit()
    response = post_form(national, f"{BUILDER}/from-version",
                         {"version": version.id, "how": "new_version"}, page=BUILDER)
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    refused = post(national, draft_id, "/publish")
    assert refused.status_code == 409
    assert "公開中の版1と同じ内容です" in text(refused.get_data(as_text=True))
    assert draft_of(draft_id).version_id is None


def test_another_organisations_draft_is_not_found(app, national, make_user):
    draft_id = start(national)
    prefecture = client_of(app, make_user(Role.prefecture))
    assert prefecture.get(f"{BUILDER}/{draft_id}").status_code == 404
    facility = client_of(app, make_user(Role.facility))
    assert facility.get(BUILDER).status_code == 403


def test_a_prefecture_extends_a_national_survey_with_its_items_locked(app, make_user):
    national_version = versions.import_definition(
        yaml.safe_load(LOCKED_BEDS), field_types(),
        source="beds.yaml").version
    versions.publish(national_version, date(2026, 4, 1))
    prefecture = client_of(app, make_user(Role.prefecture, prefecture_code="13"))
    response = post_form(prefecture, f"{BUILDER}/from-version",
                         {"version": national_version.id, "how": "extension"}, page=BUILDER)
    assert response.status_code == 303
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = prefecture.get(f"{BUILDER}/{draft_id}?item=field:total").get_data(as_text=True)
    assert "全国共通の固定項目です" in page
    assert '<fieldset class="locked-settings" disabled>' in page  # shown, not offered
    refused = post(prefecture, draft_id, "/fields/total", {"field.key": "total",
                                                           "field.label": "変えた"})
    assert refused.status_code == 422
    assert "全国共通の固定項目のため、変更できません" in text(refused.get_data(as_text=True))
    added = post(prefecture, draft_id, "/fields", {"type": "text", "section": "s",
                                                   "after": "total"})
    assert added.status_code == 200 and len(labels(draft_id)) == 3
    assert re.search(r"版\d+", text(prefecture.get(BUILDER).get_data(as_text=True)))


def test_an_extension_without_locked_items_keeps_the_national_key(app, make_user):
    # The key was kept only while the national survey had locked items: without them a new
    # key, typed or from a file, made the extension another survey's (or none's).
    national_version = versions.import_definition(
        yaml.safe_load(LOCKED_BEDS.replace(", locked: true", "")), field_types(),
        source="beds.yaml").version
    versions.publish(national_version, today_in_japan())
    prefecture = client_of(app, make_user(Role.prefecture, prefecture_code="13"))
    response = post_form(prefecture, f"{BUILDER}/from-version",
                         {"version": national_version.id, "how": "extension"}, page=BUILDER)
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    before = draft_of(draft_id).document
    refused = post(prefecture, draft_id, "/survey", {
        "survey.key": "tokyo_beds", "survey.title": "病床", "survey.period.kind": "daily"})
    assert refused.status_code == 422
    assert "調査キーは全国版と同じです" in text(refused.get_data(as_text=True))
    other = LOCKED_BEDS.replace(", locked: true", "").replace("key: beds", "key: tokyo_beds")
    imported = prefecture.post(f"{BUILDER}/{draft_id}/import", headers={"HX-Request": "true"},
                               data={"revision": draft_of(draft_id).revision,
                                     "csrf_token": csrf_token(prefecture, BUILDER),
                                     "file": (io.BytesIO(other.encode()), "other.yaml")})
    assert imported.status_code == 422
    assert "調査キーは全国版と同じです" in text(imported.get_data(as_text=True))
    assert draft_of(draft_id).document == before


SURVEY_DEFS = sorted((Path(__file__).parents[2] / "gmis" / "survey_defs").glob("*.yaml"))


@pytest.mark.parametrize("path", SURVEY_DEFS, ids=lambda p: p.stem)
def test_every_built_in_definition_saved_unchanged_through_the_forms_is_the_same(national,
                                                                               path):
    """Each settings form of the builder, sent back as a browser sends it unchanged, keeps
    the definition as it was: nothing the format can say is lost by editing it here."""
    original = yaml.safe_load(path.read_text())
    response = post_form(national, f"{BUILDER}/upload",
                         {"file": (io.BytesIO(path.read_bytes()), path.name)}, page=BUILDER)
    assert response.status_code == 303
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    items = [("survey", "/survey")]
    items += [(f"section:{s['key']}", f"/sections/{s['key']}") for s in original["sections"]]
    items += [(f"field:{f['key']}", f"/fields/{f['key']}")
              for _, f in authoring.fields_of(original)]
    items += [(f"rule:{r['key']}", f"/rules/{r['key']}") for r in original.get("rules", [])]
    for item, action in items:
        html = national.get(f"{BUILDER}/{draft_id}?item={item}").get_data(as_text=True)
        sent = national.post(f"{BUILDER}/{draft_id}{action}",
                             data=form_fields(html, f"{draft_id}{action}"))
        refused = re.findall(r'class="errors"[^>]*>(.*?)</ul>', sent.get_data(as_text=True),
                             re.S)
        assert sent.status_code == 303, (item, refused)
        assert load_definition(draft_of(draft_id).document) == load_definition(original), item


def test_a_version_page_opens_the_next_version_in_the_builder(national):
    version = versions.import_definition(yaml.safe_load(LOCKED_BEDS), field_types(),
                                         source="beds.yaml").version
    session.commit()
    page = national.get(f"/admin/surveys/versions/{version.id}").get_data(as_text=True)
    assert "調査ビルダーでこの版をもとに新しい版を作る" in page
    response = post_form(national, f"{BUILDER}/from-version",
                         {"version": version.id, "how": "new_version"},
                         page=f"/admin/surveys/versions/{version.id}")
    assert response.status_code == 303
    draft = draft_of(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert draft.document == version.definition and draft.based_on_id == version.id


def test_only_a_prefecture_is_offered_to_extend(app, national, make_user):
    version = versions.import_definition(yaml.safe_load(LOCKED_BEDS), field_types(),
                                         source="beds.yaml").version
    versions.publish(version, date(2026, 4, 1))
    session.commit()
    assert "都道府県の版として拡張する" not in national.get(BUILDER).get_data(as_text=True)
    prefecture = client_of(app, make_user(Role.prefecture))
    assert "都道府県の版として拡張する" in prefecture.get(BUILDER).get_data(as_text=True)


def test_a_re_typed_field_with_last_periods_answers_gets_its_impact_report(national,
                                                                          make_facility):
    # The old version's answers of a field re-typed in the builder (a number, now text)
    # cannot be read as the new type: the report says who the change breaks, not a 500.
    version = versions.import_definition(yaml.safe_load(LOCKED_BEDS), field_types(),
                                         source="beds.yaml").version
    versions.publish(version, today_in_japan())
    facility = make_facility()
    session.add(SurveyResponse(
        survey_id=version.survey_id, version_id=version.id,
        respondent_key=f"facility:{facility.id}", facility_id=facility.id,
        prefecture_code="13", period_key=today_in_japan().isoformat(),
        period_start=today_in_japan(), status=ResponseStatus.submitted,
        answers={"total": 120, "note": "通常"}))
    session.commit()
    response = post_form(national, f"{BUILDER}/from-version",
                         {"version": version.id, "how": "new_version"}, page=BUILDER)
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post(national, draft_id, "/fields/note/type", {"type": "integer"})
    post(national, draft_id, "/fields/note", {"field.key": "note", "field.label": "備考"})
    assert post(national, draft_id, "/publish", htmx=False).status_code == 303
    sent = session.get(SurveyVersion, draft_of(draft_id).version_id)
    response = national.get(f"/admin/surveys/versions/{sent.id}")
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "公開したときの影響" in page and "項目「備考」(note)" in page
    assert "CSV出力の列「備考」" in page


def test_sample_answers_to_a_choice_are_chosen_and_the_preview_goes_section_by_section(national):
    draft_id = start(national)
    post(national, draft_id, "/fields/field_1/type", {"type": "yes_no"})
    post(national, draft_id, "/fields", {"type": "text", "section": "section_1"})
    second = authoring.field_keys(draft_of(draft_id).document)[1]
    post(national, draft_id, f"/fields/{second}", {
        "field.key": second, "field.label": "理由", "field.visible_if": "field_1 == true"})
    page = national.get(f"{BUILDER}/{draft_id}?item=field:{second}").get_data(as_text=True)
    assert '<select class="input narrow" id="try-field_1" name="f.field_1">' in page
    assert '<option value="yes">はい</option>' in page
    post(national, draft_id, "/sections", {"title": "二つ目"})
    post(national, draft_id, "/fields", {"type": "integer", "section": "section_2"})
    first = national.get(f"{BUILDER}/{draft_id}/preview").get_data(as_text=True)
    assert 'name="go" value="section_2">次へ' in first and ">前へ<" not in first
    moved = post(national, draft_id, "/preview", {"go": "section_2", "section": "section_1"})
    assert 'name="go" value="section_1">前へ' in moved.get_data(as_text=True)


def test_an_items_own_settings_survive_a_save_of_its_group(national):
    """A repeating group's item with options of its own ({max_length, placeholder}, shown as
    a mapping in one input) is the same after its group's settings are saved unchanged."""
    document = """
schema_version: 1
key: staff_list
title: 職員
period: {kind: ad_hoc}
sections:
  - key: s
    title: 職員
    fields:
      - key: staff
        type: repeating_group
        label: 職員
        options:
          fields:
            - key: name
              label: 氏名
              type: text
              options: {max_length: 50, placeholder: "例: 山田 'たろう'"}
"""
    started = post_form(national, f"{BUILDER}/upload",
                        {"file": (io.BytesIO(document.encode()), "staff.yaml")}, page=BUILDER)
    draft_id = int(started.headers["Location"].rsplit("/", 1)[1])
    before = draft_of(draft_id).document
    html = national.get(f"{BUILDER}/{draft_id}?item=field:staff").get_data(as_text=True)
    sent = national.post(f"{BUILDER}/{draft_id}/fields/staff",
                         data=form_fields(html, f"{draft_id}/fields/staff"))
    assert sent.status_code == 303
    assert load_definition(draft_of(draft_id).document) == load_definition(before)
