"""Expressions cannot hurt a worker: what the CEL library would crash on, stall on or answer
in raw English is refused first, in Japanese, naming the limit and where it is written."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gmis.db import session
from gmis.models import Role
from gmis.surveys.engine import limits
from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import load_definition
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.expressions import ExpressionSyntaxError, Unknown, compile_expression
from gmis.surveys.engine.registry import build_registry
from gmis.surveys.store import versions
from tests.blueprints.test_survey_admin import upload, uploaded_version
from tests.fixtures.web import page_text

SURVEY_DEFS = Path(__file__).resolve().parents[2] / "gmis/survey_defs"


def chain(terms: int, term: str = "staff_absent_doctors") -> str:
    """``a + a + ...``: a tree as deep as it has terms."""
    return " + ".join([term] * terms)


def number_list(size: int) -> str:
    return "[" + ", ".join(str(i) for i in range(size)) + "]"


def refusal(source: str, bounds: dict | None = None) -> str:
    with pytest.raises(ExpressionSyntaxError) as caught:
        compile_expression(source, **({"bounds": bounds} if bounds else {}))
    return str(caught.value)


def hospital_daily() -> dict:
    return yaml.safe_load((SURVEY_DEFS / "hospital_daily.yaml").read_text(encoding="utf-8"))


def with_computed_field(definition: dict, compute: str) -> tuple[dict, str]:
    """``definition`` with one more computed field in its first section, and that field's
    path."""
    changed = copy.deepcopy(definition)
    fields = changed["sections"][0]["fields"]
    fields.append({"key": "injected_total", "type": "integer", "label": "合計",
                   "compute": compute})
    return changed, f"sections[0].fields[{len(fields) - 1}].compute"


# --- long chains: the evaluator crashed the process at about 13,000 terms ------------------

def test_a_chain_of_20000_terms_is_refused_naming_the_limit():
    message = refusal(chain(20_000))
    assert f"最大 {limits.MAX_EXPRESSION_LENGTH:,} 文字" in message


def test_a_chain_within_the_length_but_over_the_terms_is_refused():
    message = refusal(" + ".join(["a"] * 250))  # 997 characters, 499 tokens
    assert f"{limits.MAX_EXPRESSION_TERMS:,}個まで" in message


def test_validating_a_definition_with_50000_terms_answers_instead_of_crashing(tmp_path):
    """As ``flask surveys validate`` reads files (the same functions), in a process of its
    own: the library's parser crashed the whole process on this."""
    definition, path = with_computed_field(hospital_daily(), chain(50_000, "1"))
    file = tmp_path / "hospital_daily.yaml"
    file.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    script = ("import sys\n"
              "from pathlib import Path\n"
              "from gmis.surveys.cli import ImportRefused, read_definitions\n"
              "from gmis.surveys.engine.registry import build_registry\n"
              "try:\n"
              "    read_definitions(Path(sys.argv[1]), build_registry())\n"
              "except ImportRefused as refused:\n"
              "    print('\\n'.join(refused.lines)); sys.exit(1)\n"
              "print('OK')\n")
    done = subprocess.run([sys.executable, "-c", script, str(file)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, (done.returncode, done.stdout[-500:], done.stderr[-500:])
    assert path in done.stdout and "式が長すぎます" in done.stdout
    assert len(done.stdout) < 500  # the 200,000-character expression is not echoed


def test_the_web_upload_of_hospital_daily_with_20000_terms_is_refused(make_user, signed_in):
    """A prefecture's upload, as the attack did it: accepted before, and its version page
    then killed the worker."""
    tokyo = signed_in(make_user(role=Role.national))
    definition, path = with_computed_field(hospital_daily(), chain(20_000))
    response = upload(tokyo, file=json.dumps(definition, ensure_ascii=False).encode(),
                      name="hospital_daily.json")
    assert response.status_code == 422
    text = page_text(response.get_data(as_text=True))
    assert path in text and f"最大 {limits.MAX_EXPRESSION_LENGTH:,} 文字" in text
    assert "staff_absent_doctors + staff_absent_doctors + staff_absent_doctors" not in text


# --- nesting: the parser's own recursion limit, answered in English with a 500-character echo

def test_500_nested_parentheses_are_refused_in_japanese():
    message = refusal("(" * 500 + "1" + ")" * 500)
    assert "入れ子が深すぎます" in message and f"{limits.MAX_EXPRESSION_NESTING}段まで" in message
    assert "ParseError" not in message and "Recursion" not in message and len(message) < 120


def test_a_parse_error_of_the_library_is_one_japanese_sentence():
    message = refusal("a > ")
    assert message.startswith("式の書き方が正しくありません") and "5文字目" in message
    assert "ERROR" not in message and "<input>" not in message and "expecting" not in message


def test_deep_conditionals_count_as_nesting():
    assert "入れ子が深すぎます" in refusal("a ? " * 100 + "1" + " : 2" * 100)


def test_brackets_inside_strings_are_text():
    """The tokenizer reads strings (of every kind) as CEL does: no bracket in them counts."""
    brackets = "(" * 200
    for literal in (f'"{brackets}"', f"'{brackets}'", f"r'{brackets}'", f'"""{brackets}"""',
                    f"b'{brackets}'"):
        assert compile_expression(f"a == {literal}").variables == {"a"}


# --- comprehensions: nested maps over literal lists took 13 s per page ------------------------

def test_comprehensions_nested_three_deep_are_refused():
    ten = number_list(10)
    message = refusal(f"size({ten}.map(x, {ten}.map(y, {ten}.map(z, x + y + z)))) > 0")
    assert f"{limits.MAX_COMPREHENSION_NESTING}段まで" in message


def test_two_nested_maps_over_long_lists_are_refused_by_the_cost_estimate():
    sixty = number_list(60)
    message = refusal(f"size({sixty}.map(x, {sixty}.map(y, x * y))) > 0")
    assert f"{limits.MAX_EXPRESSION_COST:,}手順まで" in message


def test_a_comprehension_over_a_field_costs_what_the_field_can_hold():
    """A repeating group of 5 rows may be compared row by row; one of 100 rows may not."""
    source = "rows.all(r, rows.all(s, r.stock >= 0 && s.stock >= 0))"
    assert compile_expression(source, {"rows": 5}).cost < limits.MAX_EXPRESSION_COST
    assert "計算量が多すぎます" in refusal(
        source.replace("all(s", "map(s").replace("s.stock >= 0)", "s.stock)") + " != null",
        {"rows": 100})


def test_the_repeating_group_bound_comes_from_its_definition():
    base = {"schema_version": 1, "key": "stock", "title": "在庫", "period": {"kind": "daily"},
            "sections": [{"key": "s", "title": "S", "fields": [
                {"key": "rows", "type": "repeating_group", "label": "品目",
                 "options": {"max_items": 100, "fields": [
                     {"key": "stock", "type": "integer", "label": "在庫"}]}},
                {"key": "pairs", "type": "integer", "label": "組",
                 "compute": "size(rows.map(r, rows.map(s, r.stock + s.stock)))"}]}]}
    with pytest.raises(DefinitionError) as caught:
        compile_survey(load_definition(base), build_registry())
    (problem,) = caught.value.problems
    assert problem.path == "sections[0].fields[1].compute" and "計算量" in problem.message
    base["sections"][0]["fields"][0]["options"]["max_items"] = 10
    assert compile_survey(load_definition(base), build_registry()).fields["pairs"].compute


def test_the_whole_definition_has_a_cost_budget():
    expression = f"size({number_list(30)}.map(x, x))"  # about 1,000 steps each
    fields = [{"key": f"n{i}", "type": "integer", "label": f"N{i}", "compute": expression}
              for i in range(limits.MAX_DEFINITION_COST // 900)]
    sections = [{"key": f"s{i}", "title": "S", "fields": fields[i:i + 100]}
                for i in range(0, len(fields), 100)]
    data = {"schema_version": 1, "key": "heavy", "title": "重い", "period": {"kind": "daily"},
            "sections": sections}
    with pytest.raises(DefinitionError) as caught:
        compile_survey(load_definition(data), build_registry())
    assert any("定義全体の式の計算量が多すぎます" in p.message for p in caught.value.problems)


# --- evaluation never raises: a missing key or index is Unknown, not a 500 ------------------

@pytest.mark.parametrize("source, variables", [
    ('respondent.type == "hospital"', {"respondent": {}}),
    ("[1, 2][5] == 1", {}),
    ("rows[0].stock > 0", {"rows": []}),
    ("table.masks.stock > 0", {"table": {}}),
])
def test_an_expression_reading_what_is_not_there_is_unknown(source, variables):
    assert compile_expression(source).evaluate(variables) is Unknown


def test_an_unknown_member_of_respondent_is_refused_at_load_time():
    definition, path = with_computed_field(hospital_daily(), "1")
    field = definition["sections"][0]["fields"][-1]
    field.update(type="yes_no", compute="respondent.kind == 'hospital'")
    with pytest.raises(DefinitionError) as caught:
        versions.validate(definition, build_registry(), "hospital_daily.yaml")
    (problem,) = caught.value.problems
    assert problem.path == path and "respondent に「kind」はありません" in problem.message
    assert "respondent.type" in problem.message


def test_a_definition_reading_respondent_type_previews_and_fills(make_user, signed_in, app,
                                                                 client):
    """``respondent.type`` in an uploaded definition: its preview (no respondent) and its
    fill page answered 500 (KeyError)."""
    definition = hospital_daily()
    definition["sections"][0]["fields"][0]["visible_if"] = 'respondent.type == "hospital"'
    definition["sections"][0]["fields"].append(
        {"key": "per_bed", "type": "integer", "label": "病床あたり",
         "compute": "staff_absent_doctors == null ? 1.0 / 0.0 : staff_absent_doctors / 0"})
    national = signed_in(make_user(role=Role.national))
    version = uploaded_version(upload(national, file=json.dumps(
        definition, ensure_ascii=False).encode(), name="hospital_daily.json"))
    assert national.get(f"/admin/surveys/versions/{version.id}").status_code == 200
    assert national.get(f"/admin/surveys/versions/{version.id}?all=1").status_code == 200
    versions.publish(version, date_in_japan())
    session.commit()
    hospital = make_user(role=Role.facility)
    session.commit()
    national.get("/logout")
    from tests.fixtures.web import client_of

    filler = client_of(app, hospital)
    response = filler.get(f"/surveys/hospital_daily/{date_in_japan().isoformat()}")
    assert response.status_code == 200
    assert "病床あたり" in response.get_data(as_text=True)


def date_in_japan():
    from gmis.blueprints.survey_admin.operations import today_in_japan

    return today_in_japan()


# --- a version stored before these limits: its pages say what is wrong --------------------

def test_a_stored_version_over_the_limits_never_reaches_the_library(builtin_survey, make_user,
                                                                    app):
    """A version imported before the limits existed (5,000 terms: one that old code still
    rendered, standing for the 20,000 that killed the worker) published for everybody: its
    version page shows the problem, the fill page is a Japanese 422, the list still works."""
    survey = builtin_survey("hospital_daily")
    version = survey.versions[-1]
    definition, path = with_computed_field(version.definition, chain(5_000))
    version.definition, version.checksum = definition, versions.checksum(definition)
    session.commit()
    from tests.fixtures.web import client_of

    national = client_of(app, make_user(role=Role.national))
    page = national.get(f"/admin/surveys/versions/{version.id}")
    assert page.status_code == 200
    assert path in page_text(page.get_data(as_text=True))

    hospital = client_of(app, make_user(role=Role.facility))
    fill = hospital.get(f"/surveys/hospital_daily/{date_in_japan().isoformat()}")
    assert fill.status_code == 422
    text = page_text(fill.get_data(as_text=True))
    assert "この調査の定義" in text and "誤りがあるため、表示できません" in text
    assert hospital.get("/surveys").status_code == 200
    assert hospital.get("/home").status_code == 200


def test_compile_expression_is_the_only_way_in_to_the_library():
    """Nothing else compiles CEL, so nothing else can skip the limits."""
    package = Path(__file__).resolve().parents[2] / "gmis"
    users = sorted(str(path.relative_to(package)) for path in package.rglob("*.py")
                   if "import cel" in path.read_text(encoding="utf-8")
                   or "from cel " in path.read_text(encoding="utf-8"))
    assert users == ["surveys/engine/expressions.py"]


class PanicException(BaseException):
    """What pyo3 raises for a panic in the library's Rust code: not an ``Exception``."""


def test_a_panic_in_the_library_is_a_message_not_a_crash(monkeypatch):
    import gmis.surveys.engine.expressions as expressions

    expression = compile_expression("a > 1")

    def panic(*args, **kwargs):
        raise PanicException("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(expressions.cel, "compile", panic)
    message = refusal("a > 2")
    assert "式を読めませんでした" in message and "unwrap" not in message

    class Panicking:
        def execute(self, variables):
            panic()

    broken = expressions.Expression(expression.source, Panicking(), expression.variables)
    assert broken.evaluate({"a": 3}) is Unknown
