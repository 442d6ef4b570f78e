"""Changes to a survey definition as the survey builder makes them, one click at a time.

A draft is the definition format itself: the plain data a YAML file holds (``dict`` and
``list``), never a form model of its own, so what is built in the browser is the same data as
a file, and exports and imports without translation. Every change here takes a document and
returns a new one (the input is never modified, so the store can keep each step for undo);
a change that cannot be made raises ``EditRefused`` with the Japanese reason and the key of
the item concerned, and changes nothing.

Expressions name fields by key. Which fields an expression reads is found from its CEL
tokens (``expression_bounds.tokenize``), never by searching text, so that renaming ``beds``
leaves ``"beds"`` in a string and ``vacant_beds`` alone.

Nothing here checks a whole definition: a draft may be incomplete while it is built (a
choice without options yet); ``problems`` of the store compile it with the engine and list
what stops it from being published.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from marshmallow import Schema, fields

from gmis.surveys.engine import limits
from gmis.surveys.engine.definition import (
    KEY_MESSAGE,
    KEY_PATTERN,
    SCHEMA_VERSION,
    FieldSchema,
    SurveyDefinitionSchema,
    schema_problems,
)
from gmis.surveys.engine.errors import Problem
from gmis.surveys.engine.expression_bounds import (
    COMPREHENSIONS,
    KEYWORDS,
    ExpressionRefused,
    tokenize,
)

Document = dict[str, Any]

#: The keys of a field that hold an expression, with what people who build surveys call them.
FIELD_EXPRESSIONS = {"visible_if": "表示条件", "required_if": "必須条件", "compute": "計算式"}
#: Names an expression may use that are not field keys.
BUILT_IN_NAMES = frozenset({"respondent"})


class EditRefused(Exception):
    """The change cannot be made; ``str()`` is the Japanese reason, ``key`` the item (field,
    section or rule key) next to which it is shown."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


# --- what expressions read -------------------------------------------------------------------

def names_in(expression: str | None) -> set[str]:
    """The variables an expression reads: field keys and ``respondent``. Members
    (``x.stock``), function and method names (``size(x)``, ``x.all(...)``) and the variables
    that comprehensions bind (``x`` in ``rows.all(x, x > 0)``) are not variables."""
    return {tokens[i].text for tokens, i in _variable_tokens(expression)}


def _variable_tokens(expression: str | None) -> Iterator[tuple[list, int]]:
    if not expression:
        return
    try:
        tokens = tokenize(expression)
    except ExpressionRefused:
        return  # the compiler says what is wrong with it; it reads nothing meanwhile
    bound: set[str] = set()
    for i, token in enumerate(tokens):
        before = tokens[i - 1].text if i else ""
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if (token.kind == "name" and token.text in COMPREHENSIONS and before == "."
                and after == "(" and i + 2 < len(tokens) and tokens[i + 2].kind == "name"):
            bound.add(tokens[i + 2].text)
    for i, token in enumerate(tokens):
        if token.kind != "name" or token.text in KEYWORDS or token.text in bound:
            continue
        before = tokens[i - 1].text if i else ""
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if before == "." or after == "(":
            continue
        yield tokens, i


def rename_in(expression: str, old: str, new: str) -> str:
    """``expression`` reading ``new`` where it read the variable ``old``; everything else
    (spacing, strings, members of the same name) as it was."""
    pieces, position = [], 0
    for tokens, i in _variable_tokens(expression):
        token = tokens[i]
        if token.text == old:
            pieces += [expression[position:token.start], new]
            position = token.start + len(old)
    return "".join(pieces) + expression[position:]


# --- where things are -------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """Something that reads a field: another field's condition or formula, or a rule."""

    #: "field" or "rule".
    owner_kind: str
    owner_key: str
    #: The field's or rule's name as people see it.
    owner_label: str
    #: What reads it: 表示条件, 必須条件, 計算式, 条件式 (a rule's), or ルールの表示先.
    role: str

    def describe(self) -> str:
        what = "ルール" if self.owner_kind == "rule" else "項目"
        return f"{what}「{self.owner_label}」の{self.role}"


def fields_of(document: Document) -> Iterator[tuple[dict, dict]]:
    """(section, field) for every field, in order."""
    for section in document.get("sections") or []:
        for item in section.get("fields") or []:
            yield section, item


