"""Checking pooled database connections only when they may have gone stale.

Pinging the server at every checkout (SQLAlchemy's ``pool_pre_ping``) costs a
round trip on every request, and a request here checks out two connections
(data and key store). A connection returned moments ago is as alive as the
last statement it ran; one that sat idle in the pool may have outlived a
database restart or a proxy's idle timeout. So only those are pinged, and a
dead one is replaced before the request sees it. A server that goes away while
connections are in constant use fails the statements in flight; SQLAlchemy then
discards the whole pool, and the app answers those requests 503 (retry).
"""

from __future__ import annotations

import functools
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError

IDLE_BEFORE_PING_SECONDS = 10.0
_RETURNED_AT = "allaboutme_returned_at"


def ping_after_idle(engine: Engine, idle_seconds: float = IDLE_BEFORE_PING_SECONDS) -> None:
    """Ping a connection at checkout if it has been idle in the pool for ``idle_seconds``."""
    event.listen(engine.pool, "checkin", _note_return)
    event.listen(
        engine.pool, "checkout", functools.partial(_ping_if_idle, engine.dialect, idle_seconds)
    )


def _note_return(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_RETURNED_AT] = time.monotonic()


def _ping_if_idle(
    dialect: Dialect, idle_seconds: float, dbapi_connection: Any, record: Any, _proxy: Any
) -> None:
    returned = record.info.get(_RETURNED_AT)
    if returned is None or time.monotonic() - returned < idle_seconds:
        return  # just opened, or just used
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception as error:  # noqa: BLE001 - any failure means this connection is gone
        raise DisconnectionError("an idle pooled connection no longer answers") from error
    if not alive:
        raise DisconnectionError("an idle pooled connection no longer answers")
