"""Root and tenant key rotation: online, batched, resumable after a kill."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from allaboutme.crypto import (
    FileRootKeyProvider,
    KeyDestroyedError,
    KeyNotFoundError,
    RecordContext,
    Vault,
    add_root_key_version,
    remove_root_key_version,
)
from allaboutme.crypto.rotation import rotate_root, rotate_tenant


class Killed(Exception):
    """Stands in for the process dying between two batches."""


def kill_after(batches: int):  # noqa: ANN201 - a tiny hook factory
    seen = []

    def hook(count: int) -> None:
        seen.append(count)
        if len(seen) >= batches:
            raise Killed

    return hook


def populate(vault: Vault, tenant: str, children: int) -> dict[RecordContext, bytes]:
    """Children with one sealed record each, plus a tenant-owned record."""
    ids = [f"{tenant}-child-{i:05d}" for i in range(children)]
    vault.keystore.ensure_child_keys(tenant, ids)
    sealed = {}
    for child in ids[:: max(1, children // 20)]:
        record = RecordContext(tenant, "profile_sections", "body", f"row-{child}", 1, child)
        sealed[record] = vault.seal(child.encode(), record)
    own = RecordContext(tenant, "users", "totp_secret", "user-1", 1)
    sealed[own] = vault.seal(b"totp", own)
    return sealed


def assert_all_open(vault: Vault, sealed: dict[RecordContext, bytes]) -> None:
    for record, envelope in sealed.items():
        expected = b"totp" if record.child_id is None else record.child_id.encode()
        assert vault.open(envelope, record) == expected


def test_rotate_tenant_moves_every_subject_key_and_retires_the_old_version(vault: Vault) -> None:
    sealed = populate(vault, "la-1", 40)
    other = populate(vault, "la-2", 5)
    report = vault.rotate_tenant("la-1", batch_size=7)
    assert (report.target_version, report.rewrapped, report.resumed) == (2, 41, False)
    assert report.retired_versions == (1,)
    status = vault.status()
    assert status.tenant_key_versions == {"la-1": (2,), "la-2": (1,)}
    assert status.live_subject_keys == {"la-1": {2: 41}, "la-2": {1: 6}}
    assert status.tenants_mid_rotation == ()
    assert_all_open(vault, sealed)
    assert_all_open(vault, other)
    assert vault.rotate_tenant("la-1").target_version == 3
    assert_all_open(Vault(vault.keystore.engine, vault.keystore.root), sealed)


def test_rotate_unknown_tenant_is_reported(vault: Vault) -> None:
    with pytest.raises(KeyNotFoundError):
        vault.rotate_tenant("no-such-la")


def test_tenant_rotation_killed_mid_way_is_finished_by_a_rerun(vault: Vault) -> None:
    sealed = populate(vault, "la-1", 30)
    with pytest.raises(Killed):
        rotate_tenant(vault.keystore, "la-1", batch_size=10, _after_batch=kill_after(1))
    status = vault.status()
    assert status.tenants_mid_rotation == ("la-1",)
    assert status.live_subject_keys["la-1"] == {1: 21, 2: 10}
    assert_all_open(vault, sealed)  # every key unwrappable mid-way
    assert_all_open(Vault(vault.keystore.engine, vault.keystore.root), sealed)
    vault.ensure_child_key("la-1", "born-mid-rotation")  # new keys use the new version
    report = vault.rotate_tenant("la-1", batch_size=10)
    assert (report.target_version, report.rewrapped, report.resumed) == (2, 21, True)
    assert vault.status().tenant_key_versions == {"la-1": (2,)}
    assert vault.status().live_subject_keys == {"la-1": {2: 32}}
    assert_all_open(vault, sealed)


def test_tenant_rotation_killed_before_retiring_is_finished_by_a_rerun(vault: Vault) -> None:
    sealed = populate(vault, "la-1", 9)
    with pytest.raises(Killed):
        rotate_tenant(vault.keystore, "la-1", batch_size=100, _after_batch=kill_after(1))
    assert vault.status().tenant_key_versions == {"la-1": (1, 2)}
    report = vault.rotate_tenant("la-1")
    assert (report.rewrapped, report.resumed, report.retired_versions) == (0, True, (1,))
    assert_all_open(vault, sealed)


def test_rotate_root_rewraps_every_tenant_key(vault: Vault, root_key_file: Path) -> None:
    sealed = populate(vault, "la-1", 5) | populate(vault, "la-2", 5)
    vault.rotate_tenant("la-2")
    assert add_root_key_version(root_key_file) == 2
    rotated = Vault(vault.keystore.engine, FileRootKeyProvider(root_key_file))
    report = rotated.rotate_root()
    assert (report.target_version, report.rewrapped) == (2, 2)
    assert rotated.status().tenant_keys_by_root_version == {2: 2}
    assert not rotated.status().root_rotation_pending
    remove_root_key_version(root_key_file, 1)
    assert_all_open(Vault(vault.keystore.engine, FileRootKeyProvider(root_key_file)), sealed)


def test_root_rotation_killed_mid_way_is_finished_by_a_rerun(
    vault: Vault, root_key_file: Path
) -> None:
    sealed = {}
    for tenant in ("la-1", "la-2", "la-3"):
        sealed |= populate(vault, tenant, 2)
    add_root_key_version(root_key_file)
    rotated = Vault(vault.keystore.engine, FileRootKeyProvider(root_key_file))
    with pytest.raises(Killed):
        rotate_root(rotated.keystore, batch_size=1, _after_batch=kill_after(1))
    assert rotated.status().tenant_keys_by_root_version == {1: 2, 2: 1}
    assert rotated.status().root_rotation_pending
    assert_all_open(Vault(vault.keystore.engine, FileRootKeyProvider(root_key_file)), sealed)
    assert rotated.rotate_root(batch_size=1).rewrapped == 2
    assert rotated.status().tenant_keys_by_root_version == {2: 3}
    assert_all_open(Vault(vault.keystore.engine, FileRootKeyProvider(root_key_file)), sealed)


def test_destroyed_child_stays_destroyed_through_rotation(vault: Vault) -> None:
    sealed = populate(vault, "la-1", 20)
    erased = next(r for r in sealed if r.child_id)
    vault.destroy_child_key(erased.child_id or "")
    vault.rotate_tenant("la-1", batch_size=3)
    with pytest.raises(KeyDestroyedError):
        vault.open(sealed[erased], erased)
    assert vault.status().destroyed_child_keys == 1


def test_readers_keep_working_while_a_tenant_rotates(vault: Vault) -> None:
    sealed = populate(vault, "la-1", 200)
    readers_vault = Vault(vault.keystore.engine, vault.keystore.root)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                assert_all_open(readers_vault, sealed)
            except BaseException as exc:  # noqa: BLE001 - report anything to the main thread
                errors.append(exc)
                return

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for _ in range(3):
            vault.rotate_tenant("la-1", batch_size=25)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert vault.status().tenant_key_versions == {"la-1": (4,)}


def test_rotating_ten_thousand_children_is_fast_on_sqlite(sqlite_vault: Vault) -> None:
    sqlite_vault.keystore.ensure_child_keys("la-big", [f"c{i}" for i in range(10_000)])
    record = RecordContext("la-big", "profile_sections", "body", "r", 1, "c9999")
    envelope = sqlite_vault.seal(b"still here", record)
    started = time.perf_counter()
    report = sqlite_vault.rotate_tenant("la-big")
    elapsed = time.perf_counter() - started
    assert report.rewrapped == 10_001
    assert elapsed < 10, f"rotation took {elapsed:.1f} s"
    assert sqlite_vault.open(envelope, record) == b"still here"
