"""``flask --app allaboutme audit ...``: verify the chains, sign checkpoints."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from allaboutme import db, encryption
from allaboutme.audit import services
from allaboutme.crypto import signing

audit_cli = AppGroup("audit", help="The audit log's hash chains.")


def _signing_key() -> bytes:
    return encryption.audit_signing_key(current_app.config["ALLABOUTME_SETTINGS"])


@audit_cli.command("verify")
def verify() -> None:
    """Exit 0 when every chain is intact; otherwise name the first bad entry."""
    public_pem = signing.public_pem_for(_signing_key())
    broken = 0
    for chain in services.chains():
        verdict = services.verify(chain, public_pem)
        if verdict.is_intact:
            click.echo(f"chain {chain}: intact")
            continue
        broken += 1
        click.echo(
            f"chain {chain}: BROKEN at entry {verdict.first_bad_sequence}: {verdict.problem}",
            err=True,
        )
    if broken:
        sys.exit(1)
    click.echo("audit log intact")


@audit_cli.command("checkpoint")
def checkpoint() -> None:
    """Sign the head of every chain (run it regularly, e.g. hourly from cron)."""
    signed = services.sign_checkpoints(_signing_key(), now=db.utcnow())
    db.session().commit()
    click.echo(f"signed {signed} checkpoint(s)")
