"""Canonical associated data (AAD) that binds every ciphertext to its place.

AES-GCM authenticates the associated data, so a ciphertext copied to another
row, field, table, record version, child or tenant fails to decrypt. For that
to be reliable the bytes must be *canonical*: one context gives exactly one
byte string and two different contexts never collide. Each field is therefore
length-prefixed (never joined with a separator a value could contain), integers
have a fixed width, and the whole encoding starts with a format version byte so
it can evolve without ambiguity.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

AAD_FORMAT_VERSION: Final = 1
MAX_ID_BYTES: Final = 255
MAX_RECORD_VERSION: Final = 2**63 - 1
MAX_KEY_VERSION: Final = 2**32 - 1

SUBJECT_CHILD: Final = "child"
SUBJECT_TENANT: Final = "tenant"
# A child's case-record key: protects statutory records (referral packet
# snapshots) that must outlive the erasure of the child's working profile.
SUBJECT_CASE: Final = "case"


def encode_fields(label: bytes, *fields: bytes) -> bytes:
    """Join ``label`` and ``fields`` as ``version || (u32 length || bytes)*``.

    The label names the purpose (record, tenant key, ...) so bytes built for
    one purpose can never be accepted for another.
    """
    parts = [bytes([AAD_FORMAT_VERSION])]
    for item in (label, *fields):
        parts.append(struct.pack(">I", len(item)))
        parts.append(item)
    return b"".join(parts)


def u32(value: int) -> bytes:
    """A key version as 4 big-endian bytes (rejects out-of-range values)."""
    if isinstance(value, bool) or not 0 <= value <= MAX_KEY_VERSION:
        raise ValueError("key version out of range")
    return struct.pack(">I", value)


def u64(value: int) -> bytes:
    """A record version as 8 big-endian bytes (rejects out-of-range values)."""
    if isinstance(value, bool) or not 0 <= value <= MAX_RECORD_VERSION:
        raise ValueError("record version out of range")
    return struct.pack(">Q", value)


def check_id(name: str, value: object) -> str:
    """Return ``value`` if it is a usable identifier, else raise ``ValueError``.

    Ids are non-empty text of at most 255 UTF-8 bytes, so they fit the envelope's
    length prefix and never smuggle a surrogate that would not encode.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    try:
        encoded = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid text") from exc
    if len(encoded) > MAX_ID_BYTES:
        raise ValueError(f"{name} is longer than {MAX_ID_BYTES} bytes")
    return value


@dataclass(frozen=True, slots=True)
class RecordContext:
    """Where an encrypted value lives: the caller's description of a record.

    ``child_id`` is ``None`` for records that belong to the tenant organisation
    itself (a professional's TOTP secret, say); those are sealed under the
    tenant's own subject key instead of a child key. ``is_case_record`` seals
    a child's record under their case-record key, which erasing the child's
    profile leaves in place (a legal hold).
    """

    tenant_id: str
    table: str
    field: str
    row_id: str
    version: int
    child_id: str | None = None
    is_case_record: bool = False

    def __post_init__(self) -> None:
        check_id("tenant_id", self.tenant_id)
        check_id("table", self.table)
        check_id("field", self.field)
        check_id("row_id", self.row_id)
        if self.child_id is not None:
            check_id("child_id", self.child_id)
        elif self.is_case_record:
            raise ValueError("a case record belongs to a child")
        if not isinstance(self.version, int):
            raise ValueError("record version must be an integer")
        u64(self.version)

    @property
    def subject_kind(self) -> str:
        """``"child"``, ``"case"`` or ``"tenant"``: whose key protects this record."""
        if self.child_id is None:
            return SUBJECT_TENANT
        return SUBJECT_CASE if self.is_case_record else SUBJECT_CHILD

    @property
    def subject_id(self) -> str:
        """The id of the key's owner: the child, or the tenant itself."""
        return self.tenant_id if self.child_id is None else self.child_id


def record_aad(ctx: RecordContext, key_version: int) -> bytes:
    """The associated data of one record's ciphertext under one subject key version."""
    return encode_fields(
        b"record",
        ctx.tenant_id.encode(),
        ctx.subject_kind.encode(),
        (ctx.child_id or "").encode(),
        ctx.table.encode(),
        ctx.field.encode(),
        ctx.row_id.encode(),
        u64(ctx.version),
        u32(key_version),
    )


def tenant_key_aad(tenant_id: str, version: int, root_version: int) -> bytes:
    """Binds a wrapped tenant key to its tenant, its version and its root key version."""
    return encode_fields(b"tenant-key", tenant_id.encode(), u32(version), u32(root_version))


def subject_key_aad(
    kind: str, subject_id: str, tenant_id: str, key_version: int, tenant_key_version: int
) -> bytes:
    """Binds a wrapped subject (child or tenant-own) key to its owner and wrapping key.

    A wrapped child key copied onto another child's row, or into another
    tenant, therefore fails to unwrap.
    """
    return encode_fields(
        b"subject-key",
        kind.encode(),
        subject_id.encode(),
        tenant_id.encode(),
        u32(key_version),
        u32(tenant_key_version),
    )
