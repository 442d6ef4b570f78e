"""The survey definition format (``schema_version: 1``) and its marshmallow schema.

A definition is a YAML or JSON document; ``docs/survey-definitions.md`` documents every key.
``parse_definition`` turns text into a ``SurveyDefinition``, or raises ``DefinitionError``
naming the file, the path inside it and every problem found. Type-specific options and
expressions are checked by the builder, which knows the field types.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from gmis.surveys.engine import limits
from gmis.surveys.engine.document import DocumentRefused, read_document, reader_reason, too_large
from gmis.surveys.engine.errors import DefinitionError, Problem
from gmis.surveys.engine.source_map import located

SCHEMA_VERSION = 1

#: Keys become CEL variables and form input names: lower-case ASCII, digits and underscores.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
KEY_MESSAGE = "キーは英小文字で始まり、英小文字・数字・_ のみ(63文字以内)で書いてください。"

PERIOD_KINDS = ("daily", "weekly", "fiscal_year", "ad_hoc", "report")
RESPONDENT_ROLES = ("facility", "prefecture", "city")
FACILITY_TYPES = ("hospital", "clinic", "dental_clinic", "pharmacy", "outpatient_centre")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: The Japanese names of the format's fixed values, for the builder's forms and the diff.
PERIOD_KIND_LABELS = {"daily": "毎日", "weekly": "毎週(月曜始まり)",
                      "fiscal_year": "年度(4月〜3月)", "ad_hoc": "随時",
                      "report": "報告(新規・定期・随時、都道府県が審査して公表)"}
RESPONDENT_ROLE_LABELS = {"facility": "医療機関等", "prefecture": "都道府県",
                          "city": "保健所設置市・特別区"}
FACILITY_TYPE_LABELS = {"hospital": "病院", "clinic": "診療所", "dental_clinic": "歯科診療所",
                        "pharmacy": "薬局", "outpatient_centre": "外来・検査センター"}
WEEKDAY_LABELS = {day: f"{name}曜日" for day, name in zip(WEEKDAYS, "月火水木金土日", strict=True)}

# Each schema field's metadata gives the survey builder the setting's Japanese label and
# help (``gmis.surveys.engine.settings``): the builder has no form code of its own.

def _key(label: str = "キー") -> fields.String:
    return fields.String(required=True, validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE),
                         metadata={"label": label, "help": "英小文字・数字・_ で書きます。"
                                   "回答の保存やCSV、式で使われる名前です。"})


def _text(label: str, help_text: str = "", kind: str = "text") -> fields.String:
    return fields.String(load_default="", validate=validate.Length(
        max=limits.MAX_TEXT_LENGTH, error=f"{limits.MAX_TEXT_LENGTH:,}文字以内で書いてください。"),
        metadata={"label": label, "help": help_text, "kind": kind})


def _expression(label: str, help_text: str) -> fields.String:
    return fields.String(load_default=None,
                         metadata={"label": label, "help": help_text, "kind": "expression"})


def _at_most(count: int, what: str) -> validate.Length:
    return validate.Length(max=count, error=f"{what}は{count:,}個までです。")


_TIME = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$",
                        error="時刻は HH:MM (24時間制)で書いてください。")
_MONTH_DAY = validate.Regexp(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
                             error="日付は MM-DD で書いてください。")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FieldDef:
    key: str
    type: str
    label: str
    help: str = ""
    unit: str = ""
    required: bool = False
    required_if: str | None = None
    visible_if: str | None = None
    min: Any = None
    max: Any = None
    choices: tuple[Choice, ...] = ()
    default: Any = None
    #: Pre-fill from the respondent's last answer to this survey.
    prefill: bool = False
    #: The answer on a day when nothing happened (前日から変更なし), for figures that are
    #: not carried over (a day's admissions, tests): stored like ``default``.
    unchanged_value: Any = None
    #: A CEL expression: the field is computed, never typed.
    compute: str | None = None
    #: When a prefecture extends this survey, it may not remove or change this field.
    locked: bool = False
    #: Shown to residents once a report is accepted (the function reports' public search);
    #: internal otherwise: published nowhere outside the system.
    public: bool = False
    #: Options particular to the field type (validated by the type's own schema).
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SectionDef:
    key: str
    title: str
    description: str
    fields: tuple[FieldDef, ...]


@dataclass(frozen=True)
class RuleDef:
    key: str
    #: CEL: must be true for the answers to be accepted.
    expression: str
    message: str
    #: The fields next to which the message is shown (all of them when empty).
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RespondentsDef:
    roles: tuple[str, ...] = ("facility",)
    facility_types: tuple[str, ...] = ()
    #: Only facilities holding one of these designations (empty: any).
    designations: tuple[str, ...] = ()
    #: Only these prefectures (JIS codes; empty: all).
    prefectures: tuple[str, ...] = ()
    #: Aggregators may answer for their member facilities.
    aggregators_on_behalf: bool = False


@dataclass(frozen=True)
class PeriodDef:
    kind: str
    #: Japan time by which the period's answer is due (daily: that day; weekly: due_weekday).
    due_time: str | None = None
    due_weekday: str | None = None
    #: Fiscal-year surveys: the window (MM-DD, Japan time) in which answers are accepted.
    window_start: str | None = None
    window_end: str | None = None
    #: How many past periods may still be answered (after maintenance, for example).
    backfill_periods: int = 0


@dataclass(frozen=True)
class PublicationDef:
    """公表: which public fields the public search finds an accepted report by. Every
    public field is shown on the facility's page; these are the ones searched, each named
    by its field key (``gmis.surveys.engine.publication`` says which types each takes)."""

    name: str
    kana: str | None = None
    address: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    website: str | None = None
    #: Weekly hours fields whose times answer "open now" and "open at".
    hours: tuple[str, ...] = ()
    departments: str | None = None
    #: Conditions and treatments handled, services offered: multiple-choice fields.
    treatments: tuple[str, ...] = ()
    languages: str | None = None
    #: Yes/no fields (a yes is the flag) or multiple-choice fields (each chosen value is).
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SurveyDefinition:
    schema_version: int
    key: str
    title: str
    description: str
    respondents: RespondentsDef
    period: PeriodDef
    sections: tuple[SectionDef, ...]
    rules: tuple[RuleDef, ...] = ()
    publication: PublicationDef | None = None

    def iter_fields(self):
        for section in self.sections:
            yield from section.fields

    def field(self, key: str) -> FieldDef | None:
        return next((f for f in self.iter_fields() if f.key == key), None)


# --- schema ----------------------------------------------------------------------------------

class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ChoiceSchema(_Strict):
    value = fields.String(required=True, validate=validate.Length(min=1, max=64),
                          metadata={"label": "値", "help": "保存される値(英数字)。"})
    label = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"label": "表示"})

    @post_load
    def make(self, data, **kwargs):
        return Choice(**data)


class FieldSchema(_Strict):
    key = _key("項目キー")
    type = fields.String(required=True, validate=validate.Length(
        max=63, error="項目の種類の名前が長すぎます。"), metadata={"label": "種類",
                                                         "kind": "field_type"})
    label = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"label": "項目名"})
    help = _text("説明", "項目名の下に表示します。", kind="long_text")
    unit = _text("単位", "例: 床、人、枚")
    required = fields.Boolean(load_default=False, metadata={"label": "必須"})
    required_if = _expression("必須条件", "この式が true のとき必須になります。")
    visible_if = _expression("表示条件", "この式が true のときだけ表示します。")
    min = fields.Raw(load_default=None, metadata={"label": "最小値"})
    max = fields.Raw(load_default=None, metadata={"label": "最大値"})
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list,
                          validate=_at_most(limits.MAX_CHOICES, "選択肢"),
                          metadata={"label": "選択肢"})
    default = fields.Raw(load_default=None, metadata={"label": "初期値"})
    prefill = fields.Boolean(load_default=False, metadata={
        "label": "前回の回答を引き継ぐ", "help": "病床数など、変わるまで続く数に付けます。"})
    unchanged_value = fields.Raw(load_default=None, metadata={
        "label": "変化なしの日の値", "help": "「前日から変更なし」で回答したときの値(例: 0)。"})
    compute = _expression("計算式", "入力せず、この式で計算する項目になります。")
    locked = fields.Boolean(load_default=False, metadata={
        "label": "固定項目", "help": "都道府県の版で変更・削除できなくします。"})
    public = fields.Boolean(load_default=False, metadata={
        "label": "住民に公開する", "help": "受理された回答のうち、この項目を公開の検索画面に"
                                      "表示します。付けない項目は公開されません。"})
    options = fields.Dict(keys=fields.String(), load_default=dict,
                          metadata={"label": "種類ごとの設定", "kind": "options"})

    @validates_schema
    def check(self, data, **kwargs):
        values = [c.value for c in data.get("choices", [])]
        if len(values) != len(set(values)):
            raise ValidationError("選択肢の値が重複しています。", "choices")
        if data.get("compute") and (data.get("required") or data.get("required_if")):
            raise ValidationError("計算項目に必須の指定はできません。", "compute")
        if data.get("compute") and data.get("unchanged_value") is not None:
            raise ValidationError("計算項目には変化なしの値(unchanged_value)を指定できません"
                                  "(計算で求めます)。", "unchanged_value")

    @post_load
    def make(self, data, **kwargs):
        return FieldDef(**{**data, "choices": tuple(data["choices"])})


class _Remembered(fields.Nested):
    """A nested schema whose loads are remembered by the JSON of what was loaded. Loading is
    a pure function of it, and the survey builder checks the whole draft after every change:
    the fields that did not change are not read again. Refusals are not remembered.

    Bounded by count and by the length of what is remembered: a field may be as large as a
    definition (a table of thousands of rows), and one changed over and over would else
    keep a copy of each version in every worker."""

    KEPT = 20_000
    KEPT_CHARACTERS = 32 * 1024 * 1024
    _loaded: OrderedDict[str, Any] = OrderedDict()
    _characters = 0

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if partial:
            return super()._deserialize(value, attr, data, partial=partial, **kwargs)
        try:
            key = json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return super()._deserialize(value, attr, data, partial=partial, **kwargs)
        found = self._loaded.get(key)
        if found is None:
            found = super()._deserialize(value, attr, data, partial=partial, **kwargs)
            loaded = _Remembered._loaded
            if key not in loaded:  # loaded meanwhile by another thread: counted already
                _Remembered._characters += len(key)
            loaded[key] = found
            while loaded and (len(loaded) > self.KEPT
                              or _Remembered._characters > self.KEPT_CHARACTERS):
                _Remembered._characters -= len(loaded.popitem(last=False)[0])
        return found


class SectionSchema(_Strict):
    key = _key("セクションキー")
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"label": "セクション名"})
    description = _text("説明", kind="long_text")
    fields = fields.List(_Remembered(FieldSchema), required=True,
                         metadata={"builder": "structure"},
                         validate=[validate.Length(min=1, error="項目が1つもありません。"),
                                   _at_most(limits.MAX_FIELDS_PER_SECTION,
                                            "1つのセクションの項目")])

    @post_load
    def make(self, data, **kwargs):
        return SectionDef(**{**data, "fields": tuple(data["fields"])})


class RuleSchema(_Strict):
    key = _key("ルールキー")
    expression = fields.String(required=True, metadata={
        "label": "条件式", "help": "回答がこの式を満たさないとき、メッセージを表示します。",
        "kind": "expression"})
    message = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"label": "メッセージ"})
    fields = fields.List(fields.String(), load_default=list,
                         validate=_at_most(limits.MAX_FIELDS, "項目キー"),
                         metadata={"label": "メッセージを表示する項目"})

    @post_load
    def make(self, data, **kwargs):
        return RuleDef(**{**data, "fields": tuple(data["fields"])})


class RespondentsSchema(_Strict):
    roles = fields.List(fields.String(validate=validate.OneOf(RESPONDENT_ROLES)),
                        load_default=lambda: ["facility"], metadata={
                            "label": "回答する組織", "kind": "choices",
                            "choices": RESPONDENT_ROLE_LABELS})
    facility_types = fields.List(fields.String(validate=validate.OneOf(FACILITY_TYPES)),
                                 load_default=list, metadata={
                                     "label": "回答する施設の種別", "kind": "choices",
                                     "choices": FACILITY_TYPE_LABELS,
                                     "help": "何も選ばなければ、すべての種別です。"})
    designations = fields.List(fields.String(validate=validate.Length(max=100)),
                               load_default=list, validate=_at_most(100, "指定"), metadata={
                                   "label": "指定を受けた施設のみ",
                                   "help": "1行に1つ。空欄なら指定を問いません。"})
    prefectures = fields.List(fields.String(validate=validate.Regexp(r"^(0[1-9]|[1-3]\d|4[0-7])$")),
                              load_default=list, metadata={
                                  "label": "対象の都道府県(コード)",
                                  "help": "1行に1つ(例: 13)。空欄なら全国です。"})
    aggregators_on_behalf = fields.Boolean(load_default=False, metadata={
        "label": "とりまとめ団体が代わりに回答できる"})

    @post_load
    def make(self, data, **kwargs):
        return RespondentsDef(**{k: tuple(v) if isinstance(v, list) else v
                                 for k, v in data.items()})


def _fiscal_day(month_day: str) -> tuple[int, int] | None:
    """A MM-DD as its place in the fiscal year (April first), or None for a day not in
    every year (02-30, 04-31, and 02-29)."""
    month, day = (int(part) for part in month_day.split("-"))
    try:
        date(2025, month, day)  # not a leap year: 02-29 is not in every fiscal year
    except ValueError:
        return None
    return ((month - 4) % 12, day)


class PeriodSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS), metadata={
        "label": "周期", "choices": PERIOD_KIND_LABELS})
    due_time = fields.String(validate=_TIME, metadata={
        "label": "締切時刻", "help": "日本時間、HH:MM(例: 13:00)。"})
    due_weekday = fields.String(validate=validate.OneOf(WEEKDAYS), metadata={
        "label": "締切の曜日(週次)", "choices": WEEKDAY_LABELS})
    window_start = fields.String(validate=_MONTH_DAY, metadata={
        "label": "報告期間の開始(年度)", "help": "MM-DD(例: 01-01)。"})
    window_end = fields.String(validate=_MONTH_DAY, metadata={
        "label": "報告期間の終了(年度)", "help": "MM-DD(例: 03-31)。"})
    backfill_periods = fields.Integer(load_default=0, validate=validate.Range(min=0, max=366),
                                      metadata={"label": "さかのぼって回答できる期間の数",
                                                "help": "メンテナンスの後などに、過去の日・週を"
                                                        "回答できるようにします。"})

    @validates_schema
    def check(self, data, **kwargs):
        kind = data.get("kind")
        if kind == "weekly" and data.get("due_time") and not data.get("due_weekday"):
            raise ValidationError("週次調査の締切には曜日(due_weekday)も必要です。", "due_weekday")
        if data.get("due_weekday") and kind != "weekly":
            raise ValidationError("締切の曜日(due_weekday)は週次の調査にだけ指定できます。",
                                  "due_weekday")
        start, end = data.get("window_start"), data.get("window_end")
        if bool(start) != bool(end):
            raise ValidationError("報告期間は開始と終了の両方を書いてください。", "window_end")
        if kind == "report" and (data.get("due_time") or data.get("backfill_periods")):
            raise ValidationError("報告(report)の締切と報告期間は都道府県が設定します。"
                                  "due_time・backfill_periods は書けません。", "kind")
        if start and kind != "fiscal_year":
            raise ValidationError("報告期間(window_start・window_end)は年度の調査にだけ"
                                  "指定できます。", "window_start")
        for name in ("window_start", "window_end"):
            if data.get(name) and _fiscal_day(data[name]) is None:
                raise ValidationError("その日付は毎年あるとは限りません(2月29日など)。"
                                      "ある日付を書いてください。", name)
        if start and end and _fiscal_day(start) and _fiscal_day(end) \
                and _fiscal_day(end) < _fiscal_day(start):
            raise ValidationError("報告期間の終了が開始より前です(年度は4月1日から3月31日"
                                  "までです)。", "window_end")

    @post_load
    def make(self, data, **kwargs):
        return PeriodDef(**data)


def _facet(label: str) -> fields.String:
    return fields.String(validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE),
                         metadata={"label": label})


def _facets(label: str) -> fields.List:
    return fields.List(_facet(label), load_default=list, validate=_at_most(20, "項目"),
                       metadata={"label": label})


class PublicationSchema(_Strict):
    name = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE),
                         metadata={"label": "名称の項目"})
    kana = _facet("フリガナの項目")
    address = _facet("所在地の項目")
    postal_code = _facet("郵便番号の項目")
    phone = _facet("電話番号の項目")
    website = _facet("ホームページの項目")
    hours = _facets("曜日別の時間の項目")
    departments = _facet("診療科目の項目")
    treatments = _facets("対応できる疾患・治療・サービスの項目")
    languages = _facet("対応言語の項目")
    flags = _facets("条件として探せる項目(はい・いいえ、複数選択)")

    @post_load
    def make(self, data, **kwargs):
        return PublicationDef(**{**data, **{name: tuple(data[name])
                                            for name in ("hours", "treatments", "flags")}})


class SurveyDefinitionSchema(_Strict):
    schema_version = fields.Integer(required=True, validate=validate.Equal(
        SCHEMA_VERSION, error=f"schema_version は {SCHEMA_VERSION} です。"),
        metadata={"builder": "hidden"})
    key = _key("調査キー")
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"label": "調査名"})
    description = _text("説明", "回答画面の最初に表示します。", kind="long_text")
    respondents = fields.Nested(RespondentsSchema, load_default=lambda: RespondentsDef(),
                                metadata={"label": "回答者"})
    period = fields.Nested(PeriodSchema, required=True, metadata={"label": "周期と締切"})
    sections = fields.List(fields.Nested(SectionSchema), required=True,
                           metadata={"builder": "structure"},
                           validate=[validate.Length(min=1, error="セクションが1つもありません。"),
                                     _at_most(limits.MAX_SECTIONS, "セクション")])
    rules = fields.List(fields.Nested(RuleSchema), load_default=list,
                        metadata={"builder": "structure"},
                        validate=_at_most(limits.MAX_RULES, "ルール"))
    publication = fields.Nested(PublicationSchema, load_default=None, metadata={
        "label": "公表(住民向けの検索)", "kind": "mapping",
        "help": "報告を受理したとき公表する項目のうち、検索に使う項目のキー(YAMLで書きます)。"})

    @validates_schema
    def report_kind(self, data, **kwargs):
        period, respondents = data.get("period"), data.get("respondents")
        if data.get("publication") is not None and period and period.kind != "report":
            raise ValidationError("公表(publication)は報告(period.kind: report)の調査にだけ"
                                  "書けます。", "publication")
        if period and period.kind == "report" and respondents and \
                tuple(respondents.roles) != ("facility",):
            raise ValidationError("報告(report)の回答者は医療機関等(facility)だけです。",
                                  "respondents.roles")

    @validates_schema
    def unique_keys(self, data, **kwargs):
        total = sum(len(section.fields) for section in data.get("sections", []))
        if total > limits.MAX_FIELDS:
            raise ValidationError(f"項目は定義全体で{limits.MAX_FIELDS:,}個までです"
                                  f"(この定義は{total:,}個)。", "sections")
        seen: dict[str, str] = {}
        for s, section in enumerate(data.get("sections", [])):
            for f, field_def in enumerate(section.fields):
                path = f"sections[{s}].fields[{f}].key"
                if field_def.key in seen:
                    raise ValidationError(f"項目キー「{field_def.key}」が "
                                          f"{seen[field_def.key]} と重複しています。", path)
                seen[field_def.key] = path
        section_keys = [section.key for section in data.get("sections", [])]
        if len(section_keys) != len(set(section_keys)):
            raise ValidationError("セクションのキーが重複しています。", "sections")

    @post_load
    def make(self, data, **kwargs):
        return SurveyDefinition(**{**data, "sections": tuple(data["sections"]),
                                   "rules": tuple(data["rules"])})


# --- loading -------------------------------------------------------------------------------

def schema_problems(messages: Any, prefix: str = "") -> list[Problem]:
    """marshmallow's nested error dict as flat problems with paths like ``sections[0].key``."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return [Problem(prefix, _japanese(m)) for m in messages]
        problems = []
        for item in messages:
            problems.extend(schema_problems(item, prefix))
        return problems
    if isinstance(messages, dict):
        problems = []
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            problems.extend(schema_problems(value, path))
        return problems
    return [Problem(prefix, _japanese(str(messages)))]


_MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": "必須のキーがありません。",
    "Unknown field.": "知らないキーです(綴りを確認してください)。",
    "Not a valid string.": "文字列で書いてください。",
    "Not a valid integer.": "整数で書いてください。",
    "Not a valid boolean.": "true または false で書いてください。",
    "Not a valid list.": "リストで書いてください。",
    "Not a valid mapping type.": "キーと値の組(マッピング)で書いてください。",
    "Invalid input type.": "書き方が正しくありません。",
    "Invalid type.": "書き方が正しくありません。",
    "Invalid value.": "値が正しくありません。",
    "Not a valid number.": "数値で書いてください。",
    "Number too large.": "数値が大きすぎます。",
    "Not a valid date.": "日付で書いてください。",
    "Field may not be null.": "値を書いてください(null は使えません)。",
    "String does not match expected pattern.": "書き方が正しくありません。",
    "Special numeric values (nan or infinity) are not permitted.": "数値で書いてください。",
}

#: marshmallow's validators' default messages (a field type's options schema may use them).
_MARSHMALLOW_PATTERNS = (
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     "{0}〜{1}文字(個)で書いてください。"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "{0}文字(個)以上で書いてください。"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "{0}文字(個)以内で書いてください。"),
    (re.compile(r"^Length must be (\d+)\.$"), "{0}文字(個)で書いてください。"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     "{0}以上{1}以下で書いてください。"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "{0}以上で書いてください。"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "{0}以下で書いてください。"),
    (re.compile(r"^Must be equal to (.+)\.$"), "{0} と書いてください。"),
    (re.compile(r"^Must be one of: (.+)\.$"), "次のいずれかを書いてください: {0}"),
)


