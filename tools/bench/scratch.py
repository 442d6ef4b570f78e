"""A throw-away SQLite installation for the benchmarks that need a few records, not the
country: migrated, with the reference data (prefectures, secondary areas, cities)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from gmis import create_app, migrate
from gmis.db import session
from gmis.reference import load_reference_data


@contextmanager
def scratch_app(**config) -> Iterator[Flask]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                          **config})
        with app.app_context():
            migrate.upgrade()
            load_reference_data()
            session.commit()
        try:
            yield app
        finally:
            app.extensions["gmis.db"].engine.dispose()
