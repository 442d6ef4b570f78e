"""SQLAlchemy 2.x wiring: the declarative base, the request-scoped session, the engine.

Plain SQLAlchemy instead of Flask-SQLAlchemy: the session picks the engine of the current
app, which lets several apps (one per test database, a live test server in another thread)
live in one process, and lets the test suite run each test inside a rolled-back transaction.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, current_app
from flask.globals import _cv_request, app_ctx
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

from gmis import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware datetimes on SQLite too, which stores them without an offset."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def postgresql_only(index: sa.Index) -> sa.Index:
    """An index only PostgreSQL has (a trigram index): not created elsewhere, and not
    missed there when migrations and models are compared (``included_in_schema``)."""
    index.info["dialects"] = ("postgresql",)
    return index.ddl_if(dialect="postgresql")


def included_in_schema(dialect: str):
    """For Alembic's ``include_object``: leaves out what ``postgresql_only`` marked on the
    databases it is not made for."""
    def include(obj, name, type_, reflected, compare_to) -> bool:
        dialects = getattr(obj, "info", {}).get("dialects")
        return dialects is None or dialect in dialects
    return include


def stored_enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    """An enum column stored as VARCHAR with a CHECK constraint, so that adding a member is a
    small migration."""
    return sa.Enum(cls, name=name, native_enum=False, create_constraint=True, length=32,
                   values_callable=lambda members: [m.value for m in members])


def utcnow() -> datetime:
    """Now, in UTC: every "now" of the application (timestamps, deadlines, "today", the SOS
    handling day) asks this, so that a training instance's clock (gmis/clock.py) moves
    them all together."""
    return clock.utcnow()


class AppSession(Session):
    """A session bound to whatever the current app's database handle points at."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return current_app.extensions["gmis.db"].bind


def _context_id() -> int:
    # One session per request, or per app context outside requests (CLI, tests): a request
    # made inside a test gets its own session, as it would in production.
    context = _cv_request.get(None) or app_ctx._get_current_object()
    return id(context)


session: scoped_session[AppSession] = scoped_session(
    sessionmaker(class_=AppSession, join_transaction_mode="create_savepoint"),
    scopefunc=_context_id,
)


class Database:
    """The database of one app. ``bind`` is the engine, or in tests a connection."""

    def __init__(self, url: str, **timeouts):
        self.url = url
        self.engine = make_engine(url, **timeouts)
        self.bind: sa.Engine | sa.Connection = self.engine


def make_engine(url: str, *, connect_timeout: int = 5, statement_timeout: int = 30) -> sa.Engine:
    """The engine of ``url``. On PostgreSQL a server that does not answer is given up after
    ``connect_timeout`` seconds and a statement is cancelled after ``statement_timeout``
    seconds (0: never), so that a database outage or a runaway query answers a 503 page
    quickly instead of holding every worker. On SQLite ``statement_timeout`` bounds the wait
    for another connection's write lock (30 seconds when 0)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": statement_timeout or 30})
        _configure_sqlite(engine)
        return engine
    connect_args = {"connect_timeout": connect_timeout}
    if statement_timeout:
        connect_args["options"] = f"-c statement_timeout={statement_timeout * 1000}"
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                            connect_args=connect_args)


def _configure_sqlite(engine: sa.Engine) -> None:
    # pysqlite opens transactions lazily and breaks SAVEPOINTs; take over BEGIN ourselves
    # (the recipe from SQLAlchemy's SQLite dialect documentation) and enforce foreign keys.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    app.extensions["gmis.db"] = Database(
        app.config["DATABASE_URL"],
        connect_timeout=app.config.get("DATABASE_CONNECT_TIMEOUT", 5),
        statement_timeout=app.config.get("DATABASE_STATEMENT_TIMEOUT", 30),
    )

    @app.teardown_request
    @app.teardown_appcontext
    def _remove_session(_exc):
        session.remove()


def database() -> Database:
    return current_app.extensions["gmis.db"]
