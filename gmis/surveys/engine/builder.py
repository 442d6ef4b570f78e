"""A definition compiled for use: field types bound, options checked, expressions compiled
and checked against the field keys, computed fields ordered (and cycles refused).

Everything that can be wrong with a definition is found here, at load time, and reported
together with its path; nothing is left to fail while someone fills the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from marshmallow import ValidationError

from gmis.surveys.engine import limits, publication
from gmis.surveys.engine.definition import FieldDef, RuleDef, SectionDef, SurveyDefinition
from gmis.surveys.engine.errors import DefinitionError, Problem
from gmis.surveys.engine.expressions import (
    CONTEXT_NAMES,
    RESPONDENT_MEMBERS,
    Expression,
    ExpressionSyntaxError,
    compile_expression,
)
from gmis.surveys.engine.fields.base import FieldType
from gmis.surveys.engine.registry import FieldTypeRegistry


@dataclass(frozen=True)
class CompiledField:
    definition: FieldDef
    type: FieldType
    section: str
    visible_if: Expression | None
    required_if: Expression | None
    compute: Expression | None

    @property
    def key(self) -> str:
        return self.definition.key


@dataclass(frozen=True)
class CompiledRule:
    definition: RuleDef
    expression: Expression


@dataclass(frozen=True)
class CompiledSurvey:
    definition: SurveyDefinition
    fields: dict[str, CompiledField]
    rules: tuple[CompiledRule, ...]
    #: Computed fields in an order where each comes after those it uses.
    computed_order: tuple[str, ...]

    @property
    def sections(self) -> tuple[SectionDef, ...]:
        return self.definition.sections

    def section_fields(self, section_key: str) -> list[CompiledField]:
        return [f for f in self.fields.values() if f.section == section_key]

    @cached_property
    def uses_respondent(self) -> bool:
        """Whether an expression reads ``respondent`` (who is answering): only then is it
        worked out, which costs a query for the facility's designations."""
        expressions = [rule.expression for rule in self.rules] + [
            e for f in self.fields.values() for e in (f.visible_if, f.required_if, f.compute)
            if e is not None]
        return any("respondent" in e.variables for e in expressions)


def _options(registry: FieldTypeRegistry, definition: FieldDef, path: str,
             problems: list[Problem]) -> FieldType | None:
    field_type = registry.get(definition.type)
    if field_type is None:
        problems.append(Problem(f"{path}.type",
                                f"項目の種類「{definition.type}」はありません。"
                                f"使える種類: {', '.join(registry.names())}"))
        return None
    try:
        options = field_type.load_options(definition.options)
    except ValidationError as error:
        from gmis.surveys.engine.definition import schema_problems

        problems.extend(schema_problems(error.messages, f"{path}.options")
                        if "options" not in error.messages
                        else schema_problems(error.messages["options"], f"{path}.options"))
        return None
    instance = field_type(definition, options)
    problems.extend(Problem(f"{path}.{sub}" if sub else path, message)
                    for sub, message in instance.check_definition())
    return instance


@dataclass
class _Expressions:
    """Compiles a definition's expressions against its field keys, collecting problems and
    the estimated cost of them all."""

    known: set[str]
    #: The most elements each field's value holds, for the cost of a comprehension over it.
    bounds: dict[str, int]
    problems: list[Problem]
    cost: int = 0
    heaviest: tuple[int, str] = (0, "")

    def compile(self, source: str | None, path: str) -> Expression | None:
        if source is None:
            return None
        try:
            expression = compile_expression(source, self.bounds)
        except ExpressionSyntaxError as error:
            self.problems.append(Problem(path, str(error)))
            return None
        for name in sorted(expression.variables - self.known - CONTEXT_NAMES):
            self.problems.append(Problem(path, f"式が知らない項目キー「{name}」を参照しています。"))
        for name, member in sorted(expression.members):
            if name == "respondent" and member not in RESPONDENT_MEMBERS:
                usable = ", ".join(f"respondent.{m}" for m in RESPONDENT_MEMBERS)
                self.problems.append(Problem(
                    path, f"respondent に「{member}」はありません。使えるもの: {usable}"))
        self.cost += expression.cost
        self.heaviest = max(self.heaviest, (expression.cost, path))
        return expression

    def check_total(self) -> None:
        if self.cost > limits.MAX_DEFINITION_COST:
            self.problems.append(Problem(
                self.heaviest[1],
                f"定義全体の式の計算量が多すぎます(見積もり合計 {self.cost:,} 手順、"
                f"上限 {limits.MAX_DEFINITION_COST:,})。いちばん重いのはこの式です。"))


def _computed_order(fields: dict[str, CompiledField], paths: dict[str, str],
                    problems: list[Problem]) -> tuple[str, ...]:
    """Computed fields after the computed fields they use; a cycle is a problem."""
    computed = {key: f for key, f in fields.items() if f.compute is not None}
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(key: str, trail: list[str]) -> None:
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            cycle = trail[trail.index(key):] + [key]
            problems.append(Problem(paths[key] + ".compute",
                                    "計算項目が循環しています: " + " → ".join(cycle)))
            return
        state[key] = "visiting"
        for used in sorted(computed[key].compute.variables & computed.keys()):
            visit(used, trail + [key])
        state[key] = "done"
        order.append(key)

    for key in computed:
        visit(key, [])
    return tuple(order)


def compile_survey(definition: SurveyDefinition, registry: FieldTypeRegistry,
                   source: str = "<definition>") -> CompiledSurvey:
    """Compile ``definition`` or raise DefinitionError listing every problem."""
    problems: list[Problem] = []
    known = {f.key for f in definition.iter_fields()}
    paths = {f.key: f"sections[{s}].fields[{i}]" for s, section in enumerate(definition.sections)
             for i, f in enumerate(section.fields)}
    # Types first: a comprehension's cost depends on the field it runs over.
    types = {f.key: _options(registry, f, paths[f.key], problems)
             for f in definition.iter_fields()}
    expressions = _Expressions(known, {key: instance.iteration_bound()
                                       for key, instance in types.items()
                                       if instance is not None}, problems)
    fields: dict[str, CompiledField] = {}
    for section in definition.sections:
        for field_def in section.fields:
            path = paths[field_def.key]
            fields[field_def.key] = CompiledField(
                definition=field_def,
                type=types[field_def.key],
                section=section.key,
                visible_if=expressions.compile(field_def.visible_if, f"{path}.visible_if"),
                required_if=expressions.compile(field_def.required_if, f"{path}.required_if"),
                compute=expressions.compile(field_def.compute, f"{path}.compute"),
            )
    rules = []
    for r, rule in enumerate(definition.rules):
        expression = expressions.compile(rule.expression, f"rules[{r}].expression")
        for name in rule.fields:
            if name not in known:
                problems.append(Problem(f"rules[{r}].fields",
                                        f"知らない項目キー「{name}」です。"))
        if expression is not None:
            rules.append(CompiledRule(rule, expression))
    expressions.check_total()
    problems.extend(publication.problems(definition, {
        key: f.definition.type for key, f in fields.items()}))
    order = _computed_order(fields, paths, problems)
    if problems:
        raise DefinitionError(source, problems)
    return CompiledSurvey(definition, fields, tuple(rules), order)
