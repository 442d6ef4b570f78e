"""Answers checked against a compiled survey.

``read_form`` turns submitted form data into values, and the field types say there what
they make of each (type errors: an input they cannot read, a value they do not allow);
``evaluate`` works out visibility, computed fields, required fields, the type constraints
of values not read from a form, and cross-field rules (rule errors). With ``partial=True``
(a draft, or one field validated as it changes) empty required fields are not reported,
since the person has not finished yet. ``derived`` works out only what ``evaluate`` fills
in (visibility, computed values), checking nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.expressions import Unknown

REQUIRED_MESSAGE = "入力してください。"
#: Errors of rules that name no field are shown at the top of the form.
FORM_ERRORS = "__form__"


def input_name(key: str) -> str:
    """The form input name of a field (composite types add ``.row.column`` and so on)."""
    return f"f.{key}"


#: The longest text one input of a draft keeps: the longest ``long_text`` a definition may
#: allow. The request itself is bounded by MAX_FORM_MEMORY_SIZE (gmis/config.py).
INPUT_MAX_CHARS = 20_000
INPUT_TOO_LONG = (f"入力が長すぎます。1つの欄に入力できるのは{INPUT_MAX_CHARS:,}文字までです"
                  "(一時保存では、これを超える部分は保存していません)。")
#: A draft keeps one character past the limit, so that the message comes back with it.
_KEPT_CHARS = INPUT_MAX_CHARS + 1


class _NamesRead(Mapping):
    """The form as a field type reads it, noting the input names it asks for: what a
    draft keeps of a field is what the field itself reads, never any other name a client
    made up under the field's prefix."""

    def __init__(self, form: Mapping[str, Any]):
        self.form = form
        self.names: set[str] = set()

    def __getitem__(self, name):
        self.names.add(name)
        return self.form[name]

    def get(self, name, default=None):
        self.names.add(name)
        return self.form.get(name, default)

    def getlist(self, name):
        self.names.add(name)
        getlist = getattr(self.form, "getlist", None)
        if getlist is not None:
            return getlist(name)
        value = self.form.get(name)
        return [] if value is None else list(value) if isinstance(value, list | tuple) else [
            value]

    def __contains__(self, name):
        self.names.add(name)
        return name in self.form

    def __iter__(self):
        return iter(self.form)

    def __len__(self) -> int:
        return len(self.form)


def input_names_read(form: Mapping[str, Any], key: str, field_type) -> set[str]:
    """The input names ``field_type`` reads for field ``key`` from ``form``."""
    reading = _NamesRead(form)
    field_type.parse(reading, input_name(key))
    return reading.names


def field_inputs(form: Mapping[str, Any], key: str, field_type=None) -> dict[str, Any]:
    """What the form sent for field ``key`` (its input and the inputs of its cells, rows
    and items): input name → text, or a list of texts for a name sent more than once.
    Empty inputs are left out, as a form that omits them reads the same. With
    ``field_type``, only the names that type reads are kept, each value cut just past
    ``INPUT_MAX_CHARS`` (``too_long`` tells the person, then and when the draft is opened)."""
    name = input_name(key)
    wanted = input_names_read(form, key, field_type) if field_type is not None else None
    getlist = getattr(form, "getlist", None)
    inputs: dict[str, Any] = {}
    for sent in form:
        if sent != name and not sent.startswith(name + "."):
            continue
        if wanted is not None and sent not in wanted:
            continue
        values = getlist(sent) if getlist is not None else form[sent]
        if not isinstance(values, list | tuple):
            values = [values]
        values = [str(value)[:_KEPT_CHARS] for value in values if value not in (None, "")]
        if values:
            inputs[sent] = values[0] if len(values) == 1 else values
    return inputs


def too_long(form: Mapping[str, Any], names) -> bool:
    """Whether any of the inputs ``names`` carries more than ``INPUT_MAX_CHARS``."""
    getlist = getattr(form, "getlist", None)
    for name in names:
        values = getlist(name) if getlist is not None else form.get(name)
        if not isinstance(values, list | tuple):
            values = [values]
        if any(len(str(value)) > INPUT_MAX_CHARS for value in values if value is not None):
            return True
    return False


