"""The house rules of the layout (README, "Where things are"): a capability's package holds
what it knows, without Flask, so that the CLI, the demo and the benchmarks call what the
pages call; its blueprint holds how it is served; no module reaches into another's private
names; and nothing outside the web adapters imports them, but the app factory.

Read from the syntax tree of every module, so a new module is held to the rules without
being listed here."""

from __future__ import annotations

import pytest

from tests.fixtures.imports import PACKAGE, imports_of, modules_in

#: The packages of the capabilities (what they know), and the tools beside them.
CAPABILITIES = ("accounts", "beds", "demo", "facilities", "publication", "registration",
                "reports", "sos", "surveys")

#: The modules of those packages that are bound to the running app on purpose, with why.
BOUND_TO_THE_APP = {
    "accounts/sessions.py": "the signed-in session lives in the request",
    "accounts/second_step.py": "the half-signed-in state lives in the request's session",
    "accounts/two_factor.py": "its settings are read from the app at start-up",
    "facilities/cli.py": "a command of the app (flask --app wsgi facilities import)",
    "surveys/cli.py": "a command of the app (flask --app wsgi surveys ...)",
    "surveys/runtime.py": "the field-type registry built when the app starts",
    "surveys/reminders.py": "e-mails with links to the app's pages, sent by a command",
    "demo/cli.py": "a command of the app (flask --app wsgi demo load)",
    "publication/cli.py": "a command of the app (flask --app wsgi publication rebuild)",
}

#: Only Werkzeug's password hashing, which has nothing to do with a request.
HASHING = {"accounts/passwords.py": {"werkzeug.security"}}

WEB = ("flask", "flask_login", "flask_wtf", "werkzeug")


def _relative(path) -> str:
    return path.relative_to(PACKAGE).as_posix()


CAPABILITY_MODULES = [path for name in CAPABILITIES for path in modules_in(PACKAGE / name)
                      if _relative(path) not in BOUND_TO_THE_APP]


@pytest.mark.parametrize("path", CAPABILITY_MODULES, ids=_relative)
def test_what_a_capability_knows_imports_neither_flask_nor_a_blueprint(path):
    allowed = HASHING.get(_relative(path), set())
    offending = [module for module, _ in imports_of(path)
                 if module not in allowed
                 and (module.split(".")[0] in WEB or module.startswith("gmis.blueprints"))]
    assert offending == []


def test_the_modules_bound_to_the_app_exist():
    assert {name for name in BOUND_TO_THE_APP if not (PACKAGE / name).exists()} == set()


def test_only_the_app_factory_imports_the_blueprints_from_outside_them():
    outside = [(_relative(path), module) for path in modules_in(PACKAGE)
               if not _relative(path).startswith("blueprints/")
               and _relative(path) != "__init__.py"
               for module, _ in imports_of(path) if module.startswith("gmis.blueprints")]
    assert outside == []


def test_a_blueprint_imports_no_other_blueprint_but_sign_in_for_its_second_step():
    """The two-factor step continues the sign-in of the auth blueprint: it takes the login
    form and where a signed-in user lands from there. No other blueprint reaches into
    another; what they share lives in a capability package."""
    crossing = set()
    for path in modules_in(PACKAGE / "blueprints"):
        parts = path.relative_to(PACKAGE / "blueprints").parts
        if len(parts) < 2:
            continue  # blueprints/__init__.py registers them all
        for module, _ in imports_of(path):
            if module.startswith("gmis.blueprints."):
                other = module.split(".")[2]
                if other != parts[0]:
                    crossing.add((parts[0], other))
    assert crossing <= {("two_factor", "auth")}


def test_no_module_imports_a_private_name_of_another():
    private = [(_relative(path), module, name) for path in modules_in(PACKAGE)
               for module, names in imports_of(path) if module.startswith("gmis")
               for name in names if name.startswith("_")]
    assert private == []