def field_keys(document: Document) -> list[str]:
    return [item.get("key") for _, item in fields_of(document)]


def find_field(document: Document, key: str) -> tuple[int, int]:
    """(section index, field index) of the field ``key``; EditRefused when there is none."""
    for s, section in enumerate(document.get("sections") or []):
        for f, item in enumerate(section.get("fields") or []):
            if item.get("key") == key:
                return s, f
    raise EditRefused(f"項目「{key}」はこの定義にありません"
                      "(ほかの人が削除した可能性があります)。", key)


def find_section(document: Document, key: str) -> int:
    for s, section in enumerate(document.get("sections") or []):
        if section.get("key") == key:
            return s
    raise EditRefused(f"セクション「{key}」はこの定義にありません。", key)


def find_rule(document: Document, key: str) -> int:
    for r, rule in enumerate(document.get("rules") or []):
        if rule.get("key") == key:
            return r
    raise EditRefused(f"ルール「{key}」はこの定義にありません。", key)


def references(document: Document) -> Iterator[tuple[str, Reference]]:
    """(key read, who reads it) for every expression and rule target of the document."""
    for _, item in fields_of(document):
        owner = item.get("key", "")
        for name, role in FIELD_EXPRESSIONS.items():
            for key in names_in(item.get(name)):
                yield key, Reference("field", owner, item.get("label") or owner, role)
    for rule in document.get("rules") or []:
        owner = rule.get("key", "")
        label = rule.get("message") or owner
        for key in names_in(rule.get("expression")):
            yield key, Reference("rule", owner, label, "条件式")
        for key in rule.get("fields") or []:
            yield key, Reference("rule", owner, label, "ルールの表示先")


def dependents(document: Document, key: str) -> list[Reference]:
    """Who reads the field ``key`` (themselves excluded), in the document's order."""
    return _unique(ref for read, ref in references(document)
                   if read == key and not (ref.owner_kind == "field" and ref.owner_key == key))


def depends_on(document: Document, key: str) -> list[str]:
    """The field keys that the field ``key``'s own conditions and formula read."""
    s, f = find_field(document, key)
    item = document["sections"][s]["fields"][f]
    keys = set(field_keys(document))
    read = set().union(*(names_in(item.get(name)) for name in FIELD_EXPRESSIONS))
    return [k for k in field_keys(document) if k in read and k in keys and k != key]


def _unique(items) -> list:
    seen, result = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


# --- new things ---------------------------------------------------------------------------

def blank(key: str, title: str, period_kind: str = "daily") -> Document:
    """A new survey: one section with one field, which is what the format asks for at least."""
    _check_key(key)
    return {
        "schema_version": SCHEMA_VERSION,
        "key": key,
        "title": title,
        "description": "",
        "respondents": {"roles": ["facility"]},
        "period": {"kind": period_kind},
        "sections": [{"key": "section_1", "title": "セクション1", "description": "",
                      "fields": [{"key": "field_1", "type": "integer", "label": "項目1"}]}],
    }


def free_key(document: Document, base: str) -> str:
    """``base`` if no section, field or rule uses it, else ``base_2``, ``base_3``..."""
    taken = _all_keys(document)
    base = base[:56]
    if base not in taken:
        return base
    number = 2
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"


def _all_keys(document: Document) -> set[str]:
    return ({s.get("key") for s in document.get("sections") or []}
            | set(field_keys(document))
            | {r.get("key") for r in document.get("rules") or []})


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise EditRefused(KEY_MESSAGE, key)


def _check_free(document: Document, key: str) -> None:
    _check_key(key)
    if key in _all_keys(document):
        raise EditRefused(f"キー「{key}」はこの定義ですでに使われています。", key)


# --- sections -----------------------------------------------------------------------------

def add_section(document: Document, title: str, after: str | None = None) -> tuple[Document, str]:
    """A new empty section after ``after`` (at the end when None); returns its key too."""
    doc = copy.deepcopy(document)
    sections = doc.setdefault("sections", [])
    _room(len(sections), limits.MAX_SECTIONS, "セクション")
    key = free_key(doc, f"section_{len(sections) + 1}")
    position = find_section(doc, after) + 1 if after else len(sections)
    sections.insert(position, {"key": key, "title": title or "新しいセクション",
                               "description": "", "fields": []})
    return doc, key


