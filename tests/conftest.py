"""Fixtures: an app per test on SQLite and on PostgreSQL, clients, factories.

Every test that takes ``app`` (or anything built on it) runs once per backend.
PostgreSQL databases are created once per run and emptied between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text

from allaboutme import create_app, db, encryption
from allaboutme.config import PasswordCost, Settings
from allaboutme.models import metadata
from tests import backends
from tests.factories import ApiClient, Factory

BACKENDS = ("sqlite", "postgresql")
CHEAP_PASSWORDS = PasswordCost(time_cost=1, memory_cost_kib=8, parallelism=1)


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogues if they are missing or stale (as `make setup` does)."""
    root = Path(__file__).resolve().parent.parent / "translations"
    for po_file in root.glob("*/LC_MESSAGES/messages.po"):
        mo_file = po_file.with_suffix(".mo")
        if not mo_file.exists() or mo_file.stat().st_mtime < po_file.stat().st_mtime:
            with po_file.open("rb") as source, mo_file.open("wb") as target:
                write_mo(target, read_po(source))


def pytest_report_header(config: pytest.Config) -> list[str]:
    available, reason = backends.postgres_available()
    chromium = backends.chromium_path()
    has_redis, redis_reason = backends.redis_available()
    return [
        "backends: sqlite" + (", postgresql" if available else f" (postgresql skipped: {reason})"),
        f"browser: {chromium or 'none (browser tests skipped: install Debian chromium)'}",
        "redis: "
        + (backends.redis_url() if has_redis else f"none (shared limits skipped: {redis_reason})"),
    ]


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[tuple[str, str] | None]:
    """(data URL, key store URL) on the test server, created once, or None."""
    available, reason = backends.postgres_available()
    if not available:
        if backends.is_required("ALLABOUTME_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but unusable: {reason}")
        yield None
        return
    data = backends.ThrowawayPostgres.create("aam_test")
    keystore = backends.ThrowawayPostgres.create("aam_test_ks")
    engine = create_engine(data.url)
    metadata.create_all(engine)
    engine.dispose()
    try:
        yield data.url, keystore.url
    finally:
        data.drop()
        keystore.drop()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = (
            connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
        if tables:
            names = ", ".join(f'"{name}"' for name in tables if name != "alembic_version")
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def make_settings(tmp_path: Path, database_url: str, keystore_url: str, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "testing",
        "instance_path": tmp_path,
        "database_url": database_url,
        "keystore_url": keystore_url,
        "root_key_file": tmp_path / "root-keys.json",
        "secret_key": "test-secret-key-not-for-production",
        "password_pepper": "test-pepper-of-sufficient-length",
        "ratelimit_storage_url": "memory://",
        "ratelimits_enabled": False,
        "mfa_enabled": True,
        "audit_signing_key_file": tmp_path / "audit-signing-key.pem",
        "generated": frozenset({"ALLABOUTME_ROOT_KEY_FILE", "ALLABOUTME_AUDIT_SIGNING_KEY_FILE"}),
        "password_cost": CHEAP_PASSWORDS,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_urls(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, str]:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'data.sqlite3'}", f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    databases = request.getfixturevalue("postgres_databases")
    if databases is None:
        pytest.skip("PostgreSQL not available here")
    _empty_postgres(databases[0])
    _empty_postgres(databases[1])
    return databases


@pytest.fixture
def settings_changes() -> dict[str, Any]:
    """Override in a test module to change settings (e.g. switch rate limits on)."""
    return {}


@pytest.fixture
def app(
    database_urls: tuple[str, str], tmp_path: Path, settings_changes: dict[str, Any]
) -> Iterator[Flask]:
    settings = make_settings(tmp_path, *database_urls, **settings_changes)
    application = create_app({"ALLABOUTME_SETTINGS": settings, "TESTING": True})
    with application.app_context():
        engine: Engine = db.database().engine
        if engine.dialect.name == "sqlite":
            metadata.create_all(engine)
        encryption.vault().create_schema()
    yield application
    with application.app_context():
        db.database().dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory(app)


@pytest.fixture
def api(client: FlaskClient, app: Flask) -> ApiClient:
    return ApiClient(client, app)


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()
