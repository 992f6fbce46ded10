"""Which databases and browser the suite can use here, and throwaway databases.

SQLite always runs. PostgreSQL runs when ``ALLABOUTME_TEST_DATABASE_URL`` names a
server or one answers on 127.0.0.1:5432; with ``ALLABOUTME_REQUIRE_POSTGRES=1``
(CI) its absence is a failure, not a skip. The same holds for Chromium and
``ALLABOUTME_REQUIRE_BROWSER=1``, and for Redis (``ALLABOUTME_TEST_REDIS_URL``,
else 127.0.0.1:6379) and ``ALLABOUTME_REQUIRE_REDIS=1``.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from dataclasses import dataclass

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Database 15, away from the 0 that `make serve` uses; tests add their own key prefix.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def is_required(name: str) -> bool:
    return os.environ.get(name, "").strip() in {"1", "true", "yes", "on"}


def postgres_server_url() -> str:
    return os.environ.get("ALLABOUTME_TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL


def postgres_available() -> tuple[bool, str]:
    url = make_url(postgres_server_url())
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=2):
            pass
    except OSError as error:
        return False, f"no PostgreSQL server at {url.host}:{url.port or 5432} ({error.strerror})"
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means we cannot use it
        return False, f"PostgreSQL refused the connection ({type(error).__name__})"
    return True, ""


def redis_url() -> str:
    return os.environ.get("ALLABOUTME_TEST_REDIS_URL") or DEFAULT_REDIS_URL


def redis_available() -> tuple[bool, str]:
    """Whether a Redis server answers PING at the test URL, and if not why."""
    client = redis.Redis.from_url(redis_url(), socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return False, f"no Redis at {redis_url()} ({type(error).__name__})"
    finally:
        client.close()
    return True, ""


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@dataclass
class ThrowawayPostgres:
    """A fresh database on the test server, dropped at the end."""

    name: str
    url: str

    @classmethod
    def create(cls, prefix: str) -> ThrowawayPostgres:
        server = make_url(postgres_server_url())
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return cls(name=name, url=server.set(database=name).render_as_string(hide_password=False))

    def drop(self) -> None:
        admin = create_engine(make_url(postgres_server_url()), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()