def update_section(document: Document, key: str, title: str, description: str,
                   new_key: str | None = None) -> Document:
    doc = copy.deepcopy(document)
    s = find_section(doc, key)
    section = doc["sections"][s]
    if not title.strip():
        raise EditRefused("セクション名を入力してください。", key)
    if new_key and new_key != key:
        _check_free(doc, new_key)
        section["key"] = new_key
    section["title"], section["description"] = title.strip(), description
    return doc


def move_section(document: Document, key: str, offset: int) -> Document:
    doc = copy.deepcopy(document)
    s = find_section(doc, key)
    sections = doc["sections"]
    target = max(0, min(len(sections) - 1, s + offset))
    sections.insert(target, sections.pop(s))
    return doc


def delete_section(document: Document, key: str, locked: frozenset[str] = frozenset()) -> Document:
    """Refused while the section holds fields that others read or that are locked: its
    fields are deleted with it."""
    doc = copy.deepcopy(document)
    s = find_section(doc, key)
    if len(doc["sections"]) == 1:
        raise EditRefused("調査にはセクションが1つ以上必要です。", key)
    section = doc["sections"].pop(s)
    inside = {item.get("key") for item in section.get("fields") or []}
    for item in section.get("fields") or []:
        if item.get("key") in locked:
            raise EditRefused(f"全国共通の固定項目「{item.get('label')}」を含むセクションは"
                              "削除できません。", key)
    outside = [ref for read, ref in references(doc)
               if read in inside and not (ref.owner_kind == "field" and ref.owner_key in inside)]
    if outside:
        raise EditRefused(_still_read("このセクションの項目", _unique(outside)), key)
    return doc


# --- fields -------------------------------------------------------------------------------

def add_field(document: Document, section: str, field_type: str, label: str,
              after: str | None = None, settings: dict | None = None) -> tuple[Document, str]:
    """A new field of ``field_type`` in ``section``, after the field ``after`` (first when
    None and the section is empty, else last); returns its key too."""
    doc = copy.deepcopy(document)
    _room(len(field_keys(doc)), limits.MAX_FIELDS, "定義全体の項目")
    s = find_section(doc, section)  # first: a file read into a draft may have no sections
    target = doc["sections"][s]
    items = target.setdefault("fields", [])
    _room_in(target)
    key = free_key(doc, f"{field_type}_{len(field_keys(doc)) + 1}"
                   if re.match(r"^[a-z][a-z0-9_]*$", field_type) else "field")
    item = {"key": key, "type": field_type, "label": label or "新しい項目", **(settings or {})}
    if after is None:
        items.append(item)
    else:
        s, f = find_field(doc, after)
        if doc["sections"][s] is not target:
            raise EditRefused("追加する位置がこのセクションにありません。", section)
        items.insert(f + 1, item)
    return doc, key


def update_field(document: Document, key: str, settings: dict,
                 locked: frozenset[str] = frozenset()) -> Document:
    """The field ``key`` with ``settings`` (the field's keys other than ``key`` and
    ``type``): a key given as None is removed (back to its default)."""
    _refuse_locked(document, key, locked, "変更")
    doc = copy.deepcopy(document)
    s, f = find_field(doc, key)
    item = doc["sections"][s]["fields"][f]
    for name, value in settings.items():
        if name in ("key", "type"):
            continue
        if value is None:
            item.pop(name, None)
        else:
            item[name] = value
    return doc


def change_type(document: Document, key: str, field_type: str,
                locked: frozenset[str] = frozenset()) -> Document:
    """The field as another type; the settings only the old type understood go."""
    _refuse_locked(document, key, locked, "変更")
    doc = copy.deepcopy(document)
    s, f = find_field(doc, key)
    item = doc["sections"][s]["fields"][f]
    if item.get("type") != field_type:
        item["type"] = field_type
        for name in ("options", "choices", "min", "max", "default", "unchanged_value"):
            item.pop(name, None)
    return doc


