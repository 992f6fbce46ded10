"""``flask --app allaboutme backup ...``: copy the data and the key store, and restore them.

A backup is two artefacts and a manifest. The data database and the key store
are copied into separate files, so they can be stored apart: the data alone
decrypts nothing, and a child erased after the backup stays erased when only
the data is restored (``--data-only``) beside the live key store. The root key
is in neither: like a KMS key it lives outside every database and every
backup, so a stolen pair of artefacts is still unreadable.

SQLite databases are copied with ``VACUUM INTO`` (one read transaction, so the
copy is consistent while the service keeps writing, and free pages that may
hold destroyed keys are left behind); PostgreSQL databases with
``pg_dump --format=custom``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, inspect, literal, select, table
from sqlalchemy.engine import URL, make_url

from allaboutme import db, encryption
from allaboutme.audit import services as audit
from allaboutme.config import PROJECT_ROOT, Settings

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "allaboutme-backup"
MANIFEST_FORMAT_VERSION = 1
BOOKKEEPING_TABLES = frozenset({"alembic_version"})
PART_NAMES = {"data": "the data database", "keystore": "the key store"}
KEPT_APART = {
    "root_key": (
        "The root key file (ALLABOUTME_ROOT_KEY_FILE) is in neither artefact. It is kept "
        "apart, like a KMS key: the key store opens only with it, and the data only with "
        "the key store."
    ),
    "secrets": (
        "ALLABOUTME_SECRET_KEY, ALLABOUTME_PASSWORD_PEPPER and the audit signing key "
        "(ALLABOUTME_AUDIT_SIGNING_KEY_FILE) come from the secret store, as for any start; "
        "the same pepper and signing key are needed for logins and audit verify."
    ),
}

backup_cli = AppGroup("backup", help="Back up and restore the data and the key store.")


class BackupError(click.ClickException):
    """The backup or restore cannot go ahead; nothing was overwritten."""


@dataclass(frozen=True)
class Artefact:
    """One copied database as the manifest lists it."""

    file: str
    backend: str
    sha256: str
    size_bytes: int


# -- databases ---------------------------------------------------------------


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in {"sqlite", "postgresql"}:
        raise BackupError(f"cannot back up a {name} database")
    return name


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL for pg_dump/pg_restore, and the environment to run them in.

    The password goes in ``PGPASSWORD`` so it never shows in the process list.
    The session is scoped to every tenant, as the service's own work is: the
    service's role is subject to row-level security and would otherwise see,
    and so copy, no child's rows.
    """
    parsed: URL = make_url(url)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    scope = f"-c {db.TENANT_SETTING}={db.ALL_TENANTS}"
    environment["PGOPTIONS"] = f"{environment.get('PGOPTIONS', '')} {scope}".strip()
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run_postgres_tool(tool: str, arguments: list[str], url: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} is not installed (sudo apt-get install postgresql-client)")
    conninfo, environment = _libpq(url)
    finished = subprocess.run(  # noqa: S603 - fixed program, no shell, arguments are ours
        [program, *arguments, f"--dbname={conninfo}"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise BackupError(f"{tool} failed: {finished.stderr.strip()}")


def copy_database(url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``url`` into the new file ``target``."""
    if backend_of(url) == "sqlite":
        source = sqlite_path(url)
        if not source.exists():
            raise BackupError(f"there is no SQLite database at {source}")
        connection = sqlite3.connect(source)
        try:
            connection.execute("VACUUM INTO ?", (str(target),))
        finally:
            connection.close()
    else:
        # Uncompressed: ciphertext does not shrink, and a plain dump can be searched
        # for canaries to prove no plaintext was ever stored.
        options = ["--format=custom", "--compress=0", "--enable-row-security"]
        _run_postgres_tool("pg_dump", [*options, f"--file={target}"], url)
    target.chmod(0o600)


def load_database(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the copy in ``source``."""
    if backend_of(url) == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        copy, live = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(path)
        try:
            copy.backup(live)  # page by page, through the live database's own locks and WAL
        finally:
            copy.close()
            live.close()
        return
    options = ["--no-owner", "--no-privileges", "--clean", "--if-exists", "--enable-row-security"]
    _run_postgres_tool(
        "pg_restore", [*options, "--single-transaction", "--exit-on-error", str(source)], url
    )


def holds_data(url: str) -> bool:
    """Whether any table (besides the migration bookkeeping) has a row."""
    if backend_of(url) == "sqlite" and not sqlite_path(url).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names()) - BOOKKEEPING_TABLES
            return any(
                connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first()
                for name in sorted(names)
            )
    finally:
        engine.dispose()


def migration_revision(url: str) -> str | None:
    """The data database's Alembic revision (None when it was never migrated)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def newest_revision() -> str | None:
    """The migration this release expects the data database to be at."""
    return ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()


# -- artefacts and manifest ----------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def artefact_name(part: str, backend: str) -> str:
    return f"{part}.sqlite3" if backend == "sqlite" else f"{part}.pgdump"


def prepare_directory(directory: Path) -> None:
    """Create ``directory`` (0700) or accept it empty: a backup never overwrites another."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; choose a new directory for each backup")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)