def _japanese(message: str) -> str:
    if message in _MARSHMALLOW_MESSAGES:
        return _MARSHMALLOW_MESSAGES[message]
    for pattern, japanese in _MARSHMALLOW_PATTERNS:
        matched = pattern.match(message)
        if matched:
            return japanese.format(*matched.groups())
    if not message.isascii():
        return message  # ours, already Japanese
    # A message no table knows (a plugin's own schema): still said in Japanese, with the
    # original for whoever wrote the plugin.
    return f"値が正しくありません({message[:200]})。"


def parse_text(text: str, source: str) -> dict:
    """YAML or JSON text (JSON is YAML) as a mapping, or DefinitionError. The text is
    bounded before and while it is read (``document``)."""
    try:
        data = read_document(text, is_json=source.endswith(".json"))
    except DocumentRefused as refused:
        raise DefinitionError(source, [Problem("", refused.message, line=refused.line,
                                               column=refused.column)]) from None
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
        else:
            line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
        reason = reader_reason(str(getattr(error, "problem", None) or
                                   getattr(error, "msg", None) or error))
        raise DefinitionError(source, [Problem("", f"YAML/JSONとして読めません({reason})",
                                               line=line, column=column)]) from error
    if not isinstance(data, dict):
        raise DefinitionError(source, [Problem("", "定義の最上位はキーと値の組(マッピング)です。")])
    return data


def parse_bytes(raw: bytes, source: str) -> dict:
    """The definition in a file's bytes (UTF-8, YAML or JSON by ``source``'s suffix) as
    plain data, or DefinitionError."""
    message = too_large(len(raw))
    if message:
        raise DefinitionError(source, [Problem("", message)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise DefinitionError(source, [Problem("", "UTF-8として読めません。文字コードを"
                                                   "UTF-8にして保存してください。", line=line)]
                              ) from None
    try:
        return parse_text(text, source)
    except RecursionError:
        raise DefinitionError(source, [Problem("", "入れ子が深すぎます。")]) from None


def load_definition(data: dict, source: str = "<definition>") -> SurveyDefinition:
    try:
        return SurveyDefinitionSchema().load(data)
    except ValidationError as error:
        raise DefinitionError(source, schema_problems(error.messages)) from error


def parse_definition(text: str, source: str = "<definition>") -> SurveyDefinition:
    """``text`` as a definition; a DefinitionError names the line and column of each
    problem."""
    try:
        return load_definition(parse_text(text, source), source)
    except DefinitionError as error:
        raise located(error, text) from error