def rename_field(document: Document, key: str, new_key: str,
                 locked: frozenset[str] = frozenset()) -> Document:
    """The field known as ``new_key``, and every expression and rule that read ``key``
    reading ``new_key``."""
    _refuse_locked(document, key, locked, "キーを変更")
    if new_key == key:
        return copy.deepcopy(document)
    doc = copy.deepcopy(document)
    _check_free(doc, new_key)
    s, f = find_field(doc, key)
    doc["sections"][s]["fields"][f]["key"] = new_key
    for _, item in fields_of(doc):
        for name in FIELD_EXPRESSIONS:
            if item.get(name):
                item[name] = rename_in(item[name], key, new_key)
    for rule in doc.get("rules") or []:
        if rule.get("expression"):
            rule["expression"] = rename_in(rule["expression"], key, new_key)
        if "fields" in rule:
            rule["fields"] = [new_key if k == key else k for k in rule["fields"]]
    return doc


def move_field(document: Document, key: str, offset: int) -> Document:
    """One place up (-1) or down (+1); past the start or end of its section it moves into
    the section before or after (the last or first place there)."""
    doc = copy.deepcopy(document)
    s, f = find_field(doc, key)
    sections = doc["sections"]
    items = sections[s]["fields"]
    target = f + offset
    if 0 <= target < len(items):
        items.insert(target, items.pop(f))
    elif target < 0 and s > 0:
        _room_in(sections[s - 1])
        sections[s - 1]["fields"].append(items.pop(f))
    elif target >= len(items) and s + 1 < len(sections):
        _room_in(sections[s + 1])
        sections[s + 1]["fields"].insert(0, items.pop(f))
    return doc


def move_field_to(document: Document, key: str, section: str, index: int) -> Document:
    """The field at ``index`` of ``section`` (clamped), as drag and drop places it."""
    doc = copy.deepcopy(document)
    s, f = find_field(doc, key)
    item = doc["sections"][s]["fields"].pop(f)
    target = doc["sections"][find_section(doc, section)]
    _room_in(target)
    items = target["fields"]
    items.insert(max(0, min(len(items), index)), item)
    return doc


def duplicate_field(document: Document, key: str) -> tuple[Document, str]:
    """A copy of the field right after it, under a free key and not locked."""
    doc = copy.deepcopy(document)
    _room(len(field_keys(doc)), limits.MAX_FIELDS, "定義全体の項目")
    s, f = find_field(doc, key)
    _room_in(doc["sections"][s])
    items = doc["sections"][s]["fields"]
    item = copy.deepcopy(items[f])
    item["key"] = free_key(doc, f"{key}_copy")
    item["label"] = f"{item.get('label', '')}(コピー)"[:200]
    item.pop("locked", None)
    items.insert(f + 1, item)
    return doc, item["key"]


def delete_field(document: Document, key: str, locked: frozenset[str] = frozenset()) -> Document:
    """Refused while other fields or rules read it: they are listed, to be changed first."""
    _refuse_locked(document, key, locked, "削除")
    doc = copy.deepcopy(document)
    readers = dependents(doc, key)
    if readers:
        raise EditRefused(_still_read("この項目", readers), key)
    s, f = find_field(doc, key)
    doc["sections"][s]["fields"].pop(f)
    return doc


def _still_read(what: str, readers: list[Reference]) -> str:
    listed = "、".join(ref.describe() for ref in readers[:5])
    more = f"ほか{len(readers) - 5}か所" if len(readers) > 5 else ""
    return (f"{what}は{listed}{more}で使われているため、削除できません。"
            "先にそちらを変更してください。")


def _room(count: int, limit: int, what: str, key: str = "") -> None:
    """Refuses one more item where the format's limit is reached already."""
    if count >= limit:
        raise EditRefused(f"{what}は{limit:,}個までです。", key)


def _room_in(section: dict) -> None:
    _room(len(section.get("fields") or []), limits.MAX_FIELDS_PER_SECTION,
          "1つのセクションの項目", section.get("key", ""))


def _refuse_locked(document: Document, key: str, locked: frozenset[str], verb: str) -> None:
    if key in locked:
        s, f = find_field(document, key)
        label = document["sections"][s]["fields"][f].get("label", key)
        raise EditRefused(f"「{label}」は全国共通の固定項目のため、{verb}できません"
                          "(都道府県の版では、固定項目の前後に独自の項目を追加できます)。", key)


# --- rules --------------------------------------------------------------------------------

