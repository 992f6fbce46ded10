"""What the key store holds, counted per key version (for ``keys status``).

Operators use it to see whether a rotation finished (one tenant key version
per tenant, every tenant key on the current root version) before retiring an
old root key version. No key is unwrapped to produce it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from allaboutme.crypto.schema import subject_keys, tenant_keys


@dataclass(frozen=True)
class KeyStoreStatus:
    """Counts per key version.

    ``live_subject_keys`` maps tenant -> tenant key version -> number of live
    subject keys (children plus the tenant's own key) wrapped under it.
    """

    current_root_version: int
    tenant_keys_by_root_version: dict[int, int]
    tenant_key_versions: dict[str, tuple[int, ...]]
    current_tenant_versions: dict[str, int]
    live_subject_keys: dict[str, dict[int, int]]
    destroyed_child_keys: int

    @property
    def tenants_mid_rotation(self) -> tuple[str, ...]:
        """Tenants still holding more than one tenant key version."""
        return tuple(t for t, versions in self.tenant_key_versions.items() if len(versions) > 1)

    @property
    def root_rotation_pending(self) -> bool:
        """Whether some tenant key is still wrapped under a non-current root version."""
        return any(v != self.current_root_version for v in self.tenant_keys_by_root_version)


def read_status(engine: Engine, current_root_version: int) -> KeyStoreStatus:
    """Count keys per version in one short read."""
    t, s = tenant_keys.c, subject_keys.c
    with engine.connect() as conn:
        by_root = conn.execute(select(t.root_version, func.count()).group_by(t.root_version)).all()
        versions = conn.execute(
            select(t.tenant_id, t.version, t.is_current).order_by(t.tenant_id, t.version)
        ).all()
        live = conn.execute(
            select(s.tenant_id, s.tenant_key_version, func.count())
            .where(s.destroyed_at.is_(None))
            .group_by(s.tenant_id, s.tenant_key_version)
        ).all()
        destroyed = conn.execute(
            select(func.count()).select_from(subject_keys).where(s.destroyed_at.is_not(None))
        ).scalar_one()
    tenant_versions: dict[str, tuple[int, ...]] = {}
    for row in versions:
        tenant_versions[row.tenant_id] = (*tenant_versions.get(row.tenant_id, ()), row.version)
    live_counts: dict[str, dict[int, int]] = {}
    for tenant_id, version, count in live:
        live_counts.setdefault(tenant_id, {})[version] = count
    return KeyStoreStatus(
        current_root_version=current_root_version,
        tenant_keys_by_root_version=dict(by_root),
        tenant_key_versions=tenant_versions,
        current_tenant_versions={r.tenant_id: r.version for r in versions if r.is_current},
        live_subject_keys=live_counts,
        destroyed_child_keys=destroyed,
    )
