"""Capability models live in their own packages (``gmis/accounts/models.py``,
``gmis/registration/models.py``) and in ``gmis.models``, which imports them all for Alembic.
Whichever of them a command, a script or a migration imports first, importing ``gmis.models``
then loads the whole schema, with no import cycle in the way. Checked in a fresh interpreter,
since this test process has every model loaded already."""

import subprocess
import sys

import pytest

FIRST_IMPORTS = [
    "gmis.accounts.models",
    "gmis.accounts.operations",
    "gmis.registration.models",
    "gmis.registration.operations",
    "gmis.models",
]

LOAD_SCHEMA = """
import importlib, sys
importlib.import_module(sys.argv[1])
import gmis.models
import sqlalchemy.orm
from gmis.db import Base
sqlalchemy.orm.configure_mappers()
print(sorted(Base.metadata.tables))
"""


def _tables_after_importing(module: str) -> str:
    result = subprocess.run([sys.executable, "-c", LOAD_SCHEMA, module],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_the_whole_schema_loads_whichever_module_is_imported_first(module):
    tables = _tables_after_importing(module)
    assert tables == _tables_after_importing("gmis.models")
    for table in ("users", "registration_applications", "facilities", "sos_requests"):
        assert f"'{table}'" in tables
