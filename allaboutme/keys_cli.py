"""``flask --app allaboutme keys ...``: rotate and inspect the key hierarchy.

Rotation re-wraps keys only (no record is rewritten), in batches, while the
service keeps serving; a run that was killed is finished by running it again.
"""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from allaboutme import db, encryption
from allaboutme.audit import services as audit
from allaboutme.crypto import add_root_key_version

keys_cli = AppGroup("keys", help="Key rotation and status.")


@keys_cli.command("rotate")
@click.option("--root", "rotate_root", is_flag=True, help="Add a new root key version first.")
@click.option("--authority", "authority_ids", multiple=True, help="Only this authority.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
def rotate(rotate_root: bool, authority_ids: tuple[str, ...], batch_size: int) -> None:
    """New key-encryption keys; every wrapped key below them re-wrapped."""
    started = time.perf_counter()
    vault = encryption.vault()
    if rotate_root:
        settings = current_app.config["ALLABOUTME_SETTINGS"]
        version = add_root_key_version(settings.root_key_file)
        vault = encryption.build_vault(settings)
        report = vault.rotate_root(batch_size=batch_size)
        _audit("keys.rotate_root", audit.SERVICE_CHAIN, f"root version {version}")
        click.echo(f"root key version {version}: {report.rewrapped} authority keys re-wrapped")
    tenants = authority_ids or tuple(vault.status().current_tenant_versions)
    total = 0
    for tenant_id in tenants:
        report = vault.rotate_tenant(tenant_id, batch_size=batch_size)
        _audit("keys.rotate", tenant_id, f"authority key version {report.target_version}")
        total += report.rewrapped
        resumed = " (finished an earlier run)" if report.resumed else ""
        click.echo(
            f"authority {tenant_id}: version {report.target_version}, "
            f"{report.rewrapped} keys re-wrapped{resumed}"
        )
    click.echo(f"done: {total} keys re-wrapped in {time.perf_counter() - started:.2f} s")


def _audit(action: str, chain: str, reason: str) -> None:
    audit.record(actor=None, action=action, chain=chain, now=db.utcnow(), reason=reason)
    db.session().commit()


@keys_cli.command("status")
def status() -> None:
    """Key versions in use, and whether a rotation is still running."""
    report = encryption.vault().status()
    click.echo(f"root key version: {report.current_root_version}")
    for version, count in sorted(report.tenant_keys_by_root_version.items()):
        click.echo(f"  authority keys under root version {version}: {count}")
    for tenant_id, versions in sorted(report.tenant_key_versions.items()):
        live = sum(report.live_subject_keys.get(tenant_id, {}).values())
        click.echo(f"authority {tenant_id}: key versions {list(versions)}, {live} live keys")
    click.echo(f"erased children (destroyed keys): {report.destroyed_child_keys}")
    if report.tenants_mid_rotation or report.root_rotation_pending:
        click.echo("rotation unfinished: run 'keys rotate' again to finish it")
