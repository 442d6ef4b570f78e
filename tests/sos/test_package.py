"""SOS is kept together: what it knows in gmis/sos, how it is served in gmis/blueprints/sos.

A maintainer adding to SOS (or the demo, the benchmarks, the CLI calling its use cases)
relies on the use cases working without a request, and on the web modules not reaching into
each other's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import gmis

PACKAGE = Path(gmis.__file__).resolve().parent


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import statement in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_capability_package_imports_neither_flask_nor_the_web_adapter():
    offending = [(path.name, module) for path in _modules(PACKAGE / "sos")
                 for module, _ in _imports(path)
                 if module.split(".")[0] in ("flask", "flask_login", "flask_wtf")
                 or module.startswith("gmis.blueprints")]
    assert offending == []


def test_only_the_blueprints_import_the_sos_blueprint():
    outside = [path.relative_to(PACKAGE).as_posix() for path in _modules(PACKAGE)
               if "blueprints" not in path.relative_to(PACKAGE).parts
               for module, _ in _imports(path) if module.startswith("gmis.blueprints.sos")]
    assert outside == []


def test_the_sos_web_modules_import_no_private_names():
    private = [(path.name, module, name) for path in _modules(PACKAGE / "blueprints" / "sos")
               for module, names in _imports(path) if module.startswith("gmis.")
               for name in names if name.startswith("_")]
    assert private == []
