"""SQLite writers queue in the process before they ask SQLite for the write lock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from allaboutme.sqlite_engine import WRITE_TRANSACTION, make_sqlite_engine, writer_turn

WRITERS = 8
WRITES_EACH = 25


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_sqlite_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    yield made
    made.dispose()


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
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT n FROM counter")).scalar_one() == WRITERS * WRITES_EACH
        )
    assert not writer_turn(engine).locked()
