"""Test set-up: one database per run (SQLite file, or GMIS_TEST_DATABASE_URL), migrated with
Alembic once; every test runs inside a transaction that is rolled back afterwards."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask.globals import app_ctx
from flask.testing import FlaskClient

from gmis import create_app, migrate
from gmis.db import make_engine, session
from gmis.reference import load_reference_data

pytest_plugins = [
    "tests.fixtures.factories",
    "tests.fixtures.surveys",
    "tests.fixtures.live",
    "tests.fixtures.smtp",
    "tests.fixtures.web",
    "tests.fixtures.rate_limits",
]


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("GMIS_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "gmis-test.sqlite3")


def reset_database(url: str) -> None:
    """An empty database: on PostgreSQL the public schema is dropped and made anew."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


def pytest_report_header(config):
    url = os.environ.get("GMIS_TEST_DATABASE_URL", "")
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    return f"G-MIS test database: {kind}"


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "BASE_URL": "http://gmis.test",
    "MAIL_BACKEND": "smtp",
    # Rate limits are off except where a test turns them on (tests/fixtures/rate_limits.py):
    # the suite signs in and posts far faster than a person.
    "RATELIMIT_ENABLED": False,
}


def make_migrated_app(url: str, **config):
    reset_database(url)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, **config})
    with app.app_context():
        migrate.upgrade()
        load_reference_data()
        session.commit()
    return app


class Client(FlaskClient):
    """After each request the test's own session forgets what it had loaded, so the test
    sees what the request committed (each request has a session of its own)."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if app_ctx:
            session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_server):
    app = make_migrated_app(
        database_url(tmp_path_factory), SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port
    )
    app.test_client_class = Client
    yield app
    app.extensions["gmis.db"].engine.dispose()


@pytest.fixture(autouse=True)
def db(request, app):
    """Bind the app to one connection whose outer transaction is rolled back at the end;
    commits inside the test (and inside requests) become savepoints."""
    if "live_server" in request.fixturenames:
        yield None
        return
    database = app.extensions["gmis.db"]
    connection = database.engine.connect()
    transaction = connection.begin()
    database.bind = connection
    context = app.app_context()
    context.push()
    try:
        yield session
    finally:
        session.remove()
        context.pop()
        transaction.rollback()
        connection.close()
        database.bind = database.engine


@pytest.fixture(autouse=True)
def fresh_request_globals(app):
    """Requests made inside a test run in the test's app context and would share its ``g``,
    where Flask-Login caches the current user and Flask-WTF the CSRF token. Two browsers in
    one test (an applicant and a reviewer) must not share them, as they never do in
    production, where each request has an app context of its own."""

    def clear(sender, **extra):
        g.__dict__.clear()

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
