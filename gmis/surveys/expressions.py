"""Expressions in CEL (Common Expression Language): visible-if, required-if, rules and
computed fields. Compiled once when a definition is loaded; evaluated with the answers.

Variables: every field key (None while unanswered) and ``respondent`` (a map with ``type``,
``prefecture`` and ``designations`` of the organisation answering). An expression that
cannot be evaluated, typically because a field it needs is still empty (``null > 3``),
yields ``Unknown``: the caller decides what that means (hidden, not required, rule not yet
checked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cel

#: Names available to every expression besides the field keys.
CONTEXT_NAMES = frozenset({"respondent"})


class _Unknown:
    def __repr__(self) -> str:
        return "Unknown"

    def __bool__(self) -> bool:
        raise TypeError("Unknown has no truth value; test `is Unknown`")


Unknown = _Unknown()

#: Macros bind their own names (``rows.all(r, r.stock > 0)``): those are not fields.
_MACRO_BINDING = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")


class ExpressionSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Expression:
    source: str
    program: Any
    variables: frozenset[str]

    def evaluate(self, variables: dict[str, Any]) -> Any:
        try:
            return self.program.execute(variables)
        except (RuntimeError, ValueError, TypeError, OverflowError, ZeroDivisionError):
            return Unknown

    def is_true(self, variables: dict[str, Any]) -> bool | _Unknown:
        result = self.evaluate(variables)
        if result is Unknown or not isinstance(result, bool):
            return Unknown
        return result


def compile_expression(source: str) -> Expression:
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as error:
        detail = str(error).split("ERROR: ", 1)[-1].replace("<input>:", "")
        raise ExpressionSyntaxError(f"式の書き方が正しくありません: {detail}") from error
    bound = set(_MACRO_BINDING.findall(source))
    return Expression(source, program, frozenset(program.variables()) - bound)
