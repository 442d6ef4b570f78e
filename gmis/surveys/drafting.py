"""What the survey builder's pages do with a draft, without the web framework: the forms of
the survey's, a section's, a field's and a rule's settings read from what was sent (from the
definition's own schemas, ``engine.settings``), the outline, the problems by item, and
trying an expression against sample answers.

Each action returns the new document for ``store.drafts.change`` to keep as one step, with
the summary the undo button shows.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gmis.surveys.engine import authoring
from gmis.surveys.engine.authoring import Document, EditRefused
from gmis.surveys.engine.builder import CompiledSurvey, compile_survey
from gmis.surveys.engine.definition import (
    FieldSchema,
    RuleSchema,
    SectionSchema,
    SurveyDefinitionSchema,
    load_definition,
    schema_problems,
)
from gmis.surveys.engine.errors import DefinitionError, Problem
from gmis.surveys.engine.expressions import (
    CONTEXT_NAMES,
    ExpressionSyntaxError,
    compile_expression,
)
from gmis.surveys.engine.registry import FieldTypeRegistry
from gmis.surveys.engine.settings import Setting, read_settings, settings_of
from gmis.surveys.engine.validation import (
    FORM_ERRORS,
    defaults,
    evaluate,
    evaluate_form,
    expression_values,
    input_name,
)
from gmis.surveys.publishing import PreviewSection, preview_sections

#: The survey's own settings: everything but its sections and rules (the structure).
SURVEY_SETTINGS = settings_of(SurveyDefinitionSchema)
SURVEY_KEYS = tuple(s.name for s in SURVEY_SETTINGS)
SECTION_SETTINGS = settings_of(SectionSchema)
RULE_SETTINGS = settings_of(RuleSchema)
#: A field's settings every type has; ``min``, ``max`` and ``choices`` only where the type
#: gives them a meaning (``FieldType.uses``); ``options`` come from the type's own schema.
FIELD_SETTINGS = settings_of(FieldSchema)
BY_TYPE = frozenset({"min", "max", "choices"})


def field_settings(field_type) -> list[Setting]:
    """The settings form of a field of ``field_type`` (None: an unknown type)."""
    uses = field_type.uses if field_type is not None else BY_TYPE
    return [s for s in FIELD_SETTINGS
            if s.name not in ("type", "options") and (s.name not in BY_TYPE or s.name in uses)]


def option_settings(field_type) -> list[Setting]:
    return settings_of(field_type.options_schema) if field_type is not None else []


class SettingsRefused(Exception):
    """What was sent does not load: the problems by setting name, and the data as read, so
    the form shows both instead of losing what was typed."""

    def __init__(self, problems: dict[str, list[str]], data: dict):
        super().__init__("settings refused")
        self.problems = problems
        self.data = data


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def where(settings: list[Setting], path: str) -> str:
    """A path inside a settings form in the form's own words, as its rows and cards are
    numbered: ``rows[1].label`` is 「行 2の「行の名前」」."""
    words, current = [], settings
    for name, index in _STEP.findall(path):
        if index:
            words[-1] = f"{words[-1]} {int(index) + 1}" if words else str(int(index) + 1)
            continue
        found = next((s for s in current if s.name == name), None)
        words.append(found.label if found is not None else name)
        current = list(found.columns) if found is not None else []
    return "の".join(f"「{w}」" if i == len(words) - 1 and len(words) > 1 else w
                     for i, w in enumerate(words))


def _checked(schema, data: dict, settings: list[Setting]) -> None:
    """``data`` checked by ``schema`` with the format's own messages (not loaded: only what
    a form holds is checked, not the definition it belongs to); each message goes beside
    its setting, naming the row or card inside it."""
    messages = schema().validate(data)
    if messages:
        problems: dict[str, list[str]] = {}
        for problem in schema_problems(messages):
            name = problem.path.split(".", 1)[0].split("[", 1)[0]
            inside = problem.path != name
            problems.setdefault(name or "_", []).append(
                f"{where(settings, problem.path)}: {problem.message}" if inside
                else problem.message)
        raise SettingsRefused(problems, data)


# --- the survey's settings ---------------------------------------------------------------------

def survey_settings(document: Document, form: Mapping[str, Any],
                    keeps_key: bool) -> Document:
    """The survey's settings as sent; the sections and rules as they are. A prefecture's
    extension keeps the national survey's key (``keeps_key``)."""
    data = read_settings(SURVEY_SETTINGS, form, "survey")
    if keeps_key and data.get("key") != document.get("key"):
        raise SettingsRefused({"key": ["都道府県の版では、調査キーは全国版と同じです。"]}, data)
    _checked(lambda: SurveyDefinitionSchema(only=SURVEY_KEYS), data, SURVEY_SETTINGS)
    kept = {k: v for k, v in document.items() if k in ("schema_version", "sections", "rules")}
    return authoring.canonical({**data, **kept})


