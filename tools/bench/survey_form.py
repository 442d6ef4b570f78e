"""A generated 500-field survey definition: rendering the whole form, and validating a full
submission.

Floors: rendering 500 bare ``<input>`` elements with the same Jinja environment, and
reading 500 integers from the same form data with ``int()``.
"""

from __future__ import annotations

import itertools

from gmis import create_app
from gmis.surveys.engine.builder import compile_survey
from gmis.surveys.engine.definition import load_definition
from gmis.surveys.engine.validation import evaluate_form, input_name
from tools.bench.timing import median_seconds, report

FIELD_COUNT = 500
SECTION_SIZE = 50

#: (type, extra definition keys, a valid typed value) for the generated fields, in turn.
SAMPLES = [
    ("integer", {"min": 0, "max": 100000, "unit": "人"}, "1,234"),
    ("decimal", {"min": 0}, "12.5"),
    ("text", {}, "東京都新宿区"),
    ("single_choice", {"choices": [{"value": v, "label": f"選択肢{v}"} for v in "abcd"]}, "b"),
    ("yes_no", {}, "yes"),
    ("date", {}, "2026-11-21"),
]


def definition(available: set[str]) -> tuple[dict, dict[str, str]]:
    """The definition and a valid form submission for it."""
    samples = [s for s in SAMPLES if s[0] in available]
    fields, form = [], {}
    for number, (kind, extra, typed) in zip(range(FIELD_COUNT), itertools.cycle(samples),
                                            strict=False):
        key = f"item_{number:03d}"
        field = {"key": key, "type": kind, "label": f"項目{number}", "help": "説明文",
                 "required": number % 3 == 0, **extra}
        if number % 10 == 9:  # every tenth field depends on the one before
            field["visible_if"] = f"item_{number - 1:03d} != null"
        fields.append(field)
        form[input_name(key)] = typed
    sections = [{"key": f"section_{i}", "title": f"セクション{i + 1}",
                 "fields": fields[i:i + SECTION_SIZE]}
                for i in range(0, FIELD_COUNT, SECTION_SIZE)]
    integers = [f["key"] for f in fields if f["type"] == "integer"]
    rules = [{"key": f"rule_{i}", "expression": f"{a} <= {b} + 100000",
              "message": "大きすぎます", "fields": [a]}
             for i, (a, b) in enumerate(zip(integers, integers[1:], strict=False))][:25]
    return ({"schema_version": 1, "key": "bench_500", "title": "500項目の調査",
             "period": {"kind": "daily", "due_time": "13:00"}, "sections": sections,
             "rules": rules}, form)


def run() -> None:
    app = create_app({"DATABASE_URL": "sqlite://"})
    registry = app.extensions["gmis.field_types"]
    data, form = definition(set(registry.names()))
    survey = compile_survey(load_definition(data, "bench"), registry, "bench")
    print(f"Survey form: {len(survey.fields)} fields of "
          f"{len({f.type.name for f in survey.fields.values()})} types, "
          f"{len(survey.rules)} rules")

    with app.test_request_context():
        environment = app.jinja_env
        field_template = environment.get_template("surveys/_field.html")
        bare = environment.from_string(
            "{% for key in keys %}<label for='{{ key }}'>{{ key }}</label>"
            "<input id='{{ key }}' name='{{ key }}' value='{{ values[key] }}'>{% endfor %}")
        keys = list(survey.fields)
        evaluation = evaluate_form(survey, form)

        def render_form():
            return "".join(field_template.render(
                field=compiled, value=compiled.type.as_input(evaluation.values[key]),
                errors=[], required=compiled.definition.required, hidden=False,
                validate_url="/validate") for key, compiled in survey.fields.items())

        def render_floor():
            return bare.render(keys=keys, values=form)

        render = median_seconds(render_form)
        floor = median_seconds(render_floor)
        report("render 500-field form", render, floor, target_ms=150)

    def validate():
        return evaluate_form(survey, form)

    def validate_floor():
        return [int(form[input_name(k)].replace(",", "")) if form[input_name(k)][0].isdigit()
                and form[input_name(k)].replace(",", "").isdigit() else None for k in keys]

    report("validate 500-field submission", median_seconds(validate),
           median_seconds(validate_floor), target_ms=50)
