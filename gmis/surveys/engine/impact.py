"""What publishing a new version would do (影響の確認), change by change.

Each change of the diff (``gmis.surveys.engine.diff``) is classified for the people who
publish it:

- **safe** (影響なし): a label, a help text, a new optional field, a removed rule;
- **affects answers** (回答に影響): what respondents must now answer differs: a new required
  field, a narrower range, fewer choices, a new or changed rule or condition, another
  period or other respondents. For these, ``failing_counts`` tells how many of the answers
  given to the old version in its last period the new one would refuse;
- **breaks consumers** (利用側に影響): a removed or re-typed field that something else reads:
  a feature's declared contract (the bed view, SOS), the CSV exports (every field is a
  column), or a prefecture's extension whose conditions and rules name it.

Pure: the store gathers the extensions and the answers, and fills in the counts.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from gmis.surveys.engine import contracts as declared_contracts
from gmis.surveys.engine.authoring import names_in
from gmis.surveys.engine.builder import CompiledSurvey
from gmis.surveys.engine.definition import FieldDef, SurveyDefinition
from gmis.surveys.engine.diff import DefinitionDiff, FieldChange
from gmis.surveys.engine.fields.base import UNREADABLE
from gmis.surveys.engine.validation import evaluate


class Impact(enum.StrEnum):
    safe = "safe"
    answers = "answers"
    consumers = "consumers"

    @property
    def label(self) -> str:
        return IMPACT_LABELS[self]


IMPACT_LABELS = {Impact.safe: "影響なし", Impact.answers: "回答に影響",
                 Impact.consumers: "利用側に影響"}


@dataclass(frozen=True)
class ImpactItem:
    impact: Impact
    #: What it is about, as people see it: 項目「空床数」, ルール「...」, 調査の設定.
    subject: str
    #: What changed, in Japanese.
    change: str
    #: The field key (or rule key) it is about, for a link to it; None for the survey.
    key: str | None = None
    #: Rule items: the rule's key (its message is shown at ``fields`` or the form's top).
    rule: str | None = None
    #: Who reads the key: features, the CSV exports, prefectures' extensions.
    consumers: tuple[str, ...] = ()
    #: Of the answers checked (``ImpactReport.checked``), how many the new version refuses.
    failing: int | None = None


@dataclass(frozen=True)
class ImpactReport:
    items: tuple[ImpactItem, ...]
    #: How many answers of the old version's last period were checked (None: none were).
    checked: int | None = None

    def of(self, impact: Impact) -> list[ImpactItem]:
        return [item for item in self.items if item.impact == impact]

    @property
    def worst(self) -> Impact:
        for impact in (Impact.consumers, Impact.answers):
            if self.of(impact):
                return impact
        return Impact.safe


#: Field attributes whose change alters what respondents must answer.
ANSWER_ATTRIBUTES = {"必須", "必須条件", "表示条件", "範囲", "選択肢", "計算式", "種類ごとの設定",
                     "初期値", "変化なしの日の値", "前回回答の引継ぎ", "セクション"}
#: Survey settings whose change alters who answers or when.
SURVEY_ANSWER_ATTRIBUTES = {"周期", "締切時刻", "締切曜日", "回答受付期間(開始)",
                            "回答受付期間(終了)", "過去分の回答可能期間", "回答者",
                            "対象施設種別", "対象の指定", "対象都道府県",
                            "とりまとめ団体の代理回答"}


def readers(survey: SurveyDefinition,
            extensions: Mapping[str, SurveyDefinition] | None = None,
            contracts: Iterable[declared_contracts.Contract] | None = None
            ) -> dict[str, list[str]]:
    """Who reads which field of ``survey``, besides the survey itself: each feature's
    contract, and each prefecture's extension (prefecture name → its definition) whose
    conditions, formulas and rules name one of the survey's fields."""
    found: dict[str, list[str]] = {}
    for contract in declared_contracts.declared() if contracts is None else contracts:
        if contract.survey == survey.key:
            for need in contract.fields:
                found.setdefault(need.key, []).append(f"「{contract.feature}」")
    keys = {field.key for field in survey.iter_fields()}
    for name, definition in (extensions or {}).items():
        read: set[str] = set()
        for field in definition.iter_fields():
            for expression in (field.visible_if, field.required_if, field.compute):
                read |= names_in(expression)
        for rule in definition.rules:
            read |= names_in(rule.expression) | set(rule.fields)
        for key in sorted(read & keys):
            found.setdefault(key, []).append(f"{name}の版の式・ルール")
    return found


