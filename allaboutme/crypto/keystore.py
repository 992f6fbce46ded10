"""The key store: tenant keys and subject keys in their own database.

Hierarchy: root key (outside any database) -> one key per tenant and version
-> one key per subject (each child, plus the tenant's own key for records of the
organisation) -> a fresh data key per sealed record (inside the envelope).

Every wrapped key is bound by associated data to its own ids and versions, so a
wrapped key copied onto another row fails to unwrap. Each method runs its own
short transaction on the key store's engine; nothing here shares a transaction
with the data database.

Unwrapped tenant keys are cached in memory per ``(tenant, version)``: the bytes
of a given version never change (rotation re-wraps them, it does not replace
them), so the cache stays correct while keys rotate. Subject keys are never
cached, so a destroyed child key is gone the moment the erasure commits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from sqlalchemy import Connection, Engine, Select, and_, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from allaboutme.crypto.aad import (
    SUBJECT_CASE,
    SUBJECT_CHILD,
    SUBJECT_TENANT,
    check_id,
    subject_key_aad,
    tenant_key_aad,
)
from allaboutme.crypto.errors import CryptoError, KeyDestroyedError, KeyNotFoundError
from allaboutme.crypto.rootkeys import RootKeyProvider
from allaboutme.crypto.schema import metadata, prepare_engine, subject_keys, tenant_keys
from allaboutme.crypto.status import KeyStoreStatus, read_status
from allaboutme.crypto.wrapping import new_key, unwrap_key, wrap_key

SUBJECT_KEY_VERSION: Final = 1
DEFAULT_BATCH_SIZE: Final = 500
_ATTEMPTS: Final = 3

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _subject_key_statement() -> Select[Any]:
    s, t = subject_keys.c, tenant_keys.c
    return (
        select(
            s.tenant_id,
            s.key_version,
            s.wrapped,
            s.tenant_key_version,
            s.destroyed_at,
            t.wrapped.label("tenant_wrapped"),
            t.root_version,
        )
        .select_from(
            subject_keys.outerjoin(
                tenant_keys,
                and_(t.tenant_id == s.tenant_id, t.version == s.tenant_key_version),
            )
        )
        .where(s.subject_kind == bindparam("kind"), s.subject_id == bindparam("subject_id"))
    )


# Built once: every read of child content starts here.
_SUBJECT_KEY = _subject_key_statement()


@dataclass(frozen=True, slots=True)
class SubjectKey:
    """An unwrapped subject key and what it belongs to (never printed)."""

    kind: str
    subject_id: str
    tenant_id: str
    version: int
    key: bytes = field(repr=False)


class KeyStore:
    """Tenant and subject keys in the key store database reached through ``engine``."""

    def __init__(
        self,
        engine: Engine,
        root_provider: RootKeyProvider,
        *,
        wrap_algorithm: int | None = None,
        tenant_cache_size: int = 256,
    ) -> None:
        prepare_engine(engine)
        self.engine = engine
        self.root = root_provider
        self.wrap_algorithm = wrap_algorithm
        self._cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._cache_size = tenant_cache_size
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeyStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def create_schema(self) -> None:
        """Create the ``ks_`` tables if they are missing (safe to call every start)."""
        metadata.create_all(self.engine, checkfirst=True)

    # -- tenant keys -------------------------------------------------------

    def ensure_tenant_key(self, tenant_id: str) -> int:
        """Create the tenant key and its own subject key if missing; return the current version."""
        check_id("tenant_id", tenant_id)
        return retry_on_conflict(lambda: self._ensure_tenant_once(tenant_id))

    def _ensure_tenant_once(self, tenant_id: str) -> int:
        with self.engine.begin() as conn:
            current = self.current_tenant_version(conn, tenant_id)
            if current is not None:
                return current
            key = new_key()
            self.insert_tenant_key(conn, tenant_id, 1, key, is_current=True)
            conn.execute(
                insert(subject_keys),
                [self._new_subject_row(SUBJECT_TENANT, tenant_id, tenant_id, 1, key)],
            )
            return 1

    def insert_tenant_key(
        self, conn: Connection, tenant_id: str, version: int, key: bytes, *, is_current: bool
    ) -> None:
        """Store ``key`` as ``version`` of the tenant key, wrapped under the current root key."""
        root_version = self.root.current_version
        wrapped = self.root.wrap(
            root_version, key, tenant_key_aad(tenant_id, version, root_version)
        )
        conn.execute(
            insert(tenant_keys).values(
                tenant_id=tenant_id,
                version=version,
                wrapped=wrapped,
                root_version=root_version,
                created_at=utcnow(),
                is_current=is_current,
            )
        )

    @staticmethod
    def current_tenant_version(conn: Connection, tenant_id: str) -> int | None:
        return conn.execute(
            select(tenant_keys.c.version).where(
                tenant_keys.c.tenant_id == tenant_id, tenant_keys.c.is_current.is_(True)
            )
        ).scalar()

    def tenant_key(
        self,
        conn: Connection,
        tenant_id: str,
        version: int,
        *,
        wrapped: bytes | None = None,
        root_version: int | None = None,
    ) -> bytes:
        """The unwrapped tenant key ``version``: from the cache, the given row, or the table."""
        cache_key = (tenant_id, version)
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return self._cache[cache_key]
        if wrapped is None or root_version is None:
            row = conn.execute(
                select(tenant_keys.c.wrapped, tenant_keys.c.root_version).where(
                    tenant_keys.c.tenant_id == tenant_id, tenant_keys.c.version == version
                )
            ).first()
            if row is None:
                raise KeyNotFoundError(f"tenant {tenant_id} has no key version {version}")
            wrapped, root_version = row.wrapped, row.root_version
        key = self.root.unwrap(
            root_version, bytes(wrapped), tenant_key_aad(tenant_id, version, root_version)
        )
        with self._lock:
            self._cache[cache_key] = key
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return key

    def forget_tenant_versions(self, tenant_id: str, versions: Iterable[int]) -> None:
        """Drop retired tenant key versions from the in-memory cache."""
        with self._lock:
            for version in versions:
                self._cache.pop((tenant_id, version), None)

    # -- subject keys ------------------------------------------------------

    def _new_subject_row(
        self, kind: str, subject_id: str, tenant_id: str, tenant_version: int, tenant_key: bytes
    ) -> dict[str, object]:
        aad = subject_key_aad(kind, subject_id, tenant_id, SUBJECT_KEY_VERSION, tenant_version)
        return {
            "subject_kind": kind,
            "subject_id": subject_id,
            "tenant_id": tenant_id,
            "key_version": SUBJECT_KEY_VERSION,
            "wrapped": self.wrap(tenant_key, new_key(), aad),
            "tenant_key_version": tenant_version,
            "created_at": utcnow(),
            "destroyed_at": None,
        }

    def wrap(self, kek: bytes, key: bytes, aad: bytes) -> bytes:
        """Wrap a key with this store's wrap algorithm (GCM-SIV where available)."""
        return wrap_key(kek, key, aad, algorithm=self.wrap_algorithm)

    def ensure_child_keys(
        self, tenant_id: str, child_ids: Iterable[str], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> int:
        """Create keys for the children that lack one; return how many were created.

        Refuses a child whose key belongs to another tenant or was destroyed:
        an erased child's id never gets a working key again.
        """
        return self._ensure_subject_keys(SUBJECT_CHILD, tenant_id, child_ids, batch_size)

    def ensure_case_keys(self, tenant_id: str, child_ids: Iterable[str]) -> int:
        """Create the children's case-record keys where missing (kept after erasure)."""
        return self._ensure_subject_keys(SUBJECT_CASE, tenant_id, child_ids, DEFAULT_BATCH_SIZE)

    def _ensure_subject_keys(
        self, kind: str, tenant_id: str, child_ids: Iterable[str], batch_size: int
    ) -> int:
        ids = list(dict.fromkeys(check_id("child_id", c) for c in child_ids))
        self.ensure_tenant_key(tenant_id)
        created = 0
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            created += retry_on_conflict(
                lambda chunk=chunk: self._insert_subjects(kind, tenant_id, chunk)
            )
        return created

    def _insert_subjects(self, kind: str, tenant_id: str, child_ids: Sequence[str]) -> int:
        with self.engine.begin() as conn:
            version = self.current_tenant_version(conn, tenant_id)
            if version is None:
                raise KeyNotFoundError(f"tenant {tenant_id} has no key")
            existing = conn.execute(
                select(
                    subject_keys.c.subject_id, subject_keys.c.tenant_id, subject_keys.c.destroyed_at
                )
                .where(subject_keys.c.subject_kind == kind)
                .where(subject_keys.c.subject_id.in_(child_ids))
            ).all()
            for row in existing:
                if row.destroyed_at is not None:
                    raise KeyDestroyedError(f"{kind} {row.subject_id} was erased")
                if row.tenant_id != tenant_id:
                    raise CryptoError(f"{kind} {row.subject_id} belongs to another tenant")
            known = {row.subject_id for row in existing}
            missing = [c for c in child_ids if c not in known]
            if not missing:
                return 0
            tenant_key = self.tenant_key(conn, tenant_id, version)
            rows = [self._new_subject_row(kind, c, tenant_id, version, tenant_key) for c in missing]
            conn.execute(insert(subject_keys), rows)
            return len(rows)

    def subject_key(self, kind: str, subject_id: str) -> SubjectKey:
        """Load and unwrap a subject key in one read (consistent while rotation runs).

        The subject row and the tenant key row it points at come from a single
        statement, so a concurrent rotation can never leave us holding a
        version that was just retired.
        """
        # One statement needs no transaction of its own: autocommit spares the
        # BEGIN and ROLLBACK round trips on every read of child content.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            row = conn.execute(_SUBJECT_KEY, {"kind": kind, "subject_id": subject_id}).first()
            if row is None:
                raise KeyNotFoundError(f"no {kind} key for {subject_id}")
            if row.destroyed_at is not None:
                raise KeyDestroyedError(f"the key of {kind} {subject_id} was destroyed")
            if row.tenant_wrapped is None:
                raise KeyNotFoundError(f"tenant key of {kind} {subject_id} is missing")
            tenant_key = self.tenant_key(
                conn,
                row.tenant_id,
                row.tenant_key_version,
                wrapped=row.tenant_wrapped,
                root_version=row.root_version,
            )
        aad = subject_key_aad(
            kind, subject_id, row.tenant_id, row.key_version, row.tenant_key_version
        )
        key = unwrap_key(tenant_key, bytes(row.wrapped), aad)
        return SubjectKey(kind, subject_id, row.tenant_id, row.key_version, key)

    def destroy_child_key(self, child_id: str) -> bool:
        """Erase a child's key for good; see :meth:`destroy_subject_key`."""
        return self.destroy_subject_key(SUBJECT_CHILD, child_id)

    def destroy_case_key(self, child_id: str) -> bool:
        """Destroy a child's case-record key (after the decision to end its legal hold)."""
        return self.destroy_subject_key(SUBJECT_CASE, child_id)

    def destroy_subject_key(self, kind: str, child_id: str) -> bool:
        """Destroy a child's subject key for good; return False if it was already destroyed.

        The wrapped key is set to NULL (SQLite's ``secure_delete`` zeroes the old
        bytes); the row stays as a tombstone. Copies of the wrapped key left in
        old key store backups or journals remain protected by the tenant key;
        rotating the tenant afterwards retires that version too.
        """
        check_id("child_id", child_id)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(subject_keys)
                .where(
                    subject_keys.c.subject_kind == kind,
                    subject_keys.c.subject_id == child_id,
                    subject_keys.c.destroyed_at.is_(None),
                )
                .values(wrapped=None, tenant_key_version=None, destroyed_at=utcnow())
            )
            if result.rowcount == 0:
                exists = conn.execute(
                    select(subject_keys.c.subject_id).where(
                        subject_keys.c.subject_kind == kind,
                        subject_keys.c.subject_id == child_id,
                    )
                ).first()
                if exists is None:
                    raise KeyNotFoundError(f"no {kind} key for {child_id}")
                return False
        self._checkpoint_sqlite_wal()
        return True

    def _checkpoint_sqlite_wal(self) -> None:
        """In WAL mode, fold the write-ahead log (old page images) into the zeroed file."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    # -- reporting ---------------------------------------------------------

    def status(self) -> KeyStoreStatus:
        """Counts per root and tenant key version (no key is unwrapped)."""
        return read_status(self.engine, self.root.current_version)


def retry_on_conflict(action: Callable[[], T]) -> T:
    """Run ``action`` again if a concurrent writer won a race (unique or foreign key).

    Creation and rotation are idempotent, so re-reading and trying again is
    the right answer to "someone else just did it" or "that version just retired".
    """
    for attempt in range(_ATTEMPTS):
        try:
            return action()
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
