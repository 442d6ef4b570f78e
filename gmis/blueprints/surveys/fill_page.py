"""What the fill page shows: the response being filled and its URLs, its sections with
their progress, each field's state, the fields a change of one field affects, and the
messages of a submission."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import abort, url_for

from gmis.models import Role, User
from gmis.surveys.answering import target_for
from gmis.surveys.engine import periods
from gmis.surveys.engine.builder import CompiledField, CompiledSurvey
from gmis.surveys.engine.validation import FORM_ERRORS
from gmis.surveys.store import responses
from gmis.surveys.store.responses import Answers, Target
from gmis.surveys.store.unchanged import previous_answers


@dataclass
class FillPage:
    """A response being filled: the target and how to reach its URLs."""

    target: Target
    #: ``?facility=`` of an aggregator's URLs.
    facility_arg: str | None

    @property
    def compiled(self) -> CompiledSurvey:
        return self.target.compiled

    def url(self, endpoint: str = "surveys.fill", **args) -> str:
        if self.facility_arg:
            args["facility"] = self.facility_arg
        return url_for(endpoint, survey_key=self.target.survey.key,
                       period_key=self.target.period.key, **args)

    @property
    def single_section(self) -> bool:
        return len(self.compiled.sections) == 1

    @property
    def correcting(self) -> bool:
        """A submitted response: changes are a correction, saved apart until submitted."""
        return self.target.correcting

    @property
    def has_correction(self) -> bool:
        """A correction is saved but not submitted yet."""
        response = self.target.response
        return self.correcting and (response.correction is not None
                                    or bool(response.pending_inputs))

    def section(self, requested: str | None) -> str | None:
        """The section shown (None: all of them). Every section is in the page; the
        others are hidden, and switched to in the browser without a request."""
        if self.single_section:
            return None
        keys = [s.key for s in self.compiled.sections]
        return requested if requested in keys else keys[0]

    def posted_section(self, form) -> str | None:
        """The section the submitted form showed ("" for all); anything else is refused."""
        value = form.get("section", "")
        if value == "":
            return None
        if value not in {s.key for s in self.compiled.sections}:
            abort(400)
        return value


def open_page(user: User, survey_key: str, period_key: str,
              facility_arg: str | None) -> FillPage:
    target = target_for(user, survey_key, period_key, facility_arg)
    return FillPage(target, facility_arg if user.role == Role.aggregator else None)


@dataclass
class FieldView:
    """Everything ``surveys/_field.html`` needs for one field."""

    field: CompiledField
    value: Any
    answer: Any
    errors: list[str]
    required: bool
    hidden: bool
    #: A digest of what the wrapper shows, for fields other fields can change: a check of
    #: one field re-sends only the dependants whose digest differs from the page's.
    state: str | None


@dataclass
class SectionView:
    key: str
    title: str
    description: str
    fields: list[FieldView]
    answered: int
    required: int
    errors: int

    @property
    def label(self) -> str:
        """"3/5": required fields answered; sections without any say so."""
        return f"{self.answered}/{self.required}" if self.required else "任意"


def _variables(compiled: CompiledSurvey, answers: Answers, context: dict) -> dict:
    variables: dict[str, Any] = dict.fromkeys(compiled.fields)
    for key, value in answers.evaluation.values.items():
        compiled_field = compiled.fields[key]
        if not compiled_field.type.is_empty(value):
            variables[key] = value if compiled_field.compute else compiled_field.type.to_cel(value)
    variables["respondent"] = context
    return variables


def required_keys(page: FillPage, answers: Answers) -> set[str]:
    """Visible fields that must be answered now (answered or not)."""
    compiled, evaluation = page.compiled, answers.evaluation
    keys = set(evaluation.required)
    variables = None
    for key in evaluation.visible:
        compiled_field = compiled.fields[key]
        if compiled_field.compute is not None or key in keys:
            continue
        if compiled_field.definition.required:
            keys.add(key)
        elif compiled_field.required_if is not None:
            if variables is None:
                variables = _variables(compiled, answers,
                                       page.target.respondent.expression_context())
            if compiled_field.required_if.is_true(variables) is True:
                keys.add(key)
    return keys


def watched_keys(compiled: CompiledSurvey) -> set[str]:
    """Fields (and the form's own message box) that another field's change can alter."""
    keys = {key for key, f in compiled.fields.items()
            if f.visible_if or f.required_if or f.compute}
    for rule in compiled.rules:
        keys |= set(rule.definition.fields) or {FORM_ERRORS}
    return keys


def dependants(compiled: CompiledSurvey, key: str) -> set[str]:
    """What a change of ``key`` can alter: conditions and computed values that use it
    (through computed fields too) and the fields where rules using it speak."""
    affected = {key}
    for computed in compiled.computed_order:
        if compiled.fields[computed].compute.variables & affected:
            affected.add(computed)
    found = {other for other, f in compiled.fields.items()
             if any(e is not None and e.variables & affected
                    for e in (f.visible_if, f.required_if, f.compute))}
    for rule in compiled.rules:
        if rule.expression.variables & affected:
            found |= set(rule.definition.fields) or {FORM_ERRORS}
    return found - {key}


def _digest(*parts: Any) -> str:
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def field_view(page: FillPage, answers: Answers, key: str, required: set[str],
               watched: set[str]) -> FieldView:
    compiled_field = page.compiled.fields[key]
    evaluation = answers.evaluation
    hidden = key not in evaluation.visible
    errors = [] if hidden else evaluation.errors.get(key, [])
    answer = evaluation.values.get(key)
    state = None
    if key in watched:
        shown = compiled_field.type.display(answer) if compiled_field.compute else ""
        state = _digest(int(hidden), int(key in required), shown, *errors)
    return FieldView(compiled_field, answers.control_value(page.compiled, key), answer,
                     errors, key in required, hidden, state)


def form_errors_state(answers: Answers) -> str:
    return _digest(*answers.evaluation.errors.get(FORM_ERRORS, []))


def sections(page: FillPage, answers: Answers) -> list[SectionView]:
    """Every section with its fields and progress."""
    compiled, evaluation = page.compiled, answers.evaluation
    required = required_keys(page, answers)
    watched = watched_keys(compiled)
    views = []
    for definition in compiled.sections:
        keys = [f.key for f in compiled.section_fields(definition.key)]
        needed = [k for k in keys if k in required]
        answered = [k for k in needed if k not in answers.invalid
                    and not compiled.fields[k].type.is_empty(evaluation.values.get(k))]
        fields = [field_view(page, answers, k, required, watched) for k in keys]
        views.append(SectionView(
            definition.key, definition.title, definition.description, fields,
            len(answered), len(needed),
            sum(1 for k in keys if k in evaluation.visible and evaluation.errors.get(k))))
    return views


@dataclass(frozen=True)
class ErrorLink:
    key: str
    label: str
    message: str
    #: The section holding the field ("" for the form's own messages).
    section: str = ""


def error_summary(compiled: CompiledSurvey, answers: Answers) -> list[ErrorLink]:
    """Every message of the form, in the order of the fields, for the summary at the top."""
    errors = answers.evaluation.errors
    links = [ErrorLink("", "", message) for message in errors.get(FORM_ERRORS, [])]
    for key, compiled_field in compiled.fields.items():
        if key in answers.evaluation.visible:
            links += [ErrorLink(key, compiled_field.definition.label, message,
                                compiled_field.section)
                      for message in errors.get(key, [])]
    return links


def first_error_section(page: FillPage, summary: list[ErrorLink],
                        section: str | None) -> str | None:
    """The section a page of messages opens: the one of the first field in error."""
    return page.section(next((link.section for link in summary if link.section), section))


def page_context(page: FillPage, answers: Answers, section: str | None, **extra) -> dict:
    target = page.target
    context = dict(
        page=page, target=target, response=target.response, survey=target.compiled,
        definition=target.compiled.definition, period=target.period,
        respondent=target.respondent, section=section, sections=sections(page, answers),
        form_errors=answers.evaluation.errors.get(FORM_ERRORS, []),
        form_errors_state=form_errors_state(answers),
        revision=target.response.revision if target.response is not None else 0,
        due=periods.due_at(target.compiled.definition.period, target.period),
        summary=[], conflict=None, notice=None,
        # The previous period's answers, beside each field (one query per page).
        previous_answers=previous_answers(target),
    )
    context.update(extra)
    return context


def validation(page: FillPage, form) -> tuple[FieldView, list[FieldView], dict]:
    """Check the field named ``field`` as it changed: its view, the views of the fields on
    the page whose state it changed, and the page's progress."""
    key = form.get("field", "")
    section = page.posted_section(form)
    compiled_field = page.compiled.fields.get(key)
    if compiled_field is None or compiled_field.compute:
        abort(400)
    # Every section is in the form: a check sees every field.
    answers = responses.read_answers(page.target, form, None, partial=True)
    required = required_keys(page, answers)
    watched = watched_keys(page.compiled)
    view = field_view(page, answers, key, required, watched)
    changed = []
    affected = dependants(page.compiled, key)
    for other in page.compiled.fields:
        if other not in affected:
            continue
        other_view = field_view(page, answers, other, required, watched)
        if other_view.state != form.get(f"_state.{other}"):
            changed.append(other_view)
    context = page_context(page, answers, section)
    context["form_errors_changed"] = (FORM_ERRORS in affected and
                                      form.get("_state.__form__") != context["form_errors_state"])
    return view, changed, context
