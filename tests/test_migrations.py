"""The Alembic migrations build exactly the schema the models describe, and go back down."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gmis.db import Base


def test_models_and_migrations_agree(app, db):
    connection = db.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(tmp_path):
    from tests.conftest import make_migrated_app

    app = make_migrated_app(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    with app.app_context():
        from gmis import migrate

        migrate.downgrade("base")
        engine = app.extensions["gmis.db"].engine
        assert sa.inspect(engine).get_table_names() == ["alembic_version"]
        migrate.upgrade()
        assert "facilities" in sa.inspect(engine).get_table_names()
        engine.dispose()
