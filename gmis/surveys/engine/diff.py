"""What changed between two versions of a survey definition (版の差分).

``diff_definitions(old, new)`` compares the definitions themselves, not their text: the
survey's own settings (title, period, respondents), its sections, its fields and its rules,
matched by key. Each changed attribute carries its Japanese name and both values as text,
ready for the version page and for people who review a version before publishing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gmis.surveys.engine.definition import (
    FACILITY_TYPE_LABELS,
    PERIOD_KIND_LABELS,
    RESPONDENT_ROLE_LABELS,
    WEEKDAY_LABELS,
    Choice,
    FieldDef,
    RuleDef,
    SectionDef,
    SurveyDefinition,
)

NONE = "(なし)"

@dataclass(frozen=True)
class Change:
    """One attribute that differs: its Japanese name and both values as text."""

    attribute: str
    old: str
    new: str


@dataclass(frozen=True)
class FieldChange:
    key: str
    #: The label in the new version.
    label: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class SectionChange:
    key: str
    title: str
    changes: tuple[Change, ...]

    @property
    def renamed(self) -> bool:
        return any(change.attribute == "見出し" for change in self.changes)


@dataclass(frozen=True)
class RuleChange:
    key: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class DefinitionDiff:
    #: Title, description, period and respondents.
    survey: tuple[Change, ...] = ()
    sections_added: tuple[SectionDef, ...] = ()
    sections_removed: tuple[SectionDef, ...] = ()
    sections_changed: tuple[SectionChange, ...] = ()
    fields_added: tuple[FieldDef, ...] = ()
    fields_removed: tuple[FieldDef, ...] = ()
    fields_changed: tuple[FieldChange, ...] = ()
    #: Fields that stay in their section come in another order there.
    fields_reordered: bool = False
    rules_added: tuple[RuleDef, ...] = ()
    rules_removed: tuple[RuleDef, ...] = ()
    rules_changed: tuple[RuleChange, ...] = ()

    @property
    def sections_renamed(self) -> tuple[SectionChange, ...]:
        return tuple(change for change in self.sections_changed if change.renamed)

    @property
    def is_empty(self) -> bool:
        return not any((self.survey, self.sections_added, self.sections_removed,
                        self.sections_changed, self.fields_added, self.fields_removed,
                        self.fields_changed, self.fields_reordered, self.rules_added,
                        self.rules_removed, self.rules_changed))

    def field_change(self, key: str) -> FieldChange | None:
        return next((change for change in self.fields_changed if change.key == key), None)


# --- values as text --------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None or value == "" or value == () or value == {}:
        return NONE
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _labels(names: Mapping[str, str]) -> Callable[[Any], str]:
    def text(value: Any) -> str:
        if isinstance(value, tuple | list):
            return "、".join(names.get(v, v) for v in value) if value else NONE
        return names.get(value, value) if value else NONE

    return text


def _listed(value: tuple) -> str:
    return "、".join(value) if value else NONE


def _choices(choices: tuple[Choice, ...]) -> str:
    return " / ".join(f"{c.value}: {c.label}" for c in choices) if choices else NONE


def _range(field: FieldDef) -> tuple:
    return field.min, field.max


def _range_text(bounds: tuple) -> str:
    low, high = bounds
    if low is None and high is None:
        return "制限なし"
    return f"{'' if low is None else low}〜{'' if high is None else high}"


def _compare(old: Any, new: Any, attributes: tuple) -> tuple[Change, ...]:
    """(Japanese name, how to read the value, how to show it) for each attribute."""
    changes = []
    for name, read, show in attributes:
        before, after = read(old), read(new)
        if before != after:
            changes.append(Change(name, show(before), show(after)))
    return tuple(changes)


def _attribute(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name)


# --- what is compared --------------------------------------------------------------------

SURVEY_ATTRIBUTES = (
    ("調査名", _attribute("title"), _text),
    ("説明", _attribute("description"), _text),
)

PERIOD_ATTRIBUTES = (
    ("周期", _attribute("kind"), _labels(PERIOD_KIND_LABELS)),
    ("締切時刻", _attribute("due_time"), _text),
    ("締切曜日", _attribute("due_weekday"), _labels(WEEKDAY_LABELS)),
    ("回答受付期間(開始)", _attribute("window_start"), _text),
    ("回答受付期間(終了)", _attribute("window_end"), _text),
    ("過去分の回答可能期間", _attribute("backfill_periods"), lambda n: f"{n}期間前まで"),
)

RESPONDENT_ATTRIBUTES = (
    ("回答者", _attribute("roles"), _labels(RESPONDENT_ROLE_LABELS)),
    ("対象施設種別", _attribute("facility_types"), _labels(FACILITY_TYPE_LABELS)),
    ("対象の指定", _attribute("designations"), _listed),
    ("対象都道府県", _attribute("prefectures"), _listed),
    ("とりまとめ団体の代理回答", _attribute("aggregators_on_behalf"), _text),
)

SECTION_ATTRIBUTES = (
    ("見出し", _attribute("title"), _text),
    ("説明", _attribute("description"), _text),
)

RULE_ATTRIBUTES = (
    ("条件式", _attribute("expression"), _text),
    ("メッセージ", _attribute("message"), _text),
    ("対象項目", _attribute("fields"), _listed),
)


def field_attributes(type_labels: Mapping[str, str] | None = None) -> tuple:
    def type_text(name: str) -> str:
        label = (type_labels or {}).get(name)
        return f"{label}({name})" if label else name

    return (
        ("種類", _attribute("type"), type_text),
        ("項目名", _attribute("label"), _text),
        ("説明文", _attribute("help"), _text),
        ("単位", _attribute("unit"), _text),
        ("必須", _attribute("required"), _text),
        ("必須条件", _attribute("required_if"), _text),
        ("表示条件", _attribute("visible_if"), _text),
        ("範囲", _range, _range_text),
        ("選択肢", _attribute("choices"), _choices),
        ("初期値", _attribute("default"), _text),
        ("前回回答の引継ぎ", _attribute("prefill"), _text),
        ("変化なしの日の値", _attribute("unchanged_value"), _text),
        ("計算式", _attribute("compute"), _text),
        ("固定項目(都道府県による変更不可)", _attribute("locked"), _text),
        ("住民への公開", _attribute("public"), _text),
        ("種類ごとの設定", _attribute("options"), _text),
    )


# --- the diff ------------------------------------------------------------------------------

def _by_key(items) -> dict:
    return {item.key: item for item in items}


def _sections_of(definition: SurveyDefinition) -> dict[str, str]:
    return {f.key: s.key for s in definition.sections for f in s.fields}


def diff_definitions(old: SurveyDefinition | None, new: SurveyDefinition, *,
                     type_labels: Mapping[str, str] | None = None) -> DefinitionDiff:
    """How ``new`` differs from ``old``; with no ``old``, everything in ``new`` is added.
    ``type_labels`` maps field-type names to their Japanese names (shown with the name)."""
    if old is None:
        return DefinitionDiff(sections_added=new.sections, fields_added=tuple(new.iter_fields()),
                              rules_added=new.rules)

    survey = (_compare(old, new, SURVEY_ATTRIBUTES)
              + _compare(old.period, new.period, PERIOD_ATTRIBUTES)
              + _compare(old.respondents, new.respondents, RESPONDENT_ATTRIBUTES))

    old_sections, new_sections = _by_key(old.sections), _by_key(new.sections)
    sections_changed = []
    for key, section in new_sections.items():
        if key in old_sections:
            changes = _compare(old_sections[key], section, SECTION_ATTRIBUTES)
            if changes:
                sections_changed.append(SectionChange(key, section.title, changes))

    old_fields, new_fields = _by_key(old.iter_fields()), _by_key(new.iter_fields())
    old_homes, new_homes = _sections_of(old), _sections_of(new)
    attributes = field_attributes(type_labels)
    fields_changed = []
    for key, field in new_fields.items():
        if key not in old_fields:
            continue
        changes = _compare(old_fields[key], field, attributes)
        if old_homes[key] != new_homes[key]:
            changes += (Change("セクション", _section_title(old, old_homes[key]),
                               _section_title(new, new_homes[key])),)
        if changes:
            fields_changed.append(FieldChange(key, field.label, changes))
    reordered = any(
        [f.key for f in old_sections[key].fields if new_homes.get(f.key) == key]
        != [f.key for f in section.fields if old_homes.get(f.key) == key]
        for key, section in new_sections.items() if key in old_sections)

    old_rules, new_rules = _by_key(old.rules), _by_key(new.rules)
    rules_changed = []
    for key, rule in new_rules.items():
        if key in old_rules:
            changes = _compare(old_rules[key], rule, RULE_ATTRIBUTES)
            if changes:
                rules_changed.append(RuleChange(key, changes))

    return DefinitionDiff(
        survey=survey,
        sections_added=tuple(s for k, s in new_sections.items() if k not in old_sections),
        sections_removed=tuple(s for k, s in old_sections.items() if k not in new_sections),
        sections_changed=tuple(sections_changed),
        fields_added=tuple(f for k, f in new_fields.items() if k not in old_fields),
        fields_removed=tuple(f for k, f in old_fields.items() if k not in new_fields),
        fields_changed=tuple(fields_changed),
        fields_reordered=reordered,
        rules_added=tuple(r for k, r in new_rules.items() if k not in old_rules),
        rules_removed=tuple(r for k, r in old_rules.items() if k not in new_rules),
        rules_changed=tuple(rules_changed),
    )


def _section_title(definition: SurveyDefinition, key: str) -> str:
    section = next(s for s in definition.sections if s.key == key)
    return f"{section.title}({key})"

