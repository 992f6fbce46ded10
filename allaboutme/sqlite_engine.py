"""How the embedded SQLite database is opened, and how its writers take turns.

SQLite allows one writer at a time. A writer that finds the database locked
waits in SQLite's busy handler, which sleeps in growing steps (1 ms, 2 ms, 5 ms
... up to 100 ms) and retries: under load the lock often sits free while every
waiter sleeps, and a request can wait far longer than the writes ahead of it
took. Writers therefore queue for a turn of their own before they ask SQLite:
the threads of one process on a lock, each woken the moment the one before it
has finished; then the processes (gunicorn's workers) on a file lock beside the
database, polled every few hundred microseconds instead of SQLite's
milliseconds. The turn is an aid to scheduling only: SQLite's own locking still
decides, and a turn not had within the busy timeout is not waited for further.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_SECONDS = 5
WRITE_TRANSACTION = "allaboutme_write_transaction"
_HOLDS_WRITER_TURN = "allaboutme_holds_writer_turn"
_FIRST_POLL_SECONDS = 0.0002
_LONGEST_POLL_SECONDS = 0.002


class WriterTurn:
    """One writer at a time: among this process's threads, then among processes."""

    def __init__(self, lock_path: str | None) -> None:
        self._threads = threading.Lock()
        self._path = lock_path
        self._file: int | None = None
        self._file_pid = 0
        self._holds_file = False  # only the thread holding ``_threads`` touches it

    def take(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the turn; False if it did not come."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._path is not None:
            self._holds_file = self._lock_file(deadline)
        return True

    def give_back(self) -> None:
        if self._holds_file:
            fcntl.flock(self._own_file(), fcntl.LOCK_UN)
            self._holds_file = False
        self._threads.release()

    def locked(self) -> bool:
        return self._threads.locked()

    def _lock_file(self, deadline: float) -> bool:
        descriptor, pause = self._own_file(), _FIRST_POLL_SECONDS
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_POLL_SECONDS)

    def _own_file(self) -> int:
        """This process's own descriptor: a forked child must not share its parent's lock."""
        if self._file is None or self._file_pid != os.getpid():
            if self._file is not None:
                os.close(self._file)
            assert self._path is not None
            self._file = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._file_pid = os.getpid()
        return self._file


_TURNS: weakref.WeakKeyDictionary[Engine, WriterTurn] = weakref.WeakKeyDictionary()


def make_sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
    turn = _TURNS[engine] = WriterTurn(_lock_path(url))
    event.listen(engine, "connect", _pragmas)
    event.listen(engine, "connect", _take_over_transactions)
    event.listen(engine, "begin", lambda connection: _begin(connection, turn))
    for returned in ("reset", "checkin", "invalidate", "detach"):  # (dbapi connection, record)
        event.listen(engine.pool, returned, lambda *args: _end_turn(args[1].info, turn))
    return engine


def writer_turn(engine: Engine) -> WriterTurn:
    """The turn this engine's writers queue for (held while a write transaction is open)."""
    return _TURNS[engine]


def _lock_path(url: str) -> str | None:
    """``<database>-writers`` beside a database file; None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writers"


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


def _take_over_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)


def _begin(connection: Any, turn: WriterTurn) -> None:
    """Writers take the write lock up front (BEGIN IMMEDIATE), after their turn.

    A deferred transaction that reads and then writes fails at once with
    "database is locked" when another process wrote in between; taking the lock
    first makes concurrent writers wait their turn instead. A turn not had
    within the busy timeout is not waited for further: SQLite still decides.
    """
    if not connection.get_execution_options().get(WRITE_TRANSACTION, False):
        connection.exec_driver_sql("BEGIN")
        return
    # A second transaction on a connection that was never returned keeps its turn.
    if not connection.info.get(_HOLDS_WRITER_TURN) and turn.take(timeout=BUSY_TIMEOUT_SECONDS):
        connection.info[_HOLDS_WRITER_TURN] = True
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _end_turn(connection.info, turn)
        raise


def _end_turn(info: dict[str, Any], turn: WriterTurn) -> None:
    """The connection went back to the pool (its transaction ended): the next writer goes."""
    if info.pop(_HOLDS_WRITER_TURN, False):
        turn.give_back()
