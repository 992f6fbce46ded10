"""Key rotation: re-wrap keys under a new root or tenant key version, online.

Only wrapped keys move; no envelope and no plaintext is touched, because data
keys are wrapped by subject keys and those stay the same.

Both rotations are resumable. They work in short batches (one transaction
each) that move rows from an old wrapping version to the target version with a
conditional ``UPDATE`` (only if the row is still on the version read and, for
subject keys, not destroyed meanwhile). Old versions stay in place until
nothing points at them, so every key can be unwrapped at every instant and a
run killed half-way is finished simply by running it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from allaboutme.crypto.aad import check_id, subject_key_aad, tenant_key_aad
from allaboutme.crypto.errors import KeyNotFoundError
from allaboutme.crypto.keystore import DEFAULT_BATCH_SIZE, KeyStore, retry_on_conflict
from allaboutme.crypto.schema import subject_keys, tenant_keys
from allaboutme.crypto.wrapping import new_key, unwrap_key

log = logging.getLogger(__name__)

BatchHook = Callable[[int], None]
_MAX_ROUNDS = 5


@dataclass(frozen=True)
class RotationReport:
    """What one rotation run did (counts only)."""

    target_version: int
    rewrapped: int
    resumed: bool
    retired_versions: tuple[int, ...] = ()


def rotate_tenant(
    store: KeyStore,
    tenant_id: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    _after_batch: BatchHook | None = None,
) -> RotationReport:
    """Give a tenant a new key version and re-wrap all its subject keys under it.

    If an earlier run did not finish (old versions remain), this run finishes
    that rotation instead of starting another one. ``_after_batch`` is a test
    hook called with the number of rows moved after each committed batch.
    """
    check_id("tenant_id", tenant_id)
    target, resumed = retry_on_conflict(lambda: _begin_tenant_rotation(store, tenant_id))
    moved, retired = 0, []
    for _round in range(_MAX_ROUNDS):
        moved += _rewrap_subjects(store, tenant_id, target, batch_size, _after_batch)
        retired += _retire_tenant_versions(store, tenant_id, target)
        if not _old_tenant_versions(store, tenant_id, target):
            break
    store.forget_tenant_versions(tenant_id, retired)
    log.info("tenant %s: %d subject keys now under version %d", tenant_id, moved, target)
    return RotationReport(target, moved, resumed, tuple(sorted(retired)))


def _begin_tenant_rotation(store: KeyStore, tenant_id: str) -> tuple[int, bool]:
    """Return (target version, resumed): the unfinished target, or a new version."""
    with store.engine.begin() as conn:
        rows = conn.execute(
            select(tenant_keys.c.version, tenant_keys.c.is_current).where(
                tenant_keys.c.tenant_id == tenant_id
            )
        ).all()
        if not rows:
            raise KeyNotFoundError(f"tenant {tenant_id} has no key")
        current = next((r.version for r in rows if r.is_current), None)
        if current is None:
            raise KeyNotFoundError(f"tenant {tenant_id} has no current key")
        if len(rows) > 1:
            return current, True
        target = max(r.version for r in rows) + 1
        conn.execute(
            update(tenant_keys).where(tenant_keys.c.tenant_id == tenant_id).values(is_current=False)
        )
        store.insert_tenant_key(conn, tenant_id, target, new_key(), is_current=True)
        return target, False


def _rewrap_subjects(
    store: KeyStore, tenant_id: str, target: int, batch_size: int, hook: BatchHook | None
) -> int:
    moved = 0
    while count := _rewrap_subject_batch(store, tenant_id, target, batch_size):
        moved += count
        if hook is not None:
            hook(count)
    return moved


def _rewrap_subject_batch(store: KeyStore, tenant_id: str, target: int, batch_size: int) -> int:
    """Move up to ``batch_size`` subject keys of the tenant onto ``target`` in one transaction."""
    s = subject_keys.c
    with store.engine.begin() as conn:
        rows = conn.execute(
            select(s.subject_kind, s.subject_id, s.key_version, s.wrapped, s.tenant_key_version)
            .where(s.tenant_id == tenant_id, s.tenant_key_version != target)
            .order_by(s.subject_kind, s.subject_id)
            .limit(batch_size)
        ).all()
        if not rows:
            return 0
        target_key = store.tenant_key(conn, tenant_id, target)
        changes = []
        for row in rows:
            old_key = store.tenant_key(conn, tenant_id, row.tenant_key_version)
            ids = (row.subject_kind, row.subject_id, tenant_id, row.key_version)
            key = unwrap_key(
                old_key, bytes(row.wrapped), subject_key_aad(*ids, row.tenant_key_version)
            )
            changes.append(
                {
                    "b_kind": row.subject_kind,
                    "b_id": row.subject_id,
                    "b_old": row.tenant_key_version,
                    "b_wrapped": store.wrap(target_key, key, subject_key_aad(*ids, target)),
                }
            )
        conn.execute(
            _MOVE_SUBJECT.values(wrapped=bindparam("b_wrapped"), tenant_key_version=target), changes
        )
    return len(rows)


_MOVE_SUBJECT = update(subject_keys).where(
    subject_keys.c.subject_kind == bindparam("b_kind"),
    subject_keys.c.subject_id == bindparam("b_id"),
    subject_keys.c.tenant_key_version == bindparam("b_old"),
    subject_keys.c.destroyed_at.is_(None),
)


def _old_tenant_versions(store: KeyStore, tenant_id: str, target: int) -> list[int]:
    with store.engine.connect() as conn:
        return list(
            conn.execute(
                select(tenant_keys.c.version).where(
                    tenant_keys.c.tenant_id == tenant_id, tenant_keys.c.version != target
                )
            ).scalars()
        )


def _retire_tenant_versions(store: KeyStore, tenant_id: str, target: int) -> list[int]:
    """Delete old tenant key versions that no subject key points at any more.

    A subject key created under an old version by a racing writer keeps that
    version alive (the delete skips it or the foreign key refuses it); the
    caller then runs another round.
    """
    before = _old_tenant_versions(store, tenant_id, target)
    if not before:
        return []
    t, s = tenant_keys.c, subject_keys.c
    referenced = exists().where(s.tenant_id == t.tenant_id, s.tenant_key_version == t.version)
    try:
        with store.engine.begin() as conn:
            conn.execute(
                delete(tenant_keys).where(
                    t.tenant_id == tenant_id, t.version != target, ~referenced
                )
            )
    except IntegrityError:
        return []
    remaining = set(_old_tenant_versions(store, tenant_id, target))
    return [v for v in before if v not in remaining]


def rotate_root(
    store: KeyStore,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    _after_batch: BatchHook | None = None,
) -> RotationReport:
    """Re-wrap every tenant key still under an old root version with the current one.

    Run after a new root key version became current in the provider. Idempotent:
    a re-run moves whatever is left.
    """
    target = store.root.current_version
    moved = 0
    while count := _rewrap_tenant_batch(store, target, batch_size):
        moved += count
        if _after_batch is not None:
            _after_batch(count)
    log.info("%d tenant keys now under root key version %d", moved, target)
    return RotationReport(target, moved, resumed=False)


def _rewrap_tenant_batch(store: KeyStore, target: int, batch_size: int) -> int:
    t = tenant_keys.c
    with store.engine.begin() as conn:
        rows = conn.execute(
            select(t.tenant_id, t.version, t.wrapped, t.root_version)
            .where(t.root_version != target)
            .order_by(t.tenant_id, t.version)
            .limit(batch_size)
        ).all()
        if not rows:
            return 0
        changes = []
        for row in rows:
            old_aad = tenant_key_aad(row.tenant_id, row.version, row.root_version)
            key = store.root.unwrap(row.root_version, bytes(row.wrapped), old_aad)
            new_aad = tenant_key_aad(row.tenant_id, row.version, target)
            changes.append(
                {
                    "b_tenant": row.tenant_id,
                    "b_version": row.version,
                    "b_old": row.root_version,
                    "b_wrapped": store.root.wrap(target, key, new_aad),
                }
            )
        conn.execute(
            _MOVE_TENANT.values(wrapped=bindparam("b_wrapped"), root_version=target), changes
        )
    return len(rows)


_MOVE_TENANT = update(tenant_keys).where(
    tenant_keys.c.tenant_id == bindparam("b_tenant"),
    tenant_keys.c.version == bindparam("b_version"),
    tenant_keys.c.root_version == bindparam("b_old"),
)
