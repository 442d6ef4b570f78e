"""Runs generated cases against validation and form rendering, in a process of its own.

``python -m tests.security.case_driver`` reads one JSON case a line on stdin and writes one
JSON answer a line on stdout: ``{"result": ...}`` or ``{"message": ...}`` (the Japanese
refusal). A crash in the CEL library (a Rust stack overflow is SIGSEGV) ends the process
instead: the test that starts it sees the exit status. Cases:

- ``{"expression": "..."}``: compiled (and, if it compiles, evaluated) as a field's
  expression would be;
- ``{"text": "...", "name": "x.yaml"}``: a definition file, read and checked as the CLI and
  the upload read it, then its form rendered as the preview and the fill page render it.
"""

from __future__ import annotations

import json
import sys

from gmis import create_app
from gmis.surveys.engine.definition import parse_bytes
from gmis.surveys.engine.errors import DefinitionError
from gmis.surveys.engine.expressions import ExpressionSyntaxError, Unknown, compile_expression
from gmis.surveys.engine.validation import evaluate
from gmis.surveys.publishing import preview
from gmis.surveys.store import versions

VARIABLES = {"a": 1, "b": 2.5, "s": "text", "rows": [{"stock": 1}, {"stock": None}],
             "table": {"masks": {"stock": 3}}, "flags": ["x", "y"], "n": None,
             "respondent": {"type": "hospital", "prefecture": "13", "designations": []}}
RESPONDENT = VARIABLES["respondent"]


def expression_case(source: str) -> dict:
    try:
        expression = compile_expression(source)
    except ExpressionSyntaxError as error:
        return {"message": str(error)}
    result = expression.evaluate(dict(VARIABLES))
    return {"result": "Unknown" if result is Unknown else repr(result)[:200]}


def definition_case(app, text: str, name: str) -> dict:
    registry = app.extensions["gmis.field_types"]
    try:
        data = versions.plain_data(parse_bytes(text.encode("utf-8", "surrogatepass"), name),
                                   name)
        survey = versions.validate(data, registry, name)
    except DefinitionError as error:
        return {"message": "\n".join(str(p) for p in error.problems)}
    template = app.jinja_env.get_template("surveys/_field.html")
    rendered = 0
    for show_all in (False, True):
        for section in preview(survey, show_all):
            for shown in section.fields:
                rendered += len(template.render(
                    field=shown.field, value=shown.value, errors=[], required=shown.required,
                    hidden=shown.hidden, validate_url="/validate"))
    evaluation = evaluate(survey, {}, respondent=RESPONDENT)
    evaluation.answers(survey)
    return {"result": f"{len(survey.fields)} fields, {rendered} characters"}


def main() -> None:
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True,
                      "SECRET_KEY": "case-driver-" + "x" * 40})
    with app.test_request_context():
        for line in sys.stdin:
            case = json.loads(line)
            if "expression" in case:
                answer = expression_case(case["expression"])
            else:
                answer = definition_case(app, case["text"], case["name"])
            print(json.dumps(answer, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
