"""Tables of the key store database (its own ``MetaData``, every table ``ks_``).

The key store is a separate database from the data, so a backup of the data
alone is unreadable, and deleting a child's wrapped key erases that child
from every copy of the data, live or backed up.

``ks_tenant_keys``: one row per tenant key version, wrapped under a root key
version; exactly one current version per tenant (partial unique index).
``ks_subject_keys``: one row per subject key: a child's key, or the tenant's
own key (``subject_kind='tenant'``, ``subject_id=tenant_id``) for records of the
organisation itself. Erasure clears ``wrapped`` and ``tenant_key_version`` and
stamps ``destroyed_at``; the row stays as a tombstone so the id is never reused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    text,
)

ID_LENGTH = 255

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tenant_keys = Table(
    "ks_tenant_keys",
    metadata,
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("root_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("is_current", Boolean, nullable=False),
    CheckConstraint("version >= 1", name="version_positive"),
    Index(
        "uq_ks_tenant_keys_current",
        "tenant_id",
        unique=True,
        sqlite_where=text("is_current"),
        postgresql_where=text("is_current"),
    ),
)

subject_keys = Table(
    "ks_subject_keys",
    metadata,
    Column("subject_kind", String(8), primary_key=True),
    Column("subject_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("wrapped", LargeBinary, nullable=True),
    Column("tenant_key_version", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True), nullable=True),
    ForeignKeyConstraint(
        ["tenant_id", "tenant_key_version"],
        ["ks_tenant_keys.tenant_id", "ks_tenant_keys.version"],
    ),
    CheckConstraint("subject_kind IN ('child', 'tenant', 'case')", name="subject_kind"),
    CheckConstraint(
        "(destroyed_at IS NULL AND wrapped IS NOT NULL AND tenant_key_version IS NOT NULL)"
        " OR (destroyed_at IS NOT NULL AND wrapped IS NULL AND tenant_key_version IS NULL)",
        name="live_or_destroyed",
    ),
    CheckConstraint(
        "subject_kind <> 'tenant' OR subject_id = tenant_id", name="tenant_subject_is_tenant"
    ),
    Index("ix_ks_subject_keys_tenant_rotation", "tenant_id", "tenant_key_version"),
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings the key store relies on.

    ``foreign_keys`` makes SQLite enforce that no subject key points at a
    missing tenant key version; ``secure_delete`` zeroes the bytes of a destroyed
    wrapped key in the file instead of leaving them in a free page.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def prepare_engine(engine: Engine) -> None:
    """Install the SQLite pragmas on ``engine`` (idempotent; no-op elsewhere).

    Pooled connections opened before this call lack the pragmas, so the pool
    is emptied; pass the key store its own engine.
    """
    if engine.dialect.name != "sqlite":
        return
    if not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)
        engine.dispose()


def create_keystore_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the key store database (SQLite file or ``postgresql+psycopg``)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 5})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    prepare_engine(engine)
    return engine
