"""Pooled PostgreSQL connections are pinged only after idling, and a dead one is replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, exc, text

from allaboutme.pool_health import ping_after_idle
from tests import backends

pytestmark = pytest.mark.skipif(
    not backends.postgres_available()[0]
    and not backends.is_required("ALLABOUTME_REQUIRE_POSTGRES"),
    reason="no PostgreSQL server",
)


def _engine(idle_seconds: float) -> Engine:
    engine = create_engine(backends.postgres_server_url(), pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle_seconds)
    return engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    killer = create_engine(backends.postgres_server_url(), isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as connection:
            ended = connection.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}
            ).scalar_one()
    finally:
        killer.dispose()
    assert ended


def _pings(engine: Engine) -> list[str]:
    """Every ping the pool sends, as seen by the driver."""
    sent: list[str] = []
    original = engine.dialect.do_ping

    def counting(dbapi_connection):
        sent.append("ping")
        return original(dbapi_connection)

    engine.dialect.do_ping = counting  # type: ignore[method-assign]
    return sent


def test_a_connection_that_idled_is_checked_and_replaced_if_dead():
    engine = _engine(idle_seconds=0)
    try:
        pid = _backend_pid(engine)
        _terminate(pid)
        assert _backend_pid(engine) != pid  # the dead one never reached the caller
    finally:
        engine.dispose()


def test_a_connection_in_constant_use_is_not_pinged():
    engine = _engine(idle_seconds=3600)
    try:
        pings = _pings(engine)
        for _ in range(5):
            _backend_pid(engine)
        assert pings == []
    finally:
        engine.dispose()


def test_without_the_check_a_dead_connection_fails_once_then_the_pool_recovers():
    engine = _engine(idle_seconds=3600)
    try:
        pid = _backend_pid(engine)
        _terminate(pid)
        with pytest.raises(exc.OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != pid
    finally:
        engine.dispose()
