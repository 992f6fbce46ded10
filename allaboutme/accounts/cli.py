"""Command-line account administration: organisations and users."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

from allaboutme import db
from allaboutme.accounts import services
from allaboutme.accounts.models import ORG_KINDS, ROLES
from allaboutme.errors import AppError


def _fail(error: AppError) -> None:
    messages = getattr(error, "errors", None) or {"error": [error.detail or error.title]}
    for field, problems in messages.items():
        for problem in problems:
            click.echo(f"{field}: {problem}", err=True)
    sys.exit(1)


@click.command("create-org")
@with_appcontext
@click.option("--kind", type=click.Choice(ORG_KINDS), required=True)
@click.argument("name")
def create_org(kind: str, name: str) -> None:
    """Create an organisation and print its id."""
    try:
        organisation = services.create_organisation(kind=kind, name=name)
        db.session().commit()
    except AppError as error:
        _fail(error)
    click.echo(organisation.id)


@click.command("create-user")
@with_appcontext
@click.option("--org", "org_name", required=True, help="The organisation's name.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--display-name", default=None)
@click.argument("username")
def create_user(org_name: str, role: str, display_name: str | None, username: str) -> None:
    """Create a user; the password is read from standard input. Prints the user's id."""
    secret = sys.stdin.readline().rstrip("\r\n")
    try:
        organisation = services.find_organisation_by_name(org_name)
        user = services.create_user(
            organisation=organisation,
            role=role,
            username=username,
            secret=secret,
            display_name=display_name,
        )
        db.session().commit()
    except AppError as error:
        _fail(error)
    click.echo(user.id)


@click.command("reset-login")
@with_appcontext
@click.argument("username")
def reset_login(username: str) -> None:
    """Let a user try to log in again after too many failures."""
    services.reset_login_throttle(username)
    db.session().commit()
    click.echo("ok")


def register(app_cli: AppGroup) -> None:
    for command in (create_org, create_user, reset_login):
        app_cli.add_command(command)
