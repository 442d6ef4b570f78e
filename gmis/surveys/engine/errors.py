"""Errors of survey definitions: each names the file, the path inside it and the reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    #: Where inside the definition, e.g. ``sections[1].fields[3].visible_if``.
    path: str
    message: str
    #: Where that is written in the file (from 1), when the definition came as text.
    line: int | None = None
    column: int | None = None

    @property
    def place(self) -> str:
        """「12行目 9列」, or empty when the position is not known."""
        if self.line is None:
            return ""
        return f"{self.line}行目 {self.column}列" if self.column is not None else f"{self.line}行目"

    def __str__(self) -> str:
        where = " ".join(part for part in (self.place, self.path) if part)
        return f"{where}: {self.message}" if where else self.message


class DefinitionError(Exception):
    """A definition that cannot be used. ``problems`` lists every reason found."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: 調査定義に誤りがあります({len(problems)}件)\n{lines}")