class KeptInputs(Mapping):
    """Inputs kept from an earlier form (``field_inputs`` of several fields), read the way
    a submitted form is read; ``form`` (if given) answers for every other name."""

    def __init__(self, kept: Mapping[str, Mapping[str, Any]],
                 form: Mapping[str, Any] | None = None):
        self.kept = {name: value for inputs in kept.values() for name, value in inputs.items()}
        self.form = form if form is not None else {}

    def __getitem__(self, name):
        if name in self.kept:
            value = self.kept[name]
            return value[0] if isinstance(value, list) else value
        return self.form[name]

    def __iter__(self):
        yield from self.kept
        yield from (name for name in self.form if name not in self.kept)

    def __len__(self) -> int:
        return len(self.kept.keys() | set(self.form))

    def getlist(self, name) -> list:
        if name in self.kept:
            value = self.kept[name]
            return list(value) if isinstance(value, list) else [value]
        getlist = getattr(self.form, "getlist", None)
        if getlist is not None:
            return getlist(name)
        return [self.form[name]] if name in self.form else []


@dataclass
class Evaluation:
    #: Clean values of every field, None for empty or hidden ones; computed ones filled in.
    values: dict[str, Any]
    #: What was typed, for fields whose input could not be read (shown back unchanged).
    raw: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    visible: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, key: str, message: str) -> None:
        messages = self.errors.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    def answers(self, survey: CompiledSurvey) -> dict[str, Any]:
        """The values to store (JSON), without empty ones."""
        return {key: survey.fields[key].type.to_json(value)
                for key, value in self.values.items()
                if not survey.fields[key].type.is_empty(value)}


@dataclass
class FormRead:
    """A form as the field types read it. Each type checks what was typed for its field
    here, once: ``evaluate`` takes its word for the values read, and only adds what the
    definition says of them (required fields, rules)."""

    #: The value of each field read (None for one the type could not read).
    values: dict[str, Any] = field(default_factory=dict)
    #: What was typed, for fields whose input could not be read (shown back unchanged).
    raw: dict[str, Any] = field(default_factory=dict)
    #: Type errors, by field: an input the type cannot read, or a value it does not allow
    #: (out of range, too long, not one of the choices). Hidden fields' too: their inputs
    #: are sent with the form all the same.
    errors: dict[str, list[str]] = field(default_factory=dict)


def read_form(survey: CompiledSurvey, form: Mapping[str, Any],
              keys: set[str] | None = None) -> FormRead:
    """The fields in the form (or ``keys``), read and checked by their types."""
    read = FormRead()
    for key, compiled in survey.fields.items():
        if compiled.compute is not None or (keys is not None and key not in keys):
            continue
        parsed = compiled.type.parse(form, input_name(key))
        read.values[key] = parsed.value
        if parsed.error:
            read.raw[key] = parsed.raw
            read.errors[key] = [parsed.error]
        elif not compiled.type.is_empty(parsed.value):
            messages = compiled.type.validate(parsed.value)
            if messages:
                read.errors[key] = list(messages)
    return read


def stored_values(survey: CompiledSurvey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON answers back as values (keys the survey does not know are dropped)."""
    return {key: survey.fields[key].type.from_json(value)
            for key, value in answers.items() if key in survey.fields}


def expression_values(survey: CompiledSurvey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as expressions elsewhere see them (every field, null when empty):
    for rules outside the survey that read its answers, e.g. emergency supply checks."""
    variables = _variables(survey, stored_values(survey, answers), {})
    del variables["respondent"]
    return variables


def _variables(survey: CompiledSurvey, values: dict[str, Any],
               respondent: Mapping[str, Any]) -> dict[str, Any]:
    variables = {key: None for key in survey.fields}
    for key, value in values.items():
        compiled = survey.fields[key]
        if not compiled.type.is_empty(value):
            variables[key] = compiled.type.to_cel(value)
    variables["respondent"] = dict(respondent)
    return variables


def _computed_value(compiled, value: Any) -> Any:
    """A computed field's CEL result as its type's value; None (not computed) for a result
    the type cannot hold, such as ``1.0 / 0.0`` (infinity) for a whole number or a list for
    a date, which would otherwise fail every page that stores or shows the field."""
    field_type = compiled.type
    try:
        value = field_type.from_cel(value)
        field_type.from_json(field_type.to_json(value))
        field_type.to_cel(value)
        field_type.display(value)
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError):
        return None
    return value


