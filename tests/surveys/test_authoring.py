"""The survey builder's changes to a definition: each leaves the input alone, keeps the
document a definition the engine reads, and refuses what would break another item."""

from pathlib import Path

import pytest
import yaml

from gmis.surveys.engine import authoring, limits
from gmis.surveys.engine.authoring import EditRefused
from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import load_definition, parse_definition
from gmis.surveys.engine.registry import build_registry

SURVEY_DEFS = sorted((Path(__file__).parents[2] / "gmis" / "survey_defs").glob("*.yaml"))

BEDS = {
    "schema_version": 1, "key": "beds", "title": "病床", "period": {"kind": "daily"},
    "sections": [
        {"key": "counts", "title": "病床数", "fields": [
            {"key": "beds", "type": "integer", "label": "稼働病床数"},
            {"key": "vacant_beds", "type": "integer", "label": "空床数",
             "visible_if": "beds != null && beds > 0"},
            {"key": "used", "type": "integer", "label": "使用中", "compute": "beds - vacant_beds"},
        ]},
        {"key": "notes", "title": "備考", "fields": [
            {"key": "note", "type": "text", "label": "備考",
             "required_if": 'respondent.type == "hospital" && note_kind == "beds"'},
            {"key": "note_kind", "type": "text", "label": "備考の種類"},
        ]},
    ],
    "rules": [{"key": "vacant_le_beds", "expression": "vacant_beds <= beds",
               "message": "空床数は稼働病床数以下にしてください。", "fields": ["vacant_beds"]}],
}


def compiles(document):
    return compile_survey(load_definition(document), build_registry())


def keys(document):
    return [[f["key"] for f in s["fields"]] for s in document["sections"]]


# --- what expressions read ---------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "names"), [
    ("beds > 0", {"beds"}),
    ("rows.all(r, r.stock > limit)", {"rows", "limit"}),
    ('size(beds) > 0 && "beds" == respondent.type', {"beds", "respondent"}),
    ("supplies.n95.stock >= 100", {"supplies"}),
    ("a ? b : c", {"a", "b", "c"}),
    ("", set()),
    (None, set()),
    ("beds > 'unterminated", set()),
])
def test_names_in_an_expression(expression, names):
    assert authoring.names_in(expression) == names


def test_renaming_in_an_expression_changes_only_the_variable():
    assert (authoring.rename_in('beds+vacant_beds>0 && x.beds == "beds" && beds.size() > 1',
                                "beds", "stock")
            == 'stock+vacant_beds>0 && x.beds == "beds" && stock.size() > 1')


def test_who_reads_a_field():
    assert [r.describe() for r in authoring.dependents(BEDS, "vacant_beds")] == [
        "項目「使用中」の計算式",
        "ルール「空床数は稼働病床数以下にしてください。」の条件式",
        "ルール「空床数は稼働病床数以下にしてください。」のルールの表示先",
    ]
    assert authoring.depends_on(BEDS, "used") == ["beds", "vacant_beds"]
    assert authoring.depends_on(BEDS, "note") == ["note_kind"]


# --- structure ---------------------------------------------------------------------------------

def test_changes_leave_the_input_as_it_was():
    before = yaml.safe_dump(BEDS)
    authoring.add_field(BEDS, "counts", "integer", "新しい項目")
    authoring.rename_field(BEDS, "beds", "stock")
    authoring.move_field(BEDS, "note", -1)
    authoring.delete_rule(BEDS, "vacant_le_beds")
    assert yaml.safe_dump(BEDS) == before


def test_added_field_gets_a_free_key_after_the_one_chosen():
    document, key = authoring.add_field(BEDS, "counts", "integer", "重症病床数", after="beds")
    assert keys(document)[0] == ["beds", key, "vacant_beds", "used"]
    assert key not in authoring.field_keys(BEDS)
    compiles(document)


def test_renaming_a_field_rewrites_everything_that_reads_it():
    document = authoring.rename_field(BEDS, "vacant_beds", "vacant")
    fields = {f["key"]: f for _, f in authoring.fields_of(document)}
    assert fields["used"]["compute"] == "beds - vacant"
    assert document["rules"][0] == {"key": "vacant_le_beds", "expression": "vacant <= beds",
                                    "message": "空床数は稼働病床数以下にしてください。",
                                    "fields": ["vacant"]}
    compiles(document)


