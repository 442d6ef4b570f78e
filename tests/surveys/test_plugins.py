"""Field types from other packages: an installed distribution that declares a
``gmis.field_types`` entry point adds its type; a name that is taken stops start-up."""

import importlib
import sys
import textwrap

import pytest

from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import parse_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.registry import FieldTypeClash, build_registry
from gmis.surveys.engine.validation import evaluate_form

STAR_RATING = '''
"""A plugin field type: 1 to 5 stars."""

from pathlib import Path

from marshmallow import Schema, fields, validate

from gmis.surveys.engine.registry import FieldType, Parsed


class StarOptions(Schema):
    stars = fields.Integer(load_default=5, validate=validate.Range(min=2, max=10),
                           metadata={"label": "星の数", "help": "2〜10個"})


class StarRating(FieldType):
    name = "star_rating"
    label = "星評価"
    description = "満足度などを星の数で答える。"
    category = "評価"
    options_schema = StarOptions
    grouped = True
    template_folder = Path(__file__).parent / "templates"

    def parse(self, form, name):
        raw = form.get(name, "")
        if not raw:
            return Parsed(None, raw)
        if not raw.isdigit():
            return Parsed(None, raw, "星の数を選んでください。")
        return Parsed(int(raw), raw)

    def validate(self, value):
        stars = self.options["stars"]
        return [] if 1 <= value <= stars else [f"1〜{stars}の星で選んでください。"]
'''

IMPOSTOR = '''
from gmis.surveys.engine.registry import FieldType


class Impostor(FieldType):
    name = "integer"
    label = "整数もどき"
'''


def install(tmp_path, monkeypatch, package: str, source: str, entry_point: str) -> None:
    """A distribution as pip would leave it in site-packages: the package and its
    dist-info with METADATA and entry_points.txt."""
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text(source, encoding="utf-8")
    info = tmp_path / f"{package}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[gmis.field_types]\n{entry_point}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.delitem(sys.modules, package, raising=False)


#: Where a plugin imports FieldType and Parsed from: their module, and the registry, where
#: plugins written before they moved found them.
IMPORT_PATHS = ["gmis.surveys.engine.fields.base", "gmis.surveys.engine.registry"]


@pytest.fixture(params=IMPORT_PATHS)
def star_rating(tmp_path, monkeypatch, request):
    source = STAR_RATING.replace("from gmis.surveys.engine.registry import",
                                 f"from {request.param} import")
    install(tmp_path, monkeypatch, "gmis_test_plugin", source,
            "star_rating = gmis_test_plugin:StarRating")
    yield
    sys.modules.pop("gmis_test_plugin", None)
    importlib.invalidate_caches()


@pytest.fixture
def impostor(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, "gmis_test_clash", IMPOSTOR,
            "integer = gmis_test_clash:Impostor")
    yield
    sys.modules.pop("gmis_test_clash", None)
    importlib.invalidate_caches()


DEFINITION = textwrap.dedent("""
    schema_version: 1
    key: satisfaction
    title: 満足度
    period: {kind: ad_hoc}
    sections:
      - key: main
        title: 評価
        fields:
          - {key: rating, type: star_rating, label: 満足度, required: true,
             options: {stars: 3}}
          - {key: comment, type: text, label: 理由, visible_if: rating != null && rating < 2}
""")


def test_an_installed_plugin_type_is_registered(star_rating):
    registry = build_registry()
    assert "star_rating" in registry.names()
    assert "integer" in registry.names()
    assert registry.get("star_rating").label == "星評価"
    assert any(folder.name == "templates" and folder.parent.name == "gmis_test_plugin"
               for folder in registry.template_folders())


def test_a_definition_using_the_plugin_type_compiles_and_validates(star_rating):
    survey = compile_survey(parse_definition(DEFINITION, "satisfaction.yaml"), build_registry())
    assert survey.fields["rating"].type.options == {"stars": 3}
    assert evaluate_form(survey, {"f.rating": "3"}).answers(survey) == {"rating": 3}
    assert evaluate_form(survey, {"f.rating": "4"}).errors == {
        "rating": ["1〜3の星で選んでください。"]}
    assert evaluate_form(survey, {"f.rating": "たくさん"}).errors == {
        "rating": ["星の数を選んでください。"]}
    assert "comment" in evaluate_form(survey, {"f.rating": "1"}).visible


