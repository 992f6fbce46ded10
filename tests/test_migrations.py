"""The schema is reproducible: migrations build exactly what the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from allaboutme import db
from allaboutme.cli import alembic_config
from allaboutme.models import metadata


def _drop_everything(engine):
    metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_upgrade_downgrade_upgrade_matches_the_models(app):
    with app.app_context():
        engine = db.database().engine
        _drop_everything(engine)
        config = alembic_config()
        command.upgrade(config, "head")
        assert _differences(engine) == []
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert _differences(engine) == []
        assert "users" in inspect(engine).get_table_names()
