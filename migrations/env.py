"""Alembic environment: the engine comes from the app (``flask --app allaboutme db ...``)."""

from __future__ import annotations

from alembic import context

from allaboutme.models import metadata

config = context.config


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        raise RuntimeError("run migrations with: flask --app allaboutme db upgrade")
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Row-level security is forced on the tables' owner: migrations see every tenant.
            connection.exec_driver_sql("SELECT set_config('allaboutme.tenant', '*', false)")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline SQL generation is not supported; use an engine")
run_migrations()
