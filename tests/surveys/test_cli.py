"""``flask surveys import|validate|list``: all files checked first, nothing half-imported."""

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from gmis.db import session
from gmis.models import Survey, SurveyVersion, VersionStatus
from gmis.surveys.store.versions import version_in_force

WARDS = """
schema_version: 1
key: ward_status
title: 病棟状況
period: {kind: daily, due_time: "13:00"}
sections:
  - key: wards
    title: 病棟
    fields:
      - {key: wards, type: integer, label: 病棟数, min: 0, locked: true}
      - {key: note, type: text, label: 備考}
"""

STAFF = """
{"schema_version": 1, "key": "staff_count", "title": "職員数", "period": {"kind": "ad_hoc"},
 "sections": [{"key": "s", "title": "職員", "fields": [
   {"key": "doctors", "type": "integer", "label": "医師数"}]}]}
"""

BROKEN = {
    "a_bad_yaml.yaml": "schema_version: 1\nkey: [unclosed\n",
    "b_unknown_type.yaml": WARDS.replace("key: ward_status", "key: kind_of_field")
                               .replace("type: text", "type: colour"),
    "c_missing_field.yml": WARDS.replace("key: ward_status", "key: rule_field") + (
        "rules:\n  - {key: r, expression: wards >= 0, message: 負の数です, fields: [beds]}\n"),
    "d_cycle.json": ('{"schema_version": 1, "key": "cycle", "title": "循環", '
                     '"period": {"kind": "ad_hoc"}, "sections": [{"key": "s", "title": "S", '
                     '"fields": [{"key": "a", "type": "integer", "label": "A", "compute": "b + 1"},'
                     ' {"key": "b", "type": "integer", "label": "B", "compute": "a + 1"}]}]}'),
}


def write(folder, files: dict[str, str | bytes]):
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def versions_of(key: str) -> list[SurveyVersion]:
    return list(session.scalars(sa.select(SurveyVersion).join(Survey).where(Survey.key == key)
                                .order_by(SurveyVersion.number)))


def survey(key: str) -> Survey:
    return session.scalars(sa.select(Survey).where(Survey.key == key)).one()


def test_import_a_file_as_a_draft_and_the_same_file_again_is_unchanged(runner, tmp_path):
    path = write(tmp_path / "defs", {"wards.yaml": WARDS}) / "wards.yaml"
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "ward_status 版1(全国)を取り込みました。下書きです" in result.output
    (version,) = versions_of("ward_status")
    assert version.status == VersionStatus.draft and version.source_name == "wards.yaml"

    again = runner.invoke(args=["surveys", "import", str(path)])
    assert again.exit_code == 0, again.output
    assert "変更なし(ward_status 版1(全国)と同じ内容です)" in again.output
    assert len(versions_of("ward_status")) == 1