# --- a section ---------------------------------------------------------------------------------

def section_settings(document: Document, key: str, form: Mapping[str, Any]) -> Document:
    data = read_settings(SECTION_SETTINGS, form, "section")
    _checked(SectionSchema, {**data, "fields": [{"key": "x", "type": "text", "label": "x"}]},
             SECTION_SETTINGS)
    return authoring.update_section(document, key, data.get("title", ""),
                                    data.get("description", ""), new_key=data.get("key"))


# --- a field ---------------------------------------------------------------------------------

def field_update(document: Document, key: str, form: Mapping[str, Any],
                 registry: FieldTypeRegistry, locked: frozenset[str]) -> tuple[Document, str]:
    """The field with the settings sent (a new key rewrites the expressions that read it);
    returns the document and the field's key after the change."""
    s, f = authoring.find_field(document, key)
    item = document["sections"][s]["fields"][f]
    field_type = registry.get(item.get("type", ""))
    data = read_settings(field_settings(field_type), form, "field")
    options = read_settings(option_settings(field_type), form, "options")
    if "options" in item and field_type is None:
        options = item["options"]  # an unknown (removed) plugin type's: kept as written
    checked = {**data, "type": item.get("type"), "options": options}
    _checked(FieldSchema, checked, field_settings(field_type))
    if field_type is not None and field_type.options_schema is not None:
        messages = field_type.options_schema().validate(options)
        if messages:
            shown = option_settings(field_type)
            raise SettingsRefused({"options": [f"{where(shown, p.path)}: {p.message}"
                                               for p in schema_problems(messages)]}, checked)
    new_key = data.pop("key", key)
    settings = {name: data.get(name) for name in
                {s.name for s in field_settings(field_type)} - {"key"}}
    settings["options"] = options or None
    document = authoring.update_field(document, key, settings, locked)
    if new_key != key:
        document = authoring.rename_field(document, key, new_key, locked)
    return document, new_key


# --- a rule --------------------------------------------------------------------------------

def rule_update(document: Document, key: str, form: Mapping[str, Any]) -> Document:
    data = read_settings(RULE_SETTINGS, form, "rule")
    _checked(RuleSchema, {**data, "key": key}, RULE_SETTINGS)
    return authoring.update_rule(document, key, data.get("expression", ""),
                                 data.get("message", ""), data.get("fields"))


# --- the outline and the problems ------------------------------------------------------------

@dataclass
class OutlineField:
    key: str
    label: str
    type_label: str
    locked: bool
    problems: int = 0
    #: It has a condition or a formula.
    logic: bool = False


@dataclass
class OutlineSection:
    key: str
    title: str
    fields: list[OutlineField] = field(default_factory=list)
    problems: int = 0


def outline(document: Document, registry: FieldTypeRegistry, locked: frozenset[str],
            problems: list[Problem]) -> list[OutlineSection]:
    """The survey as a tree for the side of the editor, each item with its problem count."""
    counts = problems_by_item(document, problems)
    sections = []
    for section in document.get("sections") or []:
        entry = OutlineSection(section.get("key", ""), section.get("title", ""),
                               problems=counts.get(f"section:{section.get('key')}", 0))
        for item in section.get("fields") or []:
            field_type = registry.get(item.get("type", ""))
            entry.fields.append(OutlineField(
                item.get("key", ""), item.get("label", ""),
                field_type.label if field_type else item.get("type", ""),
                item.get("key") in locked, counts.get(f"field:{item.get('key')}", 0),
                any(item.get(name) for name in authoring.FIELD_EXPRESSIONS)))
        sections.append(entry)
    return sections


_PATH = re.compile(r"^sections\[(\d+)\](?:\.fields\[(\d+)\])?|^rules\[(\d+)\]")


def item_of(document: Document, path: str) -> str:
    """The builder item a problem's path is about: ``field:<key>``, ``section:<key>``,
    ``rule:<key>``, or ``survey``."""
    matched = _PATH.match(path or "")
    if matched is None:
        if path.startswith("fields."):
            return f"field:{path.split('.', 1)[1]}"
        return "survey"
    section, position, rule = matched.groups()
    try:
        if rule is not None:
            return f"rule:{document['rules'][int(rule)]['key']}"
        found = document["sections"][int(section)]
        if position is not None:
            return f"field:{found['fields'][int(position)]['key']}"
        return f"section:{found['key']}"
    except (IndexError, KeyError, TypeError):
        return "survey"


