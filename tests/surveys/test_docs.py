"""docs/survey-definitions.md stays true to the code: every complete definition on the page
passes the checks of ``flask surveys validate``, every field example of "Field types"
compiles, and every built-in field type is documented there under its own heading."""

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from gmis.surveys.cli import ImportRefused, read_definitions
from gmis.surveys.engine.definition import FieldDef, FieldSchema
from gmis.surveys.store import versions

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "survey-definitions.md"
EVERY_FIELD_TYPE = Path(__file__).parent / "data" / "every_field_type.yaml"

TEXT = DOC.read_text(encoding="utf-8")
YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```$", re.DOTALL | re.MULTILINE)
#: ``### integer (整数)``: a type's name and its Japanese label.
TYPE_HEADING = re.compile(r"^### ([a-z][a-z0-9_]*) \((.+)\)$", re.MULTILINE)


def section(text: str, heading: str) -> str:
    """From ``heading`` (a whole line) to the next heading of the same level or higher,
    outside fenced code (where ``# `` starts a comment)."""
    level = len(heading.split(" ", 1)[0])
    lines, found, fenced = [], False, False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#+ ", line):
            if found and len(line.split(" ", 1)[0]) <= level:
                break
            found = found or line.rstrip("\n") == heading
        if found:
            lines.append(line)
    assert found, f"no heading {heading!r}"
    return "".join(lines)


FIELD_TYPES = section(TEXT, "## Field types")
#: Complete definitions anywhere on the page.
DEFINITIONS = [block for block in YAML_BLOCK.findall(TEXT) if block.startswith("schema_version:")]
#: Field examples of the "Field types" section: a list of fields.
FIELD_EXAMPLES = [block for block in YAML_BLOCK.findall(FIELD_TYPES) if block.startswith("- key:")]


def first_key(block: str) -> str:
    return re.search(r"^-? *key: *(\S+)", block, re.MULTILINE)[1]


def as_definition(fields: str) -> str:
    """A field example (YAML list of fields) as the smallest definition around it."""
    return ("schema_version: 1\n"
            "key: field_example\n"
            "title: 項目の例\n"
            "period: {kind: ad_hoc}\n"
            "sections:\n"
            "  - key: example\n"
            "    title: 例\n"
            "    fields:\n" + textwrap.indent(fields, "      "))


def documented_types(registry) -> list:
    """The registered types this page documents: the application's own; a plugin installed
    next to it documents itself."""
    return [t for t in registry if t.__module__.startswith("gmis.")]


@pytest.fixture
def registry(app):
    return app.extensions["gmis.field_types"]


def check_like_the_cli(path: Path, registry):
    """What ``flask surveys validate PATH`` does, with its lines as the failure message."""
    try:
        (file,) = read_definitions(path, registry)
    except ImportRefused as refused:
        pytest.fail("\n".join(refused.lines), pytrace=False)
    return versions.validate(file.data, registry, file.name)


def test_the_page_has_the_examples_it_promises():
    assert DEFINITIONS, "no ```yaml block starting with schema_version: on the page"
    assert len(FIELD_EXAMPLES) >= len(TYPE_HEADING.findall(FIELD_TYPES))


@pytest.mark.parametrize("block", DEFINITIONS, ids=[first_key(b) for b in DEFINITIONS])
def test_every_definition_on_the_page_is_valid(block, registry, tmp_path):
    path = tmp_path / f"{first_key(block)}.yaml"
    path.write_text(block, encoding="utf-8")
    check_like_the_cli(path, registry)


@pytest.mark.parametrize("block", FIELD_EXAMPLES, ids=[first_key(b) for b in FIELD_EXAMPLES])
def test_every_field_example_compiles_in_a_minimal_definition(block, registry, tmp_path):
    path = tmp_path / f"{first_key(block)}.yaml"
    path.write_text(as_definition(block), encoding="utf-8")
    survey = check_like_the_cli(path, registry)
    assert survey.fields


def test_every_registered_type_has_its_own_heading_and_example(registry):
    headings = dict(TYPE_HEADING.findall(FIELD_TYPES))
    types = documented_types(registry)
    assert {t.name for t in types} <= set(headings), "types without a heading in Field types"
    assert set(headings) <= set(registry.names()), "headings naming no registered type"
    for field_type in types:
        assert headings[field_type.name] == field_type.label, field_type.name
        text = section(FIELD_TYPES, f"### {field_type.name} ({field_type.label})")
        examples = [field for block in YAML_BLOCK.findall(text) if block.startswith("- key:")
                    for field in yaml.safe_load(block)]
        assert any(field["type"] == field_type.name for field in examples), (
            f"### {field_type.name} has no example field of its type")


def test_the_complete_example_is_the_test_data_file():
    complete = section(FIELD_TYPES, "### Every type in one definition")
    (block,) = [b for b in YAML_BLOCK.findall(complete) if b.startswith("schema_version:")]
    assert block == EVERY_FIELD_TYPE.read_text(encoding="utf-8")


def test_the_complete_example_uses_every_type_and_every_key(registry):
    survey = check_like_the_cli(EVERY_FIELD_TYPE, registry)
    definition = survey.definition
    fields = list(definition.iter_fields())
    assert {f.type for f in fields} >= {t.name for t in documented_types(registry)}
    # Every key of the field schema (set to something other than its default), so that a
    # key added to the format is shown here too.
    unset = {f.name: f.default_factory() if f.default is dataclasses.MISSING else f.default
             for f in dataclasses.fields(FieldDef) if f.name not in ("key", "type", "label")}
    for key in FieldSchema().fields.keys() - {"key", "type", "label"}:
        assert any(getattr(f, key) != unset[key] for f in fields), key
    assert any(f.default is False or f.default == 0 for f in fields)
    assert len(definition.sections) > 1 and any(s.description for s in definition.sections)
    assert any(rule.fields for rule in definition.rules)
    assert any(not rule.fields for rule in definition.rules)

    data = yaml.safe_load(EVERY_FIELD_TYPE.read_text(encoding="utf-8"))
    assert set(data) == {"schema_version", "key", "title", "description", "respondents",
                         "period", "sections", "rules"}
    assert set(data["respondents"]) == {"roles", "facility_types", "designations",
                                        "prefectures", "aggregators_on_behalf"}


def test_the_reference_names_every_key_of_a_field():
    reference = re.search(r"# Reference of every key.*?```", TEXT, re.DOTALL)[0]
    for key in FieldSchema().fields:
        assert re.search(rf"^ +(- )?{key}:", reference, re.MULTILINE), key


def test_the_data_file_passes_the_validate_command(runner):
    result = runner.invoke(args=["surveys", "validate", str(EVERY_FIELD_TYPE)])
    assert result.exit_code == 0, result.output
    assert f"{EVERY_FIELD_TYPE}: fever_outpatient_weekly OK" in result.output
