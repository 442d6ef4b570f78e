"""前日から変更なし: a period answered in one go with what still stands from the
respondent's previous answer.

What is submitted is worked out from the definition alone: each field's ``default``, then
its ``unchanged_value`` (a figure that is not carried over, such as a day's admissions, on a
day when nothing happened), then the previous answer of the fields marked ``prefill`` (what
stands until it changes: inpatients, vacant beds, stock). It goes through the same checks
and the same save as the form, so a required field nothing fills or a rule that fails
stops it, and is named.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from gmis.models import ANSWERED_STATUSES, ResponseStatus, SurveyResponse
from gmis.refusals import conflict
from gmis.surveys.engine.builder import CompiledField, CompiledSurvey
from gmis.surveys.engine.periods import Period
from gmis.surveys.engine.validation import (
    FORM_ERRORS,
    defaults,
    evaluate,
    prefill,
    unchanged_values,
)
from gmis.surveys.store.responses import Answers, Target, display

CARRIED, UNCHANGED, MIXED, DEFAULT, COMPUTED = (
    "carried", "unchanged", "mixed", "default", "computed")
#: How the confirmation names where a value comes from (MIXED: a table whose stock columns
#: carry over and whose use columns take their unchanged value).
SOURCE_LABELS = {CARRIED: "前回から引継ぎ", UNCHANGED: "変化なしの値",
                 MIXED: "前回から引継ぎ・変化なしの値", DEFAULT: "既定値", COMPUTED: "自動計算"}
#: A period already answered (or answered for review) is corrected in the form instead.
OPEN_STATUSES = (None, ResponseStatus.draft)


def action_label(period: Period) -> str:
    """What the action is called: a daily survey's previous period is the day before."""
    return "前日から変更なし" if period.kind == "daily" else "前回から変更なし"


def short_day(day: date) -> str:
    """「12/01」: the previous period beside a field and on the confirmation."""
    return f"{day.month:02d}/{day.day:02d}"


@dataclass(frozen=True)
class Item:
    """One field as it will be submitted."""

    field: CompiledField
    value: Any
    #: CARRIED, UNCHANGED, DEFAULT, COMPUTED, or None (left empty).
    source: str | None
    #: The draft's value as text, when a draft holds something else.
    draft: str | None = None

    @property
    def text(self) -> str:
        return self.field.type.display(self.value)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, "")


@dataclass(frozen=True)
class Problem:
    """Why the unchanged day cannot be submitted: a field (or the form) and its message."""

    key: str
    label: str
    section: str | None
    message: str


@dataclass
class UnchangedDay:
    target: Target
    previous: SurveyResponse
    #: Evaluated as a submission; what ``responses.save`` stores.
    answers: Answers
    #: (section, items) in the survey's order; visible fields only.
    sections: list[tuple[Any, list[Item]]]
    problems: list[Problem]
    #: Of what would be stored: the confirmation posts it back, so that what is submitted
    #: is what was shown.
    digest: str

    @property
    def submittable(self) -> bool:
        return not self.problems

    @property
    def previous_day(self) -> str:
        return short_day(self.previous.period_start)

    @property
    def draft_differs(self) -> bool:
        return any(item.draft is not None for _, items in self.sections for item in items)


def unchanged_answers(compiled: CompiledSurvey, earlier: dict) -> tuple[dict, dict[str, str]]:
    """The values of a period when nothing happened since the ``earlier`` answers (stored
    JSON), and where each comes from: defaults, then unchanged values, then what carries
    over (laid over them: a table keeps its stock columns and its use columns' zeros)."""
    values: dict[str, Any] = defaults(compiled)
    sources = dict.fromkeys(values, DEFAULT)
    for source, found in ((UNCHANGED, unchanged_values(compiled)),
                          (CARRIED, prefill(compiled, earlier))):
        for key, value in found.items():
            merged = compiled.fields[key].type.overlay(values.get(key), value)
            sources[key] = MIXED if merged != value and sources.get(key) == UNCHANGED else source
            values[key] = merged
    return values, sources


def unchanged_day(target: Target) -> UnchangedDay:
    """What 前日から変更なし would submit for ``target``, or Refused (409) when the period is
    no longer open for it or there is no earlier answer to start from."""
    if target.status not in OPEN_STATUSES:
        raise conflict("この期間の回答はすでに提出されています。変更はフォームで行ってください。"
                       if target.status != ResponseStatus.returned else
                       "差し戻された回答は、フォームで修正して再提出してください。")
    previous = target.previous
    if previous is None:
        raise conflict(f"前回の回答がないため「{action_label(target.period)}」は使えません。"
                       "フォームから回答してください。")
    if previous.status not in ANSWERED_STATUSES:
        # The form pre-fills from a draft too; repeating one as reported figures may not.
        raise conflict(f"前回の回答が提出されていないため「{action_label(target.period)}」は"
                       "使えません。フォームで内容を確認して回答してください。")
    compiled = target.compiled
    values, sources = unchanged_answers(compiled, previous.answers)
    context = target.respondent.expression_context() if compiled.uses_respondent else {}
    evaluation = evaluate(compiled, values, respondent=context, partial=False)
    answers = Answers(evaluation, typed=values, raw={}, type_errors={}, values=values,
                      context=context)
    stored = evaluation.answers(compiled)
    draft = target.response.answers if target.response is not None else None

    sections = []
    for section in compiled.sections:
        items = []
        for compiled_field in compiled.section_fields(section.key):
            key = compiled_field.key
            if key not in evaluation.visible:
                continue
            value = evaluation.values.get(key)
            empty = compiled_field.type.is_empty(value)
            source = COMPUTED if compiled_field.compute else None if empty else sources.get(key)
            differs = draft is not None and draft.get(key) != stored.get(key)
            items.append(Item(compiled_field, value, source,
                              display(compiled, key, draft.get(key)) if differs else None))
        sections.append((section, items))

    problems = [Problem("", "", None, message)
                for message in evaluation.errors.get(FORM_ERRORS, [])]
    for key, compiled_field in compiled.fields.items():
        if key in evaluation.visible:
            problems += [Problem(key, compiled_field.definition.label, compiled_field.section,
                                 message) for message in evaluation.errors.get(key, [])]
    digest = hashlib.blake2s(json.dumps(stored, sort_keys=True, ensure_ascii=False).encode(),
                             digest_size=8).hexdigest()
    return UnchangedDay(target, previous, answers, sections, problems, digest)


@dataclass(frozen=True)
class PreviousAnswers:
    """The previous period's answers as text, shown small beside each field of the form."""

    day: str
    texts: dict[str, str]
    #: 前日から変更なし is offered (the period is not submitted yet).
    offers_unchanged: bool


def previous_answers(target: Target) -> PreviousAnswers | None:
    previous = target.previous
    if previous is None:
        return None
    compiled = target.compiled
    texts = {key: display(compiled, key, value) for key, value in previous.answers.items()
             if key in compiled.fields and value is not None}
    return PreviousAnswers(short_day(previous.period_start), texts,
                           target.status in OPEN_STATUSES)
