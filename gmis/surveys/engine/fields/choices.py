"""Choices: one of a list, several of a list, and yes or no."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gmis.surveys.engine.fields.base import BuiltinField, Parsed, form_list, form_text, text_length
from gmis.text import normalise, search_fold

NOT_A_CHOICE = "選択肢の中から選んでください。"


class _Choices(BuiltinField):
    grouped = True

    def __init__(self, definition, options=None):
        super().__init__(definition, options)
        self.labels = {choice.value: choice.label for choice in definition.choices}

    def check_settings(self) -> list[tuple[str, str]]:
        if not self.definition.choices:
            return [("choices", "選択肢(choices)を1つ以上書いてください。")]
        return []

    def choice_label(self, value: str) -> str:
        # A value no longer offered (an answer to an older version) is shown as stored.
        return self.labels.get(value, value)


class SingleChoiceOptions(Schema):
    #: Radio buttons (every choice in view), or a drop-down list for long lists.
    widget = fields.String(load_default="radio", validate=validate.OneOf(
        ("radio", "select"), error="widget は radio か select です。"), metadata={
            "label": "表示の形", "help": "選択肢が多いときはドロップダウンが読みやすくなります。",
            "choices": {"radio": "ラジオボタン", "select": "ドロップダウン"}})


class SingleChoiceField(_Choices):
    """単一選択: one of the choices, e.g. 外来の状況 (通常 / 制限 / 停止)."""

    name = "single_choice"
    label = "単一選択"
    description = "選択肢から1つを選ぶ(ラジオボタンまたはドロップダウン)。"
    category = "選択"
    starting_settings = {"choices": [{"value": "choice_1", "label": "選択肢1"},
                                     {"value": "choice_2", "label": "選択肢2"}]}
    #: The chosen value, as stored.
    stored_as = "string"
    uses = frozenset({"choices"})
    options_schema = SingleChoiceOptions

    @property
    def grouped(self) -> bool:  # a drop-down list is one control, labelled by <label>
        return self.options.get("widget", "radio") == "radio"

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name).strip()
        if not raw:
            return Parsed(None, raw)
        if raw not in self.labels:
            return Parsed(None, raw, NOT_A_CHOICE)
        return Parsed(raw, raw)

    def validate(self, value) -> list[str]:
        return [] if value in self.labels else [NOT_A_CHOICE]

    def from_json(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"not a choice value: {value!r}")
        return value

    def display(self, value) -> str:
        return "" if self.is_empty(value) else self.choice_label(value)


class MultipleChoiceField(_Choices):
    """複数選択: any of the choices (check boxes); ``min``/``max`` bound how many. The value
    lists the chosen values in the order of the definition."""

    name = "multiple_choice"
    label = "複数選択"
    description = "選択肢から当てはまるものをすべて選ぶ(チェックボックス)。"
    category = "選択"
    starting_settings = {"choices": [{"value": "choice_1", "label": "選択肢1"},
                                     {"value": "choice_2", "label": "選択肢2"}]}
    uses = frozenset({"choices", "min", "max"})
    #: From this many choices the list gets a filter box (絞り込み) above it: on a phone a
    #: list of 40 departments is several screens of check boxes.
    FILTER_FROM = 16

    @property
    def filterable(self) -> bool:
        return len(self.definition.choices) >= self.FILTER_FROM

    @staticmethod
    def filter_text(label: str) -> str:
        """A choice's label as the filter box matches it: folded as searches are (hiragana,
        katakana, half- and full-width alike), so the page's script folds only what is
        typed."""
        return search_fold(label)

    def check_settings(self) -> list[tuple[str, str]]:
        problems = super().check_settings()
        bounds = {}
        for key in ("min", "max"):
            bound = getattr(self.definition, key)
            if bound is None:
                continue
            if isinstance(bound, bool) or not isinstance(bound, int) or bound < 0:
                problems.append((key, f"{key} は選べる数(0以上の整数)で書いてください。"))
            elif bound > len(self.definition.choices):
                problems.append((key, f"{key} が選択肢の数({len(self.definition.choices)})"
                                      "を超えています。"))
            else:
                bounds[key] = bound
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            problems.append(("max", "max が min より小さくなっています。"))
        return problems

    def parse(self, form, name) -> Parsed:
        raw = [value.strip() for value in form_list(form, name) if value.strip()]
        if not raw:
            return Parsed(None, raw)
        if any(value not in self.labels for value in raw):
            return Parsed(None, raw, NOT_A_CHOICE)
        return Parsed(self._in_order(raw), raw)

    def _in_order(self, values) -> list[str]:
        chosen = set(values)
        return [value for value in self.labels if value in chosen]

    def validate(self, value) -> list[str]:
        if any(v not in self.labels for v in value):
            return [NOT_A_CHOICE]
        low, high = self.definition.min, self.definition.max
        if low is not None and high is not None and low == high and len(value) != low:
            return [f"{low}個選んでください(現在{len(value)}個)。"]
        if low is not None and len(value) < low:
            return [f"{low}個以上選んでください(現在{len(value)}個)。"]
        if high is not None and len(value) > high:
            return [f"{high}個まで選んでください(現在{len(value)}個)。"]
        return []

    def from_json(self, value):
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"not a list of choice values: {value!r}")
        known = [v for v in value if v in self.labels]
        # Values this version no longer offers stay, after the known ones, so that
        # ``validate`` can say so instead of dropping an answer silently.
        return self._in_order(known) + [v for v in value if v not in self.labels]

    def to_cel(self, value):
        # At most one of each choice: a form can send any number of values, and
        # expressions were given their cost budget for the choices (``iteration_bound``).
        return list(dict.fromkeys(value))[:len(self.definition.choices)]

    def iteration_bound(self) -> int:
        return len(self.definition.choices)

    def display(self, value) -> str:
        return "" if self.is_empty(value) else "、".join(self.choice_label(v) for v in value)

    def as_input(self, value):
        return list(value or [])

    def csv_columns(self) -> list[str]:
        """One column per choice (1 chosen, 0 not; empty when unanswered): counts add up."""
        return [f"{self.definition.label}:{choice.label}" for choice in self.definition.choices]

    def csv_cells(self, value) -> list[str]:
        if self.is_empty(value):
            return [""] * len(self.definition.choices)
        return ["1" if choice.value in value else "0" for choice in self.definition.choices]


class YesNoOptions(Schema):
    # Two flat keys: YAML reads a bare ``yes:``/``no:`` key as a boolean.
    yes_label = fields.String(load_default="はい", validate=text_length(1, 50),
                              metadata={"label": "「はい」の表示"})
    no_label = fields.String(load_default="いいえ", validate=text_length(1, 50),
                             metadata={"label": "「いいえ」の表示"})


#: What a form (or a person typing into an API client) may send for yes and no.
_YES = {"yes", "true", "1", "on", "はい", "有", "あり"}
_NO = {"no", "false", "0", "off", "いいえ", "無", "なし"}


class YesNoField(BuiltinField):
    """はい/いいえ: a yes-or-no question, e.g. 診療・検査医療機関の指定の有無. A boolean in
    expressions (``accepting == true``)."""

    name = "yes_no"
    label = "はい/いいえ"
    description = "はい/いいえで答える質問。"
    category = "選択"
    grouped = True
    options_schema = YesNoOptions

    def parse(self, form, name) -> Parsed:
        raw = form_text(form, name)
        text = normalise(raw).lower()
        if not text:
            return Parsed(None, raw)
        if text in _YES or text == self.options["yes_label"]:
            return Parsed(True, raw)
        if text in _NO or text == self.options["no_label"]:
            return Parsed(False, raw)
        return Parsed(None, raw, f"「{self.options['yes_label']}」か"
                                f"「{self.options['no_label']}」を選んでください。")

    def from_json(self, value):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _YES | _NO:
            return value.lower() in _YES
        raise ValueError(f"not yes or no: {value!r}")

    def display(self, value) -> str:
        if value is None or value == "":
            return ""
        # A computed field's wrapper may hand over the input form ("yes"/"no").
        flag = value if isinstance(value, bool) else self.from_json(value)
        return self.options["yes_label"] if flag else self.options["no_label"]

    def as_input(self, value):
        return "" if value is None else "yes" if value else "no"
