"""Survey builder drafts in the database: whose they are, every change kept at once, undo and
redo, two people on one draft, and a draft sent to publishing as a version."""

import json
from datetime import date

import pytest
import yaml

from gmis.db import session
from gmis.models import AuditEvent, DraftOrigin, Role, SurveyDraftStep, VersionStatus
from gmis.refusals import Kind, Refused
from gmis.surveys.engine import authoring
from gmis.surveys.engine.authoring import EditRefused
from gmis.surveys.engine.definition import SectionSchema
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.runtime import field_types
from gmis.surveys.store import drafts, versions
from tests.fixtures.surveys import LOCKED_BEDS

NATIONAL = LOCKED_BEDS


@pytest.fixture
def national_user(make_user):
    return make_user(Role.national)


@pytest.fixture
def published_national():
    version = versions.import_definition(yaml.safe_load(NATIONAL), field_types(),
                                         source="beds.yaml").version
    versions.publish(version, date(2026, 4, 1))
    return version


def add_field(draft, user, label="重症病床数"):
    return drafts.change(draft, draft.revision,
                         lambda d: authoring.add_field(d, "section_1", "integer", label)[0],
                         f"項目「{label}」を追加", user)


def test_a_blank_draft_belongs_to_the_organisation(national_user, make_user):
    draft = drafts.start_blank(national_user, "new_survey", "新しい調査", "weekly")
    assert draft.origin == DraftOrigin.blank and draft.prefecture_code is None
    assert draft.document["period"] == {"kind": "weekly"}
    colleague = make_user(Role.secretariat)
    assert drafts.drafts_of(colleague) == [draft]
    assert drafts.draft_for(colleague, draft.id) is draft
    prefecture = make_user(Role.prefecture)
    assert drafts.drafts_of(prefecture) == []
    with pytest.raises(Refused) as refused:
        drafts.draft_for(prefecture, draft.id)
    assert refused.value.kind == Kind.NOT_FOUND


def test_those_who_do_not_manage_surveys_build_none(make_user):
    with pytest.raises(Refused, match="調査を作成する権限がありません"):
        drafts.start_blank(make_user(Role.facility), "mine", "私の調査", "daily")


def test_a_new_survey_may_not_take_an_existing_key(national_user, published_national):
    with pytest.raises(Refused) as refused:
        drafts.start_blank(national_user, "beds", "病床", "daily")
    assert refused.value.kind == Kind.INVALID and "すでにあります" in str(refused.value)


def test_every_change_is_a_step_that_undo_and_redo_walk(national_user):
    draft = drafts.start_blank(national_user, "steps", "手順", "daily")
    add_field(draft, national_user, "一つ目")
    add_field(draft, national_user, "二つ目")
    assert [f["label"] for _, f in authoring.fields_of(draft.document)] == [
        "項目1", "一つ目", "二つ目"]
    assert drafts.undo(draft, draft.revision, national_user) == "項目「二つ目」を追加"
    assert drafts.undo(draft, draft.revision, national_user) == "項目「一つ目」を追加"
    assert [f["label"] for _, f in authoring.fields_of(draft.document)] == ["項目1"]
    with pytest.raises(Refused, match="これ以上元に戻せません"):
        drafts.undo(draft, draft.revision, national_user)
    assert drafts.redo(draft, draft.revision, national_user) == "項目「一つ目」を追加"
    assert len(list(authoring.fields_of(draft.document))) == 2
    # A new change after undo drops what could have been redone.
    add_field(draft, national_user, "三つ目")
    with pytest.raises(Refused, match="やり直す操作がありません"):
        drafts.redo(draft, draft.revision, national_user)
    session.expire_all()
    stored = drafts.draft_for(national_user, draft.id)
    assert [f["label"] for _, f in authoring.fields_of(stored.document)] == [
        "項目1", "一つ目", "三つ目"]


def test_a_change_made_on_an_older_revision_is_refused(national_user, make_user):
    draft = drafts.start_blank(national_user, "shared", "共有", "daily")
    shown = draft.revision
    colleague = make_user(Role.secretariat, name="事務局 花子")
    add_field(draft, colleague)
    with pytest.raises(Refused) as refused:
        drafts.change(draft, shown, lambda d: d, "何か", national_user)
    assert refused.value.kind == Kind.CONFLICT
    assert "事務局 花子さんが変更しました" in str(refused.value)
    assert len(list(authoring.fields_of(draft.document))) == 2  # the colleague's change stays


