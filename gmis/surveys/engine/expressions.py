"""Expressions in CEL (Common Expression Language): visible-if, required-if, rules and
computed fields. Compiled once when a definition is loaded; evaluated with the answers.

Variables: every field key (None while unanswered) and ``respondent`` (a map with ``type``,
``prefecture`` and ``designations`` of the organisation answering). An expression that
cannot be evaluated, typically because a field it needs is still empty (``null > 3``),
yields ``Unknown``: the caller decides what that means (hidden, not required, rule not yet
checked).

``compile_expression`` is the only way in to the CEL library: it measures the source first
(``expression_bounds``), so that nothing the library cannot handle ever reaches it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel

from gmis.surveys.engine.expression_bounds import ExpressionRefused, measure

#: Names available to every expression besides the field keys.
CONTEXT_NAMES = frozenset({"respondent"})
#: The members of ``respondent`` (see ``Respondent.expression_context``).
RESPONDENT_MEMBERS = ("type", "prefecture", "designations")


class _Unknown:
    def __repr__(self) -> str:
        return "Unknown"

    def __bool__(self) -> bool:
        raise TypeError("Unknown has no truth value; test `is Unknown`")


Unknown = _Unknown()

#: Where the library's parse error says the problem is: ``<input>:1:5:``.
_PARSE_PLACE = re.compile(r"<input>:(\d+):(\d+):")
#: The library's reasons, in the words of people who write definitions.
_PARSE_REASONS = (
    ("Recursion limit", "入れ子が深すぎます"),
    ("token recognition error", "読めない文字があります"),
    ("invalid int literal", "整数が大きすぎるか、書き方が正しくありません"),
    ("invalid uint literal", "整数が大きすぎるか、書き方が正しくありません"),
    ("invalid double literal", "小数が大きすぎるか、書き方が正しくありません"),
    ("invalid argument to has() macro", "has() には項目.キー の形で書いてください"),
    ("mismatched input '<EOF>'", "式が途中で終わっています"),
    ("Syntax error", "ここに書けないものがあります"),
    ("Incomplete", "条件演算子は「条件 ? 値 : 値」と書いてください"),
)


class ExpressionSyntaxError(ValueError):
    """An expression that cannot be used; ``str()`` says why in Japanese."""


def _is_panic(error: BaseException) -> bool:
    """A Rust panic inside the library, raised as pyo3's PanicException: a BaseException,
    which ``except Exception`` would let through to kill the request."""
    return type(error).__name__ == "PanicException"


@dataclass(frozen=True)
class Expression:
    source: str
    program: Any
    variables: frozenset[str]
    #: ``(name, member)`` pairs written as ``name.member``: ``("respondent", "type")``.
    members: frozenset[tuple[str, str]] = frozenset()
    #: Estimated evaluation steps (see ``expression_bounds``).
    cost: int = 0

    def evaluate(self, variables: dict[str, Any]) -> Any:
        # LookupError: a map without the key read (``respondent.type`` where no respondent
        # is known, as in a preview) or a list index past its end.
        try:
            return self.program.execute(variables)
        except (RuntimeError, ValueError, TypeError, LookupError, ArithmeticError):
            return Unknown
        except BaseException as error:
            if _is_panic(error):
                return Unknown
            raise

    def is_true(self, variables: dict[str, Any]) -> bool | _Unknown:
        result = self.evaluate(variables)
        if result is Unknown or not isinstance(result, bool):
            return Unknown
        return result


def compile_expression(source: str, bounds: Mapping[str, int] | None = None) -> Expression:
    """``source`` compiled, or ExpressionSyntaxError in Japanese. ``bounds``: the most
    elements each name can hold (a repeating group's rows), for the cost estimate."""
    try:
        shape = measure(source, bounds)
    except ExpressionRefused as refused:
        raise ExpressionSyntaxError(str(refused)) from None
    try:
        program = cel.compile(source)
        variables = frozenset(program.variables())
    except (ValueError, RuntimeError, TypeError) as error:
        raise ExpressionSyntaxError(_parse_message(str(error), source)) from None
    except BaseException as error:
        if _is_panic(error):
            raise ExpressionSyntaxError("式を読めませんでした。書き方を確認してください。"
                                        ) from None
        raise
    return Expression(source, program, variables - shape.bound_names,
                      frozenset(shape.members), shape.cost)


def _parse_message(detail: str, source: str) -> str:
    """The library's English parse error (with an echo of the whole source) as one
    Japanese sentence naming the place."""
    reason = next((japanese for english, japanese in _PARSE_REASONS if english in detail),
                  "")
    place = _PARSE_PLACE.search(detail)
    if place is not None:
        line, column = int(place.group(1)), int(place.group(2))
        lines = source.splitlines()
        text = lines[line - 1] if line <= len(lines) else ""
        near = text[max(column - 1, 0):column + 19].strip()
        where = f"{line}行 {column}文字目" if len(lines) > 1 else f"{column}文字目"
        reason = f"{where}付近" + (f"「{near}」" if near else "") + (
            f": {reason}" if reason else "")
    return "式の書き方が正しくありません" + (f"({reason})。" if reason else "。")
