"""Definition text (YAML or JSON) read into plain data, bounded before and while it is read.

A definition comes from a prefecture's upload as well as from our own files, so reading it
must not be a way to hurt the server: the size is checked before parsing; nesting is
bounded while the document is composed (the readers recurse, and a deep ``[[[[...`` would
end in a RecursionError); YAML aliases (``*choices``, which the built-in definitions use to
share a list of choices) are measured as if written out before anything is built from them,
so an alias bomb, a few lines whose aliases nest, is refused instead of expanding to
billions of values; a key written twice in one mapping is refused with its line (YAML and
JSON readers would silently keep the last), and mapping keys are short. Each refusal is a
``DocumentRefused`` with a Japanese message and, where known, the line and column.
"""

from __future__ import annotations

import json
import re

import yaml
from yaml.events import CollectionStartEvent
from yaml.nodes import MappingNode

from gmis.surveys.engine import limits


class DocumentRefused(Exception):
    """A definition text refused while it is read: the Japanese reason and, where known, the
    line and column, which ``definition.parse_text`` turns into a located problem of a
    ``DefinitionError``. Not a ``gmis.refusals.Refused``: it carries the position, and it
    never reaches a page or a command on its own."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message, self.line, self.column = message, line, column
        super().__init__(message)


def _refused_at(message: str, mark) -> DocumentRefused:
    if mark is None:
        return DocumentRefused(message)
    return DocumentRefused(message, mark.line + 1, mark.column + 1)


def too_large(size: int) -> str | None:
    """The message for a definition of ``size`` bytes, or None when it is small enough."""
    if size <= limits.MAX_DEFINITION_BYTES:
        return None
    return (f"定義が大きすぎます(最大 {limits.MAX_DEFINITION_BYTES // 1024:,} KB、"
            f"このファイルは {size / 1024:,.0f} KB)。")


def _long_key(key: str) -> str | None:
    if len(key) <= limits.MAX_MAPPING_KEY_LENGTH:
        return None
    return (f"キーが長すぎます({limits.MAX_MAPPING_KEY_LENGTH}文字まで、"
            f"「{key[:20]}…」)。")


class DefinitionLoader(yaml.SafeLoader):
    """PyYAML's safe loader with bounded nesting, bounded expansion of aliases, and
    refusing a key written twice in one mapping."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        opens = isinstance(event, CollectionStartEvent)
        if opens:
            self._depth += 1
            if self._depth > limits.MAX_DOCUMENT_DEPTH:
                raise _refused_at(f"入れ子が深すぎます({limits.MAX_DOCUMENT_DEPTH}段まで)。",
                                  event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            if opens:
                self._depth -= 1

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            _Expansion().check(node)
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:  # ``<<: *defaults`` may override: not a repeat
                continue
            key = self.construct_object(key_node, deep=True)
            message = _long_key(key) if isinstance(key, str) else None
            if message:
                raise _refused_at(message, key_node.start_mark)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the constructor says so itself
                break
            if first is not None:
                raise _refused_at(f"キー「{key}」が同じマッピングに2回書かれています"
                                  f"({first.line + 1}行目と{key_node.start_mark.line + 1}行目)。",
                                  key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep)


MERGE_TAG = "tag:yaml.org,2002:merge"


class _Expansion:
    """How many values and levels the document holds once every alias is written out, as
    it is when the definition is stored as JSON. Aliases are fine for sharing a list of
    choices; an alias bomb (aliases of aliases, each doubling) is refused here, before
    anything is expanded. Each node is measured once, so this costs as little as the text."""

    def __init__(self):
        self.sizes: dict[int, tuple[int, int]] = {}
        self.open: set[int] = set()

    def check(self, root: yaml.Node) -> None:
        values, _ = self.measure(root, 0)
        if values > limits.MAX_DEFINITION_VALUES:
            raise _refused_at(f"定義が大きすぎます(エイリアスを展開すると値が"
                              f"{limits.MAX_DEFINITION_VALUES:,}個を超えます)。",
                              root.start_mark)

    def measure(self, node: yaml.Node, level: int) -> tuple[int, int]:
        """(values, levels) of ``node`` expanded, ``level`` deep in the document."""
        known = self.sizes.get(id(node))
        if known is not None:
            values, depth = known
        elif isinstance(node, yaml.ScalarNode):
            values, depth = 1, 0
        else:
            values, depth = self.measure_collection(node, level)
        if level + depth > limits.MAX_DOCUMENT_DEPTH:
            raise _refused_at(f"エイリアスを展開すると入れ子が深すぎます"
                              f"({limits.MAX_DOCUMENT_DEPTH}段まで)。", node.start_mark)
        return values, depth

    def measure_collection(self, node: yaml.Node, level: int) -> tuple[int, int]:
        if id(node) in self.open:
            raise _refused_at("エイリアスが自分自身を含んでいます。", node.start_mark)
        self.open.add(id(node))
        children = ([part for pair in node.value for part in pair]
                    if isinstance(node, MappingNode) else node.value)
        measured = [self.measure(child, level + 1) for child in children]
        self.open.discard(id(node))
        size = (1 + sum(values for values, _ in measured),
                1 + max((depth for _, depth in measured), default=0))
        self.sizes[id(node)] = size
        return size


#: A JSON string (skipped) or a bracket (counted).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _check_json_depth(text: str) -> None:
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limits.MAX_DOCUMENT_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                raise DocumentRefused(f"入れ子が深すぎます({limits.MAX_DOCUMENT_DEPTH}段まで)。",
                                      line)
        elif token in "]}":
            depth -= 1


def _json_object(pairs: list) -> dict:
    result: dict = {}
    for key, value in pairs:
        message = _long_key(key)
        if message:
            raise DocumentRefused(message)
        if key in result:
            raise DocumentRefused(f"キー「{key}」が同じオブジェクトに2回書かれています。")
        result[key] = value
    return result


#: The YAML and JSON readers' English reasons, as people who write definitions read them.
_READER_REASONS = (
    ("mapping values are not allowed", "ここに「キー: 値」は書けません。字下げと、値の中の「: 」を"
                                       "確認してください"),
    ("could not find expected ':'", "「:」がありません"),
    ("'\\t' that cannot start any token", "タブ文字は使えません(字下げは空白で)"),
    ("cannot start any token", "この文字から値を始めることはできません(引用符で囲んでください)"),
    ("expected ',' or ']'", "「]」で閉じていません"),
    ("expected ',' or '}'", "「}」で閉じていません"),
    ("end of stream", "引用符が閉じていません"),
    ("expected <block end>", "字下げが揃っていません"),
    ("could not determine a constructor", "このタグ(!!…)は使えません"),
    ("undefined alias", "定義されていないエイリアス(*…)です"),
    ("Expecting value", "値がありません"),
    ("Expecting property name", "キーは二重引用符で囲んでください"),
    ("Unterminated string", "文字列が閉じていません"),
    ("Extra data", "定義のあとに余分な文字があります"),
    ("Expecting ',' delimiter", "「,」がありません"),
    ("Expecting ':' delimiter", "「:」がありません"),
    ("Invalid control character", "文字列の中に改行などの制御文字があります"),
    ("Invalid \\escape", "文字列の「\\」の書き方が正しくありません"),
    ("integer string conversion", "数値の桁が多すぎます"),
    ("must be in", "日付として正しくありません"),
    ("out of range", "日付として正しくありません"),
)


def reader_reason(english: str) -> str:
    """A YAML or JSON reader's reason in Japanese (the line and column are given apart)."""
    return next((japanese for phrase, japanese in _READER_REASONS if phrase in english),
                "書き方が正しくありません")


def read_document(text: str, is_json: bool):
    """``text`` as plain data. DocumentRefused for a refusal of ours; the readers' own
    errors (yaml.YAMLError, json.JSONDecodeError) pass through."""
    message = too_large(len(text.encode("utf-8", "surrogatepass")))
    if message:
        raise DocumentRefused(message)
    try:
        if is_json:
            _check_json_depth(text)
            return json.loads(text, object_pairs_hook=_json_object)
        loader = DefinitionLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError):
            raise
        # Not the readers' own: Python's int() and date(), which they build values with,
        # refuse a number of thousands of digits and a 13th month.
        raise DocumentRefused(reader_reason(str(error)) + "。") from None
