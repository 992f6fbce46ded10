"""``flask --app allaboutme case-records ...``: the decision to end a legal hold."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.errors import AppError
from allaboutme.referrals import holds

case_records_cli = AppGroup("case-records", help="Case records kept under a legal hold.")


@case_records_cli.command("destroy")
@click.argument("child_id")
@click.option("--admin", "username", required=True, help="The administrator deciding.")
@click.option("--reason", required=True, help="Who decided, and why (kept in the audit trail).")
def destroy(child_id: str, username: str, reason: str) -> None:
    """End the legal hold on CHILD_ID's case records and make them unreadable for good."""
    admin = accounts.find_user_by_username(username)
    if admin is None:
        raise click.ClickException(f"no user {username}")
    try:
        packets = holds.end_legal_hold(admin, child_id, reason=reason, now=db.utcnow())
    except AppError as error:
        db.session().rollback()
        raise click.ClickException(str(error.detail or error.title)) from None
    db.session().commit()
    holds.destroy_case_key(child_id)
    click.echo(f"case records of {child_id} destroyed ({packets} packets); the decision is audited")