def problems_by_item(document: Document, problems: list[Problem]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for problem in problems:
        item = item_of(document, problem.path)
        counts[item] = counts.get(item, 0) + 1
    return counts


# --- trying logic --------------------------------------------------------------------------

@dataclass
class Trial:
    """A field's or a rule's logic with the sample answers typed beside it."""

    #: What each expression gives: (表示条件, "表示する") ...
    outcomes: list[tuple[str, str]]
    #: The messages the form would show, by field label.
    messages: list[tuple[str, str]]
    problems: list[str]


def compiled_or_problems(document: Document, registry: FieldTypeRegistry
                         ) -> tuple[CompiledSurvey | None, list[Problem]]:
    try:
        return compile_survey(load_definition(document), registry), []
    except DefinitionError as error:
        return None, list(error.problems)


def trial(document: Document, registry: FieldTypeRegistry, key: str | None,
          rule: str | None, answers: Mapping[str, Any]) -> Trial:
    """What the logic of the field ``key`` (or the rule ``rule``) does with ``answers``
    (typed as the fill form types them): shown or hidden, required or not, the computed
    value, the rule's message. The whole draft is compiled, so what is reported is what
    respondents will get."""
    survey, problems = compiled_or_problems(document, registry)
    if survey is None:
        return Trial([], [], [p.message for p in problems[:5]])
    values = {}
    for name, compiled in survey.fields.items():
        parsed = compiled.type.parse(answers, input_name(name))
        if parsed.error is None:
            values[name] = parsed.value
    # Only what the sample answers say: the fields left empty are not the question, so
    # "入力してください" for each of them would bury the answer.
    result = evaluate(survey, values, respondent=None, partial=True)
    variables = expression_values(survey, result.values)
    outcomes: list[tuple[str, str]] = []
    if key is not None and key in survey.fields:
        compiled = survey.fields[key]
        if compiled.visible_if is not None:
            outcomes.append(("表示条件", "表示する" if key in result.visible else "表示しない"))
        if compiled.required_if is not None:
            outcomes.append(("必須条件", "必須" if key in result.required or
                             compiled.required_if.is_true(variables) is True else "任意"))
        if compiled.compute is not None:
            value = result.values.get(key)
            outcomes.append(("計算式", "計算できません(必要な回答が空欄か、型が合いません)"
                             if value is None else compiled.type.display(value)))
    if rule is not None:
        found = next((r for r in survey.rules if r.definition.key == rule), None)
        if found is not None:
            verdict = found.expression.is_true(variables)
            outcomes.append(("ルール", "満たしている" if verdict is True else
                             "満たしていない(メッセージを表示)" if verdict is False else
                             "判定できません(必要な回答が空欄か、型が合いません)"))
    messages = [(survey.fields[k].definition.label if k in survey.fields else "フォーム全体", m)
                for k, ms in result.errors.items() for m in ms]
    return Trial(outcomes, messages, [])


def logic_of(document: Document, key: str) -> tuple[list[str], list[authoring.Reference]]:
    """(the fields the field's logic reads, who reads the field)."""
    return authoring.depends_on(document, key), authoring.dependents(document, key)


# --- what the editor shows -----------------------------------------------------------------

@dataclass
class Selected:
    """The item open in the editor: its kind, its data as stored, the settings its form
    shows, and for a field its type and logic."""

    kind: str
    key: str
    data: dict
    settings: list[Setting] = field(default_factory=list)
    field_type: Any = None
    options: list[Setting] = field(default_factory=list)
    #: Field: the keys its logic reads, and who reads it.
    reads: list[str] = field(default_factory=list)
    read_by: list[authoring.Reference] = field(default_factory=list)
    section: str = ""
    #: The fields whose answers the side panel asks for, to try the item's logic with:
    #: (key, label, choices or None), of types answered with one input.
    tried: list[tuple[str, str, list[tuple[str, str]] | None]] = field(default_factory=list)


def selection(document: Document, registry: FieldTypeRegistry, kind: str,
              key: str) -> Selected | None:
    """What the editor shows for ``kind`` (survey, section, field, rule, rules, problems,
    file) and ``key``; None when the item is not in the draft (any more)."""
    try:
        if kind == "section":
            section = document["sections"][authoring.find_section(document, key)]
            return Selected(kind, key, section, SECTION_SETTINGS)
        if kind == "field":
            s, f = authoring.find_field(document, key)
            item = document["sections"][s]["fields"][f]
            field_type = registry.get(item.get("type", ""))
            reads, read_by = logic_of(document, key)
            tried = reads if item.get("compute") else [*reads, key]
            return Selected(kind, key, item, field_settings(field_type), field_type,
                            option_settings(field_type), reads, read_by,
                            document["sections"][s].get("key", ""),
                            _tried(document, registry, tried))
        if kind == "rule":
            rule = document["rules"][authoring.find_rule(document, key)]
            keys = [k for k in authoring.field_keys(document)
                    if k in authoring.names_in(rule.get("expression"))]
            return Selected(kind, key, rule, RULE_SETTINGS,
                            tried=_tried(document, registry, keys))
    except (EditRefused, KeyError, IndexError, TypeError):
        return None
    if kind in ("rules", "problems", "file"):
        return Selected(kind, "", {})
    if kind == "survey":
        return Selected(kind, "", document, SURVEY_SETTINGS)
    return None


#: Types the side panel asks for with one text input (others are tried in the preview).
TYPED_IN_ONE_INPUT = frozenset({"integer", "decimal", "text", "long_text", "single_choice",
                                "yes_no", "date", "time", "postal_code", "phone", "email",
                                "facility_code"})


def _tried(document: Document, registry: FieldTypeRegistry,
           keys: list[str]) -> list[tuple[str, str, list[tuple[str, str]] | None]]:
    """(key, label, the choices offered or None for a text input) of each field asked."""
    fields = {item.get("key"): item for _, item in authoring.fields_of(document)}
    asked = []
    for k in keys:
        item = fields.get(k)
        if item is None or item.get("type") not in TYPED_IN_ONE_INPUT:
            continue
        options = item.get("options") or {}
        offered = None
        if item.get("type") == "yes_no":
            offered = [("yes", options.get("yes_label", "はい")),
                       ("no", options.get("no_label", "いいえ"))]
        elif item.get("type") == "single_choice":
            offered = [(str(c.get("value", "")), str(c.get("label", "")))
                       for c in item.get("choices") or [] if isinstance(c, dict)]
        asked.append((k, item.get("label", k), offered))
    return asked


def section_of(document: Document, key: str) -> str | None:
    try:
        s, _ = authoring.find_field(document, key)
    except EditRefused:
        return None
    return document["sections"][s].get("key")


def starting_settings(field_type) -> dict:
    """A new field's settings: what its type starts with (copied: documents are plain data
    that each draft owns)."""
    return copy.deepcopy(field_type.starting_settings)


# --- the preview ---------------------------------------------------------------------------

@dataclass
class Preview:
    survey: CompiledSurvey
    sections: list[PreviewSection]
    #: The section shown (the preview goes section by section, as the form does).
    current: str
    #: Messages of rules shown at the top of the form.
    form_errors: list[str]
    checked: bool


def preview(document: Document, registry: FieldTypeRegistry, form: Mapping[str, Any] | None,
            section: str | None) -> Preview | None:
    """The form as respondents get it: with ``form`` (what was typed into the preview) its
    conditions, computed fields and checks applied, as the fill page applies them; nothing
    is stored. None when the draft does not compile."""
    survey, _ = compiled_or_problems(document, registry)
    if survey is None:
        return None
    if form is None:
        result = evaluate(survey, defaults(survey), partial=True)
    else:
        result = evaluate_form(survey, form, partial=False)
    sections = preview_sections(survey, result, with_errors=form is not None)
    keys = [s.key for s in survey.sections]
    return Preview(survey, sections, section if section in keys else keys[0],
                   result.errors.get(FORM_ERRORS, []) if form is not None else [],
                   form is not None)


# --- checking an expression as it is typed -------------------------------------------------------

@dataclass
class ExpressionCheck:
    problems: list[str]
    #: Field keys (with labels) that start like the name being typed at the end.
    suggestions: list[tuple[str, str]]


_LAST_NAME = re.compile(r"([a-z_][a-z0-9_]*)$")


def check_expression(document: Document, text: str) -> ExpressionCheck:
    """The expression's syntax, the keys it names that the draft lacks and the limits on
    its size and depth, as it is typed; and the keys that complete the name at its end."""
    labels = {item.get("key"): item.get("label", "") for _, item in authoring.fields_of(document)}
    problems: list[str] = []
    if text.strip():
        try:
            expression = compile_expression(text)
        except ExpressionSyntaxError as error:
            problems.append(str(error))
        else:
            unknown = sorted(expression.variables - labels.keys() - CONTEXT_NAMES)
            problems += [f"知らない項目キー「{name}」です。" for name in unknown]
    typed = _LAST_NAME.search(text)
    suggestions = []
    if typed and not text[:typed.start()].endswith("."):
        start = typed.group(1)
        suggestions = [(k, label) for k, label in labels.items()
                       if k.startswith(start) and k != start][:8]
    return ExpressionCheck(problems, suggestions)
