"""Errors of survey definitions: each names the file, the path inside it and the reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    #: Where inside the definition, e.g. ``sections[1].fields[3].visible_if``.
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DefinitionError(Exception):
    """A definition that cannot be used. ``problems`` lists every reason found."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: 調査定義に誤りがあります({len(problems)}件)\n{lines}")
