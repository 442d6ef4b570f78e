"""The benchmarks' own PostgreSQL database: found (or created), emptied and migrated.

``GMIS_BENCH_DATABASE_URL`` names it; by default the database ``gmis_bench`` on
127.0.0.1:5432 as user postgres. Its schema is dropped at every run, so the name must
contain "bench": pointing the variable at a database in use by mistake then stops here
instead of wiping it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from flask import Flask
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from gmis import create_app, migrate
from gmis.db import make_engine, session
from gmis.reference import load_reference_data

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/gmis_bench"
#: The secret key of the in-process app and of the gunicorn workers: cookies forged by the
#: benchmark must be accepted by both.
SECRET_KEY = "gmis-bench-secret-key"


@dataclass(frozen=True)
class BenchDatabase:
    url: str

    @property
    def parsed(self) -> URL:
        return make_url(self.url)

    @property
    def where(self) -> str:
        url = self.parsed
        return f"{url.host or '127.0.0.1'}:{url.port or 5432}/{url.database}"


def connect(database: BenchDatabase, **kwargs) -> psycopg.Connection:
    """A plain psycopg connection to the benchmark database (for COPY and VACUUM)."""
    return _connect(database.parsed, **kwargs)


def _connect(url: URL, database: str | None = None, **kwargs) -> psycopg.Connection:
    return psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432,
                           user=url.username, password=url.password,
                           dbname=database or url.database, connect_timeout=3, **kwargs)


def find() -> tuple[BenchDatabase | None, str]:
    """The benchmark database, created if missing; or None and the reason it cannot be."""
    text = os.environ.get("GMIS_BENCH_DATABASE_URL") or DEFAULT_URL
    try:
        url = make_url(text)
    except sa.exc.ArgumentError:
        return None, "GMIS_BENCH_DATABASE_URL is not a database URL"
    if not url.drivername.startswith("postgresql"):
        return None, f"GMIS_BENCH_DATABASE_URL is not PostgreSQL ({url.drivername})"
    if "bench" not in (url.database or ""):
        return None, (f"the database name {url.database!r} does not contain \"bench\"; its "
                      "schema would be dropped, so it is left alone")
    database = BenchDatabase(url.render_as_string(hide_password=False))
    try:
        _connect(url).close()
        return database, ""
    except psycopg.OperationalError as error:
        if f'"{url.database}" does not exist' not in str(error):
            return None, _first_line(error)
    try:
        with _connect(url, "postgres", autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
    except psycopg.Error as error:
        return None, f"cannot create database {url.database}: {_first_line(error)}"
    return database, ""


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def reset(database: BenchDatabase) -> None:
    """Drop the public schema and make it anew (everything from the last run goes)."""
    engine = make_engine(database.url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def migrated_app(database: BenchDatabase) -> Flask:
    """An app on the emptied database, migrated with Alembic, with the reference data."""
    reset(database)
    app = create_app({"DATABASE_URL": database.url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        migrate.upgrade()
        load_reference_data()
        session.commit()
    return app
