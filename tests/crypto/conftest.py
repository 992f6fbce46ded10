"""Fixtures for the crypto tests: root key files, key store engines, vaults.

Self-contained on purpose (no root conftest): the key store runs on a SQLite
file and, when a server answers, on a throwaway PostgreSQL database
``aam_ks_<random>`` that is dropped afterwards. Set
``ALLABOUTME_TEST_DATABASE_URL`` to use another PostgreSQL server and
``ALLABOUTME_REQUIRE_POSTGRES=1`` to fail instead of skip when none answers.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # the project is not installed in the venv
    sys.path.insert(0, str(_ROOT))

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from allaboutme.crypto import (  # noqa: E402
    Argon2Params,
    FileRootKeyProvider,
    Vault,
    create_keystore_engine,
    generate_root_key_file,
)

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=1024, parallelism=1)


@pytest.fixture
def cheap_params() -> Argon2Params:
    """Argon2 settings cheap enough for tests (production uses the defaults)."""
    return CHEAP_ARGON2


@pytest.fixture
def root_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "root-keys.json"
    generate_root_key_file(path)
    return path


@pytest.fixture
def root_provider(root_key_file: Path) -> FileRootKeyProvider:
    return FileRootKeyProvider(root_key_file)


def _server_url() -> str:
    url = make_url(os.environ.get("ALLABOUTME_TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the server's maintenance database, or a skip."""
    admin = create_engine(
        _server_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL does not answer at {admin.url!r}: {type(exc.orig).__name__}"
        if os.environ.get("ALLABOUTME_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield admin
    admin.dispose()


@pytest.fixture
def postgres_engine(postgres_server: Engine) -> Iterator[Engine]:
    """A key store engine on a fresh database, dropped after the test."""
    name = f"aam_ks_{secrets.token_hex(6)}"
    with postgres_server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.url.set(database=name)
    engine = create_keystore_engine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with postgres_server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_keystore_engine(f"sqlite:///{tmp_path / 'keystore.sqlite3'}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres_only)])
def keystore_engine(request: pytest.FixtureRequest) -> Engine:
    """The key store engine, once per supported backend."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def vault(keystore_engine: Engine, root_provider: FileRootKeyProvider) -> Vault:
    created = Vault(keystore_engine, root_provider)
    created.create_schema()
    return created


@pytest.fixture
def sqlite_vault(sqlite_engine: Engine, root_provider: FileRootKeyProvider) -> Vault:
    created = Vault(sqlite_engine, root_provider)
    created.create_schema()
    return created


@pytest.fixture(scope="module")
def module_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One SQLite vault shared by a module's Hypothesis tests (no per-example setup)."""
    directory = tmp_path_factory.mktemp("module-vault")
    generate_root_key_file(directory / "root-keys.json")
    engine = create_keystore_engine(f"sqlite:///{directory / 'keystore.sqlite3'}")
    created = Vault(engine, FileRootKeyProvider(directory / "root-keys.json"))
    created.create_schema()
    yield created
    engine.dispose()