def take_copy(part: str, url: str, directory: Path) -> Artefact:
    backend = backend_of(url)
    target = directory / artefact_name(part, backend)
    copy_database(url, target)
    return Artefact(target.name, backend, sha256_of(target), target.stat().st_size)


def write_manifest(directory: Path, revision: str | None, artefacts: dict[str, Artefact]) -> None:
    manifest = {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_FORMAT_VERSION,
        "created_at": db.utcnow().isoformat(),
        "alembic_revision": revision,
        "artefacts": {part: asdict(artefact) for part, artefact in artefacts.items()},
        "not_included": KEPT_APART,
    }
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"no readable {MANIFEST_NAME} in {directory}") from None
    if (manifest.get("format"), manifest.get("format_version")) != (
        MANIFEST_FORMAT,
        MANIFEST_FORMAT_VERSION,
    ):
        raise BackupError(f"{path} is not a backup manifest this version understands")
    return manifest


def checked_artefact(manifest: dict[str, Any], part: str, directory: Path, url: str) -> Path:
    """The artefact of ``part``, after proving it is whole and fits the target database."""
    listed = manifest["artefacts"].get(part)
    if listed is None:
        raise BackupError(f"this backup has no {part} artefact")
    path = directory / Path(listed["file"]).name
    if not path.is_file():
        hint = " (stored apart? give --keystore-dir)" if part == "keystore" else ""
        raise BackupError(f"{listed['file']} is missing from {directory}{hint}")
    if sha256_of(path) != listed["sha256"]:
        raise BackupError(f"{listed['file']} does not match its checksum: the backup is damaged")
    if listed["backend"] != backend_of(url):
        raise BackupError(f"{listed['file']} is a {listed['backend']} backup")
    return path


# -- commands ----------------------------------------------------------------


def _settings() -> Settings:
    return current_app.config["ALLABOUTME_SETTINGS"]


def _audit(action: str, reason: str) -> None:
    """Record the backup or restore in the service's audit chain.

    The write lock is taken first: the service may be writing at the same time.
    """
    db.begin_write()
    audit.record(
        actor=None, action=action, chain=audit.SERVICE_CHAIN, now=db.utcnow(), reason=reason
    )
    db.session().commit()


@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keystore-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the key store artefact here instead, to store it apart from the data.",
)
def create(directory: Path, keystore_dir: Path | None) -> None:
    """Copy the data database and the key store into DIRECTORY, with a manifest.

    The data is copied first: every key a data row needs was committed before
    the row, so a key store copied afterwards holds it.
    """
    settings = _settings()
    keystore_dir = keystore_dir or directory
    for folder in {directory, keystore_dir}:
        prepare_directory(folder)
    revision = migration_revision(settings.database_url)
    artefacts = {
        "data": take_copy("data", settings.database_url, directory),
        "keystore": take_copy("keystore", settings.keystore_url, keystore_dir),
    }
    write_manifest(directory, revision, artefacts)
    _audit("backup.create", f"data sha256 {artefacts['data'].sha256[:16]}")
    for part, artefact in artefacts.items():
        click.echo(f"{part}: {artefact.file} ({artefact.size_bytes} bytes, {artefact.sha256})")
    click.echo(f"manifest: {MANIFEST_NAME} (migration {revision or 'none'})")
    click.echo("the root key file is not in this backup: keep it apart, as you keep it now")


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--keystore-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Where the key store artefact is, if it was stored apart.",
)
@click.option("--data-only", is_flag=True, help="Restore the data; keep the live key store.")
@click.option("--force", is_flag=True, help="Replace databases that already hold data.")
def restore(directory: Path, keystore_dir: Path | None, data_only: bool, force: bool) -> None:
    """Restore the backup in DIRECTORY into the configured databases.

    Every checksum is verified and every target checked before anything is
    written. The root key the key store was wrapped under must be configured.
    """
    settings = _settings()
    manifest = read_manifest(directory)
    targets = {"data": (settings.database_url, directory)}
    if not data_only:
        targets["keystore"] = (settings.keystore_url, keystore_dir or directory)
    sources = {
        part: checked_artefact(manifest, part, folder, url)
        for part, (url, folder) in targets.items()
    }
    refuse_occupied({part: url for part, (url, _folder) in targets.items()}, force=force)
    db.database().dispose()
    encryption.vault().keystore.engine.dispose()
    for part, (url, _folder) in targets.items():
        load_database(url, sources[part])
        click.echo(f"{part}: restored from {sources[part].name}")
    _audit("backup.restore", f"backup of {manifest['created_at']}")
    click.echo(_migration_note(manifest.get("alembic_revision")))


def refuse_occupied(urls: dict[str, str], *, force: bool) -> None:
    """Stop before overwriting a database that holds data, unless told to."""
    occupied = [PART_NAMES[part] for part, url in urls.items() if holds_data(url)]
    if occupied and not force:
        raise BackupError(
            f"these already hold data: {', '.join(occupied)}; "
            "restore into empty databases, or pass --force to replace them"
        )


def _migration_note(revision: str | None) -> str:
    newest = newest_revision()
    if revision == newest:
        return f"restored at migration {revision}, the newest this release knows"
    return f"restored at migration {revision or 'none'}; run 'db upgrade' to reach {newest}"
