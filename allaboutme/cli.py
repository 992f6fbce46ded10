"""The ``flask --app allaboutme`` commands: each feature registers its own."""

from __future__ import annotations

from datetime import date

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from allaboutme import db, encryption
from allaboutme.accounts import cli as accounts_cli
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.audit.cli import audit_cli
from allaboutme.children import services as children
from allaboutme.config import PROJECT_ROOT
from allaboutme.keys_cli import keys_cli
from allaboutme.providers import cli as providers_cli
from allaboutme.providers import services as providers
from allaboutme.translations_cli import i18n_cli

db_cli = AppGroup("db", help="Database schema migrations (data and key store).")

DEMO_AUTHORITY = "Demo Borough Council"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo login; seed-demo refuses production
DEMO_CHILD_PIN = "493817"
DEMO_USERS = (
    # (organisation, kind, role, username, display name)
    (DEMO_AUTHORITY, "local_authority", "social_worker", "demo.worker", "Alex Morgan"),
    (DEMO_AUTHORITY, "local_authority", "la_admin", "demo.admin", "Priya Shah"),
    (
        "South London Placements Framework",
        "framework",
        "framework_admin",
        "demo.framework",
        "Jordan Lee",
    ),
    ("Sunrise Fostering", "provider", "provider", "demo.sunrise", "Grace Okafor"),
    ("Oakwood Children's Homes", "provider", "provider", "demo.oakwood", "Tom Evans"),
)


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
        _create_demo_data()
        db.session().commit()
    _print_demo_logins()


def _create_demo_data() -> None:
    organisations = {}
    users = {}
    for org_name, kind, role, username, display_name in DEMO_USERS:
        if org_name not in organisations:
            organisations[org_name] = accounts.create_organisation(kind=kind, name=org_name)
        users[username] = accounts.create_user(
            organisation=organisations[org_name],
            role=role,
            username=username,
            secret=DEMO_PASSWORD,
            display_name=display_name,
        )
    _create_demo_providers(users["demo.framework"])
    child = children.create_child(
        actor=users["demo.worker"],
        preferred_name="Sam",
        date_of_birth=date(2014, 5, 17),
        locale="en",
        now=db.utcnow(),
    )
    accounts.create_user(
        organisation=organisations[DEMO_AUTHORITY],
        role="child",
        username="demo.child",
        secret=DEMO_CHILD_PIN,
        display_name="Sam",
        child_id=child.id,
    )


DEMO_PROVIDERS = (
    # name, URN, rating, lots, (lat, lon), capabilities, languages, faiths, vacancies
    (
        "Sunrise Fostering",
        "SC100001",
        "outstanding",
        ["2a", "2b", "2c"],
        (51.3762, -0.0982),
        ["sibling_group", "emergency", "semh"],
        ["en", "ar", "so"],
        ["islam", "christianity"],
        3,
    ),
    (
        "Oakwood Children's Homes",
        "SC100002",
        "good",
        ["1a", "1b"],
        (51.4613, -0.1156),
        ["asd", "complex_adolescent"],
        ["en", "pl"],
        [],
        1,
    ),
)


def _create_demo_providers(framework_admin: User) -> None:
    """Give the demo provider organisations their framework profiles."""
    for name, urn, rating, lots, (
        lat,
        lon,
    ), capabilities, languages, faiths, vacancies in DEMO_PROVIDERS:
        providers.create_provider(
            framework_admin,
            name=name,
            ofsted_urn=urn,
            ofsted_rating=rating,
            lots=lots,
            location={"lat": lat, "lon": lon},
            capabilities=capabilities,
            languages=languages,
            faiths=faiths,
            cultural_competences=[],
            vacancies=vacancies,
            now=db.utcnow(),
        )


def _print_demo_logins() -> None:
    click.echo("Demo logins (username / password):")
    for org_name, _kind, role, username, _name in DEMO_USERS:
        click.echo(f"  {username:<16} {DEMO_PASSWORD:<20} {role} at {org_name}")
    click.echo(f"  {'demo.child':<16} {DEMO_CHILD_PIN:<20} child (PIN) at {DEMO_AUTHORITY}")


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(i18n_cli)
    app.cli.add_command(seed_demo)
    accounts_cli.register(app.cli)
    providers_cli.register(app.cli)