@pytest.mark.parametrize(("new_key", "message"), [
    ("beds", "キー「beds」はこの定義ですでに使われています。"),
    ("counts", "キー「counts」はこの定義ですでに使われています。"),
    ("Beds", "キーは英小文字で始まり"),
    ("", "キーは英小文字で始まり"),
])
def test_renaming_to_a_bad_key_is_refused(new_key, message):
    with pytest.raises(EditRefused) as refused:
        authoring.rename_field(BEDS, "vacant_beds", new_key)
    assert str(refused.value).startswith(message)
    assert refused.value.key == new_key


def test_deleting_a_field_that_others_read_lists_them():
    with pytest.raises(EditRefused) as refused:
        authoring.delete_field(BEDS, "beds")
    assert str(refused.value) == (
        "この項目は項目「空床数」の表示条件、項目「使用中」の計算式、"
        "ルール「空床数は稼働病床数以下にしてください。」の条件式で使われているため、"
        "削除できません。先にそちらを変更してください。")


def test_a_field_nobody_reads_is_deleted():
    document = authoring.delete_field(BEDS, "used")
    assert keys(document)[0] == ["beds", "vacant_beds"]


def test_moving_past_the_end_of_a_section_goes_into_the_next():
    down = authoring.move_field(BEDS, "used", +1)
    assert keys(down) == [["beds", "vacant_beds"], ["used", "note", "note_kind"]]
    back = authoring.move_field(down, "used", -1)
    assert keys(back) == keys(BEDS)
    assert keys(authoring.move_field(BEDS, "beds", -1)) == keys(BEDS)  # first stays first


def test_moving_a_field_to_a_place():
    moved = authoring.move_field_to(BEDS, "note_kind", "counts", 1)
    assert keys(moved) == [["beds", "note_kind", "vacant_beds", "used"], ["note"]]
    assert keys(authoring.move_field_to(BEDS, "beds", "notes", 99))[1] == [
        "note", "note_kind", "beds"]


def test_duplicating_a_field():
    document, key = authoring.duplicate_field(BEDS, "vacant_beds")
    assert key == "vacant_beds_copy"
    copied = document["sections"][0]["fields"][2]
    assert copied["label"] == "空床数(コピー)" and copied["visible_if"] == BEDS[
        "sections"][0]["fields"][1]["visible_if"]
    compiles(document)


def test_sections_are_added_moved_and_deleted():
    document, key = authoring.add_section(BEDS, "重症", after="counts")
    assert [s["key"] for s in document["sections"]] == ["counts", key, "notes"]
    document = authoring.move_section(document, "notes", -1)
    assert [s["key"] for s in document["sections"]] == ["counts", "notes", key]
    assert [s["key"] for s in authoring.delete_section(document, key)["sections"]] == [
        "counts", "notes"]


def test_a_section_whose_fields_are_read_elsewhere_is_not_deleted():
    with pytest.raises(EditRefused) as refused:
        authoring.delete_section(BEDS, "counts")
    assert "このセクションの項目は" in str(refused.value)
    assert "項目「空床数」" not in str(refused.value)  # read inside the section itself


def test_the_last_section_is_not_deleted():
    only = authoring.blank("one", "一つ")
    with pytest.raises(EditRefused, match="セクションが1つ以上必要です"):
        authoring.delete_section(only, "section_1")


def test_locked_national_items_are_not_changed_renamed_or_deleted():
    locked = frozenset({"beds"})
    for change in (lambda: authoring.update_field(BEDS, "beds", {"label": "x"}, locked),
                   lambda: authoring.rename_field(BEDS, "beds", "stock", locked),
                   lambda: authoring.change_type(BEDS, "beds", "decimal", locked),
                   lambda: authoring.delete_field(BEDS, "beds", locked)):
        with pytest.raises(EditRefused, match="「稼働病床数」は全国共通の固定項目のため"):
            change()
    # ... but may be moved, as the format allows, and the prefecture's own items go around them
    assert keys(authoring.move_field(BEDS, "beds", +1))[0][1] == "beds"


