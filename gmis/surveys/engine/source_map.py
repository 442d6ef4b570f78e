"""Where a path of a definition (``sections[6].fields[1].options``) is written in its YAML or
JSON text, so that an error names the line and column to go to.

The text is composed into PyYAML's node tree (JSON is YAML), whose nodes carry their marks;
this is done only when there is an error to report, so loading a good definition costs
nothing more.
"""

from __future__ import annotations

import re
from dataclasses import replace

import yaml

from gmis.surveys.engine.document import too_large
from gmis.surveys.engine.errors import DefinitionError

#: More nodes than any real definition has: an alias bomb stops being walked here (the
#: loader refuses it with its own message).
MAX_NODES = 200_000

_LAST_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


class SourceMap:
    """Path → (line, column), both counted from 1, of every key and list item."""

    def __init__(self, marks: dict[str, tuple[int, int]]):
        self.marks = marks

    @classmethod
    def of(cls, text: str | bytes) -> SourceMap:
        """The map of ``text``; empty when it cannot be read or is too large to be read
        (its own error says why)."""
        if too_large(len(text)) is not None:
            return cls({})
        try:
            if isinstance(text, bytes):
                text = text.decode("utf-8-sig")
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
            return cls({})
        marks: dict[str, tuple[int, int]] = {}
        if root is not None:
            _walk(root, "", marks, set())
        return cls(marks)

    def where(self, path: str) -> tuple[int, int] | None:
        """The place of ``path``, or of its nearest written ancestor (a missing key is
        reported where the mapping that lacks it is)."""
        while path:
            if path in self.marks:
                return self.marks[path]
            shorter = _LAST_STEP.sub("", path)
            if shorter == path:
                return None
            path = shorter
        return None

    def locate(self, error: DefinitionError) -> DefinitionError:
        """``error`` with the line and column of each problem that has a path."""
        problems = []
        for problem in error.problems:
            place = self.where(problem.path) if problem.path and problem.line is None else None
            problems.append(replace(problem, line=place[0], column=place[1]) if place
                            else problem)
        return DefinitionError(error.source, problems)


def located(error: DefinitionError, text: str | bytes) -> DefinitionError:
    """``error``, raised for the definition written as ``text``, with lines and columns."""
    return SourceMap.of(text).locate(error)


def _walk(node: yaml.Node, path: str, marks: dict[str, tuple[int, int]],
          open_nodes: set[int]) -> None:
    # ``open_nodes``: the aliased nodes being walked, so that a recursive alias ends.
    if id(node) in open_nodes or len(marks) > MAX_NODES:
        return
    open_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
            child = f"{path}.{name}" if path else name
            marks.setdefault(child, _position(key))
            _walk(value, child, marks, open_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{path}[{index}]"
            marks.setdefault(child, _position(item))
            _walk(item, child, marks, open_nodes)
    open_nodes.discard(id(node))


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1
