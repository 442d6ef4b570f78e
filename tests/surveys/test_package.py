"""The surveys' use cases are kept apart from how they are served: answering and publishing
(gmis/surveys/answering.py, publishing.py) and the store import nothing of Flask, so the CLI,
the demo and the benchmarks call what the pages call; only the app factory imports the
survey blueprints from outside them."""

from __future__ import annotations

import pytest

from tests.fixtures.imports import PACKAGE, imports_of, modules_in

USE_CASES = [PACKAGE / "surveys" / "answering.py", PACKAGE / "surveys" / "publishing.py",
             *modules_in(PACKAGE / "surveys" / "store")]


def _is_web(module: str) -> bool:
    return (module.split(".")[0] in ("flask", "flask_login", "flask_wtf", "werkzeug")
            or module.startswith("gmis.blueprints"))


@pytest.mark.parametrize("path", USE_CASES, ids=lambda path: path.name)
def test_the_use_cases_import_neither_flask_nor_a_blueprint(path):
    assert [module for module, _ in imports_of(path) if _is_web(module)] == []


def test_only_the_survey_blueprints_and_the_app_factory_import_them():
    allowed = {"blueprints/__init__.py"}
    outside = [(relative, module) for path in modules_in(PACKAGE)
               if (relative := path.relative_to(PACKAGE).as_posix()) not in allowed
               and not relative.startswith(("blueprints/surveys/", "blueprints/survey_admin/"))
               for module, _ in imports_of(path)
               if module.startswith(("gmis.blueprints.surveys", "gmis.blueprints.survey_admin"))]
    assert outside == []


def test_no_module_takes_a_private_name_from_the_surveys():
    private = [(path.relative_to(PACKAGE).as_posix(), module, name)
               for path in modules_in(PACKAGE)
               for module, names in imports_of(path)
               if module.startswith(("gmis.surveys", "gmis.blueprints.surveys",
                                     "gmis.blueprints.survey_admin"))
               for name in names if name.startswith("_")]
    assert private == []