def evaluate(survey: CompiledSurvey, values: Mapping[str, Any], *,
             respondent: Mapping[str, Any] | None = None, read: FormRead | None = None,
             partial: bool = False) -> Evaluation:
    """Every field's state and messages for ``values`` (every field's value: those of
    ``read``, the form's, were checked by their types as they were read)."""
    result, variables = _derive(survey, values, respondent, read)
    checked = read.values.keys() if read is not None else set()
    for key, compiled in survey.fields.items():
        if key not in result.visible or compiled.compute is not None or key in result.errors:
            continue
        value = result.values[key]
        if compiled.type.is_empty(value):
            condition = compiled.required_if
            needed = compiled.definition.required or (
                condition is not None and condition.is_true(variables) is True)
            if needed:
                result.required.add(key)
                if not partial:
                    result.add(key, REQUIRED_MESSAGE)
            continue
        if key not in checked:
            for message in compiled.type.validate(value):
                result.add(key, message)

    for rule in survey.rules:
        # A rule speaks only once the fields it uses are answered and readable.
        used = rule.expression.variables & survey.fields.keys()
        if any(variables.get(key) is None or key in result.errors for key in used):
            continue
        if rule.expression.is_true(variables) is False:
            for key in rule.definition.fields or (FORM_ERRORS,):
                result.add(key, rule.definition.message)
    return result


def derived(survey: CompiledSurvey, values: Mapping[str, Any], *,
            respondent: Mapping[str, Any] | None = None) -> Evaluation:
    """What ``evaluate`` works out of ``values`` (visibility, computed values), checking
    nothing: for values that were checked already, as what is stored of a draft whose
    unusable inputs give way to the earlier answers."""
    return _derive(survey, values, respondent, None)[0]


def _derive(survey: CompiledSurvey, values: Mapping[str, Any],
            respondent: Mapping[str, Any] | None,
            read: FormRead | None) -> tuple[Evaluation, dict[str, Any]]:
    result = Evaluation(values={key: values.get(key) for key in survey.fields},
                        raw=dict(read.raw) if read is not None else {})
    for key, messages in (read.errors if read is not None else {}).items():
        for message in messages:
            result.add(key, message)
    variables = _variables(survey, result.values, respondent or {})

    # Visibility first: a hidden field is neither required nor kept.
    for key, compiled in survey.fields.items():
        shown = True if compiled.visible_if is None else compiled.visible_if.is_true(variables)
        if shown is True:
            result.visible.add(key)
        elif compiled.compute is None:
            result.values[key] = None
            result.errors.pop(key, None)
            result.raw.pop(key, None)
            variables[key] = None

    for key in survey.computed_order:
        compiled = survey.fields[key]
        value = compiled.compute.evaluate(variables) if key in result.visible else None
        result.values[key] = None if value is Unknown or value is None else (
            _computed_value(compiled, value))
        computed = result.values[key]
        variables[key] = None if computed is None else compiled.type.to_cel(computed)

    return result, variables


def evaluate_form(survey: CompiledSurvey, form: Mapping[str, Any], *,
                  respondent: Mapping[str, Any] | None = None,
                  partial: bool = False) -> Evaluation:
    read = read_form(survey, form)
    return evaluate(survey, read.values, respondent=respondent, read=read, partial=partial)


def prefill(survey: CompiledSurvey, earlier: Mapping[str, Any]) -> dict[str, Any]:
    """Values for a new response from earlier answers, matched by field key: what fields
    marked ``prefill`` (or a table's columns marked so) carry over, from an earlier value
    that is still valid for this version's field."""
    values = {}
    for key, json_value in earlier.items():
        compiled = survey.fields.get(key)
        if compiled is None or compiled.compute is not None:
            continue
        try:
            value = compiled.type.from_json(json_value)
        except (TypeError, ValueError, KeyError):
            continue
        if compiled.type.is_empty(value) or compiled.type.validate(value):
            continue
        carried = compiled.type.carried(value)
        if not compiled.type.is_empty(carried):
            values[key] = carried
    return values


def defaults(survey: CompiledSurvey) -> dict[str, Any]:
    return {key: compiled.type.from_json(compiled.definition.default)
            for key, compiled in survey.fields.items()
            if compiled.definition.default is not None}


def unchanged_values(survey: CompiledSurvey) -> dict[str, Any]:
    """What fields (or a table's columns) declare for a day when nothing happened
    (``unchanged_value``): the figures that are not carried over, such as a day's
    admissions, on 前日から変更なし."""
    values = {key: compiled.type.unchanged() for key, compiled in survey.fields.items()
              if compiled.compute is None}
    return {key: value for key, value in values.items()
            if not survey.fields[key].type.is_empty(value)}