def test_a_refused_edit_changes_nothing(national_user):
    draft = drafts.start_blank(national_user, "refusal", "拒否", "daily")
    revision = draft.revision
    with pytest.raises(EditRefused):
        drafts.change(draft, revision, lambda d: authoring.delete_section(d, "section_1"),
                      "削除", national_user)
    assert draft.revision == revision
    assert session.query(SurveyDraftStep).filter_by(draft_id=draft.id).count() == 1


def test_history_is_bounded(national_user, monkeypatch):
    monkeypatch.setattr(drafts, "HISTORY_KEPT", 3)
    draft = drafts.start_blank(national_user, "bounded", "上限", "daily")
    for number in range(5):
        add_field(draft, national_user, f"項目{number}")
    numbers = [s.number for s in session.query(SurveyDraftStep).filter_by(draft_id=draft.id)
               .order_by(SurveyDraftStep.number)]
    assert numbers == [4, 5, 6]


def test_the_history_of_a_large_draft_is_bounded_by_its_size(national_user, monkeypatch):
    # Each step holds the whole document: 200 steps of a 1 MB draft would be 200 MB.
    draft = drafts.start_blank(national_user, "large", "大きな調査", "daily")
    rows = [{"key": f"row_{n}", "label": "行" * 100} for n in range(300)]
    drafts.change(draft, draft.revision, lambda d: authoring.update_field(
        d, "field_1", {"type": "table", "options": {"rows": rows}}), "行", national_user)
    monkeypatch.setattr(drafts, "HISTORY_BYTES", 4 * len(json.dumps(
        draft.document, ensure_ascii=False).encode()))
    for number in range(6):
        add_field(draft, national_user, f"項目{number}")
    assert session.query(SurveyDraftStep).filter_by(draft_id=draft.id).count() == 3
    assert drafts.can_undo(draft)


def test_an_extension_keeps_the_national_locked_items(published_national, make_user):
    prefecture = make_user(Role.prefecture, prefecture_code="13")
    draft = drafts.start_extension(prefecture, published_national)
    assert draft.prefecture_code == "13" and drafts.locked_keys(draft) == {"total"}
    assert drafts.problems(draft, field_types()) == []
    # The same document, changed by hand (a file imported into it), is held to them too.
    draft.document = authoring.update_field(draft.document, "total", {"label": "全病床"})
    assert [p.message for p in drafts.problems(draft, field_types())] == [
        "全国共通の固定項目「病床数」は変更できません(変更された属性: 項目名)。"]


def test_only_a_published_national_version_is_extended(national_user, make_user):
    draft = versions.import_definition(yaml.safe_load(NATIONAL), field_types(),
                                       source="beds.yaml").version
    with pytest.raises(Refused, match="公開中の全国版からのみ"):
        drafts.start_extension(make_user(Role.prefecture), draft)


def test_a_copy_is_another_survey_with_nothing_locked(national_user, published_national):
    draft = drafts.start_copy(national_user, published_national, "beds_copy", "病床(写し)")
    assert draft.survey_key == "beds_copy" and draft.title == "病床(写し)"
    assert not any(f.get("locked") for _, f in authoring.fields_of(draft.document))


def test_a_draft_with_problems_is_kept_but_not_sent(national_user):
    draft = drafts.start_blank(national_user, "broken", "壊れた調査", "daily")
    draft = drafts.change(draft, draft.revision, lambda d: authoring.change_type(
        d, "field_1", "single_choice"), "種類を変更", national_user)
    problems = drafts.problems(draft, field_types())
    assert problems and problems[0].path.startswith("sections[0].fields[0]")
    with pytest.raises(DefinitionError):
        drafts.send_to_publishing(draft, draft.revision, field_types(), national_user)
    assert draft.version_id is None


def test_a_draft_sent_to_publishing_is_a_version_and_changes_no_more(national_user):
    draft = drafts.start_blank(national_user, "ready", "完成", "daily")
    version = drafts.send_to_publishing(draft, draft.revision, field_types(), national_user)
    assert version.status == VersionStatus.draft and version.definition == draft.document
    assert version.source_name == "調査ビルダー: 完成"
    assert drafts.drafts_of(national_user) == []
    with pytest.raises(Refused, match="すでに公開の手続きに進んでいる"):
        add_field(draft, national_user)
    actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["survey.draft_started", "survey.version_imported", "survey.draft_sent"]


def test_a_file_becomes_a_draft_even_with_mistakes(national_user):
    text = NATIONAL.replace("type: text", "type: no_such_type")
    draft = drafts.start_from_file(national_user, text, "beds.yaml", field_types())
    assert draft.origin == DraftOrigin.upload and draft.survey_key == "beds"
    assert any("no_such_type" in p.message for p in drafts.problems(draft, field_types()))


