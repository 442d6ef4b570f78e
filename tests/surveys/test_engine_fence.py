"""The survey engine's pure core is a library: definitions, expressions, field types and
validation can be used (by the CLI, a script, the builder) without the web framework or the
database. Imported in a fresh interpreter, since this test process has Flask loaded already."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

#: Every module of the pure core, the field types included: whatever is added to the engine's
#: package is fenced without being listed here.
ENGINE_ROOT = Path(__file__).parents[2] / "gmis" / "surveys" / "engine"
ENGINE = sorted(
    ".".join(("gmis", "surveys", "engine", *path.relative_to(ENGINE_ROOT).with_suffix("").parts))
    .removesuffix(".__init__")
    for path in ENGINE_ROOT.rglob("*.py"))

#: What the core may take from gmis outside the engine: the Japan text and time helpers.
HELPERS = {"gmis", "gmis.surveys", "gmis.japan_time", "gmis.postal", "gmis.text"}

FORBIDDEN = ("flask", "sqlalchemy")


@pytest.fixture(scope="module")
def loaded() -> list[str]:
    """The names in sys.modules after importing the engine into a new interpreter."""
    script = ("import importlib, json, sys\n"
              f"for name in {ENGINE!r}:\n"
              "    importlib.import_module(name)\n"
              "print(json.dumps(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def test_the_fence_covers_the_field_types():
    assert {"gmis.surveys.engine.fields.base", "gmis.surveys.engine.fields.dates",
            "gmis.surveys.engine.fields.table"} <= set(ENGINE)


@pytest.mark.parametrize("package", FORBIDDEN)
def test_the_engine_loads_neither_flask_nor_sqlalchemy(loaded, package):
    assert [name for name in loaded if name == package or name.startswith(package + ".")] == []


def test_the_engine_takes_from_gmis_only_its_text_and_time_helpers(loaded):
    outside = {name for name in loaded
               if name.startswith("gmis") and not name.startswith("gmis.surveys.engine")}
    assert outside <= HELPERS