def test_a_field_as_another_type_loses_the_old_types_settings():
    document = authoring.change_type(BEDS, "note", "single_choice")
    note = document["sections"][1]["fields"][0]
    assert note["type"] == "single_choice" and "choices" not in note


def test_updating_a_setting_to_none_removes_it():
    document = authoring.update_field(BEDS, "vacant_beds", {"visible_if": None, "unit": "床"})
    item = document["sections"][0]["fields"][1]
    assert "visible_if" not in item and item["unit"] == "床"


def test_rules_are_added_changed_and_deleted():
    document, key = authoring.add_rule(BEDS, "used >= 0", "使用中は0以上です。", ["used"])
    assert document["rules"][-1] == {"key": key, "expression": "used >= 0",
                                     "message": "使用中は0以上です。", "fields": ["used"]}
    document = authoring.update_rule(document, key, "used > 0", "使用中は1以上です。")
    assert "fields" not in document["rules"][-1]
    assert len(authoring.delete_rule(document, key)["rules"]) == 1


def test_a_missing_item_is_refused_not_an_error():
    with pytest.raises(EditRefused, match="ほかの人が削除した可能性があります"):
        authoring.update_field(BEDS, "gone", {"label": "x"})


def test_a_rule_of_a_survey_without_rules_is_refused_not_an_error():
    # A stale page (or a hand-made request) names a rule of a draft that has none left.
    blank = authoring.blank("beds", "病床")
    for change in (lambda: authoring.update_rule(blank, "rule_1", "true", "確認"),
                   lambda: authoring.delete_rule(blank, "rule_1")):
        with pytest.raises(EditRefused, match="ルール「rule_1」はこの定義にありません"):
            change()


def test_a_section_of_a_survey_without_sections_is_refused_not_an_error():
    # A file read into a draft may have no sections yet (its problems are listed).
    bare = {"key": "beds", "title": "病床"}
    for change in (lambda: authoring.add_field(bare, "s", "integer", "病床数"),
                   lambda: authoring.update_section(bare, "s", "病床", ""),
                   lambda: authoring.move_section(bare, "s", 1)):
        with pytest.raises(EditRefused, match="セクション「s」はこの定義にありません"):
            change()


def test_a_full_section_takes_no_field_by_duplicating_or_moving(monkeypatch):
    # Adding and dragging into a full section were refused; duplicating in it and moving
    # into it past the end of the section before or after grew it past the format's limit.
    monkeypatch.setattr(limits, "MAX_FIELDS_PER_SECTION", 2)
    for change in (lambda: authoring.duplicate_field(BEDS, "note"),
                   lambda: authoring.move_field(BEDS, "note", -1),
                   lambda: authoring.move_field(BEDS, "used", 1),
                   lambda: authoring.move_field_to(BEDS, "beds", "notes", 0)):
        with pytest.raises(EditRefused, match="1つのセクションの項目は2個までです"):
            change()
    assert authoring.move_field(BEDS, "vacant_beds", 1) != BEDS  # within a section: fine


def test_a_blank_survey_is_a_definition():
    compiles(authoring.blank("new_survey", "新しい調査"))


# --- the file ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SURVEY_DEFS, ids=lambda p: p.stem)
def test_every_built_in_definition_round_trips(path):
    document = yaml.safe_load(path.read_text())
    exported = authoring.to_yaml(document)
    assert yaml.safe_load(exported) == document
    assert parse_definition(exported, path.name) == load_definition(document, path.name)
    # Exporting again gives the same text: diffs between exports show only real changes.
    assert authoring.to_yaml(yaml.safe_load(exported)) == exported


def test_export_puts_keys_in_the_documented_order():
    shuffled = {"sections": BEDS["sections"], "period": BEDS["period"], "title": "病床",
                "key": "beds", "schema_version": 1}
    lines = [line for line in authoring.to_yaml(shuffled).splitlines() if not line[0].isspace()]
    assert [line.split(":")[0] for line in lines] == [
        "schema_version", "key", "title", "period", "sections"]
    field = authoring.to_yaml(BEDS).split("- key: vacant_beds")[1].splitlines()[1:3]
    assert [line.strip().split(":")[0] for line in field] == ["type", "label"]
