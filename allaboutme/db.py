"""The data database: declarative base, engine, and one session per app context.

Services reach the database through :func:`session`; the HTTP edge commits once
per request (``allaboutme.web.transactions``). Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Connection, DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from allaboutme.pool_health import ping_after_idle
from allaboutme.sqlite_engine import WRITE_TRANSACTION, make_sqlite_engine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 32
_EXTENSION = "allaboutme.db"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """An opaque, unguessable identifier (no order, no meaning)."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes in UTC and always returns them aware.

    SQLite has no time zones; without this a naive datetime would come back and
    compare wrongly with ``now``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), str: String()}


def id_column_type() -> String:
    return String(ID_LENGTH)


TENANT_SETTING = "allaboutme.tenant"
ALL_TENANTS = "*"
_TENANT_SQL = "SELECT set_config('allaboutme.tenant', %(tenant)s, true)"


def make_engine(url: str) -> Engine:
    """An engine with the settings every backend needs here."""
    if url.startswith("sqlite"):
        return make_sqlite_engine(url)
    engine = create_engine(url, pool_size=5, max_overflow=10)
    ping_after_idle(engine)
    return engine


def current_tenant() -> str:
    """The tenant this request is scoped to: an authority's id, or ``*`` (see below)."""
    return g.get("_db_tenant", ALL_TENANTS) if has_app_context() else ALL_TENANTS


def _scope_transaction(_session: Session, _transaction: Any, connection: Any) -> None:
    """Every PostgreSQL transaction starts scoped to the current tenant (row-level security)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_TENANT_SQL, {"tenant": current_tenant()})


def scope_to_tenant(tenant: str) -> None:
    """From now on this request sees only ``tenant``'s rows of tables holding child data.

    The database enforces it on PostgreSQL (policies in the row-level security
    migration), beneath every check the services make: a bug in a query cannot
    reach another authority's children. ``*`` leaves the app's own checks alone
    in charge (providers, the framework, the service itself).
    """
    g._db_tenant = tenant
    existing = g.get("_db_session")
    if existing is not None and existing.in_transaction():
        connection = existing.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(_TENANT_SQL, {"tenant": tenant})


class Database:
    """Owns the engine and the session factory of one application."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        event.listen(self.sessionmaker, "after_begin", _scope_transaction)

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask, url: str) -> Database:
    database = Database(url)
    app.extensions[_EXTENSION] = database
    app.teardown_appcontext(_close_session)
    return database


def database() -> Database:
    return current_app.extensions[_EXTENSION]


def session() -> Session:
    """The session of the current app context, created on first use."""
    existing = g.get("_db_session")
    if existing is None:
        existing = database().sessionmaker()
        g._db_session = existing
    return existing


def connection(of: Session | None = None) -> Connection:
    """The connection of ``of`` (the current session by default), in its transaction,
    with anything pending flushed.

    For hot reads and writes as prebuilt Core statements: they see what this
    request has added, as an ORM query would (autoflush), without mapping rows.
    """
    current = of or session()
    if current.new or current.dirty or current.deleted:
        current.flush()
    return current.connection()


def locks_writes_up_front() -> bool:
    """Whether a writing request must start its own transaction as a writer (SQLite).

    PostgreSQL locks the rows a transaction writes as it writes them; there the
    request goes on in the transaction that loaded its user, without a commit
    and a new transaction first.
    """
    return database().engine.dialect.name == "sqlite"


def begin_write() -> None:
    """Start the current session's transaction as a writer (see ``sqlite_engine``)."""
    session().connection(execution_options={WRITE_TRANSACTION: True})


def after_this_transaction(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has ended (committed or not).

    For records that must survive a rollback, such as a denied read: written
    in their own transaction afterwards, never while this one holds its locks.
    """
    g.setdefault("_db_after_transaction", []).append(callback)


def run_after_transaction_callbacks() -> None:
    for callback in g.pop("_db_after_transaction", []):
        callback()


def _close_session(_exc: BaseException | None) -> None:
    existing = g.pop("_db_session", None)
    if existing is not None:
        existing.close()  # rolls back anything uncommitted; loaded objects stay readable
    run_after_transaction_callbacks()
