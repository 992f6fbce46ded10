"""The one entry point the app uses to encrypt and decrypt records.

``Vault`` joins the envelope format to the key store: ``seal`` and ``open``
take a :class:`RecordContext` saying where the bytes live, so a ciphertext
only opens in the exact place it was sealed for. The app builds one Vault per
process from the key store engine and a root key provider; it never sees a key.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from allaboutme.crypto.aad import RecordContext
from allaboutme.crypto.envelope import check_context, open_envelope, parse_envelope, seal_envelope
from allaboutme.crypto.errors import CryptoError, DecryptionError
from allaboutme.crypto.keystore import DEFAULT_BATCH_SIZE, KeyStore, SubjectKey
from allaboutme.crypto.rootkeys import RootKeyProvider
from allaboutme.crypto.rotation import RotationReport, rotate_root, rotate_tenant
from allaboutme.crypto.status import KeyStoreStatus

# Unwrapped subject keys by (kind, subject id), for callers that hold them for one
# unit of work (the app: one request), so that a request reading a child's
# sections and captions, or writing then reading back, asks the key store once.
KeyCache = dict[tuple[str, str], SubjectKey]


class Vault:
    """Seal and open records; create, destroy and rotate the keys behind them.

    Thread-safe; every call runs its own short key store transaction(s).
    """

    def __init__(
        self,
        engine: Engine,
        root_provider: RootKeyProvider,
        *,
        wrap_algorithm: int | None = None,
    ) -> None:
        self.keystore = KeyStore(engine, root_provider, wrap_algorithm=wrap_algorithm)
        self._wrap_algorithm = wrap_algorithm

    def __repr__(self) -> str:
        return f"Vault({self.keystore!r})"

    def create_schema(self) -> None:
        """Create the key store tables if missing (idempotent)."""
        self.keystore.create_schema()

    def ensure_tenant_key(self, tenant_id: str) -> None:
        """Create the tenant's keys if missing; needed before sealing its own records."""
        self.keystore.ensure_tenant_key(tenant_id)

    def ensure_child_key(self, tenant_id: str, child_id: str) -> None:
        """Create the child's key under the tenant if missing (and the tenant's keys).

        Raises ``KeyDestroyedError`` for an erased child and ``CryptoError`` if
        the child's key belongs to another tenant.
        """
        self.keystore.ensure_child_keys(tenant_id, [child_id])

    def ensure_case_key(self, tenant_id: str, child_id: str) -> None:
        """Create the child's case-record key if missing.

        Statutory records (a referral packet's snapshot) are sealed under it, so
        erasing the child's working profile, which destroys the child key, leaves
        them readable until an administrator records the decision to destroy them.
        """
        self.keystore.ensure_case_keys(tenant_id, [child_id])

    def destroy_case_key(self, child_id: str) -> bool:
        """End a child's statutory records: their case-record key is destroyed for good."""
        return self.keystore.destroy_case_key(child_id)

    def destroy_child_key(self, child_id: str) -> bool:
        """Erase a child: nothing sealed for them opens again, anywhere.

        Returns False if the key had already been destroyed.
        """
        return self.keystore.destroy_child_key(child_id)

    def seal(self, plaintext: bytes, ctx: RecordContext, keys: KeyCache | None = None) -> bytes:
        """Encrypt ``plaintext`` for the record ``ctx`` under a fresh data key.

        The subject key (the child's, or the tenant's own when ``ctx.child_id``
        is None) must exist: see :meth:`ensure_child_key`.
        """
        subject = self._subject_key(ctx, keys)
        if subject.tenant_id != ctx.tenant_id:
            raise CryptoError(f"{ctx.subject_kind} {ctx.subject_id} belongs to another tenant")
        return seal_envelope(
            subject.key, subject.version, plaintext, ctx, wrap_algorithm=self._wrap_algorithm
        )

    def open(self, envelope: bytes, ctx: RecordContext, keys: KeyCache | None = None) -> bytes:
        """Decrypt an envelope sealed for exactly ``ctx``.

        Raises ``EnvelopeError`` (malformed), ``DecryptionError`` (tampered or
        wrong context), ``KeyDestroyedError`` (erased child) or ``KeyNotFoundError``.
        """
        parsed = parse_envelope(envelope)
        check_context(parsed, ctx)
        subject = self._subject_key(ctx, keys)
        if subject.tenant_id != ctx.tenant_id or subject.version != parsed.key_ref.version:
            raise DecryptionError("envelope does not belong to this record")
        return open_envelope(subject.key, parsed, ctx)

    def open_many(
        self, items: Sequence[tuple[bytes, RecordContext]], keys: KeyCache | None = None
    ) -> list[bytes]:
        """Decrypt several envelopes, loading each subject's key once.

        A profile read opens one record per section of one child: this costs one
        key store read and one unwrap instead of one per section.
        """
        keys = {} if keys is None else keys
        opened = []
        for envelope, ctx in items:
            parsed = parse_envelope(envelope)
            check_context(parsed, ctx)
            subject = self._subject_key(ctx, keys)
            if subject.tenant_id != ctx.tenant_id or subject.version != parsed.key_ref.version:
                raise DecryptionError("envelope does not belong to this record")
            opened.append(open_envelope(subject.key, parsed, ctx))
        return opened

    def _subject_key(self, ctx: RecordContext, keys: KeyCache | None) -> SubjectKey:
        ref = (ctx.subject_kind, ctx.subject_id)
        if keys is None:
            return self.keystore.subject_key(*ref)
        if ref not in keys:
            keys[ref] = self.keystore.subject_key(*ref)
        return keys[ref]

    def rotate_tenant(
        self, tenant_id: str, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> RotationReport:
        """New tenant key version; re-wrap the tenant's subject keys (resumable)."""
        return rotate_tenant(self.keystore, tenant_id, batch_size=batch_size)

    def rotate_root(self, *, batch_size: int = DEFAULT_BATCH_SIZE) -> RotationReport:
        """Re-wrap every tenant key under the provider's current root version (resumable)."""
        return rotate_root(self.keystore, batch_size=batch_size)

    def status(self) -> KeyStoreStatus:
        """Key counts per root and tenant key version."""
        return self.keystore.status()
