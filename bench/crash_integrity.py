"""The database engines' own verdict on their files after the crashes.

SQLite: ``PRAGMA integrity_check`` (b-trees, free lists, indexes against their
tables) and ``PRAGMA foreign_key_check``. PostgreSQL: the ``amcheck`` extension,
``verify_heapam`` on every table (with its TOAST) and ``bt_index_check`` with
``heapallindexed`` on every b-tree index, so an index entry missing for a row
is found too. Both the data database and the key store are checked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.environment import Instance

MAX_REPORTED = 5


def keystore_url(instance: Instance) -> str:
    """The key store, as the app's settings name it (``allaboutme.config``)."""
    return instance.env.get("ALLABOUTME_KEYSTORE_URL") or (
        f"sqlite:///{instance.folder / 'keystore.sqlite3'}"
    )


def check_database(url: str) -> dict[str, Any]:
    """``{"ok": bool, ...}`` for one database, named by its SQLAlchemy URL."""
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite(url)
    return _postgres(url)


def _sqlite(url: str) -> dict[str, Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            integrity = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
            foreign = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    finally:
        engine.dispose()
    return {
        "check": "PRAGMA integrity_check, PRAGMA foreign_key_check",
        "ok": integrity == ["ok"] and not foreign,
        "integrity_check": integrity[:MAX_REPORTED],
        "foreign_key_violations": len(foreign),
    }


_TABLES = text(
    "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1"
)
_BTREE_INDEXES = text(
    "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam "
    "WHERE n.nspname = 'public' AND a.amname = 'btree' AND i.indisvalid ORDER BY 1"
)


def _postgres(url: str) -> dict[str, Any]:
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    problems: list[str] = []
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            tables = connection.execute(_TABLES).scalars().all()
            for table in tables:
                rows = connection.execute(
                    text(
                        "SELECT msg FROM verify_heapam(CAST(:t AS regclass), check_toast => true)"
                    ),
                    {"t": table},
                ).scalars()
                problems += [f"{table}: {message}" for message in rows]
            indexes = connection.execute(_BTREE_INDEXES).scalars().all()
            for index in indexes:
                try:
                    connection.execute(
                        text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index}
                    )
                except Exception as error:  # noqa: BLE001 - amcheck reports corruption by raising
                    problems.append(f"{index}: {type(error).__name__}")
    finally:
        engine.dispose()
    return {
        "check": "amcheck: verify_heapam (with TOAST), bt_index_check (heapallindexed)",
        "ok": not problems,
        "tables": len(tables),
        "btree_indexes": len(indexes),
        "problems": problems[:MAX_REPORTED],
    }
