"""Whether a database transaction was open at the moment of a kill (asked just before it).

A kill only tests rollback when it cuts a transaction in half, so each kill
records what the database said a moment before the SIGKILL:

- PostgreSQL: backends of the run's data database whose transaction has
  written (it has a transaction id), from ``pg_stat_activity``;
- SQLite: whether a writer holds the write lock (``BEGIN IMMEDIATE`` with no
  wait fails while one does; otherwise the probe releases it at once).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

_OPEN_TRANSACTIONS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
)


class TransactionProbe:
    """Counts open write transactions on the data database (see the module docstring)."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.sqlite_path = url.database if url.get_backend_name() == "sqlite" else None
        self.engine: Engine | None = None if self.sqlite_path else create_engine(url)

    def open_transactions(self) -> int:
        if self.engine is not None:
            with self.engine.connect() as connection:
                return int(connection.execute(_OPEN_TRANSACTIONS).scalar_one())
        connection = sqlite3.connect(str(self.sqlite_path), timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return 1  # "database is locked": a writer is inside its transaction
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            connection.close()
        return 0

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
