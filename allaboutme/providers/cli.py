"""``flask --app allaboutme providers ...``: load the framework's register of providers."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from allaboutme import db
from allaboutme.i18n import _
from allaboutme.providers import importer

providers_cli = AppGroup("providers", help="Providers on the placement framework.")

EXIT_ALL_APPLIED = 0
EXIT_UNREADABLE = 1
EXIT_ROWS_REJECTED = 2


@providers_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; save nothing.")
def import_file(file: Path, dry_run: bool) -> None:
    """Create or update providers from a CSV FILE.

    UTF-8 (a byte-order mark is fine) with a header row naming the columns
    name, ofsted_urn, ofsted_rating, lots, lat, lon, capabilities, languages,
    faiths, cultural_competences, vacancies; lists are separated by semicolons.
    A provider whose Ofsted URN is already registered is updated, not duplicated;
    a URN repeated in the file is used from its first row only. Every bad row
    is reported with its line number and skipped; the good rows are saved.

    \b
    Exit status:
      0  every row was applied
      1  the file could not be read (nothing was saved)
      2  some rows were rejected (all the others were saved)
    """
    try:
        data = file.read_bytes()
    except OSError as error:
        click.echo(f"{file}: {error.strerror}", err=True)
        sys.exit(EXIT_UNREADABLE)
    try:
        report = importer.import_providers(data, now=db.utcnow())
    except importer.UnreadableFile as error:
        db.session().rollback()
        click.echo(f"{file}: {error.message}", err=True)
        sys.exit(EXIT_UNREADABLE)
    for rejection in report.rejected:
        for reason in rejection.reasons:
            click.echo(_("line %(line)d: %(reason)s", line=rejection.line, reason=reason), err=True)
    if dry_run:
        db.session().rollback()
    else:
        db.session().commit()
    summary = _(
        "%(created)d created, %(updated)d updated, %(rejected)d rejected",
        created=report.created,
        updated=report.updated,
        rejected=len(report.rejected),
    )
    click.echo(f"{summary} {_('(dry run: nothing saved)')}" if dry_run else summary)
    sys.exit(EXIT_ROWS_REJECTED if report.rejected else EXIT_ALL_APPLIED)


def register(app_cli: AppGroup) -> None:
    app_cli.add_command(providers_cli)