def test_the_plugin_options_are_checked_like_any_other(star_rating):
    with pytest.raises(DefinitionError) as caught:
        compile_survey(parse_definition(DEFINITION.replace("stars: 3", "stars: 30")),
                       build_registry())
    assert [p.path for p in caught.value.problems] == ["sections[0].fields[0].options.stars"]


def test_a_plugin_taking_a_built_in_name_stops_the_registry(impostor):
    with pytest.raises(FieldTypeClash) as caught:
        build_registry()
    message = str(caught.value)
    assert "'integer' is defined twice" in message
    assert "gmis.surveys.engine.fields.numbers.IntegerField" in message
    assert "gmis_test_clash.Impostor" in message
    assert "gmis_test_clash" in message.split("by entry point", 1)[1]


def test_without_the_plugin_a_definition_naming_its_type_is_refused_with_the_known_ones():
    with pytest.raises(DefinitionError) as caught:
        compile_survey(parse_definition(DEFINITION, "satisfaction.yaml"), build_registry())
    (problem,) = caught.value.problems
    assert problem.path == "sections[0].fields[0].type"
    assert problem.message.startswith("項目の種類「star_rating」はありません。使える種類: ")
    known = problem.message.split("使える種類: ", 1)[1].split(", ")
    assert known == sorted(known)
    assert {"integer", "table", "repeating_group", "weekly_hours"} <= set(known)
    assert "star_rating" not in known


def test_a_plugin_type_is_in_the_builders_palette_with_its_settings_form(
        star_rating, app, monkeypatch, make_user, signed_in):
    """No builder code knows the type: its palette entry and settings come from the class
    and its options schema."""
    from gmis.db import session
    from gmis.models import Role, SurveyDraft
    from tests.fixtures.web import csrf_token

    monkeypatch.setitem(app.extensions, "gmis.field_types", build_registry())
    client = signed_in(make_user(Role.national))
    page = client.get("/admin/surveys/builder")
    token = csrf_token(client, "/admin/surveys/builder")
    started = client.post("/admin/surveys/builder/new", data={
        "csrf_token": token, "key": "stars", "title": "満足度", "period": "ad_hoc"})
    draft_id = int(started.headers["Location"].rsplit("/", 1)[1])
    editor = client.get(f"/admin/surveys/builder/{draft_id}").get_data(as_text=True)
    assert "評価" in editor and "星評価" in editor and "満足度などを星の数で答える。" in editor
    draft = session.get(SurveyDraft, draft_id)
    client.post(f"/admin/surveys/builder/{draft_id}/fields", data={
        "csrf_token": token, "revision": draft.revision, "type": "star_rating",
        "section": "section_1"})
    session.expire_all()
    draft = session.get(SurveyDraft, draft_id)
    key = draft.document["sections"][0]["fields"][1]["key"]
    form = client.get(f"/admin/surveys/builder/{draft_id}?item=field:{key}").get_data(
        as_text=True)
    assert "星評価の設定" in form and "星の数" in form and 'name="options.stars"' in form
    saved = client.post(f"/admin/surveys/builder/{draft_id}/fields/{key}", data={
        "csrf_token": token, "revision": draft.revision, "field.key": key,
        "field.label": "満足度", "options.stars": "4"})
    assert saved.status_code == 303
    session.expire_all()
    stored = session.get(SurveyDraft, draft_id).document["sections"][0]["fields"][1]
    assert stored["options"] == {"stars": 4} and page.status_code == 200
    refused = client.post(f"/admin/surveys/builder/{draft_id}/fields/{key}", data={
        "csrf_token": token, "revision": session.get(SurveyDraft, draft_id).revision,
        "field.key": key, "field.label": "満足度", "options.stars": "30"})
    assert refused.status_code == 422 and "2以上10以下" in refused.get_data(as_text=True)
