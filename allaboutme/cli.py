"""The ``flask --app allaboutme`` commands: each feature registers its own."""

from __future__ import annotations

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from allaboutme import db, demo, encryption
from allaboutme.accounts import cli as accounts_cli
from allaboutme.accounts import services as accounts
from allaboutme.audit.cli import audit_cli
from allaboutme.backups import backup_cli
from allaboutme.config import PROJECT_ROOT
from allaboutme.keys_cli import keys_cli
from allaboutme.providers import cli as providers_cli
from allaboutme.referrals.cli import case_records_cli
from allaboutme.translations_cli import i18n_cli

db_cli = AppGroup("db", help="Database schema migrations (data and key store).")


def alembic_config() -> AlembicConfig:
    config = AlembicConfig(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["engine"] = db.database().engine
    return config


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the data database (and create the key store's tables)."""
    encryption.vault().create_schema()
    alembic_command.upgrade(alembic_config(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Step the data database back (default: one migration)."""
    alembic_command.downgrade(alembic_config(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("current")
def current() -> None:
    """Show the data database's migration."""
    alembic_command.current(alembic_config())


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create demo organisations, staff and a child with a login; print the logins."""
    if current_app.config["ALLABOUTME_SETTINGS"].is_production:
        raise click.ClickException("seed-demo is for local demonstrations, not production")
    if accounts.find_user_by_username("demo.worker") is None:
        demo.create_demo_data()
        db.session().commit()
    _print_demo_logins()


def _print_demo_logins() -> None:
    click.echo("Demo logins (username / password):")
    for org_name, _kind, role, username, _name in demo.DEMO_USERS:
        click.echo(f"  {username:<16} {demo.DEMO_PASSWORD:<20} {role} at {org_name}")
    click.echo(
        f"  {'demo.child':<16} {demo.DEMO_CHILD_PIN:<20} child (PIN) at {demo.DEMO_AUTHORITY}"
    )


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(i18n_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(case_records_cli)
    accounts_cli.register(app.cli)
    providers_cli.register(app.cli)