def test_a_file_that_is_no_definition_is_refused(national_user):
    with pytest.raises(DefinitionError):
        drafts.start_from_file(national_user, "- just\n- a list\n", "list.yaml",
                                field_types())
    with pytest.raises(DefinitionError):
        drafts.start_from_file(national_user, "title: no key\n", "nokey.yaml",
                                field_types())


@pytest.mark.parametrize("shape, path", [
    ("sections: abc", "sections"),
    ("sections: [1]", "sections[0]"),
    ("sections: [{key: s, title: s, fields: [1]}]", "sections[0].fields[0]"),
    ("sections: [{key: s, title: s, fields: [{key: [f], type: text, label: x}]}]",
     "sections[0].fields[0].key"),
    ("sections: [{key: s, title: s, fields: [{key: f, type: single_choice, label: x,"
     " choices: abc}]}]", "sections[0].fields[0].choices"),
    ("sections: [{key: s, title: s, fields: [{key: f, type: table, label: x,"
     " options: {rows: abc, columns: [1]}}]}]", "sections[0].fields[0].options.rows"),
    ("rules: [1]", "rules[0]"),
])
def test_a_file_of_another_shape_is_refused_with_where(national_user, shape, path):
    # The editor walks a draft by the format's shape: a file whose sections are a string
    # (or a field a number) would be a draft that no page of the builder can show.
    with pytest.raises(DefinitionError) as refused:
        drafts.start_from_file(national_user, f"key: odd\ntitle: 形が違う\n{shape}\n",
                               "odd.yaml", field_types())
    assert path in [p.path for p in refused.value.problems]


@pytest.mark.parametrize("value, reason", [("9" * 5000, "数値の桁が多すぎます"),
                                           ("2026-13-45", "日付として正しくありません"),
                                           ("0x" + "f" * 5000, "数値の桁が多すぎます"),
                                           (":".join(["59"] * 3000), "数値の桁が多すぎます"),
                                           ("9" * 101, "数値の桁が多すぎます(100桁まで)")])
@pytest.mark.parametrize("as_json", [False, True])
def test_a_value_python_cannot_build_is_refused_in_japanese(national_user, value, reason,
                                                            as_json):
    # The readers build numbers with int() and dates with date(), whose ValueError is
    # neither a YAML nor a JSON error; and a number YAML reads at any length (0x...) could
    # not be stored.
    if as_json and not value.isdigit():
        return  # JSON has no dates, nor hexadecimal or sexagesimal numbers
    text = (f'{{"key": "odd", "title": "t", "period": {{"kind": "daily", "backfill_periods":'
            f' {value}}}}}' if as_json else
            f"key: odd\ntitle: t\nperiod: {{kind: daily, backfill_periods: {value}}}\n")
    with pytest.raises(DefinitionError) as refused:
        drafts.start_from_file(national_user, text, "odd.json" if as_json else "odd.yaml",
                               field_types())
    assert reason in str(refused.value.problems[0])


def test_a_large_field_changed_over_and_over_is_not_remembered_past_a_bound(national_user,
                                                                              monkeypatch):
    # Checking a draft after each change remembers the fields it loaded; a table of
    # thousands of rows edited again and again must not keep every version of it.
    remembered = type(SectionSchema().fields["fields"].inner)
    monkeypatch.setattr(remembered, "KEPT_CHARACTERS", 500_000)
    draft = drafts.start_blank(national_user, "stock", "在庫", "daily")
    for n in range(12):
        rows = [{"key": f"row_{i}", "label": f"物資{n}-{i}" * 20} for i in range(600)]
        drafts.change(draft, draft.revision, lambda d, rows=rows: authoring.update_field(
            d, "field_1", {"type": "table", "options": {"rows": rows}}), "行", national_user)
        drafts.problems(draft, field_types())
    assert sum(len(key) for key in remembered._loaded) <= 500_000


def test_a_draft_is_held_to_the_size_of_a_definition_file(national_user):
    draft = drafts.start_blank(national_user, "huge", "大きすぎる", "daily")
    rows = [{"key": f"row_{n}", "label": "行" * 200} for n in range(3000)]
    with pytest.raises(EditRefused, match="定義が大きすぎます"):
        drafts.change(draft, draft.revision, lambda d: authoring.update_field(
            d, "field_1", {"options": {"rows": rows}}), "大きな変更", national_user)
    assert draft.revision == 1
