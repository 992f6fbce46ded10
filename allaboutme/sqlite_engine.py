"""How the embedded SQLite database is opened, and how its writers take turns.

SQLite allows one writer at a time. A writer that finds the database locked
waits in SQLite's busy handler, which sleeps in growing steps (1 ms, 2 ms, 5 ms
... up to 100 ms) and retries: under load the lock often sits free while every
waiter sleeps, and a request can wait far longer than the writes ahead of it
took. Writers in one process therefore queue on a lock of their own first, and
each is woken the moment the one before it has finished; SQLite's busy handler
is left to arbitrate only between processes.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_SECONDS = 5
WRITE_TRANSACTION = "allaboutme_write_transaction"
_HOLDS_WRITER_TURN = "allaboutme_holds_writer_turn"
_TURNS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def make_sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
    turn = _TURNS[engine] = threading.Lock()
    event.listen(engine, "connect", _pragmas)
    event.listen(engine, "connect", _take_over_transactions)
    event.listen(engine, "begin", lambda connection: _begin(connection, turn))
    for returned in ("reset", "checkin", "invalidate", "detach"):  # (dbapi connection, record)
        event.listen(engine.pool, returned, lambda *args: _end_turn(args[1].info, turn))
    return engine


def writer_turn(engine: Engine) -> threading.Lock:
    """The lock this process's writers queue on (held while a write transaction is open)."""
    return _TURNS[engine]


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


def _take_over_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)


def _begin(connection: Any, turn: threading.Lock) -> None:
    """Writers take the write lock up front (BEGIN IMMEDIATE), after their turn.

    A deferred transaction that reads and then writes fails at once with
    "database is locked" when another process wrote in between; taking the lock
    first makes concurrent writers wait their turn instead. A turn not had
    within the busy timeout is not waited for further: SQLite still decides.
    """
    if not connection.get_execution_options().get(WRITE_TRANSACTION, False):
        connection.exec_driver_sql("BEGIN")
        return
    if connection.info.get(_HOLDS_WRITER_TURN):
        pass  # a second transaction on a connection that was never returned keeps its turn
    elif turn.acquire(timeout=BUSY_TIMEOUT_SECONDS):
        connection.info[_HOLDS_WRITER_TURN] = True
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _end_turn(connection.info, turn)
        raise


def _end_turn(info: dict[str, Any], turn: threading.Lock) -> None:
    """The connection went back to the pool (its transaction ended): the next writer goes."""
    if info.pop(_HOLDS_WRITER_TURN, False):
        turn.release()
