"""The shape of a CEL expression, measured from its tokens before the CEL library sees it.

The library parses and evaluates by recursion in Rust: a tree deep enough overflows the
stack and kills the whole process, which no ``except`` can catch, and comprehensions over
long lists nested in one another take seconds. So the source is first split into tokens by
CEL's lexical grammar (string literals of every kind, numbers, names, operators; a ``)``
inside a string is text, not a bracket) and measured: length, tokens, terms, nesting of
brackets and conditionals, nesting of comprehensions, sizes of list and map literals and an
estimate of the evaluation cost. Anything over a limit of ``gmis.surveys.engine.limits`` is
refused with a Japanese message naming the limit. This does not evaluate or fully parse
anything: the CEL library stays the only parser of what the expression means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gmis.surveys.engine import limits

#: Comprehension macros: ``list.all(x, predicate)`` and the like bind ``x`` in their body.
COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "map", "filter"})
#: Comprehensions that build a new list: the library copies it at each step.
LIST_BUILDERS = frozenset({"map", "filter"})
#: Words that are operators or literals, not names of variables.
KEYWORDS = frozenset({"in", "true", "false", "null"})

_SPACE = re.compile(r"[ \t\n\r\f]+|//[^\n]*")
_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?")
_STRING_START = re.compile(r"(?:[rR][bB]?|[bB][rR]?)?('''|\"\"\"|'|\")")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "/", "%", "!",
              "?", ":", ".", ",", "(", ")", "[", "]", "{", "}")
_CLOSING = {")": "(", "]": "[", "}": "{"}


class ExpressionRefused(ValueError):
    """The expression breaks a limit or cannot be split into tokens; ``str()`` says which,
    in Japanese."""


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "number", "string" or "op"
    text: str
    #: Offset in the source, for messages.
    start: int


def tokenize(source: str) -> list[Token]:
    """``source`` as CEL tokens, or ExpressionRefused for a character CEL does not know or a
    string that does not end. (The source is short already: at most a token a character.)"""
    tokens: list[Token] = []
    position, end = 0, len(source)
    while position < end:
        space = _SPACE.match(source, position)
        if space:
            position = space.end()
            continue
        token = _token_at(source, position)
        tokens.append(token)
        position = token.start + len(token.text)
    return tokens


def _token_at(source: str, position: int) -> Token:
    string = _STRING_START.match(source, position)
    if string:
        return Token("string", _string_text(source, position, string), position)
    name = _NAME.match(source, position)
    if name:
        return Token("name", name.group(), position)
    number = _NUMBER.match(source, position)
    if number:
        return Token("number", number.group(), position)
    for operator in _OPERATORS:
        if source.startswith(operator, position):
            return Token("op", operator, position)
    raise ExpressionRefused(f"{position + 1}文字目に式で使えない文字「{source[position]}」が"
                            "あります。")


def _string_text(source: str, position: int, start: re.Match) -> str:
    """The whole string literal starting at ``position`` (prefix and quotes included)."""
    quote = start.group(1)
    raw = "r" in start.group()[: start.start(1) - position].lower()
    index = start.end()
    while index < len(source):
        if source.startswith(quote, index):
            return source[position:index + len(quote)]
        character = source[index]
        if character == "\n" and len(quote) == 1:
            break
        index += 2 if character == "\\" and not raw else 1
    raise ExpressionRefused(f"{position + 1}文字目からの文字列が閉じていません"
                            f"({quote} で閉じてください)。")


@dataclass
class _Frame:
    """An open bracket while the tokens are measured."""

    opener: str
    #: A list or map literal (not an index, call or grouping).
    literal: bool = False
    items: int = 0
    #: Conditionals (``?``) of the current item: ``a ? b : c ? d : e`` nests.
    conditionals: int = 0
    #: Comprehensions: its name, iterations, bound name and whether its body has begun.
    macro: str | None = None
    iterations: int = 1
    binding: str | None = None
    in_body: bool = False
    #: Upper bound of the size of any list or map the bracket's content may yield.
    content: int = 0


@dataclass
class Shape:
    """What was measured of one expression."""

    terms: int = 0
    nesting: int = 0
    comprehension_nesting: int = 0
    cost: int = 0
    #: Names bound by comprehensions (not fields).
    bound_names: set[str] = field(default_factory=set)
    #: ``(name, member)`` pairs written as ``name.member``, e.g. ``("respondent", "type")``.
    members: set[tuple[str, str]] = field(default_factory=set)


class _Measure:
    def __init__(self, tokens: list[Token], bounds: Mapping[str, int]):
        self.tokens = tokens
        self.bounds = bounds
        self.stack: list[_Frame] = [_Frame("")]
        self.shape = Shape()
        #: For each closing bracket (by token index): the frame it closed.
        self.closed: dict[int, _Frame] = {}
        #: Bounds of names bound by the comprehensions open now.
        self.bound: dict[str, int] = {}

    # --- helpers ---------------------------------------------------------------------------

    def multiplier(self) -> int:
        """How often a token here is evaluated: the iterations of the comprehensions whose
        body holds it."""
        product = 1
        for frame in self.stack:
            if frame.macro is not None and frame.in_body:
                product *= frame.iterations
        return product

    def name_bound(self, name: str) -> int:
        if name in self.bound:
            return self.bound[name]
        return self.bounds.get(name, limits.DEFAULT_ITERATION_BOUND)

    def add_cost(self, steps: int) -> None:
        self.shape.cost += steps
        if self.shape.cost > limits.MAX_EXPRESSION_COST:
            raise ExpressionRefused(
                f"式の計算量が多すぎます(見積もり{limits.MAX_EXPRESSION_COST:,}手順まで)。"
                "内包(all・exists・map・filter)の入れ子や、長いリストに対する内包を"
                "減らしてください。")

    def receiver_bound(self, dot: int) -> tuple[int, int]:
        """(iterations, bound of each element) of the list before the ``.`` at ``dot``."""
        if dot == 0:
            return limits.DEFAULT_ITERATION_BOUND, limits.DEFAULT_ITERATION_BOUND
        before = self.tokens[dot - 1]
        if before.kind == "op" and before.text in _CLOSING:
            frame = self.closed[dot - 1]
            if frame.literal:
                return frame.items, max(frame.content, 1)
            if frame.opener == "[":  # an index: a[0].map(...) runs over a's element
                root = self.chain_root(dot - 1)
                if root is not None:
                    return self.name_bound(root), self.name_bound(root)
            return max(frame.content, 1), max(frame.content, 1)
        if before.kind == "name":
            root = self.chain_root(dot - 1)
            bound = self.name_bound(root or before.text)
            return bound, bound
        return 1, 1

    def chain_root(self, index: int) -> str | None:
        """The first name of ``a.b[0].c`` ending at token ``index``."""
        tokens = self.tokens
        while index >= 0:
            token = tokens[index]
            if token.kind == "op" and token.text == "]":
                opener = self.opener_index(index)
                index = opener - 1
                continue
            if token.kind != "name":
                return None
            if index >= 1 and tokens[index - 1].text == "." and tokens[index - 1].kind == "op":
                index -= 2
                continue
            return token.text
        return None

    def opener_index(self, closing: int) -> int:
        depth = 0
        for index in range(closing, -1, -1):
            token = self.tokens[index]
            if token.kind != "op":
                continue
            if token.text in _CLOSING:
                depth += 1
            elif token.text in _CLOSING.values():
                depth -= 1
                if depth == 0:
                    return index
        return 0

    # --- the scan --------------------------------------------------------------------------

    def run(self) -> Shape:
        for index, token in enumerate(self.tokens):
            self.add_cost(self.multiplier())
            if token.kind == "op":
                self.operator(index, token)
            else:
                self.operand(index, token)
        if len(self.stack) > 1:
            opener = self.stack[-1].opener
            raise ExpressionRefused(f"括弧「{opener}」が閉じていません。")
        # Counted last, so that 500 nested brackets are refused for their nesting.
        if len(self.tokens) > limits.MAX_EXPRESSION_TOKENS:
            raise ExpressionRefused(
                f"式が長すぎます(記号・項目・値が{limits.MAX_EXPRESSION_TOKENS:,}個まで)。")
        return self.shape

    def operand(self, index: int, token: Token) -> None:
        frame = self.stack[-1]
        if token.kind == "name" and token.text == "in":
            return
        self.shape.terms += 1
        if self.shape.terms > limits.MAX_EXPRESSION_TERMS:
            raise ExpressionRefused(
                f"式の項が多すぎます(項目・値は{limits.MAX_EXPRESSION_TERMS:,}個まで)。"
                "計算を複数の計算項目に分けてください。")
        if frame.macro is not None and frame.binding is None and not frame.in_body:
            frame.binding = token.text  # the name the comprehension binds, not a field
        elif token.kind == "name" and token.text not in KEYWORDS:
            if self.is_member(index):
                if (self.tokens[index - 2].kind == "name" and not self.is_member(index - 2)
                        and not self.is_call(index)):
                    self.shape.members.add((self.tokens[index - 2].text, token.text))
            else:
                frame.content += self.name_bound(token.text)
        else:
            frame.content += 1

    def is_call(self, index: int) -> bool:
        """Whether the name at ``index`` is called: ``a.exists(...)``, ``size(a)``."""
        following = index + 1
        return following < len(self.tokens) and self.tokens[following].text == "(" and (
            self.tokens[following].kind == "op")

    def is_member(self, index: int) -> bool:
        """Whether the name at ``index`` follows a ``.`` (``a.b``: b is a member of a)."""
        return index >= 2 and self.tokens[index - 1].kind == "op" and (
            self.tokens[index - 1].text == ".")

    def operator(self, index: int, token: Token) -> None:
        text = token.text
        frame = self.stack[-1]
        if text in ("(", "[", "{"):
            self.open(index, text)
        elif text in _CLOSING:
            self.close(index, text)
        elif text == ",":
            frame.items += 1
            frame.conditionals = 0
            if frame.macro is not None and not frame.in_body:
                self.begin_body(frame)
        elif text == "?":
            frame.conditionals += 1
            self.check_nesting()

    def open(self, index: int, opener: str) -> None:
        previous = self.tokens[index - 1] if index else None
        follows_value = previous is not None and (
            previous.kind in ("name", "number", "string") and previous.text not in ("in",)
            or previous.kind == "op" and previous.text in _CLOSING)
        frame = _Frame(opener, literal=opener == "{" or opener == "[" and not follows_value)
        if (opener == "(" and previous is not None and previous.kind == "name"
                and previous.text in COMPREHENSIONS and index >= 2
                and self.tokens[index - 2].text == "."):
            self.open_comprehension(frame, previous.text, index - 2)
        self.stack.append(frame)
        self.check_nesting()

    def open_comprehension(self, frame: _Frame, macro: str, dot: int) -> None:
        iterations, element_bound = self.receiver_bound(dot)
        frame.macro, frame.iterations = macro, max(iterations, 1)
        frame.content = element_bound
        # Building the result list copies it at each step: quadratic in the iterations.
        steps = frame.iterations ** 2 if macro in LIST_BUILDERS else frame.iterations
        self.add_cost(self.multiplier() * steps)
        frame.items = 0
        depth = 1 + sum(1 for f in self.stack if f.macro is not None)
        self.shape.comprehension_nesting = max(self.shape.comprehension_nesting, depth)
        if depth > limits.MAX_COMPREHENSION_NESTING:
            raise ExpressionRefused(
                f"内包(all・exists・exists_one・map・filter)の入れ子が深すぎます"
                f"({limits.MAX_COMPREHENSION_NESTING}段まで)。")

    def begin_body(self, frame: _Frame) -> None:
        frame.in_body = True
        if frame.binding is not None:
            self.shape.bound_names.add(frame.binding)
            self.bound[frame.binding] = frame.content

    def close(self, index: int, closing: str) -> None:
        frame = self.stack[-1]
        if frame.opener != _CLOSING[closing]:
            raise ExpressionRefused(f"{self.tokens[index].start + 1}文字目の「{closing}」に"
                                    "対応する開き括弧がありません。")
        self.stack.pop()
        if frame.literal:
            # "[]" has no item; "[a, b]" two; a trailing comma adds none.
            previous = self.tokens[index - 1]
            frame.items += 0 if previous.text in ("[", "{", ",") else 1
            if frame.items > limits.MAX_LITERAL_ITEMS:
                raise ExpressionRefused(
                    f"リストやマップに書ける要素は{limits.MAX_LITERAL_ITEMS:,}個までです。")
        if frame.macro is not None and frame.binding is not None:
            self.bound.pop(frame.binding, None)
            frame.content = max(frame.content, frame.iterations)
        self.closed[index] = frame
        self.stack[-1].content += frame.content

    def check_nesting(self) -> None:
        depth = len(self.stack) - 1 + sum(frame.conditionals for frame in self.stack)
        self.shape.nesting = max(self.shape.nesting, depth)
        if depth > limits.MAX_EXPRESSION_NESTING:
            raise ExpressionRefused(
                f"式の入れ子が深すぎます(括弧と条件演算子「? :」は"
                f"{limits.MAX_EXPRESSION_NESTING}段まで)。")


def measure(source: str, bounds: Mapping[str, int] | None = None) -> Shape:
    """The shape of ``source``, or ExpressionRefused naming the limit it breaks. ``bounds``:
    the most elements a comprehension can run over for each name (a repeating group's
    rows), ``DEFAULT_ITERATION_BOUND`` for names not in it."""
    if len(source) > limits.MAX_EXPRESSION_LENGTH:
        raise ExpressionRefused(f"式が長すぎます(最大 {limits.MAX_EXPRESSION_LENGTH:,} 文字、"
                                f"この式は {len(source):,} 文字)。")
    return _Measure(tokenize(source), bounds or {}).run()
