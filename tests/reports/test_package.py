"""Reports and homes are kept together: what they read in gmis/reports, how they are served
in gmis/blueprints/reports and gmis/blueprints/home.

The benchmarks and the demo's checks call the same use cases as the pages, so those must work
without a request; and nothing outside the web adapter reaches into it."""

from __future__ import annotations

from tests.fixtures.imports import PACKAGE, imports_of, modules_in

WEB_ADAPTERS = ("gmis.blueprints.reports", "gmis.blueprints.home")


def test_the_capability_package_imports_neither_flask_nor_the_web_adapter():
    offending = [(path.name, module) for path in modules_in(PACKAGE / "reports")
                 for module, _ in imports_of(path)
                 if module.split(".")[0] in ("flask", "flask_login", "flask_wtf", "werkzeug")
                 or module.startswith("gmis.blueprints")]
    assert offending == []


def test_only_the_blueprints_import_the_reports_and_home_blueprints():
    outside = [path.relative_to(PACKAGE).as_posix() for path in modules_in(PACKAGE)
               if "blueprints" not in path.relative_to(PACKAGE).parts
               for module, _ in imports_of(path) if module.startswith(WEB_ADAPTERS)]
    assert outside == []


def test_the_reports_and_home_modules_import_no_private_names():
    folders = [PACKAGE / "reports", PACKAGE / "blueprints" / "reports",
               PACKAGE / "blueprints" / "home"]
    private = [(path.relative_to(PACKAGE).as_posix(), module, name)
               for folder in folders for path in modules_in(folder)
               for module, names in imports_of(path) if module.startswith("gmis.")
               for name in names if name.startswith("_")]
    assert private == []