def classify(old: SurveyDefinition, new: SurveyDefinition, diff: DefinitionDiff,
             read_by: Mapping[str, list[str]] | None = None) -> ImpactReport:
    """Every change of ``diff`` (from ``old`` to ``new``) with its impact."""
    read_by = read_by or {}
    items: list[ImpactItem] = []
    for change in diff.survey:
        impact = Impact.answers if change.attribute in SURVEY_ANSWER_ATTRIBUTES else Impact.safe
        items.append(ImpactItem(impact, "調査の設定",
                                f"{change.attribute}: {change.old} → {change.new}"))
    for field in diff.fields_added:
        required = field.required or field.required_if
        items.append(ImpactItem(
            Impact.answers if required else Impact.safe, _field_subject(field),
            "必須の項目を追加" if field.required else
            "条件つきで必須の項目を追加" if field.required_if else "任意の項目を追加",
            key=field.key))
    for field in diff.fields_removed:
        items.append(ImpactItem(Impact.consumers, _field_subject(field), "項目を削除",
                                key=field.key, consumers=_consumers(field, read_by)))
    old_fields = {f.key: f for f in old.iter_fields()}
    for change in diff.fields_changed:
        items.append(_field_change(change, old_fields[change.key], read_by))
    for rule in diff.rules_added:
        items.append(ImpactItem(Impact.answers, f"ルール「{rule.message}」", "ルールを追加",
                                key=rule.fields[0] if rule.fields else None, rule=rule.key))
    for change in diff.rules_changed:
        rule = next(r for r in new.rules if r.key == change.key)
        items.append(ImpactItem(Impact.answers, f"ルール「{rule.message}」",
                                "、".join(c.attribute for c in change.changes) + "を変更",
                                key=rule.fields[0] if rule.fields else None, rule=rule.key))
    for rule in diff.rules_removed:
        items.append(ImpactItem(Impact.safe, f"ルール「{rule.message}」", "ルールを削除"))
    for section in diff.sections_added:
        items.append(ImpactItem(Impact.safe, f"セクション「{section.title}」", "セクションを追加"))
    for section in diff.sections_removed:
        items.append(ImpactItem(Impact.safe, f"セクション「{section.title}」", "セクションを削除"))
    for change in diff.sections_changed:
        items.append(ImpactItem(Impact.safe, f"セクション「{change.title}」",
                                "、".join(c.attribute for c in change.changes) + "を変更"))
    if diff.fields_reordered:
        items.append(ImpactItem(Impact.safe, "項目の順序", "セクション内の項目の順序を変更"))
    order = {Impact.consumers: 0, Impact.answers: 1, Impact.safe: 2}
    return ImpactReport(tuple(sorted(items, key=lambda item: order[item.impact])))


def _field_subject(field: FieldDef) -> str:
    return f"項目「{field.label}」({field.key})"


def _consumers(field: FieldDef, read_by: Mapping[str, list[str]]) -> tuple[str, ...]:
    return (*read_by.get(field.key, ()), f"CSV出力の列「{field.label}」")


def _field_change(change: FieldChange, old: FieldDef,
                  read_by: Mapping[str, list[str]]) -> ImpactItem:
    names = {c.attribute for c in change.changes}
    described = "、".join(f"{c.attribute}: {c.old} → {c.new}" for c in change.changes)
    subject = f"項目「{change.label}」({change.key})"
    if "種類" in names:
        return ImpactItem(Impact.consumers, subject, described, key=change.key,
                          consumers=_consumers(old, read_by))
    impact = Impact.answers if names & ANSWER_ATTRIBUTES else Impact.safe
    return ImpactItem(impact, subject, described, key=change.key)


@dataclass
class Refusals:
    """What the new version refuses of older answers: per field key (``FORM_ERRORS`` for
    rules shown at the top of the form) and per message, counted once per answer."""

    fields: Counter
    messages: Counter
    checked: int


def refusals(survey: CompiledSurvey, answers: Iterable[Mapping[str, Any]],
             respondent: Mapping[str, Any] | None = None) -> Refusals:
    """How the compiled new version judges answers given to an older one. Fields the new
    version does not have are not read, nor answers a re-typed field cannot read (the
    change is reported as breaking consumers already): as a new response skips them."""
    found = Refusals(Counter(), Counter(), 0)
    for stored in answers:
        found.checked += 1
        values = {}
        for key, value in stored.items():
            if key in survey.fields:
                try:
                    values[key] = survey.fields[key].type.from_json(value)
                except UNREADABLE:
                    continue
        result = evaluate(survey, values, respondent=respondent)
        found.fields.update(result.errors.keys())
        found.messages.update({m for messages in result.errors.values() for m in messages})
    return found


def with_counts(report: ImpactReport, survey: CompiledSurvey, found: Refusals) -> ImpactReport:
    """The report with each answers item's count: the answers refused at its field, or for
    a rule the answers that get its message."""
    items = []
    for item in report.items:
        if item.impact != Impact.answers or (item.key is None and item.rule is None):
            items.append(item)
            continue
        if item.rule is not None:
            rule = next((r for r in survey.definition.rules if r.key == item.rule), None)
            failing = found.messages.get(rule.message, 0) if rule else 0
        else:
            failing = found.fields.get(item.key, 0)
        items.append(replace(item, failing=failing))
    return ImpactReport(tuple(items), found.checked)
