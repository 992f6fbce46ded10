"""SQLite writers queue for their turn (threads, then processes) before asking SQLite."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from allaboutme.sqlite_engine import (
    WRITE_TRANSACTION,
    WriterTurn,
    make_sqlite_engine,
    writer_turn,
)

WRITERS = 8
WRITES_EACH = 25


PROCESSES = 2


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "writers.sqlite3"


@pytest.fixture
def engine(database: Path) -> Engine:
    made = make_sqlite_engine(f"sqlite:///{database}")
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    yield made
    made.dispose()


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT n FROM counter")).scalar_one()


def _write_from_threads(url: str) -> None:
    """One process's writers (run in a spawned process): WRITERS threads, WRITES_EACH each."""
    engine = make_sqlite_engine(url)
    threads = [
        threading.Thread(target=lambda: [_write(engine) for _ in range(WRITES_EACH)])
        for _ in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()


def _write(engine: Engine) -> None:
    """Read, then write what was read plus one: lost updates would show in the total."""
    writing = engine.connect().execution_options(**{WRITE_TRANSACTION: True})
    with writing as connection, connection.begin():
        n = connection.execute(text("SELECT n FROM counter")).scalar_one()
        connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})


def test_a_write_transaction_holds_the_turn_until_its_connection_is_returned(engine):
    turn = writer_turn(engine)
    connection = engine.connect().execution_options(**{WRITE_TRANSACTION: True})
    with connection.begin():
        assert turn.locked()
    connection.close()
    assert not turn.locked()


def test_a_read_transaction_takes_no_turn(engine):
    with engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT n FROM counter")).scalar_one()
        assert not writer_turn(engine).locked()


def test_a_write_that_fails_gives_the_turn_back(engine):
    connection = engine.connect().execution_options(**{WRITE_TRANSACTION: True})
    with pytest.raises(Exception, match="no such table"), connection.begin():
        connection.execute(text("INSERT INTO missing VALUES (1)"))
    connection.close()
    assert not writer_turn(engine).locked()


def test_concurrent_writers_each_get_their_turn_and_lose_nothing(engine):
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(WRITES_EACH):
                _write(engine)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(engine) == WRITERS * WRITES_EACH
    assert not writer_turn(engine).locked()


def test_a_writer_waits_while_another_process_has_the_turn(engine, database):
    other_process = WriterTurn(f"{database}-writers")  # its own lock file description
    assert other_process.take(timeout=1)
    writer = threading.Thread(target=_write, args=(engine,))
    writer.start()
    writer.join(timeout=0.5)
    still_waiting = writer.is_alive()
    other_process.give_back()
    writer.join()
    assert still_waiting
    assert _count(engine) == 1


def test_writers_in_several_processes_lose_nothing(engine, database):
    url = f"sqlite:///{database}"
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_write_from_threads, args=(url,)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    assert _count(engine) == PROCESSES * WRITERS * WRITES_EACH