def test_import_a_folder_and_publish_it(runner, tmp_path):
    folder = write(tmp_path / "defs", {"wards.yaml": WARDS, "staff.json": STAFF,
                                       "README.md": "not a definition"})
    result = runner.invoke(args=["surveys", "import", str(folder), "--publish",
                                 "--effective-from", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "2026-04-01から公開しました" in result.output
    for key in ("ward_status", "staff_count"):
        (version,) = versions_of(key)
        assert version.status == VersionStatus.published
        assert version_in_force(survey(key), "13", date(2026, 4, 1)) == version
        assert version_in_force(survey(key), "13", date(2026, 3, 31)) is None


def test_a_changed_file_makes_a_new_version(runner, tmp_path):
    folder = write(tmp_path / "defs", {"wards.yaml": WARDS})
    runner.invoke(args=["surveys", "import", str(folder), "--publish"])
    write(folder, {"wards.yaml": WARDS.replace("label: 備考", "label: 備考欄")})
    result = runner.invoke(args=["surveys", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert [v.status for v in versions_of("ward_status")] == [VersionStatus.published,
                                                              VersionStatus.draft]


def test_a_broken_folder_imports_nothing_and_names_every_problem(runner, tmp_path):
    folder = write(tmp_path / "defs", {**BROKEN, "wards.yaml": WARDS})
    result = runner.invoke(args=["surveys", "import", str(folder), "--publish"])
    assert result.exit_code == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0
    lines = result.stderr.splitlines()
    assert lines[-1] == "誤りがあるため、1件も取り込んでいません。"
    expected = [
        (f"{folder}/a_bad_yaml.yaml: ", "YAML/JSONとして読めません"),
        (f"{folder}/b_unknown_type.yaml: ", "sections[0].fields[1].type: "
         "項目の種類「colour」はありません。"),
        (f"{folder}/c_missing_field.yml: ", "rules[0].fields: 知らない項目キー「beds」です。"),
        (f"{folder}/d_cycle.json: 1行目 ", "列 sections[0].fields[0].compute: 計算項目が循環"),
    ]
    for start, reason in expected:
        assert any(line.startswith(start) and reason in line for line in lines), (start, lines)
    assert not any("wards.yaml" in line for line in lines)


def test_validate_reports_the_same_problems_and_writes_nothing(runner, tmp_path):
    folder = write(tmp_path / "defs", BROKEN)
    result = runner.invoke(args=["surveys", "validate", str(folder)])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) >= 4
    assert "取り込んでいません" not in result.stderr

    good = write(tmp_path / "good", {"wards.yaml": WARDS, "staff.json": STAFF})
    result = runner.invoke(args=["surveys", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert f"{good}/wards.yaml: ward_status OK" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0


def test_files_that_cannot_be_read(runner, tmp_path):
    folder = write(tmp_path / "defs", {"sjis.yaml": WARDS.replace("病棟状況", "病棟").encode(
        "cp932"), "list.yaml": "- 1\n- 2\n"})
    result = runner.invoke(args=["surveys", "validate", str(folder)])
    assert result.exit_code == 1
    assert f"{folder}/sjis.yaml: " in result.stderr and "UTF-8として読めません" in result.stderr
    assert f"{folder}/list.yaml: 定義の最上位はキーと値の組(マッピング)です。" in result.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(args=["surveys", "validate", str(empty)])
    assert result.exit_code == 1 and "ファイル(*.yaml, *.yml, *.json)がありません" in result.stderr


def test_two_files_of_one_survey_are_refused(runner, tmp_path):
    folder = write(tmp_path / "defs", {"a.yaml": WARDS, "b.yaml": WARDS.replace("備考", "メモ")})
    result = runner.invoke(args=["surveys", "import", str(folder)])
    assert result.exit_code == 1
    assert f"{folder}/b.yaml: key: 調査キー「ward_status」は {folder}/a.yaml と同じです" in (
        result.stderr)


def test_yaml_dates_are_stored_as_text(runner, tmp_path):
    folder = write(tmp_path / "defs", {"wards.yaml": WARDS.replace(
        "label: 備考}", "label: 備考, default: 2026-04-01}")})
    result = runner.invoke(args=["surveys", "import", str(folder)])
    assert result.exit_code == 0, result.output
    (version,) = versions_of("ward_status")
    assert version.definition["sections"][0]["fields"][1]["default"] == "2026-04-01"


def test_a_prefecture_extends_the_national_version(runner, tmp_path):
    national = write(tmp_path / "national", {"wards.yaml": WARDS})
    runner.invoke(args=["surveys", "import", str(national), "--publish",
                        "--effective-from", "2026-04-01"])
    extra = "\n      - {key: tokyo_beds, type: integer, label: 都独自病床}"
    extended = write(tmp_path / "tokyo", {"wards.yaml": WARDS.replace(
        "label: 備考}", "label: 備考}" + extra)})
    result = runner.invoke(args=["surveys", "import", str(extended), "--prefecture", "13",
                                 "--publish", "--effective-from", "2026-05-01"])
    assert result.exit_code == 0, result.output
    assert "ward_status 版2(東京都)を取り込みました" in result.output
    national_version, tokyo = versions_of("ward_status")
    assert tokyo.base_version == national_version
    assert version_in_force(survey("ward_status"), "13", date(2026, 5, 1)) == tokyo
    assert version_in_force(survey("ward_status"), "27", date(2026, 5, 1)) == national_version


def test_a_prefecture_may_not_change_a_locked_item(runner, tmp_path):
    national = write(tmp_path / "national", {"wards.yaml": WARDS})
    runner.invoke(args=["surveys", "import", str(national), "--publish"])
    changed = write(tmp_path / "osaka",
                    {"wards.yaml": WARDS.replace("label: 病棟数", "label: 棟数")})
    result = runner.invoke(args=["surveys", "import", str(changed), "--prefecture", "27"])
    assert result.exit_code == 1
    # Found after the file was read, and still placed in it.
    assert (f"{changed}/wards.yaml: 10行目 9列 sections[0].fields[0]: 全国共通の固定項目「病棟数」"
            "は変更できません(変更された属性: 項目名)。") in result.stderr
    assert len(versions_of("ward_status")) == 1


def test_options_are_checked(runner, tmp_path):
    folder = write(tmp_path / "defs", {"wards.yaml": WARDS})
    result = runner.invoke(args=["surveys", "import", str(folder), "--effective-from",
                                 "2026-04-01"])
    assert result.exit_code == 2 and "--publish" in result.output
    result = runner.invoke(args=["surveys", "import", str(folder), "--prefecture", "48"])
    assert result.exit_code == 2 and "都道府県コード「48」はありません" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0


def test_list_shows_versions_with_scope_status_and_date(runner, tmp_path):
    assert "調査はまだありません。" in runner.invoke(args=["surveys", "list"]).output
    folder = write(tmp_path / "defs", {"wards.yaml": WARDS})
    runner.invoke(args=["surveys", "import", str(folder), "--publish", "--effective-from",
                        "2026-04-01"])
    write(folder, {"wards.yaml": WARDS.replace("備考", "メモ")})
    runner.invoke(args=["surveys", "import", str(folder)])
    result = runner.invoke(args=["surveys", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "ward_status  病棟状況"
    assert lines[1].split()[:4] == ["版1", "全国", "公開中", "2026-04-01〜"]
    assert lines[2].split()[:4] == ["版2", "全国", "下書き", "-"]


def test_an_extension_that_cannot_be_published_is_not_imported_either(runner, tmp_path):
    national = write(tmp_path / "national", {"wards.yaml": WARDS})
    runner.invoke(args=["surveys", "import", str(national), "--publish",
                        "--effective-from", "2026-04-01"])
    result = runner.invoke(args=["surveys", "import", str(national / "wards.yaml"),
                                 "--prefecture", "13", "--publish",
                                 "--effective-from", "2026-03-01"])
    assert result.exit_code == 1
    assert (f"{national}/wards.yaml: 適用開始日は全国版(版1)の適用開始日2026/04/01以降に"
            "してください。") in result.stderr
    assert len(versions_of("ward_status")) == 1


def test_the_built_in_definitions_are_imported_and_published_at_set_up(runner):
    folder = Path(__file__).resolve().parents[2] / "gmis/survey_defs"
    first = runner.invoke(args=["surveys", "import", str(folder), "--publish"])
    assert first.exit_code == 0, first.output
    assert "hospital_daily 版1(全国)を取り込みました" in first.output
    again = runner.invoke(args=["surveys", "import", str(folder), "--publish"])
    assert again.exit_code == 0 and "変更なし" in again.output


def test_rebuild_latest_recomputes_each_respondents_latest_response(runner):
    folder = Path(__file__).resolve().parents[2] / "gmis/survey_defs"
    assert runner.invoke(args=["surveys", "import", str(folder), "--publish"]).exit_code == 0
    result = runner.invoke(args=["surveys", "rebuild-latest", "hospital_daily"])
    assert result.exit_code == 0 and "hospital_daily: 0件" in result.output
    unknown = runner.invoke(args=["surveys", "rebuild-latest", "no_such_survey"])
    assert unknown.exit_code == 2 and "no_such_survey" in unknown.output


def test_validate_names_the_line_and_column_of_a_problem_deep_in_a_section(runner, tmp_path):
    deep = WARDS.replace("      - {key: note, type: text, label: 備考}\n", (
        "      - key: note\n"
        "        type: text\n"
        "        label: 備考\n"
        "        options:\n"
        "          max_length: many\n"))
    folder = write(tmp_path / "defs", {"wards.yaml": deep})
    result = runner.invoke(args=["surveys", "validate", str(folder)])
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "max_length" in line]
    assert line.startswith(f"{folder}/wards.yaml: 15行目 11列 "
                           "sections[0].fields[1].options.max_length: "), line
