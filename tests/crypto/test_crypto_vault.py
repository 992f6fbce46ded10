"""Vault and key store on SQLite and PostgreSQL: sealing, binding, erasure."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, select, update

from allaboutme.crypto import (
    CryptoError,
    DecryptionError,
    FileRootKeyProvider,
    KeyDestroyedError,
    KeyNotFoundError,
    RecordContext,
    Vault,
)
from allaboutme.crypto.schema import subject_keys, tenant_keys
from allaboutme.crypto.wrapping import WRAP_AES_256_GCM


def ctx(child: str | None = "child-a", tenant: str = "la-1", row: str = "row-1") -> RecordContext:
    return RecordContext(tenant, "profile_sections", "body", row, 1, child)


def _wrapped(engine: Engine, kind: str, subject_id: str) -> bytes:
    with engine.connect() as conn:
        return conn.execute(
            select(subject_keys.c.wrapped).where(
                subject_keys.c.subject_kind == kind, subject_keys.c.subject_id == subject_id
            )
        ).scalar_one()


def _set_subject(engine: Engine, subject_id: str, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(subject_keys).where(subject_keys.c.subject_id == subject_id).values(**values)
        )


def test_schema_is_idempotent_and_prefixed(vault: Vault, keystore_engine: Engine) -> None:
    vault.create_schema()
    vault.create_schema()
    names = set(inspect(keystore_engine).get_table_names())
    assert names == {"ks_tenant_keys", "ks_subject_keys"}


def test_seal_and_open_child_and_tenant_records(vault: Vault) -> None:
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_child_key("la-1", "child-a")  # idempotent
    sealed = vault.seal(b"I live with my nan", ctx())
    assert b"nan" not in sealed
    assert vault.open(sealed, ctx()) == b"I live with my nan"
    vault.ensure_tenant_key("la-1")
    totp = RecordContext("la-1", "users", "totp_secret", "user-1", 1)
    assert vault.open(vault.seal(b"JBSWY3DPEHPK3PXP", totp), totp) == b"JBSWY3DPEHPK3PXP"


def test_missing_keys_are_reported(vault: Vault) -> None:
    with pytest.raises(KeyNotFoundError):
        vault.seal(b"x", ctx("nobody"))
    with pytest.raises(KeyNotFoundError):
        vault.seal(b"x", ctx(None, tenant="no-such-la"))


def test_child_of_one_tenant_cannot_be_claimed_or_sealed_by_another(vault: Vault) -> None:
    vault.ensure_child_key("la-1", "child-a")
    with pytest.raises(CryptoError, match="another tenant"):
        vault.ensure_child_key("la-2", "child-a")
    with pytest.raises(CryptoError, match="another tenant"):
        vault.seal(b"x", ctx(tenant="la-2"))
    sealed = vault.seal(b"x", ctx())
    with pytest.raises(DecryptionError):
        vault.open(sealed, ctx(tenant="la-2"))


def test_envelope_moved_to_another_child_row_or_field_is_rejected(vault: Vault) -> None:
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_child_key("la-1", "child-b")
    sealed = vault.seal(b"secret", ctx())
    for other in (
        ctx("child-b"),
        ctx(row="row-2"),
        dataclasses.replace(ctx(), field="title"),
        dataclasses.replace(ctx(), table="images"),
        dataclasses.replace(ctx(), version=2),
        ctx(None),
    ):
        with pytest.raises(DecryptionError):
            vault.open(sealed, other)


def test_wrapped_child_key_moved_to_another_child_is_rejected(
    vault: Vault, keystore_engine: Engine
) -> None:
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_child_key("la-1", "child-b")
    sealed_b = vault.seal(b"b's secret", ctx("child-b"))
    _set_subject(keystore_engine, "child-b", wrapped=_wrapped(keystore_engine, "child", "child-a"))
    with pytest.raises(DecryptionError):
        vault.open(sealed_b, ctx("child-b"))
    with pytest.raises(DecryptionError):
        vault.seal(b"new", ctx("child-b"))


def test_wrapped_child_key_moved_to_another_tenant_is_rejected(
    vault: Vault, keystore_engine: Engine
) -> None:
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_tenant_key("la-2")
    sealed = vault.seal(b"secret", ctx())
    _set_subject(keystore_engine, "child-a", tenant_id="la-2")
    with pytest.raises(DecryptionError):
        vault.open(sealed, ctx(tenant="la-2"))
    with pytest.raises(DecryptionError):
        vault.open(sealed, ctx())


def test_wrapped_tenant_key_moved_to_another_tenant_is_rejected(
    keystore_engine: Engine, root_provider: FileRootKeyProvider
) -> None:
    vault = Vault(keystore_engine, root_provider)
    vault.create_schema()
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_child_key("la-2", "child-b")
    sealed = vault.seal(b"secret", ctx("child-b", tenant="la-2"))
    with keystore_engine.begin() as conn:
        stolen = conn.execute(
            select(tenant_keys.c.wrapped).where(tenant_keys.c.tenant_id == "la-1")
        ).scalar_one()
        conn.execute(
            update(tenant_keys).where(tenant_keys.c.tenant_id == "la-2").values(wrapped=stolen)
        )
    fresh = Vault(keystore_engine, root_provider)  # no cached tenant key
    with pytest.raises(DecryptionError):
        fresh.open(sealed, ctx("child-b", tenant="la-2"))


def test_erasure_makes_every_copy_unreadable_and_spares_others(vault: Vault) -> None:
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_child_key("la-1", "child-b")
    sealed_a = [vault.seal(f"a{i}".encode(), ctx(row=f"r{i}")) for i in range(3)]
    backup_copy = bytes(bytearray(sealed_a[0]))
    sealed_b = vault.seal(b"b", ctx("child-b"))
    assert vault.destroy_child_key("child-a") is True
    for i, sealed in enumerate(sealed_a):
        with pytest.raises(KeyDestroyedError):
            vault.open(sealed, ctx(row=f"r{i}"))
    with pytest.raises(KeyDestroyedError):
        vault.open(backup_copy, ctx(row="r0"))
    with pytest.raises(KeyDestroyedError):
        vault.seal(b"again", ctx())
    with pytest.raises(KeyDestroyedError):
        vault.ensure_child_key("la-1", "child-a")
    assert vault.open(sealed_b, ctx("child-b")) == b"b"
    assert vault.destroy_child_key("child-a") is False
    with pytest.raises(KeyNotFoundError):
        vault.destroy_child_key("never-existed")
    status = vault.status()
    assert status.destroyed_child_keys == 1
    assert status.live_subject_keys == {"la-1": {1: 2}}  # child-b and the tenant's own key


def test_erasure_zeroes_the_wrapped_key_in_the_sqlite_file(
    sqlite_vault: Vault, sqlite_engine: Engine
) -> None:
    sqlite_vault.ensure_child_key("la-1", "child-a")
    wrapped = _wrapped(sqlite_engine, "child", "child-a")
    database = Path(sqlite_engine.url.database or "")
    assert wrapped in database.read_bytes()
    sqlite_vault.destroy_child_key("child-a")
    sqlite_engine.dispose()
    for path in database.parent.glob(database.name + "*"):
        assert wrapped not in path.read_bytes(), path.name


def test_gcm_wrapping_also_works_end_to_end(keystore_engine: Engine, root_key_file: Path) -> None:
    provider = FileRootKeyProvider(root_key_file, wrap_algorithm=WRAP_AES_256_GCM)
    vault = Vault(keystore_engine, provider, wrap_algorithm=WRAP_AES_256_GCM)
    vault.create_schema()
    vault.ensure_child_key("la-1", "child-a")
    sealed = vault.seal(b"x", ctx())
    assert sealed[5] == WRAP_AES_256_GCM
    assert _wrapped(keystore_engine, "child", "child-a")[1] == WRAP_AES_256_GCM
    assert Vault(keystore_engine, FileRootKeyProvider(root_key_file)).open(sealed, ctx()) == b"x"


def test_reprs_show_no_key_material(vault: Vault, root_provider: FileRootKeyProvider) -> None:
    vault.ensure_child_key("la-1", "child-a")
    subject = vault.keystore.subject_key("child", "child-a")
    for text in (repr(subject), repr(vault), repr(root_provider)):
        assert subject.key.hex() not in text
        assert repr(subject.key) not in text


@settings(max_examples=60, deadline=None, database=None)
@given(
    plaintext=st.binary(max_size=2048),
    owner=st.sampled_from(["child-1", "child-2", None]),
    row=st.sampled_from(["r1", "r2"]),
    version=st.integers(0, 3),
)
def test_vault_round_trip_property(
    module_vault: Vault, plaintext: bytes, owner: str | None, row: str, version: int
) -> None:
    for child in ("child-1", "child-2"):
        module_vault.ensure_child_key("la-p", child)
    record = RecordContext("la-p", "profile_sections", "body", row, version, owner)
    sealed = module_vault.seal(plaintext, record)
    assert module_vault.open(sealed, record) == plaintext
    moved = dataclasses.replace(record, row_id="r1" if row == "r2" else "r2")
    with pytest.raises(DecryptionError):
        module_vault.open(sealed, moved)


def test_case_records_outlive_the_erasure_of_the_child_key(vault: Vault) -> None:
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_case_key("la-1", "child-a")
    working, case = ctx(), dataclasses.replace(ctx(), is_case_record=True)
    profile, snapshot = vault.seal(b"working", working), vault.seal(b"statutory", case)

    assert vault.destroy_child_key("child-a")

    with pytest.raises(KeyDestroyedError):
        vault.open(profile, working)
    assert vault.open(snapshot, case) == b"statutory"


def test_case_and_working_envelopes_cannot_stand_in_for_each_other(vault: Vault) -> None:
    vault.ensure_child_key("la-1", "child-a")
    vault.ensure_case_key("la-1", "child-a")
    working, case = ctx(), dataclasses.replace(ctx(), is_case_record=True)

    with pytest.raises(DecryptionError):
        vault.open(vault.seal(b"x", working), case)
    with pytest.raises(DecryptionError):
        vault.open(vault.seal(b"x", case), working)


def test_a_case_record_needs_a_child() -> None:
    with pytest.raises(ValueError, match="case record"):
        RecordContext("la-1", "packets", "snapshot", "row-1", 1, None, is_case_record=True)
