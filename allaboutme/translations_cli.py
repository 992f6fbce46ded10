"""``flask --app allaboutme i18n extract|update|compile``: the translation workflow.

English is the source. ``extract`` rebuilds ``translations/messages.pot`` from
the code and templates, ``update`` merges it into every locale's catalogue
(new strings appear untranslated), ``compile`` builds the ``.mo`` files.
"""

from __future__ import annotations

import sys

import click
from babel.messages.frontend import CommandLineInterface
from flask.cli import AppGroup

from allaboutme.config import PROJECT_ROOT

i18n_cli = AppGroup("i18n", help="Extract, update and compile translations.")

TRANSLATIONS = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"


def _babel(*arguments: str) -> None:
    status = CommandLineInterface().run(["pybabel", "-q", *arguments])
    if status:
        sys.exit(status)


@i18n_cli.command("extract")
def extract() -> None:
    """Collect every translatable string into messages.pot."""
    _babel(
        "extract",
        "-F",
        str(PROJECT_ROOT / "babel.cfg"),
        "-k",
        "_l",
        "-o",
        str(TEMPLATE),
        "--no-location",
        "--sort-output",
        "--project",
        "allaboutme",
        "--copyright-holder",
        "allaboutme contributors",
        str(PROJECT_ROOT),
    )
    click.echo(f"wrote {TEMPLATE.relative_to(PROJECT_ROOT)}")


@i18n_cli.command("update")
def update() -> None:
    """Merge messages.pot into every locale's catalogue."""
    _babel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")
    click.echo("catalogues updated: translate the new empty entries")


@i18n_cli.command("compile")
def compile_catalogues() -> None:
    """Build the binary catalogues the app reads."""
    _babel("compile", "--use-fuzzy", "-d", str(TRANSLATIONS))
    click.echo("catalogues compiled")
