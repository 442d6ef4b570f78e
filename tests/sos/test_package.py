"""SOS is kept together: what it knows in gmis/sos, how it is served in gmis/blueprints/sos.

A maintainer adding to SOS (or the demo, the benchmarks, the CLI calling its use cases)
relies on the use cases working without a request, and on the web modules not reaching into
each other's private names."""

from __future__ import annotations

from tests.fixtures.imports import PACKAGE, imports_of, modules_in


def test_the_capability_package_imports_neither_flask_nor_the_web_adapter():
    offending = [(path.name, module) for path in modules_in(PACKAGE / "sos")
                 for module, _ in imports_of(path)
                 if module.split(".")[0] in ("flask", "flask_login", "flask_wtf")
                 or module.startswith("gmis.blueprints")]
    assert offending == []


def test_only_the_blueprints_import_the_sos_blueprint():
    outside = [path.relative_to(PACKAGE).as_posix() for path in modules_in(PACKAGE)
               if "blueprints" not in path.relative_to(PACKAGE).parts
               for module, _ in imports_of(path) if module.startswith("gmis.blueprints.sos")]
    assert outside == []


def test_the_sos_web_modules_import_no_private_names():
    private = [(path.name, module, name) for path in modules_in(PACKAGE / "blueprints" / "sos")
               for module, names in imports_of(path) if module.startswith("gmis.")
               for name in names if name.startswith("_")]
    assert private == []
