"""The Alembic migrations build exactly the schema the models describe, and go back down."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gmis import migrate
from gmis.db import Base, included_in_schema
from tests.conftest import make_migrated_app
from tests.fixtures.databases import scratch_database


def test_models_and_migrations_agree(app, db):
    connection = db.connection()
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "include_object": included_in_schema(connection.dialect.name)})
    assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(tmp_path):
    with scratch_database(tmp_path, "migrations") as url:
        _round_trip(make_migrated_app(url))


def _round_trip(app):
    with app.app_context():
        migrate.downgrade("base")
        engine = app.extensions["gmis.db"].engine
        assert sa.inspect(engine).get_table_names() == ["alembic_version"]
        migrate.upgrade()
        assert "facilities" in sa.inspect(engine).get_table_names()
        engine.dispose()