def add_rule(document: Document, expression: str, message: str,
             shown_at: list[str] | None = None) -> tuple[Document, str]:
    doc = copy.deepcopy(document)
    rules = doc.setdefault("rules", [])
    _room(len(rules), limits.MAX_RULES, "ルール")
    key = free_key(doc, f"rule_{len(rules) + 1}")
    rule = {"key": key, "expression": expression, "message": message}
    if shown_at:
        rule["fields"] = list(shown_at)
    rules.append(rule)
    return doc, key


def update_rule(document: Document, key: str, expression: str, message: str,
                shown_at: list[str] | None = None) -> Document:
    doc = copy.deepcopy(document)
    r = find_rule(doc, key)  # first: a draft without rules has no list to index
    rule = doc["rules"][r]
    rule["expression"], rule["message"] = expression, message
    if shown_at:
        rule["fields"] = list(shown_at)
    else:
        rule.pop("fields", None)
    return doc


def delete_rule(document: Document, key: str) -> Document:
    doc = copy.deepcopy(document)
    r = find_rule(doc, key)
    doc["rules"].pop(r)
    if not doc["rules"]:
        del doc["rules"]
    return doc


# --- the file -----------------------------------------------------------------------------

#: marshmallow's own words (translated by ``schema_problems``) for a value of the wrong kind.
_NOT_A = {fields.List: "Not a valid list.", fields.Nested: "Not a valid mapping type.",
          fields.Dict: "Not a valid mapping type.", fields.String: "Not a valid string."}


def shape_problems(document: Document, registry) -> list[Problem]:
    """Where a file's values are not of the kind the format declares: a list of sections
    that is a string, a field that is a number, a key that is a list. The editor walks the
    document by that shape (a draft with other mistakes is listed and kept), so a file of
    another shape is refused as a whole."""
    problems: list[Problem] = []

    def walk(value: Any, schema: Schema, path: str) -> None:
        for name, declared in schema.fields.items():
            name = declared.data_key or name
            if isinstance(value, dict) and value.get(name) is not None:
                check(value[name], declared, f"{path}.{name}" if path else name)
        if isinstance(schema, FieldSchema) and isinstance(value.get("options"), dict) \
                and isinstance(value.get("type"), str):
            field_type = registry.get(value["type"])
            if field_type is not None and field_type.options_schema is not None:
                walk(value["options"], field_type.options_schema(), f"{path}.options")

    def check(value: Any, declared: fields.Field, path: str) -> None:
        kind = next((k for k in _NOT_A if isinstance(declared, k)), None)
        if kind is fields.List and isinstance(value, list):
            for i, item in enumerate(value):
                check(item, declared.inner, f"{path}[{i}]")
        elif kind is fields.Nested and isinstance(value, dict):
            walk(value, declared.schema, path)
        elif kind is not None and not isinstance(value, list if kind is fields.List else
                                                 str if kind is fields.String else dict):
            problems.extend(schema_problems([_NOT_A[kind]], path))

    if isinstance(document, dict):
        walk(document, SurveyDefinitionSchema(), "")
    return problems


def canonical(document: Document) -> Document:
    """The document with its keys in the order the format documents them (the schema's
    order), so that an exported file reads the same way every time and diffs stay small.
    Keys the schema does not know (a mistake being built) keep their place at the end;
    a field type's ``options`` keep the order they were written in."""
    return _ordered(document, SurveyDefinitionSchema())


def _ordered(value: Any, schema: Schema | None) -> Any:
    if not isinstance(value, dict) or schema is None:
        return value
    known = [name for name in schema.fields if name in value]
    result = {}
    for name in known + [name for name in value if name not in schema.fields]:
        result[name] = _ordered_field(value[name], schema.fields.get(name))
    return result


def _ordered_field(value: Any, declared: fields.Field | None) -> Any:
    if isinstance(declared, fields.Nested):
        return _ordered(value, declared.schema)
    if isinstance(declared, fields.List) and isinstance(declared.inner, fields.Nested) \
            and isinstance(value, list):
        return [_ordered(item, declared.inner.schema) for item in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Block style for mappings and long lists, indented under their key as the format's
    documentation writes them; a short list of plain values on one line."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list):
    flow = all(isinstance(item, str | int | float | bool) for item in data) and len(data) <= 8
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def to_yaml(document: Document) -> str:
    """The draft as a definition file: canonical key order, stable output."""
    return yaml.dump(canonical(document), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=100, default_flow_style=False)
